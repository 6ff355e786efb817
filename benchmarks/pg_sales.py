"""Sales per second on PostgreSQL: 8 terminal processes selling through our service code against one server.

The server is a throwaway cluster started from the machine's binaries by the tests' helper
(``tests/support/postgres.py``: initdb into a temporary folder, a free port on 127.0.0.1, stopped and removed at
the end). That helper switches durability off for tests (``-c fsync=off -c synchronous_commit=off -c
full_page_writes=off`` on the server's command line, which ``ALTER SYSTEM`` cannot override), so this rate is an
upper bound: a production server that fsyncs its WAL at commit, as SQLite's ``synchronous=FULL`` does, is slower.
The settings in effect are reported with the rate. A database ``bench`` is migrated and the demo cinema loaded
into it, then the same workers as the SQLite row (``benchmarks.sales_load.run_terminals``) hold, price and sell
random seats.

The baseline shown next to it is raw ``sqlite3``'s rate (``benchmarks.sales.raw_rate``), measured in the same run.
Without PostgreSQL binaries (``initdb``, ``pg_ctl``) the row is skipped with a note.

Run alone with ``python -m benchmarks.pg_sales``; ``python -m benchmarks`` includes it (``--only pg-sales``).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.sales_load import SHANGHAI, run_terminals

PROCESSES = 8


def binaries_missing() -> str | None:
    """Why PostgreSQL cannot be started here, or None when initdb and pg_ctl are found."""
    for name in ("initdb", "pg_ctl"):
        if shutil.which(name) is None and not any(Path("/usr/lib/postgresql").glob(f"*/bin/{name}")):
            return f"no PostgreSQL binaries ({name} not on PATH nor in /usr/lib/postgresql/*/bin)"
    return None


def _demo_store(url: str) -> tuple[list[int], list[int]]:
    from sqlalchemy import text
    from sqlmodel import select

    from boxoffice.demo import load_demo
    from db.engine import make_engine, transaction
    from db.migrate import upgrade
    from db.models import Seat, Showtime

    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as session:
        load_demo(session, now=datetime.now(UTC), zone=SHANGHAI, site_names=("星光影城", "Starlight Cinema"))
        showtimes = list(session.exec(select(Showtime.id).where(Showtime.auditorium_id == 1)).all())
        seats = list(session.exec(select(Seat.id).where(Seat.auditorium_id == 1, Seat.kind == "standard",
                                                        Seat.blocked == False, Seat.house == False)).all())
        # Every showtime of hall 1 on sale for the whole run, whatever the time of day.
        session.exec(text("UPDATE showtime SET starts_at = '2099-01-01 10:00:00', ends_at = '2099-01-01 12:00:00' "
                          "WHERE auditorium_id = 1"))
    engine.dispose()
    return showtimes, seats


ROUNDS = 3
"""Rounds of selling on the same server; the median is the figure (this shared machine's speed swings by a third
from one moment to the next, see docs/performance.md)."""


def service_rate(seconds: float = 4.0, processes: int = PROCESSES, rounds: int = ROUNDS) -> dict[str, Any]:
    """Sales per second through hold_seats + quote_sale + prepare/commit_sale in ``processes`` processes: the
    median of ``rounds`` rounds (``rates``: each round's).

    Each round sells in a fresh copy of the same demo store (``CREATE DATABASE … TEMPLATE``): rounds on one store
    would each start with the seats the rounds before sold, and a sale attempt that meets a sold seat sells
    nothing, so later rounds would measure a fuller hall rather than the same thing again.
    """
    from sqlalchemy import create_engine, text

    from tests.support import postgres

    server = postgres.start()
    try:
        admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE bench"))
            settings = {name: connection.execute(text(f"SHOW {name}")).scalar()
                        for name in ("server_version", "fsync", "synchronous_commit")}
        base_url = server.url.rsplit("/", 1)[0]
        showtimes, seats = _demo_store(f"{base_url}/bench")
        results = []
        for round_ in range(rounds):
            with admin.connect() as connection:
                connection.execute(text(f"CREATE DATABASE bench_{round_} TEMPLATE bench"))
            with tempfile.TemporaryDirectory() as folder:
                results.append(run_terminals(f"{base_url}/bench_{round_}", showtimes, seats, processes=processes,
                                             seconds=seconds, max_seats=2, workdir=folder, seed=1000 * round_))
        admin.dispose()
    finally:
        postgres.stop(server.folder)
    rates = [sum(c.sales for c in counts) / max(c.seconds for c in counts) for counts in results]
    counts = results[rates.index(statistics.median_low(rates))]
    sales = sum(c.sales for c in counts)
    duration = max(c.seconds for c in counts)
    return {"sales": sales, "seconds": duration, "per_second": sales / duration, "rates": rates,
            "cpu_ms_per_sale": 1000 * sum(c.cpu_seconds for c in counts) / max(1, sales),
            "lost": sum(c.seat_taken for c in counts), "errors": sum(c.other_errors + c.locked_errors for c in counts),
            "server_version": settings["server_version"], "fsync": settings["fsync"],
            "synchronous_commit": settings["synchronous_commit"]}


def measure(seconds: float = 4.0, raw_per_second: float | None = None) -> dict[str, Any]:
    """The PostgreSQL rate with 8 processes, against raw sqlite3's rate (measured here unless given)."""
    from benchmarks.sales import raw_rate

    ours = service_rate(seconds)
    raw = raw_per_second if raw_per_second is not None else raw_rate(seconds)["per_second"]
    return {**ours, "raw_per_second": raw, "ratio": ours["per_second"] / raw}


if __name__ == "__main__":
    missing = binaries_missing()
    if missing:
        raise SystemExit(f"pg-sales skipped: {missing}")
    result = measure()
    print(f"sales/s, {PROCESSES} processes on PostgreSQL {result['server_version']} (fsync={result['fsync']}, "
          f"synchronous_commit={result['synchronous_commit']}): ours {result['per_second']:.0f}, raw sqlite3 "
          f"{result['raw_per_second']:.0f} (ratio {result['ratio']:.2f}); rounds "
          f"{', '.join(f'{rate:.0f}' for rate in result['rates'])}; CPU per sale "
          f"{result['cpu_ms_per_sale']:.1f} ms; lost races {result['lost']}, errors {result['errors']}")
