"""The end of buying at a kiosk: paid, and what to do next.

The screen follows the order's print jobs (:func:`boxoffice.print_queue.order_print_state`, read every second):
while they print it says so; once every ticket printed it says to take the tickets and goes back to the attract
screen by itself after ``[kiosk] done_seconds``. When printing fails (a job meets an error, or the kiosk has no
ticket printer) the tickets stay sold and the screen says so plainly: the pickup code, large, the order
reference, and "collect your tickets at the counter" — and it stays until the customer presses Done (or walks
away: the idle timeout). "Done" always leads back to the attract screen.

When printing fails and the kiosk has a receipt printer (a ``[[printers]]`` table with role ``receipts``), the
same words and the code go on a slip from it (:mod:`boxoffice.pickup_slip`: printed once, straight from the code
the sale returned, since the store never holds the code in clear), and the screen says whether the slip printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from boxoffice.i18n import format_money, local_time
from boxoffice.pickup_codes import format_code
from boxoffice.pickup_slip import SlipOutcome, print_pickup_slip
from boxoffice.privacy import mask_phone
from boxoffice.sales import SaleResult
from kiosk.config import printer_spec
from kiosk.kiosk_flow import CustomerScreen, Purchase, end_customer_session
from kiosk.kiosk_printing import print_progress, release_for_counter
from kiosk.screens.base import BoxOfficeScreen


class KioskDoneScreen(CustomerScreen, BoxOfficeScreen[None]):
    """Thanks, the printing state, what to do next, and Done."""

    CSS_PATH = "../styles/kiosk.tcss"

    @dataclass
    class SlipPrinted(Message):
        """The pickup slip was sent to the receipt printer, or could not be (posted from the worker thread)."""

        outcome: SlipOutcome

    def __init__(self, purchase: Purchase, sale: SaleResult) -> None:
        super().__init__()
        self.purchase = purchase
        self.sale = sale
        self.printing = "printing"
        """``printing``, ``printed`` or ``failed``."""
        self.slip: str | None = None
        """The pickup slip on the receipt printer: None (none needed, or no receipt printer), ``printing``,
        ``printed`` or ``failed``."""
        self._printed_at: float | None = None
        self._finishing = False

    def compose(self) -> ComposeResult:
        """Title, state, the pickup code when needed, the order, Done."""
        with Center(), Vertical(id="done-kiosk-box"):
            yield Static(id="done-kiosk-title")
            yield Static(id="done-kiosk-state")
            yield Static(id="done-kiosk-code")
            yield Static(id="done-kiosk-order")
            with Center():
                yield Button(id="done-kiosk-finish", variant="success")

    def on_mount(self) -> None:
        """Start following the print jobs."""
        self._check_printing()
        self.set_interval(1.0, self._check_printing)
        self.query_one("#done-kiosk-finish", Button).focus()

    def on_unmount(self) -> None:
        """The customer has left this screen: the payment is over for the out-of-service watch."""
        service = getattr(self.box, "kiosk_service", None)
        if service is not None and hasattr(service, "end_payment"):
            service.end_payment()

    def _check_printing(self) -> None:
        """Read the order's print jobs; printing → printed or failed (failed → printed, when it printed after
        all); after ``done_seconds`` printed, the attract screen."""
        box = self.box
        state = print_progress(box, self.sale.order_id, before=self.printing)
        if state is None:
            return
        if state != self.printing:
            self.printing = state
            if state == "failed":
                self._release_unprinted()
                self._start_slip()
            self.apply_language()
        now = box.now().timestamp()
        if state == "printed":
            self._printed_at = self._printed_at or now
            if now - self._printed_at >= box.config.kiosk.done_seconds:
                self.action_finish()

    def _release_unprinted(self) -> None:
        """Nothing printed here: the tickets wait for the counter (with the code shown), not for this printer."""
        release_for_counter(self.box, self.sale.order_id)

    def _start_slip(self) -> None:
        """Printing failed: the pickup code on a slip from the receipt printer too (once; none without a code)."""
        box, sale = self.box, self.sale
        receipts = next((p for p in box.config.printers if p.role == "receipts"), None)
        if self.slip is not None or receipts is None or not sale.pickup_code or box.engine is None:
            return
        self.slip = "printing"
        site = box.config.site
        spec = printer_spec(box.config, receipts)
        self._print_slip(lambda: print_pickup_slip(
            box.engine, spec, order_id=sale.order_id, pickup_code=sale.pickup_code or "",
            terminal_id=box.config.terminal.id, zone=site.zone, cinema_zh=site.name_zh, cinema_en=site.name_en,
            now=box.now()))

    @work(thread=True, exclusive=True, group="pickup-slip", exit_on_error=False)
    def _print_slip(self, send: Callable[[], SlipOutcome]) -> None:
        self.post_message(self.SlipPrinted(send()))

    def on_kiosk_done_screen_slip_printed(self, message: SlipPrinted) -> None:
        """Say whether the slip came out."""
        self.slip = "printed" if message.outcome.printed else "failed"
        self.apply_language()

    def apply_language(self) -> None:
        """Every text in the current language."""
        sale, purchase = self.sale, self.purchase
        failed = self.printing == "failed"
        self.query_one("#done-kiosk-title", Static).update(self.t("done.title"))
        state = self.query_one("#done-kiosk-state", Static)
        state.update(self.t(f"done.{self.printing}", count=len(sale.ticket_ids)))
        state.set_classes(f"-{self.printing}")
        code = self.query_one("#done-kiosk-code", Static)
        if failed:
            lines = [self.t("done.counter")]
            if sale.pickup_code:
                lines.append(f"{self.t('done.pickup_code')}  [b]{format_code(sale.pickup_code)}[/b]")
            lines.append(f"{self.t('done.reference')}  [b]{sale.reference}[/b]")
            if self.slip is not None:
                lines.append(self.t(f"done.slip_{self.slip}"))
            code.update("\n".join(lines))
        else:
            code.update("")
        code.display = failed
        order = [self._order_line(), self.t("done.paid", amount=format_money(sale.breakdown.total_fen))]
        if purchase.phone:
            order.append(self.t("done.sms", phone=mask_phone(purchase.phone)))
        if not failed:
            order.append(f"[dim]{self.t('done.reference')} {sale.reference}[/dim]")
        self.query_one("#done-kiosk-order", Static).update("\n".join(order))
        self.query_one("#done-kiosk-finish", Button).label = self.t("done.finish")

    def _order_line(self) -> str:
        purchase, english = self.purchase, self.box.language == "en"
        detail = purchase.detail
        if detail is None:
            return ""
        zone = self.box.config.site.zone
        title = detail.title_en if english and detail.title_en else detail.title_zh
        hall = detail.auditorium_en if english and detail.auditorium_en else detail.auditorium
        seats = ", ".join(seat.label for seat in purchase.seats)
        return (f"{title}  {detail.starts_at.astimezone(zone):%m-%d} {local_time(detail.starts_at, zone)}  "
                f"{hall}  {self.t('done.seats', seats=seats)}")

    @on(Button.Pressed, "#done-kiosk-finish")
    def _finish_pressed(self) -> None:
        self.action_finish()

    def action_finish(self) -> None:
        """Back to the attract screen for the next customer."""
        if not self._finishing:
            self._finishing = True
            end_customer_session(self.box, "done")
