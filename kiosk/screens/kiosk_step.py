"""What every step of buying at a kiosk shares: where you are, your language, and a way back and a way out.

A customer who has never seen the kiosk must always know which step they are on and how to leave it. Every
step shows the same frame: the cinema and the steps along the top with this one lit, a language button, the
step's own content, and at the bottom "Back" (Escape; the previous step, keeping what was chosen there) and
"Cancel" (the seats go back, every choice is forgotten, the attract screen returns), with the step's own
"Continue" on the right when it has one. Everything is a button a finger can hit and a key can reach.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Button, Static

from boxoffice.i18n import local_time
from kiosk.kiosk_flow import CustomerScreen, Purchase, end_customer_session
from kiosk.screens.base import BoxOfficeScreen

STEPS = ("film", "showtime", "party", "seats", "types", "phone", "pay")
"""The steps of buying, in order (``buy.step_<name>`` names them)."""


class KioskStepScreen(CustomerScreen, BoxOfficeScreen[None]):
    """One step of buying: the frame around the step's content (see the module docstring)."""

    CSS_PATH = "../styles/kiosk.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "buy.back", show=False),
        Binding("enter", "continue", "buy.continue", show=False),
    ]
    """Escape goes back; Enter continues where the step has a Continue button (a focused button takes its
    own Enter)."""

    STEP = "film"
    """This step's name, one of :attr:`FLOW_STEPS`."""
    FLOW_STEPS: tuple[str, ...] = STEPS
    """The steps of this flow along the top (buying; a kiosk refund has its own)."""
    FLOW_WORDS = "buy"
    """The catalog section naming the flow (``<section>.title``) and its steps (``<section>.step_<name>``)."""
    CONTINUE: str | None = None
    """The catalog key of the step's Continue button; None: the step has none (choosing moves on)."""

    def __init__(self, purchase: Purchase) -> None:
        super().__init__()
        self.purchase = purchase

    def compose(self) -> ComposeResult:
        """The header, the step's body (:meth:`compose_body`) and the navigation bar."""
        with Horizontal(classes="kiosk-header"):
            yield Static(classes="kiosk-site")
            yield Static(classes="kiosk-steps")
            yield Button(classes="kiosk-language")
        with Vertical(classes="kiosk-body"):
            yield from self.compose_body()
        with Horizontal(classes="kiosk-nav"):
            yield Button(classes="kiosk-back")
            yield Button(classes="kiosk-cancel", variant="error")
            yield Static(classes="kiosk-message")
            if self.CONTINUE is not None:
                yield Button(classes="kiosk-continue", variant="success")

    def compose_body(self) -> ComposeResult:
        """The step's own widgets."""
        yield from ()

    # -- words -----------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """The frame in the current language, then the step's own texts (:meth:`apply_step_language`)."""
        site = self.box.config.site
        zh = self.box.language == "zh"
        self.query_one(".kiosk-site", Static).update(
            f"[b]{site.name_zh if zh else site.name_en}[/b] · {self.t(f'{self.FLOW_WORDS}.title')}")
        steps = []
        for number, name in enumerate(self.FLOW_STEPS, start=1):
            label = f"{number} {self.t(f'{self.FLOW_WORDS}.step_{name}')}"
            steps.append(f"[reverse b] {label} [/]" if name == self.STEP else f"[dim] {label} [/]")
        self.query_one(".kiosk-steps", Static).update("  ".join(steps))
        self.query_one(".kiosk-language", Button).label = self.t("buy.other_language")
        self.query_one(".kiosk-back", Button).label = self.t("buy.back")
        self.query_one(".kiosk-cancel", Button).label = self.t("buy.cancel")
        if self.CONTINUE is not None:
            self.query_one(".kiosk-continue", Button).label = self.t(self.CONTINUE)
        self.apply_step_language()

    def apply_step_language(self) -> None:
        """The step's own texts in the current language; steps override this."""

    def showtime_line(self) -> str:
        """The film and showtime being bought, on one line in the current language."""
        film, showtime = self.purchase.film, self.purchase.showtime
        if film is None or showtime is None:
            return ""
        english = self.box.language == "en"
        zone = self.box.config.site.zone
        title = film.title_en if english and film.title_en else film.title_zh
        hall = showtime.auditorium_en if english and showtime.auditorium_en else showtime.auditorium
        return (f"[b]{escape(title)}[/b]  {showtime.starts_at.astimezone(zone):%m-%d} "
                f"{local_time(showtime.starts_at, zone)}  {escape(hall)}  {showtime.format}")

    def say(self, text: str, *, error: bool = False) -> None:
        """A line in the navigation bar: what went wrong, or what to do next."""
        message = self.query_one(".kiosk-message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def set_continue(self, enabled: bool) -> None:
        """Whether Continue can be pressed now."""
        if self.CONTINUE is not None:
            self.query_one(".kiosk-continue", Button).disabled = not enabled

    # -- buttons and keys ------------------------------------------------------------------------------------

    @on(Button.Pressed, ".kiosk-language")
    def _switch_language(self) -> None:
        self.box.language = "en" if self.box.language == "zh" else "zh"

    @on(Button.Pressed, ".kiosk-back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, ".kiosk-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, ".kiosk-continue")
    def _continue_pressed(self) -> None:
        self.action_continue()

    def action_back(self) -> None:
        """The previous step, as it was left."""
        self.dismiss(None)

    def action_cancel(self) -> None:
        """Give up: seats back, choices forgotten, the attract screen."""
        end_customer_session(self.box, "cancel")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter continues only where Continue can be pressed."""
        if action == "continue":
            buttons = self.query(".kiosk-continue").results(Button)
            return any(not button.disabled for button in buttons)
        return True

    def action_continue(self) -> None:
        """The next step; steps with a Continue button override this."""
