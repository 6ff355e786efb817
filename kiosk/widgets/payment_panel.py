"""The money side of the payment screen: the price breakdown, the payments taken and the one big figure.

It exists apart from the payment screen so that the screen keeps the flow (pricing, settling, selling) while
this panel draws what it is handed. Texts are looked up with the screen's translator (``t``), so a language
switch is a redraw. The panel and its parts keep the ``pay-*`` ids that ``payment.tcss`` styles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Static

from boxoffice.i18n import format_money
from boxoffice.pricing import Breakdown
from boxoffice.tender import Tender

Translate = Callable[..., str]
"""A catalog lookup in the current language: ``t("payment.total")``, ``t("payment.fees", count=2, fee=…)``."""


class PaymentPanel(Vertical):
    """The breakdown, the payments and, large, what is still owed or the change due (it only draws)."""

    def compose(self) -> ComposeResult:
        """The breakdown, the payments, then the figure's label, the figure and a hint under it."""
        yield Static(id="pay-breakdown")
        yield Static(id="pay-tenders")
        yield Static(id="pay-figure-label")
        yield Digits(id="pay-figure")
        yield Static(id="pay-figure-hint")

    def show_breakdown(self, breakdown: Breakdown | None, *, service_fee_fen: int, zh: bool,
                       t: Translate) -> None:
        """Each ticket's price, the subtotal, the fees, the discount and the total (only a heading while the
        order cannot be priced).

        Args:
            breakdown: the priced order, or None.
            service_fee_fen: the price card's fee per ticket (named on the fees line).
            zh: ticket types by their Chinese names (else English).
            t: the catalog lookup.
        """
        grid = Table.grid(expand=True)
        grid.add_column()
        grid.add_column(justify="right")
        grid.add_row(Text(t("payment.breakdown"), style="bold underline"), "")
        if breakdown is not None:
            for line in breakdown.lines:
                name = line.type_name_zh if zh else line.type_name_en
                grid.add_row(f"{line.seat_label:<5} {name}", format_money(line.price_fen))
            grid.add_row(t("payment.subtotal"), format_money(breakdown.subtotal_fen))
            if breakdown.fees_fen:
                grid.add_row(t("payment.fees", count=len(breakdown.lines), fee=format_money(service_fee_fen)),
                             format_money(breakdown.fees_fen))
            grid.add_row(t("payment.discount"), format_money(-breakdown.discount_fen))
            grid.add_row(Text(t("payment.total"), style="bold"),
                         Text(format_money(breakdown.total_fen), style="bold"))
        self.query_one("#pay-breakdown", Static).update(grid)

    def show_tenders(self, tenders: Sequence[Tender], *, paid_fen: int | None, t: Translate) -> None:
        """The payments in the order taken, each with its reference, then what they pay.

        Args:
            tenders: the payments as applied (or as taken, when they could not be settled).
            paid_fen: what they pay towards the total; None when they could not be settled (no total line).
            t: the catalog lookup.
        """
        grid = Table.grid(expand=True)
        grid.add_column()
        grid.add_column(justify="right")
        grid.add_row(Text(t("payment.tenders"), style="bold underline"), "")
        if not tenders:
            grid.add_row(Text(t("payment.no_tenders"), style="dim"), "")
        for index, tender in enumerate(tenders, start=1):
            label = f"{index}. {t(f'payment.method_{tender.method}')}"
            if tender.reference:
                label += f"  {t('payment.reference', reference=tender.reference)}"
            grid.add_row(label, format_money(tender.tendered_fen or tender.amount_fen))
        if paid_fen is not None and tenders:
            grid.add_row(Text(t("payment.paid"), style="bold"), format_money(paid_fen))
        self.query_one("#pay-tenders", Static).update(grid)

    def show_figure(self, label: str, figure: str, hint: str) -> None:
        """The one figure that matters now (``figure`` as Digits show it: ``1234.50``), its label, a hint."""
        self.query_one("#pay-figure-label", Static).update(label)
        self.query_one("#pay-figure", Digits).update(figure)
        self.query_one("#pay-figure-hint", Static).update(hint)
