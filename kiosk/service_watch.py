"""Keeping a terminal's service state true: its ticket printer watched, heartbeats written, and at a kiosk the
out-of-order screen and the technician's hidden way into the service menu.

The app owns one :class:`ServiceWatch` (``app.service_watch``) beside its :class:`~boxoffice.kiosk_service.
KioskService` (``app.kiosk_service``, the state itself). The watch

* asks the ticket printer how it is every ``[kiosk] printer_check_seconds`` at a kiosk (every
  :data:`OTHER_CHECK_SECONDS` elsewhere), in a worker thread, through ``app.read_printer_status`` (the printing
  edge: :func:`printing.read_status`; tests put a fake there), and also takes the print worker's readings;
* writes this terminal's heartbeat to the store every :data:`~boxoffice.terminals.HEARTBEAT_SECONDS` and at once
  when its state changes (in a worker thread);
* at a kiosk, keeps the :class:`~kiosk.screens.out_of_order_screen.OutOfOrderScreen` on top while the kiosk is
  out of service and no payment is in progress, and takes it away when the kiosk is back in service;
* at a kiosk, watches every key for ``[kiosk] service_sequence`` and then asks for a technician's PIN
  (:class:`~kiosk.screens.service_sign_in_screen.ServiceSignInScreen`) before the service menu.

:func:`kiosk_allows` is the kiosk's lock-down: the app actions a customer's key must never reach.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib import metadata
from typing import TYPE_CHECKING

from boxoffice.errors import BoxOfficeError
from kiosk.config import printer_spec

if TYPE_CHECKING:  # the store, the domain and printing are imported when the watch starts (kiosk.app start-up)
    from boxoffice.print_worker import PrintEvent
    from boxoffice.staff import StaffMember
    from kiosk.app import BoxOfficeApp
    from printing import PrinterSpec, PrinterStatus

log = logging.getLogger(__name__)

OTHER_CHECK_SECONDS = 15.0
"""How often counters and doors ask their ticket printer, for their heartbeat (the print worker reads it too)."""

SEQUENCE_SECONDS = 5.0
"""The service sequence's keys must all come within this many seconds."""

KIOSK_BLOCKED_ACTIONS = frozenset({
    "quit", "help_quit", "command_palette", "suspend_process", "change_theme", "toggle_dark", "screenshot",
    "show_help_panel", "hide_help_panel", "simulate_key", "switch_mode", "push_screen", "switch_screen",
})
"""App actions no key may reach at a kiosk: leaving the app, Textual's palette, theme and help panels, and
screens by name."""


def app_version() -> str:
    """This installation's version (from the package metadata), for heartbeats."""
    try:
        return metadata.version("cinema-boxoffice")
    except metadata.PackageNotFoundError:
        return "dev"


def kiosk_allows(app: BoxOfficeApp, action: str) -> bool:
    """Whether a kiosk lets a key run the app action ``action``: never a way out, never below the first screen."""
    if action in KIOSK_BLOCKED_ACTIONS:
        return False
    if action in ("pop_screen", "back"):
        return len(app.screen_stack) > 2
    return True


class KeySequence:
    """Recognises a sequence of key names typed within a time window (the technician's hidden entry)."""

    def __init__(self, keys: Sequence[str], *, window_s: float = SEQUENCE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.keys = tuple(keys)
        self.window_s = window_s
        self._clock = clock
        self._typed: list[tuple[str, float]] = []

    def feed(self, key: str) -> bool:
        """One key as typed; True when it completes the sequence (which then starts over)."""
        now = self._clock()
        self._typed = [*self._typed, (key, now)][-len(self.keys):]
        typed = tuple(name for name, _ in self._typed)
        if typed == self.keys and now - self._typed[0][1] <= self.window_s:
            self._typed = []
            return True
        return False


class ServiceWatch:
    """The app's printer watch, heartbeat and (at a kiosk) out-of-order screen and service entry."""

    def __init__(self, app: BoxOfficeApp) -> None:
        self.app = app
        self.sequence = KeySequence(app.config.kiosk.service_keys)
        self.last_status: PrinterStatus | None = None
        """The ticket printer's last status, from a poll or the print worker (None before the first)."""
        self.checked_at: datetime | None = None
        self.version = app_version()
        self._checking = False
        self._beating = False
        self._beat_again = False
        self._home: type | None = None

    @property
    def kiosk(self) -> bool:
        return self.app.mode == "kiosk"

    def start(self) -> None:
        """Begin watching (from the app's on_mount, after printing started)."""
        from boxoffice.terminals import HEARTBEAT_SECONDS

        app = self.app
        seconds = app.config.kiosk.printer_check_seconds if self.kiosk else OTHER_CHECK_SECONDS
        app.set_interval(seconds, self.check_printer, name="printer-watch")
        app.set_interval(HEARTBEAT_SECONDS, self.heartbeat, name="heartbeat")
        if self.kiosk:
            app.screen_change_signal.subscribe(app, lambda _: app.call_later(self.enforce))
            app.set_interval(1.0, self.enforce, name="out-of-order")
        self.check_printer()
        self.heartbeat()

    # -- the ticket printer ----------------------------------------------------------------------------------------

    def _spec(self) -> PrinterSpec | None:
        name = self.app.ticket_printer
        return None if name is None else printer_spec(self.app.config, self.app.config.printer(name))

    def check_printer(self) -> None:
        """Ask the ticket printer now, in a worker thread (no-op while a question is out or with no printer)."""
        spec = self._spec()
        if spec is None or self._checking:
            return
        self._checking = True
        read = self.app.read_printer_status
        self.app.run_worker(lambda: self._read(read, spec), thread=True, group="printer-watch",
                            exit_on_error=False, name=f"status of {spec.name}")

    def _read(self, read: Callable[[PrinterSpec], PrinterStatus], spec: PrinterSpec) -> None:
        from printing import PrinterStatus

        try:
            status = read(spec)
        except Exception as exc:  # read_status never raises; a replacement might
            log.exception("status read of %s failed", spec.name)
            status = PrinterStatus(None, "unknown", f"{type(exc).__name__}: {exc}", "printer_failed")
        try:
            self.app.call_from_thread(self.status_read, status)
        except RuntimeError:  # the app has ended
            pass

    def status_read(self, status: PrinterStatus, at: datetime | None = None) -> None:
        """A reading of the ticket printer (on the app's thread)."""
        self._checking = False
        self.last_status, self.checked_at = status, at or self.app.now()
        if not self.app.kiosk_service.printer_status(status):
            self.app.service_generation += 1  # the menu shows the new reading even when nothing changed

    def print_event(self, event: PrintEvent) -> None:
        """The print worker read the ticket printer before a job: take its reading too."""
        worker = self.app.print_worker
        if worker is None or event.printer != self.app.ticket_printer:
            return
        state = worker.state().get(event.printer)
        if state is None or state.status is None or state.checked_at is None:
            return
        if self.checked_at is None or state.checked_at > self.checked_at:
            self.status_read(state.status, state.checked_at)

    def printers_changed(self) -> None:
        """The config's printers changed (a technician saved settings): read the new ticket printer."""
        service = self.app.kiosk_service
        service.printer_configured = self.app.ticket_printer is not None
        self.last_status = self.checked_at = None
        self._checking = False
        self.check_printer()

    def set_taken_out(self, out: bool) -> None:
        """A technician took the kiosk out of service or put it back (already stored): follow at once."""
        self.app.kiosk_service.set_taken_out(out)
        self.heartbeat()

    # -- heartbeat -------------------------------------------------------------------------------------------------

    def heartbeat(self) -> None:
        """Write this terminal's heartbeat now, in a worker thread (once more afterwards if one is being written)."""
        from boxoffice.terminals import Heartbeat, write_heartbeat
        from kiosk.intents import run_intent

        if self._beating:
            self._beat_again = True
            return
        app = self.app
        service = app.kiosk_service
        beat = Heartbeat(mode=app.mode, version=self.version, printer_state=service.printer_state,
                         in_service=service.in_service, service_reason=service.reason)
        terminal = app.config.terminal
        now = app.now()
        self._beating = True
        self._beat_again = False

        def write() -> None:
            try:
                run_intent(app.engine, lambda session: write_heartbeat(
                    session, terminal_id=terminal.id, name=terminal.name, beat=beat, now=now), name="heartbeat")
            except BoxOfficeError as error:
                log.warning("heartbeat of %s not written: %s", terminal.id, error.code)
            finally:
                try:
                    app.call_from_thread(self._beaten)
                except RuntimeError:
                    pass

        app.run_worker(write, thread=True, group="heartbeat", exit_on_error=False, name="heartbeat")

    def _beaten(self) -> None:
        self._beating = False
        if self._beat_again:
            self.heartbeat()

    def service_changed(self) -> None:
        """The kiosk's state changed (on the app's thread): tell the screens, write a heartbeat, enforce."""
        self.app.service_generation += 1
        self.heartbeat()
        if self.kiosk:
            self.app.call_later(self.enforce)

    # -- the kiosk's screens ---------------------------------------------------------------------------------------

    def enforce(self) -> None:
        """Out of service and nobody paying: the out-of-order screen on top. In service: not at all.

        Also puts a first screen back should the kiosk ever lose it (nothing but Textual's blank screen left).
        """
        from kiosk.screens.out_of_order_screen import OutOfOrderScreen
        from kiosk.screens.service_menu_screen import ServiceMenuScreen
        from kiosk.screens.service_sign_in_screen import ServiceSignInScreen

        app = self.app
        if not self.kiosk or not app.is_running or app._exit:
            return
        stack = app.screen_stack
        if len(stack) >= 2 and self._home is None:
            self._home = type(stack[1])
        if len(stack) < 2 and self._home is not None:
            log.error("kiosk lost its first screen; showing a new %s", self._home.__name__)
            app.push_screen(self._home())
            return
        top = stack[-1]
        if isinstance(top, (ServiceSignInScreen, ServiceMenuScreen)):
            return
        service = app.kiosk_service
        if service.in_service:
            if isinstance(top, OutOfOrderScreen):
                log.info("kiosk %s back in service", app.config.terminal.id)
                app.pop_screen()
        elif not service.payment_in_progress and not any(isinstance(s, OutOfOrderScreen) for s in stack):
            log.warning("kiosk %s out of service: %s", app.config.terminal.id, service.reason)
            app.push_screen(OutOfOrderScreen())

    def key(self, key: str) -> bool:
        """A key reached the app: True when it completed the service sequence (the key is then used up)."""
        if not self.kiosk or not self.sequence.feed(key):
            return False
        if self.app.kiosk_service.payment_in_progress:
            log.info("service sequence ignored: a payment is in progress")
            return True
        self.open_service()
        return True

    def open_service(self) -> None:
        """Ask for a technician's PIN, then open the service menu."""
        from kiosk.screens.service_menu_screen import ServiceMenuScreen
        from kiosk.screens.service_sign_in_screen import ServiceSignInScreen

        if isinstance(self.app.screen, (ServiceSignInScreen, ServiceMenuScreen)):
            return

        def signed_in(staff: StaffMember | None) -> None:
            if staff is not None:
                self.app.push_screen(ServiceMenuScreen(staff))

        self.app.push_screen(ServiceSignInScreen(), callback=signed_in)
