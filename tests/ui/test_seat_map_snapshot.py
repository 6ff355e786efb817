"""How the seat map looks: a small hall showing every seat state and kind, with the legend under it.

Regenerate after an intended change of looks with
``pytest tests/ui/test_seat_map_snapshot.py --snapshot-update`` and review the SVG (snapshots change between
Textual releases; textual is pinned for that reason).
"""

from __future__ import annotations

from textual.app import App, ComposeResult

from boxoffice.hall import Hall, HallSeat, SeatStatus
from boxoffice.seatplan import parse_seatplan
from kiosk.widgets.seat_map import SeatLegend, SeatMap

PLAN = """
name: 测试厅
name_en: Test Hall
screen: top

A   WCoo  PPPP  ooCW
B   oooo  PPPP  oooo
C   ()()  XHoo  ()()
"""

LEGEND = {
    "free": "Free",
    "premium": "Premium",
    "wheelchair": "Wheelchair",
    "companion": "Companion",
    "couple": "Couple",
    "mine": "Mine",
    "held": "Held",
    "sold": "Sold",
    "blocked": "Blocked",
    "house": "House",
}

TAKEN = {  # seat label -> status; C5 (X) and C6 (H) are blocked and house from the plan
    "A3": SeatStatus.MINE,
    "A4": SeatStatus.MINE,
    "A9": SeatStatus.SOLD,
    "A10": SeatStatus.SOLD,
    "B2": SeatStatus.HELD,
    "B6": SeatStatus.MINE,
    "B7": SeatStatus.HELD,
    "B10": SeatStatus.SOLD,
    "C3": SeatStatus.SOLD,
    "C4": SeatStatus.SOLD,
    "C11": SeatStatus.MINE,
    "C12": SeatStatus.MINE,
}


def small_hall() -> Hall:
    plan = parse_seatplan(PLAN)
    seats = tuple(
        HallSeat(n, s.row_label, s.number, s.grid_row, s.grid_col, s.kind, s.zone, s.blocked, s.house)
        for n, s in enumerate(plan.seats, start=1)
    )
    return Hall(9, plan.name, plan.name_en, plan.screen_side, plan.grid_rows, plan.grid_cols, seats)


class SmallHallApp(App[None]):
    """The map of the small hall with the statuses above, the cursor on B9, and the legend."""

    CSS = "SeatMap { height: 8; }"

    def compose(self) -> ComposeResult:
        yield SeatMap()
        yield SeatLegend(LEGEND)

    def on_mount(self) -> None:
        hall = small_hall()
        by_label = {seat.label: seat.id for seat in hall.seats}
        seat_map = self.query_one(SeatMap)
        seat_map.set_hall(hall)
        seat_map.set_statuses({by_label[label]: status for label, status in TAKEN.items()})
        seat_map.move_cursor_to(by_label["B9"])
        seat_map.focus()


def test_seat_map_shows_every_state_and_kind_by_glyph_and_colour(snap_compare):
    assert snap_compare(SmallHallApp(), terminal_size=(64, 12))
