"""Refunding tickets at the counter: decided by the order's policy version, carried out once, in one transaction.

The screen shows :func:`preview_refund` while the cashier chooses tickets: the same pure decision
(:func:`boxoffice.refund_rules.decide_refund`) over the order as the store holds it now. :func:`refund_tickets`
then never trusts that preview. Inside the caller's write transaction (the store's write lock on SQLite, the
order's row lock on PostgreSQL) it reads the order again and decides again under the policy the order was sold
under, and refuses what the decision refuses, with the decision's reason code. Then, in this order:

validate
    a supervisor (``approver``, whose PIN the UI checked) where the window needs one, and a reason where the
    window asks for one; printed or collected tickets handed back, each scanned (its signed QR must be a ticket
    of this refund), or a supervisor's note why not;
write
    the refund with its tickets and the money back per original payment (cash out of this terminal's drawer,
    card and mobile through the original payment's reference); the tickets become ``refunded`` with one
    conditional UPDATE (a ticket admitted at the door or refunded elsewhere meanwhile makes the whole refund
    fail, nothing written); their seat claims are released (``refund``: on sale again at once); their entry
    tokens are revoked; the order becomes ``refunded`` when no valid ticket is left (the pickup code then
    says so);
audit, print
    an audit entry per refund (and one for a note about unreturned tickets); a refund receipt queued.

Idempotent by ``request_key``: a screen makes one key per refund it shows, so a double Enter, or a retry after a
crash or a lost answer, finds the refund already written and returns it (``repeated``) instead of refunding again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from boxoffice import audit
from boxoffice.entry_tokens import revoke, verify_token
from boxoffice.errors import BoxOfficeError
from boxoffice.order_lookup import order_facts
from boxoffice.pickup import PickupView, order_view
from boxoffice.print_queue import queue_refund_receipt
from boxoffice.refund_policy import RefundPolicy, policy_of_order
from boxoffice.refund_rules import (
    COUNTER,
    KIOSK,
    REFUND_KIOSK_NOT_ALLOWED,
    OrderFacts,
    PaymentBack,
    RefundDecision,
    decide_refund,
)
from boxoffice.staff import StaffMember
from db.models import Refund, RefundPayment, RefundTicket, SaleOrder, SeatClaim, Ticket

REVOKE_REASON = "refund"
RELEASE_REASON = "refund"

_order = SaleOrder.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_claim = SeatClaim.__table__  # type: ignore[attr-defined]
_refund = Refund.__table__  # type: ignore[attr-defined]
_refund_ticket = RefundTicket.__table__  # type: ignore[attr-defined]
_refund_payment = RefundPayment.__table__  # type: ignore[attr-defined]

_INSERT_REFUND = {
    name: dialect_insert(_refund).on_conflict_do_nothing(index_elements=[_refund.c.request_key])
    .returning(_refund.c.id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
"""A second refund with the same request key is not inserted: that refund was written already."""
_BY_KEY = select(_refund.c.id).where(_refund.c.request_key == bindparam("p_key"))
_LOCK_ORDER = (select(_order.c.id, _order.c.reference, _order.c.refund_policy_id)
               .where(_order.c.id == bindparam("p_order")).with_for_update())
"""PostgreSQL: refunds and exchanges of one order wait for each other (SQLite's BEGIN IMMEDIATE already does)."""
_TOKEN_STATE = select(_ticket.c.id, _ticket.c.token_nonce).where(
    _ticket.c.id.in_(bindparam("p_tickets", expanding=True)))
_MARK_REFUNDED = (
    update(_ticket)
    .where(_ticket.c.id.in_(bindparam("p_tickets", expanding=True)), _ticket.c.status == "valid",
           or_(_ticket.c.admitted_at.is_(None), bindparam("p_admitted_ok")))
    .values(status="refunded")
    .returning(_ticket.c.id, _ticket.c.claim_id)
)
_RELEASE_CLAIMS = (
    update(_claim)
    .where(_claim.c.id.in_(bindparam("p_claims", expanding=True)), _claim.c.released_at.is_(None))
    .values(released_at=bindparam("p_now"), release_reason=RELEASE_REASON)
)
_VALID_LEFT = select(_ticket.c.id).where(_ticket.c.order_id == bindparam("p_order"), _ticket.c.status == "valid")
_ORDER_REFUNDED = update(_order).where(_order.c.id == bindparam("p_order")).values(status="refunded")
_REFUND_ROW = select(_refund, _order.c.reference, _order.c.status.label("order_status")).select_from(
    _refund.join(_order, _order.c.id == _refund.c.order_id)).where(_refund.c.id == bindparam("p_refund"))
_REFUND_TICKET_IDS = select(_refund_ticket.c.ticket_id).where(
    _refund_ticket.c.refund_id == bindparam("p_refund")).order_by(_refund_ticket.c.id)
_REFUND_PAYMENTS = select(_refund_payment.c.payment_id, _refund_payment.c.method, _refund_payment.c.amount_fen,
                          _refund_payment.c.reference).where(
    _refund_payment.c.refund_id == bindparam("p_refund")).order_by(_refund_payment.c.id)


@dataclass(frozen=True)
class RefundRequest:
    """What the counter asks for when the cashier presses Enter on a refund.

    Attributes:
        order_id: the order.
        ticket_ids: the tickets to refund.
        terminal_id: this terminal (cash comes out of its drawer).
        staff: the signed-in person.
        request_key: made once per refund the screen shows: the same key twice refunds once.
        current_policy: the policy in force (``policy_from_config(config.refunds)``), for orders that recorded
            no version; an order's own version always wins.
        approver: the supervisor who approved (their PIN was checked by the caller), where one is needed.
        reason: why, in the person's words (required in supervisor windows).
        returned_tokens: the scanned QR texts of the printed tickets handed back.
        not_returned_note: a supervisor's note why printed tickets are not handed back (needs ``approver``, or a
            signed-in person who may approve).
        public_key: the site's entry-token public key, to check ``returned_tokens``.
        printer: where the refund receipt prints (None: no receipt).
        channel: ``counter``, or ``kiosk`` for a customer refunding by themselves (no staff; the decision then
            applies the policy's kiosk rules, and no approval or note can widen them:
            :func:`boxoffice.kiosk_refunds.refund_at_kiosk`).
    """

    order_id: int
    ticket_ids: tuple[int, ...]
    terminal_id: str
    staff: StaffMember | None
    request_key: str
    current_policy: RefundPolicy
    approver: StaffMember | None = None
    reason: str | None = None
    returned_tokens: tuple[str, ...] = ()
    not_returned_note: str | None = None
    public_key: Ed25519PublicKey | None = None
    printer: str | None = None
    channel: str = COUNTER


@dataclass(frozen=True)
class RefundResult:
    """A refund as written (also when the request had been carried out before: ``repeated``)."""

    refund_id: int
    order_id: int
    order_reference: str
    ticket_ids: tuple[int, ...]
    decision: str
    """The decision's reason code (``refund_free_window``…)."""
    gross_fen: int
    kept_fee_fen: int
    percent_fee_fen: int
    fixed_fee_fen: int
    back_fen: int
    back_by_payment: tuple[PaymentBack, ...]
    order_refunded: bool
    """No valid ticket of the order is left."""
    receipt_job_id: int | None = None
    repeated: bool = False

    @property
    def cash_back_fen(self) -> int:
        """What the cashier takes out of the drawer."""
        return sum(back.amount_fen for back in self.back_by_payment if back.method == "cash")

    def back_by_method(self) -> dict[str, int]:
        """The amount back per payment method."""
        totals: dict[str, int] = {}
        for back in self.back_by_payment:
            totals[back.method] = totals.get(back.method, 0) + back.amount_fen
        return totals


@dataclass(frozen=True)
class RefundPreview:
    """What the refund screen shows of an order and the tickets chosen: the decision before anything changes."""

    view: PickupView
    facts: OrderFacts
    decision: RefundDecision
    paper_ticket_ids: tuple[int, ...]
    """Tickets chosen that the customer may hold on paper: to be scanned back, or a supervisor notes why not."""


def _policy(session: Session, order_id: int, current: RefundPolicy) -> RefundPolicy:
    try:
        return policy_of_order(session, order_id) or current
    except LookupError:
        raise BoxOfficeError("order_not_found", "no such order", order_id=order_id) from None


def preview_refund(session: Session, *, order_id: int, ticket_ids: Sequence[int], current_policy: RefundPolicy,
                   now: datetime, role: str | None, channel: str = COUNTER) -> RefundPreview:
    """The order and the decision for refunding ``ticket_ids`` now (nothing is written).

    Raises:
        BoxOfficeError: ``order_not_found``; ``refund_policy_invalid``.
    """
    facts = order_facts(session, order_id)
    view = order_view(session, order_id=order_id, now=now)
    decision = decide_refund(facts, ticket_ids, _policy(session, order_id, current_policy), now=now,
                             channel=channel, role=role, earlier=facts.earlier)
    return RefundPreview(view, facts, decision, tuple(line.ticket_id for line in decision.lines if line.hand_back))


def _returned(request: RefundRequest, session: Session, ticket_ids: set[int]) -> set[int]:
    """The tickets of this refund whose current paper was scanned back.

    Raises:
        BoxOfficeError: a token that is not genuine (``token_*``), ``refund_token_not_in_refund`` (another
            ticket's), ``refund_token_replaced`` (an older paper of the ticket: its current one is still out).
    """
    if not request.returned_tokens:
        return set()
    if request.public_key is None:
        raise BoxOfficeError("site_keys_missing", "no public key to check returned tickets")
    scanned = [verify_token(request.public_key, "".join(text.split())) for text in request.returned_tokens]
    strangers = sorted({claims.ticket_id for claims in scanned} - ticket_ids)
    if strangers:
        raise BoxOfficeError("refund_token_not_in_refund", "a scanned ticket is not one being refunded",
                             tickets=strangers)
    rows = session.connection().execute(_TOKEN_STATE, {"p_tickets": sorted(ticket_ids)}).all()
    nonces: dict[int, str | None] = {row.id: row.token_nonce for row in rows}
    replaced = sorted({c.ticket_id for c in scanned if nonces.get(c.ticket_id) != c.nonce})
    if replaced:
        raise BoxOfficeError("refund_token_replaced", "an older print of the ticket was scanned", tickets=replaced)
    return {claims.ticket_id for claims in scanned}


def _may_approve(person: StaffMember | None) -> bool:
    return person is not None and person.can("override")


def refund_tickets(session: Session, request: RefundRequest, now: datetime) -> RefundResult:
    """Refund tickets of an order in the caller's write transaction (see the module docstring).

    Raises:
        BoxOfficeError: the decision's reason code when it refuses (``refund_window_closed``,
            ``refund_ticket_admitted``…, with ``tickets``); ``order_not_found``; ``refund_approval_needed``;
            ``refund_reason_needed``; ``refund_tickets_not_returned`` (``tickets``: ids still on paper);
            ``refund_token_not_in_refund``, ``refund_token_replaced`` and the token codes; ``refund_changed`` when
            a ticket was admitted or refunded by another terminal between the decision and the write.
    """
    connection = session.connection()
    # The order's lock first, then the request key: on PostgreSQL the same request running at once in another
    # transaction has committed (or rolled back) by the time the lock is ours, and this read sees it.
    order = connection.execute(_LOCK_ORDER, {"p_order": request.order_id}).first()
    done = connection.execute(_BY_KEY, {"p_key": request.request_key}).scalar()
    if done is not None:
        return _load(session, int(done), repeated=True)
    if order is None:
        raise BoxOfficeError("order_not_found", "no such order", order_id=request.order_id)
    facts = order_facts(session, request.order_id)
    policy = _policy(session, request.order_id, request.current_policy)
    staff = request.staff
    decision = decide_refund(facts, request.ticket_ids, policy, now=now, channel=request.channel,
                             role=staff.role if staff else None, earlier=facts.earlier)
    if not decision.allowed:
        raise BoxOfficeError(decision.reason, "the refund policy refuses this refund",
                             tickets=list(decision.refused_ticket_ids))
    if request.channel == KIOSK and (request.approver is not None or request.not_returned_note):
        raise BoxOfficeError(REFUND_KIOSK_NOT_ALLOWED, "a kiosk refund takes no approval and no note")
    approver = request.approver
    if approver is not None and not approver.can("override"):
        raise BoxOfficeError("refund_approval_needed", "the approver may not approve refunds")
    if decision.needs_supervisor and approver is None:
        raise BoxOfficeError("refund_approval_needed", "a supervisor must approve this refund")
    reason = (request.reason or "").strip() or None
    if decision.needs_reason and reason is None:
        raise BoxOfficeError("refund_reason_needed", "this refund needs a reason")

    ids = [line.ticket_id for line in decision.lines]
    returned = _returned(request, session, set(ids))
    missing = [line.ticket_id for line in decision.lines if line.hand_back and line.ticket_id not in returned]
    note = (request.not_returned_note or "").strip() or None
    if missing and (note is None or not (_may_approve(approver) or _may_approve(staff))):
        raise BoxOfficeError("refund_tickets_not_returned", "printed tickets must be handed back",
                             tickets=missing, count=len(missing))
    if not missing:
        note = None

    refund_id = connection.execute(_INSERT_REFUND[session.get_bind().dialect.name], {
        "order_id": request.order_id, "request_key": request.request_key, "created_at": now,
        "channel": request.channel, "terminal_id": request.terminal_id, "staff_id": staff.id if staff else None,
        "approver_id": approver.id if approver else None, "reason": reason, "decision": decision.reason,
        "refund_policy_id": order.refund_policy_id, "gross_fen": decision.gross_fen,
        "kept_fee_fen": decision.kept_fee_fen, "percent_fee_fen": decision.percent_fee_fen,
        "fixed_fee_fen": decision.fixed_fee_fen, "back_fen": decision.back_fen, "not_returned_note": note,
    }).scalar()
    if refund_id is None:  # another transaction wrote this request meanwhile (PostgreSQL)
        return _load(session, int(connection.execute(_BY_KEY, {"p_key": request.request_key}).scalar_one()),
                     repeated=True)
    marked: dict[int, int] = dict(connection.execute(_MARK_REFUNDED, {"p_tickets": ids,
                                                      "p_admitted_ok": facts.showtime.cancelled}).all())
    if set(marked) != set(ids):  # admitted or refunded by another terminal since the decision was read
        raise BoxOfficeError("refund_changed", "a ticket changed meanwhile",
                             tickets=sorted(set(ids) - set(marked)))
    connection.execute(insert(_refund_ticket), [
        {"refund_id": refund_id, "ticket_id": line.ticket_id, "gross_fen": line.gross_fen,
         "kept_fee_fen": line.kept_fee_fen, "percent_fee_fen": line.percent_fee_fen,
         "fixed_fee_fen": line.fixed_fee_fen, "back_fen": line.back_fen, "on_paper": line.hand_back,
         "returned": line.ticket_id in returned}
        for line in decision.lines
    ])
    if decision.back_by_payment:
        connection.execute(insert(_refund_payment), [
            {"refund_id": refund_id, "payment_id": back.payment_id, "method": back.method,
             "amount_fen": back.amount_fen, "reference": back.reference}
            for back in decision.back_by_payment
        ])
    connection.execute(_RELEASE_CLAIMS, {"p_claims": sorted(marked.values()), "p_now": now})
    for ticket_id in ids:
        revoke(session, ticket_id=ticket_id, reason=REVOKE_REASON, now=now)
    emptied = connection.execute(_VALID_LEFT, {"p_order": request.order_id}).first() is None
    if emptied:
        connection.execute(_ORDER_REFUNDED, {"p_order": request.order_id})

    staff_id = staff.id if staff else None
    audit.record(session, now=now, terminal_id=request.terminal_id, staff_id=staff_id, action="refund",
                 subject=order.reference, refund_id=refund_id, tickets=ids, decision=decision.reason,
                 policy_id=order.refund_policy_id, gross_fen=decision.gross_fen,
                 kept_fee_fen=decision.kept_fee_fen, percent_fee_fen=decision.percent_fee_fen,
                 fixed_fee_fen=decision.fixed_fee_fen, back_fen=decision.back_fen,
                 back=decision.back_by_method(), approver=approver.code if approver else None, reason=reason,
                 returned=sorted(returned), order_refunded=emptied)
    if note is not None:
        noted_by = approver if _may_approve(approver) else staff
        audit.record(session, now=now, terminal_id=request.terminal_id, staff_id=staff_id,
                     action="refund.not_returned", subject=order.reference, refund_id=refund_id, tickets=missing,
                     note=note, approver=noted_by.code if noted_by else None)
    job = None
    if request.printer is not None:
        job = queue_refund_receipt(session, refund_id=refund_id, order_id=request.order_id, printer=request.printer,
                                   terminal_id=request.terminal_id, now=now, requested_by=staff_id)
    return _load(session, refund_id, receipt_job_id=job)


def _load(session: Session, refund_id: int, *, repeated: bool = False, receipt_job_id: int | None = None) -> RefundResult:
    connection = session.connection()
    row: Any = connection.execute(_REFUND_ROW, {"p_refund": refund_id}).one()
    backs = tuple(PaymentBack(p.payment_id, p.method, p.amount_fen, p.reference)
                  for p in connection.execute(_REFUND_PAYMENTS, {"p_refund": refund_id}))
    return RefundResult(
        refund_id=refund_id, order_id=row.order_id, order_reference=row.reference,
        ticket_ids=tuple(connection.execute(_REFUND_TICKET_IDS, {"p_refund": refund_id}).scalars()),
        decision=row.decision, gross_fen=row.gross_fen, kept_fee_fen=row.kept_fee_fen,
        percent_fee_fen=row.percent_fee_fen, fixed_fee_fen=row.fixed_fee_fen, back_fen=row.back_fen,
        back_by_payment=backs, order_refunded=row.order_status == "refunded", receipt_job_id=receipt_job_id,
        repeated=repeated,
    )


def refunds_of_order(session: Session, order_id: int) -> list[RefundResult]:
    """Every refund of an order, oldest first (for history)."""
    ids = session.connection().execute(select(_refund.c.id).where(_refund.c.order_id == bindparam("p_order"))
                                       .order_by(_refund.c.id), {"p_order": order_id}).scalars()
    return [_load(session, int(i)) for i in ids]
