"""The pickup slip a kiosk prints when it took the money but not the tickets: a real preview printer and
python-escpos's Dummy, a real store; the code reaches paper and never the store."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PIL import Image
from sqlmodel import select

from boxoffice.pickup_codes import format_code
from boxoffice.pickup_slip import print_pickup_slip
from boxoffice.ticket_content import pickup_slip_content
from db.engine import transaction
from db.models import AuditEntry, PrintJob
from printing import PrinterSpec, PrinterStatus, document_bytes, pickup_slip_document
from printing.document import display_width
from tests.printing.conftest import printed_lines
from tests.services.test_pickup import _sell

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAPER_OUT = PrinterStatus(False, "out", "offline: paper out", "paper_out")


def _receipt_printer(tmp_path, **changes) -> PrinterSpec:
    """The kiosk.toml receipt printer: 58 mm, Chinese drawn as pictures, a preview folder."""
    fields = {"name": "receipts", "role": "receipts", "connection": "preview", "path": str(tmp_path / "receipts"),
              "paper_mm": 58, "chinese": "image", "qr": "image", "cut": "partial"}
    fields.update(changes)
    return PrinterSpec(**fields)


def _slip(store, spec, result, now, **options):
    return print_pickup_slip(store, spec, order_id=result.order_id, pickup_code=result.pickup_code,
                             terminal_id="kiosk-2", zone=SHANGHAI, cinema_zh="星光影城", cinema_en="Starlight Cinema",
                             now=now, **options)


def _stored_text(store) -> str:
    """Everything the audit log and the print jobs say, as one text."""
    with transaction(store, write=False) as session:
        entries = session.exec(select(AuditEntry)).all()
        jobs = session.exec(select(PrintJob)).all()
    return "\n".join([*(f"{e.action} {e.subject} {e.detail}" for e in entries), *(repr(j) for j in jobs)])


def test_the_slip_says_collect_at_the_counter_with_the_code_large_and_the_order(demo_store, now):
    result, _ = _sell(demo_store, now, (12, 13), phone=None)
    with transaction(demo_store, write=False) as session:
        content = pickup_slip_content(session, order_id=result.order_id, pickup_code=result.pickup_code,
                                      zone=SHANGHAI, cinema_zh="星光影城", cinema_en="Starlight Cinema", now=now)
    assert content.seats == (("F", 12), ("F", 13)) and content.order_reference == result.reference
    assert content.pickup_code == format_code(result.pickup_code)
    for paper_mm in (58, 80):
        spec = PrinterSpec(name="receipts", role="receipts", paper_mm=paper_mm)  # gb18030: text lines to read
        lines = printed_lines(document_bytes(pickup_slip_document(content, spec), spec))
        assert (format_code(result.pickup_code), 2) in lines  # double width and height
        text = " ".join(line for line, _ in lines)  # an English sentence may wrap on 58 mm
        for words in ("请凭取票码到售票台取票", "Please collect your tickets at the counter", result.reference,
                      "F排12座", "F排13座", "Row F Seat 13", content.film_zh, "取票码 Pickup code"):
            assert words in text, words
        assert all(display_width(line) * factor <= spec.chars_per_line for line, factor in lines)


def test_a_preview_printer_prints_the_slip_once_and_the_store_never_sees_the_code(demo_store, now, tmp_path):
    result, _ = _sell(demo_store, now, (12, 13), phone=None)
    spec = _receipt_printer(tmp_path)
    jobs_before = _stored_text(demo_store).count("PrintJob")

    outcome = _slip(demo_store, spec, result, now)

    assert outcome.printed and outcome.error is None
    png = tmp_path / "receipts" / f"slip-{result.reference}.png"
    assert png.exists() and (tmp_path / "receipts" / f"slip-{result.reference}.bin").exists()
    with Image.open(png) as picture:
        assert picture.width == 384 and picture.height > 600
    stored = _stored_text(demo_store)
    assert stored.count("PrintJob") == jobs_before  # printed directly: no job keeps the slip
    assert "print.pickup_slip" in stored and f"order {result.order_id}" in stored
    assert result.pickup_code not in stored and format_code(result.pickup_code) not in stored


def test_a_receipt_printer_out_of_paper_gets_nothing_and_the_audit_says_why(demo_store, now, tmp_path):
    result, _ = _sell(demo_store, now, (12,), phone=None)
    spec = _receipt_printer(tmp_path)

    outcome = _slip(demo_store, spec, result, now, read=lambda _spec: PAPER_OUT)

    assert (outcome.printed, outcome.error) == (False, "paper_out")
    assert not (tmp_path / "receipts").exists()  # nothing was sent
    with transaction(demo_store, write=False) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "print.pickup_slip")).one()
    assert '"printed": false' in entry.detail and '"error": "paper_out"' in entry.detail
    assert result.pickup_code not in _stored_text(demo_store)


def test_an_unreachable_receipt_printer_is_reported_not_raised(demo_store, now, tmp_path):
    result, _ = _sell(demo_store, now, (12,), phone=None)
    spec = _receipt_printer(tmp_path, connection="file", path=str(tmp_path / "no-such-folder" / "lp0"))

    outcome = _slip(demo_store, spec, result, now)

    assert not outcome.printed and outcome.error in ("printer_unreachable", "printer_failed")
