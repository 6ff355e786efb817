"""The end of a sale at the counter: what to say to the customer and what to hand back.

A cashier glances at this between taking the money and the next customer, so the two things that matter are
the largest: the order reference (the customer may need it to pick up or refund) and, for cash, the change due.
It also says where the tickets are printing (they were queued with the sale); a terminal without a ticket
printer says they are not printed and stay printable from the order.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Digits, Static

from boxoffice.i18n import format_money
from boxoffice.pricing import TicketTypeInfo
from boxoffice.pickup_codes import format_code
from boxoffice.privacy import mask_phone
from boxoffice.sales import SaleResult
from boxoffice.tender import Tender
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter


def digits_money(fen: int) -> str:
    """Fen as ``1234.50`` for the big :class:`~textual.widgets.Digits` (no currency sign, no separators)."""
    yuan, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{yuan}.{cents:02d}"


class SaleDoneDialog(BoxOfficeScreen[None], ModalScreen[None]):
    """The order reference, what was paid and how, the change due, and reminders; Enter or Escape closes it."""

    CSS_PATH = "../styles/payment.tcss"
    """Styles of the payment screen and its dialogs (loaded once, when first shown)."""

    BINDINGS = [
        Binding("enter", "close", "sale_done.key_close", key_display="⏎", priority=True),
        Binding("escape", "close", "sale_done.key_close", show=False),
    ]
    """Enter (or Escape) closes: the next customer can be served at once."""

    def __init__(
        self,
        result: SaleResult,
        *,
        payments: Sequence[Tender],
        phone: str | None = None,
        id_check: Sequence[TicketTypeInfo] = (),
    ) -> None:
        """Create the dialog.

        Args:
            result: the completed sale.
            payments: the payments as settled (cash with what was handed over).
            phone: the customer's phone number, shown masked only.
            id_check: ticket types sold that need an ID check.
        """
        super().__init__()
        self.result = result
        self.payments = tuple(payments)
        self.phone = phone
        self.id_check = tuple(id_check)

    @property
    def has_cash(self) -> bool:
        """Some of the money was cash (so there is a change figure to show)."""
        return any(tender.method == "cash" for tender in self.payments)

    def compose(self) -> ComposeResult:
        """The box: title, reference, amounts, change, reminders."""
        with Vertical(id="done-box", classes="dialog-box"):
            yield Static(id="done-title", classes="dialog-title")
            yield Static(id="done-reference-label")
            yield Static(id="done-reference")
            yield Static(id="done-amounts")
            if self.has_cash:
                yield Static(id="done-change-label")
                yield Digits(digits_money(self.result.change_fen), id="done-change")
            yield Static(id="done-notes")
            yield Static(id="done-hint")
        yield TranslatedFooter()

    def apply_language(self) -> None:
        """Every text in the current language."""
        zh = self.box.language == "zh"
        self.query_one("#done-title", Static).update(self.t("sale_done.title"))
        self.query_one("#done-reference-label", Static).update(self.t("sale_done.reference"))
        self.query_one("#done-reference", Static).update(Text(self.result.reference))
        amounts = Table.grid(expand=True)
        amounts.add_column()
        amounts.add_column(justify="right")
        amounts.add_row(Text(self.t("sale_done.total"), style="bold"),
                        Text(format_money(self.result.breakdown.total_fen), style="bold"))
        for tender in self.payments:
            handed = tender.tendered_fen if tender.method == "cash" and tender.tendered_fen else tender.amount_fen
            amounts.add_row(f"  {self.t(f'payment.method_{tender.method}')}", format_money(handed))
        self.query_one("#done-amounts", Static).update(amounts)
        if self.has_cash:
            self.query_one("#done-change-label", Static).update(self.t("sale_done.change"))
            self.query_one("#done-change", Digits).set_class(self.result.change_fen > 0, "-due")
        notes: list[Text] = []
        if self.result.pickup_code:
            notes.append(Text(self.t("sale_done.pickup_code", code=format_code(self.result.pickup_code)),
                              style="bold"))
        if self.phone:
            notes.append(Text(self.t("sale_done.phone", phone=mask_phone(self.phone))))
        if self.id_check:
            names = "\u3001".join(info.name_zh for info in self.id_check) if zh else ", ".join(
                info.name_en for info in self.id_check)
            notes.append(Text(f"! {self.t('sale_done.id_check', types=names)}", style="bold yellow"))
        printer = self.box.ticket_printer
        if printer is None:
            notes.append(Text(self.t("sale_done.not_printed"), style="italic"))
        else:
            count = len(self.result.ticket_ids)
            notes.append(Text(self.t("sale_done.printing", count=count, printer=printer), style="italic"))
        self.query_one("#done-notes", Static).update(Text("\n").join(notes))
        self.query_one("#done-hint", Static).update(self.t("sale_done.close"))

    def action_close(self) -> None:
        """Back to the counter."""
        self.dismiss(None)
