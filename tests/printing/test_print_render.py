"""The PNG preview: paper width, readable QR codes and barcodes, Chinese glyphs, the preview folder."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from PIL import Image as PILImage

from printing import (
    document_bytes,
    print_document,
    render_image,
    render_png,
    ticket_document,
    tickets_document,
)
from printing.render import line_image
from printing.test_page import test_page_document, test_page_payload


@pytest.mark.parametrize("paper_mm,dots", [(58, 384), (80, 576)])
@pytest.mark.parametrize("chinese", ["gb18030", "image"])
def test_ticket_png_is_paper_wide_and_its_qr_reads_back(
    ticket, make_spec, read_qr, tmp_path, paper_mm, dots, chinese
):
    spec = make_spec(paper_mm=paper_mm, chinese=chinese)
    path = render_png(ticket_document(ticket, spec), spec, tmp_path / "ticket.png")
    with PILImage.open(path) as picture:
        assert picture.width == dots and picture.height > 600
        assert read_qr(picture) == [ticket.qr_payload]


def test_long_ticket_still_reads_back(long_ticket, make_spec, read_qr):
    spec = make_spec(paper_mm=58)
    assert read_qr(render_image(ticket_document(long_ticket, spec), spec)) == [long_ticket.qr_payload]


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_test_page_qr_and_barcode_read_back(make_spec, paper_mm):
    import zxingcpp
    from PIL import ImageOps

    spec = make_spec(paper_mm=paper_mm, name="Counter 1 tickets")
    now = datetime(2026, 12, 4, 10, 0)
    picture = ImageOps.expand(
        render_image(test_page_document(spec, now), spec).convert("L"), border=40, fill=255
    )
    found = {r.format.name: r.text for r in zxingcpp.read_barcodes(picture)}
    assert (
        found.get("QRCode")
        == test_page_payload(spec, now)
        == "BOXOFFICE-TEST Counter 1 tickets 2026-12-04T10:00:00"
    )
    assert found.get("Code128") == "BOX-12345"


def test_chinese_is_drawn_with_real_glyphs():
    chinese = line_image("中文测试", 576)
    missing = line_image("\ue000\ue001\ue002\ue003", 576)  # private use: the font's "no glyph" box
    assert chinese.getbbox() is not None  # 1-bit: white is 1, so look at the inverted picture
    ink = PILImage.eval(chinese.convert("L"), lambda v: 255 - v)
    assert ink.getbbox() is not None
    assert chinese.tobytes() != missing.tobytes()
    assert line_image("中", 576).tobytes() != line_image("文", 576).tobytes()


def test_double_size_lines_are_twice_as_tall():
    assert line_image("5排12座", 384).height < line_image("5排12座", 384, double_height=True).height


def test_preview_printer_writes_the_bytes_and_the_picture(ticket, make_spec, read_qr):
    spec = make_spec()
    tickets = [dataclasses.replace(ticket, qr_payload=f"TOKEN-{i}") for i in range(2)]
    doc = tickets_document(tickets, spec)
    outcome = print_document(spec, doc, job_name="job 7/order 1204-K7QH2MX9")
    assert outcome.preview_png is not None and outcome.preview_png.name == "job_7_order_1204-K7QH2MX9.png"
    data = outcome.preview_png.with_suffix(".bin").read_bytes()
    assert data == document_bytes(doc, spec) and outcome.bytes_sent == len(data)
    with PILImage.open(outcome.preview_png) as picture:
        assert sorted(read_qr(picture)) == ["TOKEN-0", "TOKEN-1"]
    assert not list(outcome.preview_png.parent.glob("*.tmp"))
