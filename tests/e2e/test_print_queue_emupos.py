"""The print queue against a real virtual printer: paper out while a sale's tickets wait, then exactly once."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from boxoffice.print_worker import PrintWorker
from db.engine import transaction
from db.models import PrintJob, Ticket
from printing import PrinterSpec
from tests.services.test_print_queue import TERMINAL, sale_is_intact, sell
from tests.services.test_print_worker import SHANGHAI, jobs, running_clock, wait_for
from tests.support.emupos import decode_qr

pytestmark = pytest.mark.e2e


def test_paper_out_keeps_the_tickets_waiting_and_the_sale_intact_then_prints_each_once(
        demo_store, now, emupos_printer):
    emupos_printer.set_fault("paper_out")
    result, queued = sell(demo_store, now)
    spec = PrinterSpec(name="tickets", connection="network", host=emupos_printer.host, port=emupos_printer.port,
                       qr="native", chinese="gb18030")
    worker = PrintWorker(demo_store, {"tickets": spec}, terminal_id=TERMINAL, cinema_zh="星光影城",
                         cinema_en="Starlight Cinema", zone=SHANGHAI, clock=running_clock(now, speed=20.0),
                         poll_s=0.05)
    worker.start()
    try:
        wait_for(lambda: any(job.last_error == "paper_out" for job in jobs(demo_store)))
        time.sleep(1.0)
        assert emupos_printer.receipts() == []  # nothing sent while the paper is out
        assert all(job.status == "queued" for job in jobs(demo_store))
        assert sale_is_intact(demo_store, result)
        assert worker.state()["tickets"].last_error == "paper_out"

        emupos_printer.clear_faults()
        wait_for(lambda: all(job.status == "printed" for job in jobs(demo_store)), timeout_s=60)
        emupos_printer.wait_for_receipts(len(queued), timeout=20)
        time.sleep(1.5)  # a second print of any ticket would show up by now
    finally:
        assert worker.stop()
    receipts = emupos_printer.receipts()
    with transaction(demo_store, write=False) as session:
        secrets_ = [t.secret for t in session.exec(select(Ticket).where(Ticket.order_id == result.order_id)
                                                   .order_by(Ticket.id)).all()]
        printed = session.exec(select(PrintJob.status)).all()
    assert len(receipts) == len(queued) == len(secrets_)
    assert [decode_qr(receipt.png) for receipt in receipts] == [[secret] for secret in secrets_]
    assert set(printed) == {"printed"}
    assert sale_is_intact(demo_store, result)
