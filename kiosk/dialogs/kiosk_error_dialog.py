"""What a kiosk customer sees when something broke: sorry, in both languages, and a way back.

The details (the traceback) are in the terminal's log (see :mod:`kiosk.containment`); the customer gets two
ways on: "Back" closes this notice and leaves them where they were, "Start again" goes back to the first screen
and gives back the seats this kiosk holds. While a payment is in progress only "Back" is offered: the buying flow
must finish (or undo) what it started.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from boxoffice.i18n import Translator
from kiosk.screens.base import BoxOfficeScreen


class KioskErrorDialog(BoxOfficeScreen[bool], ModalScreen[bool]):
    """Sorry / 抱歉, what to do, Back and Start again; dismissed with True when the customer starts again."""

    CSS_PATH = "../styles/service.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "key.back")]
    """Escape is Back."""

    def compose(self) -> ComposeResult:
        """The message and the two buttons, in both languages."""
        zh, en = Translator("zh"), Translator("en")
        with Center(), Vertical(id="kiosk-error-box"):
            yield Static(f"{zh('kiosk_error.title')}\n{en('kiosk_error.title')}", id="kiosk-error-title")
            yield Static(f"{zh('kiosk_error.body')}\n{en('kiosk_error.body')}", id="kiosk-error-body")
            with Horizontal(id="kiosk-error-buttons"):
                yield Button(f"{zh('kiosk_error.back')} {en('kiosk_error.back')}", id="kiosk-error-back",
                             variant="primary")
                yield Button(f"{zh('kiosk_error.start_again')} {en('kiosk_error.start_again')}",
                             id="kiosk-error-restart")

    def on_mount(self) -> None:
        """No starting again in the middle of a payment."""
        self.query_one("#kiosk-error-restart", Button).display = not self.box.kiosk_service.payment_in_progress
        self.query_one("#kiosk-error-back", Button).focus()

    @on(Button.Pressed, "#kiosk-error-back")
    def action_back(self) -> None:
        """Close the notice; the customer carries on where they were."""
        self.dismiss(False)

    @on(Button.Pressed, "#kiosk-error-restart")
    def _start_again(self) -> None:
        self.dismiss(True)
