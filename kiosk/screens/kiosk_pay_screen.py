"""Buying, step 7: the total with every fee, then payment on the terminal beside the kiosk.

Nothing is hidden: each ticket with its seat, type, price and service fee, the subtotal, the fees and the total,
large. The customer picks a way to pay (card, or WeChat Pay / Alipay) and follows the payment terminal; while it
works, the screen says so, Back and Cancel wait, and the idle timeout is paused. Declined or timed out: nothing was
taken, and the customer may try again, pick another way or cancel. Paid: the done screen.

A kiosk that may not take money now (``app.kiosk_service`` says it is out of service: the ticket printer is out
of paper, offline, or a technician took the kiosk out) shows why, with the reason code, and sends the customer to
the counter instead of offering to pay — checked when the step opens, every second while it is open, and again
the moment "pay" is pressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Digits, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import catalog, format_money
from boxoffice.pricing import Breakdown, price_order, show_context
from boxoffice.privacy import mask_phone
from boxoffice.sales import SaleLine, SaleRequest
from boxoffice.seat_rules import SeatRules
from kiosk.dialogs.sale_done_dialog import digits_money
from kiosk.kiosk_flow import CHANNEL
from kiosk.kiosk_payment import KioskPayment, SaleContext, pay_and_sell
from kiosk.screens.kiosk_step import KioskStepScreen


class KioskPayScreen(KioskStepScreen):
    """The breakdown on the left; the total and the ways to pay (or why not) on the right."""

    STEP = "pay"

    @dataclass
    class Finished(Message):
        """The payment attempt ended (posted from the worker thread)."""

        payment: KioskPayment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.breakdown: Breakdown | None = None
        self.paying: str | None = None
        """The method being charged, while the terminal works."""
        self.state: tuple[str, dict[str, Any]] = ("", {})
        """The last outcome's catalog key and parameters (shown until the next attempt)."""
        self.attempts = 0

    def compose_body(self) -> ComposeResult:
        """Breakdown left; total, state and pay buttons right."""
        with Horizontal(id="pay-kiosk-body"):
            with Vertical(id="pay-kiosk-left"):
                yield Static(id="pay-kiosk-showtime")
                yield Static(id="pay-kiosk-breakdown")
                yield Static(id="pay-kiosk-notes")
            with Vertical(id="pay-kiosk-right"):
                yield Static(id="pay-kiosk-total-label")
                yield Digits(id="pay-kiosk-total")
                yield Static(id="pay-kiosk-state")
                with Vertical(id="pay-kiosk-methods"):
                    for method in self.box.config.payment_terminal.methods:
                        yield Button(id=f"pay-{method}", classes="pay-method", variant="primary")

    def on_mount(self) -> None:
        """Price the order as the sale will, and keep watching whether the kiosk may take money."""
        purchase, box = self.purchase, self.box
        assert purchase.card is not None and purchase.detail is not None
        show = show_context(purchase.detail.starts_at, purchase.detail.format, zone=box.config.site.zone)
        try:
            self.breakdown = price_order(purchase.card, show, [(seat.label, seat.zone) for seat in purchase.seats],
                                         purchase.choice, purchase.types, channel=CHANNEL)
        except BoxOfficeError as error:
            self.state = (f"error.{error.code}", dict(error.params))
        self.set_interval(1.0, self._render_state)
        self.apply_language()
        buttons = self.query(".pay-method").results(Button)
        for button in buttons:
            if not button.disabled:
                button.focus()
                break

    # -- service ---------------------------------------------------------------------------------------------

    def out_of_service(self) -> str | None:
        """Why the kiosk may not take money now (a reason code, or "unknown"); None when it may."""
        service = getattr(self.box, "kiosk_service", None)
        if service is None or getattr(service, "in_service", True):
            return None
        return getattr(service, "reason", None) or "unknown"

    # -- paying ----------------------------------------------------------------------------------------------

    @on(Button.Pressed, ".pay-method")
    def _pay_pressed(self, event: Button.Pressed) -> None:
        self.pay((event.button.id or "pay-card").removeprefix("pay-"))

    def pay(self, method: str) -> None:
        """Ask the payment terminal for the total (unless paying already, or out of service)."""
        box, purchase = self.box, self.purchase
        if self.paying is not None or self.breakdown is None or purchase.detail is None:
            return
        if self.out_of_service() is not None or box.payment_terminal is None:
            self._render_state()
            self.app.bell()
            return
        self.paying = method
        self.attempts += 1
        self.state = ("buy.paying_" + method, {"amount": format_money(self.breakdown.total_fen)})
        service = getattr(box, "kiosk_service", None)
        if service is not None and hasattr(service, "begin_payment"):
            service.begin_payment()
        if box.idle is not None:
            box.idle.pause()
        self._render_state()
        request = SaleRequest(
            showtime_id=purchase.detail.id,
            lines=tuple(SaleLine(seat.id, code) for seat, code in zip(purchase.seats, purchase.choice, strict=True)),
            tenders=(), channel=CHANNEL, terminal_id=box.config.terminal.id, staff=None,
            request_key=purchase.request_key, phone=purchase.phone, refund_policy_id=box.refund_policy_id)
        context = SaleContext(
            engine=box.engine, zone=box.config.site.zone, rules=SeatRules(**box.config.seating.model_dump()),
            hold_seconds=box.config.holds.kiosk_seconds, printer=box.ticket_printer, pickup_key=box.pickup_key,
            site_name=box.config.site.name_zh, sms_template=box.config.sms.template_zh, clock=box.now)
        self._charge(request, method, self.breakdown.total_fen, context, f"{purchase.request_key[:20]}-{self.attempts}")

    @work(thread=True, exclusive=True, group="kiosk-pay")
    def _charge(self, request: SaleRequest, method: str, amount: int, context: SaleContext, hint: str) -> None:
        terminal = self.box.payment_terminal
        assert terminal is not None
        payment = pay_and_sell(request, method, amount, terminal, context, hint=hint)
        if payment.outcome == "sold":
            self.box.tickets_queued(cash=False)
        self.post_message(self.Finished(payment))

    def on_kiosk_pay_screen_finished(self, message: Finished) -> None:
        """Show the outcome; paid: the done screen."""
        from kiosk.screens.kiosk_done_screen import KioskDoneScreen

        box, payment = self.box, message.payment
        method, self.paying = self.paying, None
        if box.idle is not None:
            box.idle.resume()
        if payment.outcome == "sold" and payment.sale is not None:
            self.app.push_screen(KioskDoneScreen(self.purchase, payment.sale))
            return  # the done screen ends the payment (kiosk_service) when the customer leaves it
        service = getattr(box, "kiosk_service", None)
        if service is not None and hasattr(service, "end_payment"):
            service.end_payment()
        error = payment.error
        if payment.outcome == "refused" and error is not None and error.code in ("hold_lost", "seat_taken"):
            self._back_to_seats()
            return
        elif payment.outcome == "refused" and error is not None:
            self.state = (f"error.{error.code}", dict(error.params))
        elif payment.outcome == "reversed":
            self.state = ("buy.reversed" if payment.voided else "buy.reversed_unconfirmed",
                          {"reference": payment.reference or "-"})
        else:
            self.state = (f"buy.{payment.outcome}", {})
        self.apply_language()
        for button in self.query(f"#pay-{method}").results(Button):
            button.focus()  # Enter tries again

    def _back_to_seats(self) -> None:
        """Seats were lost before paying (their holds ran out): choose again on the map, which says so."""
        from kiosk.screens.kiosk_seats_screen import KioskSeatsScreen

        self.box.notify(self.t("buy.seats_lost"), severity="warning")
        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, KioskSeatsScreen):
                screen.seats_lost()
                screen.pop_until_active()
                return

    def action_back(self) -> None:
        """Back to the phone number (not while the terminal works)."""
        if self.paying is None:
            super().action_back()

    def action_cancel(self) -> None:
        """Give up (not while the terminal works)."""
        if self.paying is None:
            super().action_cancel()

    # -- words -----------------------------------------------------------------------------------------------

    def apply_step_language(self) -> None:
        """Showtime, breakdown, notes, total and state in the current language."""
        purchase, box, breakdown = self.purchase, self.box, self.breakdown
        english = box.language == "en"
        self.query_one("#pay-kiosk-showtime", Static).update(self.showtime_line())
        table = Table.grid(padding=(0, 3))
        for justify in ("left", "left", "right", "right"):
            table.add_column(justify=justify)  # type: ignore[arg-type]
        table.add_row(*(Text(self.t(key), style="bold underline") for key in
                        ("buy.col_seat", "buy.col_type", "buy.col_price", "buy.col_fee")))
        if breakdown is not None:
            for line in breakdown.lines:
                table.add_row(line.seat_label, line.type_name_en if english else line.type_name_zh,
                              format_money(line.price_fen), format_money(line.fee_fen))
            table.add_row("", "", "", "")
            table.add_row(Text(self.t("buy.subtotal")), "", format_money(breakdown.subtotal_fen), "")
            table.add_row(Text(self.t("buy.fees", count=len(breakdown.lines))), "", format_money(breakdown.fees_fen),
                          "")
            if breakdown.discount_fen:
                table.add_row(Text(self.t("buy.discount")), "", format_money(-breakdown.discount_fen), "")
            table.add_row(Text(self.t("buy.total"), style="bold"), "",
                          Text(format_money(breakdown.total_fen), style="bold"), "")
        self.query_one("#pay-kiosk-breakdown", Static).update(table)
        notes = []
        if purchase.phone:
            notes.append(self.t("buy.sms_to", phone=mask_phone(purchase.phone)))
        if breakdown is not None and breakdown.id_check_needed:
            names = {line.type_name_en if english else line.type_name_zh
                     for line in breakdown.lines if line.needs_id_check}
            notes.append(f"[b $warning]! {self.t('buy.id_notice', types=', '.join(sorted(names)))}[/]")
        notes.append(f"[dim]{self.t('buy.no_hidden_fees')}[/dim]")
        self.query_one("#pay-kiosk-notes", Static).update("\n".join(notes))
        self.query_one("#pay-kiosk-total-label", Static).update(self.t("buy.total_to_pay"))
        self.query_one("#pay-kiosk-total", Digits).update(digits_money(breakdown.total_fen) if breakdown else "")
        for method in box.config.payment_terminal.methods:
            self.query_one(f"#pay-{method}", Button).label = self.t(f"buy.pay_{method}")
        self._render_state()

    def _render_state(self) -> None:
        """The kiosk's state for paying: out of order, paying, the last outcome, or how to pay."""
        reason = self.out_of_service() if self.paying is None else None
        widget = self.query_one("#pay-kiosk-state", Static)
        methods = self.query_one("#pay-kiosk-methods", Vertical)
        methods.display = reason is None
        for button in methods.query(Button):
            button.disabled = self.paying is not None or self.breakdown is None
        for selector in (".kiosk-back", ".kiosk-cancel"):
            self.query_one(selector, Button).disabled = self.paying is not None
        widget.set_classes("")
        if reason is not None:
            words = catalog(self.box.language).get(f"out_of_order.reason_{reason}", "")
            widget.update(f"[b]{self.t('buy.out_of_order')}[/b]\n{self.t('buy.go_to_counter')}\n"
                          f"{words}\n[dim]{self.t('buy.reason_code', code=reason)}[/dim]")
            widget.add_class("-out")
            return
        key, params = self.state
        if not key:
            widget.update(self.t("buy.how_to_pay"))
            return
        text = self.box.translator.error(key.removeprefix("error."), **params) if key.startswith("error.") \
            else self.t(key, **params)
        widget.update(text)
        widget.add_class("-busy" if self.paying else "-problem" if key not in ("",) else "")
