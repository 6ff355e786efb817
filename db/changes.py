"""Cheap "has anyone else written?" checks, so a seat map can follow other terminals without reloading.

On SQLite, ``PRAGMA data_version`` on one open connection changes whenever *another* connection commits; the
check costs a few microseconds and reads no table. The watcher keeps its own connection for that reason (a pooled
connection could be a different one each time).

On PostgreSQL, the terminals may be on other machines: a trigger (migration 0011) sends ``NOTIFY
boxoffice_changes`` when a transaction that changed seat claims, tickets or showtimes commits, and the watcher
keeps its own connection that ``LISTEN``\\ s. A poll only reads what already arrived on that connection's socket
(psycopg's ``notifies(timeout=0)``): no query, no wait, cheap enough for a UI timer. A lost connection (the server
restarted) is opened again at the next poll, which then answers "changed", since notifications may have been
missed meanwhile.

Other backends answer "maybe changed" on every poll.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

CHANNEL = "boxoffice_changes"
"""The notification channel of migration 0011's trigger."""


class ChangeWatcher:
    """Tells whether the store may have changed since the last poll."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None
        self._last: int | None = None
        self._listened = False
        self._listener: Any = None

    def poll(self) -> bool:
        """True when another connection has committed since the previous poll (always True the first time)."""
        dialect = self._engine.dialect.name
        if dialect == "sqlite":
            return self._poll_sqlite()
        if dialect == "postgresql":
            return self._poll_postgresql()
        return True

    def _poll_sqlite(self) -> bool:
        if self._connection is None:
            self._connection = self._engine.raw_connection()
        cursor = self._connection.cursor()
        try:
            version = cursor.execute("PRAGMA data_version").fetchone()[0]
        finally:
            cursor.close()
        changed = version != self._last
        self._last = version
        return changed

    def _poll_postgresql(self) -> bool:
        import psycopg
        from sqlalchemy.exc import DBAPIError

        if self._connection is not None:
            try:
                return any(True for _ in self._listener.notifies(timeout=0))
            except psycopg.Error:  # the server went away or restarted: listen again; anything may have changed
                self.close()
        try:
            self._listen()
        except (psycopg.Error, DBAPIError):
            if not self._listened:
                raise
            # Still unreachable: the next poll tries again; meanwhile say "changed" so the screen reads afresh.
        return True

    def _listen(self) -> None:
        """Open this watcher's own connection (outside the pool) and LISTEN on it."""
        connection = self._engine.raw_connection()
        try:
            listener: Any = connection.driver_connection
            connection.detach()  # never handed back to the pool: it stays LISTENing until close()
            listener.rollback()  # a checked-out connection may be inside a transaction (pre-ping)
            listener.autocommit = True
            listener.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            connection.close()
            raise
        self._connection, self._listener = connection, listener
        self._listened = True

    def close(self) -> None:
        """Give the connection back."""
        if self._connection is None:
            return
        if self._listener is not None:  # a detached LISTEN connection: close it outright, no reset on a dead one
            self._listener.close()
            self._connection.invalidate()
        else:
            self._connection.close()
        self._connection = self._listener = None
