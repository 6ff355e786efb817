"""Engines and the one transaction boundary.

SQLite is opened the way several terminals on one machine can share it safely: WAL journal, ``synchronous=FULL``
(a paid sale must survive a power cut), foreign keys on, a long busy timeout, and every write transaction started
with ``BEGIN IMMEDIATE`` so that a transaction that reads and then writes waits for the lock instead of failing
with "database is locked". pysqlite's own transaction handling is switched off so that we issue BEGIN ourselves
(SQLAlchemy's pysqlite documentation, "Serializable isolation / Savepoints / Transactional DDL").

Services never open sessions or commit: the UI (or a command) opens ``transaction()`` once per user intent and
passes the session in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

BUSY_TIMEOUT_S = 15.0
_WRITE_OPTION = "boxoffice_write"


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for a database URL, with this product's connection settings."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"isolation_level": None, "timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    write = connection.get_execution_options().get(_WRITE_OPTION, True)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """The one transaction boundary: a session whose work commits together or not at all.

    Args:
        engine: the store's engine.
        write: False for read-only work; on SQLite it then starts a deferred transaction that does not take the
            write lock.

    Yields:
        A session; objects stay usable after the block (``expire_on_commit=False``).
    """
    with engine.connect() as connection:
        connection = connection.execution_options(**{_WRITE_OPTION: write})
        session = Session(bind=connection, expire_on_commit=False, autoflush=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
