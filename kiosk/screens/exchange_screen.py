"""Exchanging tickets at the counter: find the order, choose its tickets, then a new showtime, seats and types.

One input takes whatever the customer has, as at pickup and refund: the order reference, the pickup code, a
ticket's QR code or their mobile number (several orders: the cashier chooses one). The order's tickets are listed
with check boxes (every ticket that can be exchanged is checked; Space toggles, ``a`` all or none) with the
policy's terms for this order: until when, which films, the fee. Enter goes on:

1. the showtimes list as a picker (:class:`~kiosk.screens.showtime_picker_screen.ShowtimePickerScreen`), on the
   customer's film (only that film when the policy says so);
2. the seat map of the new showtime (:class:`~kiosk.screens.exchange_seat_screen.ExchangeSeatScreen`): as many
   seats as tickets, held at once like any sale's;
3. the ticket types, the difference and its settlement
   (:class:`~kiosk.screens.exchange_payment_screen.ExchangePaymentScreen`); Enter exchanges in one transaction and
   the new tickets print.

Back here the outcome is shown: the new order's reference, what was taken or given back and how, the cash out of
the drawer large. Escape at any step goes back one step; leaving the seat map gives its seats back. What the
policy refuses for the old tickets (too late, already used) is said before any seat is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Digits, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from boxoffice.errors import BoxOfficeError
from boxoffice.exchange_rules import NewTicket, decide_exchange
from boxoffice.exchanges import ExchangeResult
from boxoffice.i18n import format_money, local_time
from boxoffice.order_lookup import find_orders, order_facts
from boxoffice.pickup import PickupView, order_view
from boxoffice.refund_policy import RefundPolicy, policy_from_config, policy_of_order
from boxoffice.refund_rules import OrderFacts
from boxoffice.staff import StaffMember
from boxoffice.ticket_content import mask_reference
from kiosk.dialogs.sale_done_dialog import digits_money
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.screens.exchange_payment_screen import ExchangePlan, OldTicket, method_name
from kiosk.screens.exchange_seat_screen import ExchangeSeatScreen
from kiosk.screens.showtime_picker_screen import ShowtimePickerScreen
from kiosk.widgets import TranslatedFooter
from kiosk.widgets.ticket_checklist import TicketChecklist

_OLD_SIDE = frozenset({"exchange_nothing_selected", "exchange_ticket_unknown", "exchange_ticket_not_valid",
                       "exchange_ticket_admitted", "exchange_not_offered", "exchange_kiosk_not_allowed",
                       "exchange_role_not_allowed", "exchange_after_start", "exchange_too_late"})
"""Refusals about the old tickets alone: said before a new showtime is chosen."""


@dataclass(frozen=True)
class FoundOrder:
    """An order as this screen shows it, with what the decision needs."""

    view: PickupView
    facts: OrderFacts
    policy: RefundPolicy


class ExchangeScreen(BoxOfficeScreen[None]):
    """Find an order and exchange some of its tickets (counter only)."""

    CSS_PATH = "../styles/exchange.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "key.back"),
        *(Binding(digit, f"type_digit('{digit}')", show=False, priority=True) for digit in "0123456789"),
    ]
    """Digits typed anywhere go to the input, so that a scanner's QR code lands whole in it."""

    @dataclass
    class Found(Message):
        """The store answered a lookup (posted from a worker thread)."""

        orders: tuple[FoundOrder, ...] = ()
        error: BoxOfficeError | None = None

    def __init__(self, staff: StaffMember) -> None:
        """Create the screen for the signed-in cashier."""
        super().__init__()
        self.staff = staff
        self.choices: tuple[FoundOrder, ...] = ()
        self.found: FoundOrder | None = None
        self.result: ExchangeResult | None = None
        self._message: tuple[str, dict[str, object], str] | None = None

    def compose(self) -> ComposeResult:
        """The input, the message, the orders to choose from, the order's tickets and terms, the outcome."""
        with Vertical(id="exchange-box"):
            with Horizontal(id="exchange-top"):
                yield Static(id="exchange-title")
                yield Input(id="exchange-input", max_length=400)
            yield Static(id="exchange-prompt")
            yield Static(id="exchange-message")
            yield OptionList(id="exchange-orders")
            yield Static(id="exchange-order")
            yield TicketChecklist(id="exchange-tickets")
            yield Static(id="exchange-terms")
            yield Static(id="exchange-result")
            with Horizontal(id="exchange-cash-row"):
                yield Static(id="exchange-cash-label")
                yield Digits("", id="exchange-cash")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Focus the input (a scanner types into whatever has focus)."""
        self.query_one("#exchange-input", Input).focus()

    # -- texts ---------------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language."""
        self.query_one("#exchange-title", Static).update(self.t("exchange.title"))
        self.query_one("#exchange-prompt", Static).update(self.t("exchange.prompt"))
        self.query_one("#exchange-input", Input).placeholder = self.t("exchange.placeholder")
        self._render_all()

    def _render_all(self) -> None:
        self._render_message()
        self._render_choices()
        self._render_order()
        self._render_result()

    def _say(self, key: str | None, style: str = "", **params: object) -> None:
        self._message = (key, params, style) if key else None
        self._render_message()

    def _render_message(self) -> None:
        widget = self.query_one("#exchange-message", Static)
        widget.set_classes("")
        if self._message is None:
            widget.update("")
            return
        key, params, style = self._message
        widget.update(self.box.translator.error(key[6:], **params) if key.startswith("error.")
                      else self.t(key, **params))
        if style:
            widget.add_class(style)

    def _title(self, view: PickupView) -> str:
        english, zone = self.box.language == "en", self.box.config.site.zone
        starts = view.starts_at.astimezone(zone)
        return self.t("exchange.order_line", reference=view.reference, film=view.film_en if english else view.film_zh,
                      time=f"{starts:%Y-%m-%d} {local_time(view.starts_at, zone)}",
                      hall=view.hall_en if english else view.hall_zh)

    def _render_choices(self) -> None:
        options = self.query_one("#exchange-orders", OptionList)
        options.display = bool(self.choices)
        if not self.choices:
            return
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(Option(self._title(found.view) + ("" if found.view.valid_tickets else
                                                              f"  ({self.t('exchange.nothing_valid')})"),
                                   id=str(found.view.order_id)) for found in self.choices)
        options.highlighted = highlighted if highlighted is not None else 0

    def _render_order(self) -> None:
        order = self.query_one("#exchange-order", Static)
        checklist = self.query_one("#exchange-tickets", TicketChecklist)
        terms = self.query_one("#exchange-terms", Static)
        found = self.found
        checklist.display = found is not None
        if found is None:
            order.update("")
            terms.update("")
            return
        view = found.view
        text = Text(self._title(view), style="bold")
        if view.phone_masked:
            text.append(f"  \u00b7  {view.phone_masked}", style="dim")
        order.update(text)
        english = self.box.language == "en"
        facts = {t.id: t for t in found.facts.tickets}
        selected, highlighted = set(checklist.selected), checklist.highlighted
        first = checklist.option_count == 0
        with self.prevent(TicketChecklist.SelectedChanged):
            checklist.deselect_all()  # a selection outlives clear_options: the options are added anew below
            checklist.clear_options()
        for ticket in view.tickets:
            fact = facts[ticket.id]
            can = ticket.status == "valid" and not fact.admitted
            label = Text(f"{ticket.seat:<6} {ticket.type_en if english else ticket.type_zh:<6} "
                         f"{format_money(fact.gross_fen):>8}")
            if not can:
                state = "admitted" if fact.admitted else ticket.status
                label.append(f"  {self.t(f'exchange.status_{state}')}", style="dim")
            checklist.add_option(Selection(label, ticket.id, can and (first or ticket.id in selected),
                                           disabled=not can))
        if highlighted is not None and highlighted < checklist.option_count:
            checklist.highlighted = highlighted
        terms.update(self._terms(found))

    def _terms(self, found: FoundOrder) -> Text:
        """The policy's exchange terms for this order, and what it says about the tickets checked."""
        rules, zone = found.policy.exchange, self.box.config.site.zone
        text = Text()
        if not rules.enabled:
            text.append(self.t("policy_reason.exchange_not_offered"), style="bold red")
            return text
        until = found.view.starts_at - timedelta(minutes=rules.until_minutes_before)
        text.append(self.t("exchange.until", time=local_time(until, zone), minutes=rules.until_minutes_before) + "  ")
        text.append(self.t("exchange.same_film" if rules.films == "same" else "exchange.any_film") + "  ")
        text.append(self.t("exchange.fee", fee=format_money(rules.fee_fen)) if rules.fee_fen
                    else self.t("exchange.no_fee"))
        if self.result is not None:
            return text
        refusal = self._old_side_refusal()
        if refusal is not None:
            text.append("\n" + self.t(f"policy_reason.{refusal}"), style="bold red")
        else:
            text.append("\n" + self.t("exchange.next_hint"), style="bold green")
        return text

    def _render_result(self) -> None:
        widget = self.query_one("#exchange-result", Static)
        row = self.query_one("#exchange-cash-row")
        result = self.result
        row.display = False
        if result is None:
            widget.update("")
            return
        text = Text(self.t("exchange.done", reference=result.new_reference) + "\n", style="bold green")
        count = len(result.new_ticket_ids)
        text.append(self.t("exchange.done_printing" if self.box.ticket_printer else "exchange.done_no_printer",
                           count=count) + "\n")
        if result.charged_fen:
            methods = ", ".join(method_name(self.t, t.method) for t in result.payments)
            text.append(self.t("exchange.done_charged", amount=format_money(result.charged_fen), methods=methods)
                        + "\n")
        for back in result.back:
            method = method_name(self.t, back.method)
            if back.reference:
                method += f" {mask_reference(back.reference)}"
            text.append(self.t("exchange.done_back", amount=format_money(back.amount_fen), method=method) + "\n",
                        style="bold")
        if not result.charged_fen and not result.back:
            text.append(self.t("exchange.done_even") + "\n")
        widget.update(text)
        cash_back = sum(b.amount_fen for b in result.back if b.method == "cash")
        cash_out = result.change_fen or cash_back
        if cash_out:
            row.display = True
            self.query_one("#exchange-cash-label", Static).update(
                self.t("exchange.change_label" if result.change_fen else "exchange.cash_back"))
            self.query_one("#exchange-cash", Digits).update(digits_money(cash_out))

    # -- finding the order ---------------------------------------------------------------------------------------

    def action_type_digit(self, digit: str) -> None:
        """A digit typed anywhere goes to the input (a scanner's QR code, a code or a phone number)."""
        field = self.query_one("#exchange-input", Input)
        if self.focused is not field:
            self.set_focus(field)
        field.insert_text_at_cursor(digit)

    @on(Input.Submitted, "#exchange-input")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.value = ""
        if not text:
            if self.found is not None:
                self._go_on()
            return
        self._say("exchange.looking")
        self._lookup(text)

    @work(thread=True, exclusive=True, group="exchange-lookup")
    def _lookup(self, text: str) -> None:
        box = self.box
        key, signing = box.pickup_key, box.signing_key
        if key is None or signing is None:
            self.post_message(self.Found(error=BoxOfficeError("site_keys_missing", "site keys not loaded")))
            return
        public, now, fallback = signing.public_key(), box.now(), policy_from_config(box.config.refunds)

        def work(session: Any) -> tuple[FoundOrder, ...]:
            ids = find_orders(session, text=text, key=key, public_key=public, now=now)
            if not ids:
                raise BoxOfficeError("order_not_found", "no order found")
            return tuple(FoundOrder(order_view(session, order_id=i, now=now), order_facts(session, i),
                                    policy_of_order(session, i) or fallback) for i in ids)

        try:
            orders = run_intent(box.engine, work, write=False, name="exchange lookup")
        except BoxOfficeError as error:
            self.post_message(self.Found(error=error))
        else:
            self.post_message(self.Found(orders=orders))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.error is not None:
            self._say(f"error.{message.error.code}", "-error", **message.error.params)
            return
        self.result = None
        if len(message.orders) > 1:
            self.choices, self.found = message.orders, None
            self._say("exchange.choose", count=len(message.orders))
            self._render_all()
            self.query_one("#exchange-orders", OptionList).focus()
            return
        self._show(message.orders[0])

    @on(OptionList.OptionSelected, "#exchange-orders")
    def _order_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((f for f in self.choices if str(f.view.order_id) == event.option.id), None)
        if chosen is not None:
            self._show(chosen)

    def _show(self, found: FoundOrder) -> None:
        self.choices, self.found = (), found
        checklist = self.query_one("#exchange-tickets", TicketChecklist)
        checklist.clear_options()
        self._say(None if found.view.valid_tickets else "exchange.nothing_left", "-error")
        self._render_all()
        checklist.focus()
        if checklist.option_count:
            checklist.highlighted = 0

    @on(TicketChecklist.SelectedChanged, "#exchange-tickets")
    def _checked(self, event: TicketChecklist.SelectedChanged) -> None:
        event.stop()
        if self.found is not None:
            self.query_one("#exchange-terms", Static).update(self._terms(self.found))

    # -- exchanging ----------------------------------------------------------------------------------------------

    def _chosen(self) -> list[int]:
        if self.found is None:
            return []
        picked = set(self.query_one("#exchange-tickets", TicketChecklist).selected)
        return [t.id for t in self.found.view.tickets if t.id in picked]

    def _old_side_refusal(self) -> str | None:
        """What the policy says of the checked tickets alone (window, validity, role), before any new seat."""
        found = self.found
        if found is None:
            return None
        by_id = {t.id: t for t in found.facts.tickets}
        chosen = [by_id[i] for i in self._chosen()]
        same = [NewTicket(t.id, t.ticket_type, t.price_fen, t.fee_fen) for t in chosen]
        decision = decide_exchange(found.facts, same, found.facts.showtime, found.policy, now=self.box.now(),
                                   channel="counter", role=self.staff.role, earlier=found.facts.earlier)
        return decision.reason if not decision.allowed and decision.reason in _OLD_SIDE else None

    @on(TicketChecklist.Confirmed, "#exchange-tickets")
    def _confirmed(self, event: TicketChecklist.Confirmed) -> None:
        event.stop()
        self._go_on()

    def _go_on(self) -> None:
        """On to the new showtime with the checked tickets."""
        found = self.found
        if found is None:
            return
        refusal = self._old_side_refusal()
        if refusal is not None:
            self.app.bell()
            self._say(f"policy_reason.{refusal}", "-error")
            return
        if self.result is not None:  # the order's other tickets, after an exchange of some
            self.result = None
            self._render_all()
        chosen = self._chosen()
        types = {t.id: t.ticket_type for t in found.facts.tickets}
        plan = ExchangePlan(
            order_id=found.view.order_id, reference=found.view.reference, film_id=found.facts.showtime.film_id,
            old_tickets=tuple(OldTicket(t.id, t.seat, types[t.id], t.type_zh, t.type_en)
                              for t in found.view.tickets if t.id in chosen),
            fallback_policy=policy_from_config(self.box.config.refunds))
        picker = ShowtimePickerScreen(self.staff, title_key="exchange.pick_title", film_id=plan.film_id,
                                      film_locked=found.policy.exchange.films == "same")
        self.app.push_screen(picker, callback=lambda showtime_id: self._picked(plan, showtime_id))

    def _picked(self, plan: ExchangePlan, showtime_id: int | None) -> None:
        if showtime_id is None:
            return
        self.app.push_screen(ExchangeSeatScreen(self.staff, showtime_id, plan),
                             callback=lambda result: self._exchanged(plan, result))

    def _exchanged(self, plan: ExchangePlan, result: Any) -> None:
        if not isinstance(result, ExchangeResult):
            self._say("exchange.not_done")
            return
        self.result = result
        self._say(None)
        self._reload(plan.order_id)

    @work(thread=True, exclusive=True, group="exchange-lookup")
    def _reload(self, order_id: int) -> None:
        """The old order as it is now (its tickets exchanged), under the outcome."""
        box = self.box
        now, fallback = box.now(), policy_from_config(box.config.refunds)
        try:
            found = run_intent(box.engine, lambda session: FoundOrder(
                order_view(session, order_id=order_id, now=now), order_facts(session, order_id),
                policy_of_order(session, order_id) or fallback), write=False, name="exchange reload")
        except BoxOfficeError as error:
            self.post_message(self.Found(error=error))
            return
        self.app.call_from_thread(self._after, found)

    def _after(self, found: FoundOrder) -> None:
        self.found = found
        self.query_one("#exchange-tickets", TicketChecklist).clear_options()
        self._render_all()
        self.query_one("#exchange-input", Input).focus()

    def action_back(self) -> None:
        """From the tickets back to the input; from the input, back to the showtimes."""
        field = self.query_one("#exchange-input", Input)
        if self.focused is not field and (self.found is not None or self.choices):
            field.focus()
            return
        self.dismiss(None)
