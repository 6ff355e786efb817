"""Exchanging tickets at the counter: the old tickets voided and the new ones sold, in one transaction.

The customer brings tickets of an order and wants other seats, another showtime or other ticket types. The
cashier holds the new seats on the seat map (:func:`boxoffice.holds.hold_seats`), and this module turns the holds
and the old tickets into a new order, the same way :mod:`boxoffice.sales` turns holds into a sale:

* :func:`prepare_exchange`, in a read transaction, prices the new seats from the new showtime's price card,
  decides the exchange with :func:`~boxoffice.exchange_rules.decide_exchange` under the policy version the old
  order was sold under, checks the holds and the seat rules and settles the difference with
  :func:`~boxoffice.tender.settle` (a positive difference is paid with any method; a negative one goes back to
  the original payments; none needs nothing);
* :func:`commit_exchange`, in a short write transaction, decides again under the write lock, sells the new seats
  from this terminal's holds, and only if every one is still held voids the old tickets (status ``exchanged``,
  their seats on sale again at once, their entry tokens revoked), writes the new order (channel ``exchange``,
  tickets handed over here, new token nonces), its payments, the money back, the :class:`db.models.Exchange`
  record and an audit entry. Any refusal raises and the caller's transaction writes nothing: if another terminal
  took a new seat meanwhile, the old tickets stay valid and nothing is charged. The same request key submitted
  twice exchanges once.

Money. The new order is paid by the value of the old tickets, carried over from the old order's payments
(``exchange_payment`` rows of kind ``carried``, mirrored by payments of the new order with the same method and
reference), plus what the customer pays now; so a later refund of the new order goes back to where the money came
from. A cheaper exchange gives the difference back to the original payments (kind ``back``), as the decision
allocated it. Both count as used up in :attr:`~boxoffice.refund_rules.OrderFacts.earlier` of the old order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from boxoffice import audit
from boxoffice.entry_tokens import new_token_nonce, revoke
from boxoffice.errors import BoxOfficeError
from boxoffice.exchange_rules import ExchangeDecision, NewTicket, decide_exchange
from boxoffice.hall import load_hall
from boxoffice.holds import claim_owners
from boxoffice.order_lookup import order_facts
from boxoffice.pricing import Breakdown, load_pricing
from boxoffice.refund_policy import RefundPolicy, policy_of_order
from boxoffice.refund_rules import OrderFacts, PaymentBack, ShowtimeFacts, allocate_back
from boxoffice.sales import SaleLine, new_reference, quote_sale
from boxoffice.seat_rules import SeatRules, check_selection, is_allowed
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender, settle
from db.models import (
    Exchange,
    ExchangePayment,
    ExchangeTicket,
    Payment,
    SaleOrder,
    SeatClaim,
    Showtime,
    Ticket,
)

CHANNEL = "exchange"
"""The channel of the orders exchanges make."""

_order = SaleOrder.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_payment = Payment.__table__  # type: ignore[attr-defined]
_claim = SeatClaim.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]
_exchange = Exchange.__table__  # type: ignore[attr-defined]
_exchange_ticket = ExchangeTicket.__table__  # type: ignore[attr-defined]
_exchange_payment = ExchangePayment.__table__  # type: ignore[attr-defined]

_SHOWTIME = select(_show.c.id, _show.c.film_id, _show.c.starts_at, _show.c.status, _show.c.auditorium_id,
                   _show.c.price_card_id).where(_show.c.id == bindparam("p_showtime"))
_ORDER = select(_order.c.id, _order.c.reference, _order.c.showtime_id, _order.c.customer_phone,
                _order.c.refund_policy_id, _order.c.status).where(_order.c.id == bindparam("p_order"))
_OLD_SEATS = select(_ticket.c.id, _ticket.c.seat_id).where(_ticket.c.id.in_(bindparam("p_tickets", expanding=True)))
_INSERT_ORDER = {
    name: dialect_insert(_order).on_conflict_do_nothing(index_elements=[_order.c.request_key]).returning(_order.c.id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
"""A second order with the same request key is not inserted (the exchange was made already)."""
_SELL_CLAIMS = (
    update(_claim)
    .where(_claim.c.showtime_id == bindparam("p_showtime"), _claim.c.seat_id.in_(bindparam("p_seats", expanding=True)))
    .where(_claim.c.terminal_id == bindparam("p_terminal"), _claim.c.status == "held", _claim.c.released_at.is_(None))
    .where(_claim.c.expires_at > bindparam("p_now"))
    .values(status="sold", order_id=bindparam("p_order"), expires_at=None)
    .returning(_claim.c.id, _claim.c.seat_id)
)
_VOID_OLD = (
    update(_ticket)
    .where(_ticket.c.id.in_(bindparam("p_tickets", expanding=True)), _ticket.c.order_id == bindparam("p_order"))
    .where(_ticket.c.status == "valid", _ticket.c.admitted_at.is_(None))
    .values(status="exchanged")
    .returning(_ticket.c.id, _ticket.c.claim_id)
)
_RELEASE_OLD = (
    update(_claim)
    .where(_claim.c.id.in_(bindparam("p_claims", expanding=True)), _claim.c.released_at.is_(None))
    .values(released_at=bindparam("p_now"), release_reason="exchange")
)
_VALID_LEFT = select(func.count()).select_from(_ticket).where(
    _ticket.c.order_id == bindparam("p_order"), _ticket.c.status == "valid")
_CLOSE_ORDER = update(_order).where(_order.c.id == bindparam("p_order"), _order.c.status == "paid").values(
    status="exchanged")
_BY_KEY = (
    select(_exchange, _order.c.reference.label("new_reference"))
    .select_from(_exchange.join(_order, _order.c.id == _exchange.c.new_order_id))
    .where(_exchange.c.request_key == bindparam("p_key"))
)
_REFERENCE = select(_order.c.reference).where(_order.c.id == bindparam("p_order"))
_LOCK_ORDER = select(_order.c.id).where(_order.c.id == bindparam("p_order")).with_for_update()
"""PostgreSQL: exchanges and refunds of one order take turns (SQLite's BEGIN IMMEDIATE already makes them)."""
_NEW_TICKETS = select(_exchange_ticket.c.new_ticket_id).where(
    _exchange_ticket.c.exchange_id == bindparam("p_exchange")).order_by(_exchange_ticket.c.id)
_BACK = select(_exchange_payment.c.payment_id, _exchange_payment.c.method, _exchange_payment.c.amount_fen,
               _exchange_payment.c.reference).where(
    _exchange_payment.c.exchange_id == bindparam("p_exchange"), _exchange_payment.c.kind == "back").order_by(
    _exchange_payment.c.id)
_NEW_MONEY = select(_payment.c.method, _payment.c.amount_fen, _payment.c.tendered_fen, _payment.c.change_fen,
                    _payment.c.reference).where(
    _payment.c.order_id == bindparam("p_order"),
    _payment.c.id.not_in(select(_exchange_payment.c.new_payment_id).where(
        _exchange_payment.c.new_payment_id.is_not(None)))).order_by(_payment.c.id)


@dataclass(frozen=True)
class ExchangeSeat:
    """A new seat of the new showtime and its ticket type, for one old ticket."""

    old_ticket_id: int
    seat_id: int
    ticket_type: str


@dataclass(frozen=True)
class ExchangeRequest:
    """Everything a terminal asks for when it completes an exchange.

    Attributes:
        order_id: the order whose tickets are exchanged.
        showtime_id: the new showtime (it may be the old one: other seats or types).
        lines: one per old ticket exchanged; the new seats must be held by ``terminal_id``.
        tenders: the payments for a positive difference (none otherwise).
        channel: ``counter`` (or ``kiosk``), for the decision.
        refund_policy_id: the policy version in force here; the new order records the old order's version, or
            this one when the old order recorded none.
    """

    order_id: int
    showtime_id: int
    lines: tuple[ExchangeSeat, ...]
    tenders: tuple[Tender, ...]
    channel: str
    terminal_id: str
    staff: StaffMember | None
    request_key: str
    overrides: frozenset[str] = frozenset()
    override_reason: str | None = None
    approver: StaffMember | None = None
    """The supervisor who approved seat-rule overrides of the new seats (their PIN was checked by the caller)."""
    refund_policy_id: int | None = None


@dataclass(frozen=True)
class ExchangeContext:
    """What deciding an exchange of an order for seats of a showtime needs, read once: the screen decides again
    by itself (:func:`quote_exchange`) every time a ticket type changes."""

    order_id: int
    reference: str
    order: OrderFacts
    policy: RefundPolicy
    policy_id: int | None
    """The old order's stored policy version (None: decided by the current policy)."""
    showtime: ShowtimeFacts
    """The new showtime."""


@dataclass(frozen=True)
class ExchangeResult:
    """A completed exchange.

    Attributes:
        payments: the new money taken for a positive difference (cash as handed over).
        change_fen: cash to hand back from those payments.
        back: the money given back to the original payments, in the order to give it.
        forgone_fen: a cheaper exchange's difference that was kept.
        repeated: the request had been completed before (a double Enter, a retry): nothing was done now.
    """

    exchange_id: int
    old_order_id: int
    old_reference: str
    new_order_id: int
    new_reference: str
    new_ticket_ids: tuple[int, ...]
    charged_fen: int
    change_fen: int
    payments: tuple[Tender, ...] = ()
    back: tuple[PaymentBack, ...] = ()
    forgone_fen: int = 0
    repeated: bool = False


@dataclass(frozen=True)
class PreparedExchange:
    """An exchange checked, priced, decided and settled by reading (:func:`prepare_exchange`), to be written by
    :func:`commit_exchange` in a short write transaction."""

    request: ExchangeRequest
    context: ExchangeContext | None
    """None only for a repeated request."""
    decision: ExchangeDecision | None
    breakdown: Breakdown | None
    payments: tuple[Tender, ...] = ()
    change_fen: int = 0
    reference: str = ""
    seat_labels: tuple[str, ...] = ()
    type_ids: dict[str, int | None] = field(default_factory=dict)
    overridden: tuple[str, ...] = ()
    repeated: ExchangeResult | None = None
    """The result of the same request completed before: :func:`commit_exchange` returns it and does nothing."""


def load_exchange_context(session: Session, *, order_id: int, showtime_id: int,
                          fallback_policy: RefundPolicy) -> ExchangeContext:
    """The order as the decision sees it, its policy version (``fallback_policy`` when it recorded none) and the
    new showtime.

    Raises:
        BoxOfficeError: ``order_not_found``; ``showtime_closed`` for no such showtime.
    """
    connection = session.connection()
    order = connection.execute(_ORDER, {"p_order": order_id}).first()
    if order is None:
        raise BoxOfficeError("order_not_found", "no such order", order_id=order_id)
    show = connection.execute(_SHOWTIME, {"p_showtime": showtime_id}).first()
    if show is None:
        raise BoxOfficeError("showtime_closed", "no such showtime", showtime_id=showtime_id)
    return ExchangeContext(
        order_id=order_id, reference=order.reference, order=order_facts(session, order_id),
        policy=policy_of_order(session, order_id) or fallback_policy, policy_id=order.refund_policy_id,
        showtime=ShowtimeFacts(show.id, show.film_id, show.starts_at, cancelled=show.status == "cancelled"),
    )


def quote_exchange(context: ExchangeContext, old_ticket_ids: tuple[int, ...], breakdown: Breakdown, *,
                   now: datetime, channel: str, role: str | None) -> ExchangeDecision:
    """The decision for old tickets exchanged for the priced new tickets (``breakdown.lines[i]`` replaces
    ``old_ticket_ids[i]``); pure, so that a screen can show the difference as the ticket types change."""
    new = [NewTicket(old_id, line.ticket_type, line.price_fen, line.fee_fen)
           for old_id, line in zip(old_ticket_ids, breakdown.lines, strict=True)]
    return decide_exchange(context.order, new, context.showtime, context.policy, now=now, channel=channel,
                           role=role, earlier=context.order.earlier)


def prepare_exchange(session: Session, *, request: ExchangeRequest, now: datetime, zone: tzinfo, rules: SeatRules,
                     fallback_policy: RefundPolicy) -> PreparedExchange:
    """Check, price, decide and settle an exchange without writing anything.

    Raises:
        BoxOfficeError: ``exchange_nothing_selected``; ``order_not_found``; ``showtime_closed``; pricing codes;
            the decision's refusal (``exchange_too_late``, ``exchange_other_film``…, with ``tickets`` for the
            ticket reasons); ``hold_lost`` (``seats``: labels no longer held by this terminal); ``seat_rules``;
            ``override_reason_missing``; tender codes; ``payment_incomplete``.
    """
    connection = session.connection()
    repeated = _existing(connection, request.request_key)
    if repeated is not None:
        return PreparedExchange(request, None, None, None, repeated=repeated)
    if not request.lines:
        raise BoxOfficeError("exchange_nothing_selected", "no ticket chosen")
    context = load_exchange_context(session, order_id=request.order_id, showtime_id=request.showtime_id,
                                    fallback_policy=fallback_policy)
    lines = tuple(SaleLine(line.seat_id, line.ticket_type) for line in request.lines)
    breakdown = quote_sale(session, showtime_id=request.showtime_id, lines=lines, channel=request.channel, zone=zone)
    old_ids = tuple(line.old_ticket_id for line in request.lines)
    decision = quote_exchange(context, old_ids, breakdown, now=now, channel=request.channel,
                              role=request.staff.role if request.staff else None)
    if not decision.allowed:
        raise BoxOfficeError(decision.reason, "the exchange is refused", tickets=list(decision.refused_ticket_ids))

    show = connection.execute(_SHOWTIME, {"p_showtime": request.showtime_id}).one()
    hall = load_hall(session, show.auditorium_id)
    claims = claim_owners(session, showtime_id=request.showtime_id, now=now)
    seat_ids = frozenset(line.seat_id for line in request.lines)
    lost = sorted(hall.seat(sid).label for sid in seat_ids if claims.get(sid) != ("held", request.terminal_id))
    if lost:
        raise BoxOfficeError("hold_lost", "some seats are no longer held", seats=lost)
    vacated: frozenset[int] = frozenset()
    if request.showtime_id == context.order.showtime.id:  # the old seats are free once the exchange is made
        vacated = frozenset(row.seat_id for row in connection.execute(_OLD_SEATS, {"p_tickets": list(old_ids)}))
    violations = check_selection(hall, unavailable=frozenset(sid for sid in claims if sid not in seat_ids | vacated),
                                 selection=seat_ids, channel=request.channel, rules=rules, explicit=True)
    if violations:
        can_override = any(person is not None and person.can("override")
                           for person in (request.staff, request.approver))
        if not is_allowed(violations, can_override=can_override, overridden=request.overrides):
            raise BoxOfficeError("seat_rules", "the selection breaks seat rules",
                                 rules=sorted({v.code for v in violations}),
                                 seats=sorted({label for v in violations for label in v.seat_labels}))
        if not request.override_reason:
            raise BoxOfficeError("override_reason_missing", "an override needs a reason")

    settlement = settle(decision.charge_fen, list(request.tenders))
    if not settlement.is_complete:
        raise BoxOfficeError("payment_incomplete", "the payment does not cover the difference",
                             remaining_fen=settlement.remaining_fen)
    _, types = load_pricing(session, show.price_card_id)
    return PreparedExchange(
        request=request, context=context, decision=decision, breakdown=breakdown, payments=settlement.payments,
        change_fen=settlement.change_fen, reference=new_reference(now, zone),
        seat_labels=tuple(hall.seat(line.seat_id).label for line in request.lines),
        type_ids={t.code: t.id for t in types}, overridden=tuple(sorted({v.code for v in violations})),
    )


def commit_exchange(session: Session, *, prepared: PreparedExchange, now: datetime) -> ExchangeResult:
    """Write a prepared exchange: void the old tickets and sell the new ones from this terminal's holds, together.

    Under the write lock, before writing anything: a request made already returns its result; the exchange is
    decided again (the window may have closed, a ticket may have been refunded meanwhile); every new seat must
    still be held here. The writes then run in a savepoint, so that a refusal met on the way (a seat taken by a
    concurrent writer on a server store) undoes all of them, even if the caller went on with its transaction.

    Raises:
        BoxOfficeError: the decision's refusal; ``exchange_changed`` when the money differs from what was
            prepared (show the customer again); ``hold_lost``; ``exchange_ticket_not_valid``.
    """
    if prepared.repeated is not None:
        return prepared.repeated
    request, context, decision = prepared.request, prepared.context, prepared.decision
    assert context is not None and decision is not None and prepared.breakdown is not None
    connection = session.connection()
    # The old order's lock first, then the request key: a refund of this order, or the same exchange from a
    # double Enter, has committed by the time the lock is ours (PostgreSQL), and what follows reads it.
    connection.execute(_LOCK_ORDER, {"p_order": request.order_id})
    done = _existing(connection, request.request_key)
    if done is not None:  # a double Enter whose first try committed after this one was prepared
        return done
    facts = order_facts(session, request.order_id)
    show = connection.execute(_SHOWTIME, {"p_showtime": request.showtime_id}).one()
    again = quote_exchange(
        replace(context, order=facts, showtime=ShowtimeFacts(show.id, show.film_id, show.starts_at,
                                                             cancelled=show.status == "cancelled")),
        tuple(line.old_ticket_id for line in request.lines), prepared.breakdown, now=now, channel=request.channel,
        role=request.staff.role if request.staff else None)
    if not again.allowed:
        raise BoxOfficeError(again.reason, "the exchange is refused", tickets=list(again.refused_ticket_ids))
    if (again.charge_fen, again.back_by_payment, again.forgone_fen) != (
            decision.charge_fen, decision.back_by_payment, decision.forgone_fen):
        raise BoxOfficeError("exchange_changed", "the order changed since the exchange was shown")
    claims = claim_owners(session, showtime_id=request.showtime_id, now=now)
    if any(claims.get(line.seat_id) != ("held", request.terminal_id) for line in request.lines):
        raise BoxOfficeError("hold_lost", "some seats are no longer held", seats=list(prepared.seat_labels))
    with session.begin_nested():
        return _write(session, prepared, again, facts, now)


def _write(session: Session, prepared: PreparedExchange, again: ExchangeDecision, facts: OrderFacts,
           now: datetime) -> ExchangeResult:
    """The writes of :func:`commit_exchange` (which checked everything first)."""
    request, connection = prepared.request, session.connection()
    assert prepared.context is not None and prepared.breakdown is not None
    staff_id = request.staff.id if request.staff else None
    old = connection.execute(_ORDER, {"p_order": request.order_id}).one()
    # The new order is paid by the old tickets' value, from the payments left after the money back, and by
    # what the customer pays now.
    carried_fen = min(again.old_fen, again.new_fen + again.fee_fen)
    carried = allocate_back(carried_fen, facts.payments, (*facts.earlier, *again.back_by_payment))
    order_id = connection.execute(_INSERT_ORDER[session.get_bind().dialect.name], {
        "reference": prepared.reference, "showtime_id": request.showtime_id, "channel": CHANNEL,
        "terminal_id": request.terminal_id, "staff_id": staff_id, "status": "paid",
        "total_fen": sum(part.amount_fen for part in carried) + again.charge_fen,
        "customer_phone": old.customer_phone, "request_key": request.request_key, "created_at": now,
        "pickup_code_digest": None, "refund_policy_id": old.refund_policy_id or request.refund_policy_id,
    }).scalar()
    if order_id is None:  # the same request committed by a concurrent writer (server stores)
        raise BoxOfficeError("exchange_changed", "this exchange was just made by another attempt")
    seat_ids = sorted({line.seat_id for line in request.lines})
    claim_ids = {seat: claim for claim, seat in connection.execute(_SELL_CLAIMS, {
        "p_showtime": request.showtime_id, "p_seats": seat_ids, "p_terminal": request.terminal_id,
        "p_order": order_id, "p_now": now})}
    if len(claim_ids) != len(seat_ids):  # taken by a concurrent writer since the check: the savepoint undoes all
        raise BoxOfficeError("hold_lost", "some seats are no longer held", seats=list(prepared.seat_labels))

    old_ids = [line.old_ticket_id for line in request.lines]
    voided: dict[int, int] = dict(connection.execute(_VOID_OLD, {"p_tickets": old_ids, "p_order": request.order_id}).all())
    if len(voided) != len(old_ids):
        raise BoxOfficeError("exchange_ticket_not_valid", "a ticket is no longer valid",
                             tickets=[tid for tid in old_ids if tid not in voided])
    connection.execute(_RELEASE_OLD, {"p_claims": list(voided.values()), "p_now": now})
    for ticket_id in old_ids:
        revoke(session, ticket_id=ticket_id, reason="exchange", now=now)
    if connection.execute(_VALID_LEFT, {"p_order": request.order_id}).scalar_one() == 0:
        connection.execute(_CLOSE_ORDER, {"p_order": request.order_id})

    # The customer is at the counter: the new tickets print here and are handed over (no pickup code).
    new_ids = tuple(connection.execute(insert(_ticket).returning(_ticket.c.id, sort_by_parameter_order=True), [
        {"order_id": order_id, "claim_id": claim_ids[line.seat_id], "showtime_id": request.showtime_id,
         "seat_id": line.seat_id, "ticket_type_id": prepared.type_ids[line.ticket_type],
         "price_fen": priced.price_fen, "fee_fen": priced.fee_fen, "status": "valid",
         "secret": secrets.token_urlsafe(24), "printed_count": 0, "token_nonce": new_token_nonce(),
         "picked_up_at": now, "picked_up_terminal": request.terminal_id}
        for line, priced in zip(request.lines, prepared.breakdown.lines, strict=True)
    ]).scalars())
    payment_rows = [
        {"order_id": order_id, "method": part.method, "amount_fen": part.amount_fen, "tendered_fen": None,
         "change_fen": None, "reference": part.reference, "created_at": now} for part in carried
    ] + [
        {"order_id": order_id, "method": tender.method, "amount_fen": tender.amount_fen,
         "tendered_fen": tender.tendered_fen, "change_fen": prepared.change_fen if tender.method == "cash" else None,
         "reference": tender.reference, "created_at": now} for tender in prepared.payments
    ]
    payment_ids = list(connection.execute(insert(_payment).returning(_payment.c.id, sort_by_parameter_order=True),
                                          payment_rows).scalars()) if payment_rows else []

    approver = request.approver
    exchange_id = connection.execute(insert(_exchange).returning(_exchange.c.id), {
        "request_key": request.request_key, "old_order_id": request.order_id, "new_order_id": order_id,
        "created_at": now, "channel": request.channel, "terminal_id": request.terminal_id, "staff_id": staff_id,
        "approver_id": approver.id if approver else None, "reason": request.override_reason,
        "decision": again.reason, "refund_policy_id": prepared.context.policy_id, "old_fen": again.old_fen,
        "new_fen": again.new_fen, "fee_fen": again.fee_fen, "charged_fen": again.charge_fen,
        "back_fen": again.back_fen, "forgone_fen": again.forgone_fen,
    }).scalar_one()
    connection.execute(insert(_exchange_ticket), [
        {"exchange_id": exchange_id, "old_ticket_id": old_id, "new_ticket_id": new_id}
        for old_id, new_id in zip(old_ids, new_ids, strict=True)])
    moved = [{"exchange_id": exchange_id, "payment_id": back.payment_id, "kind": "back", "method": back.method,
              "amount_fen": back.amount_fen, "reference": back.reference, "new_payment_id": None}
             for back in again.back_by_payment]
    moved += [{"exchange_id": exchange_id, "payment_id": part.payment_id, "kind": "carried", "method": part.method,
               "amount_fen": part.amount_fen, "reference": part.reference, "new_payment_id": new_payment}
              for part, new_payment in zip(carried, payment_ids, strict=False)]
    if moved:
        connection.execute(insert(_exchange_payment), moved)

    audit.record(session, now=now, terminal_id=request.terminal_id, staff_id=staff_id, action="exchange",
                 subject=old.reference, new_order=prepared.reference, old_tickets=old_ids,
                 seats=list(prepared.seat_labels), old_fen=again.old_fen, new_fen=again.new_fen,
                 fee_fen=again.fee_fen, charged_fen=again.charge_fen,
                 back={back.method: back.amount_fen for back in again.back_by_payment}, forgone_fen=again.forgone_fen,
                 payments=[t.method for t in prepared.payments], decision=again.reason,
                 approver=approver.code if approver else None, reason=request.override_reason)
    if prepared.overridden:
        audit.record(session, now=now, terminal_id=request.terminal_id, staff_id=staff_id,
                     action="seat_rules.override", subject=prepared.reference, rules=list(prepared.overridden),
                     reason=request.override_reason, approver=approver.code if approver else None)
    return ExchangeResult(exchange_id, request.order_id, old.reference, order_id, prepared.reference, new_ids,
                          again.charge_fen, prepared.change_fen, prepared.payments, again.back_by_payment,
                          again.forgone_fen)


def exchange_tickets(session: Session, *, request: ExchangeRequest, now: datetime, zone: tzinfo, rules: SeatRules,
                     fallback_policy: RefundPolicy) -> ExchangeResult:
    """:func:`prepare_exchange` then :func:`commit_exchange` in the caller's (write) transaction."""
    prepared = prepare_exchange(session, request=request, now=now, zone=zone, rules=rules,
                                fallback_policy=fallback_policy)
    return commit_exchange(session, prepared=prepared, now=now)


def _existing(connection: Any, request_key: str) -> ExchangeResult | None:
    row = connection.execute(_BY_KEY, {"p_key": request_key}).first()
    if row is None:
        return None
    new_ids = tuple(connection.execute(_NEW_TICKETS, {"p_exchange": row.id}).scalars())
    back = tuple(PaymentBack(r.payment_id, r.method, r.amount_fen, r.reference)
                 for r in connection.execute(_BACK, {"p_exchange": row.id}))
    money = connection.execute(_NEW_MONEY, {"p_order": row.new_order_id}).all()
    payments = tuple(Tender(r.method, r.amount_fen, r.tendered_fen, r.reference) for r in money)
    old_reference = connection.execute(_REFERENCE, {"p_order": row.old_order_id}).scalar_one()
    return ExchangeResult(row.id, row.old_order_id, old_reference, row.new_order_id, row.new_reference, new_ids,
                          row.charged_fen, sum(r.change_fen or 0 for r in money), payments, back, row.forgone_fen,
                          repeated=True)
