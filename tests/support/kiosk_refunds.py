"""Orders a customer may bring to a kiosk to refund: sold and paid, with tickets nobody has printed or collected.

A kiosk sale hands its tickets over as they print; when the kiosk cannot print them
(:func:`boxoffice.pickup.release_unprinted`) they wait, unprinted, to be collected with the pickup code. Those,
paid by card or mobile, are what a kiosk may refund by itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import select

from boxoffice.holds import hold_seats
from boxoffice.pickup import release_unprinted
from boxoffice.sales import SaleLine, SaleRequest, complete_sale, quote_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.tender import Tender
from db.engine import transaction
from db.models import Seat, Showtime
from tests.support.refunds import KEY, SHANGHAI, Order

CARD_REFERENCE = "SIMQ7K2M9P4X"
MOBILE_REFERENCE = "4200" + "7" * 24


def sell_unprinted(engine: Engine, now: datetime, *, method: str = "card", seats: tuple[int, ...] = (1, 2),
                   row: str = "G", hours_ahead: float = 30, terminal_id: str = "kiosk-9", printed: bool = False,
                   key: str = "kiosk-sale-1", pickup_key: bytes = KEY, phone: str | None = "13912345678") -> Order:
    """Sell seats ``row``+``seats`` of hall 1's first showtime at least ``hours_ahead`` hours after ``now`` at a
    kiosk (``terminal_id``), paid in full by ``method`` (card, mobile or cash), then — unless ``printed`` — let
    the kiosk fail to print them, so that they wait unprinted with the pickup code."""
    with transaction(engine) as session:
        show = session.exec(select(Showtime).where(
            Showtime.auditorium_id == 1, Showtime.starts_at >= now + timedelta(hours=hours_ahead))
            .order_by(Showtime.starts_at)).first()
        assert show is not None
        seat_ids = [session.exec(select(Seat).where(Seat.auditorium_id == 1, Seat.row_label == row,
                                                    Seat.number == n)).one().id for n in seats]
        hold_seats(session, showtime_id=show.id, seat_ids=seat_ids, terminal_id=terminal_id, staff_id=None,
                   now=now, hold_seconds=600)
        lines = tuple(SaleLine(s, "adult") for s in seat_ids)
        total = quote_sale(session, showtime_id=show.id, lines=lines, channel="kiosk", zone=SHANGHAI).total_fen
    tender = {"card": Tender("card", total, reference=CARD_REFERENCE),
              "mobile": Tender("mobile", total, reference=MOBILE_REFERENCE),
              "cash": Tender("cash", total, tendered_fen=total)}[method]
    request = SaleRequest(showtime_id=show.id, lines=lines, tenders=(tender,), channel="kiosk",
                          terminal_id=terminal_id, staff=None, request_key=key, phone=phone)
    with transaction(engine) as session:
        result = complete_sale(session, request=request, now=now, zone=SHANGHAI, rules=SeatRules(),
                               pickup_key=pickup_key)
        if not printed:
            release_unprinted(session, order_id=result.order_id, terminal_id=terminal_id, now=now)
    return Order(result.order_id, result.reference, result.ticket_ids, show.id, show.starts_at, total,
                 result.pickup_code)
