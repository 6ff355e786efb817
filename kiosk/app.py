"""The one Textual app of the box office, in counter, kiosk or door mode.

The app wires things together and holds no flow: it keeps the config, the store's engine, the clock and the
terminal's language, opens the first screen of its mode, and turns errors into translated notices. What
happens on each screen lives in that screen's module.

Start-up. A terminal is started again after a crash with a queue in front of it, so its first screen (staff
sign-in, the kiosk's welcome) is painted before anything else: this module and the first screens import only
Textual, the config and the catalogs. Behind the painted screen a worker thread does the rest — imports the store
and the domain, opens the store and checks its schema (a store that is unreachable or needs an upgrade ends the
app with the same message the command line prints), registers the terminal, gives back holds a crash left
behind, loads the site's keys, and imports the screens that come next — and then :meth:`_started` starts
printing, SMS and the service watch on the app's thread. Whatever needs the store before then waits for it:
:meth:`when_started` (UI thread) and :meth:`wait_until_started` (worker threads). An app given an engine (tests,
``boxoffice demo``) does the same steps at once in ``on_mount``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import LANGUAGES, Translator
from boxoffice.kiosk_service import KioskService
from kiosk import accessibility
from kiosk.config import Config, printer_spec
from kiosk.containment import ContainErrors
from kiosk.service_watch import ServiceWatch, kiosk_allows

if TYPE_CHECKING:  # imported by the start-up, behind the first screen (see "Start-up" above)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import Engine

    from boxoffice.payment_terminal import PaymentTerminal
    from boxoffice.print_worker import PrintEvent, PrintWorker
    from boxoffice.sms_sender import SmsSender
    from kiosk.idle import IdleWatch
    from kiosk.screens.showtimes_screen import ShowtimesScreen
    from printing import PrinterStatus
    from printing.spec import PrinterSpec

MODES_OPENED = ("counter", "kiosk", "door")
"""Modes this release can open."""

log = logging.getLogger(__name__)

NEXT_SCREENS = {
    "counter": ("kiosk.screens.showtimes_screen", "kiosk.screens.seat_selection_screen",
                "kiosk.screens.payment_screen"),
    "kiosk": ("kiosk.screens.kiosk_films_screen", "kiosk.screens.kiosk_showtimes_screen",
              "kiosk.screens.pickup_screen", "kiosk.widgets.film_card"),
    "door": ("kiosk.screens.door_screen",),
}
"""Modules the start-up imports so that the screens after the first open at once."""


class StartUpProblem(Exception):
    """The terminal cannot start: the store cannot be opened or needs an upgrade (``message`` says what to do)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class StartUp:
    """What the start-up prepared behind the first screen, handed to the app's thread."""

    engine: Engine
    refund_policy_id: int | None = None
    taken_out: bool | None = None
    pickup_key: bytes | None = None
    signing_key: Ed25519PrivateKey | None = None
    key_problem: str | None = None


def _open_store(config: Config) -> Engine:
    """The engine of ``config``'s store, once its schema is checked to be this version's.

    Raises:
        StartUpProblem: with the message the command line prints for the same problem.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from db.engine import make_engine
    from db.migrate import current_revision, head_revision

    try:
        engine = make_engine(config.database_url)
        current, head = current_revision(engine), head_revision()
    except SQLAlchemyError as exc:
        raise StartUpProblem(f"error: the store cannot be used: {getattr(exc, 'orig', None) or exc}") from exc
    if current != head:
        state = "is empty" if current is None else f"is at schema {current}"
        raise StartUpProblem(
            f"The store {config.database.url} {state}; this version needs schema {head}.\n"
            f"Run: boxoffice --config {config.source} db upgrade   (or `boxoffice demo` for the demo cinema)")
    return engine


def _read_status(spec: PrinterSpec) -> PrinterStatus:
    from printing import read_status

    return read_status(spec)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BoxOfficeApp(ContainErrors, App[None]):
    """The box-office terminal: staff sign-in and showtimes at the counter, a welcome screen at a kiosk."""

    CSS_PATH = ["styles/app.tcss", "styles/access.tcss"]

    BINDINGS = [
        Binding("f2", "toggle_language", "key.language", priority=True),
        Binding("ctrl+q", "quit", "key.quit", priority=True),
        Binding("f9", "toggle_high_contrast", "access.key_contrast", show=False),
        Binding("f10", "toggle_large_text", "access.key_large_text", show=False),
    ]
    """F2 switches between Chinese and English anywhere; ctrl+q quits (never at a kiosk); at a kiosk F9 and F10
    switch high contrast and large text (a screen's own F9/F10 come first)."""

    print_generation: reactive[int] = reactive(0)
    """Counts print events; screens that show print state watch it."""

    language: reactive[str] = reactive("zh")
    """The terminal's current language ("zh" or "en"); screens watch it and redraw their texts."""

    service_generation: reactive[int] = reactive(0)
    """Counts changes of :attr:`kiosk_service` and printer readings; service screens watch it."""

    high_contrast: reactive[bool] = reactive(False)
    """The high-contrast theme is on (kiosk; default ``[kiosk] theme``)."""

    large_text: reactive[bool] = reactive(False)
    """Large text is on (kiosk; default ``[kiosk] large_text``)."""

    def __init__(
        self,
        config: Config,
        engine: Engine | None = None,
        *,
        mode: str = "counter",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Create the app.

        Args:
            config: the terminal's validated config.
            engine: the store; None opens ``config.database_url`` behind the first screen (see "Start-up").
            mode: "counter" (staff sign-in, then showtimes), "kiosk" (self-service) or "door" (staff
                sign-in, then the usher's scan screen).
            clock: returns the current UTC-aware time; tests pass a fixed one.

        Raises:
            ValueError: for a mode this release cannot open.
        """
        if mode not in MODES_OPENED:
            raise ValueError(f"mode must be one of {', '.join(MODES_OPENED)}; got {mode!r}")
        if mode == "kiosk":
            # Read by App.__init__: a customer must not reach Textual's command palette.
            self.ENABLE_COMMAND_PALETTE = False
        super().__init__()
        self._contain_errors: bool | None = None
        self.print_worker: PrintWorker | None = None
        self.sms_sender: SmsSender | None = None
        """Sends the SMS outbox in the background (counter mode only)."""
        self.pickup_key: bytes | None = None
        """The site's key for pickup-code digests (None until loaded, or when it cannot be)."""
        self.signing_key: Ed25519PrivateKey | None = None
        """The site's key for signing ticket entry tokens."""
        self.refund_policy_id: int | None = None
        """The stored version of ``[refunds]`` that this terminal's sales are made under (see on_mount)."""
        self.idle: IdleWatch | None = None
        """A kiosk's idle timeout (kiosk mode only; see kiosk.idle)."""
        self.payment_terminal: PaymentTerminal | None = None
        """A kiosk's card / mobile payment terminal ([payment_terminal]; kiosk mode only)."""
        self._config = config
        self.engine: Engine | None = None
        """The store; None until the terminal has started (see "Start-up")."""
        self._given_engine = engine
        self._started_event = threading.Event()
        self.start_problem: str | None = None
        """Why the terminal could not start (see "Start-up"), for the command line to print after the app."""
        self._when_started: list[Callable[[], object]] = []
        self.mode = mode
        self.clock: Callable[[], datetime] = clock or _utc_now
        self.set_reactive(BoxOfficeApp.language, config.site.language)
        self._translators = {language: Translator(language) for language in LANGUAGES}
        self.title = self.translator("app.title")
        self.service_watch = ServiceWatch(self)
        """Printer watch, heartbeats, and at a kiosk the out-of-order screen and the service entry."""
        self.kiosk_service = KioskService(kiosk=mode == "kiosk", printer_configured=self.ticket_printer is not None)
        """In service or not, and why (see boxoffice.kiosk_service); the buying flow reads it before payment."""
        self.kiosk_service.on_change = self.service_watch.service_changed
        self.read_printer_status: Callable[[PrinterSpec], PrinterStatus] = _read_status
        """How the ticket printer is asked for its status (the printing edge; tests replace it)."""
        self._last_input = time.monotonic()
        self._uncontained: list[float] = []

    @property
    def translator(self) -> Translator:
        """Translates catalog keys into the current language."""
        return self._translators[self.language]

    def now(self) -> datetime:
        """The current time (UTC-aware), from the app's clock."""
        return self.clock()

    def on_mount(self) -> None:
        """Paint the first screen of the mode, then start the terminal behind it (see "Start-up")."""
        log.info("terminal %s opened in %s mode", self.config.terminal.id, self.mode)
        self.reset_accessibility()
        if self.mode == "kiosk":
            from kiosk.screens.kiosk_welcome_screen import KioskWelcomeScreen

            self.push_screen(KioskWelcomeScreen())
        else:
            from kiosk.screens.sign_in_screen import SignInScreen

            self.push_screen(SignInScreen())
        if self._given_engine is None:
            self.call_after_refresh(self._start_in_background)
        else:
            self._started(self._start_up())

    @work(thread=True, exclusive=True, group="start-up", exit_on_error=False)
    def _start_in_background(self) -> None:
        try:
            started = self._start_up()
        except StartUpProblem as problem:
            self.start_problem = problem.message  # the command line prints it once the terminal is restored
            self._started_event.set()  # whoever waits gets "store unavailable" while the app ends
            self.call_from_thread(self.exit, return_code=1)
            return
        self.call_from_thread(self._started, started)

    def _start_up(self) -> StartUp:
        """Open the store and prepare the terminal (any thread; touches no widget).

        Raises:
            StartUpProblem: the store cannot be opened or its schema is not this version's.
        """
        from boxoffice.refund_policy import policy_from_config, register_policy
        from boxoffice.terminals import is_taken_out_of_service, register_terminal
        from kiosk.intents import run_intent

        engine = self._given_engine or _open_store(self.config)
        terminal, now = self.config.terminal, self.now()
        started = StartUp(engine)
        try:
            run_intent(engine, lambda session: register_terminal(
                session, terminal_id=terminal.id, name=terminal.name, mode=self.mode, now=now),
                name="register terminal")
            started.refund_policy_id = run_intent(engine, lambda session: register_policy(
                session, policy_from_config(self.config.refunds), now), name="register refund policy")
        except BoxOfficeError as error:
            log.warning("could not register terminal %s: %s", terminal.id, error.code)
        try:  # a kiosk a technician took out of service stays out after a restart
            started.taken_out = run_intent(engine, lambda session: is_taken_out_of_service(
                session, terminal_id=terminal.id), write=False, name="service flag")
        except BoxOfficeError as error:
            log.warning("could not read the service flag of %s: %s", terminal.id, error.code)
        self._release_holds(engine, "restart")  # holds a crash left behind
        self._load_site_keys(started)
        for module in NEXT_SCREENS[self.mode]:  # the next screen opens without waiting for its imports
            import_module(module)
        return started

    def _started(self, started: StartUp) -> None:
        """The terminal has started: printing, SMS, the service watch, a kiosk's idle timeout and payment."""
        self.engine = started.engine
        self.refund_policy_id = started.refund_policy_id
        self.pickup_key, self.signing_key = started.pickup_key, started.signing_key
        if started.key_problem:
            self.notify(started.key_problem, severity="error", timeout=30)
        if started.taken_out is not None:
            self.kiosk_service.set_taken_out(started.taken_out)
        self._start_printing()
        self._start_sms()
        self.service_watch.start()
        if self.mode == "kiosk":
            from kiosk.idle import IdleWatch
            from kiosk.kiosk_flow import make_payment_terminal

            self.payment_terminal = make_payment_terminal(self)
            self.idle = IdleWatch(self)
            self.set_interval(1.0, self.idle.tick)
        self._started_event.set()
        waiting, self._when_started = self._when_started, []
        for callback in waiting:
            callback()

    @property
    def started(self) -> bool:
        """The terminal has started: the store is open and :attr:`engine` set (see "Start-up")."""
        return self.engine is not None

    def when_started(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` (on the app's thread) now if the terminal has started, else as soon as it has."""
        if self.started:
            callback()
        else:
            self._when_started.append(callback)

    def wait_until_started(self, timeout_s: float = 60.0) -> Engine:
        """From a worker thread: wait for the start-up, then return the store's engine.

        Raises:
            BoxOfficeError: ``store_unavailable`` when the start-up failed or took longer than ``timeout_s``.
        """
        if not self._started_event.wait(timeout_s) or self.engine is None:  # set before the event (_started)
            raise BoxOfficeError("store_unavailable", self.start_problem or "the terminal is still starting")
        return self.engine

    def _load_site_keys(self, started: StartUp) -> None:
        """The site's pickup-code key and ticket-signing key, from files beside kiosk.toml ([security] keys_dir).

        Without them the counter still sells (tickets then carry their random secret and orders get no pickup
        code); the problem is logged and shown. A door only checks tickets: it needs the site's signing key
        and never makes one (a key of its own would refuse every ticket).
        """
        from boxoffice.entry_tokens import load_or_create_signing_key
        from boxoffice.site_keys import PICKUP_CODE_KEY_FILE, SiteKeyError, load_or_create_secret

        keys = self.config.resolve(self.config.security.keys_dir)
        door = self.mode == "door"
        try:
            if not door:
                started.pickup_key = load_or_create_secret(keys / PICKUP_CODE_KEY_FILE)
            started.signing_key = load_or_create_signing_key(keys, create=not door)
        except SiteKeyError as error:
            log.error("site keys in %s cannot be used: %s", keys, error)
            started.key_problem = str(error)

    # -- printing ------------------------------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        """The terminal's validated config."""
        return self._config

    @config.setter
    def config(self, config: Config) -> None:
        """A new config (a technician saved printer settings): printing restarts with the new printers."""
        printers_changed = config.printers != self._config.printers
        sms_changed = config.sms != self._config.sms
        self._config = config
        if printers_changed and self.print_worker is not None:
            self._stop_printing()
            self.print_worker = None
            self._start_printing()
        if printers_changed:
            self.service_watch.printers_changed()
        if sms_changed:
            self._stop_sms()
            self._start_sms()

    @property
    def ticket_printer(self) -> str | None:
        """The name of this terminal's ticket printer: the first [[printers]] table with role "tickets"."""
        return next((p.name for p in self.config.printers if p.role == "tickets"), None)

    def _start_printing(self) -> None:
        """Start the print worker thread that sends this terminal's queued jobs (tickets survive a crash)."""
        if not self.config.printers or self.print_worker is not None:
            return
        from boxoffice.print_worker import PrintWorker

        site = self.config.site
        self.print_worker = PrintWorker(
            self.engine, {p.name: printer_spec(self.config, p) for p in self.config.printers},
            terminal_id=self.config.terminal.id, cinema_zh=site.name_zh, cinema_en=site.name_en, zone=site.zone,
            clock=self.clock, on_change=lambda event: self.call_from_thread(self._print_changed, event),
            signing_key=self.signing_key,
        )
        self.print_worker.start()

    def _print_changed(self, event: PrintEvent) -> None:
        """A job printed or failed: tell the screens (the counter shows what needs attention)."""
        self.print_generation += 1
        self.service_watch.print_event(event)
        if event.error and event.status in ("failed", "uncertain"):
            self.notify(self.translator("print.job_problem", printer=event.printer,
                                        error=self.translator.error(event.error)), severity="warning")

    def tickets_queued(self, *, cash: bool) -> None:
        """A sale queued its tickets: wake the printer worker; open the cash drawer for cash (from any thread)."""
        if self.print_worker is not None:
            self.print_worker.wake()
        if self.sms_sender is not None:
            self.sms_sender.wake()
        if cash:
            drawer = next((p for p in self.config.printers if p.drawer), None)
            if drawer is not None:
                self._kick_drawer(printer_spec(self.config, drawer))

    @work(thread=True, group="drawer")
    def _kick_drawer(self, spec: PrinterSpec) -> None:
        from printing import PrinterError, print_document
        from printing.document import Document

        try:
            print_document(spec, Document(()), job_name="drawer", open_drawer=True)
        except PrinterError as error:
            log.warning("cash drawer on %s did not open: %s", spec.name, error.code)

    def _stop_printing(self) -> None:
        if self.print_worker is not None:
            self.print_worker.stop()

    def on_unmount(self) -> None:
        """Stop the print worker with the app (queued jobs stay in the store for the next start)."""
        self._stop_printing()
        self._stop_sms()

    # -- SMS -------------------------------------------------------------------------------------------------

    def _start_sms(self) -> None:
        """At the counter, send the SMS outbox in the background ([sms] gateway); kiosks leave it to the counter.

        Without the site's pickup key there are no codes to send (and no sealed texts to open). A gateway that
        cannot be built is logged: messages wait in the outbox, and a sale never notices.
        """
        if self.mode != "counter" or self.pickup_key is None or self.sms_sender is not None:
            return
        from boxoffice.sms import gateway_from_config
        from boxoffice.sms_sender import SmsSender

        sms = self.config.sms
        try:
            gateway = gateway_from_config(sms, self.config.source.parent)
        except BoxOfficeError as error:
            log.error("[sms] gateway cannot be used, messages wait in the outbox: %s", error.message)
            return
        self.sms_sender = SmsSender(self.engine, gateway, key=self.pickup_key, max_attempts=sms.max_attempts,
                                    terminal_id=self.config.terminal.id, clock=self.clock)
        self.sms_sender.start()

    def _stop_sms(self) -> None:
        if self.sms_sender is not None:
            self.sms_sender.stop()
            self.sms_sender = None

    async def on_event(self, event: events.Event) -> None:
        """At a kiosk, every key, touch, click or scroll is the customer's activity (the idle timeout restarts);
        a kiosk's keys are also watched for the technician's service sequence (which they then do not reach)."""
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self._last_input = time.monotonic()
            if isinstance(event, events.Key) and self.service_watch.key(event.key):
                return
        if self.idle is not None and isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown,
                                                        events.MouseScrollUp)):
            self.idle.touch()
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """At a kiosk there is no way out of the app (see service_watch.kiosk_allows); F9/F10 only at a kiosk."""
        if self.mode == "kiosk":
            return kiosk_allows(self, action)
        return action not in ("toggle_high_contrast", "toggle_large_text")

    def action_toggle_language(self) -> None:
        """Switch between Chinese and English."""
        self.language = "en" if self.language == "zh" else "zh"

    def watch_language(self, language: str) -> None:
        """Keep the window title in the current language (screens redraw themselves)."""
        self.title = self.translator("app.title")

    @property
    def contain_errors(self) -> bool:
        """Whether UI errors are contained (logged and announced) rather than ending the app (see containment)."""
        return self._contain_errors if self._contain_errors is not None else not self.is_headless

    @contain_errors.setter
    def contain_errors(self, value: bool) -> None:
        self._contain_errors = value

    # -- kiosk service, lock-down and accessibility (see kiosk.service_watch, kiosk.accessibility) ---------------

    @property
    def payment_in_progress(self) -> bool:
        """A customer's payment is under way: the out-of-order screen waits (``kiosk_service.payment()``)."""
        return self.kiosk_service.payment_in_progress

    @payment_in_progress.setter
    def payment_in_progress(self, paying: bool) -> None:
        self.kiosk_service.payment_in_progress = paying

    def seconds_since_input(self) -> float:
        """Seconds since the last key, touch or click anywhere."""
        return time.monotonic() - self._last_input

    def action_toggle_high_contrast(self) -> None:
        """High contrast on or off, for this customer."""
        self.high_contrast = not self.high_contrast

    def action_toggle_large_text(self) -> None:
        """Large text on or off, for this customer."""
        self.large_text = not self.large_text

    def reset_accessibility(self) -> None:
        """Back to ``[kiosk] theme`` and ``large_text`` (a kiosk's customer session ended); counters: default."""
        kiosk = self.mode == "kiosk"
        self.high_contrast = kiosk and self.config.kiosk.theme == "high_contrast"
        self.large_text = kiosk and self.config.kiosk.large_text
        accessibility.apply(self, high_contrast=self.high_contrast, large_text=self.large_text)

    def watch_high_contrast(self) -> None:
        accessibility.apply(self, high_contrast=self.high_contrast, large_text=self.large_text)

    def watch_large_text(self) -> None:
        accessibility.apply(self, high_contrast=self.high_contrast, large_text=self.large_text)

    def report_unexpected_error(self) -> None:
        """Something broke (already logged): at a kiosk a bilingual "sorry" with a way back, elsewhere a notice."""
        from kiosk.dialogs.kiosk_error_dialog import KioskErrorDialog

        if self.mode != "kiosk":
            self.notify(self.translator.error("unexpected"), severity="error")
            return
        if isinstance(self.screen, KioskErrorDialog):
            return
        self.push_screen(KioskErrorDialog(), callback=self._after_kiosk_error)

    def _after_kiosk_error(self, start_again: bool | None) -> None:
        if not start_again or self.kiosk_service.payment_in_progress:
            return
        self._release_my_holds("error")
        self.language = self.config.site.language
        self.reset_accessibility()

        async def to_first_screen() -> None:
            while len(self.screen_stack) > 2:
                await self.pop_screen()
            idle = getattr(self, "idle", None)  # a new customer for the idle timeout (kiosk.idle)
            if idle is not None:
                idle.reset()
            self.service_watch.enforce()

        self.call_later(to_first_screen)

    def _handle_exception(self, error: Exception) -> None:
        """At a kiosk, an error outside a message handler (a worker, a timer, drawing) is logged, never shown.

        Textual would end the app and print the traceback. The customer gets :meth:`report_unexpected_error`
        instead. Errors in a burst (more than 10 in 10 s: something is broken for good) end the app with exit
        code 1, still without a traceback, for the kiosk's service manager to start it again.
        """
        if self.mode != "kiosk" or not self.contain_errors:
            super()._handle_exception(error)
            return
        log.error("unexpected error at the kiosk", exc_info=error)
        now = time.monotonic()
        self._uncontained = [*(t for t in self._uncontained if now - t < 10), now]
        if len(self._uncontained) > 10:
            log.critical("too many errors in a row at the kiosk: exiting for a restart")
            self.exit(return_code=1)
            return
        self.call_later(self.report_unexpected_error)

    def show_error(self, error: BoxOfficeError) -> None:
        """Tell the person, in their language, why what they asked for did not happen."""
        self.notify(self.translator.error(error.code, **error.params), severity="error")

    def on_showtimes_screen_showtime_chosen(self, message: ShowtimesScreen.ShowtimeChosen) -> None:
        """A showtime was opened at the counter: its seat map, for the signed-in staff member."""
        staff = getattr(self.screen, "staff", None)
        if staff is None:
            return
        if not staff.can("sell"):
            self.show_error(BoxOfficeError("not_permitted", "this role does not sell tickets"))
            return
        log.info("showtime %s opened at %s by staff %s", message.showtime_id, self.config.terminal.id, staff.code)
        from kiosk.screens.seat_selection_screen import SeatSelectionScreen

        self.push_screen(SeatSelectionScreen(staff, message.showtime_id))

    def _release_my_holds(self, reason: str) -> None:
        """Give back every seat this terminal holds (quitting, a kiosk's customer gone); a crash's at start-up."""
        if self.engine is not None:  # not started: _start_up gives them back
            self._release_holds(self.engine, reason)

    def _release_holds(self, engine: Engine, reason: str) -> None:
        from boxoffice.holds import release_terminal_holds
        from kiosk.intents import run_intent

        terminal = self.config.terminal

        def work(session: Any) -> None:
            release_terminal_holds(session, terminal_id=terminal.id, now=self.now(), reason=reason)

        try:
            run_intent(engine, work, name=f"release holds ({reason})")
        except BoxOfficeError as error:
            log.warning("could not release the holds of %s: %s", terminal.id, error.code)

    async def action_quit(self) -> None:
        """Give the seats back, then quit."""
        self._release_my_holds("quit")
        self.exit()
