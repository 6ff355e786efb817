"""A picture in the terminal, two pixels per cell: the technician's ticket and test page preview.

Each cell is an upper half block ``▀`` whose foreground colour is the upper pixel and whose background colour is
the lower one, so a cell that is about twice as tall as wide shows two square pixels. The picture is scaled to the
widget's width (never enlarged) as greys; a 576-dot ticket becomes ~100 columns in a few milliseconds. Runs of
equal cells are merged into one segment, which keeps the mostly white paper cheap to draw.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image as PILImage
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.widgets import Static

LEVELS = 16
"""Grey levels shown (a 1-bit ticket scaled down turns into greys; 16 keep small text readable)."""


@lru_cache(maxsize=LEVELS * LEVELS)
def _style(top: int, bottom: int) -> Style:
    step = 255 // (LEVELS - 1)
    return Style(color=Color.from_rgb(top * step, top * step, top * step),
                 bgcolor=Color.from_rgb(bottom * step, bottom * step, bottom * step))


def half_block_lines(image: PILImage.Image, columns: int) -> list[list[Segment]]:
    """``image`` scaled to ``columns`` cells wide (at most its own width), as lines of half-block segments."""
    columns = max(1, min(columns, image.width))
    pixel_rows = max(2, round(image.height * columns / image.width))
    pixel_rows += pixel_rows % 2
    grey = image.convert("L").resize((columns, pixel_rows), PILImage.Resampling.BOX)
    data = grey.point(lambda value: value * LEVELS // 256).tobytes()
    lines: list[list[Segment]] = []
    for y in range(0, pixel_rows, 2):
        top_row = data[y * columns:(y + 1) * columns]
        bottom_row = data[(y + 1) * columns:(y + 2) * columns]
        segments: list[Segment] = []
        run_start = 0
        for x in range(1, columns + 1):
            if x < columns and top_row[x] == top_row[run_start] and bottom_row[x] == bottom_row[run_start]:
                continue
            top, bottom = top_row[run_start], bottom_row[run_start]
            glyph = " " if top == bottom else "▀"
            segments.append(Segment(glyph * (x - run_start), _style(top, bottom)))
            run_start = x
        lines.append(segments)
    return lines


class HalfBlockPicture:
    """A Rich renderable of prepared half-block lines, exactly ``width`` cells wide."""

    def __init__(self, lines: list[list[Segment]], width: int) -> None:
        self.lines = lines
        self.width = width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        newline = Segment.line()
        for line in self.lines:
            yield from line
            yield newline

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.width, self.width)


class ImageView(Static):
    """Shows a PIL image scaled to the widget's width (redrawn when the width changes)."""

    DEFAULT_CSS = """
    ImageView {
        width: 1fr;
        height: auto;
    }
    """

    def __init__(self, image: PILImage.Image | None = None, **kwargs: object) -> None:
        """Create the view, optionally with a first picture."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.image: PILImage.Image | None = image
        """The picture shown (set it with :meth:`show`)."""
        self._drawn_width = 0

    def show(self, image: PILImage.Image | None) -> None:
        """Show another picture (or nothing)."""
        self.image = image
        self._drawn_width = 0
        self._draw()

    def on_mount(self) -> None:
        """Draw the first picture once the width is known."""
        self._draw()

    def on_resize(self, event: events.Resize) -> None:
        """Scale again to the new width."""
        if event.size.width != self._drawn_width:
            self._draw()

    def _draw(self) -> None:
        width = self.content_size.width or self.size.width
        if self.image is None or width <= 0:
            self.update("")
            return
        self._drawn_width = self.size.width
        columns = min(width, self.image.width)
        self.update(HalfBlockPicture(half_block_lines(self.image, columns), columns))
