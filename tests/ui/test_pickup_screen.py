"""Pickup driven like a person: a cashier types a code and prints; a kiosk's collect step locks after wrong codes."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from textual.widgets import Input, Static
from ui_helpers import NOW, SIZE, run, sign_in

from boxoffice.pickup_codes import check_digit
from db.engine import transaction
from db.models import Ticket
from kiosk.app import BoxOfficeApp
from kiosk.screens.kiosk_collect_code_screen import KioskCollectCodeScreen
from kiosk.screens.pickup_screen import PickupScreen
from tests.support.bookings import book_online


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _type(pilot, text: str) -> None:
    for char in text:
        await pilot.press(char)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_a_cashier_types_a_pickup_code_sees_the_order_and_collects_it(config, demo_store):
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            result = book_online(demo_store, NOW, key=app.pickup_key)
            await pilot.press("f4")
            await pilot.pause()
            assert isinstance(app.screen, PickupScreen)
            await _type(pilot, result.pickup_code)
            order = _text(app, "#pickup-order")
            assert "F4" in order and "F5" in order and "139****5678" in order and "13912345678" not in order
            await pilot.press("enter")  # an empty Enter prints the order shown
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "2" in _text(app, "#pickup-message")
            with transaction(demo_store, write=False) as session:
                marks = session.exec(select(Ticket.picked_up_terminal).where(Ticket.order_id == result.order_id)).all()
            assert marks == ["counter-1", "counter-1"]
            await _type(pilot, result.pickup_code)  # the same code again: when and where
            assert "Counter 1" in _text(app, "#pickup-order") and "10:00" in _text(app, "#pickup-order")
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, PickupScreen)

    run(body)


def test_a_kiosk_locks_its_pickup_input_after_five_wrong_codes_and_counts_down(make_app, counter_store):
    clock = {"now": NOW}
    app = make_app(mode="kiosk", clock=lambda: clock["now"])

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.click("#lang-en")
            await pilot.click("#collect")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, KioskCollectCodeScreen) and app.language == "en"
            await _type(pilot, "1234 5678 91")  # a typo: caught by the check digit, not counted
            assert "Please check the code" in _text(app, "#kiosk-collect-message")
            for index in range(5):
                body_digits = f"{900000000 + index:09d}"
                await _type(pilot, body_digits + check_digit(body_digits))
            message = _text(app, "#kiosk-collect-message")
            assert "Too many wrong codes" in message and "60 s" in message
            assert app.screen.query_one("#kiosk-collect-input", Input).disabled
            clock["now"] = NOW + timedelta(seconds=61)
            await pilot.pause(1.3)  # the countdown ticks every second
            assert not app.screen.query_one("#kiosk-collect-input", Input).disabled
            assert "Too many" not in _text(app, "#kiosk-collect-message")
            await pilot.press("escape")
            await pilot.pause()
            assert app.language == app.config.site.language  # the next customer starts in the site's language

    run(body)
