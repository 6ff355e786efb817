"""Abuse control at the pickup input: every attempt is logged, and too many wrong ones lock the input a while.

A pickup code is 10 digits with a check digit, so guessing one means trying well-formed codes: 5 wrong codes
within a minute (``[pickup]`` in kiosk.toml) lock that terminal's pickup input for a minute, shown with a
countdown. Counted as wrong: a well-formed code that no order has, and a scan that is not a genuine ticket. Not
counted: a code whose check digit is wrong — it is a typo caught before any lookup ("please check the code"), and
punishing typos would only hurt customers while a guesser computes check digits anyway. Every attempt, counted
or not, is written to ``pickup_attempt`` (never the code: its last two characters only).

The log lives in the store, so the lock holds across a restart of the kiosk app; it is per terminal, so a locked
kiosk does not lock the one beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select
from sqlmodel import Session

from db.models import PickupAttempt

_attempt = PickupAttempt.__table__  # type: ignore[attr-defined]

NOT_COUNTED = frozenset({"ok", "pickup_code_check"})
"""Outcomes that do not count towards a lock: a success, and a typo caught by the check digit."""

_INSERT = insert(_attempt)
_RECENT_WRONG = (
    select(_attempt.c.at)
    .where(_attempt.c.terminal_id == bindparam("p_terminal"), _attempt.c.at > bindparam("p_since"),
           _attempt.c.outcome.not_in(sorted(NOT_COUNTED)))
    .order_by(_attempt.c.at)
)


@dataclass(frozen=True)
class GuardPolicy:
    """How many wrong attempts within how long lock the input, and for how long (``[pickup]``)."""

    max_wrong: int = 5
    window: timedelta = timedelta(seconds=60)
    lockout: timedelta = timedelta(seconds=60)


def record_attempt(session: Session, *, terminal_id: str, kind: str, outcome: str, entered: str, now: datetime,
                   order_id: int | None = None) -> None:
    """Log one attempt in the caller's transaction (``kind``: ``code`` or ``qr``; ``outcome``: ``ok`` or the
    refusal's code). Only the last two printable characters of what was entered are kept (a scanner or a
    keyboard can send control characters, and PostgreSQL refuses a NUL in text)."""
    compact = "".join(char for char in entered if char.isprintable() and not char.isspace())
    session.connection().execute(_INSERT, {
        "terminal_id": terminal_id, "at": now, "kind": kind, "outcome": outcome[:24],
        "hint": compact[-2:] if len(compact) > 4 else "", "order_id": order_id,
    })


def locked_until(session: Session, *, terminal_id: str, now: datetime, policy: GuardPolicy) -> datetime | None:
    """When this terminal's pickup input unlocks, or None when it is not locked at ``now``.

    The input locks at the moment the ``max_wrong``-th wrong attempt falls within ``window`` of the first of
    them, for ``lockout`` from that moment.
    """
    since = now - policy.window - policy.lockout
    times = list(session.connection().execute(_RECENT_WRONG, {"p_terminal": terminal_id, "p_since": since}).scalars())
    return lock_end(times, now=now, policy=policy)


def lock_end(wrong_times: list[datetime], *, now: datetime, policy: GuardPolicy) -> datetime | None:
    """The pure rule of :func:`locked_until` over the times of wrong attempts (oldest first)."""
    end: datetime | None = None
    n = policy.max_wrong
    for index in range(n - 1, len(wrong_times)):
        if wrong_times[index] - wrong_times[index - n + 1] < policy.window:
            candidate = wrong_times[index] + policy.lockout
            if end is None or candidate > end:
                end = candidate
    return end if end is not None and end > now else None
