"""Collecting tickets booked online: one input for a scanned QR code or a typed pickup code.

A scanner types the QR payload and Enter; a customer or a cashier types the 10 digits from the SMS and Enter.
Either way the order appears (film, time, hall, seats, the phone masked) and a second Enter prints its tickets,
marking them picked up in the same transaction (:func:`boxoffice.pickup.collect`). Everything the customer
reads is in the terminal's current language, which a kiosk customer chose on the welcome screen.

What is refused says why: a typo in the code ("please check the code") is caught before any lookup; tickets
collected already say when and where, and at the counter (only) a supervisor may approve a reprint; a refunded
order, a showtime over or cancelled say so. Wrong codes are logged, and at a kiosk five within a minute lock the
input for a minute with a countdown (:mod:`boxoffice.pickup_guard`, ``[pickup]`` in kiosk.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.pickup import PickupOutcome, PickupView, reprint_collected
from boxoffice.pickup_guard import GuardPolicy
from boxoffice.staff import StaffMember
from kiosk.dialogs.approval_dialog import Approval, ApprovalDialog
from kiosk.intents import run_intent
from kiosk.pickup_calls import collect_tickets, collected_when, guard_policy, look_up, order_rows
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter
from kiosk.widgets.message_line import MessageLine


class PickupScreen(BoxOfficeScreen[None]):
    """The pickup input, the order it found, and what happened to it."""

    DEFAULT_CSS = """
    PickupScreen { align: center top; }
    #pickup-box { width: 90; max-width: 100%; height: auto; padding: 1 2; border: round $primary; }
    #pickup-title { text-style: bold; width: 100%; text-align: center; }
    #pickup-prompt { width: 100%; text-align: center; color: $text-muted; margin: 1 0; }
    #pickup-input { width: 100%; }
    #pickup-message { min-height: 2; margin: 1 0 0 0; text-align: center; }
    #pickup-order { width: 100%; height: auto; margin: 1 0 0 0; padding: 0 1; }
    #pickup-back { margin: 1 0 0 0; min-width: 16; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "key.back"),
        Binding("f6", "reprint", "key.reprint"),
    ]

    @dataclass
    class Answered(Message):
        """The store answered a code, a collection or a reprint (posted from a worker thread)."""

        outcome: PickupOutcome | None = None
        collected: int | None = None
        reprinted: int | None = None
        error: BoxOfficeError | None = None

    def __init__(self, staff: StaffMember | None = None) -> None:
        """Create the screen: ``staff`` at the counter, None at a self-service kiosk."""
        super().__init__()
        self.staff = staff
        self.view: PickupView | None = None
        self.locked_until: datetime | None = None
        self._message: tuple[str, dict[str, object], str] | None = None
        """What was last said (the lock's countdown shows over it while the input is locked)."""
        self._countdown: Timer | None = None

    @property
    def at_counter(self) -> bool:
        """Staff are working this screen (reprints possible, no lock unless configured)."""
        return self.staff is not None

    def compose(self) -> ComposeResult:
        """Title, prompt, the one input, the message line and the order."""
        with Center(), Vertical(id="pickup-box"):
            yield Static(id="pickup-title")
            yield Static(id="pickup-prompt")
            yield Input(id="pickup-input", max_length=400)
            yield MessageLine(id="pickup-message")
            yield Static(id="pickup-order")
            if not self.at_counter:  # a kiosk customer needs a button to leave by (Escape does it too)
                yield Button(id="pickup-back")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Focus the input (a scanner types into whatever has focus)."""
        self.query_one("#pickup-input", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F6 (reprint) only at the counter, for collected tickets."""
        if action == "reprint":
            return self.at_counter and self.view is not None and self.view.refusal == "pickup_already"
        return True

    # -- texts ---------------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language (a kiosk customer may switch at any time)."""
        self.query_one("#pickup-title", Static).update(self.t("pickup.title"))
        self.query_one("#pickup-prompt", Static).update(self.t("pickup.prompt"))
        self.query_one("#pickup-input", Input).placeholder = self.t("pickup.placeholder")
        for back in self.query("#pickup-back").results(Button):
            back.label = self.t("buy.back")
        self._render_message()
        self._render_order()

    def _say(self, key: str | None, style: str = "", **params: object) -> None:
        self._message = (key, params, style) if key else None
        self._render_message()

    def _render_message(self) -> None:
        line = self.query_one("#pickup-message", MessageLine)
        if self.locked_until is not None:
            seconds = max(0, int((self.locked_until - self.box.now()).total_seconds() + 0.999))
            line.say("pickup.locked", "-locked", seconds=seconds)
        elif self._message is None:
            line.say(None)
        else:
            key, params, style = self._message
            line.say(key, style, **params)

    def _render_order(self) -> None:
        widget = self.query_one("#pickup-order", Static)
        view = self.view
        if view is None:
            widget.update("")
            return
        text = order_rows(view, self.t, english=self.box.language == "en", zone=self.box.config.site.zone)
        text.append(self.t("pickup.count", count=len(view.valid_tickets)) + "\n")
        if view.refusal == "pickup_already" and view.collected_at is not None:
            text.append(self.t("pickup.already_at", at=self._when(view.collected_at),
                               where=view.collected_where or "?") + "\n", style="bold yellow")
            text.append(self.t("pickup.reprint_hint" if self.at_counter else "pickup.counter_hint"), style="yellow")
        elif view.refusal is None:
            text.append(self.t("pickup.print_hint"), style="bold green")
        widget.update(text)

    def _when(self, moment: datetime) -> str:
        return collected_when(moment, zone=self.box.config.site.zone, now=self.box.now())

    # -- input ---------------------------------------------------------------------------------------------------

    @on(Input.Submitted, "#pickup-input")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.value = ""
        if self.locked_until is not None:
            return
        if not text:
            if self.view is not None and self.view.refusal is None:
                self._collect(self.view)
            return
        self._say(None)
        self._lookup(text)

    def _policy(self) -> GuardPolicy | None:
        return guard_policy(self.box.config.pickup, at_counter=self.at_counter)

    @work(thread=True, exclusive=True, group="pickup")
    def _lookup(self, text: str) -> None:
        try:
            outcome = look_up(self.box, text, self._policy())
        except BoxOfficeError as error:
            self.post_message(self.Answered(error=error))
        else:
            self.post_message(self.Answered(outcome=outcome))

    @work(thread=True, exclusive=True, group="pickup")
    def _collect(self, view: PickupView) -> None:
        try:
            collected = collect_tickets(self.box, view, staff_id=self.staff.id if self.staff else None)
        except BoxOfficeError as error:
            self.post_message(self.Answered(error=error))
            return
        self.post_message(self.Answered(collected=len(collected)))

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        outcome = message.outcome
        if message.error is not None:
            self._refused(message.error)
        elif outcome is not None:
            if outcome.view is not None:
                self.view = outcome.view
                if outcome.view.refusal not in (None, "pickup_already"):
                    self._say(f"error.{outcome.view.refusal}", "-error")
                else:
                    self._say(None)
            else:
                self.view = None
                if outcome.error is not None:
                    self._refused(outcome.error)
            self._lock(outcome.locked_until)
        elif message.collected is not None:
            printing = self.box.ticket_printer is not None
            self._say("pickup.printing" if printing else "pickup.collected_no_printer", "-ok",
                      count=message.collected)
            self.view = None
            self.set_timer(8.0, self._next_customer)
        elif message.reprinted is not None:
            self._say("pickup.reprinted", "-ok", count=message.reprinted)
        self._render_order()
        self.refresh_bindings()

    def _refused(self, error: BoxOfficeError) -> None:
        if error.code == "pickup_already" and self.view is not None:
            self._say(None)  # the order panel says when and where
            return
        self._say(f"error.{error.code}", "-error", **error.params)

    def _next_customer(self) -> None:
        if self.view is None and self._message is not None and self._message[2] == "-ok":
            self._say("pickup.again")

    # -- the lock ------------------------------------------------------------------------------------------------

    def _lock(self, until: datetime | None) -> None:
        self.locked_until = until
        field = self.query_one("#pickup-input", Input)
        field.disabled = until is not None
        if until is not None and self._countdown is None:
            self._countdown = self.set_interval(1.0, self._tick)
        if until is None:
            field.focus()
        self._render_message()

    def _tick(self) -> None:
        if self.locked_until is not None and self.box.now() >= self.locked_until:
            if self._countdown is not None:
                self._countdown.stop()
                self._countdown = None
            self.locked_until = None
            self._say(None)
            self._lock(None)
            return
        self._render_message()

    # -- counter: reprint ----------------------------------------------------------------------------------------

    def action_reprint(self) -> None:
        """Collected tickets printed again, with a supervisor's approval and a reason (counter only)."""
        view, staff = self.view, self.staff
        if view is None or staff is None or view.refusal != "pickup_already":
            return
        count = sum(1 for t in view.valid_tickets if t.picked_up_at is not None)
        detail = ("pickup.reprint_detail", {"reference": view.reference, "count": count})
        dialog = ApprovalDialog("pickup.approve_reprint", [detail], True,
                                suggested_code=staff.code if staff.can("override") else "")
        self.app.push_screen(dialog, callback=lambda approval: self._reprint(view, approval))

    def _reprint(self, view: PickupView, approval: Approval | None) -> None:
        if approval is None:
            self._say("pickup.not_approved", "-error")
            return
        box = self.box
        printer = box.ticket_printer
        if printer is None:
            self._refused(BoxOfficeError("print_no_printer", "no ticket printer"))
            return
        try:
            jobs = run_intent(box.engine, lambda session: reprint_collected(
                session, order_id=view.order_id, printer=printer, approver=approval.approver, reason=approval.reason,
                terminal_id=box.config.terminal.id, now=box.now()), name="pickup reprint")
        except BoxOfficeError as error:
            self._refused(error)
            return
        box.tickets_queued(cash=False)
        self.post_message(self.Answered(reprinted=len(jobs)))

    @on(Button.Pressed, "#pickup-back")
    def _back_pressed(self) -> None:
        self.action_back()

    def action_back(self) -> None:
        """Back to where the pickup was opened from."""
        self.dismiss(None)
