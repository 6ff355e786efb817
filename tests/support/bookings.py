"""An online booking as the platform's file brings it: sold, coded, nobody has collected it yet."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import select

from boxoffice.bookings import import_bookings
from boxoffice.pickup_codes import new_pickup_code
from db.engine import transaction
from db.models import Auditorium, SaleOrder, Showtime, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Booked:
    """What a test needs of the imported booking."""

    order_id: int
    pickup_code: str
    ticket_ids: tuple[int, ...]
    showtime_id: int


def book_online(engine: Engine, now: datetime, *, key: bytes, numbers: tuple[int, ...] = (4, 5),
                row: str = "F", booking_id: str = "MY-TEST-1", phone: str = "13912345678") -> Booked:
    """Import a one-booking file for seats ``row``+``numbers`` of hall 1's next showtime, with the platform's
    own pickup code (``boxoffice import bookings`` does the same)."""
    with transaction(engine, write=False) as session:
        show, hall = session.exec(select(Showtime, Auditorium).join(Auditorium)
                                  .where(Showtime.starts_at > now, Showtime.auditorium_id == 1)
                                  .order_by(Showtime.starts_at)).first()
    code = new_pickup_code()
    seats = [{"seat": f"{row}{n}", "ticket_type": "adult", "price_fen": 4500, "fee_fen": 300} for n in numbers]
    document = {"platform": "maoyan", "bookings": [{
        "booking_id": booking_id, "hall": hall.name,
        "starts_at": show.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
        "seats": seats, "phone": phone, "paid_fen": 4800 * len(numbers), "payment_reference": f"PAY-{booking_id}",
        "pickup_code": code}]}
    report = import_bookings(engine, json.dumps(document, ensure_ascii=False), source="test.json", now=now,
                             zone=SHANGHAI, pickup_key=key)
    assert report.count("imported") == 1, report.outcomes
    with transaction(engine, write=False) as session:
        order = session.exec(select(SaleOrder).where(SaleOrder.platform_booking_id == booking_id)).one()
        tickets = session.exec(select(Ticket.id).where(Ticket.order_id == order.id).order_by(Ticket.id)).all()
    return Booked(order.id, code, tuple(tickets), show.id)
