"""Buying, step 5: a ticket type for each seat, among those sold at kiosks, each with its price.

Only types the price card offers for the seat at this showtime *and* allowed at kiosks are shown (a staff ticket
never is). A type that needs an ID check at the door (student, senior) says so on its button, and a notice under
the list says it once more in words while such a type is chosen: the customer learns it before paying, not at
the door.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from boxoffice.i18n import format_money
from boxoffice.pricing import TicketTypeInfo, offered_types, price_for, show_context
from kiosk.kiosk_flow import CHANNEL
from kiosk.screens.kiosk_step import KioskStepScreen


class KioskTicketsScreen(KioskStepScreen):
    """One row per seat with a button per ticket type; the chosen one lit."""

    STEP = "types"
    CONTINUE = "buy.continue"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._offered: list[tuple[TicketTypeInfo, ...]] = []

    def compose_body(self) -> ComposeResult:
        """The prompt, a row per seat, the ID notice."""
        purchase = self.purchase
        assert purchase.card is not None and purchase.detail is not None
        show = show_context(purchase.detail.starts_at, purchase.detail.format, zone=self.box.config.site.zone)
        self._offered = [offered_types(purchase.card, show, seat.zone, purchase.types, channel=CHANNEL)
                         for seat in purchase.seats]
        if len(purchase.choice) != len(purchase.seats):
            purchase.choice = [offered[0].code if offered else "" for offered in self._offered]
        yield Static(classes="kiosk-prompt")
        yield Static(id="tickets-showtime")
        with VerticalScroll(id="tickets-rows"):
            for row, (seat, offered) in enumerate(zip(purchase.seats, self._offered, strict=True)):
                with Horizontal(classes="ticket-row"):
                    yield Static(classes="ticket-seat", id=f"ticket-seat-{row}")
                    for info in offered:
                        yield Button(id=f"type-{row}-{info.code}", classes="ticket-type")
        yield Static(id="tickets-id-check")

    def on_mount(self) -> None:
        """Focus the first seat's chosen type."""
        if self.purchase.seats and self.purchase.choice[0]:
            self.query_one(f"#type-0-{self.purchase.choice[0]}", Button).focus()

    def apply_step_language(self) -> None:
        """Seat names, type buttons with prices, and the ID notice, in the current language."""
        purchase, box = self.purchase, self.box
        assert purchase.card is not None and purchase.detail is not None
        english = box.language == "en"
        show = show_context(purchase.detail.starts_at, purchase.detail.format, zone=box.config.site.zone)
        self.query_one(".kiosk-prompt", Static).update(self.t("buy.choose_types"))
        self.query_one("#tickets-showtime", Static).update(self.showtime_line())
        for row, (seat, offered) in enumerate(zip(purchase.seats, self._offered, strict=True)):
            self.query_one(f"#ticket-seat-{row}", Static).update(
                f"[b]{seat.label}[/b]\n{self.t(f'zone.{seat.zone}')}")
            for info in offered:
                button = self.query_one(f"#type-{row}-{info.code}", Button)
                price = price_for(purchase.card, show, seat.zone, info.code) or 0
                name = info.name_en if english else info.name_zh
                mark = f" {self.t('buy.id_mark')}" if info.needs_id_check else ""
                button.label = f"{name}{mark}\n{format_money(price)}"
                chosen = purchase.choice[row] == info.code
                button.variant = "primary" if chosen else "default"
                button.set_class(chosen, "-chosen")
        needs = [info for info in purchase.types if info.needs_id_check and info.code in set(purchase.choice)]
        names = ("\u3001" if not english else ", ").join(info.name_en if english else info.name_zh for info in needs)
        self.query_one("#tickets-id-check", Static).update(
            f"[b $warning]! {self.t('buy.id_notice', types=names)}[/]" if needs else "")
        missing = [seat.label for seat, code in zip(purchase.seats, purchase.choice, strict=True) if not code]
        if missing:
            self.say(self.t("buy.no_type", seats=", ".join(missing)), error=True)
        self.set_continue(not missing)

    @on(Button.Pressed, ".ticket-type")
    def _chosen(self, event: Button.Pressed) -> None:
        """That type for that seat; the focus moves on to the next seat's type (the last: Continue), so Enter
        after Enter goes through the list."""
        _, row, code = (event.button.id or "").split("-", 2)
        self.purchase.choice[int(row)] = code
        self.apply_step_language()
        following = int(row) + 1
        if following < len(self.purchase.seats):
            self.query_one(f"#type-{following}-{self.purchase.choice[following]}", Button).focus()
        else:
            self.query_one(".kiosk-continue", Button).focus()

    def action_continue(self) -> None:
        """On to the phone number."""
        from kiosk.screens.kiosk_phone_screen import KioskPhoneScreen

        if all(self.purchase.choice):
            self.app.push_screen(KioskPhoneScreen(self.purchase))
