"""The counter's print queue (F7) through the keyboard, on the demo cinema with the app's own print worker.

The terminal has two ticket printers: ``tickets``, a preview folder in the test's folder, and ``counter-net``, a
network printer at 127.0.0.1 on a port nobody listens on (its fallback is ``tickets``). Tickets are sold through
the services and queued on one of them; the app's print worker then prints them, or finds the network printer
unreachable, as it would at a counter.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static
from ui_helpers import NOW, SIZE, run, sign_in

from boxoffice import print_queue as q
from db.engine import transaction
from db.models import AuditEntry, PrintJob
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.dialogs.approval_dialog import ApprovalDialog
from kiosk.screens import ShowtimesScreen
from kiosk.screens.print_queue_screen import PrinterChoiceDialog, PrintQueueScreen
from kiosk.widgets.image_view import ImageView
from tests.services.test_print_queue import TERMINAL, sell

CASHIER = ("1001", "1234")
SUPERVISOR = ("2001", "2468")  # the demo's supervisor


def closed_port() -> int:
    """A port on 127.0.0.1 that nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def preview(tmp_path: Path) -> Path:
    return tmp_path / "preview"


@pytest.fixture
def config(tmp_path: Path, preview: Path) -> Config:
    """A preview ticket printer, and a network ticket printer that cannot be reached (fallback: the preview)."""
    return Config.model_validate({
        "source": tmp_path / "kiosk.toml",
        "printers": [
            {"name": "tickets", "role": "tickets", "connection": "preview", "path": str(preview)},
            {"name": "counter-net", "role": "tickets", "connection": "network", "host": "127.0.0.1",
             "port": closed_port(), "status_timeout_s": 0.2, "fallback": "tickets"},
        ],
    })


def queue(store: Engine, printer: str, numbers: tuple[int, ...] = (12,), key: str = "k1") -> list[int]:
    """Sell row F seats of Friday 19:30 in hall 1 (as cashier 1001 at counter-1) and queue them on ``printer``."""
    result, _ = sell(store, NOW, numbers, key=key, queue=False)
    with transaction(store) as session:
        return q.queue_order_tickets(session, order_id=result.order_id, printer=printer, terminal_id=TERMINAL,
                                     now=NOW)


def jobs(store: Engine) -> list[PrintJob]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(PrintJob).order_by(PrintJob.id)).all())  # type: ignore[arg-type]


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Let the app (and its print worker thread) run until ``condition`` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await pilot.pause(0.05)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def rows(app: BoxOfficeApp, table: str) -> list[str]:
    data = app.screen.query_one(table, DataTable)
    return [" | ".join(str(cell) for cell in data.get_row_at(row)) for row in range(data.row_count)]


def text(app: BoxOfficeApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_queue(pilot: Pilot[Any], who: tuple[str, str]) -> PrintQueueScreen:
    await sign_in(pilot, *who)
    assert isinstance(pilot.app.screen, ShowtimesScreen)
    assert "f7" in pilot.app.screen.active_bindings
    await pilot.press("f7")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, PrintQueueScreen)
    return screen


async def approve(pilot: Pilot[Any], code: str | None, pin: str, reason: str = "") -> None:
    """Fill in the approval dialog as a supervisor would (the staff number only when it is not filled in)."""
    assert isinstance(pilot.app.screen, ApprovalDialog)
    if code is not None:
        await pilot.press(*code, "enter")
    await pilot.press(*pin, "enter")
    if reason:
        await pilot.press(*reason, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def unreachable_job_failed(store: Engine, job_id: int) -> Callable[[], bool]:
    return lambda: next(j for j in jobs(store) if j.id == job_id).last_error == "printer_unreachable"


def test_a_job_on_an_unreachable_printer_waits_and_m_moves_it_to_the_fallback_with_approval(
        demo_store, config, preview):
    [job_id] = queue(demo_store, "counter-net")
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, *CASHIER)
            await wait_until(pilot, unreachable_job_failed(demo_store, job_id))
            await wait_until(pilot, lambda: "打印：1 待处理" in text(app, "#header-print"))
            await pilot.press("f7")
            await wait_until(pilot, lambda: bool(rows(app, "#pq-attention")))
            [row] = rows(app, "#pq-attention")
            assert "-01" in row and "F12" in row and "counter-net" in row and "等待打印机" in row
            assert "无法连接打印机" in row
            printers = rows(app, "#pq-printers")
            assert printers[1].startswith("counter-net | 无法打印") and "| tickets" in printers[1]
            await pilot.press("f2")
            [row] = rows(app, "#pq-attention")
            assert "waiting for the printer" in row and "The printer cannot be reached" in row
            assert "Needs attention: 1" in text(app, "#pq-attention-title")

            await pilot.press("m")  # a cashier: a supervisor must approve
            await pilot.pause()
            assert isinstance(app.screen, ApprovalDialog)
            assert "Print" in text(app, "#approval-detail") and "on tickets instead of counter-net" in text(
                app, "#approval-detail")
            await approve(pilot, *SUPERVISOR)
            assert isinstance(app.screen, PrintQueueScreen)
            await wait_until(pilot, lambda: any(preview.glob("*.png")))
            await wait_until(pilot, lambda: not rows(app, "#pq-attention"))
            moved = next(j for j in jobs(demo_store) if j.id == job_id)
            assert (moved.printer, moved.status, moved.reprint) == ("tickets", "printed", 0)
            assert "moved to tickets" in text(app, "#pq-result")
            assert "Nothing needs attention" in text(app, "#pq-attention-title")
            assert "printed" in rows(app, "#pq-recent")[0]
            with transaction(demo_store, write=False) as session:
                entry = session.exec(select(AuditEntry).where(AuditEntry.action == "print.move")).one()
            assert entry.staff_id == 2  # the supervisor who approved, not the cashier signed in
            await pilot.press("escape")
            assert isinstance(app.screen, ShowtimesScreen)
            await pilot.pause()
            assert text(app, "#header-print") == ""

    run(body)


def test_a_job_that_keeps_failing_offers_its_printers_fallback(demo_store, config):
    [job_id] = queue(demo_store, "counter-net")
    for seconds in (0, 10, 20):  # three attempts met an unreachable printer (the next one is not due yet)
        with transaction(demo_store) as session:
            claimed = q.claim_next_job(session, terminal_id=TERMINAL, printers=["counter-net"],
                                       now=NOW + timedelta(seconds=seconds))
            assert claimed is not None and claimed.id == job_id
            q.record_error(session, job_id=job_id, error_code="printer_unreachable",
                           now=NOW + timedelta(seconds=seconds), maybe_printed=False)
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_queue(pilot, CASHIER)
            await wait_until(pilot, lambda: bool(rows(app, "#pq-attention")))
            [row] = rows(app, "#pq-attention")
            assert "可用备用打印机：tickets" in row and "等待打印机" in row
            assert "可用备用打印机：tickets" in text(app, "#pq-detail")

    run(body)


def test_with_several_printers_m_asks_which_one_and_a_signed_in_supervisor_needs_no_dialog(demo_store, config,
                                                                                          tmp_path):
    receipts = {"name": "receipts", "role": "receipts", "connection": "preview", "path": str(tmp_path / "receipts")}
    three = config.model_copy(update={"printers": (*config.printers, Config.model_validate(
        {"printers": [receipts]}).printers[0])})
    [job_id] = queue(demo_store, "counter-net")
    app = BoxOfficeApp(three, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_queue(pilot, SUPERVISOR)
            await wait_until(pilot, lambda: bool(rows(app, "#pq-attention")))
            await pilot.press("m")
            await pilot.pause()
            choice = app.screen
            assert isinstance(choice, PrinterChoiceDialog)
            options = choice.query_one(OptionList)
            assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == [
                "tickets（备用）", "receipts"]
            await pilot.press("down", "enter")
            await pilot.pause()
            assert isinstance(app.screen, PrintQueueScreen)
            await wait_until(pilot, lambda: any((tmp_path / "receipts").glob("*.png")))
            assert next(j for j in jobs(demo_store) if j.id == job_id).printer == "receipts"

    run(body)


def test_p_reprints_a_printed_ticket_with_a_supervisors_pin_and_reason_marked_reprint(demo_store, config, preview):
    [job_id] = queue(demo_store, "tickets")
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: jobs(demo_store)[0].status == "printed")
            await open_queue(pilot, CASHIER)
            await wait_until(pilot, lambda: bool(rows(app, "#pq-recent")))
            assert "已打印" in rows(app, "#pq-recent")[0]
            assert app.screen.focused is app.screen.query_one("#pq-recent")

            await pilot.press("p")
            await pilot.pause()
            assert isinstance(app.screen, ApprovalDialog)
            assert "重打 REPRINT 1" in text(app, "#approval-detail")
            await pilot.press(*SUPERVISOR[0], "enter", *SUPERVISOR[1], "enter")  # Enter on the PIN: the reason
            await pilot.pause()
            assert isinstance(app.screen, ApprovalDialog)  # a reprint needs its reason
            await pilot.press(*"lost", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, PrintQueueScreen)
            await wait_until(pilot, lambda: len(jobs(demo_store)) == 2 and jobs(demo_store)[1].status == "printed")
            first, again = jobs(demo_store)
            assert (again.ticket_id, again.reprint, again.printer, again.requested_by) == (first.ticket_id, 1,
                                                                                            "tickets", 2)
            [reprinted] = [path for path in preview.glob(f"job-{again.id}-*.bin")]
            assert b"REPRINT 1" in reprinted.read_bytes()
            assert b"REPRINT" not in next(preview.glob(f"job-{job_id}-*.bin")).read_bytes()
            with transaction(demo_store, write=False) as session:
                entry = session.exec(select(AuditEntry).where(AuditEntry.action == "print.reprint")).one()
            assert entry.staff_id == 2 and '"lost"' in entry.detail
            assert "重打 1 已加入 tickets 的打印队列" in text(app, "#pq-result")
            await wait_until(pilot, lambda: "重打 1" in rows(app, "#pq-recent")[0])

    run(body)


def test_a_cashier_without_a_supervisor_cannot_reprint(demo_store, config):
    queue(demo_store, "tickets")
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: jobs(demo_store)[0].status == "printed")
            await open_queue(pilot, CASHIER)
            await wait_until(pilot, lambda: bool(rows(app, "#pq-recent")))
            await pilot.press("p")
            await pilot.pause()
            await approve(pilot, *CASHIER, reason="lost")  # the cashier's own PIN does not approve
            assert isinstance(app.screen, ApprovalDialog)
            assert text(app, "#approval-message") == "该员工无权授权"
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, PrintQueueScreen)
            assert "未获授权" in text(app, "#pq-result")
            await pilot.pause(0.3)
            assert len(jobs(demo_store)) == 1

    run(body)


def test_a_signed_in_supervisor_acts_at_once_but_confirms_a_reprint_with_the_pin(demo_store, config):
    [job_id] = queue(demo_store, "counter-net")
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_queue(pilot, SUPERVISOR)
            await wait_until(pilot, lambda: bool(rows(app, "#pq-attention")))
            await pilot.press("p")  # its job is still waiting: a reprint asks first, then is refused
            await pilot.pause()
            assert isinstance(app.screen, ApprovalDialog)
            assert app.screen.query_one("#approval-code").value == SUPERVISOR[0]  # type: ignore[attr-defined]
            await approve(pilot, None, SUPERVISOR[1], reason="lost")
            assert isinstance(app.screen, PrintQueueScreen)
            assert "此票正在打印" in text(app, "#pq-result")
            await pilot.press("x")  # no dialog for the signed-in supervisor
            await pilot.pause()
            assert isinstance(app.screen, PrintQueueScreen)
            assert next(j for j in jobs(demo_store) if j.id == job_id).status == "cancelled"
            assert "打印任务已取消" in text(app, "#pq-result")
            assert not rows(app, "#pq-attention")

    run(body)


def test_v_shows_the_ticket_as_it_prints_and_a_reprint_with_its_mark(demo_store, config):
    queue(demo_store, "tickets")
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: jobs(demo_store)[0].status == "printed")
            with transaction(demo_store) as session:
                from boxoffice.staff import StaffMember

                q.reprint_ticket(session, ticket_id=jobs(demo_store)[0].ticket_id or 0, printer="tickets",
                                 approver=StaffMember(2, "2001", "李强", "supervisor"), reason="lost",
                                 terminal_id=TERMINAL, now=NOW)
            app.print_worker.wake()  # type: ignore[union-attr]
            await wait_until(pilot, lambda: jobs(demo_store)[-1].status == "printed")
            await open_queue(pilot, CASHIER)
            await wait_until(pilot, lambda: len(rows(app, "#pq-recent")) == 2)
            await pilot.press("v")  # the newest job: the reprint
            await wait_until(pilot, lambda: app.screen.query_one(ImageView).image is not None)
            assert app.screen.has_class("-preview")
            title = text(app, "#pq-preview-title")
            assert "-01" in title and "tickets" in title and "80 毫米" in title and "重打 1" in title
            assert app.screen.query_one(ImageView).image.width == 576  # type: ignore[union-attr]
            await pilot.press("escape")  # closes the preview, stays
            assert isinstance(app.screen, PrintQueueScreen) and not app.screen.has_class("-preview")
            await pilot.press("down", "v")  # the first print: no mark
            await wait_until(pilot, lambda: app.screen.query_one(ImageView).image is not None)
            assert "重打" not in text(app, "#pq-preview-title")

    run(body)


def test_no_print_jobs_show_an_empty_queue_and_f7_is_for_those_who_sell(demo_store, config):
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_queue(pilot, CASHIER)
            assert "没有待处理的打印任务" in text(app, "#pq-attention-title")
            assert "本终端还没有打印任务" in text(app, "#pq-recent-title")
            assert [key for key in ("r", "m", "p", "c", "x", "v") if screen.check_action(
                {"r": "retry", "m": "move", "p": "reprint", "c": "confirm", "x": "cancel_job",
                 "v": "preview"}[key], ()) is not None] == []
            await pilot.press("escape")
            assert isinstance(app.screen, ShowtimesScreen)

    run(body)

