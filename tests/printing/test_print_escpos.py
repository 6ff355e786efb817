"""ESC/POS bytes on python-escpos's Dummy: Chinese modes, QR modes, cuts, sizes, the reprint mark, the drawer."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from printing import Barcode, Document, document_bytes, print_document, ticket_document, tickets_document
from printing.document import display_width
from printing.escpos_out import FS_CHINESE_OFF, FS_CHINESE_ON, write_document
from printing.factory import dummy_printer
from printing.test_page import CHINESE_SAMPLE, test_page_document

ESC_INIT = b"\x1b@"
GS_FULL_CUT = b"\x1dV\x00"
GS_PART_CUT = b"\x1dV\x01"
RASTER = b"\x1dv0"


def qr_store_command(payload: str) -> bytes:
    """GS ( k pL pH cn=49 fn=80 m=48 d...: function 180, store the QR symbol data."""
    n = len(payload.encode()) + 3
    return b"\x1d(k" + bytes((n % 256, n // 256)) + b"1P0" + payload.encode()


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_gb18030_mode_wraps_chinese_in_fs_and_fs_dot(ticket, make_spec, paper_mm):
    data = document_bytes(ticket_document(ticket, make_spec(paper_mm=paper_mm)), make_spec(paper_mm=paper_mm))
    assert FS_CHINESE_ON + "星光影城".encode("gb18030") + FS_CHINESE_OFF in data
    assert FS_CHINESE_ON + "5排12座".encode("gb18030") + FS_CHINESE_OFF in data
    assert (
        "￥45.00".encode("gb18030") in data
    )  # the full-width yuan sign, A3A4, in every Chinese printer font
    assert b"?" not in data
    assert data.count(FS_CHINESE_ON) == data.count(FS_CHINESE_OFF)
    assert RASTER not in data


def test_gb18030_mode_keeps_cjk_punctuation(make_spec):
    spec = make_spec()
    data = document_bytes(test_page_document(spec, datetime(2026, 12, 4, 10, 0)), spec)
    assert FS_CHINESE_ON + CHINESE_SAMPLE.encode("gb18030") + FS_CHINESE_OFF in data
    assert "：".encode("gb18030") == b"\xa3\xba"


@pytest.mark.parametrize("paper_mm,chars", [(58, 32), (80, 48)])
@pytest.mark.parametrize("which", ["ticket", "long_ticket"])
def test_printed_lines_fit_the_paper(request, make_spec, parse_lines, paper_mm, chars, which):
    spec = make_spec(paper_mm=paper_mm)
    lines = parse_lines(document_bytes(ticket_document(request.getfixturevalue(which), spec), spec))
    too_long = [(text, factor) for text, factor in lines if display_width(text) * factor > chars]
    assert not too_long
    assert any("5排12座" in text or "VIP12排24座" in text for text, _ in lines)


def test_image_mode_sends_chinese_as_raster_and_never_chinese_mode(ticket, make_spec):
    spec = make_spec(chinese="image")
    data = document_bytes(ticket_document(ticket, spec), spec)
    assert RASTER in data
    assert FS_CHINESE_ON not in data
    assert "星光影城".encode("gb18030") not in data and "影".encode() not in data
    assert b"Starlight Cinema" in data  # ASCII lines stay text


def test_native_qr_stores_the_payload_and_prints_it(ticket, make_spec):
    spec = make_spec(qr="native")
    data = document_bytes(ticket_document(ticket, spec), spec)
    assert qr_store_command(ticket.qr_payload) in data
    assert b"\x1d(k\x03\x001Q0" in data  # function 181: print the stored symbol
    assert (
        b"\x1ba\x01" + b"\x1d(k" in data
    )  # centred first (python-escpos 3.1 cannot centre native QR itself)


def test_image_qr_is_raster_without_the_qr_command(ticket, make_spec):
    spec = make_spec(qr="image")
    data = document_bytes(ticket_document(ticket, spec), spec)
    assert b"\x1d(k" not in data
    assert RASTER in data


@pytest.mark.parametrize("cut,command", [("full", GS_FULL_CUT), ("partial", GS_PART_CUT), ("none", None)])
def test_cut_follows_the_printer_setting(ticket, make_spec, cut, command):
    spec = make_spec(cut=cut)
    data = document_bytes(ticket_document(ticket, spec), spec)
    if command is None:
        assert b"\x1dV" not in data
    else:
        assert data.count(command) == 1 and data.rstrip(b"\n").endswith(command)


def test_ten_tickets_are_one_job_with_ten_cuts(ticket, make_spec):
    spec = make_spec()
    tickets = [
        dataclasses.replace(ticket, ticket_number=f"1204-K7QH2MX9-{i:02d}", qr_payload=f"T{i}")
        for i in range(1, 11)
    ]
    data = document_bytes(tickets_document(tickets, spec), spec)
    assert data.startswith(ESC_INIT) and data.count(ESC_INIT) == 1
    assert data.count(GS_FULL_CUT) == 10
    assert all(qr_store_command(f"T{i}") in data for i in range(1, 11))
    positions = [data.index(qr_store_command(f"T{i}")) for i in range(1, 11)]
    assert positions == sorted(positions)  # on paper in ticket order, each before its own cut
    cuts = [i for i in range(len(data)) if data.startswith(GS_FULL_CUT, i)]
    assert all(q < c for q, c in zip(positions, cuts, strict=True))


def test_reprint_mark_is_printed_only_on_reprints(ticket, make_spec):
    spec = make_spec()
    original = document_bytes(ticket_document(ticket, spec), spec)
    reprint = document_bytes(ticket_document(dataclasses.replace(ticket, reprint=2), spec), spec)
    assert b"REPRINT" not in original and "重打".encode("gb18030") not in original
    assert reprint.count(b"REPRINT 2") == 2
    assert FS_CHINESE_ON + "重打 REPRINT 2".encode("gb18030") + FS_CHINESE_OFF in reprint


def test_double_size_uses_gs_exclamation_so_chinese_grows_too(ticket, make_spec):
    data = document_bytes(ticket_document(ticket, make_spec()), make_spec())
    seat = data.index(FS_CHINESE_ON + "5排12座".encode("gb18030"))
    size = data.rindex(b"\x1d!", 0, seat)
    assert data[size : size + 3] == b"\x1d!\x11"  # double width and height
    assert data.index(b"\x1d!\x00", seat) < data.index(b"Row 5 Seat 12")  # back to normal size


def test_barcode_is_code128_set_b_and_prints_nothing_to_the_terminal(make_spec, capsys):
    spec = make_spec(paper_mm=58)
    printer = dummy_printer(spec)
    write_document(printer, Document((Barcode("BOX-12345"),)), spec)
    assert b"\x1dkI\x0b{BBOX-12345" in printer.output  # GS k 73 n "{B" data
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_drawer_is_kicked_only_for_cash_on_a_printer_with_a_drawer(ticket, make_spec):
    kick = b"\x1bp\x00"
    with_drawer = make_spec(drawer=True)
    doc = ticket_document(ticket, with_drawer)
    assert kick in document_bytes(doc, with_drawer, open_drawer=True)
    assert kick not in document_bytes(doc, with_drawer)
    outcome = print_document(make_spec(drawer=False), doc, job_name="no-drawer", open_drawer=True)
    assert kick not in outcome.preview_png.with_suffix(".bin").read_bytes()


@pytest.mark.parametrize("chinese", ["gb18030", "image"])
@pytest.mark.parametrize("qr", ["native", "image"])
def test_every_mode_builds_a_test_page_at_both_widths(make_spec, chinese, qr):
    for paper_mm in (58, 80):
        spec = make_spec(paper_mm=paper_mm, chinese=chinese, qr=qr)
        data = document_bytes(test_page_document(spec, datetime(2026, 12, 4, 10, 0)), spec)
        assert data.startswith(ESC_INIT) and b"\x1dV" in data
