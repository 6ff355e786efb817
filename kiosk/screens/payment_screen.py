"""Ticket types and payment for the seats held at the counter, then the sale in one transaction.

The cashier sees every ticket with its price and fee and the total before any money is taken (transparent
pricing), changes a seat's ticket type with ←/→, and takes the money by keyboard: F5 the exact amount in cash,
F6–F8 the likely notes, digits and Enter for any cash amount, F9 card and F10 WeChat Pay / Alipay with the
terminal's reference; tenders may be mixed (split tender) and Ctrl+Z removes the last one. What is paid, what
is still owed and the change due are recomputed by the pure :func:`~boxoffice.tender.settle` after every change.

Enter, once paid in full, completes the sale (:func:`~boxoffice.sales.prepare_sale` in a read transaction, then :func:`~boxoffice.sales.commit_sale`) in a worker
thread: the store prices the order again, checks the holds and the seat rules, and writes the order, its
tickets, payments and audit entry in one transaction. A request key made once per screen means a double Enter
or a retry after an error sells once. A selection that breaks overridable seat rules asks for a supervisor's
approval (:class:`~kiosk.dialogs.OverrideDialog`) and is tried again with it; lost holds send the cashier back
to the seat map; any other refusal is shown and nothing typed or paid is lost. Escape goes back to the seat
map (the seats stay held) only once no payment is left on the screen: money taken is undone first (Ctrl+Z),
so that a card charge is never forgotten.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from rich.text import Text
from sqlalchemy import Engine
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.message import Message
from textual.widgets import Input, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.hall import HallSeat, load_hall
from boxoffice.holds import extend_holds, live_claims
from boxoffice.i18n import format_money, local_time
from boxoffice.pricing import (
    Breakdown,
    PriceCardInfo,
    ShowContext,
    TicketTypeInfo,
    offered_types,
    price_order,
    show_context,
)
from boxoffice.print_queue import queue_order_tickets
from boxoffice.privacy import normalize_phone
from boxoffice.sales import PreparedSale, SaleLine, SaleRequest, SaleResult, commit_sale, prepare_sale
from boxoffice.seat_rules import RuleViolation, SeatRules, check_selection
from boxoffice.showtimes import ShowtimeDetail
from boxoffice.sms import queue_order_pickup_sms
from boxoffice.staff import StaffMember
from boxoffice.tender import Settlement, Tender, quick_cash_amounts, settle
from kiosk.dialogs import Approval, OverrideDialog, SaleDoneDialog
from kiosk.dialogs.sale_done_dialog import digits_money
from kiosk.intents import run_intent
from kiosk.money_input import parse_yuan
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter
from kiosk.widgets.payment_panel import PaymentPanel
from kiosk.widgets.tender_fields import TenderFields
from kiosk.widgets.ticket_lines import TicketLines, TicketRow

__all__ = ["EXTEND_EVERY_SECONDS", "QUICK_KEYS", "PaymentScreen", "TicketLines", "parse_yuan"]
"""``parse_yuan`` and ``TicketLines`` are still importable from here (they live in ``kiosk.money_input`` and
``kiosk.widgets.ticket_lines``)."""

EXTEND_EVERY_SECONDS = 30
"""A cashier busy taking payment keeps the seats held: their holds are pushed back at most this often."""

QUICK_KEYS = ("f6", "f7", "f8")
"""Keys for the likely cash notes, in ascending order of amount."""


class PaymentScreen(BoxOfficeScreen[SaleResult | None]):
    """Ticket types, the price breakdown and payment for seats this terminal holds; dismisses with the sale."""

    CSS_PATH = "../styles/payment.tcss"
    """Styles of the payment screen and its dialogs (loaded once, when first shown)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "payment.key_back"),
        Binding("f5", "exact_cash", "payment.key_exact", key_display="F5"),
        Binding("f6", "quick_cash(0)", "payment.key_quick", key_display="F6-F8"),
        Binding("f7", "quick_cash(1)", show=False),
        Binding("f8", "quick_cash(2)", show=False),
        Binding("f9", "electronic('card')", "payment.key_card", key_display="F9", priority=True),
        Binding("f10", "electronic('mobile')", "payment.key_mobile", key_display="F10", priority=True),
        Binding("ctrl+z", "undo_tender", "payment.key_undo"),
        Binding("f4", "phone", "payment.key_phone", key_display="F4", priority=True),
        *(Binding(key, f"type_cash('{char}')", show=False, priority=True)
          for key, char in [*zip("0123456789", "0123456789", strict=True), ("full_stop", ".")]),
    ]
    """Payment keys work from anywhere on the screen; Enter, ←/→ and A are the ticket list's (see TicketLines).

    Only keys that move the focus have priority (digits on the list to the cash field, F9/F10 to the reference,
    F4 to the phone): the focus moves before the next key is delivered, so "100⏎" typed in one go lands whole
    in the cash field and its Enter takes the cash. Every other key is handled in the order it was typed (a
    priority Enter could overtake the F5 typed just before it).
    """

    @dataclass
    class Attempted(Message):
        """A try at completing the sale finished (posted from the worker thread)."""

        result: SaleResult | None
        """The completed sale, or None when it was refused (``error``)."""
        error: BoxOfficeError | None
        """Why the sale did not happen."""
        violations: tuple[RuleViolation, ...] = ()
        """For a ``seat_rules`` refusal: the rules the selection breaks, as the store sees it now."""

    def __init__(
        self,
        staff: StaffMember,
        showtime: ShowtimeDetail,
        seats: tuple[HallSeat, ...],
        card: PriceCardInfo,
        types: tuple[TicketTypeInfo, ...],
    ) -> None:
        """Take payment for seats this terminal holds.

        Args:
            staff: the signed-in cashier.
            showtime: the showtime the seats are for.
            seats: the held seats, in the order they are listed.
            card: the showtime's price card.
            types: every ticket type (each seat offers those its zone has a price for).
        """
        super().__init__()
        self.staff = staff
        self.showtime = showtime
        self.seats = seats
        self.card = card
        self.types = types
        self.request_key = uuid.uuid4().hex
        """Made once: the same sale submitted twice (double Enter, retry) is sold once."""
        self.tenders: list[Tender] = []
        self.phone: str | None = None
        """The customer's mobile number, normalised (shown masked only)."""
        self.choice: list[str] = []
        self.breakdown: Breakdown | None = None
        self.settlement: Settlement | None = None
        self._offered: list[tuple[TicketTypeInfo, ...]] = []
        self._show: ShowContext | None = None
        self._price_error: BoxOfficeError | None = None
        self._settle_error: BoxOfficeError | None = None
        self._electronic: str | None = None
        self._approval: Approval | None = None
        self._approval_rules: tuple[str, ...] = ()
        self._busy = False
        self._message: tuple[str, dict[str, Any], bool] = ("", {}, False)
        self._last_extend: datetime | None = None

    # -- layout ------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header; tickets and the money fields on the left; breakdown, payments and the big figure on the
        right; the keys at the bottom."""
        yield Static(id="pay-header")
        with Horizontal(id="pay-body"):
            with Vertical(id="pay-left"):
                yield Static(id="pay-tickets-title", classes="pay-section")
                yield TicketLines(id="pay-lines")
                yield Static(id="pay-types-hint", classes="pay-hint")
                yield Static(id="pay-id-check")
                yield TenderFields()
                yield Static(id="pay-message")
            yield PaymentPanel(id="pay-right")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Offer each seat its ticket types (the first, adult, by default), price them, focus the list."""
        self._show = show_context(self.showtime.starts_at, self.showtime.format, zone=self.box.config.site.zone)
        self._offered = [offered_types(self.card, self._show, seat.zone, self.types, channel="counter")
                         for seat in self.seats]
        self.choice = [self._initial_type(index, offered) for index, offered in enumerate(self._offered)]
        self._last_extend = self.box.now()
        self._recompute()
        self._render_all()
        self.set_focus(self.query_one(TicketLines))

    # -- keys ------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which keys mean something now (hidden: False; shown but dimmed: None)."""
        if not self.is_mounted or not self.choice:
            return True
        if action == "type_cash":
            return self.focused is self.query_one(TicketLines)
        remaining = self._remaining()
        if action in ("exact_cash", "electronic"):
            return True if remaining else None
        if action == "quick_cash":
            index = parameters[0] if parameters and isinstance(parameters[0], int) else 0
            return True if index < len(self._quick_amounts()) else None
        if action == "undo_tender":
            return True if self.tenders else None
        return True

    def on_key(self, event: Key) -> None:
        """Any key is activity: keep this terminal's holds alive."""
        self._keep_holds()

    def action_type_cash(self, char: str) -> None:
        """A digit typed on the ticket list starts the cash received amount.

        A priority binding rather than a key handler: the focus moves before the next key is delivered, so
        "100⏎" typed in one go lands whole in the cash field and its Enter takes the cash.
        """
        cash = self.query_one("#pay-cash", Input)
        self.set_focus(cash)
        cash.insert_text_at_cursor(char)

    def on_ticket_lines_type_stepped(self, message: TicketLines.TypeStepped) -> None:
        """The next (or previous) ticket type offered for the seat on that row."""
        offered = self._offered[message.row]
        if len(offered) < 2:
            return
        codes = [info.code for info in offered]
        at = codes.index(self.choice[message.row]) if self.choice[message.row] in codes else 0
        self.choice[message.row] = codes[(at + message.step) % len(codes)]
        self._changed()

    def on_ticket_lines_type_for_all(self, message: TicketLines.TypeForAll) -> None:
        """That row's ticket type for every seat that offers it."""
        code = self.choice[message.row]
        for index, offered in enumerate(self._offered):
            if any(info.code == code for info in offered):
                self.choice[index] = code
        self._changed()

    def on_ticket_lines_confirmed(self, message: TicketLines.Confirmed) -> None:
        """Enter on the list completes the sale."""
        self.action_complete()

    def action_exact_cash(self) -> None:
        """Cash, exactly what is still owed."""
        remaining = self._remaining()
        if remaining:
            self._add_tender(Tender("cash", remaining, tendered_fen=remaining))

    def action_quick_cash(self, index: int) -> None:
        """Cash: the ``index``-th likely note amount above what is owed."""
        amounts = self._quick_amounts()
        if index < len(amounts):
            self._add_tender(Tender("cash", amounts[index], tendered_fen=amounts[index]))

    def action_electronic(self, method: str) -> None:
        """Card or mobile: show the amount and reference fields and put the cursor in the reference."""
        self._electronic = method
        self._render_labels()
        self.set_focus(self.query_one("#pay-reference", Input))

    def action_undo_tender(self) -> None:
        """Remove the last payment taken (it must be given back or voided on the terminal)."""
        if not self.tenders:
            return
        tender = self.tenders.pop()
        self._recompute()
        handed = tender.tendered_fen or tender.amount_fen
        self._set_message("payment.undone", method=self.t(f"payment.method_{tender.method}"),
                          amount=format_money(handed))
        self._render_all()

    def action_phone(self) -> None:
        """Put the cursor in the customer's phone number."""
        self.set_focus(self.query_one("#pay-phone", Input))

    def action_back(self) -> None:
        """Leave a field; from the ticket list, go back to the seat map (the seats stay held)."""
        if isinstance(self.focused, Input):
            if self.focused.id in ("pay-amount", "pay-reference"):
                self._close_electronic()
            self.set_focus(self.query_one(TicketLines))
            return
        if self.tenders:
            self._set_message("payment.tenders_first", error=True)
            self.app.bell()
            return
        self.dismiss(None)

    def action_complete(self) -> None:
        """Complete the sale once it is paid in full."""
        if self._busy:
            return
        phone_input = self.query_one("#pay-phone", Input)
        if phone_input.value.strip() and not self._take_phone(phone_input):
            return
        if self.breakdown is None or self.settlement is None or not self.settlement.is_complete:
            self._set_message("payment.not_paid", error=True, amount=format_money(self._remaining()))
            self.app.bell()
            return
        self._busy = True
        self._set_message("payment.busy")
        box = self.box
        self._sell(self._request(), engine=box.engine, now=box.now(), zone=box.config.site.zone,
                   rules=SeatRules(**box.config.seating.model_dump()))

    # -- inputs ----------------------------------------------------------------------------------------------

    @on(Input.Submitted, "#pay-cash")
    def _cash_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.action_complete()  # nothing typed: Enter means what it means on the list
            return
        fen = parse_yuan(event.value)
        if fen is None:
            self._set_message("payment.amount_invalid", error=True)
            return
        if self._add_tender(Tender("cash", fen, tendered_fen=fen)):
            event.input.value = ""
            self.set_focus(self.query_one(TicketLines))

    @on(Input.Submitted, "#pay-amount")
    def _amount_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() and parse_yuan(event.value) is None:
            self._set_message("payment.amount_invalid", error=True)
            return
        self.set_focus(self.query_one("#pay-reference", Input))

    @on(Input.Submitted, "#pay-reference")
    def _reference_submitted(self, event: Input.Submitted) -> None:
        amount_input = self.query_one("#pay-amount", Input)
        amount = parse_yuan(amount_input.value) if amount_input.value.strip() else self._remaining()
        if amount is None:
            self._set_message("payment.amount_invalid", error=True)
            self.set_focus(amount_input)
            return
        if self._add_tender(Tender(self._electronic or "card", amount, reference=event.value)):
            self._close_electronic()
            self.set_focus(self.query_one(TicketLines))
        elif self._message[0] == "error.tender_card_number_refused":
            event.input.value = ""  # never keep a card number on screen

    @on(Input.Submitted, "#pay-phone")
    def _phone_submitted(self, event: Input.Submitted) -> None:
        if self._take_phone(event.input):
            self.set_focus(self.query_one(TicketLines))

    def _take_phone(self, phone_input: Input) -> bool:
        """Keep the typed phone number (normalised) and show it masked; an empty field removes it."""
        text = phone_input.value.strip()
        if text and normalize_phone(text) is None:
            self._set_error(BoxOfficeError("phone_invalid", "not a mainland mobile number"))
            self.set_focus(phone_input)
            return False
        self.phone = normalize_phone(text) if text else None
        phone_input.value = ""
        self._set_message("")
        self._render_labels()
        return True

    def _close_electronic(self) -> None:
        self._electronic = None
        self.query_one(TenderFields).close_electronic()

    # -- money -------------------------------------------------------------------------------------------------

    def _changed(self) -> None:
        """Ticket types changed: price again and redraw."""
        self._recompute()
        self._render_all()

    def _recompute(self) -> None:
        """The breakdown from the price card and the settlement of the tenders, both pure."""
        assert self._show is not None
        self._price_error = self._settle_error = None
        self.breakdown = self.settlement = None
        try:
            self.breakdown = price_order(self.card, self._show, [(seat.label, seat.zone) for seat in self.seats],
                                         self.choice, self.types, channel="counter")
        except BoxOfficeError as error:
            self._price_error = error
            return
        try:
            self.settlement = settle(self._due_fen(), self.tenders)
        except BoxOfficeError as error:
            self._settle_error = error

    def _initial_type(self, index: int, offered: tuple[TicketTypeInfo, ...]) -> str:
        """The ticket type a seat starts with: the first offered (adult). An exchange keeps the old ticket's."""
        return offered[0].code if offered else "adult"

    def _due_fen(self) -> int:
        """What the tenders must pay, once the order is priced: the total. An exchange pays the difference."""
        assert self.breakdown is not None
        return self.breakdown.total_fen

    def _remaining(self) -> int:
        if self.settlement is not None:
            return self.settlement.remaining_fen
        return 0 if self.breakdown is None else self._due_fen()

    def _quick_amounts(self) -> tuple[int, ...]:
        """The likely notes above what is owed (the exact amount is F5's)."""
        remaining = self._remaining()
        if self.settlement is None:
            return ()
        return tuple(amount for amount in quick_cash_amounts(remaining) if amount != remaining)[:len(QUICK_KEYS)]

    def _add_tender(self, tender: Tender) -> bool:
        """Take a payment if it settles against the total; say why not otherwise."""
        if self.breakdown is None:
            if self._price_error is not None:
                self._set_error(self._price_error)
            return False
        try:
            settle(self._due_fen(), [*self.tenders, tender])
        except BoxOfficeError as error:
            self._set_error(error)
            self.app.bell()
            return False
        self.tenders.append(tender)
        self._recompute()
        self._set_message("")
        self._render_all()
        return True

    def _request(self) -> SaleRequest:
        approval = self._approval
        return SaleRequest(
            showtime_id=self.showtime.id,
            lines=tuple(SaleLine(seat.id, code) for seat, code in zip(self.seats, self.choice, strict=True)),
            tenders=tuple(self.tenders), channel="counter", terminal_id=self.box.config.terminal.id,
            staff=self.staff, request_key=self.request_key, phone=self.phone,
            overrides=frozenset(self._approval_rules) if approval else frozenset(),
            approver=approval.approver if approval else None,
            override_reason=approval.reason if approval else None,
            refund_policy_id=self.box.refund_policy_id,
        )

    def _keep_holds(self) -> None:
        """The cashier is active: push back this terminal's holds (at most every EXTEND_EVERY_SECONDS)."""
        box = self.box
        now = box.now()
        if self._last_extend is not None and (now - self._last_extend).total_seconds() < EXTEND_EVERY_SECONDS:
            return
        self._last_extend = now
        terminal, seconds = box.config.terminal.id, box.config.holds.counter_seconds
        try:
            run_intent(box.engine, lambda session: extend_holds(session, terminal_id=terminal, now=now,
                                                                hold_seconds=seconds), name="extend holds")
        except BoxOfficeError:
            pass  # the sale itself will say if the holds were lost

    # -- completing ------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="sale")
    def _sell(self, request: SaleRequest, *, engine: Engine, now: datetime, zone: tzinfo, rules: SeatRules) -> None:
        """Complete the sale in a worker thread; on a seat-rule refusal, find out which rules and whether a
        supervisor may allow them."""
        printer, pickup_key = self.box.ticket_printer, self.box.pickup_key
        site_name, sms_template = self.box.config.site.name_zh, self.box.config.sms.template_zh

        def commit(session: Any, prepared: PreparedSale) -> SaleResult:
            """The sale, its tickets' print jobs and its pickup-code SMS commit together: a sold ticket is never
            forgotten unprinted, a code never unsent (the SMS waits in the outbox; the sale never waits for it)."""
            result = commit_sale(session, prepared=prepared, now=now)
            if printer is not None and not result.repeated:
                queue_order_tickets(session, order_id=result.order_id, printer=printer,
                                    terminal_id=request.terminal_id, now=now,
                                    requested_by=request.staff.id if request.staff else None)
            if request.phone and result.pickup_code and not result.repeated:
                queue_order_pickup_sms(session, order_id=result.order_id, code=result.pickup_code,
                                       template=sms_template, site_name=site_name, zone=zone, key=pickup_key, now=now)
            return result

        try:
            # Checked and priced without the write lock; written in one short transaction (holds re-checked).
            prepared = run_intent(engine, lambda session: prepare_sale(
                session, request=request, now=now, zone=zone, rules=rules, pickup_key=pickup_key),
                write=False, name="prepare sale")
            result = run_intent(engine, lambda session: commit(session, prepared), name="sale")
        except BoxOfficeError as error:
            violations: tuple[RuleViolation, ...] = ()
            if error.code == "seat_rules":
                try:
                    violations = run_intent(engine, lambda session: self._violations(session, request, now, rules),
                                            write=False, name="seat rules")
                except BoxOfficeError:
                    violations = ()
            self.post_message(self.Attempted(None, error, violations))
        else:
            self.box.tickets_queued(cash=any(tender.method == "cash" for tender in request.tenders))
            self.post_message(self.Attempted(result, None))

    def _violations(self, session: Any, request: SaleRequest, now: datetime,
                    rules: SeatRules) -> tuple[RuleViolation, ...]:
        hall = load_hall(session, self.showtime.auditorium_id)
        selection = frozenset(line.seat_id for line in request.lines)
        claims = live_claims(session, showtime_id=request.showtime_id, now=now)
        return check_selection(hall, unavailable=frozenset(sid for sid in claims if sid not in selection),
                               selection=selection, channel=request.channel, rules=rules, explicit=True)

    def on_payment_screen_attempted(self, message: Attempted) -> None:
        """Show the sale, ask a supervisor, send the cashier back to the map, or say what went wrong."""
        self._busy = False
        self._set_message("")
        error, result = message.error, message.result
        if result is not None:
            self._done(result)
            return
        assert error is not None
        if error.code in ("hold_lost", "seat_taken"):
            self.box.show_error(error)
            self.dismiss(None)
            return
        if error.code == "seat_rules" and message.violations:
            if all(violation.overridable for violation in message.violations):
                self._ask_supervisor(message.violations)
                return
            for violation in message.violations:
                if not violation.overridable:
                    self.box.show_error(BoxOfficeError(violation.code, "seat rule"))
            return
        self.box.show_error(error)
        self._set_error(error)

    def _ask_supervisor(self, violations: tuple[RuleViolation, ...]) -> None:
        codes = tuple(dict.fromkeys(violation.code for violation in violations))
        seats = tuple(dict.fromkeys(label for violation in violations for label in violation.seat_labels))

        def approved(approval: Approval | None) -> None:
            if approval is None:
                self._set_message("payment.override_cancelled", error=True)
                return
            self._approval, self._approval_rules = approval, codes
            self.action_complete()

        suggested = self.staff.code if self.staff.can("override") else ""
        self.app.push_screen(OverrideDialog(rules=codes, seats=seats, suggested_code=suggested), callback=approved)

    def _done(self, result: SaleResult) -> None:
        payments = self.settlement.payments if self.settlement is not None else tuple(self.tenders)
        if result.repeated and self.breakdown is not None:
            result = replace(result, breakdown=self.breakdown)
        needs_id = {line.ticket_type for line in (self.breakdown.lines if self.breakdown else ()) if line.needs_id_check}
        id_types = tuple(info for info in self.types if info.code in needs_id)

        def closed(_: None) -> None:
            self.dismiss(result)  # not returned: a callback's awaitable would be awaited by Textual

        self.app.push_screen(SaleDoneDialog(result, payments=payments, phone=self.phone, id_check=id_types),
                             callback=closed)

    # -- words -------------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language (the choice, payments and typed text stay)."""
        if self._show is None:
            return
        self._render_all()

    def _render_all(self) -> None:
        self._render_header()
        self._render_lines()
        self._render_labels()
        self._render_money()
        self._show_message()
        self.refresh_bindings()

    def _type_name(self, info: TicketTypeInfo) -> str:
        return info.name_zh if self.box.language == "zh" else info.name_en

    def _render_header(self) -> None:
        show, box = self.showtime, self.box
        zh = box.language == "zh"
        zone = box.config.site.zone
        title = show.title_zh if zh else (show.title_en or show.title_zh)
        hall = show.auditorium if zh else (show.auditorium_en or show.auditorium)
        header = Text.assemble((self.t("payment.title"), "bold"), "  ", (title, "bold"),
                               f"  {show.starts_at.astimezone(zone):%Y-%m-%d} {local_time(show.starts_at, zone)}  "
                               f"{hall}  {show.format}    ", (f"{self.staff.name} · {box.config.terminal.name}", "dim"))
        self.query_one("#pay-header", Static).update(header)

    def _render_lines(self) -> None:
        priced = self.breakdown.lines if self.breakdown is not None else ()
        by_code = {info.code: info for info in self.types}
        rows = []
        for index, (seat, code) in enumerate(zip(self.seats, self.choice, strict=True)):
            info, line = by_code.get(code), priced[index] if index < len(priced) else None
            rows.append(TicketRow(
                seat.id, seat.label, self._zone_name(seat.zone), self._type_name(info) if info else code,
                can_change=len(self._offered[index]) > 1, price_fen=line.price_fen if line else None,
                fee_fen=line.fee_fen if line else None,
                id_check=self.t("payment.check_id") if info and info.needs_id_check else None))
        headings = {key: self.t(f"payment.col_{key}") for key in TicketLines.COLUMNS}
        self.query_one(TicketLines).show(headings, rows)

    def _zone_name(self, zone: str) -> str:
        name = self.t(f"zone.{zone}")
        return zone if name == f"zone.{zone}" else name

    def _render_labels(self) -> None:
        self.query_one("#pay-tickets-title", Static).update(self.t("payment.tickets", count=len(self.seats)))
        self.query_one("#pay-types-hint", Static).update(self.t("payment.types_hint"))
        needs = [info for info in self.types if info.needs_id_check and info.code in set(self.choice)]
        self.query_one("#pay-id-check", Static).update(
            Text(f"! {self.t('payment.id_reminder', types=self._names(needs))}", style="bold yellow")
            if needs else "")
        self.query_one(TenderFields).show_labels(self.t, electronic=self._electronic, phone=self.phone)

    def _names(self, infos: list[TicketTypeInfo]) -> str:
        separator = "\u3001" if self.box.language == "zh" else ", "
        return separator.join(self._type_name(info) for info in infos)

    def _render_money(self) -> None:
        panel, settlement = self.query_one(PaymentPanel), self.settlement
        panel.show_breakdown(self.breakdown, service_fee_fen=self.card.service_fee_fen,
                             zh=self.box.language == "zh", t=self.t)
        panel.show_tenders(settlement.payments if settlement is not None else tuple(self.tenders),
                           paid_fen=settlement.paid_fen if settlement is not None else None, t=self.t)
        self._render_figure()
        remaining = self._remaining()
        keys = [("F5", remaining)] if remaining else []
        keys += [(key.upper(), fen) for key, fen in zip(QUICK_KEYS, self._quick_amounts(), strict=False)]
        self.query_one(TenderFields).show_quick(keys)

    def _render_figure(self) -> None:
        """The one figure that matters now, large: what is still owed, or the change to hand back."""
        settlement = self.settlement
        paid = settlement is not None and settlement.is_complete and self.breakdown is not None
        if settlement is None:
            label, fen = "payment.remaining", self._remaining()
        elif paid:
            label, fen = "payment.change", settlement.change_fen
        else:
            label, fen = "payment.remaining", settlement.remaining_fen
        self.set_class(paid, "-paid")
        self.set_class(paid and settlement is not None and settlement.change_fen > 0, "-change")
        self.query_one(PaymentPanel).show_figure(self.t(label), digits_money(fen),
                                                 self.t("payment.paid_up") if paid else "")

    # -- message line ----------------------------------------------------------------------------------------

    def _set_message(self, key: str, *, error: bool = False, **params: Any) -> None:
        self._message = (key, params, error)
        self._show_message()

    def _set_error(self, error: BoxOfficeError) -> None:
        self._set_message(f"error.{error.code}", error=True, **error.params)

    def _show_message(self) -> None:
        key, params, error = self._message
        if not key:
            problem = self._price_error or self._settle_error
            if problem is not None:
                key, params, error = f"error.{problem.code}", problem.params, True
        if key.startswith("error."):
            text = self.box.translator.error(key.removeprefix("error."), **params)
        else:
            text = self.t(key, **params) if key else ""
        widget = self.query_one("#pay-message", Static)
        widget.update(Text(text))
        widget.set_class(error, "-error")
