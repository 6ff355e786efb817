"""The refund preview a customer reads across the counter: each ticket's fees, the money back, the reason.

Attributes down: the refund screen calls :meth:`RefundPreviewPanel.show` with the decision it got from the store
(:class:`boxoffice.refunds.RefundPreview`) or the refund just made, and the words of the terminal's language.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from boxoffice.i18n import format_money
from boxoffice.refunds import RefundPreview, RefundResult
from boxoffice.ticket_content import mask_reference

Translate = Callable[..., str]


def _minus(fen: int) -> str:
    return f"-{format_money(fen)}" if fen else "-"


def _method(t: Translate, method: str) -> str:
    return t(f"payment.method_{method}") if method in ("cash", "card", "mobile") else method


class RefundPreviewPanel(Static):
    """The fee table, the amount back per payment method, the policy's reason and what is still to do."""

    def show(self, preview: RefundPreview | None, *, translate: Translate, missing: list[int],
             note: tuple[str, str] | None, result: RefundResult | None) -> None:
        """Show the preview of the tickets chosen, or, once refunded with nothing chosen, the refund made.

        Args:
            preview: what the store decided for the tickets chosen (None: nothing shown).
            translate: the terminal's translator.
            missing: tickets chosen still to be handed back.
            note: (supervisor's name, note) when a supervisor noted why tickets are not handed back.
            result: the refund just made, if any.
        """
        t = translate
        if preview is None:
            self.update("")
            return
        decision = preview.decision
        seats = {ticket.id: ticket.seat for ticket in preview.view.tickets}
        if result is not None and not decision.lines:
            self.update(self._result_text(t, result, seats))
            return
        notes = self._notes(t, preview, missing, note)
        if not decision.lines:
            self.update(notes)
            return
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim")
        for key in ("refund.col_ticket", "refund.col_paid", "refund.col_kept", "refund.col_percent",
                    "refund.col_fixed", "refund.col_back"):
            table.add_column(t(key), justify="left" if key == "refund.col_ticket" else "right")
        for line in decision.lines:
            table.add_row(seats.get(line.ticket_id, "?"), format_money(line.gross_fen), _minus(line.kept_fee_fen),
                          _minus(line.percent_fee_fen), _minus(line.fixed_fee_fen),
                          Text(format_money(line.back_fen), style="bold"))
        table.add_row(Text(t("refund.total"), style="bold"), format_money(decision.gross_fen),
                      _minus(decision.kept_fee_fen), _minus(decision.percent_fee_fen),
                      _minus(decision.fixed_fee_fen), Text(format_money(decision.back_fen), style="bold green"))
        self.update(Group(table, Text(""), notes))

    @staticmethod
    def _notes(t: Translate, preview: RefundPreview, missing: list[int], note: tuple[str, str] | None) -> Text:
        decision = preview.decision
        text = Text()
        if decision.allowed:
            payments = {p.id: p for p in preview.facts.payments}
            for back in decision.back_by_payment:
                reference = mask_reference(payments[back.payment_id].reference if back.payment_id in payments
                                           else back.reference)
                target = f"{_method(t, back.method)} {reference}".strip()
                text.append(t("refund.back_to", target=target, amount=format_money(back.amount_fen)) + "\n",
                            style="bold")
            if decision.uncovered_fen:
                text.append(t("refund.uncovered", amount=format_money(decision.uncovered_fen)) + "\n",
                            style="yellow")
        style = ("bold red" if not decision.allowed
                 else "bold yellow" if decision.needs_supervisor or decision.needs_reason else "bold green")
        text.append(t(f"policy_reason.{decision.reason}") + "\n", style=style)
        if decision.allowed and (decision.needs_supervisor or decision.needs_reason):
            text.append(t("refund.supervisor_hint") + "\n", style="yellow")
        if decision.allowed and preview.paper_ticket_ids:
            count = len(preview.paper_ticket_ids)
            if not missing:
                text.append(t("refund.paper_done", count=count) + "\n", style="green")
            elif note is not None:
                text.append(t("refund.note_given", name=note[0], note=note[1]) + "\n", style="yellow")
            else:
                text.append(t("refund.paper_hint", returned=count - len(missing), count=count) + "\n",
                            style="yellow")
        return text

    @staticmethod
    def _result_text(t: Translate, result: RefundResult, seats: dict[int, str]) -> Text:
        """The refund just made: tickets, fees kept, money back per payment (the cashier reads it out)."""
        text = Text()
        text.append(t("refund.result_title", count=len(result.ticket_ids),
                      seats=" ".join(seats.get(ticket, "?") for ticket in result.ticket_ids)) + "\n", style="bold")
        for key, fen in (("refund.col_paid", result.gross_fen), ("refund.col_kept", -result.kept_fee_fen),
                         ("refund.col_percent", -result.percent_fee_fen), ("refund.col_fixed", -result.fixed_fee_fen)):
            if fen:
                text.append(f"  {t(key)}  {format_money(fen)}\n")
        for back in result.back_by_payment:
            target = f"{_method(t, back.method)} {mask_reference(back.reference)}".strip()
            text.append(t("refund.back_to", target=target, amount=format_money(back.amount_fen)) + "\n",
                        style="bold green")
        return text
