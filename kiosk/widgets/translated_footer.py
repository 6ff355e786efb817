"""A footer whose key descriptions follow the terminal's language.

Textual's Footer shows each binding's ``description`` as written. Ours are catalog keys (``key.sign_out``), so
this footer looks each one up in the app's current translator as it builds its keys. Screens call
``refresh_bindings()`` after a language switch, which rebuilds the footer in the new language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer


class TranslatedFooter(Footer):
    """The key bar at the bottom of a screen, in the app's current language.

    The command palette key is hidden by default (its Textual label is English only). A description that is
    not a catalog key is shown as written.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("show_command_palette", False)
        super().__init__(*args, **kwargs)

    def compose(self) -> ComposeResult:
        """Build the footer's keys, translating each description."""
        translate: Callable[[str], str] | None = getattr(self.app, "translator", None)
        for widget in super().compose():
            # Textual's FooterKey is private; its public shape is a widget with a ``description`` string.
            description = getattr(widget, "description", None)
            if translate is not None and isinstance(description, str) and description:
                widget.description = translate(description)  # type: ignore[attr-defined]
            yield widget
