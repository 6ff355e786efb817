"""The store: migrations from empty with no drift, the SQLite settings, and the one rule the schema enforces."""

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from db.engine import transaction
from db.migrate import current_revision, head_revision
from db.models import Auditorium, Film, PriceCard, Seat, SeatClaim, Showtime


def test_upgrade_from_empty_reaches_head_without_drift(store):
    assert current_revision(store) == head_revision()
    with store.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


@pytest.mark.sqlite_only("PRAGMA journal_mode, synchronous, foreign_keys and busy_timeout are SQLite settings")
def test_sqlite_runs_wal_full_sync_foreign_keys(store):
    with store.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def _one_seat_showtime(store, now):
    with transaction(store) as session:
        hall = Auditorium(name="T", grid_rows=1, grid_cols=1)
        film = Film(title_zh="测试", runtime_min=90)
        card = PriceCard(name="c")
        session.add_all([hall, film, card])
        session.flush()
        seat = Seat(auditorium_id=hall.id, row_label="A", number=1, grid_row=0, grid_col=0)
        show = Showtime(film_id=film.id, auditorium_id=hall.id, starts_at=now, ends_at=now + timedelta(hours=2),
                        price_card_id=card.id)
        session.add_all([seat, show])
        session.flush()
        return show.id, seat.id


def test_database_refuses_a_second_live_claim_of_one_seat(store, now):
    showtime_id, seat_id = _one_seat_showtime(store, now)
    with transaction(store) as session:
        session.add(SeatClaim(showtime_id=showtime_id, seat_id=seat_id, terminal_id="counter-1", created_at=now,
                              expires_at=now + timedelta(minutes=10)))
    with pytest.raises(IntegrityError):
        with transaction(store) as session:
            session.add(SeatClaim(showtime_id=showtime_id, seat_id=seat_id, status="sold", terminal_id="kiosk-2",
                                  created_at=now))
    with transaction(store) as session:
        claims = session.exec(select(SeatClaim)).all()
    assert [(c.terminal_id, c.status) for c in claims] == [("counter-1", "held")]


def test_a_released_claim_frees_the_seat_for_a_new_one(store, now):
    showtime_id, seat_id = _one_seat_showtime(store, now)
    with transaction(store) as session:
        claim = SeatClaim(showtime_id=showtime_id, seat_id=seat_id, terminal_id="counter-1", created_at=now)
        session.add(claim)
        session.flush()
        claim.released_at = now
    with transaction(store) as session:
        session.add(SeatClaim(showtime_id=showtime_id, seat_id=seat_id, terminal_id="kiosk-2", created_at=now))
    with transaction(store, write=False) as session:
        assert len(session.exec(select(SeatClaim)).all()) == 2


def test_a_failed_transaction_leaves_nothing_behind(store, now):
    with pytest.raises(RuntimeError):
        with transaction(store) as session:
            session.add(Film(title_zh="半截", runtime_min=90))
            session.flush()
            raise RuntimeError("power cut")
    with transaction(store, write=False) as session:
        assert session.exec(select(Film)).all() == []
