"""The seat map for an exchange: the customer's new seats, as many as the tickets they give up.

The counter's :class:`~kiosk.screens.seat_selection_screen.SeatSelectionScreen` as it is (live map, holds,
best N, seat rules, Escape gives the seats back and leaves), with a header that says it is an exchange and how
many seats to choose; Enter goes on to the exchange's ticket types and difference
(:class:`~kiosk.screens.exchange_payment_screen.ExchangePaymentScreen`) once exactly that many are held.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Static

from boxoffice.errors import BoxOfficeError
from boxoffice.exchanges import load_exchange_context
from boxoffice.hall import HallSeat
from boxoffice.staff import StaffMember
from kiosk.intents import run_intent
from kiosk.screens.exchange_payment_screen import ExchangePaymentScreen, ExchangePlan
from kiosk.screens.seat_selection_screen import SeatSelectionScreen


class ExchangeSeatScreen(SeatSelectionScreen):
    """New seats for an exchange; dismisses with the exchange (``ExchangeResult``), or None."""

    def __init__(self, staff: StaffMember, showtime_id: int, plan: ExchangePlan) -> None:
        """Open the map of the new showtime for ``plan``'s tickets."""
        super().__init__(staff, showtime_id)
        self.plan = plan

    @property
    def wanted(self) -> int:
        """How many seats the exchange needs."""
        return len(self.plan.old_tickets)

    def apply_language(self) -> None:
        """The map's texts, the header saying it is an exchange."""
        super().apply_language()
        if self.showtime is None:
            return
        header = self.query_one("#sale-header", Static)
        header.update(f"[b reverse] {self.t('exchange.title')} [/] "
                      f"[b]{self.t('exchange.seats_title', count=self.wanted)}[/b]  {header.content}")

    def checkout_screen(self, seats: tuple[HallSeat, ...]) -> Screen[Any] | None:
        """The exchange's types and difference, once as many seats as old tickets are held."""
        if len(seats) != self.wanted:
            self.app.bell()
            self.notify(self.t("exchange.seat_count", count=self.wanted, selected=len(seats)), severity="warning")
            return None
        assert self.showtime is not None and self._card is not None
        plan, showtime_id = self.plan, self.showtime_id
        try:
            context = run_intent(self.box.engine, lambda session: load_exchange_context(
                session, order_id=plan.order_id, showtime_id=showtime_id, fallback_policy=plan.fallback_policy),
                write=False, name="exchange context")
        except BoxOfficeError as error:
            self.box.show_error(error)
            return None
        return ExchangePaymentScreen(self.staff, self.showtime, seats, self._card, self._types, plan=plan,
                                     context=context)
