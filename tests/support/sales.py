"""Selling a real order in a demo store, with a phone number and a pickup code, as the counter does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import Engine
from sqlmodel import select

from boxoffice.holds import hold_seats
from boxoffice.sales import SaleLine, SaleRequest, SaleResult, complete_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.sms import queue_order_pickup_sms
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender
from db.engine import transaction
from db.models import Seat, Showtime

CASHIER = StaffMember(1, "1001", "王芳", "cashier")
TEMPLATE = "【{site}】取票码 {code}，{film} {time} {hall}，共{count}张。请在影院自助机或柜台取票。"
"""The shipped ``[sms] template_zh``."""


@dataclass(frozen=True)
class Sold:
    """A sale and the SMS it queued."""

    result: SaleResult
    message_id: int | None


def sell(engine: Engine, *, now: datetime, zone: tzinfo, key: bytes, phone: str | None, index: int = 0,
         template: str = TEMPLATE) -> Sold:
    """Sell seat ``index + 1`` of row F in hall 1 for the first showtime starting over an hour after ``now``,
    paid in cash, then queue its pickup SMS in the same transaction (as the payment screen does)."""
    with transaction(engine, write=False) as session:
        showtime = session.exec(select(Showtime).where(Showtime.auditorium_id == 1,
                                                       Showtime.starts_at > now + timedelta(hours=1))
                                .order_by(Showtime.starts_at)).first()
        assert showtime is not None
        seat = session.exec(select(Seat).where(Seat.auditorium_id == 1, Seat.row_label == "F")
                            .order_by(Seat.number).offset(index)).first()
        assert seat is not None
    with transaction(engine) as session:
        hold_seats(session, showtime_id=showtime.id, seat_ids=[seat.id], terminal_id="counter-1", staff_id=1,
                   now=now, hold_seconds=600)
    request = SaleRequest(showtime_id=showtime.id, lines=(SaleLine(seat.id, "adult"),),
                          tenders=(Tender("cash", 10000, tendered_fen=10000),), channel="counter",
                          terminal_id="counter-1", staff=CASHIER, request_key=f"sms-{index}", phone=phone)
    with transaction(engine) as session:
        result = complete_sale(session, request=request, now=now, zone=zone, rules=SeatRules(),
                               pickup_key=key)
        message = None
        if phone and result.pickup_code and not result.repeated:
            message = queue_order_pickup_sms(session, order_id=result.order_id, code=result.pickup_code,
                                             template=template, site_name="星光影城", zone=zone, key=key, now=now)
    return Sold(result, message)
