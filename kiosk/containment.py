"""Errors stop at the message that caused them: a bug never puts a traceback in front of a cashier or a customer.

Textual ends the whole app when a message handler raises (and prints the traceback). The app and every screen of
ours dispatch their messages through :class:`ContainErrors`: an exception from a handler, an action or a key
binding is logged with its traceback, the person is told that it did not work (at the counter in their language;
at a kiosk in both, with "Back" and "Start again", see ``BoxOfficeApp.report_unexpected_error``), and the app,
the screen and its keys keep working. At a kiosk the app also contains errors raised outside handlers (workers,
timers, drawing: ``BoxOfficeApp._handle_exception``). Under Pilot tests (headless) errors are not contained
unless the app's ``contain_errors`` says so, so that tests see bugs.
"""

from __future__ import annotations

import logging
from typing import Any

from textual.message import Message

log = logging.getLogger(__name__)


class ContainErrors:
    """Mixin for the App and for Screens: contain exceptions raised while handling one message."""

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except Exception as error:
            app: Any = getattr(self, "app", None)
            if app is None or not getattr(app, "contain_errors", False):
                raise
            log.error("unexpected error handling %s in %s", type(message).__name__, type(self).__name__,
                      exc_info=error)
            report = getattr(app, "report_unexpected_error", None)
            if report is not None:
                report()  # a kiosk shows a bilingual "sorry" with a way back; a counter a notice
            else:
                app.notify(app.translator.error("unexpected"), severity="error")
