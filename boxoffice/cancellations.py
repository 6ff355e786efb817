"""A cancelled showtime (a projector fails): every order refunded in full, or kept for an exchange, and told.

A supervisor cancels a showtime with their PIN and a reason (:func:`cancel_showtime`). In one transaction the
showtime becomes ``cancelled`` (nothing more can be sold or held: the sale and hold paths check the status), the
holds on it are released, and each paid order with valid tickets is dealt with as ``[refunds]
cancelled_showtime`` says:

* ``refund`` (the default): a full refund, service fee included, to the original payment methods
  (:func:`boxoffice.refunds.refund_tickets` with the order's policy version, which refunds a cancelled showtime in
  full at any time — also tickets already let in at the door). The customers are not at the counter, so no
  ticket is handed back and no receipt prints; the supervisor's reason stands for the paper.
* ``exchange``: the orders stay valid for a free exchange (or a full refund) at the counter.

Each order with a phone number gets a notice in the SMS outbox (``[sms] cancelled_template_zh``). Every refund
has a request key made from the showtime and the order, so running the cancellation again (a crash, a second
press) refunds nobody twice. :func:`affected_orders` lists the customers for the counter (phones masked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from boxoffice import audit
from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import Translator
from boxoffice.privacy import mask_phone
from boxoffice.refund_policy import RefundPolicy
from boxoffice.refunds import RefundRequest, refund_tickets
from boxoffice.sms import KIND_CANCELLED, queue_order_notice
from boxoffice.staff import StaffMember
from db.models import Refund, SaleOrder, SeatClaim, Showtime, SmsMessage, Ticket

REFUND, EXCHANGE = "refund", "exchange"

_show = Showtime.__table__  # type: ignore[attr-defined]
_order = SaleOrder.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_claim = SeatClaim.__table__  # type: ignore[attr-defined]
_refund = Refund.__table__  # type: ignore[attr-defined]
_sms = SmsMessage.__table__  # type: ignore[attr-defined]

_CANCEL = (
    update(_show).where(_show.c.id == bindparam("p_show"), _show.c.status == "scheduled")
    .values(status="cancelled").returning(_show.c.id)
)
_SHOW = select(_show.c.status, _show.c.starts_at).where(_show.c.id == bindparam("p_show"))
_RELEASE_HOLDS = (
    update(_claim)
    .where(_claim.c.showtime_id == bindparam("p_show"), _claim.c.status == "held", _claim.c.released_at.is_(None))
    .values(released_at=bindparam("p_now"), release_reason="cancelled")
)
_VALID_TICKETS = (
    select(_ticket.c.order_id, _ticket.c.id)
    .join(_order, _order.c.id == _ticket.c.order_id)
    .where(_order.c.showtime_id == bindparam("p_show"), _ticket.c.status == "valid")
    .order_by(_ticket.c.order_id, _ticket.c.id)
)
_AFFECTED = (
    select(
        _order.c.id, _order.c.reference, _order.c.customer_phone, _order.c.status, _order.c.channel,
        select(func.count(_ticket.c.id)).where(_ticket.c.order_id == _order.c.id).scalar_subquery().label("tickets"),
        select(func.count(_ticket.c.id)).where(_ticket.c.order_id == _order.c.id, _ticket.c.status == "valid")
        .scalar_subquery().label("valid"),
        select(func.coalesce(func.sum(_refund.c.back_fen), 0)).where(_refund.c.order_id == _order.c.id)
        .scalar_subquery().label("back_fen"),
        select(func.max(_sms.c.status)).where(_sms.c.order_id == _order.c.id, _sms.c.kind == KIND_CANCELLED)
        .scalar_subquery().label("sms_status"),
    )
    .where(_order.c.showtime_id == bindparam("p_show"))
    .order_by(_order.c.id)
)


@dataclass(frozen=True)
class SmsNotice:
    """How to word the cancellation notice (``[sms] cancelled_template_zh``) and the key to seal it."""

    template: str
    site_name: str
    zone: tzinfo
    key: bytes | None

    def action(self, mode: str) -> str:
        """The ``{action}`` of the template: what happens to the customer's money (in Chinese, as SMS go)."""
        return Translator("zh")("sms.cancel_refunded" if mode == REFUND else "sms.cancel_exchange")


@dataclass(frozen=True)
class AffectedOrder:
    """One customer of a cancelled showtime, as the counter lists them."""

    order_id: int
    reference: str
    phone_masked: str | None
    channel: str
    tickets: int
    valid_tickets: int
    back_fen: int
    refunded: bool
    sms_status: str | None  # queued, sending, sent, failed; None without a phone


@dataclass(frozen=True)
class CancellationResult:
    """What cancelling did (or had done, when run again)."""

    showtime_id: int
    mode: str
    newly_cancelled: bool
    refunded_orders: int
    refunded_fen: int
    notices: int
    orders: tuple[AffectedOrder, ...]


def cancel_showtime(
    session: Session, *, showtime_id: int, supervisor: StaffMember, reason: str, terminal_id: str, now: datetime,
    mode: str, current_policy: RefundPolicy, notice: SmsNotice | None,
) -> CancellationResult:
    """Cancel a showtime and deal with its orders, in the caller's write transaction (see the module docstring).

    Raises:
        BoxOfficeError: ``not_permitted`` (not a supervisor), ``override_reason_missing``,
            ``showtime_unknown``; a refund's refusal (the whole cancellation then rolls back).
    """
    if not supervisor.can("override"):
        raise BoxOfficeError("not_permitted", "only a supervisor may cancel a showtime")
    reason = reason.strip()
    if not reason:
        raise BoxOfficeError("override_reason_missing", "cancelling a showtime needs a reason")
    if mode not in (REFUND, EXCHANGE):
        raise ValueError(f"mode must be {REFUND!r} or {EXCHANGE!r}, got {mode!r}")
    connection = session.connection()
    show = connection.execute(_SHOW, {"p_show": showtime_id}).first()
    if show is None:
        raise BoxOfficeError("showtime_unknown", "no such showtime", showtime_id=showtime_id)
    newly = connection.execute(_CANCEL, {"p_show": showtime_id}).first() is not None
    connection.execute(_RELEASE_HOLDS, {"p_show": showtime_id, "p_now": now})

    by_order: dict[int, list[int]] = {}
    for order_id, ticket_id in connection.execute(_VALID_TICKETS, {"p_show": showtime_id}):
        by_order.setdefault(order_id, []).append(ticket_id)
    refunded_orders = refunded_fen = 0
    if mode == REFUND:
        for order_id, ticket_ids in by_order.items():
            result = refund_tickets(session, RefundRequest(
                order_id=order_id, ticket_ids=tuple(ticket_ids), terminal_id=terminal_id, staff=supervisor,
                request_key=f"cancel-{showtime_id}-{order_id}", current_policy=current_policy,
                approver=supervisor, reason=reason, not_returned_note=f"showtime cancelled: {reason}",
            ), now)
            refunded_orders += 1
            refunded_fen += result.back_fen
    notices = 0
    if notice is not None:
        for order_id in _paid_orders(session, showtime_id):
            if queue_order_notice(session, order_id=order_id, kind=KIND_CANCELLED, template=notice.template,
                                  site_name=notice.site_name, zone=notice.zone, key=notice.key, now=now,
                                  action=notice.action(mode)) is not None:
                notices += 1
    audit.record(session, now=now, terminal_id=terminal_id, staff_id=supervisor.id, action="showtime.cancel",
                 subject=f"showtime {showtime_id}", reason=reason, mode=mode, newly_cancelled=newly,
                 refunded_orders=refunded_orders, refunded_fen=refunded_fen, notices=notices,
                 approver=supervisor.code)
    return CancellationResult(showtime_id, mode, newly, refunded_orders, refunded_fen, notices,
                              affected_orders(session, showtime_id=showtime_id))


def _paid_orders(session: Session, showtime_id: int) -> list[int]:
    """Orders of the showtime that were paid (refunded since or not): their customers are told."""
    return list(session.connection().execute(
        select(_order.c.id).where(_order.c.showtime_id == showtime_id, _order.c.status.in_(("paid", "refunded")))
        .order_by(_order.c.id)).scalars())


def affected_orders(session: Session, *, showtime_id: int) -> tuple[AffectedOrder, ...]:
    """The orders of a showtime with what became of them (for the counter's list; phones masked)."""
    return tuple(
        AffectedOrder(
            order_id=row.id, reference=row.reference,
            phone_masked=mask_phone(row.customer_phone) if row.customer_phone else None, channel=row.channel,
            tickets=row.tickets, valid_tickets=row.valid, back_fen=row.back_fen,
            refunded=row.status == "refunded", sms_status=row.sms_status,
        )
        for row in session.connection().execute(_AFFECTED, {"p_show": showtime_id})
    )
