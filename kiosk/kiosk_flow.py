"""One customer at a self-service kiosk: what they chose, their seats, and how their session ends.

A customer's session starts when they leave the attract screen (to buy or to collect) and ends when they come
back to it: done, cancelled, or walked away (the idle timeout, :mod:`kiosk.idle`). However it ends, the same
things happen here: the seats this kiosk holds are given back, every screen of the customer's is closed (so
nothing they typed or chose stays on screen), and the language goes back to the site's. What they chose lives
only in a :class:`Purchase` carried from step to step, so closing the screens is forgetting it.

Holds are made for the ``kiosk`` channel and last ``[holds] kiosk_seconds``; they are pushed back while the
customer is active (:func:`keep_holds`), and right before the payment terminal is asked to charge.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from boxoffice.errors import BoxOfficeError
from boxoffice.hall import Hall, HallSeat
from boxoffice.holds import extend_holds, release_terminal_holds
from boxoffice.kiosk_catalog import FilmOnSale, KioskShowtime
from boxoffice.payment_terminal import PaymentTerminal, SimulatedTerminal
from boxoffice.pricing import PriceCardInfo, TicketTypeInfo
from boxoffice.showtimes import ShowtimeDetail
from kiosk.intents import run_intent

if TYPE_CHECKING:
    from kiosk.app import BoxOfficeApp

log = logging.getLogger(__name__)

CHANNEL = "kiosk"
"""The sales channel of everything sold here."""


@dataclass
class Purchase:
    """What one customer has chosen so far (gone with their screens)."""

    film: FilmOnSale | None = None
    showtime: KioskShowtime | None = None
    detail: ShowtimeDetail | None = None
    hall: Hall | None = None
    card: PriceCardInfo | None = None
    types: tuple[TicketTypeInfo, ...] = ()
    party: int = 2
    seats: tuple[HallSeat, ...] = ()
    choice: list[str] = field(default_factory=list)
    """The ticket type code of each seat, in the order of ``seats``."""
    phone: str | None = None
    """The mobile number for the pickup-code SMS, normalised (shown masked only)."""
    request_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    """One per purchase: an approved payment whose sale is written twice sells once."""


class CustomerScreen:
    """Marks a screen as part of a customer's session: the idle timeout watches it, leaving closes it."""

    KIOSK_CUSTOMER = True


def is_customer_screen(screen: Screen[Any]) -> bool:
    """Whether ``screen`` belongs to the customer's session (ours, or the pickup screen opened at a kiosk)."""
    from kiosk.screens.pickup_screen import PickupScreen

    if getattr(screen, "KIOSK_CUSTOMER", False):
        return True
    return isinstance(screen, PickupScreen) and not screen.at_counter


def in_session(app: BoxOfficeApp) -> bool:
    """A customer is using the kiosk (a screen of theirs is open)."""
    return any(is_customer_screen(screen) for screen in app.screen_stack)


def release_holds(app: BoxOfficeApp, reason: str) -> None:
    """Give back every seat this kiosk holds (problems are logged: the holds expire by themselves anyway)."""
    terminal, now = app.config.terminal.id, app.now()
    try:
        run_intent(app.engine, lambda session: release_terminal_holds(
            session, terminal_id=terminal, now=now, reason=reason), name=f"release kiosk holds ({reason})")
    except BoxOfficeError as error:
        log.warning("could not release the holds of %s: %s", terminal, error.code)


def keep_holds(app: BoxOfficeApp) -> None:
    """Push back this kiosk's holds by ``[holds] kiosk_seconds`` from now."""
    terminal, now, seconds = app.config.terminal.id, app.now(), app.config.holds.kiosk_seconds
    try:
        run_intent(app.engine, lambda session: extend_holds(
            session, terminal_id=terminal, now=now, hold_seconds=seconds), name="extend kiosk holds")
    except BoxOfficeError as error:
        log.warning("could not extend the holds of %s: %s", terminal, error.code)


def end_customer_session(app: BoxOfficeApp, reason: str) -> None:
    """The customer is gone (``done``, ``cancel``, ``timeout``): seats back, their screens closed, language (and
    theme and text size) reset.

    Only the customer's screens are closed, from the top: a screen someone else put over them (out of service)
    stays.
    """
    log.info("kiosk %s: customer session ended (%s)", app.config.terminal.id, reason)
    release_holds(app, reason)

    async def close_screens() -> None:
        while len(app.screen_stack) > 1 and is_customer_screen(app.screen):
            await app.pop_screen()
        app.language = app.config.site.language
        reset_accessibility = getattr(app, "reset_accessibility", None)  # the next customer's theme and text size
        if reset_accessibility is not None:
            reset_accessibility()
        if app.idle is not None:
            app.idle.reset()

    app.call_later(close_screens)


def make_payment_terminal(app: BoxOfficeApp) -> PaymentTerminal:
    """The payment terminal ``[payment_terminal]`` describes (only the simulated one in this release)."""
    settings = app.config.payment_terminal
    return SimulatedTerminal(app.config.resolve(settings.folder), default=settings.default,
                             delay_seconds=settings.delay_seconds, timeout_seconds=settings.timeout_seconds)
