"""The technician's printer screen: every configured printer with its live status, test pages, previews,
settings and discovery.

A technician arrives at a printer that "doesn't print" and needs three answers fast: is it the one the terminal
thinks it is (connection and address), is it reachable and does it have paper (status, read again every few
seconds), and does a page come out right (test page, or its picture for ``preview`` printers). Everything that
can wait on a printer (status reads up to ``status_timeout_s`` per query, test pages up to the job timeout, USB
and network discovery) runs in thread workers and comes back as messages, so the screen never freezes. Problems
are shown as the printer error's words in the person's language plus the one-line detail; never a traceback.

The screen is a technician's home after sign-in (``home=True``: no Escape, Ctrl+O signs out) and is pushed from
the showtimes list with F8 for supervisors and administrators (Escape goes back).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image as PILImage
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist

from boxoffice.errors import BoxOfficeError
from boxoffice.staff import StaffMember, sign_out
from kiosk.config import Config, PrinterConfig, printer_spec
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter
from kiosk.widgets.image_view import ImageView
from printing import PrinterError, PrinterStatus, PrintOutcome, print_document, read_status
from printing.discover import DiscoveryUnavailable, UsbCandidate, answers, usb_candidates
from printing.render import render_image
from printing.spec import PrinterSpec
from printing.test_page import test_page_document
from printing.tickets import TicketContent, ticket_document

log = logging.getLogger(__name__)

STATUS_SECONDS = 5.0
"""How often every printer is asked for its status."""

COLUMNS = ("name", "role", "connection", "paper", "chinese", "qr", "fallback", "online", "paper_status", "checked")
"""Table columns in order; each has a ``printers.col_<key>`` heading."""

ONLINE_STYLES = {"online": "bold green", "offline": "bold red", "unknown": "dim", "checking": "dim italic"}
PAPER_STYLES = {"ok": "green", "near_end": "bold yellow", "out": "bold red", "unknown": "dim"}


def address(printer: PrinterConfig) -> str:
    """Where a printer is, in the form kiosk.toml takes (``network 10.0.0.5:9100``, ``usb 0x04b8:0x0202``)."""
    where = {
        "usb": f"{printer.usb_vendor or 0:#06x}:{printer.usb_product or 0:#06x}",
        "network": f"{printer.host}:{printer.port}",
        "serial": f"{printer.device} @ {printer.baud}",
        "file": printer.path or "",
        "cups": printer.cups_queue or "",
        "preview": printer.path or "",
    }[printer.connection]
    return f"{printer.connection} {where}".strip()


def online_state(status: PrinterStatus | None) -> str:
    """``online``, ``offline``, ``unknown``, or ``checking`` before the first answer."""
    if status is None:
        return "checking"
    return {True: "online", False: "offline", None: "unknown"}[status.online]


def sample_ticket(config: Config, now_local: datetime) -> TicketContent:
    """A made-up ticket in the site's name, for previewing the layout on a printer's paper."""
    starts = (now_local + timedelta(hours=2)).replace(minute=30, second=0, microsecond=0)
    return TicketContent(
        cinema_zh=config.site.name_zh, cinema_en=config.site.name_en, film_zh="山海之间",
        film_en="Between Mountains and Seas", hall="1号厅", starts_local=starts, row_label="E", seat_number=12,
        seat_label="E12", ticket_type_zh="成人", ticket_type_en="Adult", price_fen=4500, fee_fen=300,
        order_reference="SAMPLE", ticket_number="0000-SAMPLE-01", sold_at_local=now_local,
        terminal_name=config.terminal.name, qr_payload="BOXOFFICE-SAMPLE-TICKET")


class PrintersScreen(BoxOfficeScreen[None]):
    """The configured printers with live status; test page, preview, settings and discovery on keys."""

    CSS_PATH = "../styles/printers.tcss"
    """Styles of this screen and the printer settings dialog (loaded when first shown)."""

    BINDINGS = [
        Binding("t", "test_page", "key.printer_test"),
        Binding("p", "preview", "key.printer_preview"),
        Binding("e", "edit", "key.printer_edit"),
        Binding("d", "discover", "key.printer_discover"),
        Binding("escape", "back", "key.back"),
        Binding("ctrl+o", "sign_out", "key.sign_out"),
    ]
    """Each tool is one key on the highlighted printer; Escape closes a preview, then goes back."""

    @dataclass
    class StatusRead(Message):
        """A printer answered a status read, or could not be asked (posted from a worker thread)."""

        name: str
        status: PrinterStatus

    class StatusRoundDone(Message):
        """Every printer of one round has been asked."""

    @dataclass
    class TestPrinted(Message):
        """A test page went to a printer, or did not (posted from a worker thread)."""

        name: str
        outcome: PrintOutcome | None
        """What was sent (and the preview picture), or None when it failed."""
        error: PrinterError | None

    @dataclass
    class PreviewReady(Message):
        """A picture to show in the preview (posted from a worker thread)."""

        name: str
        kind: str
        """``test`` or ``ticket``."""
        image: PILImage.Image | None
        problem: str = ""

    @dataclass
    class Discovered(Message):
        """What discovery found (posted from a worker thread)."""

        usb: list[UsbCandidate] | None
        usb_problem: str
        network: list[tuple[str, str, int, bool]]
        """(label, host, port, answers) per network address checked."""

    def __init__(self, staff: StaffMember, *, home: bool = False) -> None:
        """Create the screen.

        Args:
            staff: the signed-in person (their role must allow ``printers``).
            home: True when this is the person's first screen (a technician): Ctrl+O signs out, no Escape.
        """
        super().__init__()
        self.staff = staff
        self.home = home
        self._status: dict[str, tuple[PrinterStatus, datetime]] = {}
        self._checking = False
        self._last_png: dict[str, Path] = {}
        self._preview: tuple[str, str] | None = None
        """(printer, kind) shown in the preview, or None when it is closed."""
        self._result: list[tuple[str, dict[str, object], str]] = []
        """The last action's lines as (catalog key or ``error.<code>``, params, style), redrawn on language change."""

    def compose(self) -> ComposeResult:
        """Header, the printers, the highlighted printer's detail, the last action's result, the preview."""
        with Horizontal(id="printers-header"):
            yield Static(id="printers-site")
            yield Static(id="printers-staff")
        yield Static(id="printers-title")
        yield DataTable(id="printers-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="printers-detail")
        yield Static(id="printers-result")
        with VerticalScroll(id="printers-preview"):
            yield Static(id="printers-preview-title")
            yield ImageView(id="printers-image")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Show the printers and start reading their status."""
        if not self.staff.can("printers"):
            self.box.show_error(BoxOfficeError("not_permitted", "this role does not manage printers"))
            if self.home:
                self.action_sign_out()
            else:
                self.dismiss(None)
            return
        self.query_one("#printers-table", DataTable).focus()
        self._check_status()
        self.set_interval(STATUS_SECONDS, self._check_status)

    # -- keys ------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape when there is somewhere to go back to (or a preview to close); Ctrl+O on the home screen;
        printer keys only when a printer is highlighted."""
        if action == "back":
            return self._preview is not None or not self.home
        if action == "sign_out":
            return self.home
        if action in ("test_page", "preview", "edit"):
            return True if self._highlighted() is not None else None
        return True

    def action_back(self) -> None:
        """Close the preview, or go back to the screen below."""
        if self._preview is not None:
            self._close_preview()
            return
        self.dismiss(None)

    def action_sign_out(self) -> None:
        """Record the sign-out and go back to the sign-in screen (even if the record cannot be written)."""
        from kiosk.screens.sign_in_screen import SignInScreen

        box = self.box
        try:
            run_intent(box.engine, lambda session: sign_out(session, staff=self.staff, now=box.now(),
                                                             terminal_id=box.config.terminal.id), name="sign-out")
        except BoxOfficeError as error:
            box.show_error(error)
        self.app.switch_screen(SignInScreen())

    def action_test_page(self) -> None:
        """Print a test page on the highlighted printer (a picture in its folder for ``preview`` printers)."""
        printer = self._highlighted()
        if printer is None:
            return
        config = self.box.config
        now_local = self.box.now().astimezone(config.site.zone)
        self._set_result([("printers.testing", {"name": printer.name}, "")])
        self._print_test_page(printer_spec(config, printer), now_local)

    def action_preview(self) -> None:
        """Show the highlighted printer's test page in the terminal; again: a sample ticket, and back."""
        printer = self._highlighted()
        if printer is None:
            return
        kind = "test"
        if self._preview is not None and self._preview == (printer.name, "test"):
            kind = "ticket"
        self._preview = (printer.name, kind)
        self.query_one("#printers-preview-title", Static).update(self.t("printers.preview_busy"))
        self.add_class("-preview")
        self.query_one("#printers-preview", VerticalScroll).focus()  # arrows and page keys scroll the picture
        self.refresh_bindings()
        config = self.box.config
        png = self._last_png.get(printer.name) if kind == "test" else None
        self._draw_preview(printer_spec(config, printer), kind, self.box.now().astimezone(config.site.zone),
                           sample_ticket(config, self.box.now().astimezone(config.site.zone)), png)

    def action_edit(self) -> None:
        """Change the highlighted printer's settings; kiosk.toml is saved by the dialog."""
        from kiosk.dialogs.printer_settings_dialog import PrinterSettingsDialog

        printer = self._highlighted()
        if printer is None:
            return
        self.app.push_screen(PrinterSettingsDialog(printer.name), callback=self._edited)

    def action_discover(self) -> None:
        """Look for USB printers and ask every configured network printer whether it answers."""
        self._set_result([("printers.discovering", {}, "")])
        targets = [(p.name, p.host, p.port) for p in self.box.config.printers if p.connection == "network" and p.host]
        self._discover(targets)

    def _edited(self, changes: dict[str, object] | None) -> None:
        if not changes:
            return
        name = self._highlighted_name()
        shown = ", ".join(f"{key} = {value}" for key, value in changes.items())
        self._set_result([("printers.saved", {"name": name or "", "file": self.box.config.source.name,
                                               "changes": shown}, "green")])
        self._status.clear()
        self._render_table()
        self._check_status()

    # -- workers (they receive everything they need; results come back as messages) ------------------------

    def _check_status(self) -> None:
        if self._checking or not self.box.config.printers:
            return
        config = self.box.config
        self._checking = True
        self._read_statuses([printer_spec(config, printer) for printer in config.printers])

    @work(thread=True, exclusive=True, group="printer-status")
    def _read_statuses(self, specs: list[PrinterSpec]) -> None:
        """Ask all printers at once, so one that does not answer does not delay the others."""
        try:
            with ThreadPoolExecutor(max_workers=min(8, len(specs)), thread_name_prefix="printer-status") as pool:
                futures = {pool.submit(read_status, spec): spec.name for spec in specs}
                for future in as_completed(futures):
                    try:
                        status = future.result()
                    except Exception as exc:  # read_status should not raise; keep the screen alive
                        log.exception("status read of %s failed", futures[future])
                        status = PrinterStatus(None, "unknown", f"{type(exc).__name__}: {exc}", "printer_failed")
                    self.post_message(self.StatusRead(futures[future], status))
        finally:
            self.post_message(self.StatusRoundDone())

    @work(thread=True, exclusive=True, group="printer-test")
    def _print_test_page(self, spec: PrinterSpec, now_local: datetime) -> None:
        try:
            outcome = print_document(spec, test_page_document(spec, now_local),
                                     job_name=f"test-{spec.name}-{now_local:%Y%m%d-%H%M%S}")
        except PrinterError as error:
            self.post_message(self.TestPrinted(spec.name, None, error))
        except Exception as exc:  # a font or library failure: logged, shown as printer_failed
            log.exception("test page on %s failed", spec.name)
            self.post_message(self.TestPrinted(spec.name, None, PrinterError("printer_failed", str(exc))))
        else:
            self.post_message(self.TestPrinted(spec.name, outcome, None))

    @work(thread=True, exclusive=True, group="printer-preview")
    def _draw_preview(self, spec: PrinterSpec, kind: str, now_local: datetime, ticket: TicketContent,
                      png: Path | None) -> None:
        try:
            if png is not None and png.exists():
                with PILImage.open(png) as picture:
                    image = picture.copy()
            elif kind == "test":
                image = render_image(test_page_document(spec, now_local), spec)
            else:
                image = render_image(ticket_document(ticket, spec), spec)
        except Exception as exc:  # a missing font or unreadable file: said plainly
            log.exception("preview for %s failed", spec.name)
            self.post_message(self.PreviewReady(spec.name, kind, None, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(self.PreviewReady(spec.name, kind, image))

    @work(thread=True, exclusive=True, group="printer-discover")
    def _discover(self, targets: list[tuple[str, str | None, int]]) -> None:
        usb: list[UsbCandidate] | None = None
        problem = ""
        try:
            usb = usb_candidates()
        except DiscoveryUnavailable as exc:
            problem = str(exc)
        except Exception as exc:  # libusb can fail in many ways; said plainly
            log.exception("USB discovery failed")
            problem = f"{type(exc).__name__}: {exc}"
        network = [(name, host or "", port, answers(host or "", port)) for name, host, port in targets]
        self.post_message(self.Discovered(usb, problem, network))

    # -- results -----------------------------------------------------------------------------------------------

    def on_printers_screen_status_read(self, message: StatusRead) -> None:
        """Show one printer's answer."""
        self._status[message.name] = (message.status, self.box.now())
        self._render_table()
        self._render_detail()

    def on_printers_screen_status_round_done(self, message: StatusRoundDone) -> None:
        """The next round may start."""
        self._checking = False
        self._render_title()

    def on_printers_screen_test_printed(self, message: TestPrinted) -> None:
        """Say what the test page came to; offer the picture of a preview printer's page."""
        outcome, error = message.outcome, message.error
        if error is not None:
            self._set_result([("printers.test_failed", {"name": message.name}, "bold red"),
                              (f"error.{error.code}", {}, "red"), ("printers.plain", {"text": error.message}, "")])
        elif outcome is not None and outcome.preview_png is not None:
            self._last_png[message.name] = outcome.preview_png
            self._set_result([("printers.test_preview", {"name": message.name, "bytes": outcome.bytes_sent,
                                                         "path": str(outcome.preview_png)}, "green")])
            if self._preview is not None and self._preview[0] == message.name:
                self._preview = None
                self.action_preview()
        elif outcome is not None:
            self._set_result([("printers.test_sent", {"name": message.name, "bytes": outcome.bytes_sent}, "green")])

    def on_printers_screen_preview_ready(self, message: PreviewReady) -> None:
        """Show the picture, if the preview is still open on it."""
        if self._preview != (message.name, message.kind):
            return
        title = self.query_one("#printers-preview-title", Static)
        if message.image is None:
            title.update(Text(self.t("printers.preview_failed", reason=message.problem), style="bold red"))
            self.query_one(ImageView).show(None)
            return
        self._render_preview_title()
        self.query_one(ImageView).show(message.image)
        self.query_one("#printers-preview", VerticalScroll).scroll_home(animate=False)

    def on_printers_screen_discovered(self, message: Discovered) -> None:
        """List what was found."""
        lines: list[tuple[str, dict[str, object], str]] = []
        if message.usb is None:
            lines.append(("printers.discover_usb_unavailable", {"reason": message.usb_problem}, "yellow"))
        else:
            lines.append(("printers.discover_usb", {"count": len(message.usb)}, "bold"))
            for device in message.usb:
                note = "" if device.printer_class else self.t("printers.vendor_specific")
                lines.append(("printers.discover_usb_device",
                              {"ids": device.ids, "description": f"{device.description} {note}".strip()}, ""))
        if not message.network:
            lines.append(("printers.discover_no_network", {}, "dim"))
        for name, host, port, answered in message.network:
            key = "printers.discover_answers" if answered else "printers.discover_silent"
            lines.append((key, {"name": name, "host": host, "port": port}, "green" if answered else "bold red"))
        self._set_result(lines)

    @on(DataTable.RowHighlighted, "#printers-table")
    def _row_highlighted(self) -> None:
        self._render_detail()
        self.refresh_bindings()

    # -- drawing -------------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language, keeping the cursor and the preview."""
        box = self.box
        site = box.config.site
        name = site.name_zh if box.language == "zh" else site.name_en
        self.query_one("#printers-site", Static).update(f"{name} · {box.config.terminal.name}")
        self.query_one("#printers-staff", Static).update(
            self.t("showtimes.signed_in_as", name=self.staff.name, role=self.t(f"role.{self.staff.role}")))
        self._render_title()
        self._render_table()
        self._render_detail()
        self._render_result()
        if self._preview is not None and self.query_one(ImageView).image is not None:
            self._render_preview_title()

    def _render_title(self) -> None:
        checked = [at for _, at in self._status.values()]
        last = max(checked).astimezone(self.box.config.site.zone).strftime("%H:%M:%S") if checked else "-"
        title = Text(self.t("printers.title"), style="bold")
        title.append("   " + self.t("printers.status_every", seconds=int(STATUS_SECONDS), time=last), style="dim")
        self.query_one("#printers-title", Static).update(title)

    def _cells(self, printer: PrinterConfig) -> list[Text]:
        entry = self._status.get(printer.name)
        status = entry[0] if entry else None
        online = online_state(status)
        paper = status.paper if status else "unknown"
        checked = entry[1].astimezone(self.box.config.site.zone).strftime("%H:%M:%S") if entry else "-"
        return [
            Text(printer.name, style="bold"),
            Text(self.t(f"printers.role_{printer.role}")),
            Text(address(printer)),
            Text(f"{printer.paper_mm} mm"),
            Text(printer.chinese),
            Text(printer.qr),
            Text(printer.fallback or "-"),
            Text(self.t(f"printers.{online}"), style=ONLINE_STYLES[online]),
            Text(self.t(f"printers.paper_{paper}") if status else "-", style=PAPER_STYLES[paper]),
            Text(checked, style="dim"),
        ]

    def _render_table(self) -> None:
        """Rebuild the table (a handful of rows), keeping the cursor on the same printer."""
        table = self.query_one("#printers-table", DataTable)
        keep = self._highlighted_name()
        printers = self.box.config.printers
        cells = [self._cells(printer) for printer in printers]
        table.clear(columns=True)
        for index, key in enumerate(COLUMNS):
            heading = Text(self.t(f"printers.col_{key}"))
            # Widths measured here rather than left to the table: rebuilt after the settings dialog closed, the
            # table's own measuring once left the columns at their headings' widths.
            width = max([heading.cell_len, *(row[index].cell_len for row in cells)])
            table.add_column(heading, key=key, width=width)
        for printer, row in zip(printers, cells, strict=True):
            table.add_row(*row, key=printer.name)
        names = [printer.name for printer in printers]
        if keep in names:
            table.move_cursor(row=names.index(keep), animate=False)

    def _render_detail(self) -> None:
        detail = self.query_one("#printers-detail", Static)
        printer = self._highlighted()
        if printer is None:
            detail.update(self.t("printers.none_configured", file=str(self.box.config.source)))
            return
        text = Text(f"{printer.name}: ", style="bold")
        text.append(printer_spec(self.box.config, printer).describe())
        entry = self._status.get(printer.name)
        if entry is not None:
            status = entry[0]
            text.append(f" · {status.detail}", style="dim")
            if status.problem:
                text.append(f"\n{self.box.translator.error(status.problem)}", style="bold red")
        detail.update(text)

    def _set_result(self, lines: list[tuple[str, dict[str, object], str]]) -> None:
        self._result = lines
        self._render_result()

    def _render_result(self) -> None:
        text = Text()
        for index, (key, params, style) in enumerate(self._result):
            if key.startswith("error."):
                words = self.box.translator.error(key.removeprefix("error."), **params)
            else:
                words = self.t(key, **params)
            text.append(("\n" if index else "") + words, style=style)
        self.query_one("#printers-result", Static).update(text)

    def _render_preview_title(self) -> None:
        if self._preview is None:
            return
        name, kind = self._preview
        paper: int
        try:
            paper = self.box.config.printer(name).paper_mm
        except KeyError:
            paper = 0
        self.query_one("#printers-preview-title", Static).update(
            Text(self.t(f"printers.preview_{kind}", name=name, paper=paper), style="bold"))

    def _close_preview(self) -> None:
        self._preview = None
        self.remove_class("-preview")
        self.query_one(ImageView).show(None)
        self.query_one("#printers-table", DataTable).focus()
        self.refresh_bindings()

    # -- the highlighted printer ---------------------------------------------------------------------------------

    def _highlighted_name(self) -> str | None:
        table = self.query_one("#printers-table", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return key.value

    def _highlighted(self) -> PrinterConfig | None:
        name = self._highlighted_name()
        if name is None:
            return None
        try:
            return self.box.config.printer(name)
        except KeyError:
            return None
