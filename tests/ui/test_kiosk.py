"""Kiosk mode: the attract screen, with no way out of the app."""

from __future__ import annotations

from textual.widgets import Button, Static

from kiosk.screens import KioskWelcomeScreen
from kiosk.widgets.film_card import FilmCard
from kiosk.widgets.poster import Poster
from ui_helpers import SIZE, run


def test_kiosk_attract_screen_shows_the_films_and_buy_and_collect_in_both_languages(make_app):
    app = make_app(mode="kiosk")

    async def body() -> None:
        async with app.run_test(size=SIZE):
            assert isinstance(app.screen, KioskWelcomeScreen)
            texts = [str(widget.render()) for widget in app.screen.query(Static)]
            assert "星光影城" in texts and "Starlight Cinema" in texts
            buy, collect = (str(app.screen.query_one(f"#{name}", Button).label) for name in ("buy", "collect"))
            assert "购票" in buy and "Buy tickets" in buy and "取票" in collect and "Collect tickets" in collect
            titles = [str(card.query_one(".film-card-title", Static).render()) for card in app.screen.query(FilmCard)]
            assert titles == ["小猫快跑", "深海迷航", "山海之间"]  # on sale from now, the soonest first
            assert not any(card.query_one(Poster).has_picture for card in app.screen.query(FilmCard))  # title cards

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
