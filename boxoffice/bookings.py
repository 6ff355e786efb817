"""Importing online bookings: a platform's bookings file makes each booking's seats sold, with its pickup code.

A ticketing platform (Maoyan, Taopiaopiao…) sells seats of our showtimes and hands us a file of its bookings
(``docs/bookings.md``). The import is in two steps:

1. The whole file is read and checked first, in a read transaction: the form of every field
   (:mod:`boxoffice.bookings_file`), then against the store: the hall, a showtime of that hall starting at that
   time, each seat in the hall, each ticket type. One problem anywhere and nothing is imported, every problem
   named (a file that does not fit the store is a wrong file, or a file for another site).
2. Each booking is then imported in its **own** write transaction (:func:`import_booking`): all of it or nothing
   of it, and one booking refused (a seat already taken, the showtime over or cancelled) does not stop the
   others. Separate short transactions, not one long one with savepoints: on SQLite a transaction holds the
   store's single write lock, and the counters selling at the same time would wait for the whole file.

A booking is keyed by (platform, the platform's booking id), unique in the store: importing the same file again
finds each booking already imported and changes nothing, and a run interrupted halfway is simply run again.

The seats are claimed as ``sold`` directly on the live-claim unique index (``INSERT … ON CONFLICT DO NOTHING``),
as holds are: the database, not a read before the write, decides whether a seat is free. A seat held at a
counter that very moment is taken, and the booking is refused with it named; the platform has to refund or
rebook that customer, which is why the command exits non-zero.

The customer needs a pickup code to collect the tickets at a kiosk or the counter: the platform may pass one of
ours (it then told the customer itself), else the import issues one and queues an SMS with it (the code is not
returned, printed or stored: only its keyed digest is kept).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Engine, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from boxoffice import audit
from boxoffice.bookings_file import BookingRecord, BookingsError, check_bookings
from boxoffice.entry_tokens import new_token_nonce
from boxoffice.errors import BoxOfficeError
from boxoffice.hall import load_hall
from boxoffice.holds import release_expired_holds
from boxoffice.pickup_codes import code_digest, draw_pickup_code
from boxoffice.privacy import mask_phone
from boxoffice.sales import new_reference
from boxoffice.sms import queue_order_pickup_sms
from db.engine import transaction
from db.models import Auditorium, Payment, SaleOrder, SeatClaim, Showtime, Ticket, TicketType

CHANNEL = "online"
PAYMENT_METHOD = "online"
IMPORTED, ALREADY_IMPORTED, REFUSED = "imported", "already_imported", "refused"

_order = SaleOrder.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_payment = Payment.__table__  # type: ignore[attr-defined]
_claim = SeatClaim.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]
_hall = Auditorium.__table__  # type: ignore[attr-defined]
_type = TicketType.__table__  # type: ignore[attr-defined]

_HALLS = select(_hall.c.id, _hall.c.name, _hall.c.name_en)
_TICKET_TYPES = select(_type.c.code, _type.c.id)
_SHOWTIMES_AT = (
    select(_show.c.id, _show.c.status)
    .where(_show.c.auditorium_id == bindparam("p_hall"))
    .where(_show.c.starts_at >= bindparam("p_from"), _show.c.starts_at < bindparam("p_to"))
    .order_by((_show.c.status != "scheduled"), _show.c.id)
)
_BY_BOOKING = select(_order.c.reference).where(
    _order.c.platform == bindparam("p_platform"), _order.c.platform_booking_id == bindparam("p_booking"))
_SHOWTIME_STATE = (select(_show.c.status, _show.c.ends_at).where(_show.c.id == bindparam("p_showtime"))
                   .with_for_update(read=True))  # PostgreSQL: a cancellation and this import take turns
_DIGEST_IN_USE = select(_order.c.id).where(_order.c.pickup_code_digest == bindparam("p_digest")).limit(1)
_INSERT_ORDER = {
    name: dialect_insert(_order)
    .on_conflict_do_nothing(index_elements=[_order.c.platform, _order.c.platform_booking_id])
    .returning(_order.c.id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
"""A booking imported meanwhile by another run is not inserted again (PostgreSQL: two imports at once)."""
_CLAIM_SOLD = {
    name: dialect_insert(_claim)
    .on_conflict_do_nothing(index_elements=[_claim.c.showtime_id, _claim.c.seat_id],
                            index_where=_claim.c.released_at.is_(None))
    .returning(_claim.c.id, _claim.c.seat_id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
"""Claim seats as sold; RETURNING lists the seats claimed, so a seat missing from it is someone else's."""


@dataclass(frozen=True)
class PickupSms:
    """What the pickup-code SMS of an imported booking is made of (from kiosk.toml ``[sms]`` and ``[site]``)."""

    template: str
    site_name: str


@dataclass(frozen=True)
class ResolvedBooking:
    """A booking of the file with its showtime, seats and ticket types found in the store."""

    record: BookingRecord
    showtime_id: int
    hall: str
    starts_at: datetime
    seat_ids: tuple[int, ...]
    """In the order of ``record.seats``."""
    ticket_type_ids: tuple[int, ...]
    not_for_sale: tuple[str, ...]
    """Labels of seats that are out of order or kept back for the cinema (house seats)."""


@dataclass(frozen=True)
class BookingsPlan:
    """A checked file, every booking resolved: what :func:`import_booking` imports one by one."""

    platform: str
    bookings: tuple[ResolvedBooking, ...]


@dataclass(frozen=True)
class BookingOutcome:
    """What became of one booking of the file."""

    number: int
    booking_id: str
    status: str
    """``imported``, ``already_imported`` or ``refused``."""
    reference: str | None = None
    """Our order's reference (imported or already imported)."""
    hall: str = ""
    starts_at: datetime | None = None
    seats: tuple[str, ...] = ()
    phone_masked: str | None = None
    sms_queued: bool = False
    """An SMS with the pickup code the import issued is in the outbox."""
    code: str | None = None
    """Why it was refused: an error code (``booking_seats_taken``, ``showtime_over``…), with ``params``."""
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class BookingsReport:
    """The outcome of every booking of a file, in file order."""

    platform: str
    outcomes: tuple[BookingOutcome, ...]

    def count(self, status: str) -> int:
        """How many bookings ended with this status."""
        return sum(1 for outcome in self.outcomes if outcome.status == status)


def read_bookings(session: Session, data: str | bytes, *, zone: tzinfo, source: str = "bookings.json") -> BookingsPlan:
    """Check a bookings file and find its halls, showtimes, seats and ticket types in the store; writes nothing.

    A start time without an offset is the site's local time (``zone``). The problems of form come first, then
    those found against the store (of the bookings well-formed), all in one error.

    Raises:
        BookingsError: every problem of the file, each naming the booking and the field.
    """
    parsed, problems = check_bookings(data, source=source)
    if parsed is None:
        raise BookingsError(problems)
    connection = session.connection()
    halls: dict[str, tuple[int, str]] = {}
    for hall_id, name, name_en in connection.execute(_HALLS):
        halls[name] = (hall_id, name)
        if name_en:
            halls.setdefault(name_en, (hall_id, name))
    types: dict[str, int] = {code: type_id for code, type_id in connection.execute(_TICKET_TYPES)}
    resolved: list[ResolvedBooking] = []
    for record in parsed.bookings:
        prefix, before = f"{source}: {record.where}: ", len(problems)
        if record.hall not in halls:
            problems.append(f"{prefix}hall: unknown auditorium \"{record.hall}\"")
            continue
        hall_id, hall_name = halls[record.hall]
        starts = record.starts_at if record.starts_at.tzinfo else record.starts_at.replace(tzinfo=zone)
        showtime = connection.execute(_SHOWTIMES_AT, {
            "p_hall": hall_id, "p_from": starts, "p_to": starts + timedelta(minutes=1)}).first()
        if showtime is None:
            problems.append(
                f"{prefix}starts_at: no showtime in {hall_name} at {starts.astimezone(zone):%Y-%m-%d %H:%M}")
        hall = load_hall(session, hall_id)
        by_label = {seat.label: seat for seat in hall.seats}
        for index, seat in enumerate(record.seats):
            if seat.label not in by_label:
                problems.append(f"{prefix}seats[{index}]: unknown seat \"{seat.label}\" in {hall_name}")
            if seat.ticket_type not in types:
                problems.append(f"{prefix}seats[{index}].ticket_type: unknown ticket type \"{seat.ticket_type}\" "
                                f"(known: {', '.join(sorted(types))})")
        if showtime is None or len(problems) > before:
            continue
        seats = [by_label[seat.label] for seat in record.seats]
        resolved.append(ResolvedBooking(
            record=record, showtime_id=showtime.id, hall=hall_name, starts_at=starts,
            seat_ids=tuple(seat.id for seat in seats),
            ticket_type_ids=tuple(types[seat.ticket_type] for seat in record.seats),
            not_for_sale=tuple(seat.label for seat in seats if seat.blocked or seat.house),
        ))
    if problems:
        raise BookingsError(problems)
    return BookingsPlan(parsed.platform, tuple(resolved))


def import_booking(
    session: Session, booking: ResolvedBooking, *, platform: str, now: datetime, zone: tzinfo, pickup_key: bytes,
    sms: PickupSms | None = None, refund_policy_id: int | None = None,
) -> BookingOutcome:
    """Import one booking in the caller's transaction: its seats sold, an order with tickets, payment and audit.

    A booking already imported (same platform and booking id) changes nothing and is reported so. Without a
    pickup code in the file, one is issued and, with ``sms``, sent to the booking's phone through the SMS outbox.

    Raises:
        BoxOfficeError: the booking is refused and the caller's transaction must roll back (nothing of the
            booking is kept): ``booking_seats_taken`` (``seats``: ``F5, F6``, held or sold by someone else),
            ``booking_seats_not_for_sale`` (``seats``: out of order or house seats), ``showtime_closed``
            (cancelled), ``showtime_over``, ``booking_pickup_code_in_use`` (the platform's code is another
            order's).
    """
    record = booking.record
    connection = session.connection()
    dialect = session.get_bind().dialect.name
    labels = tuple(seat.label for seat in record.seats)
    done = BookingOutcome(record.number, record.booking_id, ALREADY_IMPORTED, hall=booking.hall,
                          starts_at=booking.starts_at, seats=labels,
                          phone_masked=mask_phone(record.phone) if record.phone else None)
    existing = connection.execute(_BY_BOOKING, {"p_platform": platform, "p_booking": record.booking_id}).scalar()
    if existing is not None:
        return replace(done, reference=existing)

    show = connection.execute(_SHOWTIME_STATE, {"p_showtime": booking.showtime_id}).one()
    if show.status != "scheduled":
        raise BoxOfficeError("showtime_closed", "the showtime is not on sale", showtime_id=booking.showtime_id)
    if show.ends_at <= now:
        raise BoxOfficeError("showtime_over", "the showtime is over", showtime_id=booking.showtime_id)
    if booking.not_for_sale:
        seats = ", ".join(booking.not_for_sale)
        raise BoxOfficeError("booking_seats_not_for_sale", f"seats {seats} are not for sale (out of order or house "
                             "seats)", seats=seats)
    if record.pickup_code is not None:
        code, digest = None, code_digest(record.pickup_code, pickup_key)
        if connection.execute(_DIGEST_IN_USE, {"p_digest": digest}).first() is not None:
            raise BoxOfficeError("booking_pickup_code_in_use", "the booking's pickup code is another order's")
    else:
        code, digest = draw_pickup_code(session, key=pickup_key)

    terminal_id = f"import:{platform}"
    reference = new_reference(now, zone)
    order_id = connection.execute(_INSERT_ORDER[dialect], {
        "reference": reference, "showtime_id": booking.showtime_id, "channel": CHANNEL, "terminal_id": terminal_id,
        "staff_id": None, "status": "paid", "total_fen": record.paid_fen, "customer_phone": record.phone,
        "request_key": None, "created_at": now, "pickup_code_digest": digest, "platform": platform,
        "platform_booking_id": record.booking_id, "refund_policy_id": refund_policy_id,
    }).scalar()
    if order_id is None:  # imported by another run since the check above
        existing = connection.execute(_BY_BOOKING, {"p_platform": platform, "p_booking": record.booking_id}).scalar()
        return replace(done, reference=existing)

    claims = _claim_sold(session, dialect, booking, order_id, terminal_id, now)
    taken = [label for label, seat_id in zip(labels, booking.seat_ids, strict=True) if seat_id not in claims]
    if taken:
        raise BoxOfficeError("booking_seats_taken", f"seats {', '.join(taken)} are taken", seats=", ".join(taken))
    connection.execute(insert(_ticket), [
        {"order_id": order_id, "claim_id": claims[seat_id], "showtime_id": booking.showtime_id, "seat_id": seat_id,
         "ticket_type_id": type_id, "price_fen": seat.price_fen, "fee_fen": seat.fee_fen, "status": "valid",
         "secret": secrets.token_urlsafe(24), "printed_count": 0, "token_nonce": new_token_nonce()}
        for seat, seat_id, type_id in zip(record.seats, booking.seat_ids, booking.ticket_type_ids, strict=True)
    ])
    connection.execute(insert(_payment), {
        "order_id": order_id, "method": PAYMENT_METHOD, "amount_fen": record.paid_fen, "tendered_fen": None,
        "change_fen": None, "reference": record.payment_reference, "created_at": now,
    })
    audit.record(session, now=now, terminal_id=terminal_id, action="booking_import", subject=reference,
                 platform=platform, booking_id=record.booking_id, total_fen=record.paid_fen, seats=list(labels),
                 payment_reference=record.payment_reference)
    sms_queued = False
    if code is not None and sms is not None:  # None: the platform's own code, which the platform told the customer
        sms_queued = queue_order_pickup_sms(session, order_id=order_id, code=code, template=sms.template,
                                            site_name=sms.site_name, zone=zone, key=pickup_key, now=now) is not None
    return replace(done, status=IMPORTED, reference=reference, sms_queued=sms_queued)


def _claim_sold(session: Session, dialect: str, booking: ResolvedBooking, order_id: int, terminal_id: str,
                now: datetime) -> dict[int, int]:
    """Seat id → claim id of the seats now sold to this order; a seat missing is held or sold by someone else.

    An expired hold still occupies the live-claim index: it is released (only when a claim met a taken seat,
    as holds do) and the seat claimed again.
    """
    def claim(seat_ids: list[int]) -> dict[int, int]:
        rows = session.connection().execute(_CLAIM_SOLD[dialect], [
            {"showtime_id": booking.showtime_id, "seat_id": seat_id, "status": "sold", "terminal_id": terminal_id,
             "staff_id": None, "order_id": order_id, "created_at": now, "expires_at": None}
            for seat_id in seat_ids
        ])
        return {seat_id: claim_id for claim_id, seat_id in rows}

    claims = claim(list(booking.seat_ids))
    missing = [seat_id for seat_id in booking.seat_ids if seat_id not in claims]
    if missing and release_expired_holds(session, showtime_id=booking.showtime_id, seat_ids=missing, now=now):
        claims.update(claim(missing))
    return claims


def import_bookings(
    engine: Engine, data: str | bytes, *, source: str, now: datetime, zone: tzinfo, pickup_key: bytes,
    sms: PickupSms | None = None, refund_policy_id: int | None = None,
) -> BookingsReport:
    """Check a bookings file, then import each booking in a transaction of its own (see the module's docstring).

    Owns its transactions (one read transaction to check, one write transaction per booking), like the print
    worker: a booking is the intent here, not the file.

    Raises:
        BookingsError: the file is malformed or does not fit the store; nothing was imported.
    """
    with transaction(engine, write=False) as session:
        plan = read_bookings(session, data, zone=zone, source=source)
    outcomes: list[BookingOutcome] = []
    for booking in plan.bookings:
        try:
            with transaction(engine) as session:
                outcome = import_booking(session, booking, platform=plan.platform, now=now, zone=zone,
                                         pickup_key=pickup_key, sms=sms, refund_policy_id=refund_policy_id)
        except BoxOfficeError as error:
            record = booking.record
            outcome = BookingOutcome(record.number, record.booking_id, REFUSED, hall=booking.hall,
                                     starts_at=booking.starts_at, seats=tuple(s.label for s in record.seats),
                                     code=error.code, params=dict(error.params), message=error.message)
        outcomes.append(outcome)
    return BookingsReport(plan.platform, tuple(outcomes))
