"""Pickup end to end: a ticket's QR printed by a real virtual printer, read back with zxing-cpp, scanned into the
kiosk's collect step of a running app, which shows the order, collects it and prints its tickets on that printer
again.

The order is an online booking (nobody has collected it): its QR code is what the customer's phone shows. The
scanner is a keyboard wedge, so "scanning" is typing the decoded text and Enter, as the Pilot does here.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import Static

from boxoffice.ticket_content import ticket_contents
from db.engine import transaction
from db.models import PrintJob, Ticket
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.screens.kiosk_collect_check_screen import KioskCollectCheckScreen
from kiosk.screens.kiosk_collect_code_screen import KioskCollectCodeScreen
from kiosk.screens.kiosk_collect_print_screen import KioskCollectPrintScreen
from printing import PrinterSpec, print_document, ticket_document
from tests.support.bookings import book_online
from tests.support.emupos import EmuposPrinter, decode_qr
from tests.ui.ui_helpers import NOW, SIZE, ZONE, run

pytestmark = pytest.mark.e2e


def test_a_qr_read_from_a_printed_ticket_collects_the_order_and_its_tickets_print(
        demo_store: Any, tmp_path: Any, emupos_printer: EmuposPrinter) -> None:
    config = Config.model_validate({"source": tmp_path / "kiosk.toml", "printers": [{
        "name": "tickets", "connection": "network", "host": emupos_printer.host, "port": emupos_printer.port,
        "qr": "native", "chinese": "gb18030"}]})
    spec = PrinterSpec(name="tickets", connection="network", host=emupos_printer.host, port=emupos_printer.port,
                       qr="native", chinese="gb18030")
    app = BoxOfficeApp(config, demo_store, mode="kiosk", clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            result = book_online(demo_store, NOW, key=app.pickup_key)
            with transaction(demo_store, write=False) as session:
                first = ticket_contents(session, order_id=result.order_id, zone=ZONE, cinema_zh="星光影城",
                                        cinema_en="Starlight", signing_key=app.signing_key)[0]
            print_document(spec, ticket_document(first, spec), job_name="phone-qr")  # the QR the customer shows
            (shown,) = emupos_printer.wait_for_receipts(1)
            (scanned,) = decode_qr(shown.png)
            assert scanned == first.qr_payload and len(scanned) == 194

            await pilot.click("#lang-en")
            await pilot.click("#collect")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, KioskCollectCodeScreen)
            for char in scanned:
                await pilot.press(char)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, KioskCollectCheckScreen)
            order = str(app.screen.query_one("#kiosk-collect-order", Static).render())
            assert "F4" in order and "F5" in order and "139****5678" in order

            await pilot.press("enter")  # Print tickets
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, KioskCollectPrintScreen)
            printed = emupos_printer.wait_for_receipts(3, timeout=30)[1:]
            tokens = sorted(decode_qr(receipt.png)[0] for receipt in printed)
            with transaction(demo_store, write=False) as session:
                tickets = session.exec(select(Ticket).where(Ticket.order_id == result.order_id)).all()
                jobs = session.exec(select(PrintJob).where(PrintJob.order_id == result.order_id)).all()
            assert all(t.picked_up_at == NOW and t.picked_up_terminal == "counter-1" for t in tickets)
            assert len(jobs) == 2 and scanned in tokens and len(set(tokens)) == 2
            screen = app.screen
            assert isinstance(screen, KioskCollectPrintScreen)
            for _ in range(50):  # the step follows the jobs every second
                if screen.printing == "printed":
                    break
                await pilot.pause(0.1)
            assert screen.printing == "printed"

    run(body)
