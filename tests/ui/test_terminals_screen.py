"""The counter's terminals screen (F11 from the showtimes): every kiosk's last heartbeat, stale ones offline."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable
from ui_helpers import NOW, SIZE, SUPERVISOR, run, sign_in

from boxoffice.i18n import Translator
from boxoffice.terminals import Heartbeat, write_heartbeat
from db.engine import transaction
from kiosk.screens import ShowtimesScreen
from kiosk.screens.terminals_screen import TerminalsScreen, seen_ago


def _beat(engine, terminal_id, name, seconds_ago, **state):
    beat = Heartbeat(mode="kiosk", version="0.1.0", printer_state=state.get("printer", "ok"),
                     in_service=state.get("in_service", True), service_reason=state.get("reason"))
    with transaction(engine) as session:
        write_heartbeat(session, terminal_id=terminal_id, name=name, beat=beat,
                        now=NOW - timedelta(seconds=seconds_ago))


def _rows(table: DataTable) -> dict[str, list[str]]:
    return {str(key.value): [str(cell) for cell in table.get_row(key)] for key in table.rows}


def test_the_counter_shows_a_fresh_kiosk_and_a_stale_one_as_offline(make_app, counter_store):
    _beat(counter_store, "kiosk-1", "Kiosk 1", 12)
    _beat(counter_store, "kiosk-2", "Kiosk 2", 95, printer="paper_out", in_service=False,
          reason="printer_paper_out")
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, SUPERVISOR[0], SUPERVISOR[3])  # F11 is a supervisor's and technician's key
            await pilot.press("f2")  # English
            await pilot.press("f11")
            await pilot.pause()
            assert isinstance(app.screen, TerminalsScreen)
            rows = _rows(app.screen.query_one(DataTable))
            assert list(rows)[:2] == ["kiosk-1", "kiosk-2"]  # kiosks first
            assert rows["kiosk-1"][1:5] == ["Kiosk", "12 s ago", "ok", "in service"]
            assert rows["kiosk-2"][2] == "OFFLINE · 1 min ago"
            assert rows["kiosk-2"][3:5] == ["PAPER OUT", "OUT OF SERVICE printer_paper_out"]
            assert rows["counter-1"][1] == "Counter"  # this terminal, registered at start

            await pilot.press("f2")  # 中文
            await pilot.pause()
            rows = _rows(app.screen.query_one(DataTable))
            assert rows["kiosk-1"][2] == "12 秒前" and rows["kiosk-2"][2] == "离线 · 1 分钟前"

            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ShowtimesScreen)

    run(body)


def test_last_seen_is_said_in_seconds_minutes_hours_and_days():
    en = Translator("en")
    assert [seen_ago(s, en) for s in (None, 0, 59, 60, 3599, 3600, 86400 * 3)] == [
        "never", "0 s ago", "59 s ago", "1 min ago", "59 min ago", "1 h ago", "3 d ago"]
