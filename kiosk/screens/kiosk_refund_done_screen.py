"""Refunding at a kiosk, step 3: what was refunded and where the money went, then the attract screen.

The tickets refunded, the amount back per original payment (its reference masked), and the order reference. A
payment the terminal did not confirm is named, with "show this screen at the counter" (the audit log's
``refund.paid_back`` entry tells the counter which payment to finish); such a screen stays until the customer
leaves it. Otherwise the attract screen comes back after ``[kiosk] done_seconds``. Back, Cancel and Done all end
the customer's session: the refund is made, there is nothing to go back to.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Button, Digits, Static

from boxoffice.i18n import catalog, format_money
from boxoffice.refunds import RefundPreview
from boxoffice.ticket_content import mask_reference
from kiosk.dialogs.sale_done_dialog import digits_money
from kiosk.kiosk_flow import end_customer_session
from kiosk.kiosk_refund import KioskRefund
from kiosk.screens.kiosk_refund_find_screen import KioskRefundStepScreen


class KioskRefundDoneScreen(KioskRefundStepScreen):
    """The refund made, large, and where the money goes."""

    STEP = "done"
    CONTINUE = "kiosk_refund.finish"

    def __init__(self, preview: RefundPreview, refund: KioskRefund) -> None:
        super().__init__()
        assert refund.result is not None
        self.preview = preview
        self.refund = refund

    def compose_body(self) -> ComposeResult:
        """Title, amount, lines."""
        yield Static(id="kiosk-refund-done-title")
        yield Digits(id="kiosk-refund-done-amount")
        yield Static(id="kiosk-refund-done-lines")

    def on_mount(self) -> None:
        """Done has the focus; the attract screen comes back by itself unless the counter must finish it."""
        self.query_one(".kiosk-continue", Button).focus()
        if not self.refund.unconfirmed:
            self.set_timer(self.box.config.kiosk.done_seconds, self._leave)

    def _method(self, method: str) -> str:
        words = catalog(self.box.language)
        key = f"payment.method_{method}" if f"payment.method_{method}" in words else f"exchange.method_{method}"
        return words.get(key, method)

    def apply_step_language(self) -> None:
        """Everything in the current language."""
        result = self.refund.result
        assert result is not None
        seats = {t.id: t.seat for t in self.preview.view.tickets}
        self.query_one("#kiosk-refund-done-title", Static).update(Text(self.t(
            "kiosk_refund.repeated" if result.repeated else "kiosk_refund.done_title"), style="bold"))
        self.query_one("#kiosk-refund-done-amount", Digits).update(digits_money(result.back_fen))
        text = Text()
        text.append(self.t("kiosk_refund.done_tickets", count=len(result.ticket_ids),
                           seats=" ".join(seats.get(t, "?") for t in result.ticket_ids)) + "\n")
        unconfirmed = {back.payment_id for back in self.refund.unconfirmed}
        recorded = {back.payment_id for back in self.refund.paid_back if back.outcome == "recorded"}
        for back in result.back_by_payment:
            target = f"{self._method(back.method)} {mask_reference(back.reference)}".strip()
            amount = format_money(back.amount_fen)
            if back.payment_id in unconfirmed:
                text.append(self.t("kiosk_refund.done_unconfirmed", amount=amount, target=target,
                                   reference=result.order_reference) + "\n", style="bold red")
            elif back.payment_id in recorded:
                text.append(self.t("kiosk_refund.done_recorded", amount=amount, target=target) + "\n",
                            style="bold")
            else:
                text.append(self.t("kiosk_refund.done_back", amount=amount, target=target) + "\n",
                            style="bold green")
        if result.kept_fee_fen:
            text.append(self.t("kiosk_refund.done_kept", amount=format_money(result.kept_fee_fen)) + "\n")
        text.append(self.t("kiosk_refund.done_reference", reference=result.order_reference) + "\n", style="dim")
        if not unconfirmed:
            text.append(self.t("kiosk_refund.done_when"), style="dim")
        self.query_one("#kiosk-refund-done-lines", Static).update(text)

    def _leave(self) -> None:
        if self.is_current:
            end_customer_session(self.box, "done")

    def action_continue(self) -> None:
        """Done: the attract screen."""
        end_customer_session(self.box, "done")

    def action_back(self) -> None:
        """Nothing to go back to: the attract screen."""
        end_customer_session(self.box, "done")

    def action_cancel(self) -> None:
        """The refund is made: the attract screen."""
        end_customer_session(self.box, "done")
