"""Whether a self-service kiosk may take customers' money: its ticket printer and its technician decide.

A kiosk whose ticket printer is out of paper or offline must stop selling *before* anyone pays, say why with a
reason code a technician can act on, and come back by itself once the printer recovers. A technician may also
take a kiosk out of service on purpose (kept in the store, so a restart keeps it). This module is the decision
alone, as a small state machine fed with printer statuses and the technician's flag; the app polls the printer
(:func:`printing.read_status`, or the print worker's last reading), writes heartbeats and shows the screens.

Reason codes (also words in the catalogs under ``out_of_order.reason_<code>``):

* ``taken_out_of_service`` — a technician took the kiosk out of service (outranks the printer);
* ``printer_paper_out``, ``printer_cover_open``, ``printer_offline`` — the ticket printer cannot print now
  (offline and unreachable are both ``printer_offline``).

A kiosk without a ticket printer in its config stays in service (its printer state is ``none``): a missing
printer is a setup matter shown on the technician's screens, not something a status poll can change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from printing import PrinterStatus

TAKEN_OUT = "taken_out_of_service"
REASONS = (TAKEN_OUT, "printer_paper_out", "printer_cover_open", "printer_offline")
"""Every reason code, the technician's first."""

PRINTER_STATES = ("ok", "near_end", "paper_out", "cover_open", "offline", "unknown", "none")
"""What a heartbeat says of a terminal's ticket printer: ``unknown`` when it cannot tell (a preview folder, no
answer yet), ``none`` when the terminal has no ticket printer."""

_REASON_OF_PROBLEM = {"paper_out": "printer_paper_out", "cover_open": "printer_cover_open"}


def printer_state(status: PrinterStatus | None, *, configured: bool = True) -> str:
    """One of :data:`PRINTER_STATES` for a printer's last status (None: not read yet)."""
    if not configured:
        return "none"
    if status is None:
        return "unknown"
    if status.problem is not None:
        return {"paper_out": "paper_out", "cover_open": "cover_open"}.get(status.problem, "offline")
    if status.online is None:
        return "unknown"
    return "near_end" if status.paper == "near_end" else "ok"


@dataclass(frozen=True)
class ServiceState:
    """In service, or out with a reason code (one of :data:`REASONS`)."""

    in_service: bool
    reason: str | None = None


def decide_service(*, taken_out: bool, printer_problem: str | None) -> ServiceState:
    """The kiosk's state from the technician's flag and the ticket printer's problem code (None: none known)."""
    if taken_out:
        return ServiceState(False, TAKEN_OUT)
    if printer_problem is not None:
        return ServiceState(False, _REASON_OF_PROBLEM.get(printer_problem, "printer_offline"))
    return ServiceState(True)


class KioskService:
    """A kiosk's service state, kept up to date by the app (``app.kiosk_service``).

    Read by the buying flow right before payment::

        if not app.kiosk_service.in_service:
            ...  # refuse: the out-of-order screen is on its way

    and told by it when money may move, so that the out-of-order screen never covers a customer mid-payment::

        with app.kiosk_service.payment():   # or begin_payment() ... end_payment()
            ...  # charge, record the sale, print, show the outcome

    Attributes:
        in_service: the kiosk may sell (always True for counters and doors).
        reason: why not, one of :data:`REASONS`; None in service.
        printer_state: the ticket printer, one of :data:`PRINTER_STATES`.
        taken_out: a technician took the kiosk out of service (kept in the store).
        payment_in_progress: a payment is under way; the out-of-order screen waits for it to end.
        on_change: called (on the app's thread) after ``in_service``/``reason``/``printer_state`` or
            ``payment_in_progress`` changed.

    Not thread-safe: the app updates it on its own thread only.
    """

    def __init__(self, *, kiosk: bool, printer_configured: bool, taken_out: bool = False) -> None:
        self.kiosk = kiosk
        self.printer_configured = printer_configured
        self.taken_out = taken_out
        self.printer_state = "unknown" if printer_configured else "none"
        self._problem: str | None = None
        self._paying = False
        self.on_change: Callable[[], None] | None = None
        state = self._decide()
        self.in_service, self.reason = state.in_service, state.reason

    @property
    def payment_in_progress(self) -> bool:
        """A payment is under way: the out-of-order screen waits until this is False again."""
        return self._paying

    @payment_in_progress.setter
    def payment_in_progress(self, paying: bool) -> None:
        if paying != self._paying:
            self._paying = paying
            self._changed()

    def begin_payment(self) -> None:
        """Money may move from now on: keep the customer's screen (pair with :meth:`end_payment`)."""
        self.payment_in_progress = True

    def end_payment(self) -> None:
        """The payment is over (paid and printed, declined, timed out or cancelled)."""
        self.payment_in_progress = False

    @contextmanager
    def payment(self) -> Iterator[None]:
        """``with kiosk_service.payment(): ...`` — :meth:`begin_payment` and :meth:`end_payment` around a block."""
        self.begin_payment()
        try:
            yield
        finally:
            self.end_payment()

    def printer_status(self, status: PrinterStatus) -> bool:
        """A reading of the ticket printer's status; returns True when the state changed.

        A reading that cannot tell (online None, no problem: a preview folder, a printer that did not answer in
        time) keeps the printer's last known problem: only a printer that says it is fine brings the kiosk back.
        """
        if not self.printer_configured:
            return False
        state = printer_state(status)
        if state == "unknown" and self._problem is not None:
            return False
        self._problem = status.problem
        return self._set(state)

    def set_taken_out(self, taken_out: bool) -> bool:
        """A technician took the kiosk out of service (True) or put it back (False); True when the state changed."""
        self.taken_out = taken_out
        return self._set(self.printer_state)

    def _decide(self) -> ServiceState:
        if not self.kiosk:
            return ServiceState(True)
        return decide_service(taken_out=self.taken_out, printer_problem=self._problem)

    def _set(self, printer: str) -> bool:
        state = self._decide()
        before = (self.in_service, self.reason, self.printer_state)
        self.in_service, self.reason, self.printer_state = state.in_service, state.reason, printer
        changed = before != (self.in_service, self.reason, self.printer_state)
        if changed:
            self._changed()
        return changed

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
