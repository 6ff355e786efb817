"""A supervisor's approval of a sale that breaks seat rules: staff number, PIN and a reason.

The counter cannot sell a selection that, say, strands a single empty seat, unless a supervisor allows it. This
dialog shows which rules are broken and for which seats, and asks the supervisor to identify themselves on the
spot. The PIN is checked like a sign-in (a wrong PIN counts towards the supervisor's lockout, so the dialog
cannot be used to guess PINs), in a worker thread because the check is deliberately slow. The reason is
required: it goes into the audit entry of the sale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.staff import SignInResult, StaffMember, approve_override
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.screens.sign_in_screen import format_remaining
from kiosk.widgets import TranslatedFooter


@dataclass(frozen=True)
class Approval:
    """A supervisor allowed the sale despite the broken rules."""

    approver: StaffMember
    """The supervisor whose PIN was checked."""
    reason: str
    """Why, in their words (audited with the sale)."""


class OverrideDialog(BoxOfficeScreen[Approval | None], ModalScreen[Approval | None]):
    """Which rules a sale breaks, and a supervisor's number, PIN and reason to allow it anyway."""

    CSS_PATH = "../styles/payment.tcss"
    """Styles of the payment screen and its dialogs (loaded once, when first shown)."""

    BINDINGS = [
        Binding("enter", "next_field", show=False, priority=True),
        Binding("escape", "cancel", "key.cancel"),
    ]
    """Enter moves from the staff number to the PIN to the reason, then asks; Escape cancels.

    The Enter binding has priority so that the focus moves before the next key is delivered (as on the sign-in
    screen); after a wrong PIN the reason is kept, and the PIN's own Enter asks again.
    """

    @dataclass
    class Checked(Message):
        """The supervisor's PIN check finished (posted from the worker thread)."""

        result: SignInResult | None
        """What the store said, or None when the check could not be made (``error``)."""
        error: BoxOfficeError | None
        """Why the check could not be made."""
        at: datetime
        """The clock reading the check was made at."""

    def __init__(self, *, rules: Sequence[str], seats: Sequence[str], suggested_code: str = "") -> None:
        """Create the dialog.

        Args:
            rules: the broken rule codes (each has words under ``error.<code>``).
            seats: the labels of the seats concerned.
            suggested_code: a staff number to fill in (the signed-in person, when they may approve).
        """
        super().__init__()
        self.rules = tuple(rules)
        self.seats = tuple(seats)
        self._suggested_code = suggested_code
        self._busy = False
        self._message: tuple[str, dict[str, object], bool] = ("override.prompt", {}, False)
        self._locked_until: datetime | None = None
        self._lock_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """The rules, the seats, three fields and two buttons, in a box in the middle."""
        with Vertical(id="override-box", classes="dialog-box"):
            yield Static(id="override-title", classes="dialog-title")
            yield Static(id="override-rules")
            yield Static(id="override-seats")
            yield Label(id="override-code-label", classes="field-label")
            yield Input(self._suggested_code, id="override-code", max_length=16, restrict=r"[0-9A-Za-z]*")
            yield Label(id="override-pin-label", classes="field-label")
            yield Input(id="override-pin", password=True, max_length=8, restrict=r"[0-9]*")
            yield Label(id="override-reason-label", classes="field-label")
            yield Input(id="override-reason", max_length=200)
            with Horizontal(id="override-buttons"):
                yield Button(id="override-approve", variant="warning")
                yield Button(id="override-cancel")
            yield Static(id="override-message")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Start where typing is needed: the PIN when the staff number is filled in."""
        self.set_focus(self.query_one("#override-pin" if self._suggested_code else "#override-code", Input))

    def apply_language(self) -> None:
        """Every text in the current language."""
        words = self.box.translator
        self.query_one("#override-title", Static).update(self.t("override.title"))
        rules = "\n".join(f"• {words.error(code)}" for code in self.rules)
        self.query_one("#override-rules", Static).update(f"{self.t('override.broken')}\n{rules}")
        self.query_one("#override-seats", Static).update(
            self.t("override.seats", seats=", ".join(self.seats)) if self.seats else "")
        self.query_one("#override-code-label", Label).update(self.t("override.staff_code"))
        self.query_one("#override-pin-label", Label).update(self.t("override.pin"))
        self.query_one("#override-reason-label", Label).update(self.t("override.reason"))
        self.query_one("#override-approve", Button).label = self.t("override.approve")
        self.query_one("#override-cancel", Button).label = self.t("override.cancel")
        self._show_message()

    # -- keys ------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter moves on from the staff number, and from the PIN while the reason is empty; otherwise the
        field's own Enter asks (after the characters typed before it have arrived)."""
        if action == "next_field":
            focused = self.focused
            if focused is self.query_one("#override-code"):
                return True
            return focused is self.query_one("#override-pin") and not self.query_one("#override-reason", Input).value
        return True

    def action_next_field(self) -> None:
        """The next field, at once, so that what is typed next lands there."""
        if self.focused is self.query_one("#override-code"):
            self.set_focus(self.query_one("#override-pin", Input))
        else:
            self.set_focus(self.query_one("#override-reason", Input))

    def action_cancel(self) -> None:
        """Leave without an approval."""
        self._stop_lock_countdown()
        self.dismiss(None)

    @on(Button.Pressed, "#override-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#override-reason")
    @on(Input.Submitted, "#override-pin")
    @on(Button.Pressed, "#override-approve")
    def _submit(self) -> None:
        code = self.query_one("#override-code", Input).value.strip()
        pin = self.query_one("#override-pin", Input).value
        reason = self.query_one("#override-reason", Input).value.strip()
        for value, field in ((code, "#override-code"), (pin, "#override-pin")):
            if not value:
                self.set_focus(self.query_one(field, Input))
                return
        if not reason:
            self._set_message("override.reason_needed", error=True)
            self.set_focus(self.query_one("#override-reason", Input))
            return
        if self._busy:
            return
        self._busy = True
        self._set_message("override.busy")
        box = self.box
        self._check(code, pin, engine=box.engine, now=box.now(), terminal_id=box.config.terminal.id,
                    max_attempts=box.config.staff.max_pin_attempts, lockout_seconds=box.config.staff.lockout_seconds)

    @work(thread=True, exclusive=True, group="override")
    def _check(self, code: str, pin: str, *, engine: Engine, now: datetime, terminal_id: str, max_attempts: int,
               lockout_seconds: int) -> None:
        """Check the supervisor's PIN in a worker thread (one transaction: a wrong PIN is counted)."""
        try:
            result = run_intent(engine, lambda session: approve_override(
                session, code=code, pin=pin, now=now, terminal_id=terminal_id, max_attempts=max_attempts,
                lockout_seconds=lockout_seconds), name="override approval")
        except BoxOfficeError as error:
            self.post_message(self.Checked(None, error, now))
        else:
            self.post_message(self.Checked(result, None, now))

    def on_override_dialog_checked(self, message: Checked) -> None:
        """Approve with the supervisor, or say why not (attempts left, lockout time, not a supervisor)."""
        self._busy = False
        pin = self.query_one("#override-pin", Input)
        pin.value = ""
        result = message.result
        if result is not None and result.staff is not None:
            self._stop_lock_countdown()
            reason = self.query_one("#override-reason", Input).value.strip()
            self.dismiss(Approval(result.staff, reason))
            return
        self.set_focus(pin)
        if message.error is not None:
            self._set_message(f"error.{message.error.code}", message.error.params, error=True)
        elif result is not None and result.error == "staff_locked":
            self._locked_until = message.at + timedelta(seconds=result.locked_seconds or 0)
            self._show_lock()
            if self._lock_timer is None:
                self._lock_timer = self.set_interval(1.0, self._show_lock)
        elif result is not None and result.error == "approval_not_allowed":
            self._set_message("override.not_allowed", error=True)
        elif result is not None and result.attempts_left is not None:
            self._set_message("signin.attempts_left", {"left": result.attempts_left}, error=True)
        else:
            self._set_message("error.signin_failed", error=True)

    # -- message line ----------------------------------------------------------------------------------------

    def _show_lock(self) -> None:
        if self._locked_until is None:
            return
        remaining = int((self._locked_until - self.box.now()).total_seconds() + 0.999)
        if remaining <= 0:
            self._stop_lock_countdown()
            self._set_message("override.prompt")
            return
        self._set_message("signin.locked", {"time": format_remaining(remaining)}, error=True)

    def _stop_lock_countdown(self) -> None:
        self._locked_until = None
        if self._lock_timer is not None:
            self._lock_timer.stop()
            self._lock_timer = None

    def _set_message(self, key: str, params: dict[str, object] | None = None, *, error: bool = False) -> None:
        self._message = (key, params or {}, error)
        self._show_message()

    def _show_message(self) -> None:
        key, params, error = self._message
        if key.startswith("error."):
            text = self.box.translator.error(key.removeprefix("error."), **params)
        else:
            text = self.t(key, **params)
        label = self.query_one("#override-message", Static)
        label.update(text)
        label.set_class(error, "-error")
