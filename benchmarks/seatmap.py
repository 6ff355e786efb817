"""CPU per cursor move plus repaint on a 1,000-seat map: our one-widget SeatMap against one widget per seat.

Both maps run in the same process, headless, at the same terminal size, and walk the same 200 moves (along a
row, down, back along the next row), so every move changes the cursor. CPU is counted with
``time.process_time()``; nothing is subtracted. Two measures, each for both maps:

* **widget**: the move and the repaint of what it dirtied, called directly. Ours: ``action_cursor_*``, then
  ``render_lines()`` of the two cells it refreshed (the compositor's call: Textual's styles cache, then our
  ``render_line``). Baseline: move a ``-cursor`` class from one ``Static`` to the next (styles are recomputed
  at once), then ``render_lines()`` of both widgets.
* **frame**: the move, then the app's own event loop until the frame is composed (idle handling, the
  screen's 60 Hz update timer, the compositor, our ``CursorMoved`` message). Sleeping costs no CPU, so the
  wait adds only the work it triggers. For scale: the CPU of an idle wait as long, and of the smallest
  repaint Textual does (a one-cell Static refreshed).

Pilot's key presses are not used: they sleep ~40 ms per key and hide the work (FIELD_NOTES, Textual).
Run ``python -m benchmarks.seatmap``; ``measure()`` returns the numbers for a combined report.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Grid
from textual.widgets import Static

from boxoffice.hall import Hall, HallSeat
from kiosk.widgets.seat_map import SeatMap

ROWS, PER_ROW, BLOCKS = 25, 40, (8, 24, 8)  # 1,000 seats, two aisles
SIZE = (120, 40)
FRAME_WAIT = 0.03  # s: long enough for the screen's update timer (1/60 s) to compose the frame
TARGET_MS = 1.0


def thousand_seat_hall() -> Hall:
    """25 rows A–Y of 40 seats in blocks 8 | 24 | 8 with one-column aisles."""
    seats, seat_id = [], 0
    for grid_row in range(ROWS):
        grid_col = 0
        for block in BLOCKS:
            for _ in range(block):
                seat_id += 1
                label = chr(ord("A") + grid_row)
                seats.append(HallSeat(seat_id, label, (seat_id - 1) % PER_ROW + 1, grid_row, grid_col))
                grid_col += 1
            grid_col += 1
    return Hall(1, "基准厅", "Benchmark Hall", "top", ROWS, PER_ROW + len(BLOCKS) - 1, tuple(seats))


def snake(n_moves: int) -> list[str]:
    """Moves that always change the cursor: along a row, down, back along the next row, ..."""
    moves: list[str] = []
    direction = "right"
    while len(moves) < n_moves:
        moves.extend([direction] * (PER_ROW - 1) + ["down"])
        direction = "left" if direction == "right" else "right"
    return moves[:n_moves]


class SeatMapApp(App[None]):
    """Our map, as a screen would hold it, cursor on the first seat."""

    def compose(self) -> ComposeResult:
        yield SeatMap()

    def on_mount(self) -> None:
        seat_map = self.query_one(SeatMap)
        seat_map.set_hall(thousand_seat_hall())
        seat_map.move_cursor_to(1)
        seat_map.focus()

    def restart(self) -> None:
        self.query_one(SeatMap).move_cursor_to(1)

    def move(self, step: str) -> list[Callable[[], object]]:
        """Move; return how to repaint what the move dirtied."""
        seat_map = self.query_one(SeatMap)
        old = seat_map.cursor_seat
        getattr(seat_map, f"action_cursor_{step}")()
        new = seat_map.cursor_seat
        assert old is not None and new is not None and old != new
        return [partial(seat_map.render_lines, seat_map.cell_region(seat.id)) for seat in (old, new)]


class WidgetPerSeatApp(App[None]):
    """The naive map: a grid of 1,000 Static widgets; the cursor is a CSS class on one of them."""

    CSS = """
    Grid { grid-size: 40 25; grid-columns: 2; grid-rows: 1; }
    .seat { width: 2; height: 1; color: $text-success; }
    .seat.-cursor { background: $block-cursor-background; text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.position = (0, 0)

    def compose(self) -> ComposeResult:
        with Grid():
            for index in range(ROWS * PER_ROW):
                yield Static("▢", classes="seat -cursor" if index == 0 else "seat")

    def _seat(self, row: int, col: int) -> Static:
        return self.query_one(Grid).children[row * PER_ROW + col]  # type: ignore[return-value]

    def restart(self) -> None:
        self._seat(*self.position).remove_class("-cursor")
        self.position = (0, 0)
        self._seat(0, 0).add_class("-cursor")

    def move(self, step: str) -> list[Callable[[], object]]:
        row, col = self.position
        old = self._seat(row, col)
        row, col = (row + 1, col) if step == "down" else (row, col + (1 if step == "right" else -1))
        new = self._seat(row, col)
        old.remove_class("-cursor")
        new.add_class("-cursor")
        self.position = (row, col)
        return [partial(widget.render_lines, widget.size.region) for widget in (old, new)]


async def _cpu(times: int, step: Callable[[int], Awaitable[None]]) -> float:
    """CPU ms per call of ``step``; after each (not counted) a frame's wait lets the app settle."""
    total = 0.0
    for index in range(times):
        before = time.process_time()
        await step(index)
        total += time.process_time() - before
        await asyncio.sleep(FRAME_WAIT)
    return total * 1000 / times


async def _run(app: SeatMapApp | WidgetPerSeatApp, moves: list[str]) -> dict[str, float]:
    started = time.process_time()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first_frame = (time.process_time() - started) * 1000

        async def widget(index: int) -> None:
            for repaint in app.move(moves[index]):
                repaint()

        async def frame(index: int) -> None:
            app.move(moves[index])
            await asyncio.sleep(FRAME_WAIT)

        async def idle(index: int) -> None:
            await asyncio.sleep(FRAME_WAIT)

        result = {"first_frame_ms": first_frame, "widget_ms": await _cpu(len(moves), widget)}
        app.restart()
        await pilot.pause()
        result["frame_ms"] = await _cpu(len(moves), frame)
        result["idle_ms"] = await _cpu(50, idle)
    return result


class _OneCellApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("x")


async def _smallest_repaint() -> float:
    """CPU ms of Textual composing a frame for a one-cell Static, the floor under any repaint."""
    app = _OneCellApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        cell = app.query_one(Static)

        async def frame(index: int) -> None:
            cell.refresh()
            await asyncio.sleep(FRAME_WAIT)

        return await _cpu(50, frame)


def measure(n_moves: int = 200) -> dict[str, Any]:
    """CPU per cursor move plus repaint on 1,000 seats, ours and the widget-per-seat baseline, and the ratios.

    Returns:
        ``seatmap_ms_per_move`` / ``baseline_ms_per_move`` (widget level: the move and the repaint of what it
        dirtied), ``ratio``; ``*_frame_ms_per_move`` (through the app's loop to a composed frame) and
        ``frame_ratio``; ``smallest_repaint_ms`` and ``*_idle_ms`` for scale; ``*_first_frame_ms`` (start,
        mount, first frame); ``target_ms`` and ``meets_target`` (widget level, as the target is set).
    """
    moves = snake(n_moves)
    ours = asyncio.run(_run(SeatMapApp(), moves))
    naive = asyncio.run(_run(WidgetPerSeatApp(), moves))
    floor = asyncio.run(_smallest_repaint())
    return {
        "seats": ROWS * PER_ROW,
        "moves": n_moves,
        "seatmap_ms_per_move": ours["widget_ms"],
        "baseline_ms_per_move": naive["widget_ms"],
        "ratio": naive["widget_ms"] / ours["widget_ms"],
        "seatmap_frame_ms_per_move": ours["frame_ms"],
        "baseline_frame_ms_per_move": naive["frame_ms"],
        "frame_ratio": naive["frame_ms"] / ours["frame_ms"],
        "smallest_repaint_ms": floor,
        "seatmap_idle_ms": ours["idle_ms"],
        "baseline_idle_ms": naive["idle_ms"],
        "seatmap_first_frame_ms": ours["first_frame_ms"],
        "baseline_first_frame_ms": naive["first_frame_ms"],
        "target_ms": TARGET_MS,
        "meets_target": ours["widget_ms"] <= TARGET_MS,
    }


def main() -> None:
    """Print the measurements as a small table."""
    r = measure()
    print(f"Seat map, {r['seats']:,} seats, {r['moves']} cursor moves; CPU ms (time.process_time), same run")
    print(f"{'':44} {'SeatMap':>9} {'1,000 Statics':>14} {'ratio':>7}")
    rows = [
        (
            "move + repaint of what it dirtied, per move",
            "seatmap_ms_per_move",
            "baseline_ms_per_move",
            "ratio",
        ),
        (
            "move + composed frame via the app loop",
            "seatmap_frame_ms_per_move",
            "baseline_frame_ms_per_move",
            "frame_ratio",
        ),
        ("  for scale: idle wait of one frame", "seatmap_idle_ms", "baseline_idle_ms", None),
        ("start, mount, first frame", "seatmap_first_frame_ms", "baseline_first_frame_ms", None),
    ]
    for name, ours, naive, ratio in rows:
        ratio_text = f"{r[ratio]:6.1f}x" if ratio else ""
        print(f"{name:44} {r[ours]:9.3f} {r[naive]:14.3f} {ratio_text:>7}")
    print(f"{'  for scale: any repaint (one-cell Static)':44} {r['smallest_repaint_ms']:9.3f}")
    verdict = "met" if r["meets_target"] else "MISSED"
    print(f"target: move + repaint <= {r['target_ms']:.1f} ms on our map: {verdict}")


if __name__ == "__main__":
    main()
