"""The technician's printers screen through the keyboard: live status, test page, settings saved into kiosk.toml
with its comments, refused settings, and who may open it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.widgets import DataTable, Input, Select, Static
from ui_helpers import CASHIER, NOW, SIZE, SUPERVISOR, run, sign_in

from boxoffice.staff import add_staff
from db.engine import transaction
from kiosk.app import BoxOfficeApp
from kiosk.config import Config, load_config
from kiosk.dialogs.printer_settings_dialog import PrinterSettingsDialog
from kiosk.screens import ShowtimesScreen
from kiosk.screens.printers_screen import PrintersScreen
from kiosk.widgets.image_view import ImageView

REPO = Path(__file__).resolve().parents[2]
TECHNICIAN = ("3001", "赵工", "technician", "3579")


@pytest.fixture
def toml(tmp_path: Path) -> Path:
    """The shipped, commented kiosk.toml (two preview printers) copied into the test's folder."""
    path = tmp_path / "kiosk.toml"
    shutil.copyfile(REPO / "kiosk.toml", path)
    return path


@pytest.fixture
def config(toml: Path) -> Config:
    """The config of that file (overrides the default-settings fixture of conftest.py)."""
    return load_config(toml)


@pytest.fixture
def technician(counter_store: Engine) -> tuple[str, str, str, str]:
    """A technician in the seeded store."""
    code, name, role, pin = TECHNICIAN
    with transaction(counter_store) as session:
        add_staff(session, code=code, name=name, role=role, pin=pin)
    return TECHNICIAN


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _rows(app: BoxOfficeApp) -> list[list[str]]:
    table = app.screen.query_one("#printers-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


def _text(app: BoxOfficeApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def test_a_technician_lands_on_the_printers_with_their_status(make_app, technician):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, technician[0], technician[3])
            assert isinstance(app.screen, PrintersScreen)
            await _settle(pilot)
            rows = _rows(app)
            assert [row[:8] for row in rows] == [
                ["tickets", "电影票", "preview print-preview/tickets", "80 mm", "gb18030", "native", "receipts", "未知"],
                ["receipts", "小票", "preview print-preview/receipts", "58 mm", "image", "image", "-", "未知"],
            ]
            assert rows[0][9] == "10:00:00"  # checked at the app's clock
            assert "preview connection: status cannot be read" in _text(app, "#printers-detail")
            keys = app.screen.active_bindings
            assert "escape" not in keys and "ctrl+o" in keys  # the technician's home: sign out, no way "back"
            await pilot.press("f2")
            assert _rows(app)[0][1] == "Tickets" and _rows(app)[0][7] == "unknown"

    run(body)


def test_t_on_a_preview_printer_writes_the_test_page_and_p_shows_it(make_app, technician, toml):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, technician[0], technician[3])
            await _settle(pilot)
            await pilot.press("t")
            await _settle(pilot)
            folder = toml.parent / "print-preview" / "tickets"
            written = sorted(path.name for path in folder.iterdir())
            assert written == ["test-tickets-20261204-100000.bin", "test-tickets-20261204-100000.png"]
            result = _text(app, "#printers-result")
            assert str(folder / "test-tickets-20261204-100000.png") in result and "按 p 查看" in result
            await pilot.press("p")
            await _settle(pilot)
            view = app.screen.query_one(ImageView)
            assert view.image is not None and view.image.width == 576  # the 80 mm page, from the PNG written
            assert "tickets 的测试页（80 毫米）" in _text(app, "#printers-preview-title")
            await pilot.press("p")  # again: a sample ticket
            await _settle(pilot)
            assert "样票" in _text(app, "#printers-preview-title")
            await pilot.press("escape")  # closes the preview, stays on the screen
            assert isinstance(app.screen, PrintersScreen) and not app.screen.has_class("-preview")

    run(body)


def test_changing_the_paper_width_saves_kiosk_toml_with_its_comments_and_updates_the_app(make_app, technician,
                                                                                       toml):
    before = toml.read_text(encoding="utf-8")
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, technician[0], technician[3])
            await _settle(pilot)
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, PrinterSettingsDialog)
            paper = app.screen.query_one("#field-paper_mm", Select)
            paper.focus()
            await pilot.press("space")  # opens the list: 58, 80 with 80 highlighted
            await pilot.press("up", "enter")  # picks 58 (Enter belongs to the open list)
            await pilot.pause()
            assert paper.value == 58 and isinstance(app.screen, PrinterSettingsDialog)
            await pilot.press("enter")  # saves
            await _settle(pilot)
            assert isinstance(app.screen, PrintersScreen)
            assert app.config.printer("tickets").paper_mm == 58
            assert _rows(app)[0][3] == "58 mm"
            assert "tickets：设置已保存到 kiosk.toml（paper_mm = 58）" in _text(app, "#printers-result")

    run(body)
    after = toml.read_text(encoding="utf-8")
    assert after == before.replace("# Paper roll width in millimetres: 58 or 80.\npaper_mm = 80",
                                   "# Paper roll width in millimetres: 58 or 80.\npaper_mm = 58")
    assert load_config(toml).printer("tickets").paper_mm == 58


def test_port_0_for_a_network_printer_is_shown_under_the_field_and_nothing_is_written(make_app, technician, toml):
    before = toml.read_bytes()
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, technician[0], technician[3])
            await _settle(pilot)
            await pilot.press("e")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, PrinterSettingsDialog)
            dialog.query_one("#field-connection", Select).value = "network"
            await pilot.pause()
            assert dialog.query_one("#row-host").display and not dialog.query_one("#row-path").display
            host = dialog.query_one("#field-host", Input)
            host.focus()
            await pilot.press(*"127.0.0.1", "tab")
            port = dialog.query_one("#field-port", Input)
            assert app.focused is port
            port.value = ""
            await pilot.press("0", "enter")
            await pilot.pause()
            assert app.screen is dialog  # not saved, still open
            assert str(dialog.query_one("#problem-port", Static).render()).startswith(
                "↑ expected a number >= 1, got 0")
            assert dialog.query_one("#problem-port").display
            summary = str(dialog.query_one("#settings-problems", Static).render())
            assert summary.startswith("未保存：修改后的 kiosk.toml 无效：")
            assert f"{toml}: printers[0].port:" in summary
            assert app.config.printer("tickets").connection == "preview"
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, PrintersScreen)

    run(body)
    assert toml.read_bytes() == before


def test_a_cashier_has_no_f8_and_a_supervisor_opens_the_printers_and_comes_back(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, CASHIER[0], CASHIER[3])
            assert isinstance(app.screen, ShowtimesScreen)
            assert "f8" not in app.screen.active_bindings
            await pilot.press("f8")
            await pilot.pause()
            assert isinstance(app.screen, ShowtimesScreen)
            await pilot.press("f3", *SUPERVISOR[0], "enter", *SUPERVISOR[3], "enter")
            await _settle(pilot)
            assert isinstance(app.screen, ShowtimesScreen) and app.screen.staff.role == "supervisor"
            assert "f8" in app.screen.active_bindings
            await pilot.press("f8")
            await _settle(pilot)
            assert isinstance(app.screen, PrintersScreen)
            assert "escape" in app.screen.active_bindings and "ctrl+o" not in app.screen.active_bindings
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ShowtimesScreen)

    run(body)


def test_the_clock_of_the_checked_column_is_the_apps(make_app, technician):
    app = make_app(clock=lambda: NOW.replace(minute=7, second=9))

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, technician[0], technician[3])
            await _settle(pilot)
            assert [row[9] for row in _rows(app)] == ["10:07:09", "10:07:09"]

    run(body)
