"""The line under an input that says what just happened, in the current language.

Screens say a catalog key with its values and a style (``-error``, ``-ok``, ``-locked``); the line keeps them and
says them again when the person switches language (F2, or a kiosk customer's choice), so a message is never left
in the other language. Keys under ``error.`` go through :meth:`Translator.error`, which also knows the refund
policy's reason words.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

STYLES = ("-error", "-ok", "-locked")


class MessageLine(Static):
    """A translated one-line message with a style class."""

    DEFAULT_CSS = """
    MessageLine { width: 100%; height: auto; min-height: 1; }
    MessageLine.-error { color: $text-error; text-style: bold; }
    MessageLine.-ok { color: $text-success; text-style: bold; }
    MessageLine.-locked { color: $text-warning; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """Create an empty line."""
        super().__init__(id=id, classes=classes)
        self.message: tuple[str, dict[str, Any], str] | None = None
        """What is said: (catalog key, values, style), or None."""

    def on_mount(self) -> None:
        """Say it again in the new language whenever the app's language changes."""
        self.watch(self.app, "language", self._language_changed, init=False)

    def _language_changed(self) -> None:
        self.render_message()

    @property
    def style_class(self) -> str:
        """The style of what is said now (``""`` when nothing is)."""
        return self.message[2] if self.message else ""

    def say(self, key: str | None, style: str = "", **params: Any) -> None:
        """Say a catalog key (None: clear the line)."""
        self.message = (key, params, style) if key else None
        self.render_message()

    def render_message(self) -> None:
        """Draw what is said in the current language."""
        self.remove_class(*STYLES)
        if self.message is None:
            self.update("")
            return
        key, params, style = self.message
        translator = self.app.translator  # type: ignore[attr-defined]
        if key.startswith("error."):
            self.update(translator.error(key.removeprefix("error."), **params))
        else:
            self.update(translator(key, **params))
        if style:
            self.add_class(style)
