"""Terminal processes that sell until they are killed: the victims of the crash test (tests/services/test_crash.py).

Run from the repository root as ``python -m tests.support.crash_worker``. Starting a Python process that imports
the sales code takes 0.7-1 s, which fifty kills cannot afford; so this process imports once and then forks one
terminal process per ``go`` command. Each terminal process opens its own engine after the fork (the parent never
opens the store: SQLite connections must not cross a fork, and file locks are per process) and sells as the
counter does, with the same three transactions as :func:`benchmarks.sales_load.sell_worker`: hold the seats,
price and check the sale in a read transaction, commit it paid in cash. It sells until it is killed.

Commands, one line each on stdin::

    go <store url> <terminal id> <showtime id> <hold seconds> <seed> <seat id>,<seat id>,…
    quit

Lines on stdout (flushed at once, so that the test knows where a terminal was when it killed it)::

    loaded                  imports done, waiting for a command
    ready <pid>             a terminal process is connected and starts selling
    hold <n>                it starts holding n seats (the next ones of its list)
    price                   it starts pricing and checking the sale
    commit                  it starts writing the sale
    sold <reference>        the sale committed
    refused <code>          a service refused (its holds are then released)
    idle                    it sold every seat it was given and waits to be killed
    exit <pid> <how>        the terminal process ended: ``signal 9`` when killed, else ``code <n>``

A terminal process that runs out of seats waits to be killed; one that is never killed ends itself after
:data:`LIFETIME_S` with ``code 3``, and a failure (a traceback on stderr) ends it with ``code 1``.
"""

from __future__ import annotations

import os
import random
import sys
import time
import traceback
from datetime import UTC, datetime

from benchmarks.sales_load import SHANGHAI, counter_sale
from boxoffice.errors import BoxOfficeError
from boxoffice.holds import release_terminal_holds
from boxoffice.sales import SaleLine, quote_sale
from boxoffice.seat_rules import SeatRules
from db.engine import make_engine, transaction

LIFETIME_S = 30.0
"""A terminal process nobody kills ends itself after this long, so a broken test cannot leave it running."""
MAX_SEATS = 4
RULES = SeatRules(no_single_gaps=False, counter_only_last=0)
"""Seats are taken in list order, not as a cashier picks them: gaps are allowed."""


def say(line: str) -> None:
    """One line to the test, at once (a killed process flushes nothing)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def sell_until_killed(url: str, terminal: str, showtime_id: int, hold_seconds: int, seed: int,
                      seat_ids: list[int]) -> None:
    """Sell the next 1..MAX_SEATS seats of ``seat_ids`` again and again, as one counter terminal."""
    rng = random.Random(seed)
    engine = make_engine(url)
    with transaction(engine, write=False) as session:  # connect and warm up before saying ready
        quote_sale(session, showtime_id=showtime_id, lines=(SaleLine(seat_ids[0], "adult"),), channel="counter",
                   zone=SHANGHAI)
    say(f"ready {os.getpid()}")
    deadline = time.monotonic() + LIFETIME_S
    position = 0
    while position < len(seat_ids) and time.monotonic() < deadline:
        chosen = seat_ids[position:position + rng.randint(1, MAX_SEATS)]
        position += len(chosen)
        holding = f"hold {len(chosen)}"
        try:
            result = counter_sale(engine, showtime_id=showtime_id, seat_ids=chosen, terminal=terminal,
                                  now=datetime.now(UTC), rules=RULES, hold_seconds=hold_seconds,
                                  step=lambda name, holding=holding: say(holding if name == "hold" else name))
            say(f"sold {result.reference}")
        except BoxOfficeError as error:
            say(f"refused {error.code}")
            with transaction(engine) as session:
                release_terminal_holds(session, terminal_id=terminal, now=datetime.now(UTC), reason="cancel")
    say("idle")
    while time.monotonic() < deadline:
        time.sleep(0.05)
    os._exit(3)


def _terminal(arguments: list[str]) -> None:
    """The forked terminal process: never returns into the parent's loop."""
    try:
        url, terminal, showtime, hold_seconds, seed, seats = arguments
        sell_until_killed(url, terminal, int(showtime), int(hold_seconds), int(seed),
                          [int(seat) for seat in seats.split(",")])
    except BaseException:  # noqa: BLE001 - a forked child must never return into the parent's loop
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


def main() -> None:
    """Fork a terminal process per ``go`` command and say how it ended."""
    say("loaded")
    for command in sys.stdin:
        words = command.split()
        if not words or words[0] == "quit":
            return
        if words[0] != "go":
            raise SystemExit(f"unknown command {command!r}")
        pid = os.fork()
        if pid == 0:
            _terminal(words[1:])
        _, status = os.waitpid(pid, 0)
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"code {os.WEXITSTATUS(status)}"
        say(f"exit {pid} {how}")


if __name__ == "__main__":
    main()
