"""The print worker thread against real printers: preview folders, a fake network printer, a closed port."""

import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageOps
from sqlmodel import select

from boxoffice import print_queue as q
from boxoffice.print_worker import PrintEvent, PrintWorker
from db.engine import transaction
from db.models import PrintJob, Ticket
from printing import PrinterSpec
from tests.services.test_print_queue import SUPERVISOR, TERMINAL, sale_is_intact, sell

SHANGHAI = ZoneInfo("Asia/Shanghai")


def running_clock(start: datetime, speed: float = 1.0) -> Callable[[], datetime]:
    """A clock that starts at the tests' fixed time and runs (``speed`` times faster than real time)."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=(time.monotonic() - began) * speed)


def make_worker(store, specs, clock, **options) -> PrintWorker:
    return PrintWorker(store, {s.name: s for s in specs}, terminal_id=TERMINAL, cinema_zh="星光影城",
                       cinema_en="Starlight Cinema", zone=SHANGHAI, clock=clock, poll_s=options.pop("poll_s", 0.05),
                       **options)


def wait_for(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def jobs(store) -> list[PrintJob]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(PrintJob).order_by(PrintJob.id)).all())


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeNetworkPrinter:
    """A raw-TCP printer on 127.0.0.1 that keeps what it is sent and answers DLE EOT with ``self.replies``."""

    ONLINE: ClassVar[dict[int, int]] = {1: 0x12, 2: 0x12, 4: 0x12}
    NEAR_END: ClassVar[dict[int, int]] = {1: 0x12, 2: 0x12, 4: 0x1E}
    PAPER_OUT: ClassVar[dict[int, int]] = {1: 0x1A, 2: 0x32, 4: 0x72}

    def __init__(self) -> None:
        self.replies = dict(self.ONLINE)
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                while chunk := conn.recv(65536):
                    self.received += chunk
                    for n in (1, 2, 4):
                        if chunk.endswith(b"\x10\x04" + bytes((n,))):
                            conn.sendall(bytes((self.replies[n],)))


@pytest.fixture
def fake_printer():
    printer = FakeNetworkPrinter()
    yield printer
    printer.server.close()


def test_a_preview_printer_prints_every_job_exactly_once(demo_store, now, tmp_path):
    result, _ = sell(demo_store, now)
    with transaction(demo_store) as session:
        q.queue_receipt(session, order_id=result.order_id, printer="receipts", terminal_id=TERMINAL, now=now)
    tickets = PrinterSpec(name="tickets", connection="preview", path=str(tmp_path / "tickets"))
    receipts = PrinterSpec(name="receipts", role="receipts", connection="preview", path=str(tmp_path / "receipts"),
                           paper_mm=58, chinese="image")
    events: list[PrintEvent] = []
    worker = make_worker(demo_store, [tickets, receipts], running_clock(now), on_change=events.append)
    worker.start()
    try:
        wait_for(lambda: all(j.status == "printed" for j in jobs(demo_store)))
        time.sleep(0.3)  # give a wrong second print the chance to happen
    finally:
        assert worker.stop()
    assert sorted(p.name for p in (tmp_path / "tickets").glob("*.bin")) == [
        f"job-{i}-1-{result.reference}-{i:02d}.bin" for i in (1, 2, 3)]
    assert [p.name for p in (tmp_path / "receipts").glob("*.bin")] == [f"job-4-1-{result.reference}-r.bin"]
    with transaction(demo_store, write=False) as session:
        tickets_now = session.exec(select(Ticket).where(Ticket.order_id == result.order_id)).all()
    assert [t.printed_count for t in tickets_now] == [1, 1, 1]
    assert [(e.job_id, e.status) for e in events if e.status == "printed"] == [(i, "printed") for i in (1, 2, 3, 4)]
    state = worker.state()
    assert (state["tickets"].printed, state["tickets"].last_error, state["receipts"].printed) == (3, None, 1)

    import zxingcpp

    picture = ImageOps.expand(Image.open(tmp_path / "tickets" / f"job-1-1-{result.reference}-01.png").convert("L"),
                              border=40, fill=255)
    assert [r.text for r in zxingcpp.read_barcodes(picture)] == [tickets_now[0].secret]

    again = make_worker(demo_store, [tickets, receipts], running_clock(now))  # a restart prints nothing again
    again.start()
    time.sleep(0.5)
    assert again.stop()
    assert len(list(tmp_path.rglob("*.bin"))) == 4


def test_an_unreachable_printer_keeps_the_job_queued_and_the_sale_intact(demo_store, now, tmp_path):
    result, queued = sell(demo_store, now, (1,))
    down = PrinterSpec(name="tickets", connection="network", host="127.0.0.1", port=closed_port(),
                       fallback="receipts")
    spare = PrinterSpec(name="receipts", connection="preview", path=str(tmp_path / "receipts"))
    worker = make_worker(demo_store, [down, spare], running_clock(now))
    worker.start()
    try:
        wait_for(lambda: jobs(demo_store)[0].last_error is not None)
        (job,) = jobs(demo_store)
        assert (job.status, job.last_error, job.attempts) == ("queued", "printer_unreachable", 1)
        state = worker.state()["tickets"]
        assert state.last_error == "printer_unreachable" and state.status.problem == "printer_unreachable"
        assert state.fallback == "receipts" and worker.fallbacks == {"tickets": "receipts"}
        assert sale_is_intact(demo_store, result)
        with transaction(demo_store) as session:  # a supervisor sends it to the fallback printer
            q.move_job(session, job_id=queued[0], to_printer="receipts", approver=SUPERVISOR, terminal_id=TERMINAL,
                       now=now)
        worker.wake()
        wait_for(lambda: jobs(demo_store)[0].status == "printed")
    finally:
        assert worker.stop()
    assert len(list((tmp_path / "receipts").glob("*.bin"))) == 1


def test_a_printer_out_of_paper_gets_nothing_until_it_has_paper_then_prints_once(demo_store, now, fake_printer):
    result, _ = sell(demo_store, now, (8,))
    fake_printer.replies = dict(FakeNetworkPrinter.PAPER_OUT)
    spec = PrinterSpec(name="tickets", connection="network", host="127.0.0.1", port=fake_printer.port)
    worker = make_worker(demo_store, [spec], running_clock(now, speed=10))  # backoffs pass 10 times faster
    worker.start()
    try:
        # between two tries the job is back in the queue with the reason (a try in progress shows "sending")
        seen: list[PrintJob] = []

        def back_in_queue_after_two_tries() -> bool:
            seen[:] = jobs(demo_store)
            return seen[0].attempts >= 2 and seen[0].status == "queued"

        wait_for(back_in_queue_after_two_tries)
        (job,) = seen
        assert (job.status, job.last_error) == ("queued", "paper_out")
        assert result.reference.encode() not in fake_printer.received  # nothing sent, only status queries
        fake_printer.replies = dict(FakeNetworkPrinter.NEAR_END)
        wait_for(lambda: jobs(demo_store)[0].status == "printed")
        time.sleep(0.3)
    finally:
        assert worker.stop()
    assert fake_printer.received.count(f"{result.reference}-01".encode()) == 1
    state = worker.state()["tickets"]
    assert state.paper_near_end and state.last_error is None and state.printed == 1


def test_a_broken_preview_folder_fails_the_job_after_its_attempts_and_keeps_the_sale(demo_store, now, tmp_path):
    result, _ = sell(demo_store, now, (9,))
    (tmp_path / "not-a-folder").write_text("a file where the folder should be")
    broken = PrinterSpec(name="tickets", connection="preview", path=str(tmp_path / "not-a-folder" / "preview"))
    worker = make_worker(demo_store, [broken], running_clock(now, speed=1000), max_attempts=3)
    worker.start()
    try:
        wait_for(lambda: jobs(demo_store)[0].status == "failed")
    finally:
        assert worker.stop()
    (job,) = jobs(demo_store)
    assert (job.last_error, job.attempts) == ("printer_failed", 3)
    assert sale_is_intact(demo_store, result)


def test_after_a_crash_the_worker_does_not_resend_what_was_being_sent(demo_store, now, tmp_path):
    sell(demo_store, now, (1, 2))
    with transaction(demo_store) as session:  # the previous run took the first job and died
        q.claim_next_job(session, terminal_id=TERMINAL, printers=["tickets"], now=now)
    spec = PrinterSpec(name="tickets", connection="preview", path=str(tmp_path / "tickets"))
    worker = make_worker(demo_store, [spec], running_clock(now))
    worker.start()
    try:
        wait_for(lambda: jobs(demo_store)[1].status == "printed")
        time.sleep(0.3)
    finally:
        assert worker.stop()
    assert [j.status for j in jobs(demo_store)] == ["uncertain", "printed"]
    assert [p.name.split("-")[1] for p in (tmp_path / "tickets").glob("*.bin")] == ["2"]


def test_stop_is_prompt_even_with_a_long_poll(demo_store, now, tmp_path):
    spec = PrinterSpec(name="tickets", connection="preview", path=str(tmp_path / "tickets"))
    worker = make_worker(demo_store, [spec], running_clock(now), poll_s=30)
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert worker.stop()
    assert time.monotonic() - started < 1.0


def test_a_ticket_refunded_before_it_printed_is_not_printed(demo_store, now, tmp_path):
    result, queued = sell(demo_store, now, (1, 2))
    with transaction(demo_store) as session:
        session.exec(Ticket.__table__.update().where(Ticket.id == result.ticket_ids[0]).values(status="refunded"))
    spec = PrinterSpec(name="tickets", connection="preview", path=str(tmp_path / "tickets"))
    worker = make_worker(demo_store, [spec], running_clock(now))
    assert worker.run_once() and worker.run_once() and not worker.run_once()  # no thread: one job per call
    assert [(j.status, j.last_error) for j in jobs(demo_store)] == [
        ("cancelled", "print_ticket_not_valid"), ("printed", None)]
    assert [p.name.split("-")[1] for p in (tmp_path / "tickets").glob("*.bin")] == [str(queued[1])]
