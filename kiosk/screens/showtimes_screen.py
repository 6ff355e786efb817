"""The counter's home: the day's showtimes, with free seats, for the signed-in cashier.

A cashier's first question from a customer is "what's on, and are there seats?", so this list is built for
answering it from the keyboard: the cursor starts on the next showtime that has not started, ``[``/``]`` (or
left/right) move by day, ``t`` comes back to today, the film and format filters are a Tab away, and Enter
opens the showtime. Seat counts refresh every few seconds because other terminals and kiosks sell at the same
time.

Opening a showtime is announced with :class:`ShowtimesScreen.ShowtimeChosen`; the app decides what comes next
(the seat map), so this screen knows nothing about selling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Label, Select, Static
from textual.widgets.data_table import CellDoesNotExist

from boxoffice.errors import BoxOfficeError
from boxoffice.holds import release_terminal_holds
from boxoffice.print_queue import jobs_needing_attention
from boxoffice.showtimes import ShowtimeRow, list_showtimes
from boxoffice.staff import StaffMember, sign_out
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.screens.sign_in_screen import SignInScreen
from kiosk.widgets import ShowtimeTable, TranslatedFooter

REFRESH_SECONDS = 5.0
"""How often seat counts are read again."""

COLUMNS = {"time": 5, "film": 24, "hall": 8, "format": 6, "seats": 7, "status": 9}
"""Column keys of the table in order, with minimum widths (so columns do not jump with the content); each key
has a ``showtimes.<key>`` heading."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

STATUS_STYLES = {"on_sale": "", "sold_out": "bold red", "started": "dim", "cancelled": "dim strike"}
"""How a row looks in each state (started and cancelled rows are dimmed as a whole)."""


def showtime_state(row: ShowtimeRow, now: datetime) -> str:
    """What a cashier needs to know first about a showtime: cancelled, started, sold_out or on_sale."""
    if row.status == "cancelled":
        return "cancelled"
    if row.starts_at <= now:
        return "started"
    if row.sold_out:
        return "sold_out"
    return "on_sale"


class ShowtimesScreen(BoxOfficeScreen[None]):
    """The list of a day's showtimes, filtered by film and format, for one signed-in staff member."""

    BINDINGS = [
        Binding("f4", "pickup", "key.pickup"),
        Binding("f9", "refund", "key.refund"),
        Binding("f10", "exchange", "key.exchange"),
        Binding("f7", "print_queue", "key.print_queue"),
        Binding("f6", "cancel_showtime", "key.cancel_showtime", show=False),  # rare; the README names it
        Binding("f8", "printers", "key.printers"),
        Binding("f11", "terminals", "key.terminals"),
        Binding("f3", "switch_staff", "key.switch_staff"),
        Binding("ctrl+o", "sign_out", "key.sign_out"),
        # Day keys are named beside the day itself (``‹ [ 12-04 周五 ] ›``), not in the footer, which a full
        # counter needs for its F-keys.
        Binding("left_square_bracket", "previous_day", show=False),
        Binding("right_square_bracket", "next_day", show=False),
        Binding("left", "previous_day", show=False, priority=True),
        Binding("right", "next_day", show=False, priority=True),
        Binding("t", "today", show=False),
    ]
    """Days, filters and staff are all on the keyboard; Enter on a row is the table's (see ShowtimeTable). F8
    opens the printers screen for those whose role may manage printers (hidden for others); F7 the print queue for
    those who sell."""

    @dataclass
    class ShowtimeChosen(Message):
        """The cashier opened a showtime (Enter on its row, or a click on the highlighted row)."""

        showtime_id: int
        """The chosen showtime."""

    def __init__(self, staff: StaffMember) -> None:
        """Create the list for a signed-in staff member; it opens on today's date."""
        super().__init__()
        self.staff = staff
        self.day: date | None = None
        """The local day shown (set on mount from the app's clock)."""
        self.film_id: int | None = None
        """Only this film, or None for all."""
        self.format: str | None = None
        """Only this format, or None for all."""
        self._rows: list[ShowtimeRow] = []
        self._now: datetime | None = None
        self._refresh_failed = False
        self._print_attention = 0
        """This terminal's print jobs needing attention (shown in the header when there are any)."""

    def compose(self) -> ComposeResult:
        """Header, filter bar, the table, and the keys."""
        with Horizontal(id="showtimes-header"):
            yield Static(id="header-site")
            indicator = Static(id="header-print")
            indicator.styles.width = "auto"
            indicator.styles.margin = (0, 3, 0, 0)
            yield indicator
            yield Static(id="header-staff")
            yield Static(id="header-clock")
        with Horizontal(id="showtimes-filters"):
            yield Static(id="showtimes-title")
            yield Static(id="showtimes-day")
            yield Label(id="film-label", classes="filter-label")
            yield Select[int]([], id="film-filter", type_to_search=True)
            yield Label(id="format-label", classes="filter-label")
            yield Select[str]([], id="format-filter")
        yield ShowtimeTable(id="showtimes-table")
        yield Static(id="showtimes-empty")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Show today, focus the list, and keep its seat counts fresh."""
        self.day = self._today()
        self._load()
        self.query_one(ShowtimeTable).focus()
        self.set_interval(REFRESH_SECONDS, self._refresh)
        self.watch(self.app, "print_generation", self._count_print_attention, init=True)

    # -- keys ------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Day keys leave an open drop-down alone; F8 only for roles that manage printers."""
        if action == "printers":
            return self.staff.can("printers")
        if action == "exchange":
            return self.staff.can("sell")
        if action in ("print_queue", "refund"):
            return self.staff.can("sell")
        if action == "terminals":  # supervisors' and technicians' key: the cashier's footer stays short
            return self.staff.can("override") or self.staff.can("kiosk_service")
        if action in ("previous_day", "next_day", "today"):
            return not any(select.expanded for select in self.query(Select))
        return True

    def action_previous_day(self) -> None:
        """Show the day before."""
        self._show_day(self._day() - timedelta(days=1))

    def action_next_day(self) -> None:
        """Show the day after."""
        self._show_day(self._day() + timedelta(days=1))

    def action_today(self) -> None:
        """Come back to today."""
        self._show_day(self._today())

    def action_printers(self) -> None:
        """The printers screen, over this list (Escape comes back)."""
        from kiosk.screens.printers_screen import PrintersScreen

        self.app.push_screen(PrintersScreen(self.staff))

    def action_terminals(self) -> None:
        """Every terminal's heartbeat (kiosks in or out of service), over this list (Escape comes back)."""
        from kiosk.screens.terminals_screen import TerminalsScreen

        self.app.push_screen(TerminalsScreen(self.staff))

    def action_cancel_showtime(self) -> None:
        """Cancel the highlighted showtime (a supervisor's PIN and reason), or list a cancelled one's customers."""
        from kiosk.screens.cancel_showtime_screen import CancelShowtimeScreen

        table = self.query_one(ShowtimeTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            self.app.push_screen(CancelShowtimeScreen(self.staff, int(key)), callback=lambda _: self._refresh())

    def action_exchange(self) -> None:
        """Exchange tickets of an order for another showtime, seats or types, over this list (Escape comes back)."""
        from kiosk.screens.exchange_screen import ExchangeScreen

        self.app.push_screen(ExchangeScreen(self.staff))

    def action_pickup(self) -> None:
        """Collect tickets booked online (QR scan or pickup code), over this list (Escape comes back)."""
        from kiosk.screens.pickup_screen import PickupScreen

        self.app.push_screen(PickupScreen(self.staff))

    def action_refund(self) -> None:
        """Refund tickets of an order, over this list (Escape comes back)."""
        from kiosk.screens.refund_screen import RefundScreen

        self.app.push_screen(RefundScreen(self.staff))

    def action_print_queue(self) -> None:
        """The print queue, over this list (Escape comes back)."""
        from kiosk.screens.print_queue_screen import PrintQueueScreen

        self.app.push_screen(PrintQueueScreen(self.staff), callback=lambda _: self._count_print_attention())

    def _count_print_attention(self) -> None:
        """Count this terminal's print jobs needing attention (on every print event and with the seat counts)."""
        box = self.box
        try:
            self._print_attention = len(run_intent(box.engine, lambda session: jobs_needing_attention(
                session, now=box.now(), terminal_id=box.config.terminal.id), write=False, name="print attention"))
        except BoxOfficeError:
            return  # the seat counts say the store is unavailable
        self._render_print_indicator()

    def _render_print_indicator(self) -> None:
        count = self._print_attention
        self.query_one("#header-print", Static).update(
            Text(self.t("print_queue.indicator", count=count), style="bold yellow") if count else "")

    def action_sign_out(self) -> None:
        """Record the sign-out and go back to the sign-in screen (even if the record cannot be written)."""
        self._record_sign_out()
        self.app.switch_screen(SignInScreen())

    def action_switch_staff(self) -> None:
        """Let another person sign in over this screen; this list is replaced only if they do."""
        self.app.push_screen(SignInScreen(switching=True), callback=self._staff_switched)

    def _staff_switched(self, staff: StaffMember | None) -> None:
        if staff is None or staff.id == self.staff.id:
            return
        self._record_sign_out()
        self.app.switch_screen(ShowtimesScreen(staff))

    def _record_sign_out(self) -> None:
        box = self.box
        try:
            run_intent(
                box.engine,
                lambda session: (
                    release_terminal_holds(session, terminal_id=box.config.terminal.id, now=box.now(),
                                           reason="signout"),
                    sign_out(session, staff=self.staff, now=box.now(), terminal_id=box.config.terminal.id),
                ),
                name="sign-out",
            )
        except BoxOfficeError as error:
            box.show_error(error)

    @on(DataTable.RowSelected, "#showtimes-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row (or a click on the highlighted row) opens that showtime."""
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.ShowtimeChosen(int(event.row_key.value)))

    @on(Select.Changed, "#film-filter")
    def _film_changed(self, event: Select.Changed) -> None:
        self.film_id = event.value if isinstance(event.value, int) else None
        self._filtered()

    @on(Select.Changed, "#format-filter")
    def _format_changed(self, event: Select.Changed) -> None:
        self.format = event.value if isinstance(event.value, str) else None
        self._filtered()

    def _filtered(self) -> None:
        """A person changed a filter: show the result and put them back on the list to pick a showtime."""
        self._render_table()
        self.query_one(ShowtimeTable).focus()

    # -- data ------------------------------------------------------------------------------------------------

    def _today(self) -> date:
        return self.box.now().astimezone(self.box.config.site.zone).date()

    def _day(self) -> date:
        return self.day if self.day is not None else self._today()

    def _show_day(self, day: date) -> None:
        if day == self.day:
            return
        self.day = day
        self._load()

    def _fetch(self) -> list[ShowtimeRow]:
        """All showtimes of the shown day, unfiltered (filters are applied on screen, no new query)."""
        box, day, now = self.box, self._day(), self.box.now()
        zone = box.config.site.zone
        rows = run_intent(
            box.engine,
            lambda session: list_showtimes(session, day=day, zone=zone, now=now),
            write=False,
            name="list showtimes",
        )
        self._now = now
        return rows

    def _load(self) -> None:
        """Read the day again and redraw everything that depends on it."""
        try:
            self._rows = self._fetch()
        except BoxOfficeError as error:
            self._rows = []
            self.box.show_error(error)
        self._render_header()
        self._render_filters()
        self._render_table()

    def _refresh(self) -> None:
        """Timer: read seat counts again; update cells in place when the same showtimes are shown."""
        try:
            rows = self._fetch()
        except BoxOfficeError as error:
            if not self._refresh_failed:
                self.box.show_error(error)
            self._refresh_failed = True
            return
        self._refresh_failed = False
        self._count_print_attention()
        shown_before = [row.id for row in self._visible()]
        self._rows = rows
        self._render_header()
        visible = self._visible()
        if [row.id for row in visible] != shown_before:
            self._render_filters()
            self._render_table()
            return
        table = self.query_one(ShowtimeTable)
        updates = [(str(row.id), self._cells(row)[4:]) for row in visible]
        widths = (table.columns["seats"].width, table.columns["status"].width)  # type: ignore[index]
        too_wide = any(
            cell.cell_len > width for _, cells in updates for cell, width in zip(cells, widths, strict=True)
        )
        if too_wide:
            self._render_table()
            return
        for key, (seats, status) in updates:
            table.update_cell(key, "seats", seats)
            table.update_cell(key, "status", status)

    def _visible(self) -> list[ShowtimeRow]:
        return [
            row
            for row in self._rows
            if (self.film_id is None or row.film_id == self.film_id)
            and (self.format is None or row.format == self.format)
        ]

    # -- drawing ---------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Redraw every text in the current language, keeping the day, filters and cursor."""
        self.query_one("#film-label", Label).update(self.t("showtimes.film"))
        self.query_one("#format-label", Label).update(self.t("showtimes.format"))
        for select in self.query(Select):
            select.prompt = self.t("showtimes.all")
        if self.day is not None:
            self._render_header()
            self._render_filters()
            self._render_table()

    def _day_label(self, day: date) -> str:
        weekday = self.t(f"weekday.{WEEKDAYS[day.weekday()]}")
        return self.t("showtimes.day_label", date=day.isoformat(), weekday=weekday)

    def _render_header(self) -> None:
        box = self.box
        site = box.config.site
        name = site.name_zh if box.language == "zh" else site.name_en
        self.query_one("#header-site", Static).update(f"{name} · {box.config.terminal.name}")
        role = self.t(f"role.{self.staff.role}")
        self.query_one("#header-staff", Static).update(
            self.t("showtimes.signed_in_as", name=self.staff.name, role=role)
        )
        now = (self._now or box.now()).astimezone(site.zone)
        self.query_one("#header-clock", Static).update(f"{self._day_label(now.date())} {now:%H:%M}")
        day = self._day()
        title = self.t("showtimes.title") if day == self._today() else self.t("showtimes.title_other")
        self.query_one("#showtimes-title", Static).update(title)
        self.query_one("#showtimes-day", Static).update(
            Text.assemble(f"‹ {self._day_label(day)} ›\n", (self.t("showtimes.day_keys"), "dim")))
        self._render_print_indicator()

    def _render_filters(self) -> None:
        """Offer the films (in order of their first showtime) and formats of the shown day; keep a choice that
        still exists."""
        zh = self.box.language == "zh"
        films: dict[int, str] = {}
        for row in self._rows:
            films.setdefault(row.film_id, row.title_zh if zh else (row.title_en or row.title_zh))
        formats = sorted({row.format for row in self._rows})
        if self.film_id not in films:
            self.film_id = None
        if self.format not in formats:
            self.format = None
        film_select = self.query_one("#film-filter", Select)
        format_select = self.query_one("#format-filter", Select)
        with self.prevent(Select.Changed):
            film_select.set_options((title, film) for film, title in films.items())
            format_select.set_options([(name, name) for name in formats])
            if self.film_id is not None:
                film_select.value = self.film_id
            if self.format is not None:
                format_select.value = self.format

    def _cells(self, row: ShowtimeRow) -> list[Text]:
        box = self.box
        zh = box.language == "zh"
        state = showtime_state(row, self._now or box.now())
        dim = "dim" if state in ("started", "cancelled") else ""
        values = [
            row.starts_at.astimezone(box.config.site.zone).strftime("%H:%M"),
            row.title_zh if zh else (row.title_en or row.title_zh),
            row.auditorium if zh else (row.auditorium_en or row.auditorium),
            row.format,
        ]
        cells = [Text(value, style=dim) for value in values]
        cells.append(Text(f"{row.seats_free}/{row.seats_total}", style=dim, justify="right"))
        cells.append(Text(self.t(f"showtimes.{state}"), style=STATUS_STYLES[state]))
        return cells

    def _render_table(self) -> None:
        """Rebuild the table, keeping the cursor on the same showtime when it is still listed."""
        table = self.query_one(ShowtimeTable)
        keep = self._cursor_showtime_id()
        visible = self._visible()
        cells = [self._cells(row) for row in visible]
        table.clear(columns=True)
        for index, (key, minimum) in enumerate(COLUMNS.items()):
            heading = Text(self.t(f"showtimes.{key}"), justify="right" if key == "seats" else "left")
            width = max([minimum, heading.cell_len, *(row[index].cell_len for row in cells)])
            table.add_column(heading, key=key, width=width)
        for row, row_cells in zip(visible, cells, strict=True):
            table.add_row(*row_cells, key=str(row.id))
        self.query_one("#showtimes-empty", Static).update(self.t("showtimes.empty"))
        self.set_class(not visible, "-empty")
        if not visible:
            return
        ids = [row.id for row in visible]
        target = keep if keep in ids else self._default_showtime(visible)
        table.move_cursor(row=ids.index(target), animate=False)

    def _default_showtime(self, rows: list[ShowtimeRow]) -> int:
        """The next showtime that has not started (and is not cancelled), else the first one."""
        now = self._now or self.box.now()
        for row in rows:
            if showtime_state(row, now) in ("on_sale", "sold_out"):
                return row.id
        return rows[0].id

    def _cursor_showtime_id(self) -> int | None:
        table = self.query_one(ShowtimeTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return int(key.value) if key.value is not None else None
