"""Sales per second: 4 terminal processes selling through our service code, next to raw sqlite3 on the same
machine and store settings (WAL, synchronous=FULL, BEGIN IMMEDIATE, the same unique live-claim index).

Run alone with ``python -m benchmarks.sales``; ``python -m benchmarks`` includes it.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.sales_load import SHANGHAI, run_terminals

PROCESSES = 4


def _demo_store(folder: Path) -> tuple[str, list[int], list[int]]:
    from sqlalchemy import text
    from sqlmodel import select

    from boxoffice.demo import load_demo
    from db.engine import make_engine, transaction
    from db.migrate import upgrade
    from db.models import Seat, Showtime

    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        load_demo(session, now=now, zone=SHANGHAI, site_names=("星光影城", "Starlight Cinema"))
        showtimes = list(session.exec(select(Showtime.id).where(Showtime.auditorium_id == 1)).all())
        seats = list(session.exec(select(Seat.id).where(Seat.auditorium_id == 1, Seat.kind == "standard",
                                                        Seat.blocked == False, Seat.house == False)).all())  # noqa: E712
        # Every showtime of hall 1 on sale for the whole run, whatever the time of day.
        session.exec(text("UPDATE showtime SET starts_at = '2099-01-01 10:00:00.000000', "
                          "ends_at = '2099-01-01 12:00:00.000000' WHERE auditorium_id = 1"))
    engine.dispose()
    return url, showtimes, seats


def service_rate(seconds: float = 3.0) -> dict[str, float]:
    """Sales per second through hold_seats + quote_sale + complete_sale in 4 processes."""
    with tempfile.TemporaryDirectory() as folder:
        url, showtimes, seats = _demo_store(Path(folder))
        counts = run_terminals(url, showtimes, seats, processes=PROCESSES, seconds=seconds, max_seats=2,
                               workdir=folder)
    sales = sum(c.sales for c in counts)
    duration = max(c.seconds for c in counts)
    return {"sales": sales, "seconds": duration, "per_second": sales / duration,
            "cpu_ms_per_sale": 1000 * sum(c.cpu_seconds for c in counts) / max(1, sales),
            "locked": sum(c.locked_errors for c in counts), "lost": sum(c.seat_taken for c in counts)}


def _raw_worker(path: str, seconds: float, seed: int, start_at: float, out: str) -> None:
    connection = sqlite3.connect(path, isolation_level=None, timeout=15)
    connection.execute("PRAGMA busy_timeout = 15000")
    connection.execute("PRAGMA synchronous = FULL")
    rng = random.Random(seed)
    sales = 0
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        showtime, seat = rng.randrange(1, 10_000), rng.randrange(1, 2_000)
        try:
            connection.execute("BEGIN IMMEDIATE")
            claim = connection.execute("INSERT INTO claim (showtime_id, seat_id) VALUES (?, ?)",
                                       (showtime, seat)).lastrowid
            order = connection.execute("INSERT INTO sale (total_fen) VALUES (4800)").lastrowid
            connection.execute("INSERT INTO ticket (order_id, claim_id, price_fen) VALUES (?, ?, 4500)",
                               (order, claim))
            connection.execute("INSERT INTO payment (order_id, amount_fen) VALUES (?, 4800)", (order,))
            connection.execute("COMMIT")
            sales += 1
        except sqlite3.IntegrityError:
            connection.execute("ROLLBACK")
    Path(out).write_text(f"{sales} {time.perf_counter() - started}")


def raw_rate(seconds: float = 3.0) -> dict[str, float]:
    """The same shape of sale (claim, order, ticket, payment) written with raw sqlite3 by 4 processes."""
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "raw.db")
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.executescript(
            "CREATE TABLE claim (id INTEGER PRIMARY KEY, showtime_id INT, seat_id INT, released_at TEXT);"
            "CREATE UNIQUE INDEX ux ON claim (showtime_id, seat_id) WHERE released_at IS NULL;"
            "CREATE TABLE sale (id INTEGER PRIMARY KEY, total_fen INT);"
            "CREATE TABLE ticket (id INTEGER PRIMARY KEY, order_id INT REFERENCES sale, claim_id INT, price_fen INT);"
            "CREATE TABLE payment (id INTEGER PRIMARY KEY, order_id INT REFERENCES sale, amount_fen INT);")
        connection.close()
        context = multiprocessing.get_context("spawn")
        start_at = time.time() + 1.5
        outs = [f"{folder}/raw-{i}.txt" for i in range(PROCESSES)]
        processes = [context.Process(target=_raw_worker, args=(path, seconds, i, start_at, outs[i]))
                     for i in range(PROCESSES)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        results = [Path(out).read_text().split() for out in outs]
    sales = sum(int(r[0]) for r in results)
    duration = max(float(r[1]) for r in results)
    return {"sales": sales, "seconds": duration, "per_second": sales / duration}


def measure(seconds: float = 3.0) -> dict[str, float]:
    """Both rates and their ratio."""
    raw = raw_rate(seconds)
    ours = service_rate(seconds)
    return {"service_per_second": ours["per_second"], "raw_per_second": raw["per_second"],
            "ratio": ours["per_second"] / raw["per_second"], "locked": ours["locked"], "lost": ours["lost"],
            "cpu_ms_per_sale": ours["cpu_ms_per_sale"]}


if __name__ == "__main__":
    result = measure()
    print(f"sales/s, {PROCESSES} processes: ours {result['service_per_second']:.0f}, raw sqlite3 "
          f"{result['raw_per_second']:.0f} (ratio {result['ratio']:.2f}); CPU per sale "
          f"{result['cpu_ms_per_sale']:.1f} ms; 'database is locked' seen: "
          f"{result['locked']:.0f}")
