"""A bug in a screen is logged and announced in the person's language; the terminal keeps running."""

from __future__ import annotations

from ui_helpers import SIZE, run, sign_in

from kiosk.screens import ShowtimesScreen


class _Broken(Exception):
    pass


def test_an_error_in_a_handler_shows_a_friendly_message_and_the_app_keeps_running(make_app):
    app = make_app()
    app.contain_errors = True
    shown: list[str] = []

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.notify = lambda message, **_: shown.append(str(message))  # type: ignore[method-assign]
            await sign_in(pilot)
            screen = app.screen
            assert isinstance(screen, ShowtimesScreen)

            def explode() -> None:
                raise _Broken("a bug")

            screen.action_explode = explode  # type: ignore[attr-defined]
            screen._bindings.bind("x", "explode", "explode")  # noqa: SLF001 (test-only key)
            await pilot.press("x")
            await pilot.pause()
            assert app.is_running and app.screen is screen
            await pilot.press("t")  # still answers keys

    run(body)
    assert shown and "请重试" in shown[-1]
