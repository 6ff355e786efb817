"""The usher's screen at the door: scan a ticket, read the answer from across the room.

One input always has the focus, so a keyboard-wedge scanner (which types the QR payload and Enter) works without
anyone touching the terminal. Each scan is answered in a large panel, by colour and by word in the usher's
language: green for a ticket let in (with its seat and ticket type, and a reminder to check the proof of a
concession ticket), amber for a ticket that is fine but not here or not now (already admitted at 19:02 at
Door 1, wrong hall, wrong showtime, too early, too late, or a scan to repeat), red for one that must not come in
(refunded, exchanged, forged). The store decides (:func:`boxoffice.door.admit`): a ticket is let in once, even
when two doors scan it at the same moment.

The usher may choose the showtime this door lets in (F4); otherwise any showtime of the door's halls
(``[door] auditoriums``) inside the entry window is let in. Admitted against sold is shown for the chosen
showtime, and for every showtime letting in now; both follow other doors through the store's cheap change check
(:class:`db.changes.ChangeWatcher`), and the list is read again every half minute as entry windows open and close.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from sqlmodel import Session
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from boxoffice.door import (
    AdmitResult,
    DoorShowtime,
    DoorWindow,
    admit,
    door_counts,
    door_showtimes,
    unknown_halls,
)
from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import catalog, local_time
from boxoffice.staff import StaffMember, sign_out
from db.changes import ChangeWatcher
from kiosk.dialogs.door_showtime_dialog import DoorShowtimeDialog, ShowtimeChoice
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.screens.sign_in_screen import SignInScreen
from kiosk.widgets import TranslatedFooter

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
"""How often the store is asked whether anything changed (another door admitted, a sale)."""
RELOAD_SECONDS = 30.0
"""How often the showtimes letting in are read again anyway (entry windows open and close with the clock)."""
RECENT_SCANS = 6
"""Scans listed under the answer panel."""

WARNINGS = {
    "door_already_admitted": "door.head_already",
    "door_wrong_hall": "door.head_wrong_hall",
    "door_wrong_showtime": "door.head_wrong_showtime",
    "door_too_early": "door.head_too_early",
    "door_too_late": "door.head_too_late",
    "token_malformed": "door.head_scan_again",
    "store_unavailable": "door.head_problem",
    "store_full": "door.head_problem",
    "store_read_only": "door.head_problem",
    "unexpected": "door.head_problem",
}
"""Refusals of a ticket that is not at fault (amber), with their headline; every other code is red."""
PROBLEMS = {"site_keys_missing": "door.head_problem"}
"""Red refusals with a headline of their own (the door itself cannot check tickets)."""


@dataclass(frozen=True)
class Scan:
    """One scan and what the store said."""

    seq: int
    at: datetime
    result: AdmitResult | None = None
    error: BoxOfficeError | None = None

    @property
    def look(self) -> str:
        """The panel's state class: ``-admitted``, ``-warning`` or ``-refused``."""
        if self.result is not None:
            return "-admitted"
        return "-warning" if self.error is not None and self.error.code in WARNINGS else "-refused"

    @property
    def headline_key(self) -> str:
        """The catalog key of the panel's big word."""
        if self.result is not None:
            return "door.head_admitted"
        code = self.error.code if self.error is not None else "unexpected"
        return WARNINGS.get(code) or PROBLEMS.get(code) or "door.head_refused"


class DoorScreen(BoxOfficeScreen[None]):
    """Scan input, the answer, the chosen showtime's counts, the showtimes letting in, the last scans."""

    CSS_PATH = "../styles/door.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f4", "choose_showtime", "key.door_showtime"),
        Binding("escape", "clear", "key.door_clear"),
        Binding("f3", "switch_staff", "key.switch_staff"),
        Binding("ctrl+o", "sign_out", "key.sign_out"),
    ]
    """Everything else is typed into the one input (by the scanner); F2 (language) and ctrl+q are the app's."""

    @dataclass
    class Scanned(Message):
        """The store answered a scan (posted from the worker thread)."""

        scan: Scan

    def __init__(self, staff: StaffMember, *, showtime: DoorShowtime | None = None) -> None:
        """Create the door screen for a signed-in staff member (any role may work the door).

        Args:
            staff: the usher.
            showtime: the showtime chosen before (kept across a staff switch), or None for any.
        """
        super().__init__()
        self.staff = staff
        self.chosen: DoorShowtime | None = showtime
        """The showtime this door lets in, with its counts; None: any showtime of the door's halls."""
        self.showtimes: list[DoorShowtime] = []
        """The showtimes letting in now, with their counts."""
        self.scans: list[Scan] = []
        """The latest scans, newest first."""
        self.shown: Scan | None = None
        """The scan in the answer panel: the latest one answered, until Escape clears it."""
        self._seq = 0
        self._shown_seq = 0
        self._watcher: ChangeWatcher | None = None
        self._unknown_halls: tuple[str, ...] = ()
        self._read_failed = False

    # -- layout ----------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header; showtime bar; the input; the answer; showtimes letting in beside the last scans; keys."""
        with Horizontal(id="door-header"):
            yield Static(id="door-site")
            yield Static(id="door-staff")
            yield Static(id="door-clock")
        with Horizontal(id="door-bar"):
            yield Static(id="door-showtime")
            yield Static(id="door-counts")
        yield Static(id="door-warning")
        yield Input(id="door-input", max_length=1000)
        with Vertical(id="door-result"):
            yield Static(id="door-headline")
            yield Static(id="door-detail")
            yield Static(id="door-stamp")
        with Horizontal(id="door-lower"):
            with Vertical(id="door-open-box"):
                yield Static(id="door-open-title", classes="door-title")
                yield DataTable(id="door-open", cursor_type="none", zebra_stripes=True)
            with Vertical(id="door-recent-box"):
                yield Static(id="door-recent-title", classes="door-title")
                yield Static(id="door-recent")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Focus the input, read the showtimes, and follow the store."""
        self.query_one("#door-open", DataTable).can_focus = False
        box = self.box
        halls = box.config.door.auditoriums
        if halls:
            try:
                self._unknown_halls = run_intent(box.engine, lambda session: unknown_halls(session, halls),
                                                 write=False, name="door halls")
            except BoxOfficeError as error:
                box.show_error(error)
        self._watcher = ChangeWatcher(box.engine)
        self._watcher.poll()
        self.reload()
        self._focus_input()
        self.set_interval(POLL_SECONDS, self._poll)
        self.set_interval(RELOAD_SECONDS, self.reload)

    def on_unmount(self) -> None:
        """Let the change watcher's connection go."""
        if self._watcher is not None:
            self._watcher.close()

    def on_screen_resume(self) -> None:
        """Back from a dialog: the scanner types into the input again."""
        self._focus_input()

    def on_click(self, event: events.Click) -> None:
        """A click anywhere keeps the input focused; on the showtime bar it opens the choice."""
        if event.widget is not None and event.widget.id in ("door-showtime", "door-counts", "door-bar"):
            self.action_choose_showtime()
        self._focus_input()

    def _focus_input(self) -> None:
        self.query_one("#door-input", Input).focus()

    # -- reading ---------------------------------------------------------------------------------------------

    @property
    def window(self) -> DoorWindow:
        """The entry window of ``[door]``."""
        door = self.box.config.door
        return DoorWindow.minutes(door.opens_minutes_before, door.closes_minutes_after_start)

    def _poll(self) -> None:
        """Read the counts again when anything was written (another door, a sale); tick the clock."""
        if self._watcher is not None and self._watcher.poll():
            self.reload()
        else:
            self._render_header()

    def reload(self) -> None:
        """Read the showtimes letting in now and the chosen showtime's counts, and redraw them."""
        box = self.box
        now, window, halls, chosen = box.now(), self.window, box.config.door.auditoriums, self.chosen

        def read(session: Session) -> tuple[list[DoorShowtime], DoorShowtime | None]:
            showtimes = door_showtimes(session, now=now, window=window, halls=halls)
            if chosen is None:
                return showtimes, None
            fresh = next((s for s in showtimes if s.id == chosen.id), None)
            if fresh is None:  # chosen earlier, no longer (or not yet) letting in: its counts still matter
                admitted, sold = door_counts(session, chosen.id)
                fresh = replace(chosen, admitted=admitted, sold=sold)
            return showtimes, fresh

        try:
            self.showtimes, self.chosen = run_intent(box.engine, read, write=False, name="door showtimes")
        except BoxOfficeError as error:
            if not self._read_failed:
                box.show_error(error)
            self._read_failed = True
            return
        self._read_failed = False
        self._render_header()
        self._render_bar()
        self._render_open()

    # -- scanning --------------------------------------------------------------------------------------------

    @on(Input.Submitted, "#door-input")
    def _submitted(self, event: Input.Submitted) -> None:
        """A scanner's Enter: clear the input at once (the next ticket may follow) and ask the store."""
        text = event.value
        event.input.value = ""
        if not text.strip():
            return
        self._seq += 1
        box = self.box
        now = box.now()
        if box.signing_key is None:
            self._show(Scan(self._seq, now, error=BoxOfficeError("site_keys_missing", "no signing key loaded")))
            return
        self._admit(Scan(self._seq, now), text, public_key=box.signing_key.public_key(),
                    terminal_id=box.config.terminal.id, window=self.window, halls=box.config.door.auditoriums,
                    showtime_id=self.chosen.id if self.chosen is not None else None)

    @work(thread=True, group="door-scan")
    def _admit(self, scan: Scan, text: str, **options: Any) -> None:
        """Ask the store in a worker thread (a write waits for the lock); everything it needs is passed in."""
        try:
            result = run_intent(self.box.engine, lambda session: admit(session, text=text, now=scan.at, **options),
                                name="door scan")
        except BoxOfficeError as error:
            self.post_message(self.Scanned(replace(scan, error=error)))
        else:
            log.info("ticket %s admitted at %s, seat %s", result.ticket_id, options["terminal_id"], result.seat_label)
            self.post_message(self.Scanned(replace(scan, result=result)))

    @on(Scanned)
    def _scanned(self, message: Scanned) -> None:
        self._show(message.scan)
        self.reload()

    def _show(self, scan: Scan) -> None:
        """Put a scan in the list; the panel shows it unless a later scan was answered first."""
        self.scans = sorted([scan, *self.scans], key=lambda s: s.seq, reverse=True)[:RECENT_SCANS]
        if scan.seq > self._shown_seq:
            self.shown, self._shown_seq = scan, scan.seq
        if scan.result is None:
            self.app.bell()
        self._render_result()
        self._render_recent()

    # -- keys ------------------------------------------------------------------------------------------------

    def action_choose_showtime(self) -> None:
        """Choose the showtime this door lets in (or any showtime of its halls)."""
        if isinstance(self.app.screen, DoorShowtimeDialog):
            return
        self.reload()
        current = self.chosen.id if self.chosen is not None else None
        self.app.push_screen(DoorShowtimeDialog(self.showtimes, current), callback=self._showtime_chosen)

    def _showtime_chosen(self, choice: ShowtimeChoice | None) -> None:
        if choice is not None:
            self.chosen = choice.showtime
            self.reload()
        self._focus_input()

    def action_clear(self) -> None:
        """Clear the input and the answer (the list of scans stays)."""
        self.query_one("#door-input", Input).value = ""
        self.shown = None
        self._render_result()

    def action_sign_out(self) -> None:
        """Record the sign-out and go back to the sign-in screen (even if the record cannot be written)."""
        self._record_sign_out()
        self.app.switch_screen(SignInScreen())

    def action_switch_staff(self) -> None:
        """Let another usher sign in over this screen; the chosen showtime stays."""
        self.app.push_screen(SignInScreen(switching=True), callback=self._staff_switched)

    def _staff_switched(self, staff: StaffMember | None) -> None:
        if staff is None or staff.id == self.staff.id:
            self._focus_input()
            return
        self._record_sign_out()
        self.app.switch_screen(DoorScreen(staff, showtime=self.chosen))

    def _record_sign_out(self) -> None:
        box = self.box
        try:
            run_intent(box.engine, lambda session: sign_out(
                session, staff=self.staff, now=box.now(), terminal_id=box.config.terminal.id), name="sign-out")
        except BoxOfficeError as error:
            box.show_error(error)

    # -- drawing ---------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language, keeping what is shown."""
        field = self.query_one("#door-input", Input)
        field.border_title = self.t("door.prompt")
        field.placeholder = self.t("door.placeholder")
        self.query_one("#door-recent-title", Static).update(Text(self.t("door.recent")))
        warning = self.query_one("#door-warning", Static)
        warning.update(Text(self.t("door.unknown_halls", halls=", ".join(self._unknown_halls))))
        warning.display = bool(self._unknown_halls)
        self._render_header()
        self._render_bar()
        self._render_open()
        self._render_result()
        self._render_recent()

    def _english(self) -> bool:
        return self.box.language == "en"

    def _when(self, moment: datetime) -> str:
        """``HH:MM`` today, ``MM-DD HH:MM`` another day (a ticket for tomorrow must not read as today)."""
        zone = self.box.config.site.zone
        local = moment.astimezone(zone)
        if local.date() == self.box.now().astimezone(zone).date():
            return local_time(moment, zone)
        return f"{local:%m-%d} {local_time(moment, zone)}"

    def _film(self, zh: str, en: str) -> str:
        return (en or zh) if self._english() else zh

    def _render_header(self) -> None:
        box = self.box
        site = box.config.site
        name = site.name_en if self._english() else site.name_zh
        self.query_one("#door-site", Static).update(
            Text(f"{name} · {box.config.terminal.name} · {self.t('door.title')}"))
        self.query_one("#door-staff", Static).update(
            Text(self.t("showtimes.signed_in_as", name=self.staff.name, role=self.t(f"role.{self.staff.role}"))))
        self.query_one("#door-clock", Static).update(Text(f"{box.now().astimezone(site.zone):%Y-%m-%d %H:%M}"))

    def _render_bar(self) -> None:
        showtime = self.chosen
        label = Text(f"{self.t('door.showtime')}  ", style="dim")
        if showtime is None:
            halls = ", ".join(self.box.config.door.auditoriums) or self.t("door.all_halls")
            label.append(self.t("door.any_showtime", halls=halls), style="bold")
            admitted = sum(s.admitted for s in self.showtimes)
            sold = sum(s.sold for s in self.showtimes)
            counts = self.t("door.counts", admitted=admitted, sold=sold)
        else:
            label.append(self._showtime_words(showtime) + f"  {showtime.format}", style="bold")
            counts = self.t("door.counts", admitted=showtime.admitted, sold=showtime.sold)
        label.append("  [F4]", style="dim")
        self.query_one("#door-showtime", Static).update(label)
        self.query_one("#door-counts", Static).update(Text(counts, style="bold"))

    def _showtime_words(self, showtime: DoorShowtime) -> str:
        return self.t("door.show_line", film=self._film(showtime.film_zh, showtime.film_en),
                      time=self._when(showtime.starts_at), hall=self._film(showtime.hall_zh, showtime.hall_en))

    def _render_open(self) -> None:
        title = self.t("door.now_admitting") if self.showtimes else self.t("door.none_admitting")
        self.query_one("#door-open-title", Static).update(Text(title))
        table = self.query_one("#door-open", DataTable)
        table.clear(columns=True)
        if not self.showtimes:
            return
        chosen = self.chosen.id if self.chosen is not None else None
        rows = [[("▶ " if s.id == chosen else "  ") + self._when(s.starts_at), self._film(s.film_zh, s.film_en),
                 self._film(s.hall_zh, s.hall_en), f"{s.admitted}/{s.sold}"] for s in self.showtimes]
        for index, key in enumerate(("time", "film", "hall", "counts")):
            heading = Text(self.t(f"door.col_{key}"), justify="right" if key == "counts" else "left")
            width = max([heading.cell_len, *(Text(row[index]).cell_len for row in rows)])
            table.add_column(heading, key=key, width=width)
        for showtime, row in zip(self.showtimes, rows, strict=True):
            style = "bold" if showtime.id == chosen else ""
            table.add_row(*(Text(cell, style=style, justify="right" if i == 3 else "left")
                            for i, cell in enumerate(row)), key=str(showtime.id))

    def _render_result(self) -> None:
        panel = self.query_one("#door-result", Vertical)
        scan = self.shown
        panel.set_classes("")
        if scan is None:
            panel.add_class("-idle")
            self.query_one("#door-headline", Static).update(Text(self.t("door.ready")))
            self.query_one("#door-detail", Static).update("")
            self.query_one("#door-stamp", Static).update("")
            return
        panel.add_class(scan.look)
        self.query_one("#door-headline", Static).update(Text(self.t(scan.headline_key)))
        self.query_one("#door-detail", Static).update(self._detail(scan))
        self.query_one("#door-stamp", Static).update(Text(
            self.t("door.scanned_at", time=scan.at.astimezone(self.box.config.site.zone).strftime("%H:%M:%S"))))

    def _detail(self, scan: Scan) -> Text:
        result = scan.result
        if result is not None:
            kind = self._film(result.ticket_type_zh, result.ticket_type_en)
            text = Text(self.t("door.seat_line", seat=result.seat_label, type=kind) + "\n", style="bold")
            text.append(self.t("door.show_line", film=self._film(result.film_zh, result.film_en),
                               time=self._when(result.starts_at), hall=self._film(result.hall_zh, result.hall_en)))
            if result.id_check:
                text.append("\n" + self.t("door.id_check", type=kind), style="bold")
            return text
        return Text(self.reason(scan.error), style="bold")

    def reason(self, error: BoxOfficeError | None) -> str:
        """Why a ticket was refused, in the usher's words (times in the site's zone, names in their language)."""
        if error is None:
            return ""
        usher = f"door.{error.code}"
        if usher in catalog(self.box.language):  # token refusals, said to an usher rather than to a customer
            return self.t(usher)
        params = error.params
        words: dict[str, object] = dict(params)
        if "film_zh" in params:
            words["film"] = self._film(params["film_zh"], params.get("film_en", ""))
            words["hall"] = self._film(params["hall_zh"], params.get("hall_en", ""))
            words["time"] = self._when(params["starts_at"])
        for key, moment in (("at", "admitted_at"), ("opens", "opens_at"), ("closed", "closed_at")):
            if isinstance(params.get(moment), datetime):
                words[key] = self._when(params[moment])
        return self.box.translator.error(error.code, **words)

    def _render_recent(self) -> None:
        widget = self.query_one("#door-recent", Static)
        scans = self.scans
        if not scans:
            widget.update(Text(self.t("door.recent_none"), style="dim"))
            return
        zone = self.box.config.site.zone
        styles = {"-admitted": "green", "-warning": "yellow", "-refused": "red"}
        text = Text()
        for index, scan in enumerate(scans):
            if index:
                text.append("\n")
            text.append(scan.at.astimezone(zone).strftime("%H:%M:%S") + "  ", style="dim")
            text.append(self.t(scan.headline_key).replace("  ", " "), style=f"bold {styles[scan.look]}")
            seat = scan.result.seat_label if scan.result is not None else (
                scan.error.params.get("seat", "") if scan.error is not None else "")
            if seat:
                text.append(f"  {seat}")
        widget.update(text)
