"""Printing end to end: python-escpos over TCP to emupos, a virtual ESC/POS printer in its own process.

Each test prints through the printing package's public API (``print_document``, ``read_status``), takes the PNG
emupos rendered of the job and reads the QR code back with zxing-cpp. emupos does not render Chinese (in
``gb18030`` mode its picture shows code page 437 glyphs there): Chinese is checked at byte level in
``tests/printing``; here the QR code, the ASCII text and the printer's behaviour are what count.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import tomlkit

from printing import (
    PrinterSpec,
    TicketContent,
    print_document,
    read_status,
    test_page_document,
    ticket_document,
    tickets_document,
)
from printing.test_page import test_page_payload
from tests.support.emupos import EmuposPrinter, decode_qr, read_codes

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Longer than emupos's job idle timeout (0.5 s): a job that was going to complete has completed by then.
SETTLE_S = 1.2


def make_ticket(seat: int = 12) -> TicketContent:
    """A ticket whose QR code carries a fresh token (so each test knows its own print)."""
    return TicketContent(
        cinema_zh="星光影城",
        cinema_en="Starlight Cinema",
        film_zh="哪吒之魔童闹海",
        film_en="Ne Zha 2",
        hall="3号厅 IMAX",
        starts_local=datetime(2026, 12, 5, 19, 30, tzinfo=SHANGHAI),
        row_label="5",
        seat_number=seat,
        seat_label=f"5-{seat}",
        ticket_type_zh="成人",
        ticket_type_en="Adult",
        price_fen=4500,
        fee_fen=300,
        order_reference="1204-K7QH2MX9",
        ticket_number=f"1204-K7QH2MX9-{seat:02d}",
        sold_at_local=datetime(2026, 12, 4, 18, 2, tzinfo=SHANGHAI),
        terminal_name="Counter 1",
        qr_payload=f"T1.{secrets.token_urlsafe(24)}",
    )


def emupos_spec(printer: EmuposPrinter, *, chinese: str = "gb18030", qr: str = "native") -> PrinterSpec:
    return PrinterSpec(
        name="emupos",
        connection="network",
        host=printer.host,
        port=printer.port,
        profile="TM-T20II",
        paper_mm=80,
        chinese=chinese,  # type: ignore[arg-type]
        qr=qr,  # type: ignore[arg-type]
        status_timeout_s=1.0,
    )


@pytest.mark.parametrize(
    ("qr", "chinese"),
    [("native", "gb18030"), ("image", "image"), ("native", "image"), ("image", "gb18030")],
)
def test_printed_ticket_qr_decodes_to_its_token(emupos_printer: EmuposPrinter, qr: str, chinese: str) -> None:
    spec = emupos_spec(emupos_printer, chinese=chinese, qr=qr)
    ticket = make_ticket()

    outcome = print_document(spec, ticket_document(ticket, spec), job_name="ticket-e2e")

    assert outcome.bytes_sent > 0
    (receipt,) = emupos_printer.wait_for_receipts(1)
    assert receipt.boundary == "cut"
    assert decode_qr(receipt.png) == [ticket.qr_payload]
    assert ticket.ticket_number in receipt.text
    assert "Row 5 Seat 12" in receipt.text or chinese == "image"  # image mode sends that line as text too
    if qr == "native":
        assert f"[qr {ticket.qr_payload}]" in receipt.text  # the printer drew it from the 55-byte command


def test_one_job_of_three_tickets_prints_three_cut_tickets_in_order(emupos_printer: EmuposPrinter) -> None:
    spec = emupos_spec(emupos_printer)
    tickets = [make_ticket(seat) for seat in (11, 12, 13)]

    print_document(spec, tickets_document(tickets, spec), job_name="order-e2e")

    receipts = emupos_printer.wait_for_receipts(3)
    time.sleep(SETTLE_S)
    receipts = emupos_printer.receipts()
    # Three cut pieces, one ticket each. Their order is not checked here: emupos names receipts by the millisecond
    # they were cut plus a random suffix, so two cuts in one millisecond (a loaded CI machine) list in random
    # order. The order on paper is the order of the bytes, checked in tests/printing.
    assert sorted(decode_qr(r.png)[0] for r in receipts) == sorted(t.qr_payload for t in tickets)
    assert len(receipts) == 3 and all(r.boundary == "cut" for r in receipts)


@pytest.mark.parametrize(
    ("fault", "online", "paper", "problem"),
    [
        ("paper_near_end", True, "near_end", None),
        ("paper_out", False, "out", "paper_out"),  # like an Epson, emupos goes offline without paper
        ("cover_open", False, "ok", "cover_open"),
        ("offline", False, "ok", "printer_offline"),
    ],
)
def test_read_status_follows_the_printers_faults(
    emupos_printer: EmuposPrinter, fault: str, online: bool, paper: str, problem: str | None
) -> None:
    spec = emupos_spec(emupos_printer)
    ok = read_status(spec)
    assert (ok.online, ok.paper, ok.problem) == (True, "ok", None)

    emupos_printer.set_fault(fault)
    faulty = read_status(spec)
    assert (faulty.online, faulty.paper, faulty.problem) == (online, paper, problem), faulty.detail

    emupos_printer.clear_faults()
    again = read_status(spec)
    assert (again.online, again.paper, again.problem) == (True, "ok", None)


@pytest.mark.parametrize("fault", ["paper_out", "cover_open", "offline"])
def test_a_job_sent_during_a_fault_is_held_and_prints_once_when_it_clears(
    emupos_printer: EmuposPrinter, fault: str
) -> None:
    """What a printer does with bytes it receives while it cannot print: hold them, print them once later."""
    spec = emupos_spec(emupos_printer)
    ticket = make_ticket()
    emupos_printer.set_fault(fault)

    print_document(spec, ticket_document(ticket, spec), job_name="held-e2e")  # the printer accepts the bytes

    time.sleep(SETTLE_S)
    assert emupos_printer.receipts() == []
    emupos_printer.clear_faults()
    emupos_printer.wait_for_receipts(1)
    time.sleep(SETTLE_S)
    (receipt,) = emupos_printer.receipts()
    assert decode_qr(receipt.png) == [ticket.qr_payload]


def test_a_status_checked_job_waits_out_paper_out_and_prints_exactly_once(
    emupos_printer: EmuposPrinter,
) -> None:
    """The print queue's contract: read the status first, send only when nothing stops printing, send once."""
    spec = emupos_spec(emupos_printer)
    ticket = make_ticket()
    doc = ticket_document(ticket, spec)
    refusals: list[str] = []
    sent = threading.Event()

    def send_when_ready() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = read_status(spec)
            if status.problem is None:
                print_document(spec, doc, job_name="queued-e2e")
                sent.set()
                return
            refusals.append(status.problem)
            time.sleep(0.1)

    emupos_printer.set_fault("paper_out")
    worker = threading.Thread(target=send_when_ready, daemon=True)
    worker.start()
    time.sleep(SETTLE_S)
    assert not sent.is_set()
    assert refusals and set(refusals) == {"paper_out"}
    assert emupos_printer.receipts() == []

    emupos_printer.clear_faults()
    worker.join(timeout=10)
    assert sent.is_set()
    emupos_printer.wait_for_receipts(1)
    time.sleep(SETTLE_S)
    (receipt,) = emupos_printer.receipts()
    assert decode_qr(receipt.png) == [ticket.qr_payload]


@pytest.mark.parametrize(("qr", "chinese"), [("native", "gb18030"), ("image", "image")])
def test_test_page_qr_code_and_barcode_decode(emupos_printer: EmuposPrinter, qr: str, chinese: str) -> None:
    spec = emupos_spec(emupos_printer, chinese=chinese, qr=qr)
    now = datetime.now(SHANGHAI).replace(microsecond=0)

    print_document(spec, test_page_document(spec, now), job_name="test-page-e2e")

    (page,) = emupos_printer.wait_for_receipts(1)
    assert read_codes(page.png) == [("QRCode", test_page_payload(spec, now)), ("Code128", "BOX-12345")]
    assert "Ruler: 48 characters per line" in page.text


def _site_with_emupos(tmp_path: Path, printer: EmuposPrinter) -> Path:
    """The shipped kiosk.toml with its ``tickets`` printer turned into a network printer at emupos."""
    document = tomlkit.parse((REPO / "kiosk.toml").read_text(encoding="utf-8"))
    (table,) = [t for t in document["printers"] if t["name"] == "tickets"]
    table["connection"] = "network"
    table.pop("path", None)
    table["host"] = printer.host
    table["port"] = printer.port
    config = tmp_path / "kiosk.toml"
    config.write_text(tomlkit.dumps(document), encoding="utf-8")
    return config


def _boxoffice(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from kiosk.cli import boxoffice_main; boxoffice_main()", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_boxoffice_printer_test_and_status_against_emupos(
    emupos_printer: EmuposPrinter, tmp_path: Path
) -> None:
    """The technician's commands, as run at a printer: `boxoffice printer status|test NAME`."""
    config = _site_with_emupos(tmp_path, emupos_printer)

    status = _boxoffice("--config", str(config), "printer", "status", "tickets", cwd=REPO)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "online" in status.stdout

    before = datetime.now(SHANGHAI).replace(microsecond=0)
    sent = _boxoffice("--config", str(config), "printer", "test", "tickets", cwd=REPO)
    after = datetime.now(SHANGHAI)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    (page,) = emupos_printer.wait_for_receipts(1)
    (payload,) = decode_qr(page.png)
    prefix = "BOXOFFICE-TEST tickets "
    assert payload.startswith(prefix)
    printed_at = datetime.fromisoformat(payload.removeprefix(prefix)).replace(tzinfo=SHANGHAI)
    assert before <= printed_at <= after

    emupos_printer.set_fault("paper_out")
    out = _boxoffice("--config", str(config), "printer", "status", "tickets", cwd=REPO)
    assert out.returncode == 1
    assert "paper out" in out.stdout
