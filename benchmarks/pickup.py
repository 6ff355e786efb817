"""Pickup lookup among 1,000,000 tickets: p50 and p99 of a typed code and of a scanned QR token.

A SQLite store is migrated, the demo cinema loaded, and history added in bulk with raw ``sqlite3``: the demo
week's 126 showtimes copied to earlier weeks until their seats make 1,000,000, every seat of each sold in orders
of 1-6 tickets (about 290,000 orders), each order with the HMAC digest of a random pickup code
(``boxoffice.pickup_codes.code_digest``), each ticket with its live claim and a token nonce. The build uses big
``executemany`` transactions with ``synchronous=OFF`` and an in-memory rollback journal (the build only: the
lookups then open the store with the product's engine, WAL and ``synchronous=FULL``). The store lives in a
temporary folder for the run only.

Timed, each call alone with ``perf_counter_ns`` inside one read transaction of the product's engine:

- ``boxoffice.pickup.find_order_by_code`` for 10,000 codes, half of them sold, half never issued (well formed,
  right check digit: they reach the query). Baseline: the same lookup with raw ``sqlite3`` (HMAC-SHA256 of the
  digits, ``SELECT id FROM sale_order WHERE pickup_code_digest = ?``).
- ``boxoffice.pickup.lookup`` for 10,000 scanned QR tokens of random sold tickets: Ed25519 signature check,
  the ticket's state, the order and its tickets for the screen. Baseline: ``verify_token`` alone (the signature
  check, the floor of any token lookup).

The query plan of the code lookup (``EXPLAIN QUERY PLAN`` of the product's own statement) is returned too, to
show that ``ux_sale_order_pickup_code`` is used.

Run alone with ``python -m benchmarks.pickup``; ``python -m benchmarks`` includes it (``--only pickup``).
"""

from __future__ import annotations

import hashlib
import hmac
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = b"benchmark pickup-code key, 32 b"
TICKETS = 1_000_000
LOOKUPS = 10_000


def build_store(folder: Path, tickets: int = TICKETS, seed: int = 8) -> dict:
    """Migrate and fill a store with ``tickets`` sold tickets; return its URL, sample codes and tickets."""
    from boxoffice.demo import load_demo
    from boxoffice.pickup_codes import code_digest, new_pickup_code
    from db.engine import make_engine, transaction
    from db.migrate import upgrade

    path = folder / "pickup.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as session:
        load_demo(session, now=datetime.now(UTC), zone=SHANGHAI, site_names=("星光影城", "Starlight Cinema"))
    engine.dispose()

    started = time.perf_counter()
    rng = random.Random(seed)  # reproducible, and fast enough for 300,000 codes (the product draws from secrets)

    class _Draws:
        randbelow = staticmethod(rng.randrange)

    draws = _Draws()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = DELETE")  # leave WAL for the build; the product's engine turns it back on
    for pragma in ("synchronous = OFF", "journal_mode = MEMORY", "cache_size = -400000", "foreign_keys = OFF"):
        db.execute(f"PRAGMA {pragma}")
    seats_of = {hall: [row[0] for row in db.execute("SELECT id FROM seat WHERE auditorium_id = ? ORDER BY id", (hall,))]
                for (hall,) in db.execute("SELECT id FROM auditorium")}
    week = db.execute("SELECT id, auditorium_id FROM showtime ORDER BY id").fetchall()
    per_week = sum(len(seats_of[hall]) for _, hall in week)
    db.execute("BEGIN")
    showtimes = list(week)
    weeks_back = 0
    while sum(len(seats_of[hall]) for _, hall in showtimes) < tickets:
        weeks_back += 1
        shift = f"-{7 * weeks_back} days"
        first = db.execute("SELECT max(id) FROM showtime").fetchone()[0]
        db.execute(
            "INSERT INTO showtime (film_id, auditorium_id, starts_at, ends_at, format, status, price_card_id) "
            "SELECT film_id, auditorium_id, strftime('%Y-%m-%d %H:%M:%f000', starts_at, ?), "
            "strftime('%Y-%m-%d %H:%M:%f000', ends_at, ?), format, status, price_card_id FROM showtime "
            "WHERE id <= ? ORDER BY id", (shift, shift, len(week)))
        showtimes += db.execute("SELECT id, auditorium_id FROM showtime WHERE id > ? ORDER BY id", (first,)).fetchall()
    db.execute("COMMIT")

    used: set[str] = set()
    known: list[str] = []
    sample: list[tuple[int, int, int, str]] = []  # ticket id, showtime, seat, nonce
    order_id = ticket_id = 0
    created = "2026-01-01 10:00:00.000000"
    orders: list[tuple] = []
    claims: list[tuple] = []
    rows: list[tuple] = []

    def flush() -> None:
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO sale_order (id, reference, showtime_id, channel, terminal_id, status, total_fen, created_at, "
            "pickup_code_digest) VALUES (?, ?, ?, 'counter', 'bench', 'paid', ?, ?, ?)", orders)
        db.executemany(
            "INSERT INTO seatclaim (id, showtime_id, seat_id, status, terminal_id, order_id, created_at) "
            "VALUES (?, ?, ?, 'sold', 'bench', ?, ?)", claims)
        db.executemany(
            "INSERT INTO ticket (id, order_id, claim_id, showtime_id, seat_id, ticket_type_id, price_fen, fee_fen, "
            "status, secret, printed_count, token_nonce, picked_up_at, picked_up_terminal) "
            "VALUES (?, ?, ?, ?, ?, 1, 4500, 300, 'valid', ?, 1, ?, ?, 'bench')", rows)
        db.execute("COMMIT")
        orders.clear()
        claims.clear()
        rows.clear()

    for showtime_id, hall in showtimes:
        seats = seats_of[hall]
        index = 0
        while index < len(seats) and ticket_id < tickets:
            size = min(rng.randint(1, 6), len(seats) - index, tickets - ticket_id)
            code = new_pickup_code(draws)
            while code in used:
                code = new_pickup_code(draws)
            used.add(code)
            order_id += 1
            if rng.random() < 0.02:
                known.append(code)
            orders.append((order_id, f"B{order_id:09d}", showtime_id, 4800 * size, created, code_digest(code, KEY)))
            for seat_id in seats[index:index + size]:
                ticket_id += 1
                nonce = f"{rng.getrandbits(32):08x}"
                claims.append((ticket_id, showtime_id, seat_id, order_id, created))
                rows.append((ticket_id, order_id, ticket_id, showtime_id, seat_id, f"{rng.getrandbits(128):032x}",
                             nonce, created))
                if rng.random() < 0.01:
                    sample.append((ticket_id, showtime_id, seat_id, nonce))
            index += size
        if len(rows) >= 200_000:
            flush()
        if ticket_id >= tickets:
            break
    flush()
    db.execute("ANALYZE")
    db.close()
    unknown: list[str] = []
    while len(unknown) < LOOKUPS:
        code = new_pickup_code(draws)
        if code not in used:
            unknown.append(code)
    return {"url": url, "path": str(path), "orders": order_id, "tickets": ticket_id, "showtimes": len(showtimes),
            "seats_per_week": per_week, "known": known, "unknown": unknown, "sample": sample,
            "build_seconds": time.perf_counter() - started, "megabytes": path.stat().st_size / 1e6}


def _percentiles(nanoseconds: list[int]) -> tuple[float, float]:
    ordered = sorted(nanoseconds)
    return ordered[len(ordered) // 2] / 1e6, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6


def measure(lookups: int = LOOKUPS, tickets: int = TICKETS) -> dict:
    """Build the store, time the lookups and their baselines; p50/p99 in ms and the query plan."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from boxoffice.entry_tokens import sign_token, verify_token
    from boxoffice.pickup import _BY_DIGEST, find_order_by_code, lookup
    from boxoffice.pickup_codes import format_code
    from db.engine import make_engine, transaction

    with tempfile.TemporaryDirectory(prefix="boxoffice-pickup-bench-") as folder:
        store = build_store(Path(folder), tickets)
        rng = random.Random(1)
        half = lookups // 2
        codes = [(c, True) for c in rng.choices(store["known"], k=half)] + [(c, False) for c in
                                                                           store["unknown"][: lookups - half]]
        rng.shuffle(codes)
        private = Ed25519PrivateKey.generate()
        public = private.public_key()

        class _Key:
            def __init__(self, row: tuple[int, int, int, str]) -> None:
                self.id, self.showtime_id, self.seat_id, self.token_nonce = row

        tokens = [sign_token(private, _Key(row)) for row in rng.choices(store["sample"], k=lookups)]
        now = datetime(2026, 1, 1, tzinfo=UTC)

        engine = make_engine(store["url"])
        code_ns: list[int] = []
        token_ns: list[int] = []
        verify_ns: list[int] = []
        with transaction(engine, write=False) as session:
            sql = str(_BY_DIGEST.compile(dialect=engine.dialect))
            plan = [row[-1] for row in session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}", (hmac.new(KEY, b"0000000000", hashlib.sha256).hexdigest(),))]
            for code, _ in codes[:200]:  # warm the page cache and the statement cache
                find_order_by_code(session, code_text=format_code(code), key=KEY)
            wrong = 0
            for code, is_known in codes:
                text = format_code(code)  # as typed: "123 456 7890"
                t0 = time.perf_counter_ns()
                found = find_order_by_code(session, code_text=text, key=KEY)
                code_ns.append(time.perf_counter_ns() - t0)
                wrong += (found is not None) != is_known
            for token in tokens[:200]:
                lookup(session, text=token, key=KEY, public_key=public, now=now)
            for token in tokens:
                t0 = time.perf_counter_ns()
                view = lookup(session, text=token, key=KEY, public_key=public, now=now)
                token_ns.append(time.perf_counter_ns() - t0)
                wrong += not view.tickets
            for token in tokens:
                t0 = time.perf_counter_ns()
                verify_token(public, token)
                verify_ns.append(time.perf_counter_ns() - t0)
        engine.dispose()

        raw = sqlite3.connect(store["path"], isolation_level=None)
        raw.execute("PRAGMA synchronous = FULL")
        raw.execute("BEGIN")
        raw_ns: list[int] = []
        for code, _ in codes[:200]:
            raw.execute("SELECT id FROM sale_order WHERE pickup_code_digest = ?",
                        (hmac.new(KEY, code.encode(), hashlib.sha256).hexdigest(),)).fetchone()
        for code, _ in codes:
            t0 = time.perf_counter_ns()
            raw.execute("SELECT id FROM sale_order WHERE pickup_code_digest = ?",
                        (hmac.new(KEY, code.encode(), hashlib.sha256).hexdigest(),)).fetchone()
            raw_ns.append(time.perf_counter_ns() - t0)
        raw.execute("COMMIT")
        raw.close()

    code_p50, code_p99 = _percentiles(code_ns)
    raw_p50, raw_p99 = _percentiles(raw_ns)
    token_p50, token_p99 = _percentiles(token_ns)
    verify_p50, verify_p99 = _percentiles(verify_ns)
    return {"tickets": store["tickets"], "orders": store["orders"], "showtimes": store["showtimes"],
            "build_seconds": store["build_seconds"], "megabytes": store["megabytes"], "lookups": lookups,
            "code_p50": code_p50, "code_p99": code_p99, "raw_p50": raw_p50, "raw_p99": raw_p99,
            "token_p50": token_p50, "token_p99": token_p99, "verify_p50": verify_p50, "verify_p99": verify_p99,
            "wrong": wrong, "plan": plan, "sql": " ".join(sql.split())}


def table_rows(r: dict) -> list[tuple[str, str, str, str, str]]:
    """Rows for ``python -m benchmarks``."""
    return [
        (f"pickup: find_order_by_code among {r['tickets']:,} tickets / {r['orders']:,} orders, p50 / p99",
         f"{r['code_p50']:.3f} / {r['code_p99']:.3f} ms", "raw sqlite3 digest query",
         f"{r['raw_p50']:.3f} / {r['raw_p99']:.3f} ms", f"{r['code_p99'] / r['raw_p99']:.1f}x slower (p99)"),
        ("pickup: lookup of a scanned QR token (verify + order view), p50 / p99",
         f"{r['token_p50']:.3f} / {r['token_p99']:.3f} ms", "verify_token alone",
         f"{r['verify_p50']:.3f} / {r['verify_p99']:.3f} ms", f"{r['token_p99'] / r['verify_p99']:.1f}x slower (p99)"),
    ]


def notes(r: dict) -> list[str]:
    """The query plan and how the store was built."""
    return [(f"pickup store: {r['tickets']:,} tickets, {r['orders']:,} orders, {r['showtimes']:,} showtimes, "
            f"{r['megabytes']:.0f} MB, built in {r['build_seconds']:.1f} s; {r['lookups']:,} lookups each "
            f"(codes: half sold, half never issued), wrong answers: {r['wrong']}"),
            f"pickup query plan of {r['sql']!r}: " + "; ".join(r["plan"])]


if __name__ == "__main__":
    result = measure()
    for row in table_rows(result):
        print("  ".join(row))
    for line in notes(result):
        print(line)
