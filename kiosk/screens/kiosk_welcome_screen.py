"""The kiosk's attract screen: the films on now, "Buy tickets / 购票", "Collect tickets / 取票", "Refund / 退票"
(when ``[refunds] kiosk_self_refund`` lets the kiosk refund by itself), and a language switch.

A kiosk faces people who have never seen it. What catches the eye is the films, as posters drawn in the terminal
(from ``[kiosk] posters_dir``; a title card for a film without one), turning page every few seconds when there are
more than fit. Large buttons say the things one can do here, in both languages at once; the language
switch 中文 / English sets the language of everything that follows, for this customer only: whenever the attract
screen comes back (done, cancelled, walked away) it is in the site's language again. Touching a poster starts
buying that film. There is no key that leads out of the app (no quit, no command palette).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import local_time
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets.accessibility_toggles import AccessibilityToggles

if TYPE_CHECKING:  # the store, the domain and the posters are imported once the kiosk has started (kiosk.app)
    from boxoffice.kiosk_catalog import FilmOnSale
    from kiosk.widgets.film_card import FilmCard

PAGE_SECONDS = 8.0
"""Seconds each page of posters stays when there are more films than fit."""
RELOAD_SECONDS = 60.0
"""How often the films on sale are read again (showtimes start, new ones are added)."""
CARD_WIDTH = 18
"""Cells a poster card takes across, with its margins."""


class KioskWelcomeScreen(BoxOfficeScreen[None]):
    """The attract screen (see the module docstring)."""

    CSS_PATH = "../styles/kiosk.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.films: list[FilmOnSale] = []
        self.page = 0
        self._loaded = False

    def compose(self) -> ComposeResult:
        """Site names and the language switch; the posters; the two buttons; a hint."""
        with Horizontal(id="attract-header"):
            with Vertical(id="attract-names"):
                yield Static(id="attract-site")
                yield Static(id="attract-site-other")
            yield Button("中文", id="lang-zh")
            yield Button("English", id="lang-en")
        yield Static(id="attract-now")
        with Center():
            yield Horizontal(id="attract-posters")
        yield Static(id="attract-pages")
        with Center(), Horizontal(id="attract-actions"):
            yield Button(id="buy", variant="primary")
            yield Button(id="collect", variant="success")
            if self.box.config.refunds.kiosk_self_refund:
                yield Button(id="refund", variant="warning")
        yield Static(id="attract-hint")
        with Center():
            yield AccessibilityToggles()
        yield Static(id="attract-terminal")

    def on_mount(self) -> None:
        """Read the films (once the kiosk has started: the buttons paint first), show the first page, and start
        turning pages."""
        self.box.when_started(self._load)
        self.set_interval(PAGE_SECONDS, self._next_page)
        self.set_interval(RELOAD_SECONDS, self._load)
        self.query_one("#buy", Button).focus()

    def _load(self) -> None:
        from boxoffice.kiosk_catalog import films_on_sale
        from kiosk.intents import run_intent

        box = self.box
        if box.engine is None:  # still starting: when_started reads them
            return
        try:
            self.films = run_intent(box.engine, lambda session: films_on_sale(
                session, now=box.now(), zone=box.config.site.zone), write=False, name="films on sale")
        except BoxOfficeError as error:
            box.show_error(error)
            self.films = []
        self._loaded = True
        self.page = 0 if self.page * self._per_page() >= len(self.films) else self.page
        self._show_page()

    def _per_page(self) -> int:
        return max(1, min(6, (self.app.size.width - 4) // CARD_WIDTH))

    def _pages(self) -> int:
        return max(1, -(-len(self.films) // self._per_page()))

    def _next_page(self) -> None:
        if self._pages() > 1 and self.app.screen is self:
            self.page = (self.page + 1) % self._pages()
            self._show_page()

    def _show_page(self) -> None:
        from boxoffice.posters import find_poster
        from kiosk.widgets.film_card import FilmCard

        row = self.query_one("#attract-posters", Horizontal)
        row.remove_children()
        per_page = self._per_page()
        folder = self.box.config.resolve(self.box.config.kiosk.posters_dir)
        cards = [FilmCard(film, find_poster(folder, title_en=film.title_en, title_zh=film.title_zh))
                 for film in self.films[self.page * per_page:(self.page + 1) * per_page]]
        row.mount_all(cards)
        self.call_after_refresh(self.apply_language)

    # -- words -----------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language; the other language's name under the site's."""
        box = self.box
        site, zh = box.config.site, box.language == "zh"
        self.query_one("#attract-site", Static).update(site.name_zh if zh else site.name_en)
        self.query_one("#attract-site-other", Static).update(site.name_en if zh else site.name_zh)
        self.query_one("#lang-zh", Button).set_class(zh, "-chosen")
        self.query_one("#lang-en", Button).set_class(not zh, "-chosen")
        self.query_one("#attract-now", Static).update(
            "" if not self._loaded else self.t("attract.now_showing") if self.films else self.t("attract.nothing_on"))
        pages = self._pages()
        self.query_one("#attract-pages", Static).update(
            " ".join("●" if page == self.page else "○" for page in range(pages)) if pages > 1 else "")
        self.query_one("#buy", Button).label = self._both("attract.buy")
        self.query_one("#collect", Button).label = self._both("attract.collect")
        for refund in self.query("#refund").results(Button):
            refund.label = self._both("attract.refund")
        self.query_one("#attract-hint", Static).update(self.t("attract.hint"))
        self.query_one("#attract-terminal", Static).update(box.config.terminal.name)
        zone = site.zone
        for card in self.query_one("#attract-posters", Horizontal).children:  # the FilmCards of this page
            times = "  ".join(local_time(start, zone) for start in self._today(card.film)[:3])
            card.show(english=not zh, info=times or self.t("attract.tomorrow"))

    def _both(self, key: str) -> str:
        """A button's words in the customer's language first, the other under them."""
        first = self.box.language
        other = "en" if first == "zh" else "zh"
        return f"{self.t(key)}\n{self.box._translators[other](key)}"

    def _today(self, film: FilmOnSale) -> list[Any]:
        zone = self.box.config.site.zone
        today = self.box.now().astimezone(zone).date()
        return [start for start in film.starts if start.astimezone(zone).date() == today]

    # -- the customer's choices ------------------------------------------------------------------------------

    @on(Button.Pressed, "#lang-zh, #lang-en")
    def _language(self, event: Button.Pressed) -> None:
        self.box.language = "en" if event.button.id == "lang-en" else "zh"

    @on(Button.Pressed, "#buy")
    def _buy(self) -> None:
        def buy() -> None:
            from kiosk.kiosk_flow import Purchase
            from kiosk.screens.kiosk_films_screen import KioskFilmsScreen

            self.app.push_screen(KioskFilmsScreen(Purchase()))

        self.box.when_started(buy)  # a touch in the kiosk's first second opens the screen a moment later

    def on_film_card_chosen(self, message: FilmCard.Chosen) -> None:
        """A poster was touched: that film's showtimes (named, not decorated, so FilmCard loads with the films)."""
        from kiosk.kiosk_flow import Purchase
        from kiosk.screens.kiosk_showtimes_screen import KioskShowtimesScreen

        self.app.push_screen(KioskShowtimesScreen(Purchase(film=message.card.film)))

    @on(Button.Pressed, "#collect")
    def _collect(self) -> None:
        def collect() -> None:
            from kiosk.screens.kiosk_collect_code_screen import KioskCollectCodeScreen

            self.app.push_screen(KioskCollectCodeScreen())

        self.box.when_started(collect)

    @on(Button.Pressed, "#refund")
    def _refund(self) -> None:
        def refund() -> None:
            from kiosk.screens.kiosk_refund_find_screen import KioskRefundFindScreen

            self.app.push_screen(KioskRefundFindScreen())

        self.box.when_started(refund)

    def on_screen_resume(self) -> None:
        """Back here (done, back, cancelled, timed out): the next customer starts in the site's language."""
        if self.box.language != self.box.config.site.language:
            self.box.language = self.box.config.site.language
        if self._loaded:  # not the first time it shows (on_mount reads the films)
            self._load()
            self.query_one("#buy", Button).focus()
