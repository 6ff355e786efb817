"""Staff sign-in at the counter: staff number, PIN, and a clear answer when it fails.

The PIN check is deliberately slow (scrypt, ~40 ms), so it runs in a worker thread and the screen stays
responsive; the result comes back as a message. A wrong PIN says how many attempts are left, a lockout says
how long it still lasts (counting down), and neither reveals whether the staff number exists.

The screen is used two ways: as the first screen of the counter (success opens the showtimes list) and of a
door (the usher's scan screen), and pushed on top of a signed-in screen to switch staff (success or Escape
dismisses it with the new person or None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Static

from boxoffice.errors import BoxOfficeError
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets.translated_footer import TranslatedFooter

if TYPE_CHECKING:  # the store and the domain are imported once the terminal has started (kiosk.app)
    from boxoffice.staff import SignInResult, StaffMember


def format_remaining(seconds: int) -> str:
    """Seconds as ``mm:ss`` (``h:mm:ss`` from an hour up), for a lockout countdown."""
    seconds = max(0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class PinInput(Input):
    """The PIN field: a line feed (Enter typed while the terminal was starting) submits it, as Enter does, after
    the digits before it (a field's own binding, so it waits its turn behind them)."""

    BINDINGS = [Binding("ctrl+j", "submit", show=False)]


class SignInScreen(BoxOfficeScreen["StaffMember | None"]):
    """Staff number and PIN; Enter moves on and then signs in."""

    BINDINGS = [
        Binding("enter", "next_field", show=False, priority=True),
        Binding("ctrl+j", "next_field", show=False, priority=True),
        Binding("escape", "cancel", "key.cancel"),
    ]
    """Enter in the staff number moves to the PIN; Escape goes back when switching staff (hidden otherwise).

    The Enter binding has priority so that focus moves before the next key is delivered: a cashier typing
    "1001⏎1234⏎" in one go must not see the PIN land in the staff number field. Keys typed while the terminal
    is still starting (before the app switches it to raw mode) arrive with Enter turned into a line feed,
    which Textual reads as ctrl+j: it does here what Enter does (in the PIN field, :class:`PinInput`).
    """

    @dataclass
    class Attempted(Message):
        """A sign-in attempt finished (posted from the worker thread)."""

        result: SignInResult | None
        """What the store said, or None when the attempt failed with ``error``."""
        error: BoxOfficeError | None
        """Why the attempt could not be made (store unavailable, unexpected)."""
        at: datetime
        """The clock reading the attempt was judged at."""

    def __init__(self, *, switching: bool = False) -> None:
        """Create the screen.

        Args:
            switching: True when pushed over a signed-in screen to switch staff: it then dismisses with the
                new staff member (or None on Escape) instead of opening the showtimes list.
        """
        super().__init__()
        self.switching = switching
        self._busy = False
        self._message_key: tuple[str, dict[str, object]] = ("signin.prompt", {})
        self._message_error = False
        self._locked_until: datetime | None = None
        self._lock_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """The sign-in box in the middle of the screen, the keys at the bottom."""
        with Center():
            with Vertical(id="signin-box"):
                yield Static(id="signin-site")
                yield Static(id="signin-title")
                yield Label(id="signin-code-label", classes="field-label")
                yield Input(id="signin-code", max_length=16, restrict=r"[0-9A-Za-z]*")
                yield Label(id="signin-pin-label", classes="field-label")
                yield PinInput(id="signin-pin", password=True, max_length=8, restrict=r"[0-9]*")
                yield Button(id="signin-submit", variant="primary")
                yield Static(id="signin-message")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Put the cursor in the staff number field."""
        self.query_one("#signin-code", Input).focus()

    def apply_language(self) -> None:
        """Set the labels and the current message in the current language."""
        site = self.box.config.site
        name = site.name_zh if self.box.language == "zh" else site.name_en
        self.query_one("#signin-site", Static).update(f"{name} · {self.box.config.terminal.name}")
        self.query_one("#signin-title", Static).update(self.t("signin.title"))
        self.query_one("#signin-code-label", Label).update(self.t("signin.staff_code"))
        self.query_one("#signin-pin-label", Label).update(self.t("signin.pin"))
        self.query_one("#signin-submit", Button).label = self.t("signin.submit")
        self._show_message()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape only means something when switching staff; Enter moves on only from the staff number."""
        if action == "cancel":
            return self.switching
        if action == "next_field":
            return self.focused is self.query_one("#signin-code", Input)
        return True

    def action_next_field(self) -> None:
        """Move to the PIN at once (the PIN's own Enter signs in, after its digits have arrived)."""
        self.set_focus(self.query_one("#signin-pin", Input))

    def action_cancel(self) -> None:
        """Leave the staff switch without changing who is signed in."""
        self.dismiss(None)

    @on(Input.Submitted, "#signin-pin")
    @on(Button.Pressed, "#signin-submit")
    def _submit(self) -> None:
        code = self.query_one("#signin-code", Input).value.strip()
        pin = self.query_one("#signin-pin", Input).value
        if not code:
            self.query_one("#signin-code", Input).focus()
            return
        if not pin:
            self.query_one("#signin-pin", Input).focus()
            return
        if self._busy:
            return
        self._busy = True
        self._set_message("signin.busy")
        box = self.box
        staff = box.config.staff
        self._check_pin(
            code,
            pin,
            now=box.now(),
            terminal_id=box.config.terminal.id,
            max_attempts=staff.max_pin_attempts,
            lockout_seconds=staff.lockout_seconds,
        )

    @work(thread=True, exclusive=True, group="sign-in")
    def _check_pin(
        self,
        code: str,
        pin: str,
        *,
        now: datetime,
        terminal_id: str,
        max_attempts: int,
        lockout_seconds: int,
    ) -> None:
        """Check the PIN in a worker thread; everything it needs is passed in from the UI thread.

        A cashier quick enough to sign in while the terminal is still starting waits here for the store.
        """
        from boxoffice.staff import sign_in
        from kiosk.intents import run_intent

        try:
            engine = self.box.wait_until_started()
            result = run_intent(
                engine,
                lambda session: sign_in(
                    session,
                    code=code,
                    pin=pin,
                    now=now,
                    terminal_id=terminal_id,
                    max_attempts=max_attempts,
                    lockout_seconds=lockout_seconds,
                ),
                name="sign-in",
            )
        except BoxOfficeError as error:
            self.post_message(self.Attempted(None, error, now))
        else:
            self.post_message(self.Attempted(result, None, now))

    def on_sign_in_screen_attempted(self, message: Attempted) -> None:
        """Open the counter for the person, or say why not."""
        self._busy = False
        pin_input = self.query_one("#signin-pin", Input)
        pin_input.value = ""
        result = message.result
        if result is not None and result.staff is not None:
            self._stop_lock_countdown()
            self._signed_in(result.staff)
            return
        pin_input.focus()
        if message.error is not None:
            self._set_error(f"error.{message.error.code}", message.error.params)
        elif result is not None and result.error == "staff_locked":
            self._locked_until = message.at + timedelta(seconds=result.locked_seconds or 0)
            self._show_lock()
            if self._lock_timer is None:
                self._lock_timer = self.set_interval(1.0, self._show_lock)
        elif result is not None and result.attempts_left is not None:
            self._set_error("signin.attempts_left", {"left": result.attempts_left})
        else:
            self._set_error("error.signin_failed")

    def _signed_in(self, staff: StaffMember) -> None:
        if self.switching:
            self.dismiss(staff)
            return
        if self.box.mode == "door":  # any signed-in staff member may work the door
            from kiosk.screens.door_screen import DoorScreen

            self.app.switch_screen(DoorScreen(staff))
            return
        if staff.role == "technician":  # a technician does not sell: their home is the printers screen
            from kiosk.screens.printers_screen import PrintersScreen

            self.app.switch_screen(PrintersScreen(staff, home=True))
            return
        from kiosk.screens.showtimes_screen import ShowtimesScreen

        self.app.switch_screen(ShowtimesScreen(staff))

    def _show_lock(self) -> None:
        if self._locked_until is None:
            return
        remaining = int((self._locked_until - self.box.now()).total_seconds() + 0.999)
        if remaining <= 0:
            self._stop_lock_countdown()
            self._set_message("signin.prompt")
            return
        self._set_error("signin.locked", {"time": format_remaining(remaining)})

    def _stop_lock_countdown(self) -> None:
        self._locked_until = None
        if self._lock_timer is not None:
            self._lock_timer.stop()
            self._lock_timer = None

    def _set_message(self, key: str, params: dict[str, object] | None = None) -> None:
        self._message_key, self._message_error = (key, params or {}), False
        self._show_message()

    def _set_error(self, key: str, params: dict[str, object] | None = None) -> None:
        self._message_key, self._message_error = (key, params or {}), True
        self._show_message()

    def _show_message(self) -> None:
        key, params = self._message_key
        label = self.query_one("#signin-message", Static)
        if key.startswith("error."):
            text = self.box.translator.error(key.removeprefix("error."), **params)
        else:
            text = self.t(key, **params)
        label.update(text)
        label.set_class(self._message_error, "-error")
