"""``boxoffice db backup PATH`` and ``boxoffice db copy --to URL``: keeping a site's data and moving it.

``backup`` copies the live SQLite store while the terminals keep selling (see :mod:`db.backup`); ``copy`` moves
the store to an empty PostgreSQL database and proves, table by table, that every row arrived (see
:mod:`db.pg_copy`). docs/operations.md tells the whole procedure, restore included.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kiosk.config import Config


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _libpq(url: str) -> str:
    """The URL as pg_dump and psql take it (no SQLAlchemy driver name, no password)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=True)


def register(group: click.Group, context_config: Callable[[click.Context, Path | None], Config],
             config_option: Callable[[Any], Any], problems_reported: Callable[[], Any],
             fail: Callable[[Any], None]) -> None:
    """Add ``backup`` and ``copy`` to the ``boxoffice db`` group."""

    @group.command("backup")
    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--replace", is_flag=True, help="Overwrite PATH if it exists.")
    @config_option
    @click.pass_context
    def db_backup(ctx: click.Context, path: Path, replace: bool, config_path: Path | None) -> None:
        """Back up the live SQLite store to PATH without stopping the terminals, and verify the copy.

        The copy is one consistent moment of the store (SQLite's online backup API inside one read snapshot);
        it is written beside PATH, checked (integrity, foreign keys, schema revision, row counts) and only then
        renamed to PATH. A PostgreSQL store is backed up with pg_dump instead.
        """
        from db.backup import BackupError, backup_sqlite, sqlite_path

        config = context_config(ctx, config_path)
        url = config.database_url
        if not url.startswith("sqlite"):
            fail([f"error: the store {_shown(url)} is PostgreSQL; `boxoffice db backup` copies SQLite stores.",
                  f"Back it up with PostgreSQL's own tool:  pg_dump --format=custom --file={path} '{_libpq(url)}'",
                  "(restore with pg_restore into an empty database; see docs/operations.md)"])
        with problems_reported():
            try:
                report = backup_sqlite(sqlite_path(url), path, replace=replace)
            except BackupError as exc:
                fail(f"error: backup failed: {exc}")
        how = ("one snapshot, the terminals kept writing" if report.mode == "snapshot"
               else "copied in pages (the store is not in WAL mode)")
        click.echo(f"Backup of {report.source} (schema {report.revision or 'empty'}) -> {report.destination}")
        click.echo(f"  {len(report.counts)} tables, {report.rows} rows, {report.size_bytes / 1e6:.1f} MB in "
                   f"{report.seconds:.2f} s ({how})")
        click.echo("  verified: integrity_check ok, foreign keys ok, schema revision and every table's row count "
                   "equal the store's at that moment")
        width = max((len(name) for name in report.counts), default=5)
        for name, count in report.counts.items():
            click.echo(f"  {name:<{width}}  {count:>9}")

    @group.command("copy")
    @click.option("--to", "target_url", required=True, metavar="URL",
                  help="An EMPTY PostgreSQL database: postgresql+psycopg://USER:PASSWORD@HOST:PORT/DBNAME")
    @config_option
    @click.pass_context
    def db_copy(ctx: click.Context, target_url: str, config_path: Path | None) -> None:
        """Copy this site's SQLite store to an empty PostgreSQL database and verify every table.

        The target gets the schema by the migrations, then every row in foreign-key order, and its id sequences
        continue after the highest copied id. Row counts and a SHA-256 per table must be equal on both sides
        (exit 1 otherwise). Stop the terminals first: sales made after the copy stay in the SQLite file.
        """
        from sqlalchemy.exc import ArgumentError

        from db.engine import make_engine
        from db.pg_copy import CopyError, copy_store

        config = context_config(ctx, config_path)
        if not config.database_url.startswith("sqlite"):
            fail(f"error: this site's store is already {_shown(config.database_url)}; `db copy` copies a SQLite "
                 "store (use pg_dump/pg_restore between PostgreSQL servers)")
        try:
            target = make_engine(target_url)
        except (ArgumentError, ImportError) as exc:
            fail(f"error: --to {target_url!r} is not a usable database URL: {exc}")
        source = make_engine(config.database_url)
        with problems_reported():
            try:
                report = copy_store(source, target)
            except CopyError as exc:
                fail(f"error: copy to {_shown(target_url)} refused: {exc}")
        width = max(len(check.table) for check in report.tables)
        click.echo(f"Copied {config.database_url} (schema {report.revision}) -> {_shown(target_url)}: "
                   f"{report.rows} rows in {report.seconds:.1f} s")
        click.echo(f"  {'table':<{width}}  {'sqlite':>9}  {'postgresql':>10}  {'sha256 (first 16)':<17}  check")
        for check in report.tables:
            sums = (check.source_sha256[:16] if check.source_sha256 == check.target_sha256
                    else f"{check.source_sha256[:16]} != {check.target_sha256[:16]}")
            click.echo(f"  {check.table:<{width}}  {check.source_rows:>9}  {check.target_rows:>10}  {sums:<17}  "
                       f"{'ok' if check.ok else 'MISMATCH'}")
        bad = [check.table for check in report.tables if not check.ok]
        if bad:
            fail(f"error: the copy does not match the store in {', '.join(bad)}; do not switch the terminals "
                 "to it (empty the target database and copy again)")
        click.echo(f"  sequences: the next id of every table continues after its highest copied id "
                   f"({len(report.sequences)} sequences set)")
        click.echo("Verified: every table's row count and checksum are equal. Point the terminals at it with "
                   "[database] url in each kiosk.toml (see docs/operations.md).")
