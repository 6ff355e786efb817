"""Best available N: the seats a good cashier would pick for a party of N, in well under a frame's time.

The cashier presses "best 4" and the kiosk offers seats before the customer looks at the map, so the choice must
look sensible (together, central, about two-thirds back, never a seat a person must choose such as a wheelchair
place) and must keep the seat rules of :mod:`boxoffice.seat_rules` by construction: no single seats stranded, no
couple seat split, the last seats kept for the counter. It is pure: a hall, the seats others have, a number.

How it chooses: every run of N free seats inside a block (a run never crosses an aisle) is scored by the distance
of its centre from the hall's best spot, horizontally the grid's centre and two-thirds of the way back from the
screen. Rows count more than columns, and rows towards the screen more than rows away from it. When no run of N
exists, the best split into two runs in the same or neighbouring rows is taken (e.g. 3 + 2), then a greedy split
into more runs, and as a last resort the best single seats (which may then break the single-seat rule or take
half a sofa whose partner is gone; the caller checks every selection with
:func:`~boxoffice.seat_rules.check_selection` before holding it anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from boxoffice.hall import Hall, HallSeat
from boxoffice.seat_rules import COUNTER, SeatRules, free_after

BEST_DEPTH = 2 / 3
"""Where the best row is, as a fraction of the way from the front row to the back row."""
ROW_WEIGHT_FRONT = 2.0
"""How much a row between the best row and the screen counts against a run, against 1.0 for a column."""
ROW_WEIGHT_BACK = 1.5
"""How much a row behind the best row counts against a run."""
COHESION = 1.0
"""How much the sideways distance between the groups of a split counts against it."""
SPLIT_CANDIDATES = 40
"""How many of the best runs of the larger group a two-group split looks at."""
LONE_HALF_PENALTY = 1e6
"""Keeps half a couple whose partner is gone out of a last-resort choice unless nothing else makes N."""

_NOT_AUTOMATIC = ("wheelchair", "companion")


@dataclass(frozen=True)
class BestChoice:
    """What best available found.

    Attributes:
        seats: the chosen seats, group by group, each group left to right; empty when not even a split is
            possible (fewer eligible seats than N, or a kiosk would dip into the seats kept for the counter).
        adjacent: the seats are N touching seats in one row. False means no such run exists and ``groups`` is
            the best split.
        groups: the runs of touching seats that make up ``seats``, best-placed first.
    """

    seats: tuple[HallSeat, ...]
    adjacent: bool
    groups: tuple[tuple[HallSeat, ...], ...]


NOTHING = BestChoice((), False, ())
"""The answer when no seats can be offered."""


class _Run(NamedTuple):
    score: float
    row: int
    centre: float
    block: int
    start: int
    size: int


@dataclass(frozen=True)
class _Spot:
    row: float
    col: float
    screen_top: bool

    def row_term(self, row: int) -> float:
        towards_screen = row < self.row if self.screen_top else row > self.row
        weight = ROW_WEIGHT_FRONT if towards_screen else ROW_WEIGHT_BACK
        return (weight * (row - self.row)) ** 2


def best_spot(hall: Hall) -> tuple[float, float]:
    """The hall's best place to sit as (grid row, grid column), possibly between seats.

    Horizontally the centre of the grid; in depth two-thirds of the way from the front row (nearest the screen)
    to the back row.
    """
    rows = [seat.grid_row for seat in hall.seats]
    front, back = (min(rows), max(rows)) if hall.screen_side == "top" else (max(rows), min(rows))
    return front + (back - front) * BEST_DEPTH, (hall.grid_cols - 1) / 2


class _Block:
    """One block of a hall for one search: which seats can be picked, and the runs of each size."""

    def __init__(
        self, index: int, seats: tuple[HallSeat, ...], unavailable: frozenset[int], spot: _Spot
    ) -> None:
        self.index = index
        self.seats = seats
        self.row = seats[0].grid_row
        self.cols = [seat.grid_col for seat in seats]
        self.row_term = spot.row_term(self.row)
        self.spot_col = spot.col
        self.taken = [seat.id in unavailable or seat.blocked or seat.house for seat in seats]
        self.eligible = [not t and seat.kind not in _NOT_AUTOMATIC for t, seat in zip(self.taken, seats)]
        last = len(seats) - 1
        # A run may not start on a couple's right half or end on its left half when the partner is beside it.
        self.no_start = [seat.kind == "couple-right" and i > 0 for i, seat in enumerate(seats)]
        self.no_end = [seat.kind == "couple-left" and i < last for i, seat in enumerate(seats)]
        self._runs: dict[tuple[int, bool], list[_Run]] = {}
        self._segments()

    def _segments(self) -> None:
        """Per seat, the first and last position of its stretch of free seats (free as the gap rule sees it)."""
        n = len(self.seats)
        self.seg_start = [0] * n
        self.seg_end = [0] * n
        start = 0
        for i in range(n):
            if self.taken[i]:
                start = i + 1
            else:
                self.seg_start[i] = start
        end = n - 1
        for i in range(n - 1, -1, -1):
            if self.taken[i]:
                end = i - 1
            else:
                self.seg_end[i] = end

    def runs(self, size: int, gaps: bool) -> list[_Run]:
        """Every run of ``size`` pickable seats that keeps couples whole and, with ``gaps``, strands no seat."""
        key = (size, gaps)
        if key not in self._runs:
            self._runs[key] = self._find_runs(size, gaps)
        return self._runs[key]

    def _find_runs(self, size: int, gaps: bool) -> list[_Run]:
        found: list[_Run] = []
        streak = 0
        for j, ok in enumerate(self.eligible):
            streak = streak + 1 if ok else 0
            if streak < size:
                continue
            i = j - size + 1
            if self.no_start[i] or self.no_end[j]:
                continue
            if gaps and (i - self.seg_start[i] == 1 or self.seg_end[j] - j == 1):
                continue
            centre = (self.cols[i] + self.cols[j]) / 2
            score = self.row_term + (centre - self.spot_col) ** 2
            found.append(_Run(score, self.row, centre, self.index, i, size))
        return found

    def take(self, run: _Run) -> None:
        """Mark a run's seats as taken, for the next group of a greedy split."""
        for i in range(run.start, run.start + run.size):
            self.taken[i] = True
            self.eligible[i] = False
        self._runs.clear()
        self._segments()

    def conflict(self, one: _Run, other: _Run, gaps: bool) -> bool:
        """Two runs of this block cannot be sold together: they overlap, or strand the one seat between them."""
        first, second = sorted((one, other), key=lambda run: run.start)
        between = second.start - (first.start + first.size)
        if between < 0:
            return True
        return gaps and between == 1 and self.seg_start[first.start] == self.seg_start[second.start]


def best_available(
    hall: Hall, n: int, *, unavailable: frozenset[int], rules: SeatRules, channel: str = COUNTER
) -> BestChoice:
    """The best N seats of a hall for one party.

    Args:
        hall: the hall.
        n: how many seats, at least 1.
        unavailable: seat ids sold or held by others.
        rules: the site's seating settings; with ``no_single_gaps`` no choice strands a single seat.
        channel: ``"counter"`` or ``"kiosk"``; a kiosk gets nothing when the sale would dip into the last seats
            kept for the counter.

    Returns:
        N touching seats in one row (``adjacent``) when such a run exists anywhere; otherwise the best split;
        :data:`NOTHING` when even a split is impossible.

    Raises:
        ValueError: ``n`` is less than 1.
    """
    if n < 1:
        raise ValueError(f"best available needs at least one seat, not {n}")
    if channel != COUNTER and free_after(hall, unavailable=unavailable, selection=frozenset()) - n < (
        rules.counter_only_last
    ):
        return NOTHING
    spot_row, spot_col = best_spot(hall)
    spot = _Spot(spot_row, spot_col, hall.screen_side == "top")
    blocks = _blocks(hall, unavailable, spot)
    gaps = rules.no_single_gaps
    run = _best_run(blocks, n, gaps)
    if run is not None:
        return _choice(blocks, [run], adjacent=True)
    runs = _best_pair(blocks, n, gaps) or _greedy_split(blocks, n, gaps)
    if runs:
        return _choice(blocks, runs, adjacent=False)
    return _loose_seats(_blocks(hall, unavailable, spot), n)  # afresh: the greedy split marked seats taken


def _blocks(hall: Hall, unavailable: frozenset[int], spot: _Spot) -> list[_Block]:
    return [_Block(i, block, unavailable, spot) for i, block in enumerate(hall.blocks)]


def _best_run(blocks: list[_Block], size: int, gaps: bool) -> _Run | None:
    best: _Run | None = None
    for block in sorted(blocks, key=lambda b: b.row_term):
        if best is not None and block.row_term > best.score:
            break  # every run of this and later blocks scores worse
        for run in block.runs(size, gaps):
            if best is None or run < best:
                best = run
    return best


def _all_runs(blocks: list[_Block], size: int, gaps: bool) -> list[_Run]:
    return sorted(run for block in blocks for run in block.runs(size, gaps))


def _best_pair(blocks: list[_Block], n: int, gaps: bool) -> list[_Run] | None:
    """The best two runs in the same or neighbouring rows that together make N, the larger one first."""
    best: tuple[float, _Run, _Run] | None = None
    for a in range(n - 1, (n - 1) // 2, -1):
        b = n - a
        by_row: dict[int, list[_Run]] = {}
        for run in _all_runs(blocks, b, gaps):
            by_row.setdefault(run.row, []).append(run)
        if not by_row:
            continue
        for big in _all_runs(blocks, a, gaps)[:SPLIT_CANDIDATES]:
            if best is not None and a * big.score / n >= best[0]:
                break
            for row in (big.row - 1, big.row, big.row + 1):
                for small in by_row.get(row, ()):
                    if small.block == big.block and blocks[big.block].conflict(big, small, gaps):
                        continue
                    cost = (a * big.score + b * small.score) / n + COHESION * (big.centre - small.centre) ** 2
                    if best is None or cost < best[0]:
                        best = (cost, big, small)
    return [best[1], best[2]] if best else None


def _greedy_split(blocks: list[_Block], n: int, gaps: bool) -> list[_Run] | None:
    """Largest runs first, each as close to the groups already chosen as the rows allow."""
    chosen: list[_Run] = []
    remaining = n
    while remaining:
        pick: _Run | None = None
        for size in range(remaining, 0, -1):
            runs = _all_runs(blocks, size, gaps)
            if not runs:
                continue
            if chosen:
                near = [r for r in runs if any(abs(r.row - c.row) <= 1 for c in chosen)]
                centre = sum(c.centre * c.size for c in chosen) / sum(c.size for c in chosen)
                pick = min(near or runs, key=lambda r: r.score + COHESION * (r.centre - centre) ** 2)
            else:
                pick = runs[0]
            break
        if pick is None:
            return None
        blocks[pick.block].take(pick)
        chosen.append(pick)
        remaining -= pick.size
    return chosen


def _loose_seats(blocks: list[_Block], n: int) -> BestChoice:
    """The best-placed pickable seats when no split into runs keeps the rules.

    Free couples stay whole; the single-seat rule may be broken, and half a couple whose partner is gone is taken
    only when nothing else makes N (both need a supervisor's override, which the caller's check asks for).
    """
    singles: list[tuple[float, tuple[HallSeat, ...]]] = []
    pairs: list[tuple[float, tuple[HallSeat, ...]]] = []
    for block in blocks:
        for i, seat in enumerate(block.seats):
            if not block.eligible[i] or block.no_start[i] and block.eligible[i - 1]:
                continue  # not pickable, or the right half of a free couple (taken with its left half)
            if block.no_end[i] and block.eligible[i + 1]:
                score = 2 * (block.row_term + (block.cols[i] + 0.5 - block.spot_col) ** 2)
                pairs.append((score, (seat, block.seats[i + 1])))
            else:  # a seat, or half a couple whose partner is gone: a supervisor's call, so only if need be
                lone = LONE_HALF_PENALTY if block.no_start[i] or block.no_end[i] else 0.0
                singles.append((lone + block.row_term + (block.cols[i] - block.spot_col) ** 2, (seat,)))
    singles.sort(key=lambda unit: unit[0])
    pairs.sort(key=lambda unit: unit[0])
    options = [
        (sum(s for s, _ in pairs[:k]) + sum(s for s, _ in singles[: n - 2 * k]), k)
        for k in range(min(len(pairs), n // 2) + 1)
        if n - 2 * k <= len(singles)
    ]
    if not options:
        return NOTHING
    _, k = min(options)
    units = sorted(pairs[:k] + singles[: n - 2 * k], key=lambda unit: unit[0])
    seats = sorted((seat for _, unit in units for seat in unit), key=lambda s: (s.grid_row, s.grid_col))
    return BestChoice(tuple(seats), False, _touching_groups(seats))


def _touching_groups(seats: list[HallSeat]) -> tuple[tuple[HallSeat, ...], ...]:
    groups: list[list[HallSeat]] = []
    for seat in seats:
        last = groups[-1][-1] if groups else None
        if last is not None and last.grid_row == seat.grid_row and last.grid_col + 1 == seat.grid_col:
            groups[-1].append(seat)
        else:
            groups.append([seat])
    return tuple(tuple(group) for group in groups)


def _choice(blocks: list[_Block], runs: list[_Run], *, adjacent: bool) -> BestChoice:
    groups = tuple(blocks[run.block].seats[run.start : run.start + run.size] for run in runs)
    return BestChoice(tuple(seat for group in groups for seat in group), adjacent, groups)
