"""PostgreSQL connection handling of db.engine: read transactions in autocommit, and a pooled connection that the
server dropped (a restart, a network cut) replaced before use. Skipped on SQLite."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from db import engine as db_engine
from db.engine import ReadOnlyTransactionError, make_engine, transaction
from tests.support.stores import ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only (BOXOFFICE_TEST_DATABASE_URL)")


def _backend_pid(store) -> int:  # type: ignore[no-untyped-def]
    with transaction(store, write=False) as session:
        return int(session.connection().execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_read_transaction_sends_no_begin_and_refuses_to_write(store):
    with transaction(store, write=False) as session:
        connection = session.connection()
        assert connection.execute(text("SELECT 1")).scalar() == 1
        assert connection.connection.driver_connection.autocommit is True  # no BEGIN / COMMIT round trips
        with pytest.raises(ReadOnlyTransactionError):
            connection.execute(text("UPDATE film SET title_en = title_en"))
        with pytest.raises(ReadOnlyTransactionError):
            connection.execute(text("SELECT id FROM film FOR UPDATE"))
    with transaction(store) as session:  # the pooled connection is back to transactions for writers
        connection = session.connection()
        assert connection.connection.driver_connection.autocommit is False
        connection.execute(text("UPDATE film SET title_en = title_en"))


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_use(store, monkeypatch):
    url = store.url.render_as_string(hide_password=False)
    terminal = make_engine(url)
    try:
        first = _backend_pid(terminal)
        with store.connect() as admin:  # what a server restart does to every connection
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar() is True
        monkeypatch.setattr(db_engine, "PING_AFTER_IDLE_S", 0.05)
        time.sleep(0.1)
        second = _backend_pid(terminal)  # the idle connection was pinged, found dead and replaced
        assert second != first
        with transaction(terminal) as session:
            assert session.connection().execute(text("SELECT count(*) FROM film")).scalar() >= 0
    finally:
        terminal.dispose()
