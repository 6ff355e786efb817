"""The demo cinema: four halls, ten films, a week of showtimes from today, price cards and three staff.

Everything comes from the text files beside this module (seat plans, ``films.csv``, ``schedule.csv`` with
times of day, ``prices.toml``) and goes through the same importers a real site uses. Loading is idempotent:
what exists is kept, and only days of the coming week without any showtime get the demo schedule, so a demo
store opened next week still has films on.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from importlib import resources

from sqlmodel import Session, func, select

from boxoffice.auditoriums import import_seatplan
from boxoffice.pricecards import import_price_cards
from boxoffice.schedule import import_schedule
from boxoffice.seatplan import parse_seatplan
from boxoffice.showtimes import day_bounds
from boxoffice.staff import add_staff
from db.models import Auditorium, PriceCard, Showtime, Site, Staff

DEMO_STAFF = (
    ("1001", "王芳", "cashier", "1234"),
    ("2001", "李强", "supervisor", "2468"),
    ("3001", "张伟", "technician", "3579"),
    ("9001", "赵敏", "admin", "9090"),
)
"""(staff number, name, role, PIN) of the demo's staff. Demo only: a real site sets its own PINs."""

DEMO_DAYS = 7


@dataclass(frozen=True)
class DemoResult:
    """What loading the demo added (zeros when it was all there already)."""

    auditoriums: int
    seats: int
    staff: int
    films: int
    showtimes: int


def _text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def plan_files() -> list[str]:
    """Names of the demo's seat-plan files, in hall order."""
    return sorted(p.name for p in resources.files(__package__).iterdir() if p.name.endswith(".plan"))


def load_demo(
    session: Session, *, now: datetime, zone: tzinfo, cleaning_minutes: int = 15, site_names: tuple[str, str]
) -> DemoResult:
    """Fill an empty store with the demo cinema, or top up its schedule for the coming week.

    Args:
        session: the caller's transaction.
        now: the current time; the schedule starts on its local date.
        zone: the site's time zone.
        cleaning_minutes: gap between showtimes in a hall (from the config).
        site_names: the site's Chinese and English names (from the config).
    """
    if session.exec(select(Site)).first() is None:
        session.add(Site(name_zh=site_names[0], name_en=site_names[1], timezone=str(zone)))
    halls = seats = 0
    if session.exec(select(func.count()).select_from(Auditorium)).one() == 0:
        for name in plan_files():
            result = import_seatplan(session, parse_seatplan(_text(name), name), now=now)
            halls += 1
            seats += result.seats_added
    if session.exec(select(func.count()).select_from(PriceCard)).one() == 0:
        import_price_cards(session, _text("prices.toml"), source="prices.toml")
    staff = 0
    if session.exec(select(func.count()).select_from(Staff)).one() == 0:
        for code, name, role, pin in DEMO_STAFF:
            add_staff(session, code=code, name=name, role=role, pin=pin)
            staff += 1
    films = showtimes = 0
    today = now.astimezone(zone).date()
    for offset in range(DEMO_DAYS):
        day = today + timedelta(days=offset)
        start, end = day_bounds(day, zone)
        exists = session.exec(
            select(func.count()).select_from(Showtime).where(Showtime.starts_at >= start, Showtime.starts_at < end)
        ).one()
        if exists:
            continue
        result = import_schedule(
            session, _schedule_for(day), zone=zone, cleaning_minutes=cleaning_minutes, source="demo schedule"
        )
        films += result.films_added
        showtimes += result.showtimes_added
    return DemoResult(halls, seats, staff, films, showtimes)


def _schedule_for(day: date) -> str:
    """The demo's schedule CSV for one day, with the film details the importer needs for new films."""
    films = {row["film"]: row for row in csv.DictReader(io.StringIO(_text("films.csv")))}
    out = io.StringIO()
    columns = ["film", "auditorium", "start", "format", "price_card", *next(iter(films.values())).keys()]
    writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(columns)))
    writer.writeheader()
    for row in csv.DictReader(io.StringIO(_text("schedule.csv"))):
        writer.writerow({
            **films[row["film"]],
            "auditorium": row["auditorium"],
            "start": f"{day.isoformat()} {row['time']}",
            "format": row["format"],
            "price_card": row["price_card"],
        })
    return out.getvalue()
