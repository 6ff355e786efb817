"""The kiosk's idle timeout: a customer who walks away loses their seats, and the next one starts afresh.

Every key, touch, click or scroll anywhere counts as activity (the app tells :meth:`IdleWatch.touch` from its
``on_event``). Once a second, :meth:`IdleWatch.tick` looks at the app's clock: after ``[kiosk] idle_seconds``
without activity during a customer's session it asks "Are you still there? / 您还在吗？" with a countdown of
``[kiosk] still_there_seconds``; any key or touch answers it, and the countdown running out ends the session
(:func:`kiosk.kiosk_flow.end_customer_session`: seats back, screens closed). The watch is paused while the payment
terminal is taking a payment: nobody is sent away with money half taken. The app's clock is used throughout, so
tests move time instead of waiting.

A screen that is not the customer's may cover their session (the out-of-order screen while the printer is out of
paper). A customer who waits, or touches it, carries on when it goes; one silent for as long as the question
would have lasted is gone: their seats are given back at once, and their screens are closed as soon as they come
to the top again, before anyone can see them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.kiosk_flow import end_customer_session, in_session, is_customer_screen, keep_holds, release_holds

if TYPE_CHECKING:
    from kiosk.app import BoxOfficeApp
    from kiosk.dialogs.still_there_dialog import StillThereDialog

KEEP_HOLDS_EVERY_SECONDS = 30
"""An active customer's holds are pushed back at most this often."""


class IdleWatch:
    """Watches a kiosk for a customer who has gone."""

    def __init__(self, app: BoxOfficeApp) -> None:
        self.app = app
        self.last_activity: datetime = app.now()
        self._held_since: datetime | None = None
        self._pauses = 0
        self._dialog: StillThereDialog | None = None
        self._abandoned = False
        app.screen_change_signal.subscribe(app, lambda _: self._close_abandoned())

    @property
    def paused(self) -> bool:
        """A payment is in progress: no question, no timeout."""
        return self._pauses > 0

    @property
    def asking(self) -> bool:
        """"Are you still there?" is on screen."""
        return self._dialog is not None

    def touch(self) -> None:
        """The customer did something: the wait starts again; their holds are pushed back now and then."""
        now = self.app.now()
        self.last_activity = now
        if self._held_since is None or (now - self._held_since).total_seconds() >= KEEP_HOLDS_EVERY_SECONDS:
            self._held_since = now
            if in_session(self.app):
                keep_holds(self.app)

    def pause(self) -> None:
        """Stop watching until :meth:`resume` (nested pauses need as many resumes)."""
        self._pauses += 1

    def resume(self) -> None:
        """Watch again, counting from now."""
        self._pauses = max(0, self._pauses - 1)
        self.last_activity = self.app.now()

    def reset(self) -> None:
        """A new customer: forget the last one's activity (and any pause left behind)."""
        self._pauses = 0
        self._abandoned = False
        self._held_since = None
        self.last_activity = self.app.now()

    def tick(self) -> None:
        """Once a second: ask, count down, or end the session."""
        if self._dialog is not None:
            if self.app.screen is not self._dialog:
                # Covered (the out-of-order screen went over it): dismissing now would pop the cover instead.
                return
            self._dialog.show_countdown()
            if self._dialog.seconds_left() <= 0:
                self._dialog.dismiss(False)
            return
        app = self.app
        if self.paused or not in_session(app):
            return
        idle = (app.now() - self.last_activity).total_seconds()
        settings = app.config.kiosk
        if not is_customer_screen(app.screen):
            if not self._abandoned and idle >= settings.idle_seconds + settings.still_there_seconds:
                self._abandoned = True  # covered the whole time: gone
                release_holds(app, "timeout")
            return
        if self._abandoned:
            self._close_abandoned()
        elif idle >= settings.idle_seconds:
            self._ask()

    def _close_abandoned(self) -> None:
        """The screens of a customer who left while they were covered: closed the moment they show."""
        if self._abandoned and is_customer_screen(self.app.screen):
            self._abandoned = False
            end_customer_session(self.app, "timeout")

    def _ask(self) -> None:
        from kiosk.dialogs.still_there_dialog import StillThereDialog

        deadline = self.app.now().timestamp() + self.app.config.kiosk.still_there_seconds
        self._dialog = StillThereDialog(deadline)
        self.app.push_screen(self._dialog, callback=self._answered)

    def _answered(self, still_there: bool | None) -> None:
        self._dialog = None
        if still_there:
            self.touch()
        else:
            end_customer_session(self.app, "timeout")
