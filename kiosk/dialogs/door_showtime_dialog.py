"""Which showtime a door lets in: one of those letting in now, or any showtime of the door's halls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from boxoffice.door import DoorShowtime
from boxoffice.i18n import local_time
from kiosk.screens.base import BoxOfficeScreen

ANY = "any"
"""Option id of "any showtime in my halls"."""


@dataclass(frozen=True)
class ShowtimeChoice:
    """The usher's choice: one showtime, or None for any showtime of the door's halls."""

    showtime: DoorShowtime | None


class DoorShowtimeDialog(BoxOfficeScreen[ShowtimeChoice | None], ModalScreen[ShowtimeChoice | None]):
    """The showtimes letting in now (with admitted/sold), "any showtime" first; Escape keeps the choice."""

    CSS_PATH = "../styles/door.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "key.cancel")]

    def __init__(self, showtimes: list[DoorShowtime], current: int | None) -> None:
        """Offer ``showtimes``, with the cursor on the ``current`` choice (a showtime id, or None for any)."""
        super().__init__()
        self.showtimes = showtimes
        self.current = current

    def compose(self) -> ComposeResult:
        """Title, the options, a hint."""
        with Vertical(id="door-choice-box"):
            yield Static(id="door-choice-title")
            yield OptionList(id="door-choice-list")
            yield Static(id="door-choice-hint")

    def on_mount(self) -> None:
        """The list takes the keys."""
        self.query_one(OptionList).focus()

    def apply_language(self) -> None:
        """Every text in the current language, keeping the highlighted option."""
        box = self.box
        zone = box.config.site.zone
        english = box.language == "en"
        self.query_one("#door-choice-title", Static).update(self.t("door.choose_title"))
        self.query_one("#door-choice-hint", Static).update(self.t("door.choose_hint"))
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_option(Option(self.t("door.choose_any"), id=ANY))
        for showtime in self.showtimes:
            options.add_option(Option(self.t(
                "door.choose_row", time=local_time(showtime.starts_at, zone),
                film=(showtime.film_en or showtime.film_zh) if english else showtime.film_zh,
                hall=(showtime.hall_en or showtime.hall_zh) if english else showtime.hall_zh,
                format=showtime.format, admitted=showtime.admitted, sold=showtime.sold), id=str(showtime.id)))
        if highlighted is None:
            ids = [s.id for s in self.showtimes]
            highlighted = ids.index(self.current) + 1 if self.current in ids else 0
        options.highlighted = highlighted

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = next((s for s in self.showtimes if str(s.id) == event.option.id), None)
        self.dismiss(ShowtimeChoice(chosen))

    def action_cancel(self) -> None:
        """Keep the current choice."""
        self.dismiss(None)
