"""What tests need to look under the store's services on SQLite and PostgreSQL alike.

``stored_bytes``: everything the store keeps, as bytes, for "the store does not reveal X" checks: the SQLite file
with its WAL (what a copied file gives away), or every row of every table of a PostgreSQL database as ``COPY``
prints it (what a dump gives away). ``driver_sql`` and ``driver_datetime``: statements and values for a raw DB-API
cursor (in ``before_cursor_execute`` hooks that play another terminal's write in the middle of ours).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect

POSTGRES_URL = os.environ.get("BOXOFFICE_TEST_DATABASE_URL") or None
"""The PostgreSQL server the tests run on (``python -m tests.support.postgres run -- …`` sets it), else None."""
ON_POSTGRES = POSTGRES_URL is not None


def stored_bytes(engine: Engine) -> bytes:
    """Every byte the store keeps: the SQLite file with its ``-wal`` and ``-shm``, or every PostgreSQL row."""
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        return b"".join(part.read_bytes() for part in sorted(path.parent.glob(path.name + "*")))
    chunks: list[bytes] = []
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        driver: Any = connection.connection.driver_connection
        cursor = driver.cursor()
        for table in sorted(tables):
            with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                chunks.extend(bytes(block) for block in copy)
    return b"".join(chunks)


def driver_sql(dialect: Any, statement: str) -> str:
    """A statement written with ``?`` placeholders in the paramstyle of ``dialect``'s DB-API driver."""
    return statement if dialect.paramstyle == "qmark" else statement.replace("?", "%s")


def driver_datetime(dialect: Any, moment: datetime) -> Any:
    """A timestamp as the dialect stores it when passed straight to the driver (SQLite: SQLAlchemy's UTC text)."""
    if dialect.name == "sqlite":
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return moment
