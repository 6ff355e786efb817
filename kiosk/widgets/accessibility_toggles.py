"""Two buttons a kiosk customer can touch: high contrast and large text, labelled in both languages.

Place it on any kiosk screen (``yield AccessibilityToggles()``): it needs nothing from the screen. Each button
switches the app's setting for the current customer (``app.action_toggle_high_contrast()`` /
``app.action_toggle_large_text()``, also on F9 / F10 in kiosk mode) and shows whether it is on. The app puts
both back to kiosk.toml's defaults with ``reset_accessibility()`` when the customer's session ends.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from boxoffice.i18n import Translator


class AccessibilityToggles(Horizontal):
    """"高对比度 High contrast" and "大字 Large text" buttons that follow the app's settings."""

    DEFAULT_CSS = """
    AccessibilityToggles { height: auto; width: auto; }
    AccessibilityToggles Button { margin: 0 1; min-width: 20; }
    AccessibilityToggles Button.-on { text-style: bold reverse; }
    """

    def compose(self) -> ComposeResult:
        """The two buttons."""
        zh, en = Translator("zh"), Translator("en")
        yield Button(f"{zh('access.high_contrast')} {en('access.high_contrast')}", id="access-contrast")
        yield Button(f"{zh('access.large_text')} {en('access.large_text')}", id="access-large")

    def on_mount(self) -> None:
        """Show the current settings, and follow them."""
        self.watch(self.app, "high_contrast", self._show, init=False)
        self.watch(self.app, "large_text", self._show, init=True)

    def _show(self, *_: Any) -> None:
        app: Any = self.app
        self.query_one("#access-contrast", Button).set_class(bool(getattr(app, "high_contrast", False)), "-on")
        self.query_one("#access-large", Button).set_class(bool(getattr(app, "large_text", False)), "-on")

    @on(Button.Pressed, "#access-contrast")
    async def _contrast(self, event: Button.Pressed) -> None:
        event.stop()
        await self.app.run_action("app.toggle_high_contrast")

    @on(Button.Pressed, "#access-large")
    async def _large(self, event: Button.Pressed) -> None:
        event.stop()
        await self.app.run_action("app.toggle_large_text")
