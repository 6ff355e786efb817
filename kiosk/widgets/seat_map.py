"""The seat map: a hall's seats, their states and a cursor, drawn by ONE Line-API widget.

A hall of 800 to 2,000 seats as one widget per seat costs tens of milliseconds a frame; as one
``ScrollView`` whose ``render_line(y)`` builds one ``Strip`` per line, a cursor move repaints two cells
(FIELD_NOTES, Textual).
Attributes down, messages up: the screen gives the hall (:meth:`SeatMap.set_hall`) and the seats' statuses
(:meth:`SeatMap.set_statuses`); the map posts :class:`SeatMap.SeatToggled`, :class:`SeatMap.BestRequested`
and :class:`SeatMap.CursorMoved`, and never changes a status or reads the store itself. Apart from the screen
bar it draws no words, so the screen translates; :class:`~kiosk.widgets.seat_legend.SeatLegend` shows the
glyphs with the labels it gets (re-exported here with :data:`LEGEND_KEYS`).

Glyphs: a taken seat shows its state, a free seat its kind, by shape as well as colour, every glyph one cell
wide in every terminal (the table is in :mod:`kiosk.widgets.seat_glyphs`, shared with the legend).

Layout: each grid column is ``cell_width`` cells; a seat is a tile of ``cell_width - 1`` cells and a one-cell
gap (a couple's halves touch, ``(▢▢)``). Row labels stand at both ends of every row and stay in view when the
map scrolls sideways; the "银幕 SCREEN" bar is centred over the seats at the hall's screen side.
``compact=False`` puts a blank line under every seat row (clickable as part of that row), for touch screens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from boxoffice.hall import Hall, HallSeat, SeatStatus
from kiosk.widgets.seat_glyphs import (
    ASCII_GLYPHS,
    FREE_LOOKS,
    SEAT_COMPONENTS,
    UNICODE_GLYPHS,
    SeatGlyphs,
    seat_colours_css,
)
from kiosk.widgets.seat_legend import LEGEND_KEYS, SeatLegend

__all__ = [  # the glyphs and the legend are re-exported: screens import the map's whole kit from here
    "ASCII_GLYPHS",
    "LEGEND_KEYS",
    "UNICODE_GLYPHS",
    "SeatGlyphs",
    "SeatLegend",
    "SeatMap",
    "default_status",
]

_KIND_CLASS = {
    "couple-left": "couple",
    "couple-right": "couple",
    **{k: k for k in ("premium", "wheelchair", "companion")},
}
# A taken seat's glyph is the SeatGlyphs field named like its status.
_STATE_GLYPH: dict[SeatStatus, str] = {
    status: status.value for status in SeatStatus if status != SeatStatus.FREE
}
_SCREEN_LINES = 2  # the screen bar and a blank line between it and the seats


def default_status(seat: HallSeat) -> SeatStatus:
    """A seat's status when the screen gave none: blocked and house seats per the plan, others free."""
    return SeatStatus.BLOCKED if seat.blocked else SeatStatus.HOUSE if seat.house else SeatStatus.FREE


class SeatMap(ScrollView):
    """A hall's seat map with a seat cursor; see the module docstring for the layout."""

    DEFAULT_CSS = "SeatMap { height: 1fr; width: 1fr; }" + seat_colours_css("SeatMap")

    COMPONENT_CLASSES: ClassVar[set[str]] = SEAT_COMPONENTS
    """States (free to house), kinds of free seats (premium to couple), cursor, screen bar, row labels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "cursor_left", "key.seat_left", show=False),
        Binding("right", "cursor_right", "key.seat_right", show=False),
        Binding("up", "cursor_up", "key.seat_up", show=False),
        Binding("down", "cursor_down", "key.seat_down", show=False),
        Binding("home", "row_start", "key.seat_row_start", show=False),
        Binding("end", "row_end", "key.seat_row_end", show=False),
        Binding("pageup", "page_up", "key.seat_page_up", show=False),
        Binding("pagedown", "page_down", "key.seat_page_down", show=False),
        Binding("space", "toggle_seat", "key.seat_toggle"),
        Binding("1", "best(1)", "key.seat_best", key_display="1-9"),
        *(Binding(str(n), f"best({n})", "key.seat_best", show=False) for n in range(2, 10)),
        *(
            Binding(f"{c},{c.upper()}", f"jump_row('{c.upper()}')", "key.seat_row_jump", show=False)
            for c in "abcdefghijklmnopqrstuvwxyz"
        ),
    ]
    """Arrows, Home/End, PgUp/PgDn move; a row letter jumps to that row; Space toggles; 1-9 ask for the
    best N. Descriptions are catalog keys (``key.seat_*``), translated by the app's footer."""

    cursor: var[tuple[int, int]] = var((0, 0))
    """The cursor as (seat row index, seat index in that row), clamped to existing seats."""

    @dataclass
    class SeatToggled(Message):
        """Space or a click on a seat: the screen should hold or release it, then call ``set_statuses``."""

        seat_map: SeatMap
        seat_id: int

        @property
        def control(self) -> SeatMap:
            """The map the seat was toggled on."""
            return self.seat_map

    @dataclass
    class BestRequested(Message):
        """A digit: the screen should choose the best ``count`` available seats."""

        seat_map: SeatMap
        count: int

        @property
        def control(self) -> SeatMap:
            """The map the digit was typed on."""
            return self.seat_map

    @dataclass
    class CursorMoved(Message):
        """The cursor is on another seat (None: the hall has no seats); replaces an unread older one."""

        seat_map: SeatMap
        seat: HallSeat | None

        @property
        def control(self) -> SeatMap:
            """The map whose cursor moved."""
            return self.seat_map

        def can_replace(self, message: Message) -> bool:
            """Collapse a flood of moves (a held arrow key) into the latest."""
            return isinstance(message, SeatMap.CursorMoved) and message.seat_map is self.seat_map

    def __init__(
        self,
        *,
        cell_width: int = 2,
        compact: bool = True,
        glyphs: SeatGlyphs = UNICODE_GLYPHS,
        screen_label: str = "银幕 SCREEN",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create an empty map; give it a hall with :meth:`set_hall`.

        Args:
            cell_width: terminal cells per grid column: 2 for the counter, 4 for a touch kiosk (1 also works).
            compact: one line per seat row; False adds a blank, clickable line under each row.
            glyphs: the characters for states and kinds.
            screen_label: the words on the screen bar.
        """
        if cell_width < 1:
            raise ValueError("cell_width must be at least 1")
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.cell_width = cell_width
        self.compact = compact
        self.glyphs = glyphs
        self.screen_label = screen_label
        self._hall: Hall | None = None
        self._statuses: dict[int, SeatStatus] = {}
        self._rows: tuple[tuple[HallSeat, ...], ...] = ()
        self._place: dict[int, tuple[int, int]] = {}  # seat id -> (row index, index in row)
        self._cells: dict[tuple[int, int], HallSeat] = {}  # (grid row, grid col) -> seat
        self._row_at: dict[int, int] = {}  # grid row -> row index
        self._row_named: dict[str, int] = {}
        self._goal_col = 0  # the column up/down keep to, across aisles and short rows
        self._lines: dict[int, Strip] = {}  # virtual line -> the map's line without the cursor
        self._looks: dict[tuple[str, SeatStatus, bool], tuple[int, str, Style]] = {}
        self._base_style: Style | None = None
        tile = max(1, cell_width - 1)
        self._pad = (tile - 1) // 2  # blanks before the glyph within a tile
        trailing = cell_width - 1 - self._pad
        self._row_height = 1 if compact else 2
        self._label_width = 1
        # the labels stand as far from the glyphs on each side
        self._gap_left, self._gap_right = 1 + max(0, trailing - self._pad), 1 + max(0, self._pad - trailing)

    # -- data in ---------------------------------------------------------------------------------------------

    @property
    def hall(self) -> Hall | None:
        """The hall on show."""
        return self._hall

    def set_hall(self, hall: Hall) -> None:
        """Show a hall; the cursor starts near its best spot (centre, two-thirds back). Statuses are kept."""
        self._hall = hall
        self._rows = tuple(row for row in hall.rows if row)
        self._place = {seat.id: (r, i) for r, row in enumerate(self._rows) for i, seat in enumerate(row)}
        self._cells = {(seat.grid_row, seat.grid_col): seat for seat in hall.seats}
        self._row_at = {row[0].grid_row: r for r, row in enumerate(self._rows)}
        self._row_named = {row[0].row_label: r for r, row in enumerate(self._rows)}
        self._label_width = max((len(row[0].row_label) for row in self._rows), default=1)
        self._lines.clear()
        self.virtual_size = Size(
            self._left + max(hall.grid_cols * self.cell_width, cell_len(self.screen_label) + 2) + self._right,
            hall.grid_rows * self._row_height + _SCREEN_LINES,
        )
        start = (0, 0)
        if self._rows:
            back = 2 / 3 if hall.screen_side != "bottom" else 1 / 3
            row = round((len(self._rows) - 1) * back)
            self._goal_col = (hall.grid_cols - 1) // 2
            start = (row, self._nearest(row))
        self.set_reactive(SeatMap.cursor, start)
        self.scroll_to(0, 0, animate=False)
        self.refresh()
        if self.is_mounted:  # else the first resize shows it
            self.call_after_refresh(self._show_cursor)
        self.post_message(self.CursorMoved(self, self.cursor_seat))

    def set_statuses(self, statuses: Mapping[int, SeatStatus]) -> None:
        """Replace every seat's status (missing: free, or blocked/house per the plan).

        Repaints only the lines whose seats changed. The cursor stays and no ``CursorMoved`` is posted: the
        screen that called this refreshes its own status line.
        """
        old, self._statuses = self._statuses, dict(statuses)
        if self._hall is None:
            return
        changed_lines = set()
        for seat_id in old.keys() | self._statuses.keys():
            if seat_id in self._place and old.get(seat_id) != self._statuses.get(seat_id):
                seat = self._hall.seat(seat_id)
                if self._status(seat, old) != self._status(seat):
                    changed_lines.add(self._line_of(seat))
        for line in changed_lines:
            self._lines.pop(line, None)
        if changed_lines:
            width = max(self.scrollable_content_region.width, self.virtual_size.width)
            self.refresh(*(Region(0, line - self.scroll_offset.y, width, 1) for line in changed_lines))

    def status_of(self, seat_id: int) -> SeatStatus:
        """A seat's status as drawn."""
        assert self._hall is not None
        return self._status(self._hall.seat(seat_id))

    @property
    def selected_ids(self) -> tuple[int, ...]:
        """The seats this terminal holds (MINE), in plan order."""
        return tuple(
            seat.id for row in self._rows for seat in row if self._statuses.get(seat.id) == SeatStatus.MINE
        )

    # -- cursor ----------------------------------------------------------------------------------------------

    @property
    def cursor_seat(self) -> HallSeat | None:
        """The seat under the cursor, or None before a hall with seats is set."""
        if not self._rows:
            return None
        row, index = self.cursor
        return self._rows[row][index]

    def move_cursor_to(self, seat_id: int) -> None:
        """Put the cursor on a seat of the hall (KeyError for a seat not in it)."""
        self.cursor = self._place[seat_id]
        self._goal_col = self._rows[self.cursor[0]][self.cursor[1]].grid_col

    def validate_cursor(self, cursor: tuple[int, int]) -> tuple[int, int]:
        """Clamp to a seat that exists."""
        if not self._rows:
            return (0, 0)
        row = min(max(cursor[0], 0), len(self._rows) - 1)
        return (row, min(max(cursor[1], 0), len(self._rows[row]) - 1))

    def watch_cursor(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        """Repaint the old and new cells only, keep the new one in view, tell the screen."""
        seat = self.cursor_seat
        if seat is None:
            return
        view = self.scrollable_content_region
        self._show_cursor(view.size)
        cells = [self._cell_region(seat, view.width)]
        if self._valid(old):
            cells.append(self._cell_region(self._rows[old[0]][old[1]], view.width))
        self.refresh(*cells)
        self.post_message(self.CursorMoved(self, seat))

    def _show_cursor(self, view: Size | None = None) -> None:
        """Scroll just enough that the cursor's cell, and the row labels beside it, are in view."""
        if (seat := self.cursor_seat) is None or not self.is_mounted:
            return
        width, height = view or self.scrollable_content_region.size
        target = self._scroll_target(seat, width)
        scroll_x, scroll_y = self.scroll_offset
        if not Region(
            scroll_x + self._left, scroll_y, width - self._left - self._right, height
        ).contains_region(target):
            spacing = Spacing(0, self._right, 0, self._left)
            self.scroll_to_region(target, spacing=spacing, animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        """Keep the cursor in view when the terminal or the layout changes size."""
        self._show_cursor()

    def _valid(self, place: tuple[int, int]) -> bool:
        return 0 <= place[0] < len(self._rows) and 0 <= place[1] < len(self._rows[place[0]])

    def _nearest(self, row: int) -> int:
        """The index of the seat of ``row`` nearest the goal column (the left one on a tie)."""
        seats = self._rows[row]
        return min(
            range(len(seats)), key=lambda i: (abs(seats[i].grid_col - self._goal_col), seats[i].grid_col)
        )

    def _move_vertically(self, row: int) -> None:
        if self._rows:
            row = min(max(row, 0), len(self._rows) - 1)
            self.cursor = (row, self._nearest(row))

    def _move_in_row(self, index: int) -> None:
        self.cursor = (self.cursor[0], index)
        if (seat := self.cursor_seat) is not None:
            self._goal_col = seat.grid_col

    # -- actions ---------------------------------------------------------------------------------------------

    def action_cursor_left(self) -> None:
        """The nearest seat to the left, across aisles and gaps."""
        self._move_in_row(self.cursor[1] - 1)

    def action_cursor_right(self) -> None:
        """The nearest seat to the right, across aisles and gaps."""
        self._move_in_row(self.cursor[1] + 1)

    def action_cursor_up(self) -> None:
        """The row above, as near the column as it has a seat."""
        self._move_vertically(self.cursor[0] - 1)

    def action_cursor_down(self) -> None:
        """The row below, as near the column as it has a seat."""
        self._move_vertically(self.cursor[0] + 1)

    def action_row_start(self) -> None:
        """The first seat of the row."""
        self._move_in_row(0)

    def action_row_end(self) -> None:
        """The last seat of the row."""
        self._move_in_row(len(self._rows[self.cursor[0]]) - 1 if self._rows else 0)

    def action_page_up(self) -> None:
        """A page of rows up."""
        self._move_vertically(self.cursor[0] - self._page_rows)

    def action_page_down(self) -> None:
        """A page of rows down."""
        self._move_vertically(self.cursor[0] + self._page_rows)

    def action_jump_row(self, label: str) -> None:
        """The row with this letter, keeping the column; nothing if there is none."""
        if (row := self._row_named.get(label.upper())) is not None:
            self._move_vertically(row)

    def action_toggle_seat(self) -> None:
        """Ask the screen to hold or release the seat under the cursor."""
        if (seat := self.cursor_seat) is not None:
            self.post_message(self.SeatToggled(self, seat.id))

    def action_best(self, count: int) -> None:
        """Ask the screen for the best ``count`` available seats."""
        self.post_message(self.BestRequested(self, count))

    def on_click(self, event: events.Click) -> None:
        """A click on a seat moves the cursor there and toggles it."""
        offset = event.get_content_offset(self)
        seat = None if offset is None else self._seat_at(offset.x, offset.y)
        if seat is not None:
            event.stop()
            self.move_cursor_to(seat.id)
            self.post_message(self.SeatToggled(self, seat.id))

    # -- geometry --------------------------------------------------------------------------------------------

    @property
    def _left(self) -> int:
        return self._label_width + self._gap_left

    @property
    def _right(self) -> int:
        return self._gap_right + self._label_width

    @property
    def _top(self) -> int:
        return _SCREEN_LINES if self._hall is None or self._hall.screen_side != "bottom" else 0

    @property
    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height // self._row_height - 1)

    def _line_of(self, seat: HallSeat) -> int:
        return self._top + seat.grid_row * self._row_height

    def _x_of(self, seat: HallSeat) -> int:
        return self._left + seat.grid_col * self.cell_width

    def _centre_pad(self, width: int) -> int:
        """Blank cells left of the map when it is narrower than the view (then it never scrolls sideways)."""
        return max(0, (width - self.virtual_size.width) // 2)

    def cell_region(self, seat_id: int) -> Region:
        """Where a seat's cell is in the widget's content area right now (for clicks and tests)."""
        assert self._hall is not None
        return self._cell_region(self._hall.seat(seat_id), self.scrollable_content_region.width)

    def _cell_region(self, seat: HallSeat, width: int) -> Region:
        scroll_x, scroll_y = self.scroll_offset
        x = self._x_of(seat) + self._centre_pad(width) - scroll_x
        return Region(x, self._line_of(seat) - scroll_y, self.cell_width, 1)

    def _scroll_target(self, seat: HallSeat, width: int) -> Region:
        """The cursor's cell in virtual space, stretched to the map's edge at the ends of rows and columns
        when that still fits the view (so the screen bar and a row's leading gaps come into view too)."""
        row, index = self.cursor
        x, line = self._x_of(seat), self._line_of(seat)
        top = 0 if row == 0 else line
        bottom = self.virtual_size.height if row == len(self._rows) - 1 else line + self._row_height
        left = self._left if index == 0 else x
        right = (
            self.virtual_size.width - self._right
            if index == len(self._rows[row]) - 1
            else x + self.cell_width
        )
        if right - left > width - self._left - self._right:
            left, right = x, x + self.cell_width
        return Region(left, top, right - left, bottom - top)

    def _seat_at(self, x: int, y: int) -> HallSeat | None:
        """The seat drawn at a content-area offset (row labels and blanks: None)."""
        if self._hall is None:
            return None
        scroll_x, scroll_y = self.scroll_offset
        width, virtual = self.scrollable_content_region.width, self.virtual_size.width
        if virtual <= width:
            x -= self._centre_pad(width)
        elif x < self._left or x >= width - self._right:
            return None
        else:
            x += scroll_x
        grid_row, _ = divmod(y + scroll_y - self._top, self._row_height)
        if x < self._left or y + scroll_y < self._top:
            return None
        return self._cells.get((grid_row, (x - self._left) // self.cell_width))

    # -- drawing ---------------------------------------------------------------------------------------------
    # Lines are built without the cursor and cached until a seat on them changes status; the cursor is laid
    # over its line when that line is rendered, so a move re-renders two lines from the cache, building none.

    def notify_style_update(self) -> None:
        """Styles changed (theme, CSS): forget cached styles and lines."""
        super().notify_style_update()
        self._looks.clear()
        self._lines.clear()
        self._base_style = None
        self.refresh()

    def _status(self, seat: HallSeat, statuses: Mapping[int, SeatStatus] | None = None) -> SeatStatus:
        return (self._statuses if statuses is None else statuses).get(seat.id) or default_status(seat)

    def _base(self) -> Style:
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def _look(self, kind: str, status: SeatStatus, cursor: bool) -> tuple[int, str, Style]:
        """How a seat of a kind in a status is drawn: blanks before it in its cell, its text, its style."""
        key = (kind, status, cursor)
        if (look := self._looks.get(key)) is None:
            glyphs, width = self.glyphs, self.cell_width
            kind_class = _KIND_CLASS.get(kind) if status == SeatStatus.FREE else None
            name = _STATE_GLYPH.get(status) or (kind_class if kind_class in FREE_LOOKS[1:4] else "free")
            glyph = getattr(glyphs, name)
            lead, text = 0, (" " * self._pad + glyph).ljust(max(1, width - 1))
            if width > 1 and kind == "couple-left":
                lead, text = width - 2, glyphs.couple_left + glyph
            elif width > 1 and kind == "couple-right":
                text = glyph + glyphs.couple_right
            style = self.get_component_rich_style(f"seat-map--{status.value}")
            if kind_class is not None:
                style += self.get_component_rich_style(f"seat-map--{kind_class}", partial=True)
            if cursor:
                style += self.get_component_rich_style("seat-map--cursor", partial=True)
            look = self._looks[key] = (lead, text, style)
        return look

    def _build_line(self, line: int) -> Strip:
        """One line of the whole map (virtual width), without the cursor.

        Blanks after a seat take its style when that looks the same (same background, no reverse or
        underline), so a run of free seats becomes one segment: every later step (Textual's line filters,
        cropping) costs per segment.
        """
        assert self._hall is not None
        width, base = self.virtual_size.width, self._base()
        grid_row, sub = divmod(line - self._top, self._row_height)
        row_index = self._row_at.get(grid_row) if line >= self._top and sub == 0 else None
        if row_index is None:
            bar_line = 0 if self._top else self._hall.grid_rows * self._row_height + 1
            return self._screen_bar(width, base) if line == bar_line else Strip.blank(width, base)
        row = self._rows[row_index]
        label_style = self.get_component_rich_style("seat-map--row-label")
        label, label_width, left, cell = row[0].row_label, self._label_width, self._left, self.cell_width
        segments = [Segment(label.rjust(label_width), label_style)]
        x, statuses, blank_style = label_width, self._statuses, base
        for seat in row:
            lead, text, style = self._look(seat.kind, statuses.get(seat.id) or default_status(seat), False)
            start = left + seat.grid_col * cell + lead
            if start > x:
                segments.append(Segment(" " * (start - x), blank_style))
            segments.append(Segment(text, style))
            blank_style = style if self._blank_like(style, base) else base
            x = start + len(text)  # every glyph is one cell (SeatGlyphs checks)
        segments.append(Segment(" " * (width - label_width - x), blank_style))
        segments.append(Segment(label.ljust(label_width), label_style))
        return Strip(Segment.simplify(segments), width)

    @staticmethod
    def _blank_like(style: Style, base: Style) -> bool:
        """Whether a blank in ``style`` looks like one in ``base``."""
        return style.bgcolor == base.bgcolor and not (style.reverse or style.underline or style.strike)

    def _screen_bar(self, width: int, base: Style) -> Strip:
        """The screen's side: the label centred on a bar as wide as the seats."""
        assert self._hall is not None
        last_gap = 1 if self.cell_width > 1 else 0
        seats = self._hall.grid_cols * self.cell_width - last_gap
        label_width = cell_len(self.screen_label)
        bar = max(seats, label_width + 2)
        start = max(0, self._left + (seats - bar) // 2)
        bar = min(bar, width - start)
        before = max(0, (bar - label_width) // 2)
        text = " " * before + self.screen_label + " " * max(0, bar - before - label_width)
        return Strip(
            [
                Segment(" " * start, base),
                Segment(text, self.get_component_rich_style("seat-map--screen")),
                Segment(" " * (width - start - cell_len(text)), base),
            ],
        ).crop(0, width)

    def _line(self, line: int) -> Strip:
        """A line of the whole map, with the cursor if it is on it."""
        if (strip := self._lines.get(line)) is None:
            strip = self._build_line(line) if self._hall is not None else Strip.blank(self.virtual_size.width)
            self._lines[line] = strip
        seat = self.cursor_seat
        if seat is None or self._line_of(seat) != line:
            return strip
        lead, text, style = self._look(seat.kind, self._status(seat), True)
        x = self._x_of(seat) + lead
        return Strip.join(
            [strip.crop(0, x), Strip([Segment(text, style)], len(text)), strip.crop(x + len(text))]
        )

    def render_line(self, y: int) -> Strip:
        """A line of the widget: the map's line centred, or scrolled with row labels kept at the edges."""
        scroll_x, scroll_y = self.scroll_offset
        width, virtual = self.scrollable_content_region.width, self.virtual_size.width
        strip = self._line(y + scroll_y)
        if virtual <= width:
            pad = (width - virtual) // 2
            return strip.crop_pad(virtual, pad, width - virtual - pad, self._base())
        if width <= self._left + self._right:
            return strip.crop(scroll_x, scroll_x + width)
        return Strip.join(
            [
                strip.crop(0, self._left),
                strip.crop(self._left + scroll_x, scroll_x + width - self._right),
                strip.crop(virtual - self._right, virtual),
            ]
        )
