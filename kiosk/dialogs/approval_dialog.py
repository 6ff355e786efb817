"""A supervisor's approval of any controlled action: staff number, PIN and (when asked for) a reason.

Retrying, moving, reprinting, confirming or cancelling a print job, and later other controlled actions, need a
supervisor on the spot. This dialog says what is to be approved (a title and one or more lines of detail) and
checks the supervisor: the PIN is checked as a sign-in (a wrong PIN counts towards the supervisor's lockout, so the dialog cannot be used to guess
PINs) in a worker thread, a lockout is counted down, and a person who may not approve is told so. The result is
an :class:`Approval` (approver, reason), or None when cancelled. :class:`~kiosk.dialogs.override_dialog.OverrideDialog`
is this dialog for seat rules.

The reason is required when the caller says so (reprints: it goes into the audit entry); otherwise it may be
left empty and Enter on the PIN asks at once.
"""

from __future__ import annotations

from collections.abc import Mapping
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

Detail = str | tuple[str, Mapping[str, object]]
"""What is approved: plain text, or a catalog key with its parameters (then it follows the language). A
parameter given as ``("error", code)`` is replaced by the words for that error code."""


@dataclass(frozen=True)
class Approval:
    """A supervisor allowed a controlled action."""

    approver: StaffMember
    """The supervisor whose PIN was checked."""
    reason: str
    """Why, in their words (audited with the action)."""

__all__ = ["Approval", "ApprovalDialog", "Detail"]


class ApprovalDialog(BoxOfficeScreen[Approval | None], ModalScreen[Approval | None]):
    """What is to be approved, and a supervisor's number, PIN and reason to approve it."""

    CSS_PATH = "../styles/payment.tcss"
    """The dialog box and field styles shared with the override dialog (``.dialog-box`` …)."""

    DEFAULT_CSS = """
    ApprovalDialog {
        align: center middle;
    }
    #approval-box {
        border: thick $warning;
    }
    #approval-detail {
        margin: 0 0 1 0;
        color: $text-warning;
    }
    #approval-buttons {
        height: auto;
        margin: 1 0 0 0;
    }
    #approval-buttons Button {
        width: 1fr;
        margin: 0 1 0 0;
    }
    #approval-message {
        height: 2;
        margin: 1 0 0 0;
        color: $text-muted;
        text-align: center;
        width: 100%;
    }
    #approval-message.-error {
        color: $text-error;
        text-style: bold;
    }
    """

    BINDINGS = [
        Binding("enter", "next_field", show=False, priority=True),
        Binding("escape", "cancel", "key.cancel"),
    ]
    """Enter moves from the staff number to the PIN (to the reason when one is required and still empty), then
    asks; Escape cancels. Priority, so that the focus moves before the next key arrives."""

    @dataclass
    class Checked(Message):
        """The supervisor's PIN check finished (posted from the worker thread)."""

        result: SignInResult | None
        """What the store said, or None when the check could not be made (``error``)."""
        error: BoxOfficeError | None
        """Why the check could not be made."""
        at: datetime
        """The clock reading the check was made at."""

    def __init__(self, title_key: str, detail: Detail | list[Detail] = "",
                 reason_required: bool = False, *, suggested_code: str = "") -> None:
        """Create the dialog.

        Args:
            title_key: catalog key of the title (what is to be approved).
            detail: the line saying exactly what happens once approved (a list: several lines).
            reason_required: the reason must be filled in (it is audited).
            suggested_code: a staff number to fill in (the signed-in person, when they may approve).
        """
        super().__init__()
        self.title_key = title_key
        self.details: tuple[Detail, ...] = tuple(detail) if isinstance(detail, list) else (
            (detail,) if detail else ())
        self.reason_required = reason_required
        self._suggested_code = suggested_code
        self._busy = False
        self._message: tuple[str, dict[str, object], bool] = (self._prompt_key(), {}, False)
        self._locked_until: datetime | None = None
        self._lock_timer: Timer | None = None

    def _prompt_key(self) -> str:
        return "override.prompt" if self.reason_required else "print_queue.approval_prompt"

    def compose(self) -> ComposeResult:
        """The title, the detail, three fields and two buttons, in a box in the middle."""
        with Vertical(id="approval-box", classes="dialog-box"):
            yield Static(id="approval-title", classes="dialog-title")
            yield Static(id="approval-detail")
            yield Label(id="approval-code-label", classes="field-label")
            yield Input(self._suggested_code, id="approval-code", max_length=16, restrict=r"[0-9A-Za-z]*")
            yield Label(id="approval-pin-label", classes="field-label")
            yield Input(id="approval-pin", password=True, max_length=8, restrict=r"[0-9]*")
            yield Label(id="approval-reason-label", classes="field-label")
            yield Input(id="approval-reason", max_length=200)
            with Horizontal(id="approval-buttons"):
                yield Button(id="approval-approve", variant="warning")
                yield Button(id="approval-cancel")
            yield Static(id="approval-message")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Start where typing is needed: the PIN when the staff number is filled in."""
        self.set_focus(self.query_one("#approval-pin" if self._suggested_code else "#approval-code", Input))

    def apply_language(self) -> None:
        """Every text in the current language."""
        self.query_one("#approval-title", Static).update(self.t(self.title_key))
        lines = [item if isinstance(item, str) else self.t(item[0], **self._words(item[1])) for item in self.details]
        self.query_one("#approval-detail", Static).update("\n".join(lines))
        self.query_one("#approval-code-label", Label).update(self.t("override.staff_code"))
        self.query_one("#approval-pin-label", Label).update(self.t("override.pin"))
        self.query_one("#approval-reason-label", Label).update(
            self.t("override.reason" if self.reason_required else "print_queue.approval_reason_optional"))
        self.query_one("#approval-approve", Button).label = self.t("override.approve")
        self.query_one("#approval-cancel", Button).label = self.t("override.cancel")
        self._show_message()

    def _words(self, params: Mapping[str, object]) -> dict[str, object]:
        words = self.box.translator
        return {key: words.error(value[1]) if isinstance(value, tuple) and value[:1] == ("error",) else value
                for key, value in params.items()}

    # -- keys ------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter moves on from the staff number, and from the PIN while a required reason is empty; otherwise
        the field's own Enter asks (after the characters typed before it have arrived)."""
        if action == "next_field":
            focused = self.focused
            if focused is self.query_one("#approval-code"):
                return True
            return (self.reason_required and focused is self.query_one("#approval-pin")
                    and not self.query_one("#approval-reason", Input).value)
        return True

    def action_next_field(self) -> None:
        """The next field, at once, so that what is typed next lands there."""
        if self.focused is self.query_one("#approval-code"):
            self.set_focus(self.query_one("#approval-pin", Input))
        else:
            self.set_focus(self.query_one("#approval-reason", Input))

    def action_cancel(self) -> None:
        """Leave without an approval."""
        self._stop_lock_countdown()
        self.dismiss(None)

    @on(Button.Pressed, "#approval-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#approval-reason")
    @on(Input.Submitted, "#approval-pin")
    @on(Button.Pressed, "#approval-approve")
    def _submit(self) -> None:
        code = self.query_one("#approval-code", Input).value.strip()
        pin = self.query_one("#approval-pin", Input).value
        reason = self.query_one("#approval-reason", Input).value.strip()
        for value, field in ((code, "#approval-code"), (pin, "#approval-pin")):
            if not value:
                self.set_focus(self.query_one(field, Input))
                return
        if self.reason_required and not reason:
            self._set_message("override.reason_needed", error=True)
            self.set_focus(self.query_one("#approval-reason", Input))
            return
        if self._busy:
            return
        self._busy = True
        self._set_message("override.busy")
        box = self.box
        self._check(code, pin, engine=box.engine, now=box.now(), terminal_id=box.config.terminal.id,
                    max_attempts=box.config.staff.max_pin_attempts, lockout_seconds=box.config.staff.lockout_seconds)

    @work(thread=True, exclusive=True, group="approval")
    def _check(self, code: str, pin: str, *, engine: Engine, now: datetime, terminal_id: str, max_attempts: int,
               lockout_seconds: int) -> None:
        """Check the supervisor's PIN in a worker thread (one transaction: a wrong PIN is counted)."""
        try:
            result = run_intent(engine, lambda session: approve_override(
                session, code=code, pin=pin, now=now, terminal_id=terminal_id, max_attempts=max_attempts,
                lockout_seconds=lockout_seconds), name="approval")
        except BoxOfficeError as error:
            self.post_message(self.Checked(None, error, now))
        else:
            self.post_message(self.Checked(result, None, now))

    def on_approval_dialog_checked(self, message: Checked) -> None:
        """Approve with the supervisor, or say why not (attempts left, lockout time, not a supervisor)."""
        self._busy = False
        pin = self.query_one("#approval-pin", Input)
        pin.value = ""
        result = message.result
        if result is not None and result.staff is not None:
            self._stop_lock_countdown()
            reason = self.query_one("#approval-reason", Input).value.strip()
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
            # Usually the cashier's own number, filled in for them: the supervisor who comes over types theirs.
            self._set_message("override.not_allowed", error=True)
            code_field = self.query_one("#approval-code", Input)
            code_field.value = ""
            self.set_focus(code_field)
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
            self._set_message(self._prompt_key())
            return
        self._set_message("signin.locked", {"time": format_remaining(remaining)}, error=True)

    def _stop_lock_countdown(self) -> None:
        self._locked_until = None
        if self._lock_timer is not None:
            self._lock_timer.stop()
            self._lock_timer = None

    def _set_message(self, key: str, params: Mapping[str, object] | None = None, *, error: bool = False) -> None:
        self._message = (key, dict(params or {}), error)
        self._show_message()

    def _show_message(self) -> None:
        key, params, error = self._message
        if key.startswith("error."):
            text = self.box.translator.error(key.removeprefix("error."), **params)
        else:
            text = self.t(key, **params)
        label = self.query_one("#approval-message", Static)
        label.update(text)
        label.set_class(error, "-error")
