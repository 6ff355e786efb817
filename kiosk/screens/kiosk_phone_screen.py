"""Buying, step 6: a mobile number for the pickup code by SMS, if the customer wants one.

Optional: "Skip" (or Continue with the field empty) goes on without. The number is typed on the keyboard or on
the keypad on screen; it must be a mainland mobile number (:func:`boxoffice.privacy.normalize_phone`) and is
shown masked on the next step. With it, the pickup code also reaches the customer's phone, which matters most
when the printer fails after paying.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Static

from boxoffice.privacy import normalize_phone
from kiosk.screens.kiosk_step import KioskStepScreen

KEYPAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "delete")


class KioskPhoneScreen(KioskStepScreen):
    """The number field, a keypad, and Skip."""

    STEP = "phone"
    CONTINUE = "buy.continue"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "continue", "buy.continue", show=False)]

    def compose_body(self) -> ComposeResult:
        """Prompt, why, the field and the keypad beside Skip."""
        yield Static(classes="kiosk-prompt")
        yield Static(id="phone-why")
        with Center(), Horizontal(id="phone-row"):
            with Vertical(id="phone-field"):
                yield Input(value=self.purchase.phone or "", id="phone-input", max_length=20,
                            restrict=r"[0-9 +\-]*")
                yield Static(id="phone-hint")
                yield Button(id="phone-skip")
            with Grid(id="phone-keypad"):
                for key in KEYPAD:
                    yield Button("⌫" if key == "delete" else key if key != "clear" else "C",
                                 id=f"key-{key}", classes="keypad-key")

    def on_mount(self) -> None:
        """The cursor in the field (a keyboard types straight in)."""
        self.query_one("#phone-input", Input).focus()

    def apply_step_language(self) -> None:
        """Prompt, explanation and buttons in the current language."""
        self.query_one(".kiosk-prompt", Static).update(self.t("buy.phone_prompt"))
        self.query_one("#phone-why", Static).update(self.t("buy.phone_why"))
        self.query_one("#phone-input", Input).placeholder = self.t("buy.phone_placeholder")
        self.query_one("#phone-hint", Static).update(self.t("buy.phone_hint"))
        self.query_one("#phone-skip", Button).label = self.t("buy.phone_skip")

    @on(Button.Pressed, ".keypad-key")
    def _key(self, event: Button.Pressed) -> None:
        field = self.query_one("#phone-input", Input)
        key = (event.button.id or "").removeprefix("key-")
        if key == "delete":
            field.value = field.value[:-1]
        elif key == "clear":
            field.value = ""
        elif len(field.value) < (field.max_length or 20):
            field.value += key
        field.cursor_position = len(field.value)
        self.say("")

    @on(Input.Submitted, "#phone-input")
    def _submitted(self) -> None:
        self.action_continue()

    @on(Button.Pressed, "#phone-skip")
    def _skip(self) -> None:
        self.query_one("#phone-input", Input).value = ""
        self.purchase.phone = None
        self._next()

    def action_continue(self) -> None:
        """Take the number (or none) and go on to the total and payment."""
        text = self.query_one("#phone-input", Input).value.strip()
        if not text:
            self.purchase.phone = None
        else:
            phone = normalize_phone(text)
            if phone is None:
                self.say(self.t("buy.phone_invalid"), error=True)
                self.app.bell()
                return
            self.purchase.phone = phone
        self._next()

    def _next(self) -> None:
        from kiosk.screens.kiosk_pay_screen import KioskPayScreen

        self.app.push_screen(KioskPayScreen(self.purchase))
