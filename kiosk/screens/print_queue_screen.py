"""The counter's print queue: this terminal's printers, the jobs that need a person, and its recent jobs.

A printer that fails never costs a sale: its jobs wait in the store. This screen (F7 from the showtimes) is where
the counter sees them and a supervisor settles them:

* each printer of the terminal as the print worker last saw it (status, paper, last error, jobs waiting);
* the jobs needing attention (queued with an error or overdue, failed, may have printed), with the error in
  words and the fallback printer when one is configured;
* the last :data:`RECENT_JOBS` jobs of this terminal, printed or not, so a ticket a customer lost can be
  reprinted.

Keys act on the highlighted job of the focused list (Tab switches lists): ``r`` retry, ``m`` move to the fallback
(or a chosen printer), ``p`` reprint the ticket (marked "REPRINT n"; reason required), ``c`` it did print,
``x`` cancel, ``v`` the ticket as it would print, drawn in the terminal. Each action is a supervisor's: a signed-in
supervisor acts at once, anyone else calls one with :class:`~kiosk.dialogs.approval_dialog.ApprovalDialog`;
reprints always ask for the supervisor's PIN and a reason (reprints are controlled). The services check the
permission again and audit every action; their refusals are shown in words.

The lists are read again whenever the app's ``print_generation`` changes (the print worker reported something)
and every :data:`REFRESH_SECONDS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from PIL import Image as PILImage
from rich.text import Text
from sqlmodel import Session
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.data_table import CellDoesNotExist
from textual.widgets.option_list import Option

from boxoffice.errors import BoxOfficeError
from boxoffice.print_queue import (
    JobView,
    cancel_job,
    confirm_printed,
    jobs_needing_attention,
    move_job,
    order_print_state,
    reprint_ticket,
    retry_job,
)
from boxoffice.print_views import RECENT_JOBS, recent_jobs, waiting_counts
from boxoffice.print_worker import PrinterState
from boxoffice.staff import StaffMember
from boxoffice.ticket_content import receipt_content, ticket_content
from kiosk.config import printer_spec
from kiosk.dialogs.approval_dialog import Approval, ApprovalDialog, Detail
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter
from kiosk.widgets.image_view import ImageView
from printing import Document, PrinterSpec, receipt_document, render_image, ticket_document

log = logging.getLogger(__name__)

REFRESH_SECONDS = 3.0
"""How often the lists are read again without a print event (overdue jobs appear without one)."""

PRINTER_COLUMNS = ("printer", "state", "paper", "waiting", "fallback", "error")
ATTENTION_COLUMNS = ("ticket", "seat", "printer", "status", "attempts", "fallback", "error")
RECENT_COLUMNS = ("time", "ticket", "seat", "printer", "status", "reprint", "attempts")
"""Columns of the three tables; each has a ``print_queue.col_<key>`` heading. The error's words come last: they
may run past the edge (the highlighted job's detail line shows them whole)."""

STATUS_STYLES = {"waiting": "bold yellow", "queued": "", "sending": "", "printed": "green", "failed": "bold red",
                 "uncertain": "bold magenta", "cancelled": "dim"}
ACTIONABLE = ("queued", "failed", "uncertain")
"""Statuses a supervisor may retry, move or cancel."""



# --- reading (one read-only transaction per refresh) -----------------------------------------------------------


@dataclass
class QueueView:
    """What the screen shows, read in one transaction."""

    attention: list[JobView] = field(default_factory=list)
    recent: list[JobView] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)


def job_state(job: JobView) -> str:
    """How a job is shown: ``waiting`` (queued again after its printer failed), or its status."""
    if job.status == "queued":
        return "waiting" if job.last_error else "queued"
    return job.status


# --- choosing a printer ----------------------------------------------------------------------------------------


class PrinterChoiceDialog(BoxOfficeScreen[str | None], ModalScreen[str | None]):
    """Which printer a job moves to: the fallback first, then the terminal's other printers."""

    DEFAULT_CSS = """
    PrinterChoiceDialog {
        align: center middle;
    }
    #choice-box {
        width: 56;
        height: auto;
        padding: 1 2;
        border: thick $primary;
        background: $surface;
    }
    #choice-title {
        text-style: bold;
        margin: 0 0 1 0;
    }
    #choice-list {
        height: auto;
        max-height: 10;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "key.cancel")]

    def __init__(self, ticket: str, printers: list[str], fallback: str | None) -> None:
        super().__init__()
        self.ticket = ticket
        self.printers = printers
        self.fallback = fallback

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-box"):
            yield Static(id="choice-title")
            yield OptionList(id="choice-list")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def apply_language(self) -> None:
        self.query_one("#choice-title", Static).update(self.t("print_queue.choose_printer", ticket=self.ticket))
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for name in self.printers:
            label = self.t("print_queue.choice_fallback", printer=name) if name == self.fallback else name
            options.add_option(Option(label, id=name))
        options.highlighted = highlighted if highlighted is not None else 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


# --- the screen ------------------------------------------------------------------------------------------------


class PrintQueueScreen(BoxOfficeScreen[None]):
    """This terminal's printers and print jobs; a supervisor retries, moves, reprints, confirms or cancels."""

    DEFAULT_CSS = """
    #pq-header {
        height: 1;
        background: $primary-muted;
        color: $text;
        padding: 0 1;
    }
    #pq-site {
        width: 1fr;
        text-style: bold;
    }
    #pq-staff {
        width: auto;
    }
    .pq-title {
        height: 1;
        margin: 1 1 0 1;
    }
    #pq-printers {
        height: auto;
        max-height: 6;
        margin: 0 1;
    }
    #pq-attention {
        height: auto;
        max-height: 9;
        margin: 0 1;
    }
    #pq-recent {
        height: 1fr;
        min-height: 4;
        margin: 0 1;
    }
    #pq-detail {
        height: auto;
        max-height: 5;
        margin: 1 1 0 1;
        padding: 0 1;
        border-left: thick $primary;
    }
    #pq-result {
        height: auto;
        max-height: 3;
        margin: 0 1;
        padding: 0 1;
    }
    #pq-preview {
        display: none;
        height: 1fr;
        margin: 0 1;
        border: round $primary;
    }
    #pq-preview:focus {
        border: round $accent;
    }
    PrintQueueScreen.-preview #pq-preview {
        display: block;
    }
    PrintQueueScreen.-preview #pq-recent, PrintQueueScreen.-preview #pq-recent-title,
    PrintQueueScreen.-preview #pq-printers, PrintQueueScreen.-preview #pq-printers-title {
        display: none;
    }
    """

    BINDINGS = [
        Binding("r", "retry", "key.print_retry"),
        Binding("m", "move", "key.print_move"),
        Binding("p", "reprint", "key.print_reprint"),
        Binding("c", "confirm", "key.print_confirm"),
        Binding("x", "cancel_job", "key.print_cancel"),
        Binding("v", "preview", "key.print_preview"),
        Binding("escape", "back", "key.back"),
    ]
    """Each action is one key on the highlighted job; Escape closes a preview, then goes back."""

    @dataclass
    class PreviewReady(Message):
        """The picture of a job's paper, or why there is none (posted from a worker thread)."""

        job_id: int
        image: PILImage.Image | None
        problem: str = ""
        """An error code (``error.<code>`` words) or a one-line reason."""
        is_code: bool = False

    def __init__(self, staff: StaffMember) -> None:
        """Create the screen for the signed-in staff member."""
        super().__init__()
        self.staff = staff
        self.view = QueueView()
        """What the lists show (read again on print events and every few seconds)."""
        self._seats: dict[int, str] = {}
        """Ticket id → seat label (a ticket's seat never changes)."""
        self._active = "pq-attention"
        """The list the keys act on (the last one focused)."""
        self._preview: JobView | None = None
        self._result: list[tuple[str, dict[str, object], str]] = []
        self._read_failed = False

    def compose(self) -> ComposeResult:
        """Header; printers; jobs needing attention; recent jobs; the highlighted job; the last result."""
        with Horizontal(id="pq-header"):
            yield Static(id="pq-site")
            yield Static(id="pq-staff")
        yield Static(id="pq-printers-title", classes="pq-title")
        yield DataTable(id="pq-printers", cursor_type="none", zebra_stripes=True)
        yield Static(id="pq-attention-title", classes="pq-title")
        yield DataTable(id="pq-attention", cursor_type="row", zebra_stripes=True)
        yield Static(id="pq-recent-title", classes="pq-title")
        yield DataTable(id="pq-recent", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="pq-preview"):
            yield Static(id="pq-preview-title")
            yield ImageView(id="pq-image")
        yield Static(id="pq-detail")
        yield Static(id="pq-result")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Read the queue, follow the print worker's events, and read again every few seconds."""
        self.query_one("#pq-printers", DataTable).can_focus = False
        self.reload()
        attention = self.query_one("#pq-attention", DataTable)
        (attention if attention.row_count else self.query_one("#pq-recent", DataTable)).focus()
        self.watch(self.app, "print_generation", self._print_changed, init=False)
        self.set_interval(REFRESH_SECONDS, self.reload)

    def _print_changed(self) -> None:
        self.reload()

    # -- reading ---------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the lists again and redraw them, keeping the cursors on the same jobs."""
        box = self.box
        config = box.config
        terminal = config.terminal.id
        now = box.now()
        fallbacks = {p.name: p.fallback for p in config.printers if p.fallback}
        known = dict(self._seats)
        site = config.site

        def read(session: Session) -> tuple[QueueView, dict[int, str]]:
            view = QueueView(
                attention=jobs_needing_attention(session, now=now, terminal_id=terminal, fallbacks=fallbacks),
                recent=recent_jobs(session, terminal_id=terminal),
                waiting=waiting_counts(session, terminal_id=terminal),
            )
            seats: dict[int, str] = {}
            for job in (*view.attention, *view.recent):
                if job.ticket_id is not None and job.ticket_id not in known and job.ticket_id not in seats:
                    try:
                        seats[job.ticket_id] = ticket_content(
                            session, ticket_id=job.ticket_id, zone=site.zone, cinema_zh=site.name_zh,
                            cinema_en=site.name_en).seat_label
                    except BoxOfficeError:
                        seats[job.ticket_id] = "?"
            return view, seats

        try:
            view, seats = run_intent(box.engine, read, write=False, name="read print queue")
        except BoxOfficeError as error:
            if not self._read_failed:
                box.show_error(error)
            self._read_failed = True
            return
        self._read_failed = False
        self.view = view
        self._seats.update(seats)
        self._render_all()

    # -- keys ------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Job keys are enabled for the highlighted job when its status allows them (greyed otherwise)."""
        if action == "back":
            return True
        job = self.highlighted_job()
        enabled: bool
        if action in ("retry", "cancel_job"):
            enabled = job is not None and job.status in ACTIONABLE
        elif action == "move":
            enabled = job is not None and job.status in ACTIONABLE and bool(self._move_targets(job))
        elif action == "reprint":
            enabled = job is not None and job.kind == "ticket" and job.ticket_id is not None
        elif action == "confirm":
            enabled = job is not None and job.status == "uncertain"
        elif action == "preview":
            enabled = (job is not None and job.kind in ("ticket", "receipt") and job.order_id is not None
                       and bool(self.box.config.printers))
        else:
            return True
        return True if enabled else None

    def action_back(self) -> None:
        """Close the preview, or go back to the showtimes."""
        if self._preview is not None:
            self._close_preview()
            return
        self.dismiss(None)

    def action_retry(self) -> None:
        """Send the job again now (a job that may have printed comes out as a numbered reprint)."""
        job = self.highlighted_job()
        if job is None or job.status not in ACTIONABLE:
            return
        label = self.job_label(job)
        key = "print_queue.detail_retry_uncertain" if job.may_have_printed else "print_queue.detail_retry"
        box = self.box

        def work(session: Session, approval: Approval) -> tuple[str, dict[str, object]]:
            new = retry_job(session, job_id=job.id, approver=approval.approver, terminal_id=box.config.terminal.id,
                            now=box.now(), reason=approval.reason)
            return "print_queue.done_retry", {"ticket": label, "printer": job.printer, "job": new}

        self._approved("retry", job, (key, {"ticket": label, "printer": job.printer}), work)

    def action_move(self) -> None:
        """Move the job to its fallback printer, or to a printer chosen from the terminal's others."""
        job = self.highlighted_job()
        if job is None or job.status not in ACTIONABLE:
            return
        targets = self._move_targets(job)
        if not targets:
            self._set_result([("print_queue.no_other_printer", {}, "yellow")])
            return
        if len(targets) == 1:
            self._move_to(job, targets[0])
            return
        self.app.push_screen(PrinterChoiceDialog(self.job_label(job), targets, self._fallback_of(job)),
                             callback=lambda printer: self._move_to(job, printer) if printer else None)

    def _move_to(self, job: JobView, printer: str) -> None:
        label = self.job_label(job)
        box = self.box

        def work(session: Session, approval: Approval) -> tuple[str, dict[str, object]]:
            move_job(session, job_id=job.id, to_printer=printer, approver=approval.approver,
                     terminal_id=box.config.terminal.id, now=box.now(), reason=approval.reason)
            return "print_queue.done_move", {"ticket": label, "printer": printer}

        detail = ("print_queue.detail_move", {"ticket": label, "printer": printer, "old": job.printer})
        self._approved("move", job, detail, work)

    def action_reprint(self) -> None:
        """Print the highlighted job's ticket again, marked "REPRINT n": always a supervisor's PIN and reason."""
        job = self.highlighted_job()
        if job is None or job.kind != "ticket" or job.ticket_id is None:
            return
        ticket_id = job.ticket_id
        box = self.box
        printer = box.ticket_printer or job.printer
        label = self.job_label(job)
        try:
            number = run_intent(box.engine, lambda session: self._next_reprint(session, job), write=False,
                                name="next reprint number")
        except BoxOfficeError as error:
            self._failed(label, error)
            return

        def work(session: Session, approval: Approval) -> tuple[str, dict[str, object]]:
            new = reprint_ticket(session, ticket_id=ticket_id, printer=printer, approver=approval.approver,
                                 reason=approval.reason, terminal_id=box.config.terminal.id, now=box.now())
            reprint = next((j.reprint for j in order_print_state(session, job.order_id or 0).jobs if j.id == new),
                           number)
            return "print_queue.done_reprint", {"ticket": label, "printer": printer, "n": reprint}

        detail = ("print_queue.detail_reprint", {"ticket": label, "seat": self._seat(job), "printer": printer,
                                                 "n": number})
        self._approved("reprint", job, detail, work, reason_required=True, always_ask=True)

    def action_confirm(self) -> None:
        """The job that may have printed did print (the supervisor holds the paper): mark it printed."""
        job = self.highlighted_job()
        if job is None or job.status != "uncertain":
            return
        label = self.job_label(job)
        box = self.box

        def work(session: Session, approval: Approval) -> tuple[str, dict[str, object]]:
            confirm_printed(session, job_id=job.id, approver=approval.approver, terminal_id=box.config.terminal.id,
                            now=box.now(), reason=approval.reason)
            return "print_queue.done_confirm", {"ticket": label}

        self._approved("confirm", job, ("print_queue.detail_confirm", {"ticket": label, "printer": job.printer}),
                       work)

    def action_cancel_job(self) -> None:
        """Give the job up (it stays in the journal as cancelled; the sale stays)."""
        job = self.highlighted_job()
        if job is None or job.status not in ACTIONABLE:
            return
        label = self.job_label(job)
        box = self.box

        def work(session: Session, approval: Approval) -> tuple[str, dict[str, object]]:
            cancel_job(session, job_id=job.id, approver=approval.approver, terminal_id=box.config.terminal.id,
                       now=box.now(), reason=approval.reason)
            return "print_queue.done_cancel", {"ticket": label}

        self._approved("cancel", job, ("print_queue.detail_cancel", {"ticket": label}), work)

    def action_preview(self) -> None:
        """Draw the highlighted job's ticket (or receipt) as its printer would print it, REPRINT mark included."""
        job = self.highlighted_job()
        if job is None or job.kind not in ("ticket", "receipt") or job.order_id is None:
            return
        spec = self._spec_for(job.printer)
        if spec is None:
            return
        self._preview = job
        self.query_one("#pq-preview-title", Static).update(self.t("print_queue.preview_busy"))
        self.query_one(ImageView).show(None)
        self.add_class("-preview")
        self.query_one("#pq-preview", VerticalScroll).focus()
        self.refresh_bindings()
        site = self.box.config.site
        self._draw_preview(job, spec, site.zone, site.name_zh, site.name_en)

    # -- approval and running an action ----------------------------------------------------------------------

    def _approved(self, action: str, job: JobView, detail: Detail,
                  work: Callable[[Session, Approval], tuple[str, dict[str, object]]], *,
                  reason_required: bool = False, always_ask: bool = False) -> None:
        """Run ``work`` with a supervisor's approval: the signed-in supervisor's own, or one asked for."""
        if self.staff.can("override") and not always_ask:
            self._run(action, job, work, Approval(self.staff, ""))
            return
        dialog = ApprovalDialog(f"print_queue.approve_{action}", detail, reason_required,
                                suggested_code=self.staff.code if self.staff.can("override") else "")
        self.app.push_screen(dialog, callback=lambda approval: self._run(action, job, work, approval))

    def _run(self, action: str, job: JobView, work: Callable[[Session, Approval], tuple[str, dict[str, object]]],
             approval: Approval | None) -> None:
        label = self.job_label(job)
        if approval is None:
            self._set_result([("print_queue.not_approved", {"ticket": label}, "yellow")])
            return
        box = self.box
        try:
            key, params = run_intent(box.engine, lambda session: work(session, approval), name=f"print {action}")
        except BoxOfficeError as error:
            self._failed(label, error)
        else:
            self._set_result([(key, params, "green")])
            if box.print_worker is not None:
                box.print_worker.wake()
        self.reload()

    def _failed(self, label: str, error: BoxOfficeError) -> None:
        self.box.show_error(error)
        self._set_result([("print_queue.not_done", {"ticket": label}, "bold red"),
                          (f"error.{error.code}", dict(error.params), "red")])

    @staticmethod
    def _next_reprint(session: Session, job: JobView) -> int:
        jobs = order_print_state(session, job.order_id or 0).jobs
        return max((j.reprint for j in jobs if j.ticket_id == job.ticket_id), default=-1) + 1

    # -- preview ---------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="print-queue-preview")
    def _draw_preview(self, job: JobView, spec: PrinterSpec, zone: tzinfo, cinema_zh: str, cinema_en: str) -> None:
        """Lay out the job's paper from the store and draw it (the same layout the print worker sends)."""
        engine = self.box.engine

        def read(session: Session) -> Document:
            if job.kind == "ticket" and job.ticket_id is not None:
                return ticket_document(ticket_content(session, ticket_id=job.ticket_id, zone=zone,
                                                      cinema_zh=cinema_zh, cinema_en=cinema_en,
                                                      reprint=job.reprint,
                                                      signing_key=self.box.signing_key), spec)
            receipt = receipt_content(session, order_id=job.order_id or 0, zone=zone,
                                      cinema=f"{cinema_zh} {cinema_en}")
            return receipt_document(replace(receipt, reprint=job.reprint), spec)

        try:
            document = run_intent(engine, read, write=False, name="print preview")
            image = render_image(document, spec)
        except BoxOfficeError as error:
            self.post_message(self.PreviewReady(job.id, None, error.code, is_code=True))
        except Exception as exc:  # a missing font: said plainly, never a traceback
            log.exception("preview of print job %s failed", job.id)
            self.post_message(self.PreviewReady(job.id, None, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(self.PreviewReady(job.id, image))

    def on_print_queue_screen_preview_ready(self, message: PreviewReady) -> None:
        """Show the picture, if the preview is still open on that job."""
        if self._preview is None or self._preview.id != message.job_id:
            return
        title = self.query_one("#pq-preview-title", Static)
        if message.image is None:
            reason = self.box.translator.error(message.problem) if message.is_code else message.problem
            title.update(Text(self.t("print_queue.preview_failed", reason=reason), style="bold red"))
            return
        self._render_preview_title()
        self.query_one(ImageView).show(message.image)
        self.query_one("#pq-preview", VerticalScroll).scroll_home(animate=False)

    def _close_preview(self) -> None:
        self._preview = None
        self.remove_class("-preview")
        self.query_one(ImageView).show(None)
        self.query_one(f"#{self._active}", DataTable).focus()
        self.refresh_bindings()

    def _render_preview_title(self) -> None:
        job = self._preview
        if job is None:
            return
        spec = self._spec_for(job.printer)
        key = "print_queue.preview_reprint" if job.reprint else "print_queue.preview_title"
        self.query_one("#pq-preview-title", Static).update(Text(self.t(
            key, ticket=self.job_label(job), printer=spec.name if spec else job.printer,
            paper=spec.paper_mm if spec else "-", n=job.reprint), style="bold"))

    # -- the highlighted job ---------------------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The keys act on the list focused last."""
        if event.widget.id in ("pq-attention", "pq-recent"):
            self._active = event.widget.id
            self._render_detail()
            self.refresh_bindings()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == self._active:
            self._render_detail()
            self.refresh_bindings()

    def highlighted_job(self) -> JobView | None:
        """The job under the cursor of the active list."""
        try:
            table = self.query_one(f"#{self._active}", DataTable)
        except NoMatches:  # asked before the screen was composed
            return None
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None
        jobs = self.view.attention if self._active == "pq-attention" else self.view.recent
        return next((job for job in jobs if str(job.id) == key), None)

    def _fallback_of(self, job: JobView) -> str | None:
        if job.fallback:
            return job.fallback
        try:
            return self.box.config.printer(job.printer).fallback
        except KeyError:
            return None

    def _move_targets(self, job: JobView) -> list[str]:
        """The terminal's other printers, the fallback first."""
        others = [p.name for p in self.box.config.printers if p.name != job.printer]
        fallback = self._fallback_of(job)
        if fallback in others:
            others.remove(fallback)
            others.insert(0, fallback)
        return others

    def _spec_for(self, name: str) -> PrinterSpec | None:
        config = self.box.config
        try:
            printer = config.printer(name)
        except KeyError:
            ticket = self.box.ticket_printer
            if ticket is None:
                return None
            printer = config.printer(ticket)
        return printer_spec(config, printer)

    def job_label(self, job: JobView) -> str:
        """The ticket number, ``receipt <order>``, or ``test page``."""
        if job.kind == "ticket":
            return job.ticket_number or f"#{job.id}"
        if job.kind == "receipt":
            return self.t("print_queue.kind_receipt", reference=job.order_reference or f"#{job.id}")
        if job.kind == "refund":
            return self.t("print_queue.kind_refund", reference=job.order_reference or f"#{job.id}")
        return self.t("print_queue.kind_test")

    def _seat(self, job: JobView) -> str:
        return self._seats.get(job.ticket_id, "-") if job.ticket_id is not None else "-"

    # -- drawing ---------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language, keeping the cursors and the preview."""
        box = self.box
        site = box.config.site
        name = site.name_zh if box.language == "zh" else site.name_en
        self.query_one("#pq-site", Static).update(
            f"{name} · {box.config.terminal.name} · {self.t('print_queue.title')}")
        self.query_one("#pq-staff", Static).update(
            self.t("showtimes.signed_in_as", name=self.staff.name, role=self.t(f"role.{self.staff.role}")))
        self._render_all()
        self._render_result()
        if self._preview is not None and self.query_one(ImageView).image is not None:
            self._render_preview_title()

    def _render_all(self) -> None:
        self._render_printers()
        self._render_jobs("pq-attention", self.view.attention, ATTENTION_COLUMNS, self._attention_cells)
        self._render_jobs("pq-recent", self.view.recent, RECENT_COLUMNS, self._recent_cells)
        attention = len(self.view.attention)
        self.query_one("#pq-attention-title", Static).update(
            Text(self.t("print_queue.attention_title", count=attention), style="bold yellow")
            if attention else Text(self.t("print_queue.attention_none"), style="bold green"))
        self.query_one("#pq-recent-title", Static).update(Text(
            self.t("print_queue.recent_title", count=RECENT_JOBS, terminal=self.box.config.terminal.name)
            if self.view.recent else self.t("print_queue.recent_none"), style="bold"))
        self._render_detail()
        self.refresh_bindings()

    def _time(self, moment: datetime | None) -> str:
        return moment.astimezone(self.box.config.site.zone).strftime("%H:%M:%S") if moment else "-"

    def _printer_cells(self, name: str, state: PrinterState | None, fallback: str | None) -> list[Text]:
        words = self.box.translator
        if self.box.print_worker is None or state is None:
            condition = Text(self.t("print_queue.state_off"), style="dim")
        elif state.last_error:
            condition = Text(self.t("print_queue.state_failing"), style="bold red")
        elif state.status is not None and state.status.online is False:
            condition = Text(self.t("printers.offline"), style="bold red")
        elif state.last_printed_at is not None:
            condition = Text(self.t("print_queue.state_ok", time=self._time(state.last_printed_at)), style="green")
        else:
            condition = Text(self.t("print_queue.state_idle"), style="dim")
        paper = state.status.paper if state is not None and state.status is not None else None
        paper_style = {"near_end": "bold yellow", "out": "bold red", "ok": "green"}.get(paper or "", "dim")
        error = Text()
        if state is not None and state.last_error:
            error = Text(words.error(state.last_error), style="red")
            error.append(f" {self._time(state.last_error_at)}", style="dim")
        waiting = Text(str(self.view.waiting.get(name, 0)), justify="right",
                       style="bold yellow" if self.view.waiting.get(name) else "")
        if state is not None and state.waiting_until is not None and state.waiting_until > self.box.now():
            waiting.append(" " + self.t("print_queue.next_try", time=self._time(state.waiting_until)), style="dim")
        return [Text(name, style="bold"), condition,
                Text(self.t(f"printers.paper_{paper}") if paper else "-", style=paper_style), waiting,
                Text(fallback or "-"), error]

    def _render_printers(self) -> None:
        config = self.box.config
        worker = self.box.print_worker
        states = worker.state() if worker is not None else {}
        table = self.query_one("#pq-printers", DataTable)
        rows = [self._printer_cells(p.name, states.get(p.name), p.fallback) for p in config.printers]
        self._fill(table, PRINTER_COLUMNS, rows, [p.name for p in config.printers])
        title = Text(self.t("print_queue.printers_title"), style="bold")
        if not config.printers:
            title.append("  " + self.t("printers.none_configured", file=str(config.source)), style="yellow")
        elif worker is None:
            title.append("  " + self.t("print_queue.no_worker"), style="yellow")
        self.query_one("#pq-printers-title", Static).update(title)

    def _status_cell(self, job: JobView) -> Text:
        state = job_state(job)
        return Text(self.t(f"print_queue.status_{state}"), style=STATUS_STYLES.get(state, ""))

    def _attention_cells(self, job: JobView) -> list[Text]:
        error = self.box.translator.error(job.last_error) if job.last_error else ""
        fallback = self.t("print_queue.fallback_available", printer=job.fallback) if job.fallback else ""
        label = Text(self.job_label(job), style="bold")
        if job.reprint:
            label.append(" " + self.t("print_queue.reprint_mark", n=job.reprint), style="magenta")
        return [label, Text(self._seat(job)), Text(job.printer), self._status_cell(job),
                Text(str(job.attempts), justify="right"), Text(fallback, style="cyan"), Text(error, style="red")]

    def _recent_cells(self, job: JobView) -> list[Text]:
        moment = job.printed_at or job.created_at
        return [Text(self._time(moment), style="dim"), Text(self.job_label(job)), Text(self._seat(job)),
                Text(job.printer), self._status_cell(job),
                Text(self.t("print_queue.reprint_mark", n=job.reprint) if job.reprint else "", style="magenta"),
                Text(str(job.attempts), justify="right")]

    def _render_jobs(self, table_id: str, jobs: list[JobView], columns: tuple[str, ...],
                     cells: Callable[[JobView], list[Text]]) -> None:
        self._fill(self.query_one(f"#{table_id}", DataTable), columns, [cells(job) for job in jobs],
                   [str(job.id) for job in jobs])

    def _fill(self, table: DataTable[Any], columns: tuple[str, ...], rows: list[list[Text]], keys: list[str]) -> None:
        """Rebuild a table (a few dozen rows at most), keeping the cursor on the same key (or row)."""
        keep_key: str | None = None
        keep_row = table.cursor_row
        if table.row_count:
            try:
                keep_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            except CellDoesNotExist:
                keep_key = None
        table.clear(columns=True)
        for index, key in enumerate(columns):
            heading = Text(self.t(f"print_queue.col_{key}"))
            width = max([heading.cell_len, *(row[index].cell_len for row in rows)])
            table.add_column(heading, key=key, width=width)
        for key, row in zip(keys, rows, strict=True):
            table.add_row(*row, key=key)
        if not rows or table.cursor_type == "none":
            return
        target = keys.index(keep_key) if keep_key in keys else min(keep_row, len(rows) - 1)
        table.move_cursor(row=max(0, target), animate=False)

    def _render_detail(self) -> None:
        detail = self.query_one("#pq-detail", Static)
        job = self.highlighted_job()
        if job is None:
            detail.update(Text(self.t("print_queue.hint"), style="dim"))
            return
        text = Text(self.job_label(job), style="bold")
        text.append("  " + self.t("print_queue.detail_line", seat=self._seat(job), printer=job.printer,
                                  attempts=job.attempts, created=self._time(job.created_at),
                                  printed=self._time(job.printed_at)))
        text.append("  ")
        text.append_text(self._status_cell(job))
        if job.reprint:
            text.append("  " + self.t("print_queue.reprint_mark", n=job.reprint), style="magenta")
        if job.last_error:
            text.append("\n" + self.box.translator.error(job.last_error), style="red")
        if job.fallback:
            text.append("  " + self.t("print_queue.fallback_available", printer=job.fallback), style="cyan")
        if job.may_have_printed:
            text.append("\n" + self.t("print_queue.uncertain_hint"), style="magenta")
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
        self.query_one("#pq-result", Static).update(text)
