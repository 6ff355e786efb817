"""The counter's view of every terminal of the site: which kiosk sells, which is out of order, which went quiet.

Each terminal writes a heartbeat every ten seconds (:mod:`boxoffice.terminals`). A cashier asked "the kiosk
doesn't work" opens this list (F11 from the showtimes) and sees for each terminal when it was last seen ("12 s
ago"), its ticket printer, and whether it is in service, with the reason code a kiosk shows its customers. A
terminal not seen for more than a minute is shown as offline (it crashed, lost power or its network), with what
it said last dimmed. Kiosks come first. The list is read again every :data:`REFRESH_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.staff import StaffMember
from boxoffice.terminals import OFFLINE_AFTER_SECONDS, TerminalState, terminal_states
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter

REFRESH_SECONDS = 2.0
"""How often the list is read again."""

COLUMNS = ("name", "mode", "seen", "printer", "service", "version")
"""Column keys in order; each has a ``terminals.col_<key>`` heading."""

PRINTER_STYLES = {"ok": "green", "near_end": "bold yellow", "paper_out": "bold red", "cover_open": "bold red",
                  "offline": "bold red", "unknown": "dim", "none": "dim"}


def seen_ago(seconds: int | None, t: Callable[..., str]) -> str:
    """``12 s ago``, ``5 min ago``, ``3 h ago``, ``2 d ago`` or ``never``, in the language of ``t``."""
    if seconds is None:
        return t("terminals.never")
    for limit, unit, key in ((60, 1, "seconds_ago"), (3600, 60, "minutes_ago"), (86400, 3600, "hours_ago")):
        if seconds < limit:
            return t(f"terminals.{key}", n=seconds // unit)
    return t("terminals.days_ago", n=seconds // 86400)


class TerminalsScreen(BoxOfficeScreen[None]):
    """Every terminal's last heartbeat: last seen, ticket printer, in or out of service, version."""

    CSS_PATH = "../styles/service.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "key.back")]
    """Escape goes back to the showtimes."""

    def __init__(self, staff: StaffMember) -> None:
        """Create the screen for the signed-in staff member (anyone at the counter may look)."""
        super().__init__()
        self.staff = staff
        self._states: list[TerminalState] = []
        self._problem: str | None = None

    def compose(self) -> ComposeResult:
        """Title, the table, a note on what offline means, the keys."""
        yield Static(id="terminals-title")
        yield DataTable(id="terminals-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="terminals-note")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Read the heartbeats now and every few seconds."""
        self.query_one("#terminals-table", DataTable).focus()
        self._refresh()
        self.set_interval(REFRESH_SECONDS, self._refresh)

    def action_back(self) -> None:
        """Back to the showtimes."""
        self.dismiss(None)

    def _refresh(self) -> None:
        box = self.box
        try:
            self._states = run_intent(box.engine, lambda session: terminal_states(session, now=box.now()),
                                      write=False, name="terminal states")
            self._problem = None
        except BoxOfficeError as error:
            self._problem = error.code
        self._draw()

    def apply_language(self) -> None:
        """Every text in the current language."""
        self._draw()

    def _draw(self) -> None:
        title = Text(self.t("terminals.title"), style="bold")
        title.append("   " + self.t("terminals.refresh", seconds=int(REFRESH_SECONDS)), style="dim")
        if self._problem is not None:
            title.append("   " + self.box.translator.error(self._problem), style="bold red")
        self.query_one("#terminals-title", Static).update(title)
        self.query_one("#terminals-note", Static).update(
            self.t("terminals.note", seconds=OFFLINE_AFTER_SECONDS, here=self.box.config.terminal.id))
        table = self.query_one("#terminals-table", DataTable)
        keep = table.cursor_row
        rows = [self._cells(state) for state in self._states]
        table.clear(columns=True)
        for index, key in enumerate(COLUMNS):
            heading = Text(self.t(f"terminals.col_{key}"))
            table.add_column(heading, key=key, width=max([heading.cell_len, *(row[index].cell_len for row in rows)]))
        for state, row in zip(self._states, rows, strict=True):
            table.add_row(*row, key=state.id)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1), animate=False)

    def _cells(self, state: TerminalState) -> list[Text]:
        stale = "dim" if not state.online else ""
        name = Text(state.name, style="bold")
        name.append(f" {state.id}", style="dim")
        seen = Text(seen_ago(state.seconds_ago, self.t))
        if not state.online:
            seen = Text(self.t("terminals.offline") + " · ", style="bold red") + Text(seen.plain, style="dim")
        printer = Text(self.t(f"terminals.printer_{state.printer_state}"),
                       style=stale or PRINTER_STYLES.get(state.printer_state, ""))
        if state.in_service:
            service = Text(self.t("terminals.in_service"), style=stale or "green")
        else:
            reason = state.service_reason or "taken_out_of_service"
            service = Text(self.t("terminals.out_of_service"), style=stale or "bold red")
            service.append(f" {reason}", style="dim")
        return [name, Text(self.t(f"terminals.mode_{state.mode}")), seen, printer, service,
                Text(state.version or "-", style="dim")]
