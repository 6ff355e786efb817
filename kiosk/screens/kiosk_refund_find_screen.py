"""Refunding at a kiosk, step 1: the customer types the pickup code or scans a ticket's or booking's QR code.

The lookup is the kiosk pickup's own (:func:`boxoffice.kiosk_refunds.find_for_refund` over
:func:`boxoffice.pickup.present`): a code with a wrong check digit is a typo ("please check the code", no query),
every attempt is logged, and wrong codes lock this kiosk's input for a while with a countdown, whether they were
typed here or at pickup. What the kiosk may refund is said before anything is typed; what was found goes to the
check step (:mod:`kiosk.screens.kiosk_refund_check_screen`), which shows the order and the decision. Nothing
changes on this step.
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
from boxoffice.kiosk_refunds import KioskRefundLookup, find_for_refund
from boxoffice.refund_policy import policy_from_config
from kiosk.intents import run_intent
from kiosk.kiosk_flow import Purchase
from kiosk.pickup_calls import guard_policy
from kiosk.screens.kiosk_code_entry import KioskCodeEntry
from kiosk.screens.kiosk_step import KioskStepScreen
from kiosk.widgets.message_line import MessageLine

REFUND_STEPS = ("find", "check", "done")
"""The steps of a kiosk refund (``kiosk_refund.step_<name>``)."""


class KioskRefundStepScreen(KioskStepScreen):
    """A step of refunding: the kiosk's frame with the refund's steps along the top."""

    FLOW_STEPS = REFUND_STEPS
    FLOW_WORDS = "kiosk_refund"

    def __init__(self) -> None:
        super().__init__(Purchase())  # nothing is bought; the frame wants one


class KioskRefundFindScreen(KioskCodeEntry, KioskRefundStepScreen):
    """The one input for a code or a scan, what a kiosk may refund, and what the lookup said."""

    STEP = "find"
    CONTINUE = "kiosk_refund.find"
    INPUT_ID = "kiosk-refund-input"
    MESSAGE_ID = "kiosk-refund-message"
    LOOKING = "kiosk_refund.looking"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "continue", "kiosk_refund.find", show=False)]

    @dataclass
    class Found(Message):
        """The store answered (posted from the worker thread)."""

        lookup: KioskRefundLookup

    def __init__(self) -> None:
        super().__init__()
        self._init_code_entry()

    def compose_body(self) -> ComposeResult:
        """Prompt, the input, the message line and the kiosk's rules."""
        yield Static(classes="kiosk-prompt")
        yield Input(id="kiosk-refund-input", max_length=400)
        yield MessageLine(id="kiosk-refund-message")
        yield Static(id="kiosk-refund-rules")

    def on_mount(self) -> None:
        """The cursor in the input (a scanner types into whatever has focus)."""
        self.query_one("#kiosk-refund-input", Input).focus()

    def apply_step_language(self) -> None:
        """Prompt, placeholder and rules in the current language."""
        self.query_one(".kiosk-prompt", Static).update(self.t("kiosk_refund.prompt"))
        self.query_one("#kiosk-refund-input", Input).placeholder = self.t("kiosk_refund.placeholder")
        windows = policy_from_config(self.box.config.refunds).windows
        free = next((w for w in windows if w.is_free), None)
        hours = f"{free.until_minutes_before / 60:g}" if free is not None else "-"
        self.query_one("#kiosk-refund-rules", Static).update(self.t("kiosk_refund.rules", hours=hours))
        self._render_lock()
        self._focus_input()

    # -- looking up ------------------------------------------------------------------------------------------

    @on(Input.Submitted, "#kiosk-refund-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_continue()

    @work(thread=True, exclusive=True, group="kiosk-refund")
    def look_up(self, text: str) -> None:
        """Find the order and the kiosk's refund decision for it (a thread worker; posts Found)."""
        box = self.box
        key, signing = box.pickup_key, box.signing_key
        if key is None or signing is None:
            error = BoxOfficeError("site_keys_missing", "site keys not loaded")
            self.post_message(self.Found(KioskRefundLookup(error=error)))
            return
        guard = guard_policy(box.config.pickup, at_counter=False)
        public, terminal, now = signing.public_key(), box.config.terminal.id, box.now()
        policy = policy_from_config(box.config.refunds)
        try:
            lookup = run_intent(box.engine, lambda session: find_for_refund(
                session, text=text, terminal_id=terminal, key=key, public_key=public, now=now, guard=guard,
                current_policy=policy), name="kiosk refund lookup")
        except BoxOfficeError as error:
            lookup = KioskRefundLookup(error=error)
        self.post_message(self.Found(lookup))

    @on(Found)
    def _found(self, message: Found) -> None:
        from kiosk.screens.kiosk_refund_check_screen import KioskRefundCheckScreen

        lookup = message.lookup
        line = self.query_one("#kiosk-refund-message", MessageLine)
        if lookup.preview is not None:
            line.say(None)
            self.app.push_screen(KioskRefundCheckScreen(lookup.preview))
        elif lookup.error is not None:
            line.say(f"error.{lookup.error.code}", "-error", **lookup.error.params)
        self.answered(lookup.locked_until)
