"""An exchange's new tickets, the difference, and how it is settled; then the exchange in one transaction.

The payment screen, with the exchange's money: each new seat keeps the old ticket's type (←/→ changes it where
the policy allows), and beside the new tickets the customer sees what the old ones were worth, the exchange fee
and the difference, decided by the same pure :func:`~boxoffice.exchanges.quote_exchange` that the exchange then
makes again under the write lock. A positive difference is taken like any payment (F5–F8 cash, F9 card, F10
WeChat Pay / Alipay, split too); a negative one goes back to the original payments, shown per method with the
cash to take from the drawer large; none needs nothing. Enter exchanges (:func:`~boxoffice.exchanges.
prepare_exchange` in a read transaction, :func:`~boxoffice.exchanges.commit_exchange` with the new tickets'
print jobs in one write transaction) in a worker thread: if a new seat was taken meanwhile nothing changes and
the cashier is back on the seat map. Seat-rule overrides ask a supervisor, as a sale does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from textual import work
from textual.message import Message
from textual.widgets import Input, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.exchange_rules import ExchangeDecision
from boxoffice.exchanges import (
    ExchangeContext,
    ExchangeRequest,
    ExchangeResult,
    ExchangeSeat,
    commit_exchange,
    prepare_exchange,
    quote_exchange,
)
from boxoffice.hall import HallSeat
from boxoffice.i18n import format_money, local_time
from boxoffice.pricing import PriceCardInfo, TicketTypeInfo
from boxoffice.print_queue import queue_order_tickets
from boxoffice.refund_policy import RefundPolicy
from boxoffice.seat_rules import RuleViolation, SeatRules
from boxoffice.showtimes import ShowtimeDetail
from boxoffice.staff import StaffMember
from kiosk.dialogs.sale_done_dialog import digits_money
from kiosk.intents import run_intent
from kiosk.screens.payment_screen import PaymentScreen
from kiosk.widgets.payment_panel import PaymentPanel
from kiosk.widgets.ticket_lines import TicketLines, TicketRow


def method_name(t: Any, method: str) -> str:
    """A payment method in words (``t`` a catalog lookup); an imported booking's platform payment too."""
    return t(f"payment.method_{method}") if method in ("cash", "card", "mobile") else t("exchange.method_online")


@dataclass(frozen=True)
class OldTicket:
    """A ticket the customer gives up, as the exchange screens show it."""

    id: int
    seat: str
    ticket_type: str
    type_zh: str
    type_en: str


@dataclass(frozen=True)
class ExchangePlan:
    """What the cashier chose on the exchange screen: the order, its tickets to exchange, the policy to fall
    back on when the order recorded none."""

    order_id: int
    reference: str
    film_id: int
    old_tickets: tuple[OldTicket, ...]
    fallback_policy: RefundPolicy


class ExchangePaymentScreen(PaymentScreen):
    """Ticket types of the new seats, the difference and its settlement; dismisses with the exchange, or None."""

    @dataclass
    class Exchanged(Message):
        """A try at the exchange finished (posted from the worker thread)."""

        result: ExchangeResult | None
        error: BoxOfficeError | None
        violations: tuple[RuleViolation, ...] = ()

    def __init__(self, staff: StaffMember, showtime: ShowtimeDetail, seats: tuple[HallSeat, ...],
                 card: PriceCardInfo, types: tuple[TicketTypeInfo, ...], *, plan: ExchangePlan,
                 context: ExchangeContext) -> None:
        """Settle an exchange of ``plan``'s old tickets for ``seats`` (held here; ``seats[i]`` replaces
        ``plan.old_tickets[i]``), with ``context`` read once for the decision."""
        super().__init__(staff, showtime, seats, card, types)
        self.plan = plan
        self.context = context
        self.decision: ExchangeDecision | None = None
        self._decided_for: object = None

    # -- the parent's hooks ----------------------------------------------------------------------------------

    def _initial_type(self, index: int, offered: tuple[TicketTypeInfo, ...]) -> str:
        """The old ticket's type when the new seat offers it."""
        wanted = self.plan.old_tickets[index].ticket_type
        return wanted if any(info.code == wanted for info in offered) else super()._initial_type(index, offered)

    def _due_fen(self) -> int:
        """The difference to pay (nothing when the exchange is refused or gives money back)."""
        decision = self._decide()
        return decision.charge_fen if decision is not None and decision.allowed else 0

    def _decide(self) -> ExchangeDecision | None:
        if self.breakdown is None:
            return None
        if self._decided_for is not self.breakdown:
            self._decided_for = self.breakdown
            self.decision = quote_exchange(self.context, tuple(old.id for old in self.plan.old_tickets),
                                           self.breakdown, now=self.box.now(), channel="counter",
                                           role=self.staff.role)
        return self.decision

    def _recompute(self) -> None:
        super()._recompute()
        decision = self._decide()
        if decision is not None and not decision.allowed and self._price_error is None:
            self._price_error = BoxOfficeError(decision.reason, "the exchange is refused")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No phone for an exchange (the new order keeps the old order's)."""
        if action == "phone":
            return False
        if action == "type_cash" and not self._owed():
            return False
        return super().check_action(action, parameters)

    def _owed(self) -> bool:
        """A difference is to be paid (cash keys and fields make sense)."""
        decision = self.decision
        return decision is not None and decision.allowed and decision.charge_fen > 0

    # -- completing ------------------------------------------------------------------------------------------

    def action_complete(self) -> None:
        """Exchange, once the difference is settled (or nothing is owed)."""
        if self._busy:
            return
        decision = self._decide()
        if decision is None or not decision.allowed:
            problem = self._price_error or BoxOfficeError("exchange_nothing_selected", "nothing to exchange")
            self._set_error(problem)
            self.app.bell()
            return
        if self.settlement is None or not self.settlement.is_complete:
            self._set_message("payment.not_paid", error=True, amount=format_money(self._remaining()))
            self.app.bell()
            return
        self._busy = True
        self._set_message("exchange.busy")
        box = self.box
        self._exchange(self._exchange_request(), engine=box.engine, now=box.now(), zone=box.config.site.zone,
                       rules=SeatRules(**box.config.seating.model_dump()))

    def _exchange_request(self) -> ExchangeRequest:
        approval = self._approval
        return ExchangeRequest(
            order_id=self.plan.order_id, showtime_id=self.showtime.id,
            lines=tuple(ExchangeSeat(old.id, seat.id, code)
                        for old, seat, code in zip(self.plan.old_tickets, self.seats, self.choice, strict=True)),
            tenders=tuple(self.tenders), channel="counter", terminal_id=self.box.config.terminal.id,
            staff=self.staff, request_key=self.request_key,
            overrides=frozenset(self._approval_rules) if approval else frozenset(),
            approver=approval.approver if approval else None,
            override_reason=approval.reason if approval else None,
            refund_policy_id=self.box.refund_policy_id,
        )

    @work(thread=True, exclusive=True, group="exchange")
    def _exchange(self, request: ExchangeRequest, *, engine: Engine, now: datetime, zone: tzinfo,
                  rules: SeatRules) -> None:
        """Prepare by reading, then void and sell with the new tickets' print jobs in one write transaction."""
        printer, fallback = self.box.ticket_printer, self.plan.fallback_policy

        def commit(session: Any, prepared: Any) -> ExchangeResult:
            result = commit_exchange(session, prepared=prepared, now=now)
            if printer is not None and not result.repeated:
                queue_order_tickets(session, order_id=result.new_order_id, printer=printer,
                                    terminal_id=request.terminal_id, now=now,
                                    requested_by=request.staff.id if request.staff else None)
            return result

        try:
            prepared = run_intent(engine, lambda session: prepare_exchange(
                session, request=request, now=now, zone=zone, rules=rules, fallback_policy=fallback),
                write=False, name="prepare exchange")
            result = run_intent(engine, lambda session: commit(session, prepared), name="exchange")
        except BoxOfficeError as error:
            violations: tuple[RuleViolation, ...] = ()
            if error.code == "seat_rules":
                try:
                    violations = run_intent(engine, lambda session: self._violations(
                        session, request, now, rules), write=False, name="seat rules")  # type: ignore[arg-type]
                except BoxOfficeError:
                    violations = ()
            self.post_message(self.Exchanged(None, error, violations))
            return
        cash = any(t.method == "cash" for t in request.tenders) or any(b.method == "cash" for b in result.back)
        self.box.tickets_queued(cash=cash)  # wake the printer; open the drawer for cash in or out
        self.post_message(self.Exchanged(result, None))

    def on_exchange_payment_screen_exchanged(self, message: Exchanged) -> None:
        """Done: back with the result. Lost seats: back to the map. Seat rules: ask a supervisor."""
        self._busy = False
        self._set_message("")
        if message.result is not None:
            self.dismiss(message.result)  # type: ignore[arg-type]
            return
        error = message.error
        assert error is not None
        if error.code in ("hold_lost", "seat_taken"):
            self.box.show_error(error)
            self.dismiss(None)
            return
        if error.code == "seat_rules" and message.violations and all(v.overridable for v in message.violations):
            self._ask_supervisor(message.violations)
            return
        self.box.show_error(error)
        self._set_error(error)

    # -- words -------------------------------------------------------------------------------------------------

    def _render_header(self) -> None:
        show, box = self.showtime, self.box
        zh, zone = box.language == "zh", box.config.site.zone
        title = show.title_zh if zh else (show.title_en or show.title_zh)
        hall = show.auditorium if zh else (show.auditorium_en or show.auditorium)
        self.query_one("#pay-header", Static).update(Text.assemble(
            (f" {self.t('exchange.title')} ", "bold reverse"), " ",
            (self.t("exchange.from_order", reference=self.plan.reference), "dim"), "  \u2192  ", (title, "bold"),
            f"  {show.starts_at.astimezone(zone):%Y-%m-%d} {local_time(show.starts_at, zone)}  {hall}  {show.format}"
            "    ", (f"{self.staff.name} \u00b7 {box.config.terminal.name}", "dim")))

    def _render_labels(self) -> None:
        super()._render_labels()
        # No phone (the new order keeps the old one's), and cash only while a difference is owed.
        self.query_one("#pay-phone", Input).parent.display = False  # type: ignore[union-attr]
        self.query_one("#pay-cash", Input).parent.display = self._owed()  # type: ignore[union-attr]
        self.query_one("#pay-tenders", Static).display = self._owed() or bool(self.tenders)

    def _render_lines(self) -> None:
        priced = self.breakdown.lines if self.breakdown is not None else ()
        by_code = {info.code: info for info in self.types}
        zh = self.box.language == "zh"
        rows = []
        for index, (seat, code, old) in enumerate(zip(self.seats, self.choice, self.plan.old_tickets, strict=True)):
            info, line = by_code.get(code), priced[index] if index < len(priced) else None
            rows.append(TicketRow(
                seat.id, seat.label, self._zone_name(seat.zone), self._type_name(info) if info else code,
                can_change=len(self._offered[index]) > 1, price_fen=line.price_fen if line else None,
                fee_fen=line.fee_fen if line else None,
                id_check=self.t("exchange.replaces", seat=old.seat, type=old.type_zh if zh else old.type_en)))
        headings = {key: self.t(f"payment.col_{key}") for key in TicketLines.COLUMNS}
        headings["note"] = self.t("exchange.col_old")
        self.query_one(TicketLines).show(headings, rows)

    def _render_money(self) -> None:
        super()._render_money()
        self.query_one("#pay-breakdown", Static).update(self._difference_table())

    def _difference_table(self) -> Table:
        """The new tickets, the old tickets' value, the fee, the difference and where money goes back."""
        grid = Table.grid(expand=True)
        grid.add_column()
        grid.add_column(justify="right")
        grid.add_row(Text(self.t("exchange.difference_title"), style="bold underline"), "")
        breakdown, decision = self.breakdown, self.decision
        if breakdown is None:
            return grid
        zh = self.box.language == "zh"
        for line in breakdown.lines:
            grid.add_row(f"{line.seat_label:<5} {line.type_name_zh if zh else line.type_name_en}",
                         format_money(line.price_fen))
        if breakdown.fees_fen:
            grid.add_row(self.t("payment.fees", count=len(breakdown.lines), fee=format_money(self.card.service_fee_fen)),
                         format_money(breakdown.fees_fen))
        grid.add_row(self.t("exchange.new_total"), format_money(breakdown.total_fen))
        if decision is None or not decision.allowed:
            return grid
        seats = " ".join(old.seat for old in self.plan.old_tickets)
        grid.add_row(self.t("exchange.old_total", count=len(self.plan.old_tickets), seats=seats),
                     format_money(-decision.old_fen))
        if decision.fee_fen:
            grid.add_row(self.t("exchange.fee_line"), format_money(decision.fee_fen))
        grid.add_row(Text(self.t("exchange.difference"), style="bold"),
                     Text(format_money(decision.balance_fen), style="bold"))
        for back in decision.back_by_payment:
            grid.add_row(Text(self.t("exchange.back_to", method=method_name(self.t, back.method)),
                              style="bold green"), Text(format_money(back.amount_fen), style="bold green"))
        if decision.forgone_fen:
            grid.add_row(Text(self.t("exchange.forgone"), style="yellow"), format_money(decision.forgone_fen))
        return grid

    def _render_figure(self) -> None:
        """What is still owed or the change (a dearer exchange), what goes back, or that nothing is owed."""
        decision = self.decision
        if decision is None or not decision.allowed or decision.charge_fen:
            super()._render_figure()
            return
        self.set_class(True, "-paid")
        back = decision.back_fen
        cash = sum(b.amount_fen for b in decision.back_by_payment if b.method == "cash")
        self.set_class(cash > 0, "-change")
        panel = self.query_one(PaymentPanel)
        if back:
            label = self.t("exchange.cash_back" if cash == back else "exchange.to_give_back")
            panel.show_figure(label, digits_money(back), self.t("exchange.back_hint"))
        else:
            panel.show_figure(self.t("exchange.nothing_due"), digits_money(0), self.t("exchange.enter_hint"))
