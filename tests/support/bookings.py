"""An order as an online booking leaves it: sold, coded, nobody has collected it yet."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import select

from boxoffice.holds import hold_seats
from boxoffice.sales import SaleLine, SaleRequest, complete_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.tender import Tender
from db.engine import transaction
from db.models import Seat, Showtime, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def book_online(engine, now, *, key, numbers=(4, 5)):
    """An order booked online in the demo cinema (nobody collected it), its pickup code drawn with ``key``.

    Until the bookings importer exists this sells through the counter's service and takes back the hand-over
    mark the counter sets, which leaves exactly what an import leaves.
    """
    with transaction(engine) as session:
        show = session.exec(select(Showtime).where(Showtime.starts_at > now, Showtime.auditorium_id == 1)
                            .order_by(Showtime.starts_at)).first()
        seats = [session.exec(select(Seat).where(Seat.auditorium_id == show.auditorium_id, Seat.row_label == "F",
                                                 Seat.number == n)).one().id for n in numbers]
        hold_seats(session, showtime_id=show.id, seat_ids=seats, terminal_id="web", staff_id=None, now=now,
                   hold_seconds=600)
    request = SaleRequest(showtime_id=show.id, lines=tuple(SaleLine(s, "adult") for s in seats),
                          tenders=(Tender("cash", 100000, tendered_fen=100000),), channel="counter",
                          terminal_id="web", staff=None, request_key="web-1", phone="13912345678")
    with transaction(engine) as session:
        result = complete_sale(session, request=request, now=now, zone=SHANGHAI, rules=SeatRules(no_single_gaps=False),
                               pickup_key=key)
        session.exec(update(Ticket).where(Ticket.order_id == result.order_id)
                     .values(picked_up_at=None, picked_up_terminal=None))
    return result
