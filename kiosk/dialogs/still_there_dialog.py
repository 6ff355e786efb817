"""“Are you still there? / 您还在吗？”: the kiosk asks before it gives a silent customer's seats away.

Shown by :class:`kiosk.idle.IdleWatch` over the customer's screen. Any key, touch or click means yes (the
customer carries on where they were); the countdown running out, or "Start over", means no. The countdown is
taken from the app's clock against a deadline, so it is right however late the one-second ticks come.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Digits, Static

from kiosk.kiosk_flow import CustomerScreen
from kiosk.screens.base import BoxOfficeScreen


class StillThereDialog(CustomerScreen, BoxOfficeScreen[bool], ModalScreen[bool]):
    """The question, the seconds left, and two buttons; dismisses True (still there) or False (gone)."""

    CSS_PATH = "../styles/kiosk.tcss"

    def __init__(self, deadline: float) -> None:
        """Ask until ``deadline`` (a POSIX timestamp on the app's clock)."""
        super().__init__()
        self.deadline = deadline

    def compose(self) -> ComposeResult:
        """The question in both languages, the countdown, continue / start over."""
        with Vertical(id="still-box"):
            yield Static(id="still-title")
            yield Static(id="still-other")
            yield Digits(id="still-seconds")
            yield Static(id="still-hint")
            with Horizontal(id="still-buttons"):
                yield Button(id="still-yes", variant="success")
                yield Button(id="still-no", variant="default")

    def on_mount(self) -> None:
        """Focus "continue": Enter answers yes."""
        self.query_one("#still-yes", Button).focus()

    def apply_language(self) -> None:
        """The question in the customer's language, the other language under it."""
        other = "en" if self.box.language == "zh" else "zh"
        self.query_one("#still-title", Static).update(self.t("idle.still_there"))
        self.query_one("#still-other", Static).update(self.box._translators[other]("idle.still_there"))
        self.query_one("#still-hint", Static).update(self.t("idle.hint"))
        self.query_one("#still-yes", Button).label = self.t("idle.yes")
        self.query_one("#still-no", Button).label = self.t("idle.start_over")
        self.show_countdown()

    def seconds_left(self) -> int:
        """Whole seconds until the kiosk starts over (rounded up)."""
        return max(0, int(self.deadline - self.box.now().timestamp() + 0.999))

    def show_countdown(self) -> None:
        """Redraw the seconds left."""
        self.query_one("#still-seconds", Digits).update(str(self.seconds_left()))

    def on_key(self, event: events.Key) -> None:
        """Any key but those that work the buttons: still here."""
        if event.key in ("tab", "shift+tab", "left", "right") or (
                event.key in ("enter", "space") and isinstance(self.focused, Button)):
            if event.key in ("left", "right"):
                self.focus_next() if event.key == "right" else self.focus_previous()
            return
        event.stop()
        self.dismiss(True)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Any touch outside the buttons: still here."""
        if not isinstance(self.get_widget_at(event.screen_x, event.screen_y)[0], Button):
            self.dismiss(True)

    @on(Button.Pressed, "#still-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#still-no")
    def _no(self) -> None:
        self.dismiss(False)
