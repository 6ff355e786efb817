"""The refund screen driven like a person: a cashier refunds an order close to its showtime with a supervisor."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console
from sqlmodel import select
from textual.widgets import Digits, Static
from ui_helpers import NOW, SIZE, run, sign_in

from boxoffice.entry_tokens import sign_token
from db.engine import transaction
from db.models import AuditEntry, PrintJob, Refund, SaleOrder, SeatClaim, Ticket
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.dialogs.approval_dialog import ApprovalDialog
from kiosk.screens.refund_screen import RefundScreen
from kiosk.screens.showtimes_screen import ShowtimesScreen
from tests.support.refunds import sell_order


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A preview ticket printer (the refund receipt goes to it when there is no receipt printer)."""
    return Config.model_validate({
        "source": tmp_path / "kiosk.toml",
        "printers": [{"name": "tickets", "role": "tickets", "connection": "preview", "path": str(tmp_path / "pv")}],
    })


def _text(app, selector: str) -> str:
    """What a Static shows, as plain text (tables included)."""
    console = Console(file=io.StringIO(), width=110, color_system=None)
    console.print(app.screen.query_one(selector, Static).content)
    return console.file.getvalue()


async def _type(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def test_a_cashier_refunds_close_to_the_showtime_with_a_supervisors_approval(config, demo_store):
    order = sell_order(demo_store, NOW, hours_ahead=1, methods=("card", "cash"))
    clock = {"now": NOW}
    app = BoxOfficeApp(config, demo_store, clock=lambda: clock["now"])

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            assert isinstance(app.screen, ShowtimesScreen) and "f9" in app.screen.active_bindings
            clock["now"] = order.starts_at - timedelta(minutes=60)  # the supervisor window
            await pilot.press("f9")
            await pilot.pause()
            assert isinstance(app.screen, RefundScreen)
            await _type(pilot, order.reference.lower())
            screen = app.screen
            assert isinstance(screen, RefundScreen) and screen.preview is not None
            assert sorted(screen.query_one("#refund-tickets").selected) == sorted(order.ticket_ids)
            preview = _text(app, "#refund-preview")
            assert "退票手续费" in preview and "固定手续费" in preview and "服务费不退" in preview
            assert "值班经理" in preview  # the reason in words: a supervisor approves
            assert "**** 04A1" in preview and "T20261204A1" not in preview
            assert screen.query_one("#refund-cash", Digits).display

            # Enter before the printed tickets are back: they must be scanned (or noted with F6).
            await pilot.press("enter")
            await pilot.pause()
            assert "F6" in _text(app, "#refund-message")
            with transaction(demo_store, write=False) as session:
                tokens = [sign_token(app.signing_key, session.get(Ticket, t)) for t in order.ticket_ids]
            for token in tokens:  # scanned while the ticket list has the focus: the digits go to the input
                await _type(pilot, token)
            assert "2 张已打印的票均已交回" in _text(app, "#refund-preview")

            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ApprovalDialog)
            await pilot.press(*"2001", "enter", *"2468", "enter", *"customer ill", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, RefundScreen)
            message = _text(app, "#refund-message")
            assert "已退票" in message and order.reference in message
            assert screen.result is not None and screen.result.cash_back_fen > 0
            assert screen.query_one("#refund-cash", Digits).has_class("-done")

            # The same Enter again refunds nothing more.
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()

    run(body)
    with transaction(demo_store, write=False) as session:
        refunds = session.exec(select(Refund)).all()
        assert len(refunds) == 1
        refund = refunds[0]
        assert (refund.approver_id, refund.reason, refund.decision) == (2, "customer ill", "refund_supervisor_window")
        assert refund.not_returned_note is None
        assert session.get(SaleOrder, order.order_id).status == "refunded"
        job = session.exec(select(PrintJob).where(PrintJob.kind == "refund")).one()
        assert job.refund_id == refund.id
        claims = session.exec(select(SeatClaim).where(SeatClaim.order_id == order.order_id)).all()
        assert all(c.release_reason == "refund" and c.released_at is not None for c in claims)
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "refund")).one()


def test_the_refund_screen_speaks_english_and_says_why_nothing_can_be_refunded(config, demo_store):
    order = sell_order(demo_store, NOW, hours_ahead=1)
    clock = {"now": NOW}
    app = BoxOfficeApp(config, demo_store, clock=lambda: clock["now"])

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            await pilot.press("f2")
            clock["now"] = order.starts_at + timedelta(minutes=1)
            await pilot.press("f9")
            await pilot.pause()
            await _type(pilot, "139 1234 5678")
            assert "The showtime has started" in _text(app, "#refund-preview")
            await pilot.press("enter")
            await pilot.pause()
            assert "The showtime has started" in _text(app, "#refund-message")
            await _type(pilot, "12-nonsense")  # digits first: they take the focus to the input
            assert "Type an order reference" in _text(app, "#refund-message")
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ShowtimesScreen)

    run(body)
    with transaction(demo_store, write=False) as session:
        assert session.exec(select(Refund)).all() == []
