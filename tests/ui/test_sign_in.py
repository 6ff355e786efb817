"""Staff sign-in through the keyboard, as a cashier does it: staff number, Enter, PIN, Enter."""

from __future__ import annotations

import logging
from datetime import timedelta

from textual import events
from textual.widgets import DataTable, Input, Static
from ui_helpers import CASHIER, NOW, SIZE, SUPERVISOR, TODAY_COUNT, lock_staff, run, sign_in

from db.engine import make_engine
from kiosk.logging_setup import log_path, setup_logging
from kiosk.screens import ShowtimesScreen, SignInScreen


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#signin-message", Static).render())


def test_signing_in_lands_on_the_days_showtimes(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, SignInScreen)
            await sign_in(pilot)
            assert isinstance(app.screen, ShowtimesScreen)
            assert app.screen.staff.name == CASHIER[1]
            table = app.screen.query_one(DataTable)
            assert table.row_count == TODAY_COUNT
            first = [str(cell) for cell in table.get_row_at(0)]
            assert first == ["09:30", "山海之间", "1号厅", "2D", "30/30", "已开场"]
            assert [str(cell) for cell in table.get_row_at(2)][4:] == ["0/38", "满座"]

    run(body)


def test_wrong_pin_says_how_many_attempts_are_left(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, pin="9999")
            assert isinstance(app.screen, SignInScreen)
            assert _message(app) == "工号或密码错误，还可尝试 4 次"
            assert app.screen.query_one("#signin-pin", Input).value == ""
            assert app.focused is app.screen.query_one("#signin-pin", Input)
            await pilot.press(*"9999", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert _message(app) == "工号或密码错误，还可尝试 3 次"

    run(body)


def test_unknown_staff_number_gets_the_same_answer_without_a_count(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, code="4242", pin="1234")
            assert _message(app) == "工号或密码错误"

    run(body)


def test_locked_staff_sees_the_remaining_time(make_app, counter_store):
    lock_staff(counter_store, CASHIER[0], NOW + timedelta(seconds=125))
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            assert isinstance(app.screen, SignInScreen)
            assert _message(app) == "该员工已被锁定，请 02:05 后再试"

    run(body)


def test_too_many_wrong_pins_lock_for_the_configured_time(make_app, config):
    strict = config.model_copy(update={"staff": config.staff.model_copy(update={"max_pin_attempts": 2})})
    app = make_app(config=strict)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, pin="9999")
            await pilot.press(*"9999", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert _message(app) == "该员工已被锁定，请 05:00 后再试"
            await pilot.press(*"1234", "enter")  # the right PIN does not help during the lockout
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, SignInScreen)

    run(body)


def test_language_switch_changes_the_texts_and_keeps_what_was_typed(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            title = app.screen.query_one("#signin-title", Static)
            assert str(title.render()) == "员工登录"
            await pilot.press(*"1001", "f2")
            assert str(title.render()) == "Staff sign-in"
            assert app.screen.query_one("#signin-code", Input).value == "1001"
            await pilot.press("f2")
            assert str(title.render()) == "员工登录"

    run(body)


def test_pin_typed_ahead_of_the_screen_goes_into_the_pin_field(make_app):
    """A fast typist (or a keyboard wedge) sends "1001⏎1234⏎" before the screen has caught up."""
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            for key in [*"1001", "enter", *"1234", "enter"]:
                app.post_message(events.Key(key, key if len(key) == 1 else None))
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ShowtimesScreen)

    run(body)


def test_switching_staff_replaces_the_list_and_escape_keeps_it(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            first = app.screen
            await pilot.press("f3")
            assert isinstance(app.screen, SignInScreen)
            await pilot.press("escape")
            assert app.screen is first
            await pilot.press("f3")
            await sign_in(pilot, SUPERVISOR[0], SUPERVISOR[3])
            assert isinstance(app.screen, ShowtimesScreen)
            assert app.screen is not first
            assert app.screen.staff.code == SUPERVISOR[0]
            assert len(app.screen_stack) == 2  # Textual's default screen and the list: nothing piles up

    run(body)


def test_sign_out_goes_back_to_sign_in(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            await pilot.press("ctrl+o")
            await pilot.pause()
            assert isinstance(app.screen, SignInScreen)
            assert app.screen.query_one("#signin-code", Input).value == ""

    run(body)


def test_an_unexpected_failure_is_logged_and_shown_in_words(make_app, config, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("boxoffice.staff.sign_in", broken)
    path = setup_logging(config)
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            assert isinstance(app.screen, SignInScreen)
            assert _message(app) == "操作未完成，请重试或联系值班经理"

    try:
        run(body)
        assert path == log_path(config)
        for handler in logging.getLogger().handlers:
            handler.flush()
        logged = path.read_text(encoding="utf-8")
        assert "sign-in failed unexpectedly" in logged
        assert "RuntimeError: disk on fire" in logged
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "baseFilename", None) == str(path):
                root.removeHandler(handler)
                handler.close()


def test_a_store_without_tables_is_reported_as_unavailable(make_app, new_store_url):
    empty = make_engine(new_store_url("empty", migrated=False))
    app = make_app(engine=empty)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            assert isinstance(app.screen, SignInScreen)
            assert _message(app) == "数据库暂时不可用，请稍后重试"

    try:
        run(body)
    finally:
        empty.dispose()


def test_lockout_counts_down_and_then_invites_to_try_again(make_app, counter_store):
    lock_staff(counter_store, CASHIER[0], NOW + timedelta(seconds=65))
    clock = [NOW]
    app = make_app(clock=lambda: clock[0])

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            assert _message(app) == "该员工已被锁定，请 01:05 后再试"
            clock[0] = NOW + timedelta(seconds=20)
            await pilot.pause(1.2)
            assert _message(app) == "该员工已被锁定，请 00:45 后再试"
            clock[0] = NOW + timedelta(seconds=65)
            await pilot.pause(1.2)
            assert _message(app) == "请输入工号和密码"
            await pilot.press(*"1234", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ShowtimesScreen)

    run(body)


def test_enter_typed_before_the_app_reads_keys_still_moves_on_and_signs_in(make_app):
    """Typed while the terminal starts, Enter arrives as a line feed (ctrl+j): it works as Enter does."""
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*CASHIER[0], "ctrl+j", *CASHIER[3], "ctrl+j")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ShowtimesScreen)

    run(body)
