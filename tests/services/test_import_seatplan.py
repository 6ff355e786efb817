"""Importing seat plans into a real SQLite store: create, re-import, retire, restore, and refusing to drop sold seats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from boxoffice.auditoriums import import_seatplan
from boxoffice.errors import BoxOfficeError
from boxoffice.seatplan import demo_seatplans, parse_seatplan
from db.engine import make_engine, transaction
from db.migrate import upgrade
from db.models import Auditorium, Film, PriceCard, Seat, SeatClaim, Showtime

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
HEADER = "name: 7号厅\nname_en: Hall 7\nscreen: top\n"
PLAN = HEADER + "E  oooo\nF  oooooooo\n"
WITHOUT_F7_F8 = HEADER + "E  oooo\nF  oooooo\n"


@pytest.fixture
def engine(new_store_url: Callable[..., str]) -> Iterator[Engine]:
    engine = make_engine(new_store_url("t"))
    upgrade(engine)
    yield engine
    engine.dispose()


def seats_of(session: Session, name: str = "7号厅") -> dict[str, Seat]:
    hall = session.exec(select(Auditorium).where(Auditorium.name == name)).one()
    seats = session.exec(select(Seat).where(Seat.auditorium_id == hall.id)).all()
    return {f"{seat.row_label}{seat.number}": seat for seat in seats}


def sell(session: Session, seat_labels: list[str], *, starts_at: datetime, released: bool = False) -> None:
    """A showtime of the hall with the given seats sold (the sale's claims only; nothing else is needed here)."""
    hall = session.exec(select(Auditorium).where(Auditorium.name == "7号厅")).one()
    film = Film(title_zh=f"电影{starts_at:%H%M%S}", title_en="A Film", runtime_min=100)
    card = PriceCard(name=f"card {starts_at:%H%M%S}")
    session.add(film)
    session.add(card)
    session.flush()
    assert hall.id is not None and film.id is not None and card.id is not None
    showtime = Showtime(
        film_id=film.id, auditorium_id=hall.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
        price_card_id=card.id,
    )  # fmt: skip
    session.add(showtime)
    session.flush()
    assert showtime.id is not None
    seats = seats_of(session)
    for label in seat_labels:
        seat_id = seats[label].id
        assert seat_id is not None
        session.add(
            SeatClaim(
                showtime_id=showtime.id, seat_id=seat_id, status="sold", terminal_id="counter-1",
                created_at=NOW - timedelta(days=1), released_at=NOW if released else None,
            )
        )  # fmt: skip
    session.flush()


def test_import_creates_the_hall_and_its_seats(engine: Engine) -> None:
    with transaction(engine) as session:
        result = import_seatplan(session, parse_seatplan(PLAN), now=NOW)
    assert (result.created, result.updated, result.seats_added) == (True, False, 12)
    with transaction(engine, write=False) as session:
        hall = session.get(Auditorium, result.auditorium_id)
        assert hall is not None
        assert (hall.name, hall.name_en, hall.screen_side, hall.grid_rows, hall.grid_cols) == (
            "7号厅", "Hall 7", "top", 2, 8,
        )  # fmt: skip
        assert hall.plan_text == PLAN
        assert seats_of(session)["F8"].grid_col == 7


def test_import_under_another_name(engine: Engine) -> None:
    with transaction(engine) as session:
        result = import_seatplan(session, parse_seatplan(PLAN), name="7号厅B", now=NOW)
        assert session.get(Auditorium, result.auditorium_id).name == "7号厅B"  # type: ignore[union-attr]


def test_importing_the_same_plan_again_changes_nothing(engine: Engine) -> None:
    with transaction(engine) as session:
        first = import_seatplan(session, parse_seatplan(PLAN), now=NOW)
    with transaction(engine) as session:
        again = import_seatplan(session, parse_seatplan(PLAN), now=NOW)
    assert again.auditorium_id == first.auditorium_id
    assert (again.created, again.updated, again.seats_added, again.seats_updated, again.seats_retired) == (
        False, False, 0, 0, 0,
    )  # fmt: skip


def test_update_retires_removed_seats_and_writes_changed_ones(engine: Engine) -> None:
    with transaction(engine) as session:
        import_seatplan(session, parse_seatplan(PLAN), now=NOW)
    with transaction(engine) as session:
        result = import_seatplan(session, parse_seatplan(HEADER + "E  oXoH\nF  oooooo\n"), now=NOW)
    assert (result.updated, result.seats_added, result.seats_updated, result.seats_retired) == (True, 0, 2, 2)
    with transaction(engine, write=False) as session:
        seats = seats_of(session)
        assert len(seats) == 12  # retired, never deleted
        assert seats["F7"].retired and seats["F8"].retired and not seats["F6"].retired
        assert seats["E2"].blocked and seats["E4"].house
        assert session.get(Auditorium, result.auditorium_id).grid_cols == 6  # type: ignore[union-attr]


def test_seats_that_come_back_are_restored(engine: Engine) -> None:
    with transaction(engine) as session:
        import_seatplan(session, parse_seatplan(PLAN), now=NOW)
    with transaction(engine) as session:
        import_seatplan(session, parse_seatplan(WITHOUT_F7_F8), now=NOW)
    with transaction(engine) as session:
        result = import_seatplan(session, parse_seatplan(HEADER + "E  oooo\nF  oooooo()\n"), now=NOW)
    assert (result.seats_restored, result.seats_retired, result.seats_added) == (2, 0, 0)
    with transaction(engine, write=False) as session:
        seats = seats_of(session)
        assert not seats["F7"].retired and seats["F7"].kind == "couple-left"
        assert seats["F8"].kind == "couple-right"


def test_update_is_refused_when_it_removes_seats_sold_for_a_coming_showtime(engine: Engine) -> None:
    with transaction(engine) as session:
        import_seatplan(session, parse_seatplan(PLAN), now=NOW)
        sell(session, ["F8", "F7", "E1"], starts_at=NOW + timedelta(hours=3))
    with pytest.raises(BoxOfficeError) as caught, transaction(engine) as session:
        import_seatplan(session, parse_seatplan(WITHOUT_F7_F8), now=NOW)
    assert caught.value.code == "seatplan_removes_sold_seats"
    assert caught.value.params["seats"] == "F7, F8"
    assert "F7, F8" in caught.value.message
    with transaction(engine, write=False) as session:
        assert not any(seat.retired for seat in seats_of(session).values())


def test_update_is_allowed_when_the_sold_showtime_is_past(engine: Engine) -> None:
    with transaction(engine) as session:
        import_seatplan(session, parse_seatplan(PLAN), now=NOW)
        sell(session, ["F7", "F8"], starts_at=NOW - timedelta(hours=3))
    with transaction(engine) as session:
        result = import_seatplan(session, parse_seatplan(WITHOUT_F7_F8), now=NOW)
    assert result.seats_retired == 2


def test_update_is_allowed_when_the_coming_sale_was_refunded(engine: Engine) -> None:
    with transaction(engine) as session:
        import_seatplan(session, parse_seatplan(PLAN), now=NOW)
        sell(session, ["F7", "F8"], starts_at=NOW + timedelta(days=1), released=True)
    with transaction(engine) as session:
        result = import_seatplan(session, parse_seatplan(WITHOUT_F7_F8), now=NOW)
    assert result.seats_retired == 2


def test_naive_now_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError), transaction(engine) as session:
        import_seatplan(session, parse_seatplan(PLAN), now=NOW.replace(tzinfo=None))


def test_demo_halls_import(engine: Engine) -> None:
    with transaction(engine) as session:
        results = [import_seatplan(session, plan, now=NOW) for plan in demo_seatplans()]
    assert all(result.created for result in results)
    with transaction(engine, write=False) as session:
        assert len(session.exec(select(Seat)).all()) == sum(plan.seat_count for plan in demo_seatplans())
