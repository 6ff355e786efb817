"""A small, explicit cinema for UI tests, and helpers to drive the app like a person.

The seed is written out here rather than taken from the demo loader so that what the screens show (and the
snapshots) changes only when these tests change. "Now" is Friday 2026-12-04 10:00 in Shanghai; the day has one
showtime that has started, one on sale with some seats taken, one sold out and one cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, select
from textual.pilot import Pilot

from boxoffice.staff import add_staff
from db.engine import transaction
from db.models import Auditorium, Film, PriceCard, Seat, SeatClaim, Showtime, Staff

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai
SIZE = (120, 36)

CASHIER = ("1001", "王芳", "cashier", "1234")
SUPERVISOR = ("2001", "李强", "supervisor", "5678")

HALLS = [  # name, English name, rows, seats per row, (row, number) blocked, (row, number) house
    ("1号厅", "Hall 1", "ABC", 10, None, None),
    ("2号厅", "Hall 2", "AB", 10, None, None),
    ("IMAX厅", "IMAX Hall", "ABCD", 10, ("A", 1), ("D", 10)),
]
FILMS = [  # Chinese title, English title, minutes, rating
    ("山海之间", "Between Mountains and Seas", 128, "PG"),
    ("小猫快跑", "Run, Kitty, Run", 95, "G"),
    ("深海迷航", "Lost in the Deep", 142, "PG-13"),
]
SHOWTIMES = [  # local day, local start, hall, film, format, status
    (date(2026, 12, 3), time(20, 0), "2号厅", "山海之间", "2D", "scheduled"),
    (date(2026, 12, 4), time(9, 30), "1号厅", "山海之间", "2D", "scheduled"),
    (date(2026, 12, 4), time(10, 30), "2号厅", "小猫快跑", "3D", "scheduled"),
    (date(2026, 12, 4), time(12, 0), "IMAX厅", "深海迷航", "IMAX", "scheduled"),
    (date(2026, 12, 4), time(14, 0), "1号厅", "山海之间", "2D", "scheduled"),
    (date(2026, 12, 4), time(16, 30), "2号厅", "小猫快跑", "2D", "cancelled"),
    (date(2026, 12, 4), time(19, 30), "IMAX厅", "山海之间", "IMAX", "scheduled"),
    (date(2026, 12, 4), time(21, 45), "1号厅", "深海迷航", "2D", "scheduled"),
    (date(2026, 12, 5), time(11, 0), "1号厅", "小猫快跑", "2D", "scheduled"),
    (date(2026, 12, 5), time(15, 0), "IMAX厅", "深海迷航", "IMAX", "scheduled"),
]
TODAY_COUNT = 7


def seed(session: Session, now: datetime = NOW) -> None:
    """Fill an empty store with three halls, three films, ten showtimes over three days and two staff."""
    halls: dict[str, Auditorium] = {}
    for name, name_en, rows, per_row, blocked, house in HALLS:
        hall = Auditorium(name=name, name_en=name_en, grid_rows=len(rows), grid_cols=per_row)
        session.add(hall)
        session.flush()
        halls[name] = hall
        for grid_row, row_label in enumerate(rows):
            for number in range(1, per_row + 1):
                session.add(
                    Seat(
                        auditorium_id=hall.id,
                        row_label=row_label,
                        number=number,
                        grid_row=grid_row,
                        grid_col=number - 1,
                        blocked=(row_label, number) == blocked,
                        house=(row_label, number) == house,
                    )
                )
    films: dict[str, Film] = {}
    for title_zh, title_en, minutes, rating in FILMS:
        films[title_zh] = Film(title_zh=title_zh, title_en=title_en, runtime_min=minutes, rating=rating)
        session.add(films[title_zh])
    card = PriceCard(name="standard")
    session.add(card)
    session.flush()
    showtimes: dict[tuple[date, time], Showtime] = {}
    for day, start, hall_name, title, fmt, status in SHOWTIMES:
        starts_at = datetime.combine(day, start, tzinfo=ZONE).astimezone(UTC)
        showtime = Showtime(
            film_id=films[title].id,
            auditorium_id=halls[hall_name].id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=films[title].runtime_min),
            format=fmt,
            status=status,
            price_card_id=card.id,
        )
        session.add(showtime)
        showtimes[(day, start)] = showtime
    session.flush()
    _claim_seats(session, showtimes[(date(2026, 12, 4), time(10, 30))], now, sold=5, held=2, expired=1)
    _claim_seats(session, showtimes[(date(2026, 12, 4), time(12, 0))], now, sold=38)
    for code, name, role, pin in (CASHIER, SUPERVISOR):
        add_staff(session, code=code, name=name, role=role, pin=pin)


def _claim_seats(
    session: Session, showtime: Showtime, now: datetime, *, sold: int = 0, held: int = 0, expired: int = 0
) -> None:
    """Sell, hold, and hold-but-let-expire the first sellable seats of a showtime's hall."""
    seats = session.exec(
        select(Seat)
        .where(Seat.auditorium_id == showtime.auditorium_id)
        .where(Seat.blocked == False, Seat.house == False)  # noqa: E712
        .order_by(Seat.grid_row, Seat.grid_col)
    ).all()
    kinds = ["sold"] * sold + ["held"] * held + ["expired"] * expired
    for seat, kind in zip(seats, kinds, strict=False):
        session.add(
            SeatClaim(
                showtime_id=showtime.id,
                seat_id=seat.id,
                status="sold" if kind == "sold" else "held",
                terminal_id="counter-2",
                created_at=now - timedelta(minutes=30),
                expires_at=None if kind == "sold" else now + timedelta(minutes=5 if kind == "held" else -1),
            )
        )


def lock_staff(engine: Engine, code: str, until: datetime) -> None:
    """Put a staff member into a lockout that lasts until ``until``."""
    with transaction(engine) as session:
        staff = session.exec(select(Staff).where(Staff.code == code)).one()
        staff.locked_until = until
        session.add(staff)


async def sign_in(pilot: Pilot[Any], code: str = CASHIER[0], pin: str = CASHIER[3]) -> None:
    """Type a staff number and PIN as a person would, and wait for the PIN check to finish."""
    await pilot.press(*code, "enter", *pin, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def run(coroutine: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run an async test body (pytest-asyncio is not installed; Textual's run_test is async)."""
    asyncio.run(coroutine())
