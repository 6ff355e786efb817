"""A hall as the seat rules, best-available and the seat map see it: frozen values, no database rows.

:class:`Hall` is static (the seat plan); :class:`SeatStatus` per seat is what changes during a showtime.
Rows are split into *blocks* of seats that touch each other; a break in grid columns (an aisle or a gap in the
plan) ends a block, which is what "against an aisle" means for the single-seat rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from boxoffice.seatplan import seat_label
from db.engine import per_transaction
from db.models import Auditorium, Seat


class SeatStatus(StrEnum):
    """What a seat of a showtime is right now, from one terminal's point of view."""

    FREE = "free"
    MINE = "mine"  # held by this terminal (selected)
    HELD = "held"  # held by another terminal
    SOLD = "sold"
    BLOCKED = "blocked"  # broken: not for sale at all
    HOUSE = "house"  # kept back: a supervisor may sell it


@dataclass(frozen=True)
class HallSeat:
    """One seat of a hall."""

    id: int
    row_label: str
    number: int
    grid_row: int
    grid_col: int
    kind: str = "standard"
    zone: str = "standard"
    blocked: bool = False
    house: bool = False

    @property
    def label(self) -> str:
        """``F7``, or ``5-12`` in numbered rows (the seat plan's naming)."""
        return seat_label(self.row_label, self.number)

    @property
    def is_couple(self) -> bool:
        """Half of a couple (sofa) seat."""
        return self.kind.startswith("couple")


@dataclass(frozen=True)
class Hall:
    """An auditorium's seats and geometry."""

    id: int
    name: str
    name_en: str
    screen_side: str
    grid_rows: int
    grid_cols: int
    seats: tuple[HallSeat, ...]
    _by_id: dict[int, HallSeat] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({seat.id: seat for seat in self.seats})

    def seat(self, seat_id: int) -> HallSeat:
        """The seat with this id."""
        return self._by_id[seat_id]

    def has_seat(self, seat_id: int) -> bool:
        """Whether this hall has a (current) seat with this id."""
        return seat_id in self._by_id

    @cached_property
    def rows(self) -> tuple[tuple[HallSeat, ...], ...]:
        """Seat rows in plan order (top of the plan first), each ordered left to right."""
        by_row: dict[int, list[HallSeat]] = {}
        for seat in self.seats:
            by_row.setdefault(seat.grid_row, []).append(seat)
        return tuple(tuple(sorted(row, key=lambda s: s.grid_col)) for _, row in sorted(by_row.items()))

    @cached_property
    def blocks(self) -> tuple[tuple[HallSeat, ...], ...]:
        """Runs of touching seats within a row; an aisle or gap in the plan ends a run."""
        result: list[tuple[HallSeat, ...]] = []
        for row in self.rows:
            run = [row[0]]
            for seat in row[1:]:
                if seat.grid_col == run[-1].grid_col + 1:
                    run.append(seat)
                else:
                    result.append(tuple(run))
                    run = [seat]
            result.append(tuple(run))
        return tuple(result)

    def partner(self, seat: HallSeat) -> HallSeat | None:
        """The other half of a couple seat."""
        if not seat.is_couple:
            return None
        step = 1 if seat.kind == "couple-left" else -1
        for other in self._row_of(seat):
            if other.grid_col == seat.grid_col + step:
                return other
        return None

    def _row_of(self, seat: HallSeat) -> tuple[HallSeat, ...]:
        for row in self.rows:
            if row[0].grid_row == seat.grid_row:
                return row
        return ()


@dataclass(frozen=True)
class ClaimInfo:
    """Who has a seat of a showtime, for the map's explanations ("held by Kiosk 2, expires in 01:42")."""

    seat_id: int
    status: str  # "held" or "sold"
    terminal_id: str
    created_at: datetime
    expires_at: datetime | None = None
    sold_at: datetime | None = None


_HALL_CACHE: dict[tuple[int, int], Hall] = {}
_seat = Seat.__table__  # type: ignore[attr-defined]
_auditorium = Auditorium.__table__  # type: ignore[attr-defined]
_live_seats = (_seat.c.auditorium_id == bindparam("p_auditorium")) & _seat.c.retired.is_(False)
AUDITORIUM_COLUMNS = (
    _auditorium.c.name, _auditorium.c.name_en, _auditorium.c.screen_side, _auditorium.c.grid_rows,
    _auditorium.c.grid_cols, _auditorium.c.plan_text,
)
"""What :func:`load_hall` reads of the auditorium (a query that joins them in passes them as ``auditorium``)."""
_AUDITORIUM = select(*AUDITORIUM_COLUMNS).where(_auditorium.c.id == bindparam("p_auditorium"))
_SEATS = select(
    _seat.c.id, _seat.c.row_label, _seat.c.number, _seat.c.grid_row, _seat.c.grid_col, _seat.c.kind, _seat.c.zone,
    _seat.c.blocked, _seat.c.house,
).where(_live_seats).order_by(_seat.c.grid_row, _seat.c.grid_col)


def load_hall(session: Session, auditorium_id: int, *, auditorium: tuple[Any, ...] | None = None) -> Hall:
    """Read an auditorium's current (not retired) seats.

    Seats change only when a seat plan is imported (which stores the plan's text on the auditorium), yet every
    sale needs the hall, so the result is kept in a small per-process cache keyed by the auditorium's row, and
    read once per transaction. ``auditorium``: the values of :data:`AUDITORIUM_COLUMNS`, when the caller's query
    already read them.
    """
    return per_transaction(session, ("hall", auditorium_id), lambda: _load_hall(session, auditorium_id, auditorium))


def _load_hall(session: Session, auditorium_id: int, auditorium: tuple[Any, ...] | None) -> Hall:
    connection = session.connection()
    params = {"p_auditorium": auditorium_id}
    if auditorium is None:
        auditorium = connection.execute(_AUDITORIUM, params).first()
    if auditorium is None:
        raise LookupError(f"no auditorium {auditorium_id}")
    key = (auditorium_id, hash(tuple(auditorium)))
    cached = _HALL_CACHE.get(key)
    if cached is not None:
        return cached
    name, name_en, screen_side, grid_rows, grid_cols, _plan_text = auditorium
    hall = Hall(
        id=auditorium_id,
        name=name,
        name_en=name_en,
        screen_side=screen_side,
        grid_rows=grid_rows,
        grid_cols=grid_cols,
        seats=tuple(HallSeat(*row) for row in connection.execute(_SEATS, params)),
    )
    if len(_HALL_CACHE) > 64:
        _HALL_CACHE.clear()
    _HALL_CACHE[key] = hall
    return hall
