"""Collecting at a kiosk, step 3: the tickets on their way to paper, and what to do next.

The screen follows the collected tickets' print jobs every second as the buying done screen does
(:func:`kiosk.kiosk_printing.print_progress`): "Printing your tickets…", then "Please take your tickets below",
and the attract screen after ``[kiosk] done_seconds``. When they cannot be printed (a job meets an error) the
kiosk's jobs are cancelled and the tickets go back to "to collect" (:func:`kiosk.kiosk_printing.
release_for_counter`), and the screen says so: the pickup code the customer typed, large (or, for a scan, "show
this QR code"), the order reference, and "collect your tickets at the counter"; it stays until the customer
presses Done or walks away. Back, Cancel and Done all end the customer's session: the tickets are collected,
there is nothing to go back to.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.markup import escape
from textual.widgets import Button, Static

from boxoffice.i18n import local_time
from boxoffice.pickup import PickupView
from boxoffice.pickup_codes import format_code
from kiosk.kiosk_flow import end_customer_session
from kiosk.kiosk_printing import print_progress, release_for_counter
from kiosk.screens.kiosk_collect_code_screen import KioskCollectStepScreen


class KioskCollectPrintScreen(KioskCollectStepScreen):
    """The printing state, large; the code and the counter when printing failed; Done."""

    STEP = "print"
    CONTINUE = "kiosk_collect.finish"

    def __init__(self, view: PickupView, ticket_ids: Sequence[int], *, code: str | None = None) -> None:
        super().__init__()
        self.view = view
        self.ticket_ids = tuple(ticket_ids)
        self.code = code
        self.printing = "printing"
        """``printing``, ``printed`` or ``failed``."""
        self._printed_at: float | None = None
        self._finishing = False

    def compose_body(self) -> ComposeResult:
        """Title, state, the code for the counter when needed, the order."""
        yield Static(id="kiosk-collect-print-title")
        yield Static(id="kiosk-collect-print-state")
        yield Static(id="kiosk-collect-print-code")
        yield Static(id="kiosk-collect-print-order")

    def on_mount(self) -> None:
        """Start following the print jobs; Done has the focus."""
        self._check_printing()
        self.set_interval(1.0, self._check_printing)
        self.query_one(".kiosk-continue", Button).focus()

    def on_unmount(self) -> None:
        """The customer has left: the out-of-order screen may show again (see the check step)."""
        service = getattr(self.box, "kiosk_service", None)
        if service is not None and hasattr(service, "end_payment"):
            service.end_payment()

    def _check_printing(self) -> None:
        box = self.box
        state = print_progress(box, self.view.order_id, before=self.printing, tickets=self.ticket_ids)
        if state is None:
            return
        if state != self.printing:
            self.printing = state
            if state == "failed":
                release_for_counter(box, self.view.order_id)
            self.apply_language()
        now = box.now().timestamp()
        if state == "printed":
            self._printed_at = self._printed_at or now
            if now - self._printed_at >= box.config.kiosk.done_seconds:
                self.action_continue()

    # -- words -----------------------------------------------------------------------------------------------

    def apply_step_language(self) -> None:
        """Everything in the current language."""
        view, english = self.view, self.box.language == "en"
        failed = self.printing == "failed"
        self.query_one("#kiosk-collect-print-title", Static).update(
            Text(self.t("kiosk_collect.print_title"), style="bold"))
        state = self.query_one("#kiosk-collect-print-state", Static)
        state.update(self.t(f"kiosk_collect.{self.printing}", count=len(self.ticket_ids)))
        state.set_classes(f"-{self.printing}")
        code = self.query_one("#kiosk-collect-print-code", Static)
        if failed:
            if self.code:
                lines = [self.t("kiosk_collect.counter_code"), f"[b]{format_code(self.code)}[/b]"]
            else:
                lines = [self.t("kiosk_collect.counter_qr")]
            lines.append(f"{self.t('done.reference')}  [b]{view.reference}[/b]")
            code.update("\n".join(lines))
        else:
            code.update("")
        code.display = failed
        zone = self.box.config.site.zone
        seats = ", ".join(t.seat for t in view.tickets if t.id in self.ticket_ids)
        title, hall = (view.film_en, view.hall_en) if english else (view.film_zh, view.hall_zh)
        when = f"{view.starts_at.astimezone(zone):%m-%d} {local_time(view.starts_at, zone)}"
        order = [f"{escape(title)}  {when}  {escape(hall)}  {self.t('done.seats', seats=seats)}"]
        if not failed:
            order.append(f"[dim]{self.t('done.reference')} {view.reference}[/dim]")
        self.query_one("#kiosk-collect-print-order", Static).update("\n".join(order))

    # -- leaving ---------------------------------------------------------------------------------------------

    def action_continue(self) -> None:
        """Done: the attract screen for the next customer."""
        if not self._finishing:
            self._finishing = True
            end_customer_session(self.box, "done")

    def action_back(self) -> None:
        """Nothing to go back to: the attract screen."""
        self.action_continue()

    def action_cancel(self) -> None:
        """The tickets are collected: the attract screen."""
        self.action_continue()
