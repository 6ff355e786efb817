"""One printer's settings, edited by a technician and saved into kiosk.toml with its comments intact.

Only the fields of the chosen connection are shown (host and port for a network printer, ids for USB, ...), the
rest are choices. Saving goes through :func:`kiosk.config_edit.update_printer`, which writes only the keys that
changed and only after the whole new file has passed the config check: when it does not, each problem is shown
under the field it is about (and in full, with the file and key, below the fields) and nothing is written. After a
save the app's config is replaced by the file's new one, so everything opened from then on uses the new settings.

The dialog is dismissed with the changes written (key -> value; None for a key turned off), or None on Escape.
"""

from __future__ import annotations

import re
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, Switch

from kiosk.config import ConfigError, PrinterConfig
from kiosk.config_edit import update_printer
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter
from printing.spec import CHINESE_MODES, CONNECTIONS, CUT_MODES, PAPER_WIDTHS_MM, QR_MODES

CONNECTION_FIELDS = {
    "usb": ("usb_vendor", "usb_product"),
    "network": ("host", "port"),
    "serial": ("device", "baud"),
    "file": ("path",),
    "cups": ("cups_queue",),
    "preview": ("path",),
}
"""The typed fields each connection needs (the others are hidden)."""

TEXT_FIELDS = ("host", "device", "path", "cups_queue")
NUMBER_FIELDS = ("port", "baud")
HEX_FIELDS = ("usb_vendor", "usb_product")
CHOICES: dict[str, tuple[Any, ...]] = {
    "connection": CONNECTIONS,
    "paper_mm": PAPER_WIDTHS_MM,
    "chinese": CHINESE_MODES,
    "qr": QR_MODES,
    "cut": CUT_MODES,
}
FIELDS = ("connection", *HEX_FIELDS, "host", "port", "device", "baud", "path", "cups_queue", "paper_mm", "chinese",
          "qr", "cut", "fallback", "drawer")
"""Every field in the order shown; each has a ``printer_settings.<field>`` label."""

NO_FALLBACK = "-"
"""The fallback choice "none" (printer names cannot be ``-``)."""

_PROBLEM_KEY = re.compile(r"printers\[(\d+)\](?:\.(\w+))?: (.*)$")


def hex_id(value: int | None) -> str:
    """A USB id as typed and shown: ``0x04b8``."""
    return "" if value is None else f"0x{value:04x}"


def problem_fields(problem: str, index: int) -> tuple[list[str], str]:
    """The fields of printer ``index`` that a ConfigError line is about, and its words without file and key."""
    match = _PROBLEM_KEY.search(problem)
    if match is None:
        named = [field for field in FIELDS if re.search(rf"\b{field}\b", problem)]
        return (named if "fallback" in named else []), problem.split(": ", 1)[-1]
    if int(match.group(1)) != index:
        return [], match.group(3)
    if match.group(2):
        return [match.group(2)], match.group(3)
    return [field for field in FIELDS if re.search(rf"\b{field}\b", match.group(3))], match.group(3)


class PrinterSettingsDialog(BoxOfficeScreen[dict[str, object] | None], ModalScreen[dict[str, object] | None]):
    """The settings of one configured printer; Enter saves them into kiosk.toml, Escape leaves them."""

    CSS_PATH = "../styles/printers.tcss"
    """Styles of the printers screen and this dialog."""

    BINDINGS = [
        Binding("enter", "save", "key.save", key_display="⏎", priority=True),
        Binding("escape", "cancel", "key.cancel"),
    ]
    """Enter saves from any field (an open drop-down keeps its Enter; space or ↓ opens one); Escape cancels."""

    def __init__(self, name: str) -> None:
        """Create the dialog for the printer called ``name`` in the app's config."""
        super().__init__()
        self.printer_name = name
        self._problems: list[str] = []
        self._field_problems: dict[str, str] = {}

    @property
    def printer(self) -> PrinterConfig:
        """The printer as the app's config has it now."""
        return self.box.config.printer(self.printer_name)

    def compose(self) -> ComposeResult:
        """The fields in a scrollable box, the save and cancel buttons, the problems."""
        printer = self.box.config.printer(self.printer_name)
        others = [p.name for p in self.box.config.printers if p.name != printer.name]
        with Vertical(id="settings-box", classes="dialog-box"):
            yield Static(id="settings-title", classes="dialog-title")
            with VerticalScroll(id="settings-fields"):
                for field in FIELDS:
                    with Horizontal(id=f"row-{field}", classes="settings-row"):
                        yield Label(id=f"label-{field}", classes="settings-label")
                        yield self._field_widget(field, printer, others)
                        if field == "drawer":
                            yield Static(id="settings-drawer-state")
                    yield Static(id=f"problem-{field}", classes="settings-problem")
            yield Static(id="settings-problems")
            with Horizontal(id="settings-buttons"):
                yield Button(id="settings-save", variant="primary", compact=True)
                yield Button(id="settings-cancel", compact=True)
        yield TranslatedFooter()

    def _field_widget(self, field: str, printer: PrinterConfig, others: list[str]) -> Widget:
        value = getattr(printer, field)
        if field in CHOICES:
            options = [(str(choice), choice) for choice in CHOICES[field]]
            return Select(options, value=value, allow_blank=False, compact=True, id=f"field-{field}")
        if field == "fallback":
            options = [(NO_FALLBACK, NO_FALLBACK), *((name, name) for name in others)]
            return Select(options, value=value or NO_FALLBACK, allow_blank=False, compact=True, id="field-fallback")
        if field == "drawer":
            return Switch(value=bool(value), id="field-drawer")
        if field in HEX_FIELDS:
            return Input(hex_id(value), id=f"field-{field}", compact=True, max_length=6,
                         restrict=r"(0[xX]?)?[0-9a-fA-F]*")
        if field in NUMBER_FIELDS:
            return Input(str(value), id=f"field-{field}", compact=True, max_length=6, restrict=r"[0-9]*")
        return Input(value or "", id=f"field-{field}", compact=True, max_length=200)

    def on_mount(self) -> None:
        """Show the fields of the printer's connection and start on the first one."""
        self._show_connection_fields(self.printer.connection)
        self.query_one("#field-connection", Select).focus()

    def apply_language(self) -> None:
        """Every text in the current language."""
        self.query_one("#settings-title", Static).update(self.t("printer_settings.title", name=self.printer_name))
        for field in FIELDS:
            self.query_one(f"#label-{field}", Label).update(self.t(f"printer_settings.{field}"))
        self.query_one("#settings-save", Button).label = self.t("printer_settings.save")
        self.query_one("#settings-cancel", Button).label = self.t("printer_settings.cancel")
        self._show_drawer()
        self._show_problems()

    # -- keys ------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter belongs to an open drop-down and to the Cancel button."""
        if action == "save":
            if any(select.expanded for select in self.query(Select)):
                return False
            return self.focused is not self.query_one("#settings-cancel", Button)
        return True

    def action_cancel(self) -> None:
        """Leave without saving."""
        self.dismiss(None)

    @on(Button.Pressed, "#settings-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#settings-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Select.Changed, "#field-connection")
    def _connection_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._show_connection_fields(event.value)

    @on(Switch.Changed, "#field-drawer")
    def _show_drawer(self) -> None:
        """Say the switch's state in words too (its colours alone are easy to misread)."""
        on_ = self.query_one("#field-drawer", Switch).value
        self.query_one("#settings-drawer-state", Static).update(
            self.t("printer_settings.drawer_yes" if on_ else "printer_settings.drawer_no"))

    def _show_connection_fields(self, connection: str) -> None:
        wanted = CONNECTION_FIELDS.get(connection, ())
        for field in (*HEX_FIELDS, *TEXT_FIELDS, *NUMBER_FIELDS):
            self.query_one(f"#row-{field}").display = field in wanted
            self.query_one(f"#problem-{field}").display = field in wanted

    # -- saving ----------------------------------------------------------------------------------------------

    def action_save(self) -> None:
        """Write the changed settings into kiosk.toml, or show why they cannot be saved (nothing is written)."""
        changes, problems = self._changes()
        if problems:
            self._set_problems([], problems)
            return
        if not changes:
            self.dismiss(None)
            return
        box = self.box
        try:
            config = update_printer(box.config.source, self.printer_name, changes)
        except ConfigError as error:
            index = [p.name for p in box.config.printers].index(self.printer_name)
            fields: dict[str, str] = {}
            for line in error.problems:
                named, words = problem_fields(line, index)
                for field in named:
                    fields.setdefault(field, words)
            self._set_problems(error.problems, fields)
            return
        box.config = config
        self.dismiss(changes)

    def _changes(self) -> tuple[dict[str, object], dict[str, str]]:
        """What differs from the current settings, and the fields whose text is not a value at all."""
        printer = self.printer
        changes: dict[str, object] = {}
        problems: dict[str, str] = {}
        connection = self.query_one("#field-connection", Select).value
        wanted = CONNECTION_FIELDS.get(str(connection), ())
        for field in FIELDS:
            widget = self.query_one(f"#field-{field}")
            value: object
            if isinstance(widget, Select):
                value = widget.value
                if field == "fallback":
                    value = None if value == NO_FALLBACK else value
            elif isinstance(widget, Switch):
                value = widget.value
            elif isinstance(widget, Input):
                text = widget.value.strip()
                if field not in wanted:  # hidden: left as it is
                    continue
                if not text:
                    value = None
                elif field in HEX_FIELDS:
                    try:
                        value = int(text, 16)
                    except ValueError:
                        problems[field] = self.t("printer_settings.not_hex")
                        continue
                elif field in NUMBER_FIELDS:
                    value = int(text) if text.isdigit() else None
                    if value is None:
                        problems[field] = self.t("printer_settings.not_number")
                        continue
                else:
                    value = text
            else:
                continue
            if value != getattr(printer, field):
                changes[field] = value
        return changes, problems

    # -- problems --------------------------------------------------------------------------------------------

    def _set_problems(self, lines: list[str], fields: dict[str, str]) -> None:
        self._problems = lines
        self._field_problems = fields
        self._show_problems()
        for field in FIELDS:
            if field in fields and self.query_one(f"#row-{field}").display:
                self.query_one(f"#field-{field}").focus()
                break

    def _show_problems(self) -> None:
        for field in FIELDS:
            label = self.query_one(f"#problem-{field}", Static)
            words = self._field_problems.get(field, "")
            label.update(f"↑ {words}" if words else "")
        summary = self.query_one("#settings-problems", Static)
        if self._problems:
            summary.update("\n".join([self.t("printer_settings.not_saved"), *self._problems]))
        elif self._field_problems:
            summary.update(self.t("printer_settings.not_saved_fields"))
        else:
            summary.update(self.t("printer_settings.hint"))
        summary.set_class(bool(self._problems or self._field_problems), "-error")
