"""ChangeWatcher: a seat map learns that another terminal wrote, cheaply (SQLite's data_version, PostgreSQL's
LISTEN/NOTIFY), and only then reads the claims again."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from boxoffice.holds import hold_seats, release_seats
from db.changes import ChangeWatcher
from db.engine import make_engine, transaction
from db.models import Seat, Showtime
from tests.support.stores import ON_POSTGRES

ON_POSTGRES_ONLY = "LISTEN/NOTIFY is PostgreSQL's"


def _changed(watcher: ChangeWatcher, *, within: float = 2.0) -> bool:
    """Poll until the watcher says "changed" (a notification crosses a socket) or ``within`` seconds pass."""
    deadline = time.monotonic() + within
    while True:
        if watcher.poll():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


@pytest.fixture
def show(demo_store, now):
    with transaction(demo_store, write=False) as session:
        showtime = session.exec(select(Showtime).where(Showtime.starts_at > now).order_by(Showtime.starts_at)).first()
        seat = session.exec(select(Seat).where(Seat.auditorium_id == showtime.auditorium_id, Seat.kind == "standard",
                                               Seat.blocked == False, Seat.house == False)
                            .order_by(Seat.id)).first()
    return demo_store, showtime.id, seat.id


def test_the_watcher_says_changed_after_another_terminal_holds_or_releases_a_seat(show, now):
    store, showtime_id, seat_id = show
    other_terminal = make_engine(store.url.render_as_string(hide_password=False))
    watcher = ChangeWatcher(store)
    try:
        assert watcher.poll() is True  # the first poll: read everything once
        assert watcher.poll() is False
        with transaction(other_terminal) as session:
            hold_seats(session, showtime_id=showtime_id, seat_ids=[seat_id], terminal_id="kiosk-2", staff_id=None,
                       now=now, hold_seconds=120)
        assert _changed(watcher)
        assert watcher.poll() is False  # told once
        with transaction(other_terminal) as session:
            release_seats(session, showtime_id=showtime_id, seat_ids=[seat_id], terminal_id="kiosk-2", now=now)
        assert _changed(watcher)
    finally:
        watcher.close()
        other_terminal.dispose()


def test_a_rolled_back_write_is_not_a_change(show, now):
    store, showtime_id, seat_id = show
    watcher = ChangeWatcher(store)
    try:
        watcher.poll()
        with pytest.raises(RuntimeError), transaction(store) as session:
            hold_seats(session, showtime_id=showtime_id, seat_ids=[seat_id], terminal_id="kiosk-2", staff_id=None,
                       now=now, hold_seconds=120)
            raise RuntimeError("the customer walked away")
        assert not _changed(watcher, within=0.3)
    finally:
        watcher.close()


@pytest.mark.skipif(not ON_POSTGRES, reason=ON_POSTGRES_ONLY)
def test_a_lost_listen_connection_is_opened_again_and_reported_as_a_change(show, now):
    store, showtime_id, seat_id = show
    watcher = ChangeWatcher(store)
    try:
        watcher.poll()
        with store.connect() as connection:  # the server drops the watcher's connection (a restart, a network cut)
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        assert _changed(watcher)  # listening again; anything may have changed meanwhile
        assert not _changed(watcher, within=0.3)
        with transaction(store) as session:
            hold_seats(session, showtime_id=showtime_id, seat_ids=[seat_id], terminal_id="kiosk-2", staff_id=None,
                       now=now + timedelta(seconds=1), hold_seconds=120)
        assert _changed(watcher)
    finally:
        watcher.close()
