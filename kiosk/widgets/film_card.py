"""A film as a kiosk customer picks it: its poster, its title, and a line under it; touch or Enter chooses it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from boxoffice.kiosk_catalog import FilmOnSale
from kiosk.widgets.poster import Poster


class FilmCard(Vertical, can_focus=True):
    """A focusable card: poster (or title card), title, and an info line (rating, minutes, next times)."""

    DEFAULT_CSS = """
    FilmCard { width: 16; height: auto; margin: 0 1; }
    FilmCard Poster { width: 16; height: 12; }
    FilmCard .film-card-title { width: 100%; height: 2; text-align: center; text-style: bold; }
    FilmCard .film-card-info { width: 100%; height: auto; text-align: center; color: $text-muted; }
    FilmCard:focus .film-card-title { background: $accent; color: $text; }
    FilmCard:hover .film-card-title { background: $boost; }
    FilmCard.-small { width: 1fr; margin: 0; }
    FilmCard.-small Poster { width: 100%; height: 10; }
    FilmCard.-small .film-card-title { height: auto; max-height: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "choose", "buy.choose", show=False),
    ]
    """Enter or Space chooses the film (a touch or click does too)."""

    @dataclass
    class Chosen(Message):
        """The customer chose this film."""

        card: FilmCard

        @property
        def control(self) -> FilmCard:
            """The card that was chosen."""
            return self.card

    def __init__(self, film: FilmOnSale, poster: Path | None, *, id: str | None = None,
                 classes: str | None = None) -> None:
        """A card for ``film``, showing the image at ``poster`` (None: a title card)."""
        super().__init__(id=id, classes=classes)
        self.film = film
        self.poster = poster
        self._words: tuple[bool, str] | None = None

    def compose(self) -> ComposeResult:
        """Poster, title and info line."""
        yield Poster(self.poster, title=self.film.title_zh, subtitle=self.film.title_en)
        yield Static(classes="film-card-title")
        yield Static(classes="film-card-info")

    def on_mount(self) -> None:
        """Words given before the card was composed are shown now."""
        if self._words is not None:
            self.show(english=self._words[0], info=self._words[1])

    def show(self, *, english: bool, info: str) -> None:
        """The title in the customer's language (the card's words too) and the info line."""
        self._words = (english, info)
        if not self.query(Poster):
            return  # not composed yet: on_mount shows them
        film = self.film
        title = film.title_en if english and film.title_en else film.title_zh
        other = film.title_zh if english else film.title_en
        self.query_one(Poster).set_titles(title, other)
        self.query_one(".film-card-title", Static).update(title)
        self.query_one(".film-card-info", Static).update(info)

    def action_choose(self) -> None:
        """Tell the screen this film was chosen."""
        self.post_message(self.Chosen(self))

    def on_click(self, event: events.Click) -> None:
        """A touch anywhere on the card chooses it."""
        event.stop()
        self.action_choose()
