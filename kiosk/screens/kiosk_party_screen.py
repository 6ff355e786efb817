"""Buying, step 3: how many people? Asked before the map, so the kiosk can suggest the best seats together.

One large button per number, 1 to ``[kiosk] max_party``; a digit key does the same. The seat map opens with the
best seats for that many already held, and the customer may change them there.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal
from textual.widgets import Button, Static

from kiosk.screens.kiosk_step import KioskStepScreen


class KioskPartyScreen(KioskStepScreen):
    """"How many tickets?" and a button per number."""

    STEP = "party"

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(n), f"party({n})", "buy.party", show=False) for n in range(1, 10)),
    ]
    """A digit chooses that many (up to ``[kiosk] max_party``)."""

    def compose_body(self) -> ComposeResult:
        """The question, the showtime it is for, and the buttons."""
        yield Static(classes="kiosk-prompt")
        yield Static(id="party-showtime")
        with Center(), Horizontal(id="party-buttons"):
            for number in range(1, self.box.config.kiosk.max_party + 1):
                yield Button(str(number), id=f"party-{number}", classes="party-button")

    def on_mount(self) -> None:
        """Focus the number chosen last time (2 at first)."""
        chosen = min(self.purchase.party, self.box.config.kiosk.max_party)
        self.query_one(f"#party-{chosen}", Button).focus()

    def apply_step_language(self) -> None:
        """The question and the showtime."""
        self.query_one(".kiosk-prompt", Static).update(self.t("buy.how_many"))
        self.query_one("#party-showtime", Static).update(self.showtime_line())

    @on(Button.Pressed, ".party-button")
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_party(int(str(event.button.label)))

    def action_party(self, count: int) -> None:
        """Open the seat map with the best ``count`` seats suggested."""
        if count > self.box.config.kiosk.max_party:
            self.app.bell()
            return
        from kiosk.screens.kiosk_seats_screen import KioskSeatsScreen

        self.purchase.party = count
        self.app.push_screen(KioskSeatsScreen(self.purchase))
