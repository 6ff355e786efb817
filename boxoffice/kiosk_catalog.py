"""What a self-service kiosk offers: the films on sale soon, and each film's showtimes with a price "from".

A customer at a kiosk buys for today or tomorrow, so the kiosk looks from now to the end of the next local day.
A showtime shows its cheapest ticket a kiosk sells ("from ¥30.00", the per-ticket service fee beside it: no
surprise at the end) and how many seats are left. What a kiosk cannot sell says so instead of disappearing:
sold out, or only its last seats left, which are kept for the counter (``[seating] counter_only_last``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

from sqlmodel import Session, select

from boxoffice.pricing import KIOSK, load_pricing, offered_types, price_for, show_context
from boxoffice.showtimes import list_showtimes
from db.models import Film, Seat, Showtime

DAYS_AHEAD = 1
"""Besides today, how many more local days a kiosk sells."""

SaleState = Literal["on_sale", "sold_out", "counter_only"]


@dataclass(frozen=True)
class FilmOnSale:
    """A film with showtimes a kiosk can show, soonest first."""

    id: int
    title_zh: str
    title_en: str
    rating: str
    runtime_min: int
    genres: str
    starts: tuple[datetime, ...]
    """The starts (UTC) of its showtimes not yet begun, today and tomorrow, earliest first."""


@dataclass(frozen=True)
class KioskShowtime:
    """One showtime as the kiosk lists it."""

    id: int
    starts_at: datetime
    auditorium: str
    auditorium_en: str
    format: str
    seats_free: int
    seats_total: int
    from_fen: int | None
    """The cheapest ticket a kiosk sells for it, without the fee (None: the card has no kiosk price)."""
    fee_fen: int
    """The service fee per ticket."""
    state: SaleState

    @property
    def selectable(self) -> bool:
        """A kiosk customer may choose it."""
        return self.state == "on_sale" and self.from_fen is not None


def _window(now: datetime, zone: tzinfo) -> list[date]:
    today = now.astimezone(zone).date()
    return [today + timedelta(days=offset) for offset in range(DAYS_AHEAD + 1)]


def films_on_sale(session: Session, *, now: datetime, zone: tzinfo) -> list[FilmOnSale]:
    """Films with a scheduled showtime not yet started, today or tomorrow; the soonest showing first."""
    starts: dict[int, list[datetime]] = {}
    for day in _window(now, zone):
        for row in list_showtimes(session, day=day, zone=zone, now=now, include_past=False):
            if row.status == "scheduled" and row.starts_at > now:
                starts.setdefault(row.film_id, []).append(row.starts_at)
    if not starts:
        return []
    films = {film.id: film for film in session.exec(
        select(Film).where(Film.id.in_(starts))).all()}  # type: ignore[union-attr]
    result = [
        FilmOnSale(id=film_id, title_zh=films[film_id].title_zh, title_en=films[film_id].title_en,
                   rating=films[film_id].rating, runtime_min=films[film_id].runtime_min,
                   genres=films[film_id].genres, starts=tuple(sorted(times)))
        for film_id, times in starts.items()
    ]
    return sorted(result, key=lambda film: (film.starts[0], film.title_zh))


def kiosk_showtimes(session: Session, *, film_id: int, now: datetime, zone: tzinfo,
                    counter_only_last: int) -> list[KioskShowtime]:
    """A film's showtimes not yet started, today and tomorrow, with their price from and seats left.

    Args:
        counter_only_last: the site's ``[seating] counter_only_last``: with this many free seats or fewer, a
            showtime is ``counter_only`` at a kiosk.
    """
    rows = [row for day in _window(now, zone)
            for row in list_showtimes(session, day=day, zone=zone, now=now, film_id=film_id, include_past=False)
            if row.status == "scheduled" and row.starts_at > now]
    if not rows:
        return []
    places = {sid: (card, hall) for sid, card, hall in session.exec(
        select(Showtime.id, Showtime.price_card_id, Showtime.auditorium_id)  # type: ignore[call-overload]
        .where(Showtime.id.in_([row.id for row in rows]))).all()}  # type: ignore[union-attr]
    halls = {hall for _, hall in places.values()}
    zones: dict[int, set[str]] = {}
    for hall, seat_zone in session.exec(
            select(Seat.auditorium_id, Seat.zone).where(Seat.auditorium_id.in_(halls))  # type: ignore[call-overload,attr-defined]
            .where(Seat.retired == False, Seat.blocked == False, Seat.house == False).distinct()).all():
        zones.setdefault(hall, set()).add(seat_zone)
    result = []
    for row in rows:
        card_id, hall = places[row.id]
        card, types = load_pricing(session, card_id)
        show = show_context(row.starts_at, row.format, zone=zone)
        prices = [price for seat_zone in zones.get(hall, ())
                  for info in offered_types(card, show, seat_zone, types, channel=KIOSK)
                  if (price := price_for(card, show, seat_zone, info.code)) is not None]
        state: SaleState = ("sold_out" if row.seats_free <= 0
                            else "counter_only" if row.seats_free <= counter_only_last else "on_sale")
        result.append(KioskShowtime(
            id=row.id, starts_at=row.starts_at, auditorium=row.auditorium, auditorium_en=row.auditorium_en,
            format=row.format, seats_free=row.seats_free, seats_total=row.seats_total,
            from_fen=min(prices) if prices else None, fee_fen=card.service_fee_fen, state=state))
    return result

