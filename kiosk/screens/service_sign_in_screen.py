"""The technician's way into a kiosk's service menu: staff number and PIN, after the hidden key sequence.

It is the staff sign-in screen (the same PIN check, attempt counting and lockout, see
:mod:`boxoffice.staff`) with a title of its own and two differences: only staff whose role may service kiosks
(technician, admin) get through, anyone else is refused and the refusal audited; and it gives up by itself
after :data:`IDLE_SECONDS` without input, so a customer who stumbled on it is not left facing a PIN prompt.
"""

from __future__ import annotations

from textual.widgets import Input, Static

from boxoffice import audit
from boxoffice.errors import BoxOfficeError
from boxoffice.staff import StaffMember
from kiosk.intents import run_intent
from kiosk.screens.sign_in_screen import SignInScreen

IDLE_SECONDS = 60
"""Seconds without a key or touch after which the prompt closes by itself."""


class ServiceSignInScreen(SignInScreen):
    """Staff number and PIN of a technician or admin; dismissed with them, or None (Escape, idle, refused)."""

    def __init__(self) -> None:
        super().__init__(switching=True)

    def on_mount(self) -> None:
        """Give up after a minute without input."""
        self.set_interval(5, self._give_up_when_idle)

    def apply_language(self) -> None:
        """The sign-in texts, with the service menu's title."""
        super().apply_language()
        self.query_one("#signin-title", Static).update(self.t("service.signin_title"))

    def _signed_in(self, staff: StaffMember) -> None:
        if staff.can("kiosk_service"):
            self.dismiss(staff)
            return
        box = self.box
        try:
            run_intent(box.engine, lambda session: audit.record(
                session, now=box.now(), terminal_id=box.config.terminal.id, action="service.denied",
                staff_id=staff.id, subject=staff.role), name="service menu refused")
        except BoxOfficeError as error:
            box.show_error(error)
        code = self.query_one("#signin-code", Input)
        code.value = ""
        code.focus()
        self._set_error("service.not_permitted")

    def _give_up_when_idle(self) -> None:
        if self.app.screen is self and self.box.seconds_since_input() > IDLE_SECONDS:
            self.dismiss(None)
