"""What a self-service kiosk shows until self-service selling is built: a calm, bilingual "coming soon".

A kiosk faces customers who have never seen it, in Chinese or English, so this placeholder shows both
languages at once and offers no keys: no quit, no command palette, nothing that leads out of the app.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Static

from boxoffice.i18n import Translator
from kiosk.screens.base import BoxOfficeScreen


class KioskWelcomeScreen(BoxOfficeScreen[None]):
    """The kiosk's placeholder: the cinema's name and "coming soon" in Chinese and English."""

    def compose(self) -> ComposeResult:
        """The site's names and the notice, centred."""
        site = self.box.config.site
        zh, en = Translator("zh"), Translator("en")
        with Center():
            with Vertical(id="kiosk-box"):
                yield Static(site.name_zh, id="kiosk-site-zh")
                yield Static(site.name_en, id="kiosk-site-en")
                yield Static(zh("kiosk.coming_soon"), id="kiosk-notice-zh")
                yield Static(en("kiosk.coming_soon"), id="kiosk-notice-en")
                yield Static(zh("kiosk.counter_hint") + "\n" + en("kiosk.counter_hint"), id="kiosk-hint")
                yield Static(self.box.config.terminal.name, id="kiosk-terminal")
