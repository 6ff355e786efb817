"""Collecting at a kiosk, step 2: the booking found, to check before printing; then "Print tickets".

The order (film, date and time, hall, each seat with its type, the phone masked, how many tickets) as the pickup
shows it (:func:`kiosk.pickup_calls.order_rows`), and beside it what can happen, in the customer's language: the
tickets ready to print with a large "Print tickets" button, or why not, with "please ask at the counter" and no
button: collected already (when and where), refunded, the showtime over or cancelled.

"Print tickets" collects through :func:`kiosk.pickup_calls.collect_tickets` (marked collected and queued for this
kiosk's printer in one transaction, in a worker thread), then the printing step follows them to paper. From that
press the out-of-order screen stays away (``kiosk_service.begin_payment``) until the customer leaves the printing
step, so a printer that fails while printing cannot hide where to collect the tickets. A kiosk that cannot print
now (no ticket printer, out of service) collects nothing and sends the customer to the counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.pickup import PickupView
from kiosk.pickup_calls import collect_tickets, collected_when, order_rows
from kiosk.screens.kiosk_collect_code_screen import KioskCollectStepScreen


class KioskCollectCheckScreen(KioskCollectStepScreen):
    """The order on the left; ready to print, or why not, on the right."""

    STEP = "check"
    CONTINUE = "kiosk_collect.print"

    @dataclass
    class Collected(Message):
        """The store answered the collection (posted from the worker thread)."""

        ticket_ids: list[int] | None = None
        error: BoxOfficeError | None = None

    def __init__(self, view: PickupView, *, code: str | None = None) -> None:
        super().__init__()
        self.view = view
        self.code = code
        """The pickup code the customer typed (None for a scan), shown again if the tickets cannot be printed."""
        self.collecting = False
        self.refusal: tuple[str, dict[str, object]] | None = None
        """Why these tickets cannot be printed here when the kiosk or the store refused the collection: an error
        code with its values, or a ``kiosk_collect.`` catalog key."""

    def compose_body(self) -> ComposeResult:
        """Order left; verdict right."""
        with Horizontal(id="kiosk-collect-body"):
            with Vertical(id="kiosk-collect-left"):
                yield Static(id="kiosk-collect-order")
            with Vertical(id="kiosk-collect-right"):
                yield Static(id="kiosk-collect-verdict")
                yield Static(id="kiosk-collect-state")

    def on_mount(self) -> None:
        """The focus on Print tickets (Enter prints), or on Back when nothing can be printed."""
        ready = self._ready()
        self.set_continue(ready)
        self.query_one(".kiosk-continue" if ready else ".kiosk-back", Button).focus()

    def _ready(self) -> bool:
        return self.view.refusal is None and self.refusal is None

    # -- words -----------------------------------------------------------------------------------------------

    def apply_step_language(self) -> None:
        """The order, the verdict and the state in the current language."""
        view = self.view
        zone = self.box.config.site.zone
        order = order_rows(view, self.t, english=self.box.language == "en", zone=zone)
        order.append(self.t("pickup.count", count=len(view.valid_tickets)), style="bold")
        self.query_one("#kiosk-collect-order", Static).update(order)

        verdict = self.query_one("#kiosk-collect-verdict", Static)
        ready = self._ready()
        if ready:
            verdict.update(Text(self.t("kiosk_collect.ready", count=len(view.to_collect)), style="bold"))
        else:
            reason, advice = self._reason()
            verdict.update(Text.assemble((self.t("kiosk_collect.refused") + "\n", "bold"),
                                         (reason + "\n", "bold"), advice))
        verdict.set_class(not ready, "-refused")
        self.query_one(".kiosk-continue", Button).display = ready  # refused: nothing to press
        self._render_state()

    def _reason(self) -> tuple[str, str]:
        """Why not, in words (when and where collected, refunded, over, cancelled, what the store said), and what
        to do about it."""
        view = self.view
        if self.refusal is not None:
            key, params = self.refusal
        elif view.refusal == "pickup_already":
            key, params = view.refusal, {"at": view.collected_at, "where": view.collected_where}
        else:
            key, params = view.refusal or "unexpected", {}
        if key == "pickup_already":
            at = params.get("at")
            when = collected_when(at, zone=self.box.config.site.zone, now=self.box.now()) \
                if isinstance(at, datetime) else "?"
            return (self.t("pickup.already_at", at=when, where=params.get("where") or "?"),
                    self.t("pickup.counter_hint"))
        if key.startswith("kiosk_collect."):
            return self.t(key, **params), self.t("kiosk_collect.ask_counter")
        return self.box.translator.error(key, **params), self.t("kiosk_collect.ask_counter")

    def _render_state(self) -> None:
        state = self.query_one("#kiosk-collect-state", Static)
        if self.collecting:
            state.update(self.t("kiosk_collect.busy"))
        elif self._ready():
            state.update(self.t("kiosk_collect.print_hint"))
        else:
            state.update("")
        for selector in (".kiosk-back", ".kiosk-cancel"):
            self.query_one(selector, Button).disabled = self.collecting
        self.query_one(".kiosk-continue", Button).disabled = self.collecting or not self._ready()

    # -- printing --------------------------------------------------------------------------------------------

    def action_continue(self) -> None:
        """Collect the tickets and print them here (once; only when they can be, and this kiosk can print)."""
        box = self.box
        if self.collecting or not self._ready():
            return
        service = getattr(box, "kiosk_service", None)
        if box.ticket_printer is None or (service is not None and not service.in_service):
            self.refusal = ("kiosk_collect.cannot_print", {})
            self.apply_language()
            self.query_one(".kiosk-back", Button).focus()
            return
        self.collecting = True
        if service is not None and hasattr(service, "begin_payment"):
            service.begin_payment()  # from here the out-of-order screen waits until the customer leaves printing
        self._render_state()
        self._collect()

    @work(thread=True, exclusive=True, group="kiosk-collect")
    def _collect(self) -> None:
        try:
            collected = collect_tickets(self.box, self.view, staff_id=None)
        except BoxOfficeError as error:
            self.post_message(self.Collected(error=error))
        else:
            self.post_message(self.Collected(ticket_ids=collected))

    @on(Collected)
    def _collected(self, message: Collected) -> None:
        from kiosk.screens.kiosk_collect_print_screen import KioskCollectPrintScreen

        self.collecting = False
        if message.ticket_ids is not None:
            self.app.push_screen(KioskCollectPrintScreen(self.view, message.ticket_ids, code=self.code))
            return
        service = getattr(self.box, "kiosk_service", None)
        if service is not None and hasattr(service, "end_payment"):
            service.end_payment()
        error = message.error or BoxOfficeError("unexpected", "no answer")
        self.refusal = (error.code, dict(error.params))  # pickup_already: someone collected them a moment ago
        self.apply_language()
        self.query_one(".kiosk-back", Button).focus()

    def action_back(self) -> None:
        """Back to the input (not while collecting)."""
        if not self.collecting:
            super().action_back()

    def action_cancel(self) -> None:
        """Give up (not while collecting)."""
        if not self.collecting:
            super().action_cancel()
