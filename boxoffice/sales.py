"""Completing a sale: the terminal's holds become an order with its tickets and payments, in one transaction.

Validate, lock, stay idempotent, audit: the seats must still be held by this terminal, the seat rules must pass
(or be overridden by a supervisor with a reason), the price is computed here from the price card (never taken
from the screen), the tenders must settle the total. Any failure raises and the caller's transaction writes
nothing: the seats stay held and the cashier can try again. The same request key submitted twice returns the
first order instead of selling again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from boxoffice import audit
from boxoffice.entry_tokens import new_token_nonce
from boxoffice.errors import BoxOfficeError
from boxoffice.hall import AUDITORIUM_COLUMNS, Hall, load_hall
from boxoffice.holds import claim_owners
from boxoffice.pickup_codes import code_digest, draw_pickup_code, new_pickup_code
from boxoffice.pricing import Breakdown, PriceCardInfo, ShowContext, TicketTypeInfo, load_pricing, price_order
from boxoffice.privacy import valid_phone
from boxoffice.seat_rules import SeatRules, check_selection, is_allowed
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender, settle
from db.engine import per_transaction
from db.models import Auditorium, Payment, PriceCard, SaleOrder, SeatClaim, Showtime, Ticket

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over a counter


@dataclass(frozen=True)
class SaleLine:
    """One seat and the ticket type chosen for it."""

    seat_id: int
    ticket_type: str


@dataclass(frozen=True)
class SaleRequest:
    """Everything a terminal asks for when it completes a sale."""

    showtime_id: int
    lines: tuple[SaleLine, ...]
    tenders: tuple[Tender, ...]
    channel: str
    terminal_id: str
    staff: StaffMember | None
    request_key: str
    phone: str | None = None
    overrides: frozenset[str] = frozenset()
    override_reason: str | None = None
    approver: StaffMember | None = None
    """The supervisor who approved the overrides (their PIN was checked by the caller)."""
    refund_policy_id: int | None = None
    """The refund policy version in force (boxoffice.refund_policy.register_policy): the order keeps it, and
    refunds and exchanges of the order are decided under it even after kiosk.toml changes."""


@dataclass(frozen=True)
class SaleResult:
    """The completed order."""

    order_id: int
    reference: str
    breakdown: Breakdown
    change_fen: int
    ticket_ids: tuple[int, ...] = field(default=())
    repeated: bool = False
    pickup_code: str | None = None
    """The order's pickup code, returned once (only its keyed digest is stored); None for a repeated request."""


def new_reference(now: datetime, zone: tzinfo) -> str:
    """A short order reference a person can read out: ``1204-K7QH2MX9`` (local month and day, 8 characters).

    32^8 ≈ 10^12 references a day: a collision is not checked for beforehand; the order's INSERT meets it and
    :func:`commit_sale` draws again.
    """
    suffix = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{now.astimezone(zone):%m%d}-{suffix}"


_order = SaleOrder.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_payment = Payment.__table__  # type: ignore[attr-defined]
_claim = SeatClaim.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]

_card = PriceCard.__table__  # type: ignore[attr-defined]
_auditorium = Auditorium.__table__  # type: ignore[attr-defined]
_SHOWTIME = (
    select(_show.c.auditorium_id, _show.c.price_card_id, _show.c.starts_at, _show.c.ends_at, _show.c.format,
           _show.c.status, _card.c.revision.label("card_revision"), *AUDITORIUM_COLUMNS)
    .join(_card, _card.c.id == _show.c.price_card_id)
    .join(_auditorium, _auditorium.c.id == _show.c.auditorium_id)
    .where(_show.c.id == bindparam("p_showtime"))
)
"""The showtime with what pricing and seating it need to know is current: its card's revision and its hall's
columns (one round trip instead of three; see load_pricing and load_hall)."""
_BY_REQUEST = select(_order.c.id, _order.c.reference, _order.c.total_fen).where(
    _order.c.request_key == bindparam("p_key"))
_ORDER_TICKETS = select(_ticket.c.id).where(_ticket.c.order_id == bindparam("p_order")).order_by(_ticket.c.id)
_ORDER_CHANGE = select(func.coalesce(func.sum(_payment.c.change_fen), 0)).where(
    _payment.c.order_id == bindparam("p_order"))
ON_SITE_CHANNELS = frozenset({"counter", "kiosk"})
"""Channels where the customer stands at the terminal and takes the tickets as they print."""
_INSERT_ORDER = {
    name: dialect_insert(_order).on_conflict_do_nothing().returning(_order.c.id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
"""An order that would repeat a unique value is not inserted: its request key (the request was already
completed), its pickup code's digest or its reference (drawn at random and not checked beforehand: a second draw
follows)."""
_INSERT_ATTEMPTS = 4
_INSERT_TICKETS = insert(_ticket).returning(_ticket.c.id, sort_by_parameter_order=True)
_INSERT_PAYMENTS = insert(_payment)
_SELL_CLAIMS = (
    update(_claim)
    .where(_claim.c.showtime_id == bindparam("p_showtime"), _claim.c.seat_id.in_(bindparam("p_seats", expanding=True)))
    .where(_claim.c.terminal_id == bindparam("p_terminal"), _claim.c.status == "held", _claim.c.released_at.is_(None))
    .where(_claim.c.expires_at > bindparam("p_now"))
    .values(status="sold", order_id=bindparam("p_order"), expires_at=None)
    .returning(_claim.c.id, _claim.c.seat_id)
)


def _showtime(session: Session, showtime_id: int) -> Any:
    """The showtime's row for pricing and checking (read once per transaction: quote, then prepare)."""
    return per_transaction(session, ("showtime", showtime_id), lambda: session.connection().execute(
        _SHOWTIME, {"p_showtime": showtime_id}).first())


def _hall(session: Session, showtime: Any) -> Hall:
    return load_hall(session, showtime.auditorium_id, auditorium=tuple(showtime)[-len(AUDITORIUM_COLUMNS):])


def _pricing(session: Session, showtime: Any) -> tuple[PriceCardInfo, tuple[TicketTypeInfo, ...]]:
    return load_pricing(session, showtime.price_card_id, revision=showtime.card_revision)


def quote_sale(session: Session, *, showtime_id: int, lines: tuple[SaleLine, ...], channel: str,
               zone: tzinfo) -> Breakdown:
    """The price breakdown of seats and ticket types for a showtime, computed from its price card."""
    showtime = _showtime(session, showtime_id)
    if showtime is None:
        raise BoxOfficeError("showtime_closed", "no such showtime", showtime_id=showtime_id)
    card, types = _pricing(session, showtime)
    return _quote(card, showtime, _hall(session, showtime), types, lines, channel, zone)


def _quote(card: PriceCardInfo, showtime: Any, hall: Hall, types: tuple[TicketTypeInfo, ...],
           lines: tuple[SaleLine, ...], channel: str, zone: tzinfo) -> Breakdown:
    show = ShowContext(starts_local=showtime.starts_at.astimezone(zone), format=showtime.format)
    seats = [(hall.seat(line.seat_id).label, hall.seat(line.seat_id).zone) for line in lines]
    if channel != "counter":
        kiosk_types = {t.code for t in types if t.kiosk_allowed}
        refused = sorted({line.ticket_type for line in lines} - kiosk_types)
        if refused:
            raise BoxOfficeError("ticket_type_counter_only", "ticket type sold at the counter only",
                                 ticket_type=refused[0])
    return price_order(card, show, seats, [line.ticket_type for line in lines], types)


@dataclass(frozen=True)
class PreparedSale:
    """Everything a sale needs that can be worked out by reading: checked, priced, settled, referenced.

    :func:`prepare_sale` builds it in a read transaction, so that the write transaction of
    :func:`commit_sale` holds the store's write lock only for the writes (SQLite has one writer at a time).
    """

    request: SaleRequest
    breakdown: Breakdown
    change_fen: int
    payments: tuple[Tender, ...]
    reference: str
    pickup_code: str | None
    pickup_digest: str | None
    seat_labels: tuple[str, ...]
    type_ids: dict[str, int | None]
    overridden: tuple[str, ...]
    repeated: SaleResult | None = None
    pickup_key: bytes | None = field(default=None, repr=False)
    """For a second draw of the pickup code, if the first is already an order's (see :func:`commit_sale`)."""


def prepare_sale(
    session: Session, *, request: SaleRequest, now: datetime, zone: tzinfo, rules: SeatRules,
    pickup_key: bytes | None = None,
) -> PreparedSale:
    """Check and price a sale of this terminal's holds without writing anything.

    Raises:
        BoxOfficeError: ``sale_empty``; ``showtime_closed``; ``hold_lost`` (``seats``: labels no longer held by
            this terminal); ``seat_rules`` (``rules``: the violated rule codes, ``seats``); ``phone_invalid``;
            ``override_reason_missing``; pricing and tender codes from :mod:`boxoffice.pricing` and
            :mod:`boxoffice.tender`; ``payment_incomplete`` when the tenders do not cover the total.
    """
    connection = session.connection()
    if not request.lines:
        raise BoxOfficeError("sale_empty", "no seats selected")
    if request.phone is not None and not valid_phone(request.phone):
        raise BoxOfficeError("phone_invalid", "not a mainland mobile number")
    showtime = _showtime(session, request.showtime_id)
    if showtime is None or showtime.status != "scheduled" or showtime.ends_at <= now:
        raise BoxOfficeError("showtime_closed", "this showtime is not on sale", showtime_id=request.showtime_id)
    hall = _hall(session, showtime)
    seat_ids = frozenset(line.seat_id for line in request.lines)
    # The seat rules of a counter sale look no further than the selection's rows (single gaps, couples); other
    # channels also count the seats left in the whole hall (the last ones are kept for the counter).
    rows = ({hall.seat(sid).grid_row for sid in seat_ids} if request.channel == "counter"
            and all(hall.has_seat(sid) for sid in seat_ids) else None)
    claims = claim_owners(session, showtime_id=request.showtime_id, now=now, grid_rows=rows)
    lost = [sid for sid in seat_ids if claims.get(sid) != ("held", request.terminal_id)]
    card, types = _pricing(session, showtime)
    if lost:
        # A request already completed (a double Enter, a retry after a lost answer) finds its seats sold.
        repeated = _existing(connection, request.request_key)
        if repeated is not None:
            return PreparedSale(request, repeated.breakdown, repeated.change_fen, (), repeated.reference, None, None,
                                (), {}, (), repeated=repeated)
        raise BoxOfficeError("hold_lost", "some seats are no longer held", seats=sorted(hall.seat(s).label for s in lost))

    violations = check_selection(hall, unavailable=frozenset(sid for sid in claims if sid not in seat_ids),
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

    breakdown = _quote(card, showtime, hall, types, request.lines, request.channel, zone)
    settlement = settle(breakdown.total_fen, list(request.tenders))
    if not settlement.is_complete:
        raise BoxOfficeError("payment_incomplete", "the payment does not cover the total",
                             remaining_fen=settlement.remaining_fen)
    # Drawn without a look at the store: the order's INSERT finds a code already in use (one sale in 10^9 per
    # million orders on file) and commit_sale draws again.
    code = new_pickup_code() if pickup_key is not None else None
    digest = code_digest(code, pickup_key) if code is not None and pickup_key is not None else None
    return PreparedSale(
        request=request, breakdown=breakdown, change_fen=settlement.change_fen, payments=settlement.payments,
        reference=new_reference(now, zone), pickup_code=code, pickup_digest=digest,
        seat_labels=tuple(hall.seat(line.seat_id).label for line in request.lines),
        type_ids={t.code: t.id for t in types}, overridden=tuple(sorted({v.code for v in violations})),
        pickup_key=pickup_key,
    )


def commit_sale(session: Session, *, prepared: PreparedSale, now: datetime) -> SaleResult:
    """Write a prepared sale: the holds become sold claims of a new order with its tickets, payments and audit.

    The holds are checked again under the write lock: if any was lost since the sale was prepared (it expired,
    or the terminal gave it back), nothing is written. On PostgreSQL the held claims' rows are the lock: a
    showtime being cancelled releases them (and this sale finds them gone), or waits for this sale's UPDATE of
    them and then refunds its tickets with the others.

    SQLite writes the sale statement by statement (each a call into the library, no round trip). PostgreSQL
    writes it in one statement (:data:`_SELL_POSTGRESQL`): five round trips to a server shared by a dozen
    terminals cost more than the writes (docs/performance.md). Both write the same rows, and both leave nothing
    written when a hold was lost; the service tests run on both.

    Raises:
        BoxOfficeError: ``hold_lost``.
    """
    if prepared.repeated is not None:
        return prepared.repeated
    request = prepared.request
    connection = session.connection()
    staff_id = request.staff.id if request.staff else None
    breakdown = prepared.breakdown
    order = {
        "reference": prepared.reference, "showtime_id": request.showtime_id, "channel": request.channel,
        "terminal_id": request.terminal_id, "staff_id": staff_id, "status": "paid",
        "total_fen": breakdown.total_fen, "customer_phone": request.phone, "request_key": request.request_key,
        "created_at": now, "pickup_code_digest": prepared.pickup_digest,
        "refund_policy_id": request.refund_policy_id,
    }
    # Sold at a counter or kiosk, the tickets are handed over there (printed on the spot): a pickup code of this
    # order must not print a second set (boxoffice.pickup).
    handed_over = now if request.channel in ON_SITE_CHANNELS else None
    sale = _SaleRows(
        order=order,
        tickets=[{"seat_id": line.seat_id, "ticket_type_id": prepared.type_ids[line.ticket_type],
                  "price_fen": priced.price_fen, "fee_fen": priced.fee_fen, "secret": secrets.token_urlsafe(24),
                  "token_nonce": new_token_nonce()}
                 for line, priced in zip(request.lines, breakdown.lines, strict=True)],
        payments=[{"method": tender.method, "amount_fen": tender.amount_fen, "tendered_fen": tender.tendered_fen,
                   "change_fen": prepared.change_fen if tender.method == "cash" else None,
                   "reference": tender.reference}
                  for tender in prepared.payments],
        picked_up_at=handed_over, picked_up_terminal=request.terminal_id if handed_over else None,
        now=now, seat_labels=prepared.seat_labels,
        audit_detail=audit.detail_text({"total_fen": breakdown.total_fen, "seats": list(prepared.seat_labels),
                                        "payments": [t.method for t in prepared.payments]}),
    )
    write = _write_in_one_statement if session.get_bind().dialect.name == "postgresql" else _write_statements
    pickup_code = prepared.pickup_code
    for _ in range(_INSERT_ATTEMPTS):
        written = write(connection, sale)
        if written is not None:
            break
        repeated = _existing(connection, request.request_key)
        if repeated is not None:  # this request was completed already (a double Enter, a retry after a lost answer)
            return repeated
        # The drawn pickup code or reference is already an order's: draw both again (the code checked this time).
        order["reference"] = prepared.reference[:5] + new_reference(now, UTC)[5:]
        if prepared.pickup_key is not None:
            pickup_code, order["pickup_code_digest"] = draw_pickup_code(session, key=prepared.pickup_key)
    else:
        raise BoxOfficeError("order_not_unique", "no unused order reference or pickup code found")
    order_id, ticket_ids = written
    if prepared.overridden:
        audit.record(session, now=now, terminal_id=request.terminal_id, staff_id=staff_id,
                     action="seat_rules.override", subject=order["reference"], rules=list(prepared.overridden),
                     reason=request.override_reason,
                     approver=request.approver.code if request.approver else None)
    return SaleResult(order_id, order["reference"], breakdown, prepared.change_fen, ticket_ids,
                      pickup_code=pickup_code)


@dataclass
class _SaleRows:
    """The rows a sale writes, worked out once for either way of writing them."""

    order: dict[str, Any]
    tickets: list[dict[str, Any]]
    """Per sale line, in order: seat_id, ticket_type_id, price_fen, fee_fen, secret, token_nonce."""
    payments: list[dict[str, Any]]
    picked_up_at: datetime | None
    picked_up_terminal: str | None
    now: datetime
    seat_labels: tuple[str, ...]
    audit_detail: str

    def hold_lost(self) -> BoxOfficeError:
        return BoxOfficeError("hold_lost", "some seats are no longer held", seats=list(self.seat_labels))


def _write_statements(connection: Any, sale: _SaleRows) -> tuple[int, tuple[int, ...]] | None:
    """Write the sale statement by statement; None when the order's INSERT met a unique value (nothing written).

    Raises:
        BoxOfficeError: ``hold_lost`` (the caller's transaction then writes nothing).
    """
    order = sale.order
    order_id = connection.execute(_INSERT_ORDER[connection.dialect.name], order).scalar()
    if order_id is None:
        return None
    seat_ids = sorted({ticket["seat_id"] for ticket in sale.tickets})
    claim_ids = dict((seat, claim) for claim, seat in connection.execute(_SELL_CLAIMS, {
        "p_showtime": order["showtime_id"], "p_seats": seat_ids, "p_terminal": order["terminal_id"],
        "p_order": order_id, "p_now": sale.now,
    }))
    if len(claim_ids) != len(seat_ids):  # a hold expired or was given back since the sale was prepared
        raise sale.hold_lost()
    ticket_ids = tuple(connection.execute(_INSERT_TICKETS, [
        {**ticket, "order_id": order_id, "claim_id": claim_ids[ticket["seat_id"]],
         "showtime_id": order["showtime_id"], "status": "valid", "printed_count": 0,
         "picked_up_at": sale.picked_up_at, "picked_up_terminal": sale.picked_up_terminal}
        for ticket in sale.tickets
    ]).scalars())
    connection.execute(_INSERT_PAYMENTS, [{**payment, "order_id": order_id, "created_at": sale.now}
                                          for payment in sale.payments])
    connection.execute(audit.INSERT_ENTRY, {"at": sale.now, "terminal_id": order["terminal_id"],
                                       "staff_id": order["staff_id"], "action": "sale",
                                       "subject": order["reference"], "detail": sale.audit_detail})
    return order_id, ticket_ids


_SELL_POSTGRESQL = text("""
WITH new_order AS (
    INSERT INTO sale_order (reference, showtime_id, channel, terminal_id, staff_id, status, total_fen,
                            customer_phone, request_key, created_at, pickup_code_digest, refund_policy_id)
    VALUES (:reference, :showtime_id, :channel, :terminal_id, :staff_id, :status, :total_fen,
            :customer_phone, :request_key, :created_at, :pickup_code_digest, :refund_policy_id)
    ON CONFLICT DO NOTHING
    RETURNING id
), sold AS (
    UPDATE seatclaim SET status = 'sold', order_id = new_order.id, expires_at = NULL
    FROM new_order
    WHERE seatclaim.showtime_id = :showtime_id AND seatclaim.seat_id = ANY(CAST(:seat_ids AS integer[]))
      AND seatclaim.terminal_id = :terminal_id AND seatclaim.status = 'held' AND seatclaim.released_at IS NULL
      AND seatclaim.expires_at > :now
    RETURNING seatclaim.id, seatclaim.seat_id
), tickets AS (
    INSERT INTO ticket (order_id, claim_id, showtime_id, seat_id, ticket_type_id, price_fen, fee_fen, status,
                        secret, printed_count, token_nonce, picked_up_at, picked_up_terminal)
    SELECT new_order.id, sold.id, :showtime_id, line.seat_id, line.ticket_type_id, line.price_fen, line.fee_fen,
           'valid', line.secret, 0, line.token_nonce, :picked_up_at, :picked_up_terminal
    FROM new_order,
         unnest(CAST(:t_seat AS integer[]), CAST(:t_type AS integer[]), CAST(:t_price AS integer[]),
                CAST(:t_fee AS integer[]), CAST(:t_secret AS varchar[]), CAST(:t_nonce AS varchar[]))
             WITH ORDINALITY AS line(seat_id, ticket_type_id, price_fen, fee_fen, secret, token_nonce, n)
         JOIN sold ON sold.seat_id = line.seat_id
    ORDER BY line.n
    RETURNING ticket.id, ticket.seat_id
), payments AS (
    INSERT INTO payment (order_id, method, amount_fen, tendered_fen, change_fen, reference, created_at)
    SELECT new_order.id, tender.method, tender.amount_fen, tender.tendered_fen, tender.change_fen,
           tender.reference, :now
    FROM new_order,
         unnest(CAST(:p_method AS varchar[]), CAST(:p_amount AS integer[]), CAST(:p_tendered AS integer[]),
                CAST(:p_change AS integer[]), CAST(:p_reference AS varchar[]))
             AS tender(method, amount_fen, tendered_fen, change_fen, reference)
), entry AS (
    INSERT INTO auditentry (at, terminal_id, staff_id, action, subject, detail)
    SELECT :now, :terminal_id, :staff_id, 'sale', :reference, :audit_detail FROM new_order
)
SELECT (SELECT id FROM new_order) AS order_id, (SELECT count(*) FROM sold) AS sold, tickets.seat_id, tickets.id
FROM (SELECT 1) AS one LEFT JOIN tickets ON true
""")
"""A sale in one statement on PostgreSQL: the order (not inserted when it repeats a unique value, and then
nothing else is), the held claims sold, the tickets of the claims sold, the payments and the audit entry. The
statement's data-modifying parts see one snapshot and each other's RETURNING rows; the caller rolls back when
fewer claims were sold than seats asked for. Its rows are those of :func:`_write_statements`."""


def _write_in_one_statement(connection: Any, sale: _SaleRows) -> tuple[int, tuple[int, ...]] | None:
    """:func:`_write_statements` in one round trip (PostgreSQL)."""
    tickets, payments = sale.tickets, sale.payments
    rows = connection.execute(_SELL_POSTGRESQL, {
        **sale.order, "now": sale.now, "audit_detail": sale.audit_detail,
        "seat_ids": [ticket["seat_id"] for ticket in tickets],
        "picked_up_at": sale.picked_up_at, "picked_up_terminal": sale.picked_up_terminal,
        **{name: [ticket[column] for ticket in tickets] for name, column in (
            ("t_seat", "seat_id"), ("t_type", "ticket_type_id"), ("t_price", "price_fen"), ("t_fee", "fee_fen"),
            ("t_secret", "secret"), ("t_nonce", "token_nonce"))},
        **{name: [payment[column] for payment in payments] for name, column in (
            ("p_method", "method"), ("p_amount", "amount_fen"), ("p_tendered", "tendered_fen"),
            ("p_change", "change_fen"), ("p_reference", "reference"))},
    }).all()
    order_id, sold = rows[0].order_id, rows[0].sold
    if order_id is None:
        return None
    if sold != len({ticket["seat_id"] for ticket in tickets}):  # a hold was lost: the caller rolls back
        raise sale.hold_lost()
    by_seat = {row.seat_id: row.id for row in rows}
    return order_id, tuple(by_seat[ticket["seat_id"]] for ticket in tickets)


def complete_sale(
    session: Session, *, request: SaleRequest, now: datetime, zone: tzinfo, rules: SeatRules,
    pickup_key: bytes | None = None,
) -> SaleResult:
    """Turn this terminal's holds into a paid order with tickets, in the caller's (write) transaction.

    The same as :func:`prepare_sale` then :func:`commit_sale` in one transaction. A terminal with other
    terminals writing at the same time does better preparing in a read transaction and committing in a
    write transaction (the write lock is then held only for the writes).

    With the site's ``pickup_key`` the order gets a pickup code (returned once in the result; only its keyed
    digest is stored) and every ticket a nonce for its signed entry token.

    Raises:
        BoxOfficeError: as :func:`prepare_sale` and :func:`commit_sale`.
    """
    prepared = prepare_sale(session, request=request, now=now, zone=zone, rules=rules, pickup_key=pickup_key)
    return commit_sale(session, prepared=prepared, now=now)


def _existing(connection: Any, request_key: str) -> SaleResult | None:
    order = connection.execute(_BY_REQUEST, {"p_key": request_key}).first()
    if order is None:
        return None
    tickets = tuple(connection.execute(_ORDER_TICKETS, {"p_order": order.id}).scalars())
    change = connection.execute(_ORDER_CHANGE, {"p_order": order.id}).scalar_one()
    empty = Breakdown(lines=(), subtotal_fen=order.total_fen, fees_fen=0, discount_fen=0,
                      total_fen=order.total_fen, id_check_needed=False)
    return SaleResult(order.id, order.reference, empty, change, tickets, repeated=True)
