"""Tickets collected already, presented again (issue 5): the screen says when and where they were collected; at the
counter F6 reprints them with a supervisor's PIN and a reason (a cashier's PIN is refused), at a kiosk nothing
offers a reprint and F6 does nothing."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import func, select
from textual.widgets import Button, Input, Static
from ui_helpers import NOW, SIZE, run, sign_in

from boxoffice.pickup import collect
from boxoffice.terminals import register_terminal
from db.engine import transaction
from db.models import AuditEntry, PrintJob, Ticket
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.dialogs.approval_dialog import ApprovalDialog
from kiosk.screens.kiosk_collect_check_screen import KioskCollectCheckScreen
from kiosk.screens.kiosk_collect_code_screen import KioskCollectCodeScreen
from kiosk.screens.pickup_screen import PickupScreen
from tests.support.bookings import Booked, book_online

COLLECTED_AT = NOW - timedelta(minutes=20)  # 09:40 in Shanghai
PRINTER = "tickets"


def _config(tmp_path: Path, **terminal: str) -> Config:
    """A preview ticket printer (the print worker renders each job to a file), and this terminal."""
    return Config.model_validate({
        "source": tmp_path / "kiosk.toml",
        "terminal": terminal or {"id": "counter-1", "name": "Counter 1", "mode": "counter"},
        "printers": [{"name": PRINTER, "role": "tickets", "connection": "preview", "path": str(tmp_path / "pv")}],
    })


def _booked_and_collected_at_kiosk_2(store, key: bytes) -> Booked:
    """An online booking whose two tickets were collected and printed at Kiosk 2 at 09:40."""
    booked = book_online(store, NOW, key=key)
    with transaction(store) as session:
        register_terminal(session, terminal_id="kiosk-2", name="Kiosk 2", mode="kiosk", now=COLLECTED_AT)
        collect(session, order_id=booked.order_id, terminal_id="kiosk-2", printer=PRINTER, now=COLLECTED_AT)
    with transaction(store) as session:  # Kiosk 2's printer printed them
        session.exec(update(PrintJob).where(PrintJob.order_id == booked.order_id).values(status="printed"))
        session.exec(update(Ticket).where(Ticket.order_id == booked.order_id).values(printed_count=1))
    return booked


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _type(pilot, text: str) -> None:
    for char in text:
        await pilot.press(char)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _approve(pilot, code: str, pin: str, reason: str) -> None:
    """Fill in the approval dialog as a person does: number, Enter, PIN, Enter, reason, Enter."""
    await pilot.press(*code, "enter", *pin, "enter", *reason, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def _jobs(store, order_id: int) -> list[PrintJob]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(PrintJob).where(PrintJob.order_id == order_id).order_by(PrintJob.id)).all())


def test_at_the_counter_collected_tickets_say_when_and_where_and_a_supervisor_approves_a_reprint(tmp_path,
                                                                                                 demo_store):
    app = BoxOfficeApp(_config(tmp_path), demo_store, clock=lambda: NOW)
    booked: list[Booked] = []

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)  # the cashier 1001, who may not approve
            booked.append(_booked_and_collected_at_kiosk_2(demo_store, app.pickup_key))
            await pilot.press("f4")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, PickupScreen)
            await _type(pilot, booked[0].pickup_code)
            order = _text(app, "#pickup-order")
            assert "已于 09:40 在 Kiosk 2 取票" in order and "F6" in order and "重打" in order
            assert "f6" in screen.active_bindings and screen.check_action("reprint", ()) is True

            await pilot.press("f6")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ApprovalDialog) and dialog.reason_required
            assert dialog.query_one("#approval-code", Input).value == ""  # a cashier is not suggested
            assert "重打 2 张" in _text(app, "#approval-detail")
            await _approve(pilot, "1001", "1234", "customer's phone died")  # the cashier's own, right PIN
            assert app.screen is dialog and "该员工无权授权" in _text(app, "#approval-message")
            assert len(_jobs(demo_store, booked[0].order_id)) == 2  # nothing queued

            # Not someone who may approve: the staff number is emptied and focused for the supervisor's own.
            assert dialog.focused is dialog.query_one("#approval-code")
            assert dialog.query_one("#approval-code", Input).value == ""
            assert dialog.query_one("#approval-pin", Input).value == ""
            await pilot.press(*"2001", "enter", *"2468", "enter")  # the supervisor; the reason is still there
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            assert app.screen is screen
            assert "已提交重打 2 张" in _text(app, "#pickup-message")

            deadline = time.monotonic() + 10  # the print worker renders both reprints on the preview printer
            while time.monotonic() < deadline and not all(
                    job.status == "printed" for job in _jobs(demo_store, booked[0].order_id)):
                await pilot.pause(0.1)

    run(body)
    paper = sorted((tmp_path / "pv").glob("*.bin"))  # what the preview printer was sent: the two reprints only
    assert len(paper) == 2 and all(b"REPRINT 1" in job.read_bytes() for job in paper)
    order_id = booked[0].order_id
    jobs = _jobs(demo_store, order_id)
    with transaction(demo_store, write=False) as session:
        printed = session.exec(select(Ticket.printed_count).where(Ticket.order_id == order_id)).all()
        audits = session.exec(select(AuditEntry).where(AuditEntry.action == "print.reprint")
                              .order_by(AuditEntry.id)).all()
    assert [(j.ticket_id, j.reprint, j.terminal_id) for j in jobs[2:]] == [
        (ticket, 1, "counter-1") for ticket in booked[0].ticket_ids]
    assert [j.status for j in jobs] == ["printed"] * 4 and printed == [2, 2]
    assert [a.staff_id for a in audits] == [2, 2] and all(a.terminal_id == "counter-1" for a in audits)
    assert all("customer's phone died" in a.detail and "2001" in a.detail for a in audits)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_at_a_kiosk_collected_tickets_say_when_and_where_and_offer_no_reprint(tmp_path, demo_store, language):
    app = BoxOfficeApp(_config(tmp_path, id="kiosk-3", name="Kiosk 3", mode="kiosk"), demo_store, mode="kiosk",
                       clock=lambda: NOW)
    booked: list[Booked] = []

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            booked.append(_booked_and_collected_at_kiosk_2(demo_store, app.pickup_key))
            await pilot.click(f"#lang-{language}")
            await pilot.click("#collect")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, KioskCollectCodeScreen) and app.language == language
            await _type(pilot, booked[0].pickup_code)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, KioskCollectCheckScreen)  # the kiosk's check step: the order and why not
            order = _text(app, "#kiosk-collect-order") + _text(app, "#kiosk-collect-verdict")
            if language == "zh":
                assert "已于 09:40 在 Kiosk 2 取票" in order and "如需重打，请到柜台咨询" in order
            else:
                assert "Collected 09:40 at Kiosk 2" in order and "For a reprint, please ask at the counter" in order
            assert "F6" not in order and "f6" not in screen.active_bindings
            assert not screen.query_one(".kiosk-continue", Button).display  # no Print, no reprint
            await pilot.press("f6")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen is screen  # no approval dialog, nothing printed

    run(body)
    jobs = _jobs(demo_store, booked[0].order_id)
    assert [j.reprint for j in jobs] == [0, 0]
    with transaction(demo_store, write=False) as session:
        assert session.exec(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "print.reprint")).one() == 0
