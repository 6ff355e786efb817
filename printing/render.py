"""Draws a :class:`~printing.document.Document` as the printer would print it: the ticket preview.

The picture is exactly the printable width (384 dots on 58 mm paper, 576 on 80 mm), black on white, one pixel
per printer dot. Text is set on the printer's grid of font A cells (12 x 24 dots; a Chinese character takes two
cells) with a CJK font from :mod:`printing.fonts`, so lines wrap and pad exactly as on paper; double width and
height stretch the glyphs as the printer does. QR codes come from the ``qrcode`` library with the same error
correction and module size the printer uses; barcodes are drawn bar by bar from python-barcode's Code 128
encoding (python-escpos depends on it). :func:`line_image` is also what the ``image`` Chinese mode sends to the
printer, so the preview and the paper show the same glyphs.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
from PIL import Image as PILImage
from PIL import ImageDraw

from printing.document import (
    QR,
    Align,
    Barcode,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    Rule,
    Text,
    char_width,
    display_width,
    layout_lines,
)
from printing.fonts import cjk_font, find_cjk_font
from printing.spec import PrinterSpec

CELL_W = 12
"""Dots per half-width character cell (font A)."""
CELL_H = 24
"""Dots per character height (font A)."""
LINE_GAP = 6
"""Dots between text lines (the printer's default line spacing is about 30 dots)."""
FONT_PX = 21
BASELINE = 19
QR_QUIET_MODULES = 1

_font_lock = threading.Lock()  # one FreeType face must not draw in two threads at once


@lru_cache(maxsize=8192)
def _glyph(ch: str, cells: int, sw: int, sh: int, bold: bool, font_path: str) -> PILImage.Image:
    """One character's ink as an ``L`` mask filling its cells, stretched like the printer stretches."""
    m = max(sw, sh)
    box_w, box_h = cells * CELL_W * m, CELL_H * m
    with _font_lock:
        font = cjk_font(FONT_PX * m, font_path)
        advance = font.getlength(ch)
        extra = m if bold else 0
        canvas_w = max(box_w, math.ceil(advance) + extra + 1)
        canvas = PILImage.new("L", (canvas_w, box_h), 0)
        draw = ImageDraw.Draw(canvas)
        x = (canvas_w - advance - extra) / 2
        draw.text((x, BASELINE * m), ch, fill=255, font=font, anchor="ls")
        if bold:
            draw.text((x + m, BASELINE * m), ch, fill=255, font=font, anchor="ls")
    if canvas_w != box_w:  # proportional Latin letters wider than a 12-dot cell are condensed into it
        canvas = canvas.resize((box_w, box_h), PILImage.Resampling.LANCZOS)
    target = (cells * CELL_W * sw, CELL_H * sh)
    if canvas.size != target:
        canvas = canvas.resize(target, PILImage.Resampling.LANCZOS)
    return canvas


_INK = [0 if v >= 96 else 255 for v in range(256)]  # mask level -> 1-bit paper (a little bolder than 50 %)


def line_image(
    text: str,
    dots: int,
    *,
    align: Align = "left",
    bold: bool = False,
    double_height: bool = False,
    double_width: bool = False,
) -> PILImage.Image:
    """One printed line as a 1-bit image ``dots`` wide: black text on white, aligned like the printer aligns.

    Its height is one text line (24 dots, 48 when double height) plus the line gap.
    """
    sw, sh = (2 if double_width else 1), (2 if double_height else 1)
    font_path = str(find_cjk_font())
    width = display_width(text) * CELL_W * sw
    mask = PILImage.new("L", (dots, CELL_H * sh + LINE_GAP), 0)
    x = {"left": 0, "center": (dots - width) // 2, "right": dots - width}[align]
    x = max(0, x)
    for ch in text:
        cells = char_width(ch)
        if cells == 0:
            continue
        step = cells * CELL_W * sw
        if not ch.isspace():
            if x + step > dots:
                break
            mask.paste(_glyph(ch, cells, sw, sh, bold, font_path), (x, 0))
        x += step
    return mask.point(_INK, "1")


def qr_size(data: str, size: int, dots: int) -> int:
    """The module size to use for ``data``: ``size``, reduced until the code (with its quiet zone) fits."""
    modules = qr_modules(data)
    return max(1, min(size, 16, dots // (modules + 2 * QR_QUIET_MODULES)))


@lru_cache(maxsize=256)
def qr_modules(data: str) -> int:
    """Modules per side of the QR code for ``data`` (error correction M, smallest version)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code.modules_count


def qr_image(data: str, size: int, dots: int) -> PILImage.Image:
    """The QR code as the printer prints it, centred on a ``dots``-wide strip."""
    box = qr_size(data, size, dots)
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=QR_QUIET_MODULES
    )
    code.add_data(data)
    code.make(fit=True)
    symbol = code.make_image().get_image().convert("1")
    strip = PILImage.new("1", (dots, symbol.height), 1)
    strip.paste(symbol, ((dots - symbol.width) // 2, 0))
    return strip


def _barcode_image(block: Barcode, dots: int) -> PILImage.Image:
    from barcode import Code128  # type: ignore[import-untyped]  # python-barcode (python-escpos needs it)

    modules = Code128(block.data).build()[0]
    bar_w = block.width
    while bar_w > 1 and (len(modules) + 20) * bar_w > dots:
        bar_w -= 1
    bars_w = len(modules) * bar_w
    label = line_image(block.data, dots, align="center")
    strip = PILImage.new("1", (dots, block.height + 4 + label.height), 1)
    draw = ImageDraw.Draw(strip)
    left = (dots - bars_w) // 2
    for i, bit in enumerate(modules):
        if bit == "1":
            draw.rectangle((left + i * bar_w, 0, left + (i + 1) * bar_w - 1, block.height - 1), fill=0)
    strip.paste(label, (0, block.height + 4))
    return strip


def fit_picture(path: str | Path, dots: int) -> PILImage.Image:
    """A picture file scaled down to at most ``dots`` wide, flattened on white, as 1-bit (dithered)."""
    with PILImage.open(path) as opened:
        picture = opened.convert("RGBA")
    flat = PILImage.new("RGB", picture.size, (255, 255, 255))
    flat.paste(picture, mask=picture.split()[3])
    if flat.width > dots:
        flat = flat.resize(
            (dots, max(1, round(flat.height * dots / flat.width))), PILImage.Resampling.LANCZOS
        )
    return flat.convert("L").convert("1")


def _blank(dots: int, height: int) -> PILImage.Image:
    return PILImage.new("1", (dots, max(1, height)), 1)


def _cut_mark(dots: int, spec: PrinterSpec) -> PILImage.Image:
    line_h = CELL_H + LINE_GAP
    strip = _blank(dots, 3 * line_h)
    draw = ImageDraw.Draw(strip)
    y = 2 * line_h
    if spec.cut != "none":
        dash, gap = (12, 6) if spec.cut == "full" else (4, 6)
        for x in range(0, dots, dash + gap):
            draw.rectangle((x, y, min(dots, x + dash) - 1, y + 1), fill=0)
    return strip


def block_images(block: object, spec: PrinterSpec) -> list[PILImage.Image]:
    """The picture strips of one block, top to bottom."""
    dots = spec.dots_per_line
    if isinstance(block, Text):
        return [
            line_image(
                line,
                dots,
                align=block.align,
                bold=block.bold,
                double_height=block.double_height,
                double_width=block.double_width,
            )
            for line in layout_lines(block, spec.chars_per_line)
        ]
    if isinstance(block, Columns):
        return [line_image(line, dots, bold=block.bold) for line in layout_lines(block, spec.chars_per_line)]
    if isinstance(block, Rule):
        return [line_image(line, dots) for line in layout_lines(block, spec.chars_per_line)]
    if isinstance(block, QR):
        if not block.data:
            return []
        return [_blank(dots, LINE_GAP), qr_image(block.data, block.size, dots), _blank(dots, LINE_GAP)]
    if isinstance(block, Barcode):
        return [_blank(dots, LINE_GAP), _barcode_image(block, dots)]
    if isinstance(block, Image):
        try:
            picture = fit_picture(block.path, dots)
        except OSError:
            return [line_image(f"[{Path(block.path).name}]", dots, align="center")]
        strip = _blank(dots, picture.height)
        strip.paste(picture, ((dots - picture.width) // 2, 0))
        return [strip]
    if isinstance(block, Feed):
        return [_blank(dots, block.lines * (CELL_H + LINE_GAP))]
    if isinstance(block, Cut):
        return [_cut_mark(dots, spec)]
    raise TypeError(f"not a document block: {block!r}")


def render_image(doc: Document, spec: PrinterSpec) -> PILImage.Image:
    """The whole document as one 1-bit image ``spec.dots_per_line`` wide."""
    strips = [strip for block in doc.blocks for strip in block_images(block, spec)]
    dots = spec.dots_per_line
    page = _blank(dots, sum(s.height for s in strips) + LINE_GAP)
    y = LINE_GAP
    for strip in strips:
        page.paste(strip, (0, y))
        y += strip.height
    return page


def render_png(doc: Document, spec: PrinterSpec, path: str | Path) -> Path:
    """Draw ``doc`` as the printer would print it and save it as a PNG at ``path`` (folders are created)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    render_image(doc, spec).save(target, format="PNG", optimize=True)
    return target
