"""Moving a site from its SQLite store to PostgreSQL, verified row for row.

:func:`copy_store` brings an EMPTY PostgreSQL database to the latest schema with the migrations
(:func:`db.migrate.upgrade`: the same tables, indexes and NOTIFY triggers as a site created there), copies every
table of the models' metadata in foreign-key order in batches with SQLAlchemy Core (the columns' own types, so
timestamps and booleans arrive as such), sets each table's id sequence so that the next id is ``max(id) + 1``, and
commits once: a failed copy leaves the migrated schema and no rows. The source is read in one read transaction,
so the copy is one consistent moment of the store even if a terminal is still writing (what it writes afterwards
stays behind: stop the terminals first).

Then it verifies, reading the target back through new connections: per table the row count and a SHA-256 over
the rows ordered by primary key, with values normalised so that both backends give the same bytes (timestamps as
UTC ISO 8601, booleans as 0/1, NULL as null); the source's checksums are computed from the rows as they were read
for the copy. The caller prints the table and fails on any mismatch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Table, func, inspect, select, text
from sqlmodel import SQLModel

BATCH_ROWS = 2000


class CopyError(Exception):
    """The copy cannot start or failed; the message says what to do."""


@dataclass(frozen=True)
class TableCheck:
    """One table on both sides."""

    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sha256 == self.target_sha256


@dataclass
class CopyReport:
    """What was copied and how it verified."""

    revision: str | None
    tables: list[TableCheck] = field(default_factory=list)
    sequences: dict[str, int] = field(default_factory=dict)  # table -> the next id the target will hand out
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.tables)

    @property
    def rows(self) -> int:
        return sum(check.source_rows for check in self.tables)


def tables() -> list[Table]:
    """The store's tables in foreign-key order (parents first)."""
    import db.models  # noqa: F401  (registers the tables)

    return list(SQLModel.metadata.sorted_tables)


def normalise(value: Any) -> Any:
    """A value as both backends give the same JSON for it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return str(Decimal(str(value)).normalize())
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    raise TypeError(f"no normal form for {type(value).__name__}")


def _row_bytes(row: Sequence[Any]) -> bytes:
    return json.dumps([normalise(v) for v in row], ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _integer_key(table: Table) -> bool:
    return all(isinstance(c.type, Integer) for c in table.primary_key.columns)


def _ordered_rows(connection: Connection, table: Table) -> Iterable[Sequence[Any]]:
    """The rows ordered by primary key the same way on both backends.

    Integer keys are ordered by the database; text keys (terminal ids) in Python, since PostgreSQL's collation
    may order text differently from SQLite's byte order.
    """
    query = select(*table.columns)
    if _integer_key(table):
        yield from connection.execute(query.order_by(*table.primary_key.columns)).yield_per(BATCH_ROWS)
        return
    positions = [list(table.columns).index(c) for c in table.primary_key.columns]
    yield from sorted(connection.execute(query).all(), key=lambda row: [str(row[i]) for i in positions])


def checksum(connection: Connection, table: Table) -> tuple[int, str]:
    """Row count and SHA-256 of a table's rows, ordered by primary key and normalised."""
    digest, count = hashlib.sha256(), 0
    for row in _ordered_rows(connection, table):
        digest.update(_row_bytes(row))
        count += 1
    return count, digest.hexdigest()


def target_problem(target: Engine) -> str | None:
    """Why ``target`` cannot receive a copy (not PostgreSQL, not empty), or None."""
    if target.dialect.name != "postgresql":
        return f"the target must be a PostgreSQL database (postgresql+psycopg://…), not {target.dialect.name}"
    with target.connect() as connection:
        existing = sorted(inspect(connection).get_table_names())
    if existing:
        name = target.url.database
        shown = ", ".join(existing[:5]) + (" …" if len(existing) > 5 else "")
        return (f"the target database {name} is not empty ({len(existing)} tables: {shown}); copy into an empty "
                f"database: as its owner run  DROP DATABASE {name}; CREATE DATABASE {name};  (or dropdb/createdb)")
    return None


def copy_store(source: Engine, target: Engine, *, progress: Any = None) -> CopyReport:
    """Copy the SQLite store ``source`` into the empty PostgreSQL database ``target`` and verify it.

    Raises:
        CopyError: the source is not SQLite at the latest schema, the target is not an empty PostgreSQL database,
            or a row could not be written (the message names the table).
    """
    import time

    from sqlalchemy.exc import DBAPIError

    from db.migrate import current_revision, head_revision, upgrade

    started = time.perf_counter()
    if source.dialect.name != "sqlite":
        raise CopyError(f"the source must be the site's SQLite store, not {source.dialect.name}")
    revision, head = current_revision(source), head_revision()
    if revision != head:
        raise CopyError(f"the store is at schema {revision or 'empty'}, this version needs {head}: "
                        "run `boxoffice db upgrade` first")
    problem = target_problem(target)
    if problem:
        raise CopyError(problem)

    known = {t.name for t in tables()}
    with source.connect() as connection:
        stored = set(inspect(connection).get_table_names()) - {"alembic_version"}
    if stored - known:
        raise CopyError(f"the store has tables this version does not know: {', '.join(sorted(stored - known))}")

    upgrade(target)
    report = CopyReport(revision=revision)
    source_sums: dict[str, tuple[int, str]] = {}
    # One read transaction on the source: every table from the same moment. One write transaction on the target.
    with source.connect() as reading, target.connect() as writing:
        reading = reading.execution_options(boxoffice_write=False)
        with reading.begin(), writing.begin():
            for table in tables():
                digest, count, batch = hashlib.sha256(), 0, []
                names = [column.key for column in table.columns]
                try:
                    for row in _ordered_rows(reading, table):
                        digest.update(_row_bytes(row))
                        count += 1
                        batch.append(dict(zip(names, row, strict=True)))
                        if len(batch) >= BATCH_ROWS:
                            writing.execute(table.insert(), batch)
                            batch = []
                    if batch:
                        writing.execute(table.insert(), batch)
                except DBAPIError as exc:
                    raise CopyError(f"copying {table.name} failed near row {count}: {exc.orig}") from exc
                source_sums[table.name] = (count, digest.hexdigest())
                if progress:
                    progress(table.name, count)
            for table in tables():
                next_id = _reset_sequence(writing, table)
                if next_id is not None:
                    report.sequences[table.name] = next_id

    with target.connect() as checking:
        for table in tables():
            rows, sha = source_sums[table.name]
            target_rows, target_sha = checksum(checking, table)
            report.tables.append(TableCheck(table.name, rows, target_rows, sha, target_sha))
        target_revision = checking.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if target_revision != revision:
        report.tables.append(TableCheck("alembic_version", 1, 1, str(revision), str(target_revision)))
    report.seconds = time.perf_counter() - started
    return report


def _reset_sequence(connection: Connection, table: Table) -> int | None:
    """Make the next id of the table's sequence ``max(id) + 1``; the next id, or None without a sequence."""
    keys = list(table.primary_key.columns)
    if len(keys) != 1 or not isinstance(keys[0].type, Integer):
        return None
    sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                  {"table": f'"{table.name}"', "column": keys[0].name}).scalar()
    if sequence is None:
        return None
    next_id = (connection.execute(select(func.max(keys[0])).select_from(table)).scalar() or 0) + 1
    connection.execute(text("SELECT setval(CAST(:sequence AS regclass), :value, false)"),
                       {"sequence": sequence, "value": next_id})
    return next_id
