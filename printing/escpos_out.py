"""Writes a :class:`~printing.document.Document` onto a python-escpos printer, using only the ``Escpos`` API.

Chinese text, per ``spec.chinese``:

* ``gb18030``: python-escpos's ``text()`` never switches a printer into Chinese mode and turns CJK punctuation
  into ``?``, so a line with any non-ASCII character is sent here as ``FS &`` (Chinese mode on) + the line in
  GB18030 + ``FS .`` (off) through ``_raw``. For Chinese-market printers, which have a GB font.
* ``image``: such a line is drawn with the CJK font (:func:`printing.render.line_image`, the same pixels as the
  preview) and sent as a raster image. Works on any printer; larger and slower.

ASCII-only lines always go through ``text()``. Text sizes use ``GS !`` (``set(custom_size=True)``), which
Chinese printers also apply to Chinese characters (``ESC !`` does not). QR codes, per ``spec.qr``: ``native``
(the printer draws it; ``qr(center=True)`` raises in python-escpos 3.1, so the line is centred first) or
``image`` (drawn by python-escpos with the ``qrcode`` library). Raster images (image QR codes, Chinese lines in
``image`` mode, the logo) are sent only as wide as their content and placed by the printer's justification
(``ESC a``, which applies to raster images), not padded to the paper width: a third of the bytes, which matters
on a 9600-baud serial line.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from printing.document import (
    QR,
    Barcode,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    Rule,
    Text,
    display_width,
    layout_lines,
)
from printing.factory import dummy_printer, escpos_modules
from printing.render import CELL_W, fit_picture, line_image, qr_size
from printing.spec import PrinterSpec

if TYPE_CHECKING:
    from escpos.escpos import Escpos  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

FS_CHINESE_ON = b"\x1c\x26"  # FS &: select Chinese (Kanji) character mode
FS_CHINESE_OFF = b"\x1c\x2e"  # FS .: cancel it

_stdout_lock = threading.Lock()


@contextlib.contextmanager
def _quiet_stdout():
    """python-escpos's ``barcode()`` prints "Using hardware barcode renderer" to stdout, which is the terminal.

    ``redirect_stdout`` swaps a process-wide object, so concurrent jobs take turns (otherwise one job could
    restore another job's swallowing buffer as stdout for good).
    """
    with _stdout_lock, contextlib.redirect_stdout(io.StringIO()):
        yield


@dataclass
class _Style:
    """What the printer is currently set to, so that ``set()`` is sent only on changes."""

    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1

    def apply(
        self, printer: Escpos, *, align: str = "left", bold: bool = False, width: int = 1, height: int = 1
    ) -> None:
        changes: dict[str, object] = {}
        if align != self.align:
            changes["align"] = align
        if bold != self.bold:
            changes["bold"] = bold
        if (width, height) != (self.width, self.height):
            changes.update(custom_size=True, width=width, height=height)
        if changes:
            printer.set(**changes)
            self.align, self.bold, self.width, self.height = align, bold, width, height


def write_document(printer: Escpos, doc: Document, spec: PrinterSpec) -> None:
    """Send ``doc`` to ``printer`` (starting with ``ESC @`` so no earlier job's modes carry over).

    Args:
        printer: any python-escpos printer, usually a ``Dummy`` from :func:`printing.factory.dummy_printer`.
        doc: what to print.
        spec: the printer's settings (paper width, Chinese, QR and cut modes).
    """
    printer.hw("INIT")
    style = _Style()
    for block in doc.blocks:
        _write_block(printer, block, spec, style)


def kick_drawer(printer: Escpos) -> None:
    """Open the cash drawer on the printer's drawer port (pin 2, the usual one)."""
    printer.cashdraw(2)


def document_bytes(doc: Document, spec: PrinterSpec, *, open_drawer: bool = False) -> bytes:
    """The ESC/POS bytes of ``doc`` for ``spec``'s printer, built on a ``Dummy`` (nothing is sent).

    Args:
        open_drawer: kick the cash drawer first (callers pass ``spec.drawer and paid_in_cash``).
    """
    printer = dummy_printer(spec)
    if open_drawer:
        kick_drawer(printer)
    write_document(printer, doc, spec)
    return printer.output


def _write_block(printer: Escpos, block: object, spec: PrinterSpec, style: _Style) -> None:
    if isinstance(block, Text):
        size = {"width": 2 if block.double_width else 1, "height": 2 if block.double_height else 1}
        style.apply(printer, align=block.align, bold=block.bold, **size)
        for line in layout_lines(block, spec.chars_per_line):
            _line(printer, line, spec, block)
    elif isinstance(block, (Columns, Rule)):
        bold = isinstance(block, Columns) and block.bold
        style.apply(printer, bold=bold)
        plain = Text("", bold=bold)
        for line in layout_lines(block, spec.chars_per_line):
            _line(printer, line, spec, plain)
    elif isinstance(block, QR):
        _qr(printer, block, spec, style)
    elif isinstance(block, Barcode):
        _barcode(printer, block, spec, style)
    elif isinstance(block, Image):
        style.apply(printer, align="center")
        try:
            picture = fit_picture(block.path, spec.dots_per_line)
        except OSError as exc:
            log.warning("printer %s: picture %s left out: %s", spec.name, block.path, exc)
            return
        printer.image(picture)
    elif isinstance(block, Feed):
        if block.lines > 0:
            printer.ln(block.lines)
    elif isinstance(block, Cut):
        style.apply(printer)
        if spec.cut == "none":
            printer.ln(4)
        else:
            printer.cut("FULL" if spec.cut == "full" else "PART")
    else:
        raise TypeError(f"not a document block: {block!r}")


def _line(printer: Escpos, line: str, spec: PrinterSpec, style: Text) -> None:
    if line.isascii():
        printer.text(line + "\n")
    elif spec.chinese == "gb18030":
        printer._raw(FS_CHINESE_ON + line.encode("gb18030", errors="replace") + FS_CHINESE_OFF + b"\n")
    else:
        # Drawn left-aligned and cut to the text's width; the printer's justification (ESC a, which applies to
        # raster images too) places it, as it would place text. A full-width strip would be ~3x the bytes.
        sw = 2 if style.double_width else 1
        picture = line_image(
            line,
            spec.dots_per_line,
            bold=style.bold,
            double_height=style.double_height,
            double_width=style.double_width,
        )
        width = min(spec.dots_per_line, -(-display_width(line) * CELL_W * sw // 8) * 8)
        printer.image(picture.crop((0, 0, width, picture.height)))


def _qr(printer: Escpos, block: QR, spec: PrinterSpec, style: _Style) -> None:
    if not block.data:
        return
    ec = escpos_modules().constants.QR_ECLEVEL_M
    size = qr_size(block.data, block.size, spec.dots_per_line)
    if spec.qr == "native":
        style.apply(printer, align="center")
        printer.qr(block.data, ec=ec, size=size, native=True)
        printer.text("\n")
    else:
        style.apply(
            printer, align="center"
        )  # ESC a centres raster images; qr(center=True) pads to full width
        printer.qr(block.data, ec=ec, size=size, native=False)


def _barcode(printer: Escpos, block: Barcode, spec: PrinterSpec, style: _Style) -> None:
    bar_w = block.width
    while bar_w > 2 and 11 * (len(block.data) + 3) * bar_w > spec.dots_per_line:
        bar_w -= 1
    style.apply(printer, align="center")
    with _quiet_stdout():
        printer.barcode(
            "{B" + block.data,
            "CODE128",
            height=block.height,
            width=bar_w,
            pos="BELOW",
            font="A",
            align_ct=True,
            function_type="B",
        )
    printer.text("\n")
