"""Buying, step 2: which showtime of the film. Today's and tomorrow's, each a button with everything that matters.

A button says the time, the hall, the format, the cheapest ticket a kiosk sells ("from ¥38.00") with the service
fee per ticket beside it, and the seats left. A showtime the kiosk cannot sell stays in the list, greyed, saying
why: sold out, or only its last seats left, which are kept for the counter.
"""

from __future__ import annotations

from datetime import date

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import format_money, local_time
from boxoffice.kiosk_catalog import KioskShowtime, kiosk_showtimes
from boxoffice.posters import find_poster
from kiosk.intents import run_intent
from kiosk.screens.kiosk_step import KioskStepScreen
from kiosk.widgets.poster import Poster

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal cells (Chinese characters take two)."""
    return text + " " * max(0, width - cell_len(text))


class KioskShowtimesScreen(KioskStepScreen):
    """The film on the left, its showtimes as buttons on the right."""

    STEP = "showtime"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.showtimes: list[KioskShowtime] = []

    def compose_body(self) -> ComposeResult:
        """The film's poster and facts; the list of showtimes."""
        film = self.purchase.film
        assert film is not None
        folder = self.box.config.resolve(self.box.config.kiosk.posters_dir)
        with Horizontal(id="showtimes-body"):
            with Vertical(id="showtimes-film"):
                yield Poster(find_poster(folder, title_en=film.title_en, title_zh=film.title_zh),
                             title=film.title_zh, subtitle=film.title_en)
                yield Static(id="showtimes-title")
                yield Static(id="showtimes-facts")
            with Vertical(id="showtimes-side"):
                yield Static(classes="kiosk-prompt")
                yield VerticalScroll(id="showtimes-list")

    def on_mount(self) -> None:
        """Read the showtimes and make a button for each (headed by its day)."""
        box = self.box
        film = self.purchase.film
        assert film is not None
        try:
            self.showtimes = run_intent(box.engine, lambda session: kiosk_showtimes(
                session, film_id=film.id, now=box.now(), zone=box.config.site.zone,
                counter_only_last=box.config.seating.counter_only_last), write=False, name="kiosk showtimes")
        except BoxOfficeError as error:
            box.show_error(error)
        zone = box.config.site.zone
        widgets: list[Static | Button] = []
        day: date | None = None
        for index, showtime in enumerate(self.showtimes):
            starts = showtime.starts_at.astimezone(zone).date()
            if starts != day:
                day = starts
                widgets.append(Static(classes="showtimes-day", name=starts.isoformat()))
            widgets.append(Button(id=f"showtime-{index}", classes="showtime-button",
                                  disabled=not showtime.selectable))
        self.query_one("#showtimes-list", VerticalScroll).mount_all(widgets)
        self.call_after_refresh(self._ready)

    def _ready(self) -> None:
        self.apply_language()
        buttons = [button for button in self.query(".showtime-button").results(Button) if not button.disabled]
        if buttons:
            buttons[0].focus()

    def apply_step_language(self) -> None:
        """The film's title and facts, the day headings and every button's words."""
        film, box = self.purchase.film, self.box
        assert film is not None
        english = box.language == "en"
        self.query_one(Poster).set_titles(film.title_en if english and film.title_en else film.title_zh,
                                          film.title_zh if english else film.title_en)
        self.query_one("#showtimes-title", Static).update(film.title_en if english and film.title_en
                                                          else film.title_zh)
        facts = [film.rating, self.t("buy.minutes", minutes=film.runtime_min)] + ([film.genres] if film.genres
                                                                                   and not english else [])
        self.query_one("#showtimes-facts", Static).update("\n".join(part for part in facts if part))
        self.query_one(".kiosk-prompt", Static).update(
            self.t("buy.choose_showtime") if self.showtimes else self.t("buy.no_showtimes"))
        today = box.now().astimezone(box.config.site.zone).date()
        for heading in self.query(".showtimes-day").results(Static):
            day = date.fromisoformat(heading.name or today.isoformat())
            key = "buy.today" if day == today else "buy.tomorrow"
            heading.update(f"{self.t(key)}  {day:%m-%d} {self.t('weekday.' + WEEKDAYS[day.weekday()])}")
        for index, showtime in enumerate(self.showtimes):
            for button in self.query(f"#showtime-{index}").results(Button):
                button.label = self._label(showtime)

    def _label(self, showtime: KioskShowtime) -> str:
        english = self.box.language == "en"
        hall = showtime.auditorium_en if english and showtime.auditorium_en else showtime.auditorium
        start = local_time(showtime.starts_at, self.box.config.site.zone)
        head = f"{start}   {_pad(hall, 10)} {_pad(showtime.format, 8)}"
        if showtime.state == "sold_out":
            return f"{head} {self.t('buy.sold_out')}"
        if showtime.state == "counter_only" or showtime.from_fen is None:
            return f"{head} {self.t('buy.counter_only_showtime')}"
        price = self.t("buy.from_price", price=format_money(showtime.from_fen))
        fee = self.t("buy.fee_each", fee=format_money(showtime.fee_fen)) if showtime.fee_fen else ""
        return f"{head} {_pad(price, 14)} {_pad(fee, 16)} {self.t('buy.seats_left', count=showtime.seats_free)}"

    @on(Button.Pressed, ".showtime-button")
    def _chosen(self, event: Button.Pressed) -> None:
        from kiosk.screens.kiosk_party_screen import KioskPartyScreen

        index = int((event.button.id or "showtime-0").removeprefix("showtime-"))
        self.purchase.showtime = self.showtimes[index]
        self.app.push_screen(KioskPartyScreen(self.purchase))
