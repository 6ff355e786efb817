"""Collecting at a kiosk, step 1: the customer scans a QR code or types the pickup code.

One input, as at the counter: a scanner types what the QR code holds and Enter, a customer types the 10 digits
from the SMS. What is accepted is said in large words beside it. The lookup is the pickup's own
(:func:`kiosk.pickup_calls.look_up` over :func:`boxoffice.pickup.present`): a wrong check digit is a typo said at
once ("please check the code"), every attempt is logged, and ``[pickup] max_wrong_codes`` wrong codes a minute
lock this kiosk's input with a countdown, here and at refund alike. What was found goes to the check step
(:mod:`kiosk.screens.kiosk_collect_check_screen`); nothing changes on this step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.pickup import PickupOutcome, looks_like_token
from boxoffice.pickup_codes import normalize
from kiosk.kiosk_flow import Purchase
from kiosk.pickup_calls import guard_policy, look_up
from kiosk.screens.kiosk_code_entry import KioskCodeEntry
from kiosk.screens.kiosk_step import KioskStepScreen
from kiosk.widgets.message_line import MessageLine

COLLECT_STEPS = ("code", "check", "print")
"""The steps of collecting at a kiosk (``kiosk_collect.step_<name>``)."""


class KioskCollectStepScreen(KioskStepScreen):
    """A step of collecting: the kiosk's frame with the collect steps along the top."""

    FLOW_STEPS = COLLECT_STEPS
    FLOW_WORDS = "kiosk_collect"

    def __init__(self) -> None:
        super().__init__(Purchase())  # nothing is bought; the frame wants one


class KioskCollectCodeScreen(KioskCodeEntry, KioskCollectStepScreen):
    """The one input for a scan or a typed code, what is accepted, and what the lookup said."""

    STEP = "code"
    CONTINUE = "kiosk_collect.find"
    INPUT_ID = "kiosk-collect-input"
    MESSAGE_ID = "kiosk-collect-message"
    LOOKING = "kiosk_collect.looking"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "continue", "kiosk_collect.find", show=False)]

    @dataclass
    class Answered(Message):
        """The store answered (posted from the worker thread)."""

        outcome: PickupOutcome | None = None
        error: BoxOfficeError | None = None
        code: str | None = None
        """The pickup code typed (normalized), to show again if the tickets cannot be printed; None for a scan."""

    def __init__(self) -> None:
        super().__init__()
        self._init_code_entry()

    def compose_body(self) -> ComposeResult:
        """Prompt, the input, the message line and what the kiosk accepts."""
        yield Static(classes="kiosk-prompt", id="kiosk-collect-prompt")
        yield Input(id="kiosk-collect-input", max_length=400)
        yield MessageLine(id="kiosk-collect-message")
        yield Static(id="kiosk-collect-accepted")

    def on_mount(self) -> None:
        """The cursor in the input (a scanner types into whatever has focus)."""
        self.query_one("#kiosk-collect-input", Input).focus()

    def apply_step_language(self) -> None:
        """Prompt, placeholder and what is accepted in the current language."""
        self.query_one("#kiosk-collect-prompt", Static).update(self.t("kiosk_collect.prompt"))
        self.query_one("#kiosk-collect-input", Input).placeholder = self.t("kiosk_collect.placeholder")
        self.query_one("#kiosk-collect-accepted", Static).update(
            "\n\n".join(f"[b]{self.t(key)}[/b]" for key in (
                "kiosk_collect.accept_qr", "kiosk_collect.accept_code", "kiosk_collect.accept_help")))
        self._render_lock()
        self._focus_input()

    # -- looking up ------------------------------------------------------------------------------------------

    @on(Input.Submitted, "#kiosk-collect-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_continue()

    @work(thread=True, exclusive=True, group="kiosk-collect")
    def look_up(self, text: str) -> None:
        """Look the code or scan up as pickup does (a thread worker; posts Answered)."""
        code = None if looks_like_token(text) else normalize(text)
        try:
            outcome = look_up(self.box, text, guard_policy(self.box.config.pickup, at_counter=False))
        except BoxOfficeError as error:
            self.post_message(self.Answered(error=error))
        else:
            self.post_message(self.Answered(outcome=outcome, code=code))

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        from kiosk.screens.kiosk_collect_check_screen import KioskCollectCheckScreen

        line = self.query_one("#kiosk-collect-message", MessageLine)
        outcome = message.outcome
        error = message.error if outcome is None else outcome.error
        if error is not None:
            line.say(f"error.{error.code}", "-error", **error.params)
        else:
            line.say(None)
        self.answered(outcome.locked_until if outcome is not None else None)
        if outcome is not None and outcome.view is not None:
            self.app.push_screen(KioskCollectCheckScreen(outcome.view, code=message.code))
