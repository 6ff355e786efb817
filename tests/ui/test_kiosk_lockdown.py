"""A kiosk is locked down: no key leaves the app or reaches Textual's palette, and no error reaches the screen
as a traceback (the customer gets a bilingual "sorry" with a way back)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import string

import pytest
from kiosk_support import Clock, ScriptedTerminal, kiosk_app, kiosk_config, settle, to_step
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Static
from ui_helpers import SIZE, run

import kiosk.dialogs
import kiosk.screens
from kiosk.containment import ContainErrors
from kiosk.dialogs.kiosk_error_dialog import KioskErrorDialog
from kiosk.kiosk_flow import end_customer_session
from kiosk.screens.kiosk_collect_code_screen import KioskCollectCodeScreen
from kiosk.screens.kiosk_films_screen import KioskFilmsScreen
from kiosk.screens.kiosk_pay_screen import KioskPayScreen
from kiosk.screens.kiosk_seats_screen import KioskSeatsScreen
from kiosk.screens.out_of_order_screen import OutOfOrderScreen
from kiosk.service_watch import KIOSK_BLOCKED_ACTIONS, KeySequence

PRINTABLE = [
    {" ": "space"}.get(char, char) for char in string.ascii_letters + string.digits + string.punctuation + " "
]
"""Every printable ASCII key (Pilot turns a one-character key into its Textual name)."""
FUNCTION_KEYS = [f"f{n}" for n in range(1, 13)]
CONTROL_KEYS = [f"ctrl+{letter}" for letter in string.ascii_lowercase]
ALL_KEYS = [*PRINTABLE, *FUNCTION_KEYS, *CONTROL_KEYS, "escape", "tab", "shift+tab", "ctrl+backslash"]


class _Broken(Exception):
    pass


def test_no_key_in_kiosk_mode_exits_the_app_or_changes_its_screens(make_app):
    app = make_app(mode="kiosk")
    pressed: list[str] = []

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            assert app.ENABLE_COMMAND_PALETTE is False
            stack = list(app.screen_stack)
            assert len(stack) == 2  # Textual's default screen and the attract screen
            for key in ALL_KEYS:
                await pilot.press(key)
                await pilot.pause()
                pressed.append(key)
                assert app.is_running and app.return_code is None, key
                assert app.screen_stack == stack, (key, app.screen_stack)
                if app.high_contrast or app.large_text:  # F9 / F10: the customer's display, not a screen
                    app.reset_accessibility()

    run(body)
    assert pressed == ALL_KEYS


CUSTOMER_SCREENS = {"film": KioskFilmsScreen, "seats": KioskSeatsScreen, "pay": KioskPayScreen,
                    "collect": KioskCollectCodeScreen}
"""The buying steps (film list, seat map, payment) and the collect screen, by ``to_step``'s names."""


@pytest.mark.parametrize("where", list(CUSTOMER_SCREENS))
def test_no_key_on_the_buying_and_collect_screens_exits_the_app_or_opens_the_palette(tmp_path, demo_store, where):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())
    screen_type = CUSTOMER_SCREENS[where]
    terminal = ScriptedTerminal(answers=["declined"] * len(ALL_KEYS))  # a key that pays takes no money
    moved_on: list[str] = []

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.payment_terminal = terminal
            home = list(app.screen_stack)

            async def reach() -> None:
                if where == "collect":
                    await pilot.click("#collect")
                    await settle(pilot)
                else:
                    await to_step(pilot, where)
                assert isinstance(app.screen, screen_type), app.screen

            await reach()
            for key in ALL_KEYS:
                await pilot.press(key)
                await pilot.pause()
                assert app.is_running and app.return_code is None, key
                assert not any(isinstance(screen, CommandPalette) for screen in app.screen_stack), key
                assert app.screen_stack[:2] == home, (key, app.screen_stack)  # the attract screen stays below
                if app.high_contrast or app.large_text:  # F9 / F10: the customer's display, not a screen
                    app.reset_accessibility()
                if not isinstance(app.screen, screen_type):  # Enter, Escape…: a step on or back, as meant
                    moved_on.append(key)
                    end_customer_session(app, "test")
                    await settle(pilot)
                    assert app.screen_stack == home, key
                    await reach()

    run(body)
    assert len(moved_on) <= 4, moved_on  # Escape (back), Space on a focused card; the rest stay on the screen


def test_no_key_gets_a_customer_past_the_out_of_order_screen(make_app):
    app = make_app(mode="kiosk")

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.kiosk_service.set_taken_out(True)
            await pilot.pause()
            assert isinstance(app.screen, OutOfOrderScreen)
            stack = list(app.screen_stack)
            for key in ALL_KEYS:
                await pilot.press(key)
                await pilot.pause()
                assert app.is_running and app.screen_stack == stack, key
            await pilot.click("#ooo-box")  # touching it does nothing either
            assert app.screen_stack == stack

    run(body)


def test_the_kiosk_refuses_every_app_action_that_leads_out_and_never_drops_its_first_screen(make_app):
    app = make_app(mode="kiosk")
    counter = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE):
            for action in sorted(KIOSK_BLOCKED_ACTIONS):
                assert app.check_action(action, ()) is False, action
            assert app.check_action("pop_screen", ()) is False  # the attract screen is the bottom
            assert app.check_action("back", ()) is False
            await app.push_screen(KioskCollectCodeScreen())
            assert app.check_action("pop_screen", ()) is True
            assert app.check_action("toggle_language", ()) is True
        async with counter.run_test(size=SIZE):
            assert counter.check_action("quit", ()) is True
            assert counter.check_action("toggle_high_contrast", ()) is False

    run(body)


def test_a_lost_first_screen_is_put_back(make_app):
    app = make_app(mode="kiosk")

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            home = type(app.screen)
            app.service_watch.enforce()
            await app.pop_screen()  # as a buggy Escape on the attract screen would
            app.service_watch.enforce()
            await pilot.pause()
            assert len(app.screen_stack) == 2 and isinstance(app.screen, home)

    run(body)


def test_every_kiosk_screen_and_dialog_contains_its_errors():
    screens = []
    for package in (kiosk.screens, kiosk.dialogs):
        for module in pkgutil.iter_modules(package.__path__):
            loaded = importlib.import_module(f"{package.__name__}.{module.name}")
            screens += [cls for _, cls in inspect.getmembers(loaded, inspect.isclass)
                        if issubclass(cls, Screen) and cls.__module__ == loaded.__name__]
    assert len(screens) >= 15
    assert [cls.__name__ for cls in screens if not issubclass(cls, ContainErrors)] == []


def test_an_error_at_a_kiosk_says_sorry_in_both_languages_and_start_again_goes_back(make_app):
    app = make_app(mode="kiosk")
    app.contain_errors = True

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            home = app.screen
            pickup = KioskCollectCodeScreen()
            await app.push_screen(pickup)

            def explode() -> None:
                raise _Broken("a bug")

            pickup.action_explode = explode  # type: ignore[attr-defined]
            pickup._bindings.bind("ctrl+g", "explode", "explode")
            await pilot.press("ctrl+g")
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, KioskErrorDialog)
            texts = " ".join(str(widget.render()) for widget in app.screen.query(Static))
            assert "抱歉" in texts and "Sorry, something went wrong" in texts
            await pilot.click("#kiosk-error-back")
            await pilot.pause()
            assert app.screen is pickup  # Back: where they were

            await pilot.press("ctrl+g")
            await pilot.pause()
            await pilot.click("#kiosk-error-restart")
            await pilot.pause()
            assert app.screen is home and len(app.screen_stack) == 2  # Start again: the first screen

    run(body)


def test_an_error_outside_a_handler_at_a_kiosk_is_contained_too(make_app):
    app = make_app(mode="kiosk")
    app.contain_errors = True

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            def broken_worker() -> None:
                raise _Broken("a worker bug")

            app.run_worker(broken_worker, thread=True)  # exit_on_error: Textual would end the app here
            for _ in range(20):
                await pilot.pause()
                if isinstance(app.screen, KioskErrorDialog):
                    break
            assert app.is_running and app.return_code is None
            assert isinstance(app.screen, KioskErrorDialog)

    run(body)


def test_the_service_sequence_counts_only_keys_typed_in_order_and_in_time():
    now = [0.0]
    sequence = KeySequence(("f12", "f12", "f12", "s"), window_s=5, clock=lambda: now[0])
    assert [sequence.feed(key) for key in ("f12", "f12", "f12", "s")] == [False, False, False, True]
    assert not any(sequence.feed(key) for key in ("f12", "f12", "x", "f12", "s"))
    for key in ("f12", "f12", "f12"):
        now[0] += 2
        sequence.feed(key)
    now[0] += 2
    assert not sequence.feed("s")  # 6 s from the first key: too slow
