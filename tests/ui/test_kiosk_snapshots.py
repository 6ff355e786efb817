"""How the kiosk looks to a customer: the attract screen, the seat map, the payment step and the collect code step,
in Chinese and in English, on the demo cinema (with its posters) and a fixed clock.

Regenerate after an intended change with ``pytest tests/ui/test_kiosk_snapshots.py --snapshot-update`` and look at
the SVGs in ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest
from kiosk_support import SIZE, Clock, ScriptedTerminal, kiosk_app, kiosk_config, settle, started, to_step
from textual.pilot import Pilot

LANGUAGES = ["zh", "en"]


def _before(step: str | None, language: str):
    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.payment_terminal = ScriptedTerminal()  # type: ignore[attr-defined]
        if step is None:
            if language == "en":
                await pilot.click("#lang-en")
            await pilot.pause(0.5)  # a pressed button's flash is over
            return
        await to_step(pilot, step, language=language, party=3)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("language", LANGUAGES)
def test_kiosk_attract_screen(snap_compare, tmp_path, demo_store, language):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())
    assert snap_compare(app, terminal_size=SIZE, run_before=_before(None, language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_kiosk_seat_selection(snap_compare, tmp_path, demo_store, language):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())
    assert snap_compare(app, terminal_size=SIZE, run_before=_before("seats", language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_kiosk_payment(snap_compare, tmp_path, demo_store, language):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())
    assert snap_compare(app, terminal_size=SIZE, run_before=_before("pay", language))


def _collect(language: str):
    async def run_before(pilot: Pilot[Any]) -> None:
        await started(pilot)
        if language == "en":
            await pilot.click("#lang-en")
        await pilot.click("#collect")
        await settle(pilot)
        await pilot.pause(0.5)  # a pressed button's flash is over

    return run_before


@pytest.mark.parametrize("language", LANGUAGES)
def test_kiosk_collect_code(snap_compare, tmp_path, demo_store, language):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())
    assert snap_compare(app, terminal_size=SIZE, run_before=_collect(language))
