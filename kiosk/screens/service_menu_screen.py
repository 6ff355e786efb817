"""A kiosk's service menu, for the technician who signed in behind the hidden key sequence.

What a technician called to a kiosk needs on the spot: is the kiosk selling, and if not why (the same reason
code the customers see); how is its ticket printer (read again every few seconds by the app); does a test page
come out; and a switch to take the kiosk out of service (kept in the store, so a restart keeps it) or put it back.
The colours and text size customers start with can be tried here too. Every action is audited under the
technician's name. Everything is a button (touch) and a key (keyboard); the menu closes by itself after
:data:`IDLE_SECONDS` without input, so it is never left open for the next customer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from boxoffice import audit
from boxoffice.errors import BoxOfficeError
from boxoffice.staff import StaffMember
from boxoffice.terminals import set_out_of_service
from kiosk.config import printer_spec
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.screens.printers_screen import address, online_state
from kiosk.widgets import TranslatedFooter
from printing import PrinterError, PrinterSpec, print_document
from printing.test_page import test_page_document

log = logging.getLogger(__name__)

IDLE_SECONDS = 120
"""Seconds without a key or touch after which the menu closes by itself."""


class ServiceMenuScreen(BoxOfficeScreen[None]):
    """Service state, the ticket printer's status, test page, out of / back in service, display, back."""

    CSS_PATH = "../styles/service.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "test_page", "service.key_test_page"),
        Binding("o", "take_out", "service.key_take_out"),
        Binding("i", "put_back", "service.key_put_back"),
        Binding("c", "app.toggle_high_contrast", "access.key_contrast"),
        Binding("l", "app.toggle_large_text", "access.key_large_text"),
        Binding("escape", "back", "key.back"),
    ]
    """One key per button; Escape leaves the menu."""

    @dataclass
    class TestPrinted(Message):
        """A test page went to the ticket printer, or did not (posted from a worker thread)."""

        printer: str
        error: PrinterError | None

    def __init__(self, staff: StaffMember) -> None:
        """Create the menu for a signed-in technician or admin."""
        super().__init__()
        self.staff = staff
        self._result: tuple[str, dict[str, object], str] | None = None

    def compose(self) -> ComposeResult:
        """Title, state, printer, the last action's result, the buttons, the keys."""
        with Vertical(id="service-box"):
            yield Static(id="service-title")
            yield Static(id="service-state")
            yield Static(id="service-printer")
            yield Static(id="service-result")
            with Horizontal(id="service-buttons"):
                yield Button(id="service-test", variant="primary")
                yield Button(id="service-toggle", variant="warning")
                yield Button(id="service-contrast")
                yield Button(id="service-large")
                yield Button(id="service-back")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Record the visit, ask the printer at once, follow the kiosk's state, close when left idle."""
        box = self.box
        self._audit("service.open")
        box.service_watch.check_printer()
        self.watch(box, "service_generation", self._render_state, init=False)
        self.set_interval(2, self._render_state)
        self.set_interval(5, self._close_when_idle)
        self.query_one("#service-test", Button).focus()

    # -- keys and buttons ----------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Out of service only when in; back in service only when taken out; a test page needs a printer."""
        service = self.box.kiosk_service
        if action == "take_out":
            return not service.taken_out
        if action == "put_back":
            return service.taken_out
        if action == "test_page":
            return self.box.ticket_printer is not None
        return True

    @on(Button.Pressed, "#service-test")
    def _test_pressed(self) -> None:
        self.action_test_page()

    @on(Button.Pressed, "#service-toggle")
    def _toggle_pressed(self) -> None:
        if self.box.kiosk_service.taken_out:
            self.action_put_back()
        else:
            self.action_take_out()

    @on(Button.Pressed, "#service-contrast")
    def _contrast_pressed(self) -> None:
        self.box.action_toggle_high_contrast()

    @on(Button.Pressed, "#service-large")
    def _large_pressed(self) -> None:
        self.box.action_toggle_large_text()

    @on(Button.Pressed, "#service-back")
    def _back_pressed(self) -> None:
        self.action_back()

    def action_back(self) -> None:
        """Leave the menu (the out-of-order screen comes back if the kiosk is out of service)."""
        self.dismiss(None)

    def action_take_out(self) -> None:
        """Take the kiosk out of service until a technician puts it back (kept across restarts)."""
        self._set_out_of_service(True)

    def action_put_back(self) -> None:
        """Put the kiosk back in service (it sells again if its printer is fine)."""
        self._set_out_of_service(False)

    def action_test_page(self) -> None:
        """Print a test page on the ticket printer."""
        name = self.box.ticket_printer
        if name is None:
            return
        config = self.box.config
        self._set_result("service.testing", {"name": name}, "")
        self._print_test_page(printer_spec(config, config.printer(name)), self.box.now().astimezone(config.site.zone))

    def _set_out_of_service(self, out: bool) -> None:
        box = self.box
        terminal_id = box.config.terminal.id
        try:
            run_intent(box.engine, lambda session: set_out_of_service(
                session, terminal_id=terminal_id, out=out, staff_id=self.staff.id, now=box.now()),
                name="take out of service" if out else "put back in service")
        except BoxOfficeError as error:
            self._set_result(f"error.{error.code}", error.params, "bold red")
            return
        box.service_watch.set_taken_out(out)
        self._set_result("service.taken_out" if out else "service.put_back", {}, "bold")
        self.refresh_bindings()

    # -- the test page (a worker thread; the result comes back as a message) --------------------------------------

    @work(thread=True, exclusive=True, group="service-test-page")
    def _print_test_page(self, spec: PrinterSpec, now_local: datetime) -> None:
        try:
            print_document(spec, test_page_document(spec, now_local),
                           job_name=f"test-{spec.name}-{now_local:%Y%m%d-%H%M%S}")
        except PrinterError as error:
            self.post_message(self.TestPrinted(spec.name, error))
        except Exception as exc:  # a font or library failure: logged, shown as printer_failed
            log.exception("service menu test page on %s failed", spec.name)
            self.post_message(self.TestPrinted(spec.name, PrinterError("printer_failed", str(exc))))
        else:
            self.post_message(self.TestPrinted(spec.name, None))

    def on_service_menu_screen_test_printed(self, message: TestPrinted) -> None:
        """Say what came of the test page, record it, and ask the printer again."""
        error = message.error
        self._audit("service.test_page", outcome=error.code if error else "sent")
        if error is None:
            self._set_result("service.test_sent", {"name": message.printer}, "green")
        else:
            self._set_result("service.test_failed", {"name": message.printer,
                                                     "error": self.box.translator.error(error.code)}, "bold red")
        self.box.service_watch.check_printer()

    # -- drawing -------------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language."""
        box = self.box
        title = Text(self.t("service.title"), style="bold")
        title.append(f"  ·  {box.config.terminal.name} ({box.config.terminal.id})  ·  ")
        title.append(self.t("showtimes.signed_in_as", name=self.staff.name, role=self.t(f"role.{self.staff.role}")))
        self.query_one("#service-title", Static).update(title)
        self._label("#service-test", self.t("service.test_page"))
        self._label("#service-contrast", self.t("access.high_contrast"))
        self._label("#service-large", self.t("access.large_text"))
        self._label("#service-back", self.t("service.back"))
        self._render_state()
        self._render_result()

    def _render_state(self, *_: object) -> None:
        box = self.box
        service = box.kiosk_service
        if service.in_service:
            state = Text(self.t("service.in_service"), style="bold green")
        else:
            reason = service.reason or "taken_out_of_service"
            state = Text(self.t("service.out_of_service"), style="bold red")
            state.append(f"  {self.t(f'out_of_order.reason_{reason}')}  ({reason})")
        self.query_one("#service-state", Static).update(state)
        self.query_one("#service-printer", Static).update(self._printer_text())
        toggle = self._label("#service-toggle",
                             self.t("service.put_back_button" if service.taken_out else "service.take_out_button"))
        toggle.variant = "success" if service.taken_out else "warning"
        self.query_one("#service-test", Button).disabled = box.ticket_printer is None

    def _label(self, selector: str, label: str) -> Button:
        """Set a button's label; its width follows (Textual keeps the width measured for the old label)."""
        button = self.query_one(selector, Button)
        if str(button.label) != label:
            button.label = label
            button.clear_cached_dimensions()
            button.refresh(layout=True)
        return button

    def _printer_text(self) -> Text:
        box = self.box
        name = box.ticket_printer
        if name is None:
            return Text(self.t("service.no_printer"), style="bold red")
        watch = box.service_watch
        text = Text(self.t("service.printer", name=name), style="bold")
        text.append(f"  {address(box.config.printer(name))}\n")
        status = watch.last_status
        online = online_state(status)
        text.append(self.t(f"printers.{online}"))
        if status is not None:
            text.append(f" · {self.t('printers.col_paper_status')} {self.t(f'printers.paper_{status.paper}')}")
            text.append(f"  ({status.detail})", style="dim")
            if status.problem:
                text.append(f"\n{box.translator.error(status.problem)}", style="bold red")
        if watch.checked_at is not None:
            checked = watch.checked_at.astimezone(box.config.site.zone).strftime("%H:%M:%S")
            text.append("\n" + self.t("service.checked", time=checked), style="dim")
        return text

    def _set_result(self, key: str, params: dict[str, object], style: str) -> None:
        self._result = (key, params, style)
        self._render_result()

    def _render_result(self) -> None:
        if self._result is None:
            self.query_one("#service-result", Static).update("")
            return
        key, params, style = self._result
        words = (self.box.translator.error(key.removeprefix("error."), **params) if key.startswith("error.")
                 else self.t(key, **params))
        self.query_one("#service-result", Static).update(Text(words, style=style))

    # -- housekeeping ----------------------------------------------------------------------------------------------

    def _close_when_idle(self) -> None:
        if self.app.screen is self and self.box.seconds_since_input() > IDLE_SECONDS:
            self.dismiss(None)

    def _audit(self, action: str, **detail: object) -> None:
        box = self.box
        try:
            run_intent(box.engine, lambda session: audit.record(
                session, now=box.now(), terminal_id=box.config.terminal.id, action=action, staff_id=self.staff.id,
                subject=box.config.terminal.id, **detail), name=action)
        except BoxOfficeError as error:
            log.warning("could not audit %s: %s", action, error.code)
