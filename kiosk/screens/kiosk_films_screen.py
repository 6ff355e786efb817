"""Buying, step 1: which film. Every film on sale today or tomorrow as a poster card, the soonest first."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from boxoffice.errors import BoxOfficeError
from boxoffice.kiosk_catalog import FilmOnSale, films_on_sale
from boxoffice.posters import find_poster
from kiosk.intents import run_intent
from kiosk.screens.kiosk_step import KioskStepScreen
from kiosk.widgets.film_card import FilmCard


class KioskFilmsScreen(KioskStepScreen):
    """The films as cards; choosing one opens its showtimes."""

    STEP = "film"

    def compose_body(self) -> ComposeResult:
        """A prompt and the grid of cards."""
        yield Static(classes="kiosk-prompt")
        yield VerticalScroll(id="films-grid")

    def on_mount(self) -> None:
        """Read the films and show a card for each."""
        box = self.box
        try:
            films = run_intent(box.engine, lambda session: films_on_sale(
                session, now=box.now(), zone=box.config.site.zone), write=False, name="films on sale")
        except BoxOfficeError as error:
            box.show_error(error)
            films = []
        folder = box.config.resolve(box.config.kiosk.posters_dir)
        grid = self.query_one("#films-grid", VerticalScroll)
        grid.mount_all([FilmCard(film, find_poster(folder, title_en=film.title_en, title_zh=film.title_zh),
                                 classes="-small") for film in films])
        self.call_after_refresh(self._ready)

    def _ready(self) -> None:
        self.apply_language()
        cards = self.query(FilmCard)
        if cards:
            cards.first().focus()

    def apply_step_language(self) -> None:
        """The prompt and each card in the current language."""
        cards = list(self.query(FilmCard))
        self.query_one(".kiosk-prompt", Static).update(
            self.t("buy.choose_film") if cards else self.t("attract.nothing_on"))
        for card in cards:
            card.show(english=self.box.language == "en", info=self._info(card.film))

    def _info(self, film: FilmOnSale) -> str:
        return " ".join(part for part in (film.rating, self.t("buy.minutes", minutes=film.runtime_min)) if part)

    @on(FilmCard.Chosen)
    def _chosen(self, message: FilmCard.Chosen) -> None:
        from kiosk.screens.kiosk_showtimes_screen import KioskShowtimesScreen

        self.purchase.film = message.card.film
        self.app.push_screen(KioskShowtimesScreen(self.purchase))
