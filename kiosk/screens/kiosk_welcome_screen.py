"""What a self-service kiosk shows between customers: the cinema, and "collect tickets" in Chinese and English.

A kiosk faces customers who have never seen it, in Chinese or English, so the welcome screen shows both
languages at once and the customer's choice of button is also their choice of language for what follows. Buying
at the kiosk comes later (the counter sells meanwhile); collecting a booking made online works now. It offers no
keys that lead out of the app: no quit, no command palette.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Static

from boxoffice.i18n import Translator
from kiosk.screens.base import BoxOfficeScreen


class KioskWelcomeScreen(BoxOfficeScreen[None]):
    """The kiosk's welcome: the site's names, a button per language to collect tickets, where to buy."""

    DEFAULT_CSS = """
    #kiosk-collect { height: auto; width: auto; margin: 1 0; }
    #kiosk-collect Button { margin: 0 2; min-width: 24; height: 5; }
    """

    def compose(self) -> ComposeResult:
        """The site's names, the two collect buttons and the notice, centred."""
        site = self.box.config.site
        zh, en = Translator("zh"), Translator("en")
        with Center():
            with Vertical(id="kiosk-box"):
                yield Static(site.name_zh, id="kiosk-site-zh")
                yield Static(site.name_en, id="kiosk-site-en")
                with Center(), Horizontal(id="kiosk-collect"):
                    yield Button(zh("kiosk.collect_zh"), id="collect-zh", variant="primary")
                    yield Button(en("kiosk.collect_en"), id="collect-en", variant="primary")
                yield Static(zh("kiosk.coming_soon"), id="kiosk-notice-zh")
                yield Static(en("kiosk.coming_soon"), id="kiosk-notice-en")
                yield Static(zh("kiosk.counter_hint") + "\n" + en("kiosk.counter_hint"), id="kiosk-hint")
                yield Static(self.box.config.terminal.name, id="kiosk-terminal")

    @on(Button.Pressed, "#collect-zh, #collect-en")
    def _collect(self, event: Button.Pressed) -> None:
        """The customer's language is the button they chose; back here, the site's language again."""
        from kiosk.screens.pickup_screen import PickupScreen

        self.box.language = "en" if event.button.id == "collect-en" else "zh"
        self.app.push_screen(PickupScreen(None), callback=self._customer_left)

    def _customer_left(self, _: None) -> None:
        self.box.language = self.box.config.site.language
        self.query_one("#collect-zh", Button).focus()
