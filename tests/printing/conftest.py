"""Fixtures for the printing tests: ticket contents, printer specs, a QR reader and an ESC/POS line parser."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image as PILImage
from PIL import ImageOps

from printing import PrinterSpec, ReceiptContent, TicketContent

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAYLOAD = "T1.eyJ0IjoiMTIwNC1LN1FIMk1YOS0wMSJ9.Zm9vYmFyYmF6cXV4"


@pytest.fixture
def ticket() -> TicketContent:
    """A ticket for Saturday 19:30, row 5 seat 12, with an entry token as QR payload."""
    return TicketContent(
        cinema_zh="星光影城",
        cinema_en="Starlight Cinema",
        film_zh="哪吒之魔童闹海",
        film_en="Ne Zha 2",
        hall="3号厅 IMAX",
        starts_local=datetime(2026, 12, 5, 19, 30, tzinfo=SHANGHAI),
        row_label="5",
        seat_number=12,
        seat_label="5-12",
        ticket_type_zh="成人",
        ticket_type_en="Adult",
        price_fen=4500,
        fee_fen=300,
        order_reference="1204-K7QH2MX9",
        ticket_number="1204-K7QH2MX9-01",
        sold_at_local=datetime(2026, 12, 4, 18, 2, tzinfo=SHANGHAI),
        terminal_name="Counter 1",
        qr_payload=PAYLOAD,
    )


@pytest.fixture
def long_ticket(ticket: TicketContent) -> TicketContent:
    """The same ticket with long names everywhere (they must wrap or be cut, never overflow)."""
    return dataclasses.replace(
        ticket,
        cinema_zh="星光国际影城（北京朝阳大悦城IMAX激光店）",
        cinema_en="Starlight International Cinema Beijing Chaoyang Joy City IMAX Laser",
        film_zh="哪吒之魔童闹海：终极加长版（中英双语字幕）",
        film_en="Ne Zha 2: The Demon Child Conquers the Sea - Ultimate Extended Edition with Bonus Scenes",
        hall="11号厅 杜比全景声 Dolby Atmos 巨幕",
        ticket_type_zh="学生优惠",
        ticket_type_en="Student discount",
        terminal_name="Self-service kiosk 12 (north entrance)",
        row_label="VIP12",
        seat_number=24,
        reprint=3,
    )


@pytest.fixture
def receipt() -> ReceiptContent:
    return ReceiptContent(
        kind="sale",
        cinema="星光影城 Starlight Cinema",
        order_reference="1204-K7QH2MX9",
        items=(("哪吒之魔童闹海 5排12座 成人", 4500), ("哪吒之魔童闹海 5排13座 学生", 3000)),
        fees_fen=600,
        total_fen=8100,
        payments=(("cash", 10000, ""),),
        change_fen=1900,
        masked_phone="138****1234",
        at_local=datetime(2026, 12, 4, 18, 2, tzinfo=SHANGHAI),
        terminal_name="Counter 1",
    )


@pytest.fixture
def make_spec(tmp_path) -> Callable[..., PrinterSpec]:
    """``make_spec(paper_mm=58, chinese="image", ...)``: a preview printer writing into a temporary folder."""

    def make(**changes: object) -> PrinterSpec:
        fields: dict[str, object] = {
            "name": "Tickets",
            "connection": "preview",
            "path": str(tmp_path / "preview"),
        }
        fields.update(changes)
        return PrinterSpec(**fields)  # type: ignore[arg-type]

    return make


@pytest.fixture
def read_qr() -> Callable[[PILImage.Image], list[str]]:
    """The texts of the QR codes in a picture (a white border is added first, as zxing-cpp needs a quiet zone)."""
    import zxingcpp

    def read(picture: PILImage.Image) -> list[str]:
        bordered = ImageOps.expand(picture.convert("L"), border=40, fill=255)
        return [r.text for r in zxingcpp.read_barcodes(bordered) if r.format == zxingcpp.BarcodeFormat.QRCode]

    return read


def printed_lines(data: bytes) -> list[tuple[str, int]]:
    """The text lines in ESC/POS bytes as (text, width multiplier), skipping the commands our back-end sends.

    Chinese-mode runs (FS & ... FS .) are decoded as GB18030; QR, barcode, cut and raster commands are skipped.
    """
    lines: list[tuple[str, int]] = []
    current, magnify, chinese, i = bytearray(), 1, False, 0

    def flush() -> None:
        lines.append((current.decode("gb18030"), magnify))
        current.clear()

    while i < len(data):
        b = data[i]
        two = data[i : i + 2]
        if two == b"\x1b@":
            i += 2
        elif two in (b"\x1bE", b"\x1ba", b"\x1b!", b"\x1bt", b"\x1bd", b"\x1bM"):
            i += 3
        elif two == b"\x1d!":
            magnify = (data[i + 2] >> 4) + 1
            i += 3
        elif two in (b"\x1c&", b"\x1c."):
            chinese = two == b"\x1c&"
            i += 2
        elif two == b"\x1dV":
            i += 3
        elif two == b"\x1bp":
            i += 5
        elif data[i : i + 3] == b"\x1d(k":
            i += 5 + data[i + 3] + 256 * data[i + 4]
        elif data[i : i + 3] == b"\x1dv0":
            width_bytes = data[i + 4] + 256 * data[i + 5]
            height = data[i + 6] + 256 * data[i + 7]
            i += 8 + width_bytes * height
        elif two in (b"\x1dh", b"\x1dw", b"\x1dH", b"\x1df"):
            i += 3
        elif two == b"\x1dk":
            i += 4 + data[i + 3]  # function B: m, n, data
        elif b == 0x0A:
            flush()
            i += 1
        else:
            if b < 0x20 and not chinese:
                raise AssertionError(f"unexpected control byte {b:#x} at {i}: {data[i : i + 8]!r}")
            current.append(b)
            i += 1
    if current:
        flush()
    return lines


@pytest.fixture
def parse_lines() -> Callable[[bytes], list[tuple[str, int]]]:
    """:func:`printed_lines` as a fixture."""
    return printed_lines
