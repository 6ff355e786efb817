"""Out of order end to end: a kiosk watching a real virtual ticket printer (emupos) over the network.

The printer runs out of paper: within a few status reads the kiosk says so on its out-of-order screen (before
anyone can pay: ``kiosk_service.in_service`` is what the buying flow checks), its heartbeat says so to the counter,
and when paper is back it returns by itself to where the customer was.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from db.engine import transaction
from db.models import Terminal
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.screens.out_of_order_screen import OutOfOrderScreen
from tests.support.emupos import EmuposPrinter
from tests.ui.ui_helpers import NOW, SIZE, run

pytestmark = pytest.mark.e2e


async def _until(pilot: Any, condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    """Let the app run (its timers are real) until ``condition`` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)
        await pilot.pause()


def test_paper_out_on_a_real_printer_puts_the_kiosk_out_of_order_and_back(
        demo_store: Any, tmp_path: Any, emupos_printer: EmuposPrinter) -> None:
    config = Config.model_validate({
        "source": tmp_path / "kiosk.toml", "terminal": {"id": "kiosk-2", "name": "Kiosk 2", "mode": "kiosk"},
        "kiosk": {"printer_check_seconds": 0.5},
        "printers": [{"name": "tickets", "connection": "network", "host": emupos_printer.host,
                      "port": emupos_printer.port, "status_timeout_s": 1.0}]})
    app = BoxOfficeApp(config, demo_store, mode="kiosk", clock=lambda: NOW)
    service = app.kiosk_service

    def heartbeat() -> Terminal:
        app.service_watch.heartbeat()
        time.sleep(0.3)
        with transaction(demo_store, write=False) as session:
            return session.get(Terminal, "kiosk-2")

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: service.printer_state == "ok")
            home = app.screen
            assert service.in_service and not isinstance(home, OutOfOrderScreen)

            emupos_printer.set_fault("paper_out")
            await _until(pilot, lambda: isinstance(app.screen, OutOfOrderScreen))
            assert (service.in_service, service.reason) == (False, "printer_paper_out")
            beat = heartbeat()
            assert (beat.in_service, beat.service_reason, beat.printer_state) == (
                False, "printer_paper_out", "paper_out")

            emupos_printer.clear_faults()
            await _until(pilot, lambda: app.screen is home)
            assert service.in_service and service.printer_state == "ok"

            emupos_printer.set_fault("offline")
            await _until(pilot, lambda: isinstance(app.screen, OutOfOrderScreen))
            assert service.reason == "printer_offline"
            emupos_printer.clear_faults()
            await _until(pilot, lambda: app.screen is home)

    run(body)
