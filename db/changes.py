"""Cheap "has anyone else written?" checks, so a seat map can follow other terminals without reloading.

On SQLite, ``PRAGMA data_version`` on one open connection changes whenever *another* connection commits; the
check costs a few microseconds and reads no table. The watcher keeps its own connection for that reason (a pooled
connection could be a different one each time). Other backends answer "maybe changed" on every poll until their
own notification mechanism is wired in (PostgreSQL LISTEN/NOTIFY).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine


class ChangeWatcher:
    """Tells whether the store may have changed since the last poll."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None
        self._last: int | None = None

    def poll(self) -> bool:
        """True when another connection has committed since the previous poll (always True the first time)."""
        if self._engine.dialect.name != "sqlite":
            return True
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

    def close(self) -> None:
        """Give the connection back."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
