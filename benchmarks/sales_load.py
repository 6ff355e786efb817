"""Terminals selling at once: worker processes that hold and sell random overlapping seats of one showtime.

Used by the race test (correctness: nothing sold twice, no payment without tickets, no lock error reaching a
cashier) and by the benchmark (sales per second). Each worker is a real process with its own engine, as a
terminal would be.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
PICKUP_KEY = b"benchmark pickup-code key, 32 b"
"""Each sale gets a pickup code, as at the counter (the key's value does not matter here)."""


@dataclass
class WorkerCounts:
    """What one terminal process saw."""

    sales: int = 0
    tickets: int = 0
    seat_taken: int = 0
    locked_errors: int = 0
    other_errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def counter_sale(engine: Any, *, showtime_id: int, seat_ids: list[int], terminal: str, now: datetime,
                 rules: Any, hold_seconds: int = 600, step: Callable[[str], None] = lambda _name: None) -> Any:
    """One sale as the counter makes it: hold the seats (a write transaction), price and check the sale (a read
    transaction), commit it with an exact cash payment (a write transaction). ``step`` is told each step's name
    ("hold", "price", "commit") before it starts. Returns the SaleResult.

    Raises:
        BoxOfficeError: as hold_seats, prepare_sale and commit_sale (a lost race: ``seat_taken``, ``hold_lost``).
    """
    from boxoffice.holds import hold_seats
    from boxoffice.sales import SaleLine, SaleRequest, commit_sale, prepare_sale, quote_sale
    from boxoffice.tender import Tender
    from db.engine import transaction

    lines = tuple(SaleLine(seat_id, "adult") for seat_id in seat_ids)
    step("hold")
    with transaction(engine) as session:
        hold_seats(session, showtime_id=showtime_id, seat_ids=seat_ids, terminal_id=terminal, staff_id=None,
                   now=now, hold_seconds=hold_seconds)
    step("price")
    with transaction(engine, write=False) as session:
        total = quote_sale(session, showtime_id=showtime_id, lines=lines, channel="counter", zone=SHANGHAI).total_fen
        prepared = prepare_sale(session, request=SaleRequest(
            showtime_id=showtime_id, lines=lines, tenders=(Tender("cash", total, tendered_fen=total),),
            channel="counter", terminal_id=terminal, staff=None, request_key=uuid.uuid4().hex,
        ), now=now, zone=SHANGHAI, rules=rules, pickup_key=PICKUP_KEY)
    step("commit")
    with transaction(engine) as session:
        return commit_sale(session, prepared=prepared, now=now)


def sell_worker(url: str, showtime_ids: list[int], seat_ids: list[int], terminal: str, seconds: float, max_seats: int,
                seed: int, out_path: str, start_at: float) -> None:
    """Sell random sets of 1..max_seats seats from ``seat_ids`` for ``seconds``; write counts as JSON.

    Each sale is what the counter does: hold the seats (one transaction), price and check the sale (a read
    transaction), commit it (one write transaction). A lost race releases what this terminal holds, as the screen does.
    """
    from sqlalchemy.exc import OperationalError

    from boxoffice.errors import BoxOfficeError
    from boxoffice.sales import SaleLine, quote_sale
    from boxoffice.seat_rules import SeatRules
    from db.engine import make_engine, transaction

    rng = random.Random(seed)
    engine = make_engine(url)
    counts = WorkerCounts()
    rules = SeatRules(no_single_gaps=False, counter_only_last=0)
    with transaction(engine, write=False) as session:  # connect and warm up before the clock starts
        quote_sale(session, showtime_id=showtime_ids[0], lines=(SaleLine(seat_ids[0], "adult"),), channel="counter",
                   zone=SHANGHAI)
    time.sleep(max(0.0, start_at - time.time()))
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        showtime_id = rng.choice(showtime_ids)
        chosen = rng.sample(seat_ids, k=min(len(seat_ids), rng.randint(1, max_seats)))
        try:
            counter_sale(engine, showtime_id=showtime_id, seat_ids=chosen, terminal=terminal, now=datetime.now(UTC),
                         rules=rules)
            counts.sales += 1
            counts.tickets += len(chosen)
        except BoxOfficeError as exc:
            if exc.code in ("seat_taken", "hold_lost"):
                counts.seat_taken += 1
            else:
                counts.other_errors += 1
            _release(engine, terminal, counts)
        except OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                counts.locked_errors += 1
            else:
                counts.other_errors += 1
            _release(engine, terminal, counts)
    counts.seconds = time.perf_counter() - started
    counts.cpu_seconds = time.process_time() - cpu_started
    engine.dispose()
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(asdict(counts), handle)


def _release(engine, terminal: str, counts: WorkerCounts) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    from boxoffice.holds import release_terminal_holds
    from db.engine import transaction

    try:
        with transaction(engine) as session:
            release_terminal_holds(session, terminal_id=terminal, now=datetime.now(UTC), reason="cancel")
    except OperationalError:
        counts.locked_errors += 1


def run_terminals(url: str, showtime_ids: list[int], seat_ids: list[int], *, processes: int, seconds: float,
                  max_seats: int, workdir: str, seed: int = 0) -> list[WorkerCounts]:
    """Start ``processes`` terminal processes at once and collect what each saw.

    Each process draws its seats from its own seeded random sequence (``seed`` + its index): a second run on
    the same store must pass another ``seed``, or its terminals ask for the seats the first run sold.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = []
    start_at = time.time() + 3.0 + 0.5 * processes  # every process imported and connected by then
    for index in range(processes):
        out = f"{workdir}/worker-{index}.json"
        process = context.Process(
            target=sell_worker,
            args=(url, showtime_ids, seat_ids, f"race-{index}", seconds, max_seats, seed + index, out, start_at),
        )
        workers.append((process, out))
    for process, _ in workers:
        process.start()
    results = []
    for process, out in workers:
        process.join(timeout=seconds + 180)
        if process.exitcode != 0:
            raise RuntimeError(f"terminal process failed with exit code {process.exitcode}")
        with open(out, encoding="utf-8") as handle:
            results.append(WorkerCounts(**json.load(handle)))
    return results
