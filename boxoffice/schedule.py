"""Schedules from CSV: films and showtimes, all or nothing.

A schedule file has one showtime per row. The required columns are ``film, auditorium, start, format,
price_card``; a film not yet in the store also needs ``runtime_min`` and may give ``film_en, rating, genres,
language, distributor``. ``start`` is local time in the site's zone (``2026-12-05 19:30``). The file is checked
completely before anything is written: one bad row and nothing is imported, and every bad row is named.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlmodel import Session, select

from boxoffice.errors import BoxOfficeError
from db.models import Auditorium, Film, PriceCard, Showtime

REQUIRED = ("film", "auditorium", "start", "format", "price_card")
OPTIONAL = ("film_en", "runtime_min", "rating", "genres", "language", "distributor")
FORMATS = ("2D", "3D", "IMAX", "IMAX 3D", "DOLBY")


class ScheduleError(BoxOfficeError):
    """A schedule file that cannot be imported; ``problems`` names each row (line numbers of the file)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("schedule_invalid", "; ".join(problems), count=len(problems))
        self.problems = problems


@dataclass(frozen=True)
class ScheduleResult:
    """What an import added."""

    films_added: int
    showtimes_added: int


@dataclass(frozen=True)
class _Row:
    line: int
    film: str
    auditorium_id: int
    auditorium: str
    starts_at: datetime
    ends_at: datetime
    format: str
    price_card_id: int


def import_schedule(
    session: Session, text: str, *, zone: tzinfo, cleaning_minutes: int, source: str = "schedule.csv"
) -> ScheduleResult:
    """Check a schedule CSV and add its films and showtimes, or raise ScheduleError and add nothing.

    Args:
        session: the caller's transaction.
        text: the CSV text (UTF-8, header row first).
        zone: the site's time zone, in which ``start`` is read.
        cleaning_minutes: gap needed in an auditorium after a showtime ends.
        source: the file name used in messages.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    if missing or unknown:
        problems = [f"{source}:1: missing column {name!r}" for name in missing]
        problems += [f"{source}:1: unknown column {name!r}" for name in unknown]
        raise ScheduleError(problems)

    auditoriums = {a.name: a for a in session.exec(select(Auditorium)).all()}
    auditoriums.update({a.name_en: a for a in auditoriums.copy().values() if a.name_en})
    cards = {c.name: c for c in session.exec(select(PriceCard)).all()}
    films = {f.title_zh: f for f in session.exec(select(Film)).all()}
    films.update({f.title_en: f for f in list(films.values()) if f.title_en})

    problems: list[str] = []
    new_films: dict[str, Film] = {}
    rows: list[_Row] = []
    for line, raw in enumerate(reader, start=2):
        record = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
        if not any(record.values()):
            continue
        where = f"{source}:{line}"
        film = films.get(record["film"]) or new_films.get(record["film"])
        if film is None:
            film = _new_film(record, where, problems)
            if film is not None:
                new_films[film.title_zh] = film
        auditorium = auditoriums.get(record["auditorium"])
        if auditorium is None:
            problems.append(f"{where}: unknown auditorium {record['auditorium']!r}")
        card = cards.get(record["price_card"])
        if card is None:
            problems.append(f"{where}: unknown price card {record['price_card']!r}")
        if record["format"] not in FORMATS:
            problems.append(f"{where}: format {record['format']!r} is not one of {', '.join(FORMATS)}")
        try:
            local = datetime.strptime(record["start"], "%Y-%m-%d %H:%M")
        except ValueError:
            problems.append(f"{where}: start {record['start']!r} is not a time like 2026-12-05 19:30")
            continue
        if film is None or auditorium is None or card is None:
            continue
        starts_at = local.replace(tzinfo=zone).astimezone(zone)
        rows.append(
            _Row(line, film.title_zh, auditorium.id, auditorium.name, starts_at,  # type: ignore[arg-type]
                 starts_at + timedelta(minutes=film.runtime_min), record["format"], card.id)  # type: ignore[arg-type]
        )

    problems += _overlaps(session, rows, timedelta(minutes=cleaning_minutes), source)
    if problems:
        raise ScheduleError(problems)

    for film in new_films.values():
        session.add(film)
    session.flush()
    by_title = {**films, **new_films}
    for row in rows:
        session.add(
            Showtime(
                film_id=by_title[row.film].id,  # type: ignore[arg-type]
                auditorium_id=row.auditorium_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                format=row.format,
                price_card_id=row.price_card_id,
            )
        )
    session.flush()
    return ScheduleResult(films_added=len(new_films), showtimes_added=len(rows))


def _new_film(record: dict[str, str], where: str, problems: list[str]) -> Film | None:
    runtime = record.get("runtime_min", "")
    if not runtime.isdigit() or not 1 <= int(runtime) <= 600:
        problems.append(
            f"{where}: film {record['film']!r} is not in the store; give its runtime_min (minutes, 1-600)"
        )
        return None
    return Film(
        title_zh=record["film"],
        title_en=record.get("film_en", ""),
        runtime_min=int(runtime),
        rating=record.get("rating", ""),
        genres=record.get("genres", ""),
        language=record.get("language", ""),
        distributor=record.get("distributor", ""),
    )


def _overlaps(session: Session, rows: list[_Row], gap: timedelta, source: str) -> list[str]:
    """Rows that overlap each other or a stored showtime in the same auditorium, cleaning gap included."""
    problems: list[str] = []
    by_hall: dict[int, list[_Row]] = {}
    for row in rows:
        by_hall.setdefault(row.auditorium_id, []).append(row)
    for hall_id, hall_rows in by_hall.items():
        hall_rows.sort(key=lambda r: r.starts_at)
        for before, after in zip(hall_rows, hall_rows[1:]):
            if after.starts_at < before.ends_at + gap:
                problems.append(
                    f"{source}:{after.line}: overlaps row {before.line} in {after.auditorium} "
                    f"(needs {int(gap.total_seconds() // 60)} min after {before.film} ends)"
                )
        first, last = hall_rows[0].starts_at, hall_rows[-1].ends_at
        stored = session.exec(
            select(Showtime, Film)
            .join(Film, Film.id == Showtime.film_id)  # type: ignore[arg-type]
            .where(Showtime.auditorium_id == hall_id, Showtime.status != "cancelled")
            .where(Showtime.starts_at < last + gap, Showtime.ends_at > first - gap)
        ).all()
        for row in hall_rows:
            for showtime, film in stored:
                if row.starts_at < showtime.ends_at + gap and showtime.starts_at < row.ends_at + gap:
                    problems.append(
                        f"{source}:{row.line}: overlaps the stored showtime of {film.title_zh} in "
                        f"{row.auditorium} at {showtime.starts_at.astimezone(row.starts_at.tzinfo):%Y-%m-%d %H:%M}"
                    )
    return problems
