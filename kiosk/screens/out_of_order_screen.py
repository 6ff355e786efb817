"""What a kiosk shows while it must not sell: out of service, why (a reason code), and where to go instead.

The app pushes this screen over whatever a customer sees as soon as the kiosk goes out of service (the ticket
printer is out of paper or offline, or a technician took the kiosk out of service), but never during a payment,
and takes it away by itself when the kiosk is back in service (see :mod:`kiosk.service_watch`). Nobody can pay
behind it: it has no buttons and no keys. The passer-by may speak either language, so it says everything in
Chinese and English at once; the reason code is for the technician who is called.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Static

from boxoffice.i18n import Translator
from kiosk.screens.base import BoxOfficeScreen


class OutOfOrderScreen(BoxOfficeScreen[None]):
    """Out of service / 暂停服务, the reason in both languages with its code, and "please go to the counter"."""

    CSS_PATH = "../styles/service.tcss"
    """Styles of the kiosk's service screens (loaded when first shown)."""

    AUTO_FOCUS = None
    """Nothing to focus: the screen takes no input (the technician's key sequence is read by the app)."""

    def compose(self) -> ComposeResult:
        """The notice, centred."""
        with Center(), Vertical(id="ooo-box"):
            yield Static(id="ooo-title")
            yield Static(id="ooo-reason")
            yield Static(id="ooo-counter")
            yield Static(id="ooo-code")

    def on_mount(self) -> None:
        """Follow the kiosk's reason while shown (it may change from paper out to offline)."""
        self.watch(self.app, "service_generation", self._show, init=True)

    def apply_language(self) -> None:
        """Both languages are always shown; nothing follows the terminal's language."""
        self._show()

    def _show(self) -> None:
        zh, en = Translator("zh"), Translator("en")
        reason = self.box.kiosk_service.reason or "taken_out_of_service"
        title = Text(zh("out_of_order.title"), style="bold")
        title.append("   " + en("out_of_order.title"), style="bold")
        self.query_one("#ooo-title", Static).update(title)
        words = Text(zh(f"out_of_order.reason_{reason}"))
        words.append("\n" + en(f"out_of_order.reason_{reason}"))
        self.query_one("#ooo-reason", Static).update(words)
        counter = Text(zh("out_of_order.go_to_counter"), style="bold")
        counter.append("\n" + en("out_of_order.go_to_counter"), style="bold")
        self.query_one("#ooo-counter", Static).update(counter)
        self.query_one("#ooo-code", Static).update(
            f"{zh('out_of_order.code')} / {en('out_of_order.code')}: {reason}  ·  {self.box.config.terminal.name}")
