"""May these tickets be exchanged for seats of another showtime now, and what does it cost or give back?

The exchange counterpart of :func:`boxoffice.refund_rules.decide_refund`: one pure function over frozen facts,
:func:`decide_exchange`, that the counter shows as a preview and the exchange service then carries out (voiding
the old tickets and selling the new ones in one transaction). Seats are not its business: the caller has chosen
them on the seat map and priced them with :mod:`boxoffice.pricing`.

The rules, in the order they are checked (the first that fails is the decision's ``reason``):

1. something is asked for (``exchange_nothing_selected``); every old ticket belongs to the order
   (``exchange_ticket_unknown``), is ``valid`` (``exchange_ticket_not_valid``) and was not let in
   (``exchange_ticket_admitted``);
2. the policy offers exchanges (``exchange_not_offered``); a kiosk exchanges only when the policy is not
   counter-only (``exchange_kiosk_not_allowed``); at the counter the person may sell
   (``exchange_role_not_allowed``);
3. the OLD showtime: when it was cancelled, any time and without the exchange fee
   (``exchange_showtime_cancelled``); otherwise not from its start on (``exchange_after_start``) and only while it
   starts in ``until_minutes_before`` minutes or more, the boundary inside (``exchange_too_late``);
4. the NEW showtime is not cancelled (``exchange_target_not_on_sale``), has not started
   (``exchange_target_started``), starts at most ``max_days_ahead`` days from now, the boundary inside
   (``exchange_target_too_far``), and shows the same film when the policy says ``films = "same"``
   (``exchange_other_film``);
5. a new ticket of another type than the old one needs ``ticket_type_change`` (``exchange_type_change_not_allowed``);
6. a kiosk cannot pay a difference back to a cash payment (``exchange_kiosk_cash``);
7. allowed: ``exchange_allowed`` (or ``exchange_showtime_cancelled``).

Money, in integer fen: ``balance = new gross - old gross + exchange fees`` over all tickets of the exchange
(gross is price plus service fee; the fee is ``fee_fen`` per ticket). A positive balance is charged
(``charge_fen``, any payment method). A negative one is paid back to the original payments by
:func:`~boxoffice.refund_rules.allocate_back` (electronic first, latest first, then cash) when
``refund_difference``; otherwise it is forgone (``forgone_fen``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from boxoffice.refund_policy import RefundPolicy
from boxoffice.refund_rules import (
    CASH,
    COUNTER,
    KIOSK,
    OrderFacts,
    PaymentBack,
    ShowtimeFacts,
    allocate_back,
    chosen_tickets,
)
from boxoffice.staff import role_can

EXCHANGE_ALLOWED = "exchange_allowed"
EXCHANGE_SHOWTIME_CANCELLED = "exchange_showtime_cancelled"
EXCHANGE_NOTHING_SELECTED = "exchange_nothing_selected"
EXCHANGE_TICKET_UNKNOWN = "exchange_ticket_unknown"
EXCHANGE_TICKET_NOT_VALID = "exchange_ticket_not_valid"
EXCHANGE_TICKET_ADMITTED = "exchange_ticket_admitted"
EXCHANGE_NOT_OFFERED = "exchange_not_offered"
EXCHANGE_KIOSK_NOT_ALLOWED = "exchange_kiosk_not_allowed"
EXCHANGE_ROLE_NOT_ALLOWED = "exchange_role_not_allowed"
EXCHANGE_AFTER_START = "exchange_after_start"
EXCHANGE_TOO_LATE = "exchange_too_late"
EXCHANGE_TARGET_NOT_ON_SALE = "exchange_target_not_on_sale"
EXCHANGE_TARGET_STARTED = "exchange_target_started"
EXCHANGE_TARGET_TOO_FAR = "exchange_target_too_far"
EXCHANGE_OTHER_FILM = "exchange_other_film"
EXCHANGE_TYPE_CHANGE_NOT_ALLOWED = "exchange_type_change_not_allowed"
EXCHANGE_KIOSK_CASH = "exchange_kiosk_cash"


@dataclass(frozen=True)
class NewTicket:
    """The ticket that replaces an old one: its type and price at the new showtime (from the price card).

    Attributes:
        old_ticket_id: the ticket of the order it replaces.
        ticket_type: the new ticket type's code.
        price_fen: the new price without the service fee.
        fee_fen: the new service fee.
    """

    old_ticket_id: int
    ticket_type: str
    price_fen: int
    fee_fen: int = 0

    @property
    def gross_fen(self) -> int:
        """Price and service fee."""
        return self.price_fen + self.fee_fen


@dataclass(frozen=True)
class ExchangeLine:
    """One old ticket and its replacement: ``new_gross_fen - old_gross_fen + fee_fen`` is its part of the
    balance."""

    old_ticket_id: int
    old_gross_fen: int
    new_gross_fen: int
    fee_fen: int
    type_changed: bool


@dataclass(frozen=True)
class ExchangeDecision:
    """What :func:`decide_exchange` decided.

    When ``allowed`` is False nothing may change, ``reason`` says why, and there are no lines nor money. When it
    is True the customer pays ``charge_fen`` or gets ``back_by_payment`` (never both).

    Attributes:
        allowed: the exchange may go ahead.
        reason: a stable code (this module's ``EXCHANGE_*``); the UI shows ``policy_reason.<reason>``.
        lines: one per old ticket, in the order given.
        refused_ticket_ids: for the ticket reasons, the old tickets that caused the refusal.
        charge_fen: what the customer pays (any method).
        back_by_payment: what goes back to the original payments.
        forgone_fen: a cheaper exchange's difference that is not paid back: the policy keeps it
            (``refund_difference = false``), or the payments have no room left for it.
    """

    allowed: bool
    reason: str
    lines: tuple[ExchangeLine, ...] = ()
    refused_ticket_ids: tuple[int, ...] = ()
    charge_fen: int = 0
    back_by_payment: tuple[PaymentBack, ...] = ()
    forgone_fen: int = 0

    @property
    def old_fen(self) -> int:
        """What the old tickets were paid (prices and service fees)."""
        return sum(line.old_gross_fen for line in self.lines)

    @property
    def new_fen(self) -> int:
        """What the new tickets cost (prices and service fees)."""
        return sum(line.new_gross_fen for line in self.lines)

    @property
    def fee_fen(self) -> int:
        """The exchange fees."""
        return sum(line.fee_fen for line in self.lines)

    @property
    def balance_fen(self) -> int:
        """``new - old + fees``: positive is owed by the customer, negative owed to them."""
        return self.new_fen - self.old_fen + self.fee_fen

    @property
    def back_fen(self) -> int:
        """What goes back to the customer: the sum of ``back_by_payment``."""
        return sum(back.amount_fen for back in self.back_by_payment)


def _target_refusal(new: ShowtimeFacts, old: ShowtimeFacts, policy: RefundPolicy, now: datetime) -> str | None:
    if new.cancelled:
        return EXCHANGE_TARGET_NOT_ON_SALE
    if now >= new.starts_at:
        return EXCHANGE_TARGET_STARTED
    if new.starts_at - now > timedelta(days=policy.exchange.max_days_ahead):
        return EXCHANGE_TARGET_TOO_FAR
    if policy.exchange.films == "same" and new.film_id != old.film_id:
        return EXCHANGE_OTHER_FILM
    return None


def decide_exchange(
    order: OrderFacts,
    new_tickets: Sequence[NewTicket],
    new_showtime: ShowtimeFacts,
    policy: RefundPolicy,
    *,
    now: datetime,
    channel: str,
    role: str | None,
    earlier: Sequence[PaymentBack] = (),
) -> ExchangeDecision:
    """Decide an exchange of some tickets of an order for tickets of ``new_showtime`` (rules: module docstring).

    Args:
        order: the order's (old) showtime, all its tickets and its payments.
        new_tickets: one per old ticket exchanged, naming it, with the new type and price.
        new_showtime: where the new seats are (it may be the old showtime itself: other seats or types).
        policy: the policy version the order was sold under.
        now: UTC-aware.
        channel: ``"counter"`` or ``"kiosk"``.
        role: the signed-in person's role, or None for a customer at a kiosk.
        earlier: what earlier refunds and exchanges of this order already paid back, per payment.

    Raises:
        ValueError: an unknown channel; an old ticket named twice; an earlier refund of another order's payment.
    """
    if channel not in (COUNTER, KIOSK):
        raise ValueError(f"channel must be counter or kiosk, got {channel!r}")
    asked = [new.old_ticket_id for new in new_tickets]
    if len(set(asked)) != len(asked):
        raise ValueError("each old ticket is exchanged for one new ticket")
    old_tickets, refusal, concerned = chosen_tickets(order, asked, "exchange")
    if refusal is not None:
        return ExchangeDecision(False, refusal, refused_ticket_ids=concerned)
    rules = policy.exchange
    if not rules.enabled:
        return ExchangeDecision(False, EXCHANGE_NOT_OFFERED)
    if channel == KIOSK and rules.counter_only:
        return ExchangeDecision(False, EXCHANGE_KIOSK_NOT_ALLOWED)
    if channel == COUNTER and not role_can(role, "sell"):
        return ExchangeDecision(False, EXCHANGE_ROLE_NOT_ALLOWED)

    old = order.showtime
    cancelled = old.cancelled
    if not cancelled:
        if now >= old.starts_at:
            return ExchangeDecision(False, EXCHANGE_AFTER_START)
        if old.starts_at - now < timedelta(minutes=rules.until_minutes_before):
            return ExchangeDecision(False, EXCHANGE_TOO_LATE)
    target = _target_refusal(new_showtime, old, policy, now)
    if target is not None:
        return ExchangeDecision(False, target)

    fee = 0 if cancelled else rules.fee_fen
    lines = tuple(
        ExchangeLine(old_ticket.id, old_ticket.gross_fen, new.gross_fen, fee, new.ticket_type != old_ticket.ticket_type)
        for old_ticket, new in zip(old_tickets, new_tickets, strict=True)
    )
    changed = tuple(line.old_ticket_id for line in lines if line.type_changed)
    if changed and not rules.ticket_type_change:
        return ExchangeDecision(False, EXCHANGE_TYPE_CHANGE_NOT_ALLOWED, refused_ticket_ids=changed)

    reason = EXCHANGE_SHOWTIME_CANCELLED if cancelled else EXCHANGE_ALLOWED
    balance = sum(line.new_gross_fen - line.old_gross_fen + line.fee_fen for line in lines)
    if balance >= 0:
        return ExchangeDecision(True, reason, lines, charge_fen=balance)
    if not rules.refund_difference:
        return ExchangeDecision(True, reason, lines, forgone_fen=-balance)
    back = allocate_back(-balance, order.payments, earlier)
    if channel == KIOSK and any(payment.method == CASH for payment in back):
        return ExchangeDecision(False, EXCHANGE_KIOSK_CASH)
    return ExchangeDecision(True, reason, lines, back_by_payment=back, forgone_fen=-balance - sum(
        payment.amount_fen for payment in back))
