"""Start-up as the command line does it: the app is given no engine, paints its first screen, and opens the
store behind it (kiosk.app, "Start-up")."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from ui_helpers import NOW, SIZE, run, sign_in

from db.engine import make_engine
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.screens import KioskWelcomeScreen, ShowtimesScreen, SignInScreen


def _config(tmp_path: Path, store: Engine | str) -> Config:
    url = store if isinstance(store, str) else store.url.render_as_string(hide_password=False)
    return Config.model_validate({"source": tmp_path / "kiosk.toml", "database": {"url": url}})


async def _until_started(app: BoxOfficeApp, pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(400):
        if app.started or app.start_problem:
            break
        await pilot.pause(0.025)
    await pilot.pause()


def test_the_counter_paints_sign_in_first_and_a_cashier_typing_at_once_gets_in(counter_store, tmp_path):
    app = BoxOfficeApp(_config(tmp_path, counter_store), mode="counter", clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, SignInScreen)
            await sign_in(pilot)  # typed while the terminal may still be starting: the check waits for the store
            await _until_started(app, pilot)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.started and app.engine is not None and app.start_problem is None
            assert isinstance(app.screen, ShowtimesScreen)
            assert app.screen.staff.code == "1001"

    run(body)


def test_the_kiosk_paints_its_buttons_first_then_the_films_on_sale(counter_store, tmp_path):
    app = BoxOfficeApp(_config(tmp_path, counter_store), mode="kiosk", clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, KioskWelcomeScreen)
            await _until_started(app, pilot)
            await pilot.pause()
            assert app.screen.films, "the films on sale appear once the store is open"
            assert app.idle is not None and app.payment_terminal is not None

    run(body)


def test_an_empty_store_ends_the_app_with_what_to_run(tmp_path):
    store = f"sqlite:///{tmp_path / 'empty.db'}"
    make_engine(store).dispose()
    app = BoxOfficeApp(_config(tmp_path, store), mode="counter", clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until_started(app, pilot)
            await pilot.pause()

    run(body)
    assert app.return_code == 1 and not app.started
    assert app.start_problem is not None and "is empty" in app.start_problem and "db upgrade" in app.start_problem
