"""``boxoffice db backup`` and ``boxoffice db copy`` as a technician runs them: real processes and real stores.

The backup is taken while other PROCESSES keep selling into the same SQLite file; the copy goes to a real
PostgreSQL database (``BOXOFFICE_TEST_DATABASE_URL``'s server, else a throwaway one started from the machine's
binaries; skipped when neither exists) and is then used by the app's own services.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select

from benchmarks.sales_load import run_terminals
from boxoffice.demo import load_demo
from boxoffice.pickup import find_order_by_code
from boxoffice.refunds import refund_tickets
from boxoffice.showtimes import list_showtimes
from db.engine import make_engine, transaction
from db.migrate import upgrade
from db.models import Seat, Showtime
from tests.support.refunds import KEY, SHANGHAI, request, sell_order
from tests.support.stores import POSTGRES_URL

REPO = Path(__file__).resolve().parents[2]
BOXOFFICE = [sys.executable, "-c", "from kiosk.cli import boxoffice_main; boxoffice_main()"]
FIXED_NOW_TEXT = "2026-12-04T02:00:00+00:00"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BOXOFFICE, *args], cwd=cwd, capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site folder with the shipped kiosk.toml: its store is ./boxoffice.db, always SQLite here."""
    shutil.copy(REPO / "kiosk.toml", tmp_path / "kiosk.toml")
    return tmp_path


def _demo_site(site: Path) -> str:
    from tests.conftest import FIXED_NOW

    url = f"sqlite:///{site / 'boxoffice.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as session:
        load_demo(session, now=FIXED_NOW, zone=SHANGHAI, cleaning_minutes=15, site_names=("星光影城", "Starlight"))
    engine.dispose()
    return url


# --- backup ---------------------------------------------------------------------------------------------------


def _consistency(path: Path) -> dict[str, int]:
    """What a copy must satisfy, read with plain sqlite3: returns the counts of its problems and of its sales."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        one = lambda sql: connection.execute(sql).fetchone()[0]
        return {
            "integrity_ok": int(one("PRAGMA integrity_check") == "ok"),
            "orders": one("SELECT count(*) FROM sale_order"),
            "tickets": one("SELECT count(*) FROM ticket"),
            "orders_without_tickets": one(
                "SELECT count(*) FROM sale_order o WHERE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.order_id = o.id)"),
            "orders_not_fully_paid": one(
                "SELECT count(*) FROM sale_order o WHERE o.total_fen != "
                "(SELECT coalesce(sum(amount_fen), 0) FROM payment p WHERE p.order_id = o.id)"),
            "payments_without_tickets": one(
                "SELECT count(*) FROM payment p WHERE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.order_id = p.order_id)"),
            "seats_sold_twice": one(
                "SELECT count(*) FROM (SELECT showtime_id, seat_id FROM ticket WHERE status = 'valid' "
                "GROUP BY showtime_id, seat_id HAVING count(*) > 1)"),
            "foreign_key_problems": len(connection.execute("PRAGMA foreign_key_check").fetchall()),
        }
    finally:
        connection.close()


def _orders(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM sale_order").scalar()
    finally:
        engine.dispose()


def test_backup_while_other_processes_sell_is_consistent_and_opens_with_the_app(site, tmp_path):
    url = _demo_site(site)
    engine = make_engine(url)
    with transaction(engine) as session:
        show = session.exec(select(Showtime).where(Showtime.auditorium_id == 1).order_by(Showtime.starts_at)).first()
        pool = list(session.exec(select(Seat.id).where(Seat.auditorium_id == 1, Seat.kind == "standard",
                                                       Seat.blocked == False, Seat.house == False)
                                 .order_by(Seat.id)).all())
        # The sellers use the real clock: the showtime must still be on sale then.
        session.exec(text("UPDATE showtime SET starts_at = '2099-01-01 10:00:00', ends_at = '2099-01-01 12:00:00' "
                          "WHERE id = :id").bindparams(id=show.id))
    engine.dispose()

    workdir = tmp_path / "terminals"
    workdir.mkdir()
    outcome: dict[str, object] = {}

    def sell() -> None:
        try:
            outcome["counts"] = run_terminals(url, [show.id], pool, processes=2, seconds=10.0, max_seats=4,
                                              workdir=str(workdir))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            outcome["error"] = exc

    sellers = threading.Thread(target=sell)
    sellers.start()
    try:
        deadline = time.monotonic() + 30
        while _orders(url) < 20:  # the terminals are selling
            assert time.monotonic() < deadline, "the selling processes did not start"
            time.sleep(0.1)
        backups, seconds = [], []
        for index in range(3):
            before = _orders(url)
            result = run("db", "backup", f"backup-{index}.db", cwd=site)
            after = _orders(url)
            assert result.returncode == 0, result.stderr
            assert "Traceback" not in result.stderr
            seconds.append(float(re.search(r"MB in ([0-9.]+) s", result.stdout).group(1)))
            assert "one snapshot" in result.stdout and "verified" in result.stdout
            backups.append((site / f"backup-{index}.db", before, after))
    finally:
        sellers.join(timeout=120)
    assert "error" not in outcome, outcome.get("error")
    sold_total = sum(c.sales for c in outcome["counts"])  # type: ignore[union-attr]

    copied_orders = []
    for path, before, after in backups:
        facts = _consistency(path)
        print(f"\n{path.name}: {facts}; store had {before} orders before the command, {after} after")
        assert facts["integrity_ok"] == 1
        assert facts["orders_without_tickets"] == 0 and facts["orders_not_fully_paid"] == 0
        assert facts["payments_without_tickets"] == 0 and facts["seats_sold_twice"] == 0
        assert facts["foreign_key_problems"] == 0
        assert before <= facts["orders"] <= after  # one moment of the live store, taken while it was selling
        copied_orders.append(facts["orders"])
        assert not list(site.glob(f".{path.name}.*.part")), "the temporary file was left behind"
    assert copied_orders == sorted(copied_orders) and copied_orders[-1] > copied_orders[0]
    assert _orders(url) == sold_total > copied_orders[-1]  # the terminals kept selling after the last backup
    print(f"backup of the demo store while 2 processes sold: {', '.join(f'{s:.3f}' for s in seconds)} s; "
          f"{sold_total} sales in 10 s")

    # The copy is a store the app opens as it is: its engine, its schema check, its services.
    from db.migrate import current_revision, head_revision

    copy = make_engine(f"sqlite:///{backups[-1][0]}")
    assert current_revision(copy) == head_revision()
    with transaction(copy, write=False) as session:
        rows = list_showtimes(session, day=show.starts_at.astimezone(SHANGHAI).date(), zone=SHANGHAI,
                              now=show.starts_at - timedelta(days=1))
        assert rows
    copy.dispose()


def test_backup_refuses_an_existing_file_unless_replace_and_leaves_it_untouched(site):
    _demo_site(site)
    (site / "old.db").write_bytes(b"yesterday's backup")
    refused = run("db", "backup", "old.db", cwd=site)
    assert refused.returncode == 1 and "already exists" in refused.stderr and "--replace" in refused.stderr
    assert (site / "old.db").read_bytes() == b"yesterday's backup"
    replaced = run("db", "backup", "old.db", "--replace", cwd=site)
    assert replaced.returncode == 0, replaced.stderr
    assert _consistency(site / "old.db")["integrity_ok"] == 1
    assert run("db", "backup", "boxoffice.db", cwd=site).returncode == 1  # never over the store itself


def test_backup_of_a_postgresql_store_points_to_pg_dump(site):
    config = site / "kiosk.toml"
    config.write_text(re.sub(r'(?m)^url = "sqlite:///boxoffice.db"$',
                             'url = "postgresql+psycopg://cinema:secret@db.example:5432/boxoffice"',
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    result = run("db", "backup", "site.dump", cwd=site)
    assert result.returncode == 1
    assert "is PostgreSQL" in result.stderr and "pg_dump --format=custom --file=site.dump" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr


# --- copy to PostgreSQL ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server's URL: the suite's (BOXOFFICE_TEST_DATABASE_URL) or a throwaway one of our own."""
    if POSTGRES_URL is not None:
        yield POSTGRES_URL
        return
    from tests.support import postgres

    if shutil.which("initdb") is None and not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("no PostgreSQL: set BOXOFFICE_TEST_DATABASE_URL or install PostgreSQL's server binaries "
                    "(initdb, pg_ctl) to test `db copy`")
    server = postgres.start()
    try:
        yield server.url
    finally:
        postgres.stop(server.folder)


@pytest.fixture
def empty_pg_database(postgres_server: str) -> Iterator[str]:
    import psycopg

    name = f"copy_{uuid.uuid4().hex[:12]}"
    server = make_url(postgres_server)
    admin = psycopg.connect(server.set(drivername="postgresql").render_as_string(hide_password=False),
                            autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def test_copy_to_postgresql_verifies_every_table_and_the_copy_keeps_selling(site, empty_pg_database):
    from tests.conftest import FIXED_NOW as now

    url = _demo_site(site)
    source = make_engine(url)
    first = sell_order(source, now, seats=(1, 2), methods=("card", "cash"), key="sale-1")
    second = sell_order(source, now, seats=(5, 6), key="sale-2")
    with transaction(source) as session:
        refund_tickets(session, request(second, second.ticket_ids[:1], key="refund-1", engine=source), now)
    source.dispose()

    result = run("db", "copy", "--to", empty_pg_database, cwd=site)
    print("\n" + result.stdout)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "MISMATCH" not in result.stdout and "Verified" in result.stdout
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:] if line.startswith("  ")}
    assert lines["sale_order"][1:3] == ["2", "2"] and lines["ticket"][1:3] == ["4", "4"]
    assert lines["refund"][1:3] == ["1", "1"] and lines["seat"][1:3] == ["1315", "1315"]
    assert all(row[-1] == "ok" for name, row in lines.items() if name not in ("table", "sequences:"))

    # The copy is a working store: the app's services read it and sell on it, with ids after the copied ones.
    target = make_engine(empty_pg_database)
    try:
        with transaction(target, write=False) as session:
            rows = list_showtimes(session, day=first.starts_at.astimezone(SHANGHAI).date(), zone=SHANGHAI, now=now)
            assert any(row.id == first.showtime_id for row in rows)
            assert find_order_by_code(session, code_text=first.pickup_code, key=KEY) == first.order_id
            assert find_order_by_code(session, code_text=second.pickup_code, key=KEY) == second.order_id
        third = sell_order(target, now, seats=(1, 2), row="G", key="sale-3")
        assert third.order_id == max(first.order_id, second.order_id) + 1
        with target.connect() as connection:
            max_ticket = connection.exec_driver_sql("SELECT max(id) FROM ticket WHERE order_id < %s",
                                                    (third.order_id,)).scalar()
        assert min(third.ticket_ids) == max_ticket + 1
    finally:
        target.dispose()

    again = run("db", "copy", "--to", empty_pg_database, cwd=site)
    assert again.returncode == 1 and "is not empty" in again.stderr and "DROP DATABASE" in again.stderr


def test_the_checksum_sees_a_changed_value_on_either_backend(site, empty_pg_database):
    from db.pg_copy import checksum, copy_store, tables

    url = _demo_site(site)
    source, target = make_engine(url), make_engine(empty_pg_database)
    try:
        assert copy_store(source, target).ok
        seat = next(t for t in tables() if t.name == "seat")
        with source.connect() as s, target.connect() as t:
            assert checksum(s, seat) == checksum(t, seat)
        with target.begin() as connection:
            connection.exec_driver_sql("UPDATE seat SET blocked = NOT blocked WHERE id = 7")
        with source.connect() as s, target.connect() as t:
            assert checksum(s, seat)[0] == checksum(t, seat)[0] and checksum(s, seat)[1] != checksum(t, seat)[1]
    finally:
        source.dispose()
        target.dispose()
