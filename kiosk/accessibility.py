"""High contrast and large text for a kiosk's customers, and the toggles that switch them.

Two settings, each with a default in kiosk.toml (``[kiosk] theme``, ``large_text``) and a switch a customer can
press for their own session (the app's ``toggle_high_contrast`` / ``toggle_large_text`` actions, bound in kiosk
mode to F9 and F10, and the :class:`~kiosk.widgets.accessibility_toggles.AccessibilityToggles` buttons):

* **high contrast** is a Textual theme, :data:`HIGH_CONTRAST`: white text on black, yellow for what can be
  pressed and for focus, no dimmed greys (every screen's ``$variables`` follow it), and the ``-high-contrast``
  class on the app, with which ``styles/access.tcss`` outlines plain buttons in white.
* **large text**: the glyphs' size belongs to the terminal (its font size, set where the kiosk's terminal is
  started), so the app does what it can inside it: the ``-large-text`` class on the app, which the styles in
  ``styles/access.tcss`` use for taller buttons with more room around them, bold words and wider margins.

The app calls :func:`apply` whenever either changes; ``BoxOfficeApp.reset_accessibility()`` goes back to the
configured defaults (call it when a customer's session ends, as with the language).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import constants
from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import App

DEFAULT_THEME = constants.DEFAULT_THEME
"""The theme of every terminal unless a kiosk is set to high contrast (Textual's default)."""

HIGH_CONTRAST = Theme(
    name="boxoffice-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    warning="#FFB000",
    error="#FF4040",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#000000",
    dark=True,
    text_alpha=1.0,
    variables={
        "text": "#FFFFFF",
        "text-muted": "#FFFFFF",
        "text-disabled": "#D0D0D0",
        "border": "#FFFF00",
        "border-blurred": "#FFFFFF",
        "primary-muted": "#000000",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "footer-background": "#000000",
        "footer-foreground": "#FFFFFF",
        "footer-key-foreground": "#FFFF00",
        "button-foreground": "#FFFFFF",
        "button-color-foreground": "#000000",
        "input-cursor-background": "#FFFF00",
    },
)
"""White on black, yellow for actions and focus (contrast well above WCAG's 7:1 for body text)."""

LARGE_TEXT_CLASS = "-large-text"
"""Set on the app while large text is on (see ``styles/access.tcss``)."""

HIGH_CONTRAST_CLASS = "-high-contrast"
"""Set on the app while high contrast is on: ``styles/access.tcss`` outlines plain buttons in white."""


def apply(app: App[Any], *, high_contrast: bool, large_text: bool) -> None:
    """Switch the app's theme and the large-text class."""
    if HIGH_CONTRAST.name not in app.available_themes:
        app.register_theme(HIGH_CONTRAST)
    app.theme = HIGH_CONTRAST.name if high_contrast else DEFAULT_THEME
    app.set_class(large_text, LARGE_TEXT_CLASS)
    app.set_class(high_contrast, HIGH_CONTRAST_CLASS)
