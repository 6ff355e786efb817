"""The kiosk's one input for a scanned QR code or a typed pickup code, shared by collecting and refunding.

Both steps take the same input the same way: the cursor always back in the field (a scanner types into whatever
has focus, and its Enter on a focused button, the language button say, would press it again), nothing looked up
while a lookup runs or while the kiosk's input is locked, and the lock of :mod:`boxoffice.pickup_guard` (too many
wrong codes at this kiosk, here or at the other step) shown as a countdown until it ends. A step says which
widgets are its input and message line, what to say while looking, and how to look up (:meth:`look_up`, called
with the text; the step's worker posts its answer and calls :meth:`answered` with the lock the lookup returned).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from textual.timer import Timer
from textual.widgets import Input

from kiosk.widgets.message_line import MessageLine


class KioskCodeEntry:
    """Mixed into a :class:`~kiosk.screens.kiosk_step.KioskStepScreen` before it (see the module docstring)."""

    INPUT_ID: ClassVar[str]
    """The id of the step's Input, without '#'."""
    MESSAGE_ID: ClassVar[str]
    """The id of the step's MessageLine, without '#'."""
    LOOKING: ClassVar[str]
    """Catalog key said while the lookup runs."""

    query_one: Any
    set_interval: Any
    box: Any
    is_current: bool

    def _init_code_entry(self) -> None:
        self.locked_until: datetime | None = None
        self._countdown: Timer | None = None
        self._busy = False

    def _field(self) -> Input:
        return self.query_one(f"#{self.INPUT_ID}", Input)

    def _message(self) -> MessageLine:
        return self.query_one(f"#{self.MESSAGE_ID}", MessageLine)

    def _focus_input(self) -> None:
        """The cursor back in the input (after a touch on the language button or the step's button, say)."""
        field = self._field()
        if not field.disabled and self.is_current:
            field.focus()

    def action_continue(self) -> None:
        """Look up what was typed or scanned (not while locked or already looking)."""
        field = self._field()
        text = field.value.strip()
        if not text or self.locked_until is not None or self._busy:
            self._focus_input()
            return
        field.value = ""
        self._busy = True
        self._message().say(self.LOOKING)
        self.look_up(text)

    def look_up(self, text: str) -> None:
        """Start the step's lookup of ``text`` (a thread worker that posts its answer)."""
        raise NotImplementedError

    def answered(self, locked_until: datetime | None) -> None:
        """The lookup is over: the input takes the next code, or is locked until ``locked_until``."""
        self._busy = False
        self._lock(locked_until)

    # -- the lock -----------------------------------------------------------------------------------------

    def _lock(self, until: datetime | None) -> None:
        self.locked_until = until
        field = self._field()
        field.disabled = until is not None
        if until is not None and self._countdown is None:
            self._countdown = self.set_interval(1.0, self._tick)
        if until is None:
            field.focus()
        self._render_lock()

    def _tick(self) -> None:
        if self.locked_until is not None and self.box.now() >= self.locked_until:
            if self._countdown is not None:
                self._countdown.stop()
                self._countdown = None
            self._message().say(None)
            self._lock(None)
            return
        self._render_lock()

    def _render_lock(self) -> None:
        if self.locked_until is None:
            return
        seconds = max(0, int((self.locked_until - self.box.now()).total_seconds() + 0.999))
        self._message().say("pickup.locked", "-locked", seconds=seconds)
