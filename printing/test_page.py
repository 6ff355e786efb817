"""The technician's test page: shows at a glance whether width, code page, Chinese, QR, barcode and cut work."""

from __future__ import annotations

from datetime import datetime

from printing.document import QR, Barcode, Block, Columns, Cut, Document, Rule, Text
from printing.spec import PrinterSpec

CHINESE_SAMPLE = "中文测试：星光影城 票价￥45.00"
ASCII_SAMPLE = "".join(chr(c) for c in range(0x20, 0x7F))


def test_page_payload(spec: PrinterSpec, now_local: datetime) -> str:
    """What the test page's QR code carries; a scanner (or a test) compares it."""
    return f"BOXOFFICE-TEST {spec.name} {now_local:%Y-%m-%dT%H:%M:%S}"


def ruler(width: int) -> str:
    """``1234567890123…`` across ``width`` cells: the last digit printed shows where the line ends."""
    return "".join(str((i + 1) % 10) for i in range(width))


def test_page_document(spec: PrinterSpec, now_local: datetime) -> Document:
    """A test page for ``spec``'s printer, dated ``now_local``, ending in a cut."""
    width = spec.chars_per_line
    tens = "".join(f"{((i + 1) // 10) % 10}" if (i + 1) % 10 == 0 else " " for i in range(width))
    blocks: tuple[Block, ...] = (
        Text("打印测试 TEST PAGE", align="center", bold=True, double_height=True, double_width=width >= 36),
        Text(f"{now_local:%Y-%m-%d %H:%M:%S}", align="center"),
        Rule("="),
        Text(f"Ruler: {width} characters per line"),
        Text(tens.rstrip()),
        Text(ruler(width)),
        Text("LEFT", align="left"),
        Text("CENTER", align="center"),
        Text("RIGHT", align="right"),
        Columns("left column", "right column"),
        Rule(),
        Text("Code page / ASCII:"),
        Text(ASCII_SAMPLE),
        Text("Yen sign: ¥ 12.50"),
        Text("Bold text", bold=True),
        Text("Double height", double_height=True),
        Text("Double", double_width=True, double_height=True),
        Rule(),
        Text(f"Chinese ({spec.chinese}):"),
        Text(CHINESE_SAMPLE),
        Text("中文测试", align="center", bold=True, double_width=True, double_height=True),
        Rule(),
        Text(f"QR ({spec.qr}):"),
        QR(test_page_payload(spec, now_local), size=6 if spec.paper_mm == 80 else 5),
        Text("CODE128:"),
        Barcode("BOX-12345"),
        Rule(),
        Columns("Printer", spec.name),
        Columns("Role", spec.role),
        Columns("Connection", spec.describe()),
        Columns("Profile", spec.profile),
        Columns("Paper", f"{spec.paper_mm} mm, {spec.dots_per_line} dots"),
        Columns("Chinese", spec.chinese),
        Columns("QR", spec.qr),
        Columns("Cut", spec.cut),
        Columns("Cash drawer", "yes" if spec.drawer else "no"),
        Columns("Fallback", spec.fallback or "-"),
        Text(f"Cut ({spec.cut}) below", align="center"),
        Cut(),
    )
    return Document(blocks)


# Not pytest tests, despite their names (test modules import them).
test_page_document.__test__ = False  # type: ignore[attr-defined]
test_page_payload.__test__ = False  # type: ignore[attr-defined]
