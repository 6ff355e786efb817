"""Orders to refund: a counter sale of some seats of a demo showtime, paid as the test says, and a refund request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlmodel import select

from boxoffice.holds import hold_seats
from boxoffice.refund_policy import RefundPolicy
from boxoffice.refunds import RefundRequest
from boxoffice.sales import SaleLine, SaleRequest, complete_sale, quote_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender
from db.engine import transaction
from db.models import Seat, Showtime, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = bytes(range(100, 132))
SIGNING = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = SIGNING.public_key()
CASHIER = StaffMember(1, "1001", "王芳", "cashier")
SUPERVISOR = StaffMember(2, "2001", "李强", "supervisor")
POLICY = RefundPolicy()
"""The shipped windows: free from 24 h before, 10 % + ¥2 from 2 h, 20 % + ¥2 with a supervisor until the start."""


@dataclass(frozen=True)
class Order:
    """A sold order, what the test needs of it."""

    order_id: int
    reference: str
    ticket_ids: tuple[int, ...]
    showtime_id: int
    starts_at: datetime
    total_fen: int
    pickup_code: str | None


def sell_order(engine: Engine, now: datetime, *, seats: tuple[int, ...] = (1, 2), row: str = "F",
               methods: tuple[str, ...] = ("cash",), hours_ahead: float = 30, phone: str | None = "13912345678",
               key: str = "sale-1", policy_id: int | None = None) -> Order:
    """Sell seats ``row``+``seats`` of hall 1's first showtime at least ``hours_ahead`` hours after ``now``.

    ``methods``: one payment per method; a card or mobile payment takes ¥10 (mobile ¥20), cash the rest.
    """
    with transaction(engine) as session:
        show = session.exec(select(Showtime).where(
            Showtime.auditorium_id == 1, Showtime.starts_at >= now + timedelta(hours=hours_ahead))
            .order_by(Showtime.starts_at)).first()
        assert show is not None
        seat_ids = [session.exec(select(Seat).where(Seat.auditorium_id == 1, Seat.row_label == row,
                                                    Seat.number == n)).one().id for n in seats]
        hold_seats(session, showtime_id=show.id, seat_ids=seat_ids, terminal_id="counter-1", staff_id=1, now=now,
                   hold_seconds=600)
        lines = tuple(SaleLine(s, "adult") for s in seat_ids)
        total = quote_sale(session, showtime_id=show.id, lines=lines, channel="counter", zone=SHANGHAI).total_fen
    tenders, left = [], total
    for method in methods:
        if method == "card":
            tenders.append(Tender("card", 1000, reference="T20261204A1"))
            left -= 1000
        elif method == "mobile":
            tenders.append(Tender("mobile", 2000, reference="1" + "0" * 27))
            left -= 2000
    if "cash" in methods:
        tenders.append(Tender("cash", left, tendered_fen=left + 1000))
    request = SaleRequest(showtime_id=show.id, lines=lines, tenders=tuple(tenders), channel="counter",
                          terminal_id="counter-1", staff=CASHIER, request_key=key, phone=phone,
                          refund_policy_id=policy_id)
    with transaction(engine) as session:
        result = complete_sale(session, request=request, now=now, zone=SHANGHAI, rules=SeatRules(), pickup_key=KEY)
    return Order(result.order_id, result.reference, result.ticket_ids, show.id, show.starts_at, total,
                 result.pickup_code)


def tokens_of(engine: Engine, ticket_ids: tuple[int, ...]) -> tuple[str, ...]:
    """The QR texts printed on these tickets."""
    from boxoffice.entry_tokens import sign_token

    with transaction(engine, write=False) as session:
        return tuple(sign_token(SIGNING, session.get(Ticket, t)) for t in ticket_ids)


def request(order: Order, ticket_ids: tuple[int, ...] | None = None, *, key: str = "refund-1",
            engine: Engine | None = None, returned: bool = True, **changes: object) -> RefundRequest:
    """A counter refund of ``ticket_ids`` (all of the order's by default) by the cashier; with ``engine`` and
    ``returned``, the tickets' QR codes are scanned back."""
    ids = order.ticket_ids if ticket_ids is None else ticket_ids
    tokens = tokens_of(engine, ids) if engine is not None and returned else ()
    values: dict[str, object] = {
        "order_id": order.order_id, "ticket_ids": ids, "terminal_id": "counter-1", "staff": CASHIER,
        "request_key": key, "current_policy": POLICY, "returned_tokens": tokens, "public_key": PUBLIC,
        "printer": "front",
    }
    values.update(changes)
    return RefundRequest(**values)  # type: ignore[arg-type]
