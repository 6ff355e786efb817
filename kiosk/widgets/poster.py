"""A film's poster in the terminal, in colour, two pixels per cell; a title card when the film has none.

Like :mod:`kiosk.widgets.image_view`, each cell is an upper half block ``▀`` whose foreground is the upper pixel
and background the lower one, but in colour and filling the widget: the image is cropped to the widget's shape
(centred, never stretched) and scaled to ``width`` × ``2 × height`` pixels. Pictures are made once per file and
size and kept, so a screen of posters redraws for free. A film without a poster file (or with one Pillow cannot
read) gets a title card: its title on a calm colour picked from the title, so the same film always looks the same.
"""

from __future__ import annotations

import logging
import zlib
from functools import lru_cache
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from rich.cells import cell_len
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.widget import Widget

log = logging.getLogger(__name__)

CARD_COLOURS = ((52, 73, 94), (94, 53, 77), (38, 84, 71), (99, 70, 40), (48, 60, 110), (90, 45, 45))
"""Backgrounds of title cards: dark enough for white text, distinct from each other."""


@lru_cache(maxsize=128)
def poster_lines(path: str, mtime: float, columns: int, rows: int) -> tuple[tuple[Segment, ...], ...] | None:
    """The picture in ``path`` as ``rows`` lines of ``columns`` half-block cells (None when it cannot be read).

    ``mtime`` is part of the cache key: a replaced poster file is read again.
    """
    try:
        with PILImage.open(path) as image:
            fitted = ImageOps.fit(image.convert("RGB"), (columns, rows * 2), PILImage.Resampling.LANCZOS)
    except (OSError, UnidentifiedImageError, ValueError) as error:
        log.warning("poster %s cannot be shown: %s", path, error)
        return None
    data = fitted.tobytes()  # RGB, row after row
    lines = []
    for y in range(rows):
        segments = []
        for x in range(columns):
            top, bottom = (3 * ((2 * y) * columns + x)), (3 * ((2 * y + 1) * columns + x))
            segments.append(Segment("▀", Style(color=Color.from_rgb(*data[top:top + 3]),
                                               bgcolor=Color.from_rgb(*data[bottom:bottom + 3]))))
        lines.append(tuple(Segment.simplify(segments)))
    return tuple(lines)


def _wrap(title: str, width: int) -> list[str]:
    """Break a title into lines of at most ``width`` cells: at spaces, and inside words too wide (Chinese)."""
    pieces: list[tuple[str, bool]] = []  # (text, a space before it)
    for word in title.replace("\uff1a", "\uff1a ").split():
        if cell_len(word) <= width:
            pieces.append((word, True))
        else:
            pieces.extend((char, index == 0) for index, char in enumerate(word))
    lines: list[str] = []
    line = ""
    for piece, spaced in pieces:
        joined = f"{line} {piece}" if line and spaced else line + piece
        if cell_len(joined) <= width:
            line = joined
        else:
            lines.append(line)
            line = piece
    if line:
        lines.append(line)
    return lines


class _Lines:
    """A Rich renderable of prepared lines."""

    def __init__(self, lines: list[list[Segment]] | tuple[tuple[Segment, ...], ...]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield from line
            yield Segment.line()


class Poster(Widget):
    """A film's poster (or its title card), filling the widget."""

    DEFAULT_CSS = """
    Poster { width: 14; height: 10; }
    """

    def __init__(self, path: Path | None, *, title: str, subtitle: str = "", name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        """Show the image at ``path``; without one, a card with ``title`` (and ``subtitle``, the other language)."""
        super().__init__(name=name, id=id, classes=classes)
        self.path = path
        self.title = title
        self.subtitle = subtitle

    def set_titles(self, title: str, subtitle: str = "") -> None:
        """The words on the title card (the customer switched language)."""
        self.title, self.subtitle = title, subtitle
        self.refresh()

    @property
    def has_picture(self) -> bool:
        """A poster file is shown (not a title card)."""
        return self._picture(max(1, self.size.width), max(1, self.size.height)) is not None

    def _picture(self, columns: int, rows: int) -> tuple[tuple[Segment, ...], ...] | None:
        if self.path is None:
            return None
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return None
        return poster_lines(str(self.path), mtime, columns, rows)

    def render(self) -> _Lines:
        """The picture, or the title card, at the widget's size."""
        columns, rows = max(1, self.size.width), max(1, self.size.height)
        picture = self._picture(columns, rows)
        return _Lines(picture) if picture is not None else _Lines(self._card(columns, rows))

    def _card(self, columns: int, rows: int) -> list[list[Segment]]:
        red, green, blue = CARD_COLOURS[zlib.crc32(self.title.encode("utf-8")) % len(CARD_COLOURS)]
        back = Color.from_rgb(red, green, blue)
        plain, bold = Style(bgcolor=back), Style(color="#ffffff", bgcolor=back, bold=True)
        dim = Style(color="#d0d0d0", bgcolor=back)
        text = [(line, bold) for line in _wrap(self.title, columns - 2)]
        if self.subtitle:
            text += [("", plain)] + [(line, dim) for line in _wrap(self.subtitle, columns - 2)]
        text = text[:rows]
        top = (rows - len(text)) // 2
        lines = [[Segment(" " * columns, plain)] for _ in range(rows)]
        for offset, (line, style) in enumerate(text):
            width = cell_len(line)
            left = (columns - width) // 2
            lines[top + offset] = [Segment(" " * left, plain), Segment(line, style),
                                   Segment(" " * (columns - left - width), plain)]
        return lines
