"""The seat map widget on the demo halls, driven by keys and clicks as a cashier would, through Pilot.

The map is mounted alone in a tiny app that records the messages it posts; no store is involved (the map
never reads one). Hall 1 has 824 seats in 26 lettered rows, aisles after grid columns 7 and 25 and a cross
aisle after row L; hall 2 is drawn from the booth, with numbered rows and the screen at the bottom.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import fields

from rich.cells import cell_len
from textual import on
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.message import Message
from textual.pilot import Pilot

from boxoffice.hall import Hall, HallSeat, SeatStatus
from boxoffice.seatplan import demo_seatplans
from kiosk.widgets.seat_map import ASCII_GLYPHS, UNICODE_GLYPHS, SeatMap

SIZE = (120, 40)


def demo_hall(index: int = 0) -> Hall:
    """A demo plan as a hall, seat ids numbered from 1 in plan order."""
    plan = demo_seatplans()[index]
    seats = tuple(
        HallSeat(n, s.row_label, s.number, s.grid_row, s.grid_col, s.kind, s.zone, s.blocked, s.house)
        for n, s in enumerate(plan.seats, start=1)
    )
    return Hall(index + 1, plan.name, plan.name_en, plan.screen_side, plan.grid_rows, plan.grid_cols, seats)


HALL_1 = demo_hall(0)


def seat(label: str, hall: Hall = HALL_1) -> HallSeat:
    return next(s for s in hall.seats if s.label == label)


class MapApp(App[None]):
    """One seat map, focused, and every message it posts."""

    def __init__(self, hall: Hall, statuses: dict[int, SeatStatus] | None = None) -> None:
        super().__init__()
        self.hall = hall
        self.statuses = statuses or {}
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield SeatMap()

    def on_mount(self) -> None:
        seat_map = self.query_one(SeatMap)
        seat_map.set_hall(self.hall)
        seat_map.set_statuses(self.statuses)
        seat_map.focus()

    @on(SeatMap.SeatToggled)
    @on(SeatMap.BestRequested)
    @on(SeatMap.CursorMoved)
    def record(self, message: Message) -> None:
        self.messages.append(message)

    def posted(self, kind: type[Message]) -> list[Message]:
        return [m for m in self.messages if isinstance(m, kind)]


def drive(
    app: MapApp, body: Callable[[Pilot[None], SeatMap], Awaitable[None]], size: tuple[int, int] = SIZE
) -> None:
    """Run ``body`` against the app (pytest-asyncio is not installed; Textual's run_test is async)."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await body(pilot, app.query_one(SeatMap))

    asyncio.run(main())


def under_cursor(seat_map: SeatMap) -> HallSeat:
    seat_ = seat_map.cursor_seat
    assert seat_ is not None
    return seat_


def line_text(seat_map: SeatMap, seat_: HallSeat) -> str:
    """The text the map draws on the line of a seat's row, as the widget renders it now."""
    return seat_map.render_line(seat_map.cell_region(seat_.id).y).text


def glyph_at(seat_map: SeatMap, seat_: HallSeat) -> str:
    region = seat_map.cell_region(seat_.id)
    return seat_map.render_line(region.y).text[region.x]


def test_left_and_right_step_over_the_aisle_to_the_nearest_seat():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        seat_map.move_cursor_to(seat("B8").id)
        await pilot.press("right")
        assert seat_map.cursor_seat == seat("B9")  # grid column 7 → 10: the aisle is skipped
        await pilot.press("left", "left")
        assert seat_map.cursor_seat == seat("B7")

    drive(MapApp(HALL_1), body)


def test_up_and_down_keep_the_column_across_short_rows_and_the_cross_aisle():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        seat_map.move_cursor_to(seat("B1").id)  # grid column 0; row A starts at column 2
        await pilot.press("up")
        assert seat_map.cursor_seat == seat("A1")
        await pilot.press("down")
        assert seat_map.cursor_seat == seat("B1")  # back to the column it came from
        seat_map.move_cursor_to(seat("L12").id)
        await pilot.press("down")
        assert seat_map.cursor_seat == seat("M12")  # over the cross aisle

    drive(MapApp(HALL_1), body)


def test_home_and_end_go_to_the_first_and_last_seat_of_the_row():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        seat_map.move_cursor_to(seat("E10").id)
        await pilot.press("home")
        assert seat_map.cursor_seat == seat("E1")
        await pilot.press("end")
        assert seat_map.cursor_seat == seat("E32")

    drive(MapApp(HALL_1), body)


def test_a_row_letter_jumps_to_that_row_keeping_the_column_in_either_case():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        seat_map.move_cursor_to(seat("E10").id)
        await pilot.press("k")
        assert seat_map.cursor_seat == seat("K10")
        await pilot.press("Q")
        assert seat_map.cursor_seat == seat("Q10")

    drive(MapApp(HALL_1), body)


def test_page_keys_move_a_page_of_rows_and_stop_at_the_ends():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        seat_map.move_cursor_to(seat("A10").id)
        await pilot.press("pagedown")
        row = under_cursor(seat_map).row_label
        assert "A" < row < "Z"  # a 12-line widget shows ~11 rows
        await pilot.press("pagedown", "pagedown", "pagedown")
        assert under_cursor(seat_map).row_label == "Z"
        await pilot.press("pageup", "pageup", "pageup", "pageup")
        assert under_cursor(seat_map).row_label == "A"

    drive(MapApp(HALL_1), body, size=(120, 12))


def test_space_asks_to_toggle_the_seat_under_the_cursor_without_changing_it():
    app = MapApp(HALL_1)

    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        seat_map.move_cursor_to(seat("F7").id)
        await pilot.press("space")
        assert app.posted(SeatMap.SeatToggled) == [SeatMap.SeatToggled(seat_map, seat("F7").id)]
        assert seat_map.status_of(seat("F7").id) == SeatStatus.FREE  # the screen decides, then set_statuses
        assert seat_map.selected_ids == ()

    drive(app, body)


def test_a_digit_asks_for_the_best_seats():
    app = MapApp(HALL_1)

    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        await pilot.press("4")
        assert app.posted(SeatMap.BestRequested) == [SeatMap.BestRequested(seat_map, 4)]

    drive(app, body)


def test_a_click_on_a_seat_moves_the_cursor_there_and_toggles_it():
    app = MapApp(HALL_1)

    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        region = seat_map.cell_region(seat("J20").id)
        await pilot.click(SeatMap, offset=(region.x, region.y))
        assert seat_map.cursor_seat == seat("J20")
        assert app.posted(SeatMap.SeatToggled) == [SeatMap.SeatToggled(seat_map, seat("J20").id)]

    drive(app, body)


def test_a_click_beside_the_seats_toggles_nothing():
    app = MapApp(HALL_1)

    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        before = seat_map.cursor_seat
        region = seat_map.cell_region(seat("B8").id)
        await pilot.click(SeatMap, offset=(region.x + 3, region.y))  # the aisle right of B8
        await pilot.click(SeatMap, offset=(1, region.y))  # left of the row label
        assert app.posted(SeatMap.SeatToggled) == []
        assert seat_map.cursor_seat == before

    drive(app, body)


def test_every_cursor_move_tells_the_screen_which_seat_is_under_it():
    app = MapApp(HALL_1)

    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        assert app.posted(SeatMap.CursorMoved)[-1].seat == seat_map.cursor_seat  # placed by set_hall
        seat_map.move_cursor_to(seat("C3").id)
        await pilot.press("right")
        await pilot.pause()
        assert app.posted(SeatMap.CursorMoved)[-1] == SeatMap.CursorMoved(seat_map, seat("C4"))

    drive(app, body)


def test_cursor_moves_not_yet_read_are_replaced_by_the_latest():
    seat_map = SeatMap()
    older, newer = SeatMap.CursorMoved(seat_map, seat("A1")), SeatMap.CursorMoved(seat_map, seat("A2"))
    assert newer.can_replace(older)
    assert not newer.can_replace(SeatMap.CursorMoved(SeatMap(), seat("A1")))
    assert not newer.can_replace(SeatMap.SeatToggled(seat_map, 1))


def test_set_statuses_changes_the_glyphs_drawn_and_the_selection():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        f7, f8, f9 = seat("F7"), seat("F8"), seat("F9")
        assert [glyph_at(seat_map, s) for s in (f7, f8, f9)] == [UNICODE_GLYPHS.free] * 3
        seat_map.set_statuses({f7.id: SeatStatus.SOLD, f8.id: SeatStatus.MINE, f9.id: SeatStatus.HELD})
        await pilot.pause()
        g = UNICODE_GLYPHS
        assert [glyph_at(seat_map, s) for s in (f7, f8, f9)] == [g.sold, g.mine, g.held]
        assert seat_map.selected_ids == (f8.id,)
        seat_map.set_statuses({})
        assert glyph_at(seat_map, f8) == g.free
        assert seat_map.selected_ids == ()

    drive(MapApp(HALL_1), body)


def test_set_statuses_repaints_only_the_lines_whose_seats_changed():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        seat_map.set_statuses({seat("F7").id: SeatStatus.SOLD, seat("K1").id: SeatStatus.HELD})
        await pilot.pause()
        refreshed: list[Region] = []

        def record(*regions: Region, **options: bool) -> SeatMap:
            refreshed.extend(regions)
            return seat_map

        seat_map.refresh = record  # type: ignore[method-assign]
        seat_map.set_statuses({seat("F7").id: SeatStatus.SOLD, seat("K2").id: SeatStatus.MINE})
        lines = sorted(region.y for region in refreshed)
        assert lines == [seat_map.cell_region(seat("K1").id).y]  # K1 freed and K2 taken; F7 unchanged

    drive(MapApp(HALL_1), body)


def test_blocked_and_house_seats_show_as_such_until_the_screen_says_otherwise():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        assert seat_map.status_of(seat("G5").id) == SeatStatus.BLOCKED
        assert seat_map.status_of(seat("H15").id) == SeatStatus.HOUSE
        assert glyph_at(seat_map, seat("G5")) == UNICODE_GLYPHS.blocked
        assert glyph_at(seat_map, seat("H15")) == UNICODE_GLYPHS.house
        seat_map.set_statuses({seat("H15").id: SeatStatus.MINE})  # a supervisor sold it to this terminal
        assert glyph_at(seat_map, seat("H15")) == UNICODE_GLYPHS.mine

    drive(MapApp(HALL_1), body)


def test_kinds_of_free_seats_have_their_own_glyphs():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        g = UNICODE_GLYPHS
        assert glyph_at(seat_map, seat("A1")) == g.wheelchair
        assert glyph_at(seat_map, seat("A2")) == g.companion
        assert glyph_at(seat_map, seat("J9")) == g.premium
        assert f"{g.couple_left}{g.free}{g.free}{g.couple_right}" in line_text(seat_map, seat("Z1"))

    drive(MapApp(HALL_1), body)


def test_every_row_has_its_label_at_both_ends_and_the_screen_bar_is_above():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        for label in ("A", "L", "M", "Z"):
            text = line_text(seat_map, seat(f"{label}1")).strip()
            assert text[0] == label and text[-1] == label
        assert seat_map.render_line(0).text.strip() == "银幕 SCREEN"

    drive(MapApp(HALL_1), body)


def test_the_screen_bar_is_at_the_bottom_for_a_hall_drawn_from_the_booth():
    hall_2 = demo_hall(1)

    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        lines = [seat_map.render_line(y).text.strip() for y in range(seat_map.virtual_size.height)]
        assert lines[0].startswith("12") and lines[0].endswith("12")
        assert lines[-1] == "银幕 SCREEN"
        assert "银幕" not in "".join(lines[:-1])

    drive(MapApp(hall_2), body)


def test_the_map_scrolls_both_ways_to_keep_the_cursor_and_row_labels_in_view():
    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        await pilot.press("z", "end")
        assert seat_map.scroll_offset.x > 0 and seat_map.scroll_offset.y > 0
        region = seat_map.cell_region(under_cursor(seat_map).id)
        assert seat_map.scrollable_content_region.reset_offset.contains_region(region)
        text = line_text(seat_map, seat("Z1"))
        assert text.startswith("Z") and text.rstrip().endswith("Z")  # labels stay at the edges
        await pilot.press("a", "home")
        assert seat_map.scroll_offset == (0, 0)

    drive(MapApp(HALL_1), body, size=(40, 12))


def test_a_hall_without_seats_draws_only_the_screen_and_moves_nowhere():
    empty = Hall(5, "空厅", "Empty", "top", 0, 0, ())
    app = MapApp(empty)

    async def body(pilot: Pilot[None], seat_map: SeatMap) -> None:
        await pilot.press("right", "down", "space", "end")
        assert seat_map.cursor_seat is None
        assert app.posted(SeatMap.SeatToggled) == []
        assert [m.seat for m in app.posted(SeatMap.CursorMoved)] == [None]
        assert "银幕 SCREEN" in seat_map.render_line(0).text

    drive(app, body)


def test_glyphs_are_one_cell_wide_even_in_terminals_that_draw_ambiguous_characters_wide():
    for glyphs in (UNICODE_GLYPHS, ASCII_GLYPHS):
        values = [getattr(glyphs, f.name) for f in fields(glyphs)]
        assert all(cell_len(v) == 1 and unicodedata.east_asian_width(v) in ("N", "Na") for v in values)
        states = [glyphs.free, glyphs.mine, glyphs.held, glyphs.sold, glyphs.blocked, glyphs.house]
        kinds = [glyphs.free, glyphs.premium, glyphs.wheelchair, glyphs.companion]
        assert len(set(states)) == len(states) and len(set(kinds)) == len(kinds)
