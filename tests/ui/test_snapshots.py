"""How the counter looks: snapshots of the showtimes list after sign-in, in both languages, on a fixed clock.

Regenerate after an intended change with ``pytest tests/ui/test_snapshots.py --snapshot-update`` and look at
the SVGs in ``__snapshots__/`` before committing them. Snapshots depend on the pinned Textual version.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from ui_helpers import SIZE, sign_in


async def _signed_in(pilot: Pilot[Any]) -> None:
    await sign_in(pilot)


async def _signed_in_english(pilot: Pilot[Any]) -> None:
    await sign_in(pilot)
    await pilot.press("f2")
    await pilot.pause()


def test_showtimes_after_sign_in(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_signed_in)


def test_showtimes_in_english(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_signed_in_english)


def test_sign_in_screen(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_kiosk_attract_with_title_cards(snap_compare, make_app):
    assert snap_compare(make_app(mode="kiosk"), terminal_size=SIZE)
