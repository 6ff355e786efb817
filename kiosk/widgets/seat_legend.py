"""The seat map's legend: each glyph in the map's colours, with the words the screen gives.

It draws no words of its own, so the screen translates (and calls :meth:`SeatLegend.set_labels` on a
language switch). Glyphs and colours come from :mod:`kiosk.widgets.seat_glyphs`, the map's own source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from kiosk.widgets.seat_glyphs import (
    FREE_LOOKS,
    SEAT_COMPONENTS,
    TAKEN_LOOKS,
    UNICODE_GLYPHS,
    SeatGlyphs,
    seat_colours_css,
)

LEGEND_KEYS = FREE_LOOKS + TAKEN_LOOKS
"""The legend's entries in display order; :class:`SeatLegend` shows those it has a label for."""


class SeatLegend(Static):
    """What the seat map's glyphs mean, in the words the screen gives (so the screen can translate them)."""

    DEFAULT_CSS = "SeatLegend { height: auto; }" + seat_colours_css("SeatLegend")

    COMPONENT_CLASSES: ClassVar[set[str]] = SEAT_COMPONENTS
    """The seat map's classes, with the same colours."""

    def __init__(
        self,
        labels: Mapping[str, str],
        *,
        glyphs: SeatGlyphs = UNICODE_GLYPHS,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Args:
        labels: words for some of :data:`LEGEND_KEYS` (``{"free": "可选", "sold": "已售", ...}``).
        glyphs: the map's glyphs.
        """
        super().__init__(name=name, id=id, classes=classes)
        self.labels = dict(labels)
        self.glyphs = glyphs

    def set_labels(self, labels: Mapping[str, str]) -> None:
        """New words (a language switch)."""
        self.labels = dict(labels)
        self.refresh(layout=True)

    def render(self) -> Text:
        """Each entry as its glyph in the map's colours, then its label."""
        g, text = self.glyphs, Text(no_wrap=False)
        for key in (key for key in LEGEND_KEYS if key in self.labels):
            state, kind = ("free", None if key == "free" else key) if key in FREE_LOOKS else (key, None)
            glyph = f"{g.couple_left}{g.free}{g.free}{g.couple_right}" if key == "couple" else getattr(g, key)
            style = self.get_component_rich_style(f"seat-map--{state}")
            if kind is not None:
                style += self.get_component_rich_style(f"seat-map--{kind}", partial=True)
            text.append("   " if text else "")
            text.append(glyph, style)
            text.append(f" {self.labels[key]}")
        return text
