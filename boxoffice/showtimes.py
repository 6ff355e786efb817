"""What is on: the showtimes of a day with their free seats, for the counter's list and the kiosk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from boxoffice.errors import BoxOfficeError
from db.models import Auditorium, Film, Seat, SeatClaim, Showtime


@dataclass(frozen=True)
class ShowtimeRow:
    """One line of the showtimes list."""

    id: int
    starts_at: datetime
    ends_at: datetime
    film_id: int
    title_zh: str
    title_en: str
    rating: str
    auditorium: str
    auditorium_en: str
    format: str
    status: str
    seats_total: int
    seats_free: int

    @property
    def sold_out(self) -> bool:
        """No seat left to sell."""
        return self.seats_free <= 0


def live_claim_filter(now: datetime):  # type: ignore[no-untyped-def]
    """SQL condition for claims that still take a seat: sales, and holds that have not expired."""
    return and_(
        SeatClaim.released_at.is_(None),  # type: ignore[union-attr]
        or_(SeatClaim.status == "sold", SeatClaim.expires_at > now),  # type: ignore[operator]
    )


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC-aware start and end of a local calendar day."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def list_showtimes(
    session: Session,
    *,
    day: date,
    zone: tzinfo,
    now: datetime,
    film_id: int | None = None,
    format: str | None = None,
    include_past: bool = True,
) -> list[ShowtimeRow]:
    """The showtimes starting on a local day, ordered by start, with seats free of seats total.

    Args:
        session: the caller's session.
        day: local calendar day in ``zone``.
        zone: the site's time zone.
        now: the current time; holds expired by then count as free.
        film_id: only this film.
        format: only this format ("2D", "3D", "IMAX").
        include_past: False to leave out showtimes that have already started.
    """
    start, end = day_bounds(day, zone)
    query = (
        select(Showtime, Film, Auditorium)
        .join(Film, Film.id == Showtime.film_id)  # type: ignore[arg-type]
        .join(Auditorium, Auditorium.id == Showtime.auditorium_id)  # type: ignore[arg-type]
        .where(Showtime.starts_at >= start, Showtime.starts_at < end)
        .order_by(Showtime.starts_at, Auditorium.name)  # type: ignore[arg-type]
    )
    if film_id is not None:
        query = query.where(Showtime.film_id == film_id)
    if format:
        query = query.where(Showtime.format == format)
    if not include_past:
        query = query.where(Showtime.starts_at >= now)
    rows = session.exec(query).all()
    if not rows:
        return []
    capacity = _sellable_seats(session, {auditorium.id for _, _, auditorium in rows})  # type: ignore[misc]
    taken = _taken_seats(session, [showtime.id for showtime, _, _ in rows], now)  # type: ignore[misc]
    return [
        ShowtimeRow(
            id=showtime.id,  # type: ignore[arg-type]
            starts_at=showtime.starts_at,
            ends_at=showtime.ends_at,
            film_id=film.id,  # type: ignore[arg-type]
            title_zh=film.title_zh,
            title_en=film.title_en,
            rating=film.rating,
            auditorium=auditorium.name,
            auditorium_en=auditorium.name_en,
            format=showtime.format,
            status=showtime.status,
            seats_total=capacity.get(auditorium.id, 0),  # type: ignore[arg-type]
            seats_free=max(0, capacity.get(auditorium.id, 0) - taken.get(showtime.id, 0)),  # type: ignore[arg-type]
        )
        for showtime, film, auditorium in rows
    ]


def _sellable_seats(session: Session, auditorium_ids: set[int]) -> dict[int, int]:
    query = (
        select(Seat.auditorium_id, func.count())
        .where(Seat.auditorium_id.in_(auditorium_ids))  # type: ignore[attr-defined]
        .where(Seat.retired == False, Seat.blocked == False, Seat.house == False)  # noqa: E712
        .group_by(Seat.auditorium_id)
    )
    return dict(session.exec(query).all())  # type: ignore[arg-type]


def _taken_seats(session: Session, showtime_ids: list[int], now: datetime) -> dict[int, int]:
    query = (
        select(SeatClaim.showtime_id, func.count())
        .join(Seat, Seat.id == SeatClaim.seat_id)  # type: ignore[arg-type]
        .where(SeatClaim.showtime_id.in_(showtime_ids))  # type: ignore[attr-defined]
        .where(live_claim_filter(now))
        .where(Seat.blocked == False, Seat.house == False)  # noqa: E712
        .group_by(SeatClaim.showtime_id)
    )
    return dict(session.exec(query).all())  # type: ignore[arg-type]


def films_showing(session: Session, *, day: date, zone: tzinfo) -> list[Film]:
    """Films with at least one showtime on a local day, by Chinese title."""
    start, end = day_bounds(day, zone)
    query = (
        select(Film)
        .join(Showtime, Showtime.film_id == Film.id)  # type: ignore[arg-type]
        .where(Showtime.starts_at >= start, Showtime.starts_at < end)
        .distinct()
        .order_by(Film.title_zh)
    )
    return list(session.exec(query).all())


@dataclass(frozen=True)
class ShowtimeDetail:
    """One showtime with what its sale screen shows in the header."""

    id: int
    starts_at: datetime
    ends_at: datetime
    title_zh: str
    title_en: str
    rating: str
    auditorium_id: int
    auditorium: str
    auditorium_en: str
    format: str
    status: str
    price_card_id: int


def load_showtime(session: Session, showtime_id: int) -> ShowtimeDetail:
    """Read one showtime with its film and hall.

    Raises:
        BoxOfficeError: ``showtime_closed`` when there is no such showtime.
    """
    row = session.exec(
        select(Showtime, Film, Auditorium)
        .join(Film, Film.id == Showtime.film_id)  # type: ignore[arg-type]
        .join(Auditorium, Auditorium.id == Showtime.auditorium_id)  # type: ignore[arg-type]
        .where(Showtime.id == showtime_id)
    ).first()
    if row is None:
        raise BoxOfficeError("showtime_closed", "no such showtime", showtime_id=showtime_id)
    showtime, film, auditorium = row
    return ShowtimeDetail(
        id=showtime_id, starts_at=showtime.starts_at, ends_at=showtime.ends_at, title_zh=film.title_zh,
        title_en=film.title_en, rating=film.rating, auditorium_id=auditorium.id,  # type: ignore[arg-type]
        auditorium=auditorium.name, auditorium_en=auditorium.name_en, format=showtime.format,
        status=showtime.status, price_card_id=showtime.price_card_id,
    )
