"""The door end to end: sell, print the tickets on a real virtual printer, read their QR codes off the paper, scan.

The counter's print worker sends the order's tickets to emupos (a virtual ESC/POS network printer); zxing-cpp
reads each printed QR code back from the PNG emupos rendered; the door takes what was read, as a scanner would type
it. Scanning one ticket twice lets it in once.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import select

from boxoffice.door import DoorWindow, admit
from boxoffice.errors import BoxOfficeError
from boxoffice.print_queue import queue_order_tickets
from boxoffice.print_worker import PrintWorker
from db.engine import transaction
from db.models import PrintJob, Ticket
from printing import PrinterSpec
from tests.services.test_door import PUBLIC, SHANGHAI, SIGNING, sell_tickets
from tests.support.emupos import decode_qr

pytestmark = pytest.mark.e2e


def test_a_ticket_printed_on_emupos_and_scanned_twice_at_the_door_is_admitted_once(demo_store, now, emupos_printer):
    show, ticket_ids, tokens = sell_tickets(demo_store, now, [7, 8])
    with transaction(demo_store) as session:
        order_id = session.get(Ticket, ticket_ids[0]).order_id
        queue_order_tickets(session, order_id=order_id, printer="tickets", terminal_id="counter-1", now=now)
    spec = PrinterSpec(name="tickets", connection="network", host=emupos_printer.host, port=emupos_printer.port,
                       qr="native", chinese="gb18030")
    worker = PrintWorker(demo_store, {"tickets": spec}, terminal_id="counter-1", cinema_zh="星光影城",
                         cinema_en="Starlight Cinema", zone=SHANGHAI, clock=lambda: now, poll_s=0.05,
                         signing_key=SIGNING)
    worker.start()
    try:
        receipts = emupos_printer.wait_for_receipts(2, timeout=30)
        time.sleep(1.2)  # a second print of a ticket would have shown up by now
    finally:
        assert worker.stop()
    with transaction(demo_store, write=False) as session:
        assert set(session.exec(select(PrintJob.status)).all()) == {"printed"}
    receipts = emupos_printer.receipts()
    assert len(receipts) == 2
    scanned = [decode_qr(receipt.png) for receipt in receipts]
    assert scanned == [[token] for token in tokens]  # what the paper carries is the signed entry token

    at = show.starts_at - timedelta(minutes=10)

    def scan(text: str, terminal: str):
        with transaction(demo_store) as session:
            return admit(session, text=text, public_key=PUBLIC, terminal_id=terminal, now=at,
                         window=DoorWindow.minutes(30, 60), halls=("1号厅",), showtime_id=show.id)

    first = scan(scanned[0][0], "door-1")
    assert (first.ticket_id, first.seat_label, first.starts_at) == (ticket_ids[0], "F7", show.starts_at)
    with pytest.raises(BoxOfficeError) as again:
        scan(scanned[0][0], "door-2")
    assert (again.value.code, again.value.params["terminal"], again.value.params["admitted_at"]) == (
        "door_already_admitted", "Door 1", at)
    assert scan(scanned[1][0], "door-2").seat_label == "F8"
    with transaction(demo_store, write=False) as session:
        marks = session.exec(select(Ticket.admitted_terminal).where(Ticket.id.in_(ticket_ids))
                             .order_by(Ticket.id)).all()
    assert marks == ["door-1", "door-2"]
