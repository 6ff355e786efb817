"""Engines and the one transaction boundary.

SQLite is opened the way several terminals on one machine can share it safely: WAL journal, ``synchronous=FULL``
(a paid sale must survive a power cut), foreign keys on, a long busy timeout, and every write transaction started
with ``BEGIN IMMEDIATE`` so that a transaction that reads and then writes waits for the lock instead of failing
with "database is locked". pysqlite's own transaction handling is switched off so that we issue BEGIN ourselves
(SQLAlchemy's pysqlite documentation, "Serializable isolation / Savepoints / Transactional DDL").

PostgreSQL (``postgresql+psycopg://…``, one server shared by the terminals of several machines) runs at READ
COMMITTED: who gets a seat is decided by the unique live-claim index (``INSERT … ON CONFLICT``) and by
conditional UPDATEs, and the few rules a constraint cannot hold take row locks (``SELECT … FOR UPDATE`` / ``FOR
SHARE``, which SQLite's compiler leaves out: there ``BEGIN IMMEDIATE`` already makes writers take turns). Sessions
run in UTC, so timestamps come back the same whatever the server's time zone.

Services never open sessions or commit: the UI (or a command) opens ``transaction()`` once per user intent and
passes the session in.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlmodel import Session

BUSY_TIMEOUT_S = 15.0
CONNECT_TIMEOUT_S = 10
_WRITE_OPTION = "boxoffice_write"


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


_NO_SCHEMA_SQLSTATES = frozenset({"42P01"})  # PostgreSQL undefined_table: a database never upgraded


def is_store_unavailable(error: DBAPIError) -> bool:
    """True when the store cannot be used at all (unreachable, locked, its schema missing), not for a bug.

    SQLite says all of these with OperationalError ("no such table" included); PostgreSQL says a missing table
    with a ProgrammingError whose SQLSTATE is 42P01.
    """
    return isinstance(error, OperationalError) or getattr(error.orig, "sqlstate", None) in _NO_SCHEMA_SQLSTATES


def _is_sqlite_read_only(error: BaseException | None) -> bool:
    return (getattr(error, "sqlite_errorname", None) or "").startswith("SQLITE_READONLY")


def store_fault(error: DBAPIError) -> str | None:
    """The error code for a store that cannot take the work, or None when the error is a bug.

    ``store_full``: no room left to write (SQLite's SQLITE_FULL "database or disk is full", also past
    ``max_page_count``; PostgreSQL's disk_full, 53100). ``store_read_only``: the store may be read but not written
    (SQLite's SQLITE_READONLY family, "attempt to write a readonly database": the file or its folder is read-only;
    PostgreSQL's read_only_sql_transaction, 25006: a standby or a read-only database). ``store_unavailable``:
    anything else that :func:`is_store_unavailable` says. The first two will not pass by themselves: a person
    has to free disk space or give write access back, so they have words of their own.
    """
    sqlstate = getattr(error.orig, "sqlstate", None)
    if getattr(error.orig, "sqlite_errorname", None) == "SQLITE_FULL" or sqlstate == "53100":
        return "store_full"
    if _is_sqlite_read_only(error.orig) or sqlstate == "25006":
        return "store_read_only"
    return "store_unavailable" if is_store_unavailable(error) else None


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
        event.listen(engine, "handle_error", _sqlite_on_error)
        return engine
    if url.startswith("postgresql"):
        engine = _pg_engine(url, "READ COMMITTED", **kwargs)
        # Read transactions use a pool of their own whose connections stay in autocommit (see transaction()):
        # switching a pooled connection to autocommit and back at every checkout cost more CPU than the two
        # round trips it saved.
        reader = _pg_engine(url, "AUTOCOMMIT", **kwargs)
        event.listen(reader, "before_cursor_execute", _pg_read_guard)
        event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
        _READERS[engine] = reader
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
"""A PostgreSQL engine's engine for read transactions (autocommit connections)."""


def _pg_engine(url: str, isolation_level: str, **kwargs: Any) -> Engine:
    engine = create_engine(
        url,
        isolation_level=isolation_level,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "options": "-c timezone=UTC",
                      "application_name": "boxoffice"},
        **kwargs,
    )
    event.listen(engine, "checkin", _pg_on_checkin)
    event.listen(engine, "checkout", _pg_on_checkout)
    return engine


PING_AFTER_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle longer than this is pinged before use (see :func:`_pg_on_checkout`)."""


def _pg_on_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["boxoffice_idle_since"] = time.monotonic()


def _pg_on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A terminal outlives server restarts: a pooled connection that sat idle is pinged, and a dead one replaced.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout, a round trip to the server each time (three per
    sale). A connection in use moments ago is alive or its failure is seen (and the pool emptied) by the
    statement that meets it, so only connections idle for :data:`PING_AFTER_IDLE_S` are pinged; a dead one
    raises DisconnectionError, on which the pool connects anew.
    """
    idle_since = record.info.get("boxoffice_idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not dbapi_connection.autocommit:
            dbapi_connection.rollback()
    except Exception as exc:  # psycopg's OperationalError and kin: the server is gone or restarted
        raise DisconnectionError(str(exc)) from exc


class ReadOnlyTransactionError(RuntimeError):
    """A statement that writes or locks ran in a transaction opened with ``write=False`` (a programming error)."""


def _pg_read_guard(connection: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
    """Read transactions run in autocommit on PostgreSQL (see :func:`transaction`): refuse what would need one."""
    head = statement.lstrip()[:6].upper()
    if head in ("INSERT", "UPDATE", "DELETE") or " FOR UPDATE" in statement or " FOR SHARE" in statement:
        raise ReadOnlyTransactionError(f"a read transaction (write=False) may not run: {statement[:80]}")


T = TypeVar("T")


def per_transaction(session: Session, key: object, compute: Callable[[], T]) -> T:
    """What ``compute`` returns, computed once per transaction (its session) for ``key``.

    A sale reads the showtime, its hall and its price card when it is priced and again when it is checked; in
    one transaction the second reading is this memo instead of a round trip.
    """
    memo = session.info.setdefault("boxoffice_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_on_error(context: Any) -> None:
    """A connection opened while the store's file was read-only stays read-only after write access is back:
    treat SQLITE_READONLY as a lost connection, so that the pool opens new ones and the terminal writes again
    without a restart."""
    if _is_sqlite_read_only(context.original_exception):
        context.is_disconnect = True


def _sqlite_on_begin(connection: Any) -> None:
    write = connection.get_execution_options().get(_WRITE_OPTION, True)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """The one transaction boundary: a session whose work commits together or not at all.

    Args:
        engine: the store's engine.
        write: False for read-only work. On SQLite it then starts a deferred transaction that does not take the
            write lock. On PostgreSQL it runs in autocommit: at READ COMMITTED each statement sees its own
            snapshot whether or not a transaction surrounds it, so BEGIN and COMMIT would be two round trips
            for nothing; a statement that writes or locks rows raises :class:`ReadOnlyTransactionError`.

    Yields:
        A session; objects stay usable after the block (``expire_on_commit=False``).
    """
    source = engine if write else _READERS.get(engine, engine)
    with source.connect() as connection:
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
