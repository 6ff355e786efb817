"""Schedule import: films and showtimes created, overlaps (cleaning gap included) rejected by row, all or nothing."""

from datetime import datetime

import pytest
from sqlmodel import select

from boxoffice.schedule import ScheduleError, import_schedule
from db.engine import transaction
from db.models import Auditorium, Film, PriceCard, Showtime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

HEADER = "film,auditorium,start,format,price_card,film_en,runtime_min\n"


@pytest.fixture
def halls(store):
    with transaction(store) as session:
        session.add_all([Auditorium(name="1号厅", name_en="Hall 1"), Auditorium(name="2号厅", name_en="Hall 2"),
                         PriceCard(name="standard")])
    return store


def _import(store, text):
    with transaction(store) as session:
        return import_schedule(session, text, zone=SHANGHAI, cleaning_minutes=15, source="s.csv")


def _count(store, model):
    with transaction(store, write=False) as session:
        return len(session.exec(select(model)).all())


def test_creates_films_and_showtimes_in_local_time(halls):
    result = _import(halls, HEADER + "满江红,1号厅,2026-12-05 19:30,2D,standard,Full River Red,159\n"
                                     "满江红,Hall 2,2026-12-05 20:00,2D,standard,,\n")
    assert (result.films_added, result.showtimes_added) == (1, 2)
    with transaction(halls, write=False) as session:
        show = session.exec(select(Showtime).order_by(Showtime.starts_at)).first()
        film = session.exec(select(Film)).one()
    assert show.starts_at.astimezone(SHANGHAI) == datetime(2026, 12, 5, 19, 30, tzinfo=SHANGHAI)
    assert (show.ends_at - show.starts_at).total_seconds() == 159 * 60
    assert (film.title_en, film.runtime_min) == ("Full River Red", 159)


def test_overlap_within_the_cleaning_gap_is_rejected_naming_rows_and_nothing_is_imported(halls):
    text = (HEADER
            + "满江红,1号厅,2026-12-05 10:00,2D,standard,Full River Red,159\n"  # ends 12:39
            + "长津湖,2号厅,2026-12-05 10:00,2D,standard,Changjin,176\n"
            + "满江红,1号厅,2026-12-05 12:50,2D,standard,,\n")  # 11 minutes after: needs 15
    with pytest.raises(ScheduleError) as caught:
        _import(halls, text)
    assert caught.value.problems == ["s.csv:4: overlaps row 2 in 1号厅 (needs 15 min after 满江红 ends)"]
    assert _count(halls, Showtime) == 0 and _count(halls, Film) == 0


def test_overlap_with_a_stored_showtime_is_rejected(halls):
    _import(halls, HEADER + "满江红,1号厅,2026-12-05 10:00,2D,standard,Full River Red,159\n")
    with pytest.raises(ScheduleError) as caught:
        _import(halls, HEADER + "满江红,1号厅,2026-12-05 09:00,2D,standard,,\n")
    assert "s.csv:2: overlaps the stored showtime of 满江红 in 1号厅 at 2026-12-05 10:00" in caught.value.problems
    assert _count(halls, Showtime) == 1


def test_every_bad_row_is_named_and_one_bad_row_imports_nothing(halls):
    text = (HEADER
            + "满江红,1号厅,2026-12-05 10:00,2D,standard,Full River Red,159\n"
            + "无名,1号厅,2026-12-05 14:00,2D,standard,,\n"
            + "满江红,9号厅,2026-12-05 14:00,4D,gold,,\n"
            + "满江红,2号厅,tomorrow,2D,standard,,\n")
    with pytest.raises(ScheduleError) as caught:
        _import(halls, text)
    problems = caught.value.problems
    assert problems[0].startswith("s.csv:3: film '无名' is not in the store; give its runtime_min")
    assert "s.csv:4: unknown auditorium '9号厅'" in problems
    assert "s.csv:4: unknown price card 'gold'" in problems
    assert any(p.startswith("s.csv:4: format '4D'") for p in problems)
    assert any(p.startswith("s.csv:5: start 'tomorrow'") for p in problems)
    assert _count(halls, Showtime) == 0 and _count(halls, Film) == 0


def test_missing_columns_are_reported_from_the_header(halls):
    with pytest.raises(ScheduleError) as caught:
        _import(halls, "film,hall,start\n满江红,1号厅,2026-12-05 10:00\n")
    assert "s.csv:1: missing column 'auditorium'" in caught.value.problems
    assert "s.csv:1: unknown column 'hall'" in caught.value.problems
