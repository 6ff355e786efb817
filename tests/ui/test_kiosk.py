"""Kiosk mode: a customer-facing placeholder with no way out of the app."""

from __future__ import annotations

from textual.widgets import Static

from kiosk.screens import KioskWelcomeScreen
from ui_helpers import SIZE, run


def test_kiosk_shows_the_bilingual_placeholder_with_the_site_name(make_app):
    app = make_app(mode="kiosk")

    async def body() -> None:
        async with app.run_test(size=SIZE):
            assert isinstance(app.screen, KioskWelcomeScreen)
            texts = [str(widget.render()) for widget in app.screen.query(Static)]
            assert "星光影城" in texts and "Starlight Cinema" in texts
            assert "自助售票即将开放" in texts
            assert "Self-service ticketing is coming soon" in texts

    run(body)


def test_kiosk_cannot_be_quit_or_opened_to_the_command_palette(make_app):
    app = make_app(mode="kiosk")

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            assert app.ENABLE_COMMAND_PALETTE is False
            await pilot.press("ctrl+q", "ctrl+p", "ctrl+c")
            await pilot.pause()
            assert app.is_running
            assert isinstance(app.screen, KioskWelcomeScreen)
            assert len(app.screen_stack) == 2

    run(body)


def test_counter_mode_keeps_quit(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert not app.is_running

    run(body)
