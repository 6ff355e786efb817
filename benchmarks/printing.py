"""Time to build the ESC/POS bytes of a 10-ticket order, per Chinese and QR mode, on 80 mm paper.

The baseline is our default for Chinese-market printers: Chinese as GB18030 text and native QR codes (the
printer draws both). Against it: QR codes sent as raster images, Chinese lines sent as raster images, and both.
Bytes are built on python-escpos's ``Dummy`` (nothing is sent); the time is the median of ``repeats`` warm runs
(python-escpos imported, fonts and glyphs cached, as in a running terminal). The size of the job, which a slow
serial or USB link must carry, is reported too. Also: the PNG preview of the same order.

Run ``python -m benchmarks.printing``; ``measure()`` returns the numbers for a combined report.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from printing import PrinterSpec, TicketContent, document_bytes, render_image, tickets_document

SHANGHAI = ZoneInfo("Asia/Shanghai")
MODES = {  # name: (chinese, qr)
    "gb18030_native": ("gb18030", "native"),
    "gb18030_imageqr": ("gb18030", "image"),
    "image_native": ("image", "native"),
    "image_imageqr": ("image", "image"),
}


def order_of_ten() -> list[TicketContent]:
    """Ten tickets of one order, row 5 seats 5-14, each with its own 48-character entry token."""
    first = TicketContent(
        cinema_zh="星光影城",
        cinema_en="Starlight Cinema",
        film_zh="流浪地球2",
        film_en="The Wandering Earth II",
        hall="3号厅 IMAX",
        starts_local=datetime(2026, 12, 5, 19, 30, tzinfo=SHANGHAI),
        row_label="5",
        seat_number=5,
        seat_label="5-5",
        ticket_type_zh="成人",
        ticket_type_en="Adult",
        price_fen=4500,
        fee_fen=300,
        order_reference="1204-K7QH2MX9",
        ticket_number="1204-K7QH2MX9-01",
        sold_at_local=datetime(2026, 12, 4, 18, 2, tzinfo=SHANGHAI),
        terminal_name="Counter 1",
        qr_payload="",
    )
    return [
        dataclasses.replace(
            first,
            seat_number=5 + i,
            seat_label=f"5-{5 + i}",
            ticket_number=f"1204-K7QH2MX9-{i + 1:02d}",
            qr_payload=f"T1.{i:02d}{'K7QH2MX9' * 5}X",
        )
        for i in range(10)
    ]


def _median_ms(work, repeats: int) -> float:
    work()  # warm: imports, fonts, glyph cache
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(repeats: int = 15, paper_mm: Literal[58, 80] = 80) -> dict[str, float]:
    """Milliseconds (``<mode>_ms``) and bytes (``<mode>_bytes``) per 10-ticket order for each mode in
    :data:`MODES`, ``preview_png_ms`` for its picture, and ratios against ``gb18030_native``."""
    tickets = order_of_ten()
    result: dict[str, float] = {}
    for mode, (chinese, qr) in MODES.items():
        spec = PrinterSpec(name="bench", paper_mm=paper_mm, chinese=chinese, qr=qr)  # type: ignore[arg-type]
        doc = tickets_document(tickets, spec)
        result[f"{mode}_ms"] = _median_ms(lambda: document_bytes(doc, spec), repeats)  # noqa: B023
        result[f"{mode}_bytes"] = len(document_bytes(doc, spec))
    spec = PrinterSpec(name="bench", paper_mm=paper_mm)
    doc = tickets_document(tickets, spec)
    result["preview_png_ms"] = _median_ms(lambda: render_image(doc, spec), max(3, repeats // 3))
    base = result["gb18030_native_ms"]
    for mode in MODES:
        result[f"{mode}_ratio"] = result[f"{mode}_ms"] / base
    return result


def table_rows(r: dict[str, float]) -> list[tuple[str, str, str, str, str]]:
    """Rows for ``python -m benchmarks``: each mode against gb18030 text with a native QR, measured in the run."""
    names = {"gb18030_imageqr": "gb18030 text, image QR", "image_native": "Chinese as image, native QR",
             "image_imageqr": "Chinese as image, image QR"}
    base = f"{r['gb18030_native_ms']:.1f} ms, {r['gb18030_native_bytes']:,.0f} B"
    rows = [(f"ticket bytes, 10-ticket order, 80 mm: {names[mode]}",
             f"{r[f'{mode}_ms']:.1f} ms, {r[f'{mode}_bytes']:,.0f} B", "gb18030 text, native QR", base,
             f"{r[f'{mode}_ratio']:.0f}x slower") for mode in names]
    return rows


def main() -> None:
    """Print one table."""
    r = measure()
    print("10-ticket order, 80 mm, bytes built on python-escpos Dummy (median of warm runs)")
    header = ("Chinese", "QR", "ms", "bytes", "vs gb18030+native")
    rows = [
        (chinese, qr, f"{r[f'{m}_ms']:.1f}", f"{int(r[f'{m}_bytes']):,}", f"{r[f'{m}_ratio']:.1f}x")
        for m, (chinese, qr) in MODES.items()
    ]
    rows.append(("(preview PNG)", "", f"{r['preview_png_ms']:.1f}", "", ""))
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(5)]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
