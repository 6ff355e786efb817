"""A self-service kiosk on the demo cinema for Pilot tests: a controllable clock, a scripted payment terminal,
and helpers that walk the buying steps as a customer would (keys and touches)."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Static
from ui_helpers import NOW, SIZE

from boxoffice.demo.poster_art import install_demo_posters
from boxoffice.holds import live_claims
from boxoffice.payment_terminal import PaymentResult
from db.engine import transaction
from db.models import Payment, PrintJob, SaleOrder, SeatClaim
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.screens.kiosk_welcome_screen import KioskWelcomeScreen

KIOSK = "kiosk-1"
PHONE = "13812345678"


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class ScriptedTerminal:
    """A payment terminal that answers from a list ("approved", "declined", "timeout"), then approves; with
    ``gate`` set it waits for the test to open it before answering."""

    answers: list[str] = field(default_factory=list)
    charges: list[tuple[int, str, str]] = field(default_factory=list)
    voids: list[tuple[str, int]] = field(default_factory=list)
    gate: threading.Event | None = None
    refunds: list[tuple[int, str, str]] = field(default_factory=list)
    refund_answers: list[str] = field(default_factory=list)

    def charge(self, amount_fen: int, method: str, reference_hint: str) -> PaymentResult:
        self.charges.append((amount_fen, method, reference_hint))
        if self.gate is not None:
            self.gate.wait(10)
        outcome = self.answers.pop(0) if self.answers else "approved"
        reference = f"T{len(self.charges):05d}REF" if outcome == "approved" else None
        return PaymentResult(outcome, reference)  # type: ignore[arg-type]

    def void(self, reference: str, amount_fen: int) -> bool:
        self.voids.append((reference, amount_fen))
        return True

    def refund(self, amount_fen: int, method: str, reference: str) -> PaymentResult:
        self.refunds.append((amount_fen, method, reference))
        if self.gate is not None:
            self.gate.wait(10)
        outcome = self.refund_answers.pop(0) if self.refund_answers else "approved"
        return PaymentResult(outcome, f"R{len(self.refunds):05d}REF" if outcome == "approved" else None)  # type: ignore[arg-type]


def kiosk_config(tmp_path: Path, *, printer: bool = True, **sections: Any) -> Config:
    """A kiosk's settings in the test's folder: the demo's posters, a preview ticket printer (or none)."""
    install_demo_posters(tmp_path / "posters")
    values: dict[str, Any] = {
        "source": tmp_path / "kiosk.toml",
        "terminal": {"id": KIOSK, "name": "Kiosk 1", "mode": "kiosk"},
        "payment_terminal": {"delay_seconds": 0},
        "printers": [{"name": "tickets", "connection": "preview", "path": "preview"}] if printer else [],
    }
    values.update(sections)
    return Config.model_validate(values)


def kiosk_app(config: Config, store: Engine, clock: Callable[[], datetime]) -> BoxOfficeApp:
    """The kiosk app (tests put a :class:`ScriptedTerminal` in ``app.payment_terminal`` once it runs)."""
    return BoxOfficeApp(config, store, mode="kiosk", clock=clock)


async def settle(pilot: Pilot[Any], times: int = 2) -> None:
    """Let workers finish and the screens they push be mounted."""
    await pilot.app.workers.wait_for_complete()
    for _ in range(times):
        await pilot.pause()


async def started(pilot: Pilot[Any]) -> None:
    """Wait for the kiosk's start-up and its first films: a touch before then lands on a layout that is about to
    change (the posters arrive and push the buttons down)."""
    for _ in range(200):
        screen = pilot.app.screen
        if getattr(pilot.app, "started", False) and getattr(screen, "_loaded", True):
            break
        await pilot.pause(0.05)
    await settle(pilot)


async def to_step(pilot: Pilot[Any], step: str, *, language: str = "zh", party: int = 2) -> None:
    """From the attract screen to the start of a step of buying, choosing the first film and showtime, the best
    seats for ``party``, adults, and the phone number, as a customer would."""
    steps = ("film", "showtime", "party", "seats", "types", "phone", "pay")
    await started(pilot)
    if language == "en":
        await pilot.click("#lang-en")
    await pilot.click("#buy")
    await settle(pilot)
    for name in steps[1:steps.index(step) + 1]:
        if name == "showtime":
            await pilot.press("enter")  # the first film's card has the focus
        elif name == "party":
            await pilot.press("enter")  # the first showtime on sale has the focus
        elif name == "seats":
            await pilot.press(str(party))
        elif name == "types":
            await pilot.press("enter")  # Continue with the suggested seats
        elif name == "phone":
            await pilot.click(".kiosk-continue")
        elif name == "pay":
            for char in PHONE:
                await pilot.press(char)
            await pilot.press("enter")
        await settle(pilot)


async def pay(pilot: Pilot[Any], method: str = "card") -> None:
    """Press a way to pay and wait for the terminal and the sale.

    On a loaded machine the payment worker may not have started when the click returns, so this waits until no
    worker has run for three pauses in a row (at most ~10 s) rather than for the workers of one instant.
    """
    await pilot.click(f"#pay-{method}")
    quiet = 0
    for _ in range(100):
        await pilot.pause(0.1)
        running = any(worker.is_running for worker in pilot.app.workers)
        await pilot.app.workers.wait_for_complete()
        quiet = 0 if running else quiet + 1
        if quiet >= 3:
            break
    await settle(pilot, 3)


def my_holds(store: Engine) -> list[int]:
    """Seat ids this kiosk holds now (live, unexpired), in any showtime."""
    with transaction(store, write=False) as session:
        return list(session.exec(select(SeatClaim.seat_id).where(
            SeatClaim.terminal_id == KIOSK, SeatClaim.status == "held",
            SeatClaim.released_at.is_(None))).all())  # type: ignore[union-attr]


def showtime_claims(store: Engine, showtime_id: int, now: datetime) -> dict[int, Any]:
    """The live claims of a showtime (boxoffice.holds.live_claims)."""
    with transaction(store, write=False) as session:
        return live_claims(session, showtime_id=showtime_id, now=now)


def orders(store: Engine) -> list[SaleOrder]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(SaleOrder)).all())


def payments(store: Engine) -> list[Payment]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(Payment)).all())


def print_jobs(store: Engine, order_id: int) -> list[PrintJob]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(PrintJob).where(PrintJob.order_id == order_id)).all())


def shown(app: BoxOfficeApp, selector: str) -> str:
    """What a Static of the current screen shows, as plain text (Rich tables rendered as on screen)."""
    content = app.screen.query_one(selector, Static).content
    if isinstance(content, (str, Text)):
        return str(app.screen.query_one(selector, Static).render())
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


def at_attract(app: BoxOfficeApp) -> bool:
    return isinstance(app.screen, KioskWelcomeScreen) and len(app.screen_stack) == 2


__all__ = [
    "KIOSK",
    "NOW",
    "PHONE",
    "SIZE",
    "Clock",
    "ScriptedTerminal",
    "at_attract",
    "kiosk_app",
    "kiosk_config",
    "my_holds",
    "orders",
    "pay",
    "payments",
    "print_jobs",
    "settle",
    "shown",
    "showtime_claims",
    "started",
    "to_step",
]
