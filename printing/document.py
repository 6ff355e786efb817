"""A tiny print document model: what goes on paper, independent of how it gets there.

Layout code (tickets, receipts, the test page) builds a :class:`Document` of blocks; two back-ends consume it:
:mod:`printing.escpos_out` turns it into ESC/POS through python-escpos, :mod:`printing.render` draws it as a PNG.
Both lay text out with :func:`layout_lines`, so the preview wraps and pads exactly like the printer.

Widths are counted in half-width character cells of the printer's font A (12 x 24 dots): ASCII takes one cell;
Chinese characters and every other non-ASCII character that a Chinese printer prints from its GB font (East
Asian width W, F or A: ``中``, ``￥``, ``·``) take two.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped to the paper width (by words where it has spaces, by characters otherwise)."""

    text: str
    align: Align = "left"
    bold: bool = False
    double_height: bool = False
    double_width: bool = False


@dataclass(frozen=True)
class Columns:
    """``left`` at the left margin and ``right`` at the right margin of one line (two lines if they do not fit)."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A line of ``char`` across the paper."""

    char: str = "-"


@dataclass(frozen=True)
class QR:
    """A QR code, centred. ``size`` is the module size in dots (1-16)."""

    data: str
    size: int = 6


@dataclass(frozen=True)
class Barcode:
    """A 1-D barcode, centred, with its text below. ``width`` is the narrow bar in dots (2-6)."""

    data: str
    kind: Literal["CODE128"] = "CODE128"
    height: int = 64
    width: int = 2


@dataclass(frozen=True)
class Image:
    """A picture file (a logo), centred and scaled down to the paper width if wider."""

    path: str


@dataclass(frozen=True)
class Feed:
    """Empty lines."""

    lines: int = 1


@dataclass(frozen=True)
class Cut:
    """End of a ticket: feed and cut as the printer's ``cut`` setting says."""


Block = Text | Columns | Rule | QR | Barcode | Image | Feed | Cut


@dataclass(frozen=True)
class Document:
    """Blocks printed top to bottom. Several tickets of one order are one document with several ``Cut``."""

    blocks: tuple[Block, ...]

    def __add__(self, other: Document) -> Document:
        return Document(self.blocks + other.blocks)


def char_width(ch: str) -> int:
    """Cells one character takes on a Chinese thermal printer: 0 (combining), 1 (ASCII, half-width) or 2."""
    if ch.isascii():
        return 1
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1


def display_width(text: str) -> int:
    """Cells a string takes, counting wide characters as 2 (``"5排12座"`` is 7)."""
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def truncate(text: str, width: int, ellipsis: str = "...") -> str:
    """``text`` cut to at most ``width`` cells, ending in ``ellipsis`` when something was cut."""
    if display_width(text) <= width:
        return text
    room = width - display_width(ellipsis)
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > room:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + ellipsis


_TOKENS = re.compile(r"\S+|\s+")


def wrap(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most ``width`` cells: at spaces where possible, inside long words and
    Chinese runs (which have no spaces) where not. Explicit newlines are kept. Never returns an empty list."""
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used, first = "", 0, True
        for token in _TOKENS.findall(paragraph):
            w = display_width(token)
            if token.isspace():
                if line or first:  # indentation at the start of a paragraph is kept, not after a break
                    line, used = line + token[: max(0, width - used)], min(width, used + w)
                continue
            if used + w <= width:
                line, used = line + token, used + w
                continue
            if line.strip() and w <= width:
                lines.append(line.rstrip())
                line, used, first = token, w, False
                continue
            for ch in token:  # a word or a Chinese run longer than what is left: break anywhere
                cw = char_width(ch)
                if used + cw > width:
                    if line.strip():
                        lines.append(line.rstrip())
                        first = False
                    line, used = "", 0  # indentation alone gives way
                line, used = line + ch, used + cw
        lines.append(line.rstrip())
    return lines


def fit(text: str, width: int, max_lines: int) -> list[str]:
    """:func:`wrap`, keeping at most ``max_lines`` lines; the last one ends in ``...`` if text was dropped."""
    lines = wrap(text, width)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = truncate(kept[-1] + " " + lines[max_lines], width)
    return kept


def pad_columns(left: str, right: str, width: int) -> list[str]:
    """``left`` and ``right`` on one line of exactly ``width`` cells, or ``left`` (wrapped) above a
    right-aligned ``right`` when both do not fit with a space between them."""
    lw, rw = display_width(left), display_width(right)
    if lw + 1 + rw <= width:
        return [left + " " * (width - lw - rw) + right]
    lines = wrap(left, width)
    for part in wrap(right, width):
        lines.append(" " * (width - display_width(part)) + part)
    return lines


def layout_lines(block: Text | Columns | Rule, chars_per_line: int) -> list[str]:
    """The printed lines of a text block, each at most the paper's width (a double-width line counts double).

    Alignment of :class:`Text` is not applied here (the printer aligns); :class:`Columns` come back padded.
    """
    if isinstance(block, Rule):
        return [block.char * (chars_per_line // max(1, display_width(block.char)))]
    if isinstance(block, Columns):
        return pad_columns(block.left, block.right, chars_per_line)
    width = chars_per_line // 2 if block.double_width else chars_per_line
    return wrap(block.text, width)
