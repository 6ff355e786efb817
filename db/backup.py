"""An online backup of a live SQLite store: the terminals keep selling while it is taken.

How: one connection to the store opens a read transaction (in WAL mode, which :func:`db.engine.make_engine` always
sets, a reader never blocks writers and writers never disturb a reader's snapshot), counts every table's rows and
reads the schema revision, then copies the database with SQLite's online backup API (``sqlite3.Connection.backup``)
*inside that same read transaction*: every page comes from the one snapshot the counts were taken from. The copy
goes to a temporary file beside the destination, is switched to a single self-contained file (rollback journal,
no ``-wal``), checked (``PRAGMA integrity_check``, ``PRAGMA foreign_key_check``, the schema revision, each
table's row count against the snapshot's) and only then renamed over the destination (``os.replace``, atomic on
one file system) and fsynced.

Why one backup step and not pages with sleeps: paging exists so that a backup of a rollback-journal database does
not hold the read lock that keeps writers out. Under WAL a long reader costs writers nothing (the WAL only grows
until the snapshot ends), and a paged backup would restart every time another terminal commits, which under
steady sales means it might never finish. A store that is not in WAL mode (not one this product opened) is copied
in pages of :data:`PAGES_PER_STEP` with a short sleep between steps, outside a held snapshot.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BUSY_TIMEOUT_MS = 15_000
PAGES_PER_STEP = 1024
SLEEP_BETWEEN_STEPS_S = 0.005


class BackupError(Exception):
    """The backup could not be taken or did not verify; nothing was left at the destination."""


@dataclass(frozen=True)
class BackupReport:
    """What was copied, and how it verified."""

    source: Path
    destination: Path
    revision: str | None
    counts: dict[str, int]
    size_bytes: int
    seconds: float
    mode: str  # "snapshot" (WAL, one step in a held read transaction) or "paged"

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _tables(connection: sqlite3.Connection) -> list[str]:
    return [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _counts(connection: sqlite3.Connection) -> dict[str, int]:
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in _tables(connection)}


def _revision(connection: sqlite3.Connection) -> str | None:
    if "alembic_version" not in _tables(connection):
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///PATH`` URL."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url} is not a SQLite file")
    return Path(database)


def backup_sqlite(source: Path, destination: Path, *, replace: bool = False) -> BackupReport:
    """Copy the live SQLite store ``source`` to ``destination`` consistently, verify the copy, and report.

    Raises:
        BackupError: the source is missing, the destination exists (without ``replace``) or is the source, or the
            copy did not verify; no file is left at ``destination`` (an existing one is untouched).
    """
    source, destination = source.resolve(), destination.resolve()
    if not source.is_file():
        raise BackupError(f"the store {source} does not exist")
    if destination == source:
        raise BackupError(f"{destination} is the store itself; back up to another file")
    if destination.is_dir():
        raise BackupError(f"{destination} is a folder; give the backup's file name")
    if destination.exists() and not replace:
        raise BackupError(f"{destination} already exists (use --replace to overwrite it)")
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")

    started = time.perf_counter()
    handle, temp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        src = sqlite3.connect(source, isolation_level=None)  # never writes; read-only would need the -shm
        try:
            src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            wal = src.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
            dst = sqlite3.connect(temp, isolation_level=None)
            try:
                if wal:
                    # One snapshot for counts, revision and pages: the read transaction stays open during the copy.
                    src.execute("BEGIN")
                    counts, revision = _counts(src), _revision(src)
                    src.backup(dst, pages=-1)
                    src.execute("COMMIT")
                    mode = "snapshot"
                else:
                    src.backup(dst, pages=PAGES_PER_STEP, sleep=SLEEP_BETWEEN_STEPS_S)
                    counts = revision = None  # type: ignore[assignment]
                    mode = "paged"
                dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            finally:
                dst.close()
        finally:
            src.close()
        copied_counts, copied_revision = _verify(temp)
        if counts is None:  # paged: nothing to compare with but the copy itself
            counts, revision = copied_counts, copied_revision
        if copied_revision != revision:
            raise BackupError(f"the copy's schema revision {copied_revision} is not the store's {revision}")
        if copied_counts != counts:
            differing = sorted(t for t in set(counts) | set(copied_counts) if counts.get(t) != copied_counts.get(t))
            raise BackupError("the copy's row counts differ from the store's: " + ", ".join(
                f"{t} {counts.get(t)} vs {copied_counts.get(t)}" for t in differing))
        with open(temp, "rb") as copied:
            os.fsync(copied.fileno())
        os.replace(temp, destination)
        _fsync_folder(destination.parent)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return BackupReport(source, destination, revision, counts, destination.stat().st_size,
                        time.perf_counter() - started, mode)


def _verify(path: Path) -> tuple[dict[str, int], str | None]:
    """Integrity and foreign keys of the copy; its row counts and revision."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError("the copy failed PRAGMA integrity_check: " + "; ".join(problems[:5]))
        orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            raise BackupError(f"the copy has {len(orphans)} rows whose foreign keys point nowhere, "
                              f"e.g. {orphans[0][0]} rowid {orphans[0][1]}")
        return _counts(connection), _revision(connection)
    finally:
        connection.close()


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
