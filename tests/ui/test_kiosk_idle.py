"""The kiosk's idle timeout, on the app's clock: "Are you still there?", then back to the attract screen with the
seats given back; any key carries on; never while the payment terminal is taking money."""

from __future__ import annotations

import threading

from kiosk_support import (
    SIZE,
    Clock,
    ScriptedTerminal,
    at_attract,
    kiosk_app,
    kiosk_config,
    my_holds,
    orders,
    settle,
    to_step,
)
from textual.widgets import Digits
from ui_helpers import run

from kiosk.dialogs.still_there_dialog import StillThereDialog
from kiosk.screens.kiosk_collect_code_screen import KioskCollectCodeScreen
from kiosk.screens.kiosk_done_screen import KioskDoneScreen
from kiosk.screens.kiosk_seats_screen import KioskSeatsScreen

IDLE = {"idle_seconds": 30, "still_there_seconds": 10}


async def _tick(pilot) -> None:
    """Let the once-a-second idle check run."""
    await pilot.pause(1.3)


def test_a_silent_customer_is_asked_then_loses_the_seats_and_the_kiosk_starts_over(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path, kiosk=IDLE), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await to_step(pilot, "seats", language="en")
            assert len(my_holds(demo_store)) == 2
            clock.advance(29)
            await _tick(pilot)
            assert isinstance(app.screen, KioskSeatsScreen)  # not yet
            clock.advance(2)
            await _tick(pilot)
            dialog = app.screen
            assert isinstance(dialog, StillThereDialog)
            assert "Are you still there?" in str(dialog.query_one("#still-title").render())
            assert "您还在吗" in str(dialog.query_one("#still-other").render())
            assert dialog.query_one("#still-seconds", Digits).value == "10"
            clock.advance(4)
            await _tick(pilot)
            assert dialog.query_one("#still-seconds", Digits).value == "6"
            assert len(my_holds(demo_store)) == 2
            clock.advance(7)
            await _tick(pilot)
            await settle(pilot)
            assert at_attract(app)
            assert app.language == "zh"  # the next customer starts in the site's language
            assert my_holds(demo_store) == []

    run(body)


def test_any_key_answers_the_question_and_the_customer_carries_on(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path, kiosk=IDLE), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await to_step(pilot, "seats")
            clock.advance(31)
            await _tick(pilot)
            assert isinstance(app.screen, StillThereDialog)
            await pilot.press("x")
            await settle(pilot)
            assert isinstance(app.screen, KioskSeatsScreen)
            assert len(my_holds(demo_store)) == 2
            clock.advance(25)  # the wait started again at the key
            await _tick(pilot)
            assert isinstance(app.screen, KioskSeatsScreen)
            await pilot.click(".kiosk-continue")  # a touch is activity too
            clock.advance(25)
            await _tick(pilot)
            assert not isinstance(app.screen, StillThereDialog)

    run(body)


def test_the_timeout_waits_while_the_payment_terminal_works(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path, kiosk=IDLE), demo_store, clock)
    gate = threading.Event()
    terminal = ScriptedTerminal(gate=gate)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.payment_terminal = terminal
            await to_step(pilot, "pay")
            await pilot.click("#pay-card")
            await pilot.pause(0.3)
            assert app.idle is not None and app.idle.paused
            clock.advance(120)
            await _tick(pilot)
            assert not isinstance(app.screen, StillThereDialog)
            assert len(my_holds(demo_store)) == 2
            gate.set()
            await settle(pilot, 3)
            assert isinstance(app.screen, KioskDoneScreen) and len(orders(demo_store)) == 1
            assert not app.idle.paused

    run(body)


def test_a_customer_who_walks_away_from_collecting_tickets_is_timed_out_too(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path, kiosk=IDLE), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.click("#lang-en")
            await pilot.click("#collect")
            await settle(pilot)
            assert isinstance(app.screen, KioskCollectCodeScreen) and app.language == "en"
            clock.advance(31)
            await _tick(pilot)
            assert isinstance(app.screen, StillThereDialog)
            await pilot.click("#still-no")  # "start over"
            await settle(pilot)
            assert at_attract(app) and app.language == "zh"

    run(body)
