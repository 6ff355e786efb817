"""What a seat costs: the price-card rule of docs/pricing.md as pure functions over frozen values.

A showtime is priced by one card. For a seat, the card's rows for the seat's zone and the chosen ticket type
that match the showtime (its local day, time of day and format) are taken, and the row with the most limits
wins. A ticket type without a matching row is not offered for that seat. Keeping the rule pure (no session in
:func:`price_for`, :func:`offered_types` or :func:`price_order`) lets the seat map ask "what may this seat be
sold as?" for hundreds of seats without a query each, and lets the rule be tested with hand-built cards.

The only part that reads the store is at the bottom: :func:`load_price_card` and :func:`load_ticket_types`
turn rows into the values used here, and :func:`load_pricing` keeps both per card revision for the sale path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from sqlalchemy import bindparam, select
from sqlmodel import Session

from boxoffice.errors import BoxOfficeError
from db.engine import per_transaction
from db.models import Price, PriceCard, TicketType

ANY = "any"
WEEKDAY, WEEKEND = "weekday", "weekend"
MATINEE, EVENING = "matinee", "evening"
KIOSK = "kiosk"


@dataclass(frozen=True)
class PriceRow:
    """One row of a price card: an amount for a zone and ticket type, optionally limited to some showtimes."""

    zone: str
    ticket_type: str  # the ticket type's code
    day_kind: str  # any | weekday | weekend
    period: str  # any | matinee | evening
    format: str  # any, or a showtime format matched exactly ("3D", "IMAX 3D")
    amount_fen: int

    @property
    def limits(self) -> int:
        """How many of day, period and format this row is limited by; more limits wins."""
        return sum(value != ANY for value in (self.day_kind, self.period, self.format))


@dataclass(frozen=True)
class TicketTypeInfo:
    """A ticket type as the counter and kiosk show it."""

    code: str
    name_zh: str
    name_en: str
    needs_id_check: bool = False
    kiosk_allowed: bool = True
    sort_order: int = 0
    id: int | None = None
    """The store's id (None for types built by hand in tests)."""


@dataclass(frozen=True)
class PriceCardInfo:
    """A price card with its rows."""

    name: str
    matinee_until: time  # showtimes starting before this local time are matinee, later ones evening
    service_fee_fen: int  # per ticket, shown separately
    rows: tuple[PriceRow, ...]


@dataclass(frozen=True)
class ShowContext:
    """A showtime as pricing sees it: when it starts (local time of the site) and in what format.

    ``holidays`` are local dates priced like a weekend (public holidays such as 国庆); empty by default.
    """

    starts_local: datetime
    format: str
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.starts_local.tzinfo is None:
            raise ValueError("ShowContext.starts_local must be timezone-aware (the site's zone)")


def show_context(
    starts_at: datetime, format: str, *, zone: tzinfo, holidays: frozenset[date] = frozenset()
) -> ShowContext:
    """The pricing context of a showtime whose ``starts_at`` is UTC-aware, seen from the site's ``zone``."""
    return ShowContext(starts_at.astimezone(zone), format, holidays)


def day_kind_of(starts_local: datetime, holidays: frozenset[date] = frozenset()) -> str:
    """``weekend`` on Saturday, Sunday and the given holidays (by local date), else ``weekday``."""
    day = starts_local.date()
    return WEEKEND if day.weekday() >= 5 or day in holidays else WEEKDAY


def period_of(starts_local: datetime, matinee_until: time) -> str:
    """``matinee`` when the showtime starts strictly before ``matinee_until`` (local), else ``evening``."""
    return MATINEE if starts_local.time() < matinee_until else EVENING


def _row_matches(row: PriceRow, day_kind: str, period: str, format: str) -> bool:
    return row.day_kind in (ANY, day_kind) and row.period in (ANY, period) and row.format in (ANY, format)


def _precedence(row: PriceRow) -> tuple[int, bool, bool, bool]:
    # Most limits wins (docs/pricing.md). Between rows with as many limits, a format limit beats a day
    # limit, which beats a period limit: the unique constraint on prices then leaves exactly one winner, so
    # the result never depends on row order (a weekend 3D show on the demo card takes the 3D row, not the
    # weekend row).
    return (row.limits, row.format != ANY, row.day_kind != ANY, row.period != ANY)


def matching_row(card: PriceCardInfo, show: ShowContext, zone: str, ticket_type: str) -> PriceRow | None:
    """The row that prices this zone and ticket type for the showtime, or None when none matches."""
    day_kind = day_kind_of(show.starts_local, show.holidays)
    period = period_of(show.starts_local, card.matinee_until)
    candidates = [
        row
        for row in card.rows
        if row.zone == zone
        and row.ticket_type == ticket_type
        and _row_matches(row, day_kind, period, show.format)
    ]
    return max(candidates, key=_precedence, default=None)


def price_for(card: PriceCardInfo, show: ShowContext, zone: str, ticket_type: str) -> int | None:
    """The ticket price in fen (without the service fee) for a seat's zone and a ticket type code, or None."""
    row = matching_row(card, show, zone, ticket_type)
    return None if row is None else row.amount_fen


def offered_types(
    card: PriceCardInfo, show: ShowContext, zone: str, types: Iterable[TicketTypeInfo], *, channel: str
) -> tuple[TicketTypeInfo, ...]:
    """The ticket types that may be sold for a seat of this zone, in ``sort_order`` (then code).

    Args:
        card: the showtime's price card.
        show: the showtime.
        zone: the seat's zone.
        types: all ticket types.
        channel: ``"counter"`` or ``"kiosk"``; at a kiosk only ``kiosk_allowed`` types are offered.
    """
    return tuple(
        sorted(
            (
                info
                for info in types
                if (channel != KIOSK or info.kiosk_allowed)
                and price_for(card, show, zone, info.code) is not None
            ),
            key=lambda info: (info.sort_order, info.code),
        )
    )


@dataclass(frozen=True)
class Line:
    """One ticket of an order as priced."""

    seat_label: str
    ticket_type: str
    type_name_zh: str
    type_name_en: str
    price_fen: int
    fee_fen: int
    needs_id_check: bool


@dataclass(frozen=True)
class Breakdown:
    """An order's prices: one line per seat and the totals the customer is shown before paying.

    ``total_fen = subtotal_fen + fees_fen - discount_fen``. Discounts are not applied yet: ``discount_fen`` is
    always 0 until promotions exist; they will reduce the total here and nowhere else.
    """

    lines: tuple[Line, ...]
    subtotal_fen: int
    fees_fen: int
    discount_fen: int
    total_fen: int
    id_check_needed: bool


def price_order(
    card: PriceCardInfo,
    show: ShowContext,
    seats: Sequence[tuple[str, str]],
    choice: Sequence[str],
    types: Iterable[TicketTypeInfo],
    *,
    channel: str = "counter",
) -> Breakdown:
    """Price an order: ``choice[i]`` is the ticket type code for ``seats[i]`` (a ``(seat_label, zone)`` pair).

    The card's service fee is charged per ticket.

    Raises:
        BoxOfficeError: ``ticket_choice_mismatch`` when there is not one type per seat;
            ``ticket_type_unknown`` for a code that is not a ticket type; ``ticket_type_not_offered`` for a
            type not allowed at a kiosk when ``channel`` is ``"kiosk"``; ``price_missing`` (with ``seat`` and
            ``ticket_type``) when the card has no price for that type in that seat's zone at this showtime.
    """
    if len(seats) != len(choice):
        raise BoxOfficeError(
            "ticket_choice_mismatch",
            f"{len(seats)} seats but {len(choice)} ticket types chosen",
            seats=len(seats),
            types=len(choice),
        )
    by_code = {info.code: info for info in types}
    lines: list[Line] = []
    for (seat_label, zone), code in zip(seats, choice, strict=True):
        info = by_code.get(code)
        if info is None:
            raise BoxOfficeError("ticket_type_unknown", f"no ticket type {code!r}", ticket_type=code)
        if channel == KIOSK and not info.kiosk_allowed:
            raise BoxOfficeError(
                "ticket_type_not_offered",
                f"{code} tickets are not sold at kiosks",
                seat=seat_label,
                ticket_type=code,
            )
        amount = price_for(card, show, zone, code)
        if amount is None:
            raise BoxOfficeError(
                "price_missing",
                f"price card {card.name!r} has no {code} price for seat {seat_label} ({zone}) "
                "at this showtime",
                seat=seat_label,
                ticket_type=code,
            )
        lines.append(
            Line(
                seat_label,
                code,
                info.name_zh,
                info.name_en,
                amount,
                card.service_fee_fen,
                info.needs_id_check,
            )
        )
    subtotal = sum(line.price_fen for line in lines)
    fees = sum(line.fee_fen for line in lines)
    discount = 0
    return Breakdown(
        lines=tuple(lines),
        subtotal_fen=subtotal,
        fees_fen=fees,
        discount_fen=discount,
        total_fen=subtotal + fees - discount,
        id_check_needed=any(line.needs_id_check for line in lines),
    )


# --- Reading the store: the only part of this module that touches a session. -------------------------------


_card = PriceCard.__table__  # type: ignore[attr-defined]
_price = Price.__table__  # type: ignore[attr-defined]
_type = TicketType.__table__  # type: ignore[attr-defined]
_CARD = select(_card.c.name, _card.c.matinee_until, _card.c.service_fee_fen).where(_card.c.id == bindparam("p_card"))
_CARD_REVISION = select(_card.c.revision).where(_card.c.id == bindparam("p_card"))
_CARD_ROWS = (
    select(_price.c.zone, _type.c.code, _price.c.day_kind, _price.c.period, _price.c.format, _price.c.amount_fen)
    .join(_type, _type.c.id == _price.c.ticket_type_id)
    .where(_price.c.price_card_id == bindparam("p_card"))
    .order_by(_price.c.id)
)
_TYPES = select(
    _type.c.code, _type.c.name_zh, _type.c.name_en, _type.c.needs_id_check, _type.c.kiosk_allowed,
    _type.c.sort_order, _type.c.id,
).order_by(_type.c.sort_order, _type.c.code)


def load_price_card(session: Session, price_card_id: int) -> PriceCardInfo:
    """Read a price card and its rows (ticket types by code).

    Raises:
        LookupError: no such card.
    """
    connection = session.connection()
    card = connection.execute(_CARD, {"p_card": price_card_id}).first()
    if card is None:
        raise LookupError(f"no price card {price_card_id}")
    name, matinee_until, service_fee_fen = card
    hours, minutes = matinee_until.split(":")
    return PriceCardInfo(
        name=name,
        matinee_until=time(int(hours), int(minutes)),
        service_fee_fen=service_fee_fen,
        rows=tuple(PriceRow(*row) for row in connection.execute(_CARD_ROWS, {"p_card": price_card_id})),
    )


def load_ticket_types(session: Session) -> tuple[TicketTypeInfo, ...]:
    """All ticket types, in ``sort_order`` (then code)."""
    return tuple(TicketTypeInfo(*row) for row in session.connection().execute(_TYPES))


_PRICING_CACHE: dict[tuple[int, int], tuple[PriceCardInfo, tuple[TicketTypeInfo, ...]]] = {}


def load_pricing(session: Session, price_card_id: int, *,
                 revision: int | None = None) -> tuple[PriceCardInfo, tuple[TicketTypeInfo, ...]]:
    """A price card and all ticket types, read once per card revision and kept in a small per-process cache.

    Every sale is priced twice (the breakdown shown, then the sale checked), and reading the card's rows and the
    types was a fifth of a sale's CPU. The price importer bumps every card's ``revision``, so one single-row query
    tells whether what is kept is still what the store says (once per transaction; ``revision``: the card's
    revision, when the caller's query already read it).

    Raises:
        LookupError: no such card.
    """
    return per_transaction(session, ("pricing", price_card_id),
                           lambda: _load_pricing(session, price_card_id, revision))


def _load_pricing(session: Session, price_card_id: int,
                  revision: int | None) -> tuple[PriceCardInfo, tuple[TicketTypeInfo, ...]]:
    if revision is None:
        revision = session.connection().execute(_CARD_REVISION, {"p_card": price_card_id}).scalar()
    if revision is None:
        raise LookupError(f"no price card {price_card_id}")
    key = (price_card_id, revision)
    cached = _PRICING_CACHE.get(key)
    if cached is None:
        cached = (load_price_card(session, price_card_id), load_ticket_types(session))
        if len(_PRICING_CACHE) > 64:
            _PRICING_CACHE.clear()
        _PRICING_CACHE[key] = cached
    return cached
