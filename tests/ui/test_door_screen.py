"""The usher's door screen driven like a person: sign in, scan, read the answer; other doors show in the counts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from textual import events
from textual.widgets import Input, Static
from ui_helpers import NOW, SIZE, run, sign_in

from boxoffice.door import DoorWindow, admit
from boxoffice.entry_tokens import load_or_create_signing_key
from db.engine import transaction
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.dialogs.door_showtime_dialog import DoorShowtimeDialog
from kiosk.screens.door_screen import DoorScreen
from tests.services.test_door import sell_tickets

ZONE = ZoneInfo("Asia/Shanghai")


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _scan(pilot, text: str) -> None:
    """What a keyboard-wedge scanner does: the payload's keys and Enter in one burst, as fast as they come."""
    for char in text:
        pilot.app.post_message(events.Key(char, char))
    pilot.app.post_message(events.Key("enter", "\r"))
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _door_config(tmp_path: Path) -> Config:
    return Config.model_validate({"source": tmp_path / "kiosk.toml",
                                  "terminal": {"id": "door-1", "name": "Door 1", "mode": "door"}})


def test_an_usher_scans_a_ticket_in_once_and_the_second_scan_says_when_and_where(tmp_path, demo_store):
    signing = load_or_create_signing_key(tmp_path / "keys")  # the site's key, copied to the door
    show, _, tokens = sell_tickets(demo_store, NOW, [7, 8], signing_key=signing)
    showtime_id, starts = show.id, show.starts_at
    clock = {"now": starts - timedelta(minutes=15)}
    app = BoxOfficeApp(_door_config(tmp_path), demo_store, mode="door", clock=lambda: clock["now"])

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            assert isinstance(app.screen, DoorScreen)
            assert app.focused is app.screen.query_one("#door-input", Input)
            assert "等待扫描" in _text(app, "#door-headline")

            await pilot.press("f4")  # this door lets in the showtime of these tickets
            await pilot.pause()
            assert isinstance(app.screen, DoorShowtimeDialog)
            position = 1 + [s.id for s in app.screen.showtimes].index(showtime_id)  # "any showtime" comes first
            await pilot.press(*["down"] * position, "enter")
            await pilot.pause()
            assert isinstance(app.screen, DoorScreen) and app.screen.chosen.id == showtime_id
            assert "已入场 0 / 已售 2" in _text(app, "#door-counts")

            await _scan(pilot, tokens[0])
            assert "请入场" in _text(app, "#door-headline")
            assert "F7" in _text(app, "#door-detail") and "成人" in _text(app, "#door-detail")
            assert app.screen.query_one("#door-result").has_class("-admitted")
            assert "已入场 1 / 已售 2" in _text(app, "#door-counts")
            assert app.screen.query_one("#door-input", Input).value == ""

            clock["now"] += timedelta(minutes=2)
            await _scan(pilot, tokens[0])
            assert "已入场过" in _text(app, "#door-headline")
            reason = _text(app, "#door-detail")
            assert "Door 1" in reason and (starts - timedelta(minutes=15)).astimezone(ZONE).strftime("%H:%M") in reason
            assert app.screen.query_one("#door-result").has_class("-warning")
            assert "已入场 1 / 已售 2" in _text(app, "#door-counts")

            await pilot.press("f2")
            await pilot.pause()
            assert "ALREADY ADMITTED" in _text(app, "#door-headline") and "Door 1" in _text(app, "#door-detail")
            assert "Admitted 1 / sold 2" in _text(app, "#door-counts")

            altered = tokens[1][:-1] + str((int(tokens[1][-1]) + 1) % 10)
            await _scan(pilot, altered)
            assert "DO NOT ADMIT" in _text(app, "#door-headline")
            assert app.screen.query_one("#door-result").has_class("-refused")

            with transaction(demo_store) as session:  # another door lets the second ticket in
                admit(session, text=tokens[1], public_key=signing.public_key(), terminal_id="door-2",
                      now=clock["now"], window=DoorWindow.minutes(30, 60), halls=())
            await pilot.pause(1.5)  # the screen polls the store's change counter every second
            assert "Admitted 2 / sold 2" in _text(app, "#door-counts")

    run(body)
