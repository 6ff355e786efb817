"""What a seat looks like, shared by the seat map and its legend: glyphs, looks and colours.

It exists so that :class:`~kiosk.widgets.seat_map.SeatMap` and :class:`~kiosk.widgets.seat_legend.SeatLegend`
draw a seat the same way from one source, without the legend depending on the map.

A taken seat shows its state, a free seat its kind, so states and kinds differ by shape as well as colour
(colour-blind cashiers, monochrome terminals). Every glyph is one cell wide in *every* terminal: only
characters of East Asian Width N or Na are used, because "ambiguous" ones (○ ● ◇ × ▒, box drawing) are drawn
two cells wide by CJK-configured terminals (a Windows console on code page 936, ``xterm -cjk_width``) and
would shear the grid. ``ASCII_GLYPHS`` is for consoles whose font lacks the shapes.

=====================  =======  =====  ===================================
seat                   default  ASCII  colour (component class)
=====================  =======  =====  ===================================
free, standard         ``▢``    ``o``  green (``seat-map--free``)
free, premium          ``◊``    ``*``  gold (``--premium``)
free, wheelchair       ``W``    ``W``  blue, bold (``--wheelchair``)
free, companion        ``c``    ``c``  blue (``--companion``)
free, couple (a pair)  ``(▢▢)`` ``(oo)`` green (``--couple``); the brackets stay in every state
mine (selected here)   ``◼``    ``@``  on a green tile, bold (``--mine``)
held by another        ``◧``    ``~``  red (``--held``)
sold                   ``⊠``    ``x``  grey (``--sold``)
blocked (broken)       ``#``    ``#``  dim grey (``--blocked``)
house seat             ``H``    ``H``  blue-grey (``--house``)
cursor                 the seat in reverse video on the theme's cursor colour, bold (``--cursor``)
=====================  =======  =====  ===================================
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from rich.cells import cell_len


@dataclass(frozen=True)
class SeatGlyphs:
    """The single-cell characters a map draws; every one must be one cell wide (checked)."""

    free: str = "▢"
    premium: str = "◊"
    wheelchair: str = "W"
    companion: str = "c"
    mine: str = "◼"
    held: str = "◧"
    sold: str = "⊠"
    blocked: str = "#"
    house: str = "H"
    couple_left: str = "("
    couple_right: str = ")"

    def __post_init__(self) -> None:
        for item in fields(self):
            if cell_len(getattr(self, item.name)) != 1:
                raise ValueError(f"glyph {item.name}={getattr(self, item.name)!r} is not one cell wide")


UNICODE_GLYPHS = SeatGlyphs()
"""The default glyphs: geometric shapes of East Asian Width N (narrow in CJK terminals too)."""
ASCII_GLYPHS = SeatGlyphs(free="o", premium="*", mine="@", held="~", sold="x")
"""Plain ASCII, for consoles whose font lacks the geometric shapes."""

FREE_LOOKS = ("free", "premium", "wheelchair", "companion", "couple")
"""How a free seat can look: standard, then its kinds (the map's component classes ``seat-map--<look>``)."""
TAKEN_LOOKS = ("mine", "held", "sold", "blocked", "house")
"""How a taken seat can look: its status (``SeatStatus`` values but free)."""

SEAT_COMPONENTS = {
    f"seat-map--{name}" for name in (*FREE_LOOKS, *TAKEN_LOOKS, "cursor", "screen", "row-label")
}
"""The component classes of the map and the legend: states, kinds, cursor, screen bar and row labels."""

_COLOURS = """
WIDGET > .seat-map--free { color: $text-success; }
WIDGET > .seat-map--premium { color: $text-accent; }
WIDGET > .seat-map--wheelchair { color: $text-primary; text-style: bold; }
WIDGET > .seat-map--companion { color: $text-primary; }
WIDGET > .seat-map--couple { color: $text-success; }
WIDGET > .seat-map--mine { background: $success; color: auto 90%; text-style: bold; }
WIDGET > .seat-map--held { color: $text-error; }
WIDGET > .seat-map--sold { color: $text-muted; }
WIDGET > .seat-map--blocked { color: $text-disabled; }
WIDGET > .seat-map--house { color: $text-secondary; }
WIDGET > .seat-map--cursor { color: $block-cursor-background; text-style: reverse bold; }
WIDGET > .seat-map--screen { background: $panel-lighten-2; color: $text; text-style: bold; }
WIDGET > .seat-map--row-label { color: $text-muted; }
"""


def seat_colours_css(widget: str) -> str:
    """The default colours of :data:`SEAT_COMPONENTS` for one widget type, for its ``DEFAULT_CSS``.

    One source of colours for the map and its legend; an app overrides both, e.g. ``SeatMap > .seat-map--sold,
    SeatLegend > .seat-map--sold { ... }``.
    """
    return _COLOURS.replace("WIDGET", widget)
