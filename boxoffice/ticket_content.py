"""What goes on a printed ticket, receipt or pickup slip, read from the store.

The printing package never sees a database row: it lays out :class:`printing.TicketContent` and
:class:`printing.ReceiptContent` values. This module fills them from an order and its tickets, with times in the
cinema's zone, seat labels as the seat plan writes them, payment references and the phone number masked.

A ticket's number is its order reference and its position in the order (``1204-K7QH2MX9-02``), counting every
ticket of the order, so numbers stay the same when one ticket of the order is refunded later.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from boxoffice.entry_tokens import sign_token
from boxoffice.errors import BoxOfficeError
from boxoffice.pickup_codes import format_code
from boxoffice.privacy import mask_phone
from boxoffice.seatplan import seat_label
from db.models import (
    Auditorium,
    Film,
    Payment,
    Refund,
    RefundPayment,
    RefundTicket,
    SaleOrder,
    Seat,
    Showtime,
    Terminal,
    Ticket,
    TicketType,
)
from printing.tickets import PickupSlipContent, ReceiptContent, TicketContent

_ticket = Ticket.__table__  # type: ignore[attr-defined]
_order = SaleOrder.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]
_film = Film.__table__  # type: ignore[attr-defined]
_hall = Auditorium.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_type = TicketType.__table__  # type: ignore[attr-defined]
_terminal = Terminal.__table__  # type: ignore[attr-defined]
_payment = Payment.__table__  # type: ignore[attr-defined]

_ORDER = (
    select(
        _order.c.reference, _order.c.created_at, _order.c.total_fen, _order.c.customer_phone,
        _order.c.terminal_id, func.coalesce(_terminal.c.name, _order.c.terminal_id).label("terminal_name"),
        _film.c.title_zh, _film.c.title_en, _hall.c.name.label("hall_zh"), _hall.c.name_en.label("hall_en"),
        _show.c.starts_at,
    )
    .select_from(
        _order.join(_show, _show.c.id == _order.c.showtime_id)
        .join(_film, _film.c.id == _show.c.film_id)
        .join(_hall, _hall.c.id == _show.c.auditorium_id)
        .outerjoin(_terminal, _terminal.c.id == _order.c.terminal_id)
    )
    .where(_order.c.id == bindparam("p_order"))
)
_TICKETS = (
    select(
        _ticket.c.id, _ticket.c.status, _ticket.c.price_fen, _ticket.c.fee_fen, _ticket.c.secret,
        _ticket.c.showtime_id, _ticket.c.seat_id, _ticket.c.token_nonce, _ticket.c.printed_count, _seat.c.row_label, _seat.c.number, _type.c.name_zh, _type.c.name_en,
    )
    .select_from(_ticket.join(_seat, _seat.c.id == _ticket.c.seat_id).join(_type, _type.c.id == _ticket.c.ticket_type_id))
    .where(_ticket.c.order_id == bindparam("p_order"))
    .order_by(_ticket.c.id)
)
_ORDER_OF_TICKET = select(_ticket.c.order_id).where(_ticket.c.id == bindparam("p_ticket"))
_PAYMENTS = (
    select(_payment.c.method, _payment.c.amount_fen, _payment.c.tendered_fen, _payment.c.change_fen,
           _payment.c.reference)
    .where(_payment.c.order_id == bindparam("p_order"))
    .order_by(_payment.c.id)
)


def ticket_number(reference: str, index: int) -> str:
    """``1204-K7QH2MX9-02`` for the second ticket (``index`` counts from 1) of order ``1204-K7QH2MX9``."""
    return f"{reference}-{index:02d}"


def mask_reference(reference: str | None) -> str:
    """A payment reference as a receipt shows it: ``**** 3C4D``, nothing for cash."""
    value = (reference or "").strip()
    if not value:
        return ""
    return f"**** {value[-4:]}" if len(value) > 4 else "****"


def _order_row(session: Session, order_id: int) -> Any:
    row = session.connection().execute(_ORDER, {"p_order": order_id}).first()
    if row is None:
        raise BoxOfficeError("print_order_unknown", "no such order", order_id=order_id)
    return row


def _hall_name(order: Any) -> str:
    english = (order.hall_en or "").strip()
    return f"{order.hall_zh} {english}" if english and english != order.hall_zh else order.hall_zh


def qr_payload(ticket: Any, signing_key: Ed25519PrivateKey | None) -> str:
    """What the ticket's QR code carries: the Ed25519-signed entry token (a door checks it with the public key
    alone); tickets sold before tokens existed, or printed where no signing key is loaded, carry their secret."""
    if signing_key is not None and ticket.token_nonce:
        return sign_token(signing_key, ticket)
    return str(ticket.secret)


def _content(order: Any, ticket: Any, index: int, *, zone: tzinfo, cinema_zh: str, cinema_en: str,
             reprint: int, signing_key: Ed25519PrivateKey | None = None) -> TicketContent:
    return TicketContent(
        cinema_zh=cinema_zh,
        cinema_en=cinema_en,
        film_zh=order.title_zh,
        film_en=order.title_en or "",
        hall=_hall_name(order),
        starts_local=order.starts_at.astimezone(zone),
        row_label=ticket.row_label,
        seat_number=ticket.number,
        seat_label=seat_label(ticket.row_label, ticket.number),
        ticket_type_zh=ticket.name_zh,
        ticket_type_en=ticket.name_en,
        price_fen=ticket.price_fen,
        fee_fen=ticket.fee_fen,
        order_reference=order.reference,
        ticket_number=ticket_number(order.reference, index),
        sold_at_local=order.created_at.astimezone(zone),
        terminal_name=order.terminal_name,
        qr_payload=qr_payload(ticket, signing_key),
        reprint=reprint,
    )


def ticket_contents(session: Session, *, order_id: int, zone: tzinfo, cinema_zh: str,
                    cinema_en: str, signing_key: Ed25519PrivateKey | None = None) -> list[TicketContent]:
    """The contents of an order's valid tickets, in ticket order (first prints: ``reprint`` 0).

    Raises:
        BoxOfficeError: ``print_order_unknown``.
    """
    order = _order_row(session, order_id)
    tickets = session.connection().execute(_TICKETS, {"p_order": order_id}).all()
    return [_content(order, t, index, zone=zone, cinema_zh=cinema_zh, cinema_en=cinema_en, reprint=0,
                     signing_key=signing_key)
            for index, t in enumerate(tickets, start=1) if t.status == "valid"]


def ticket_content(session: Session, *, ticket_id: int, zone: tzinfo, cinema_zh: str, cinema_en: str,
                   reprint: int = 0, require_valid: bool = False,
                   signing_key: Ed25519PrivateKey | None = None) -> TicketContent:
    """The content of one ticket, marked "REPRINT n" when ``reprint`` is n.

    Raises:
        BoxOfficeError: ``print_ticket_unknown``; ``print_ticket_not_valid`` when ``require_valid`` and the
            ticket was refunded or exchanged.
    """
    connection = session.connection()
    order_id = connection.execute(_ORDER_OF_TICKET, {"p_ticket": ticket_id}).scalar()
    if order_id is None:
        raise BoxOfficeError("print_ticket_unknown", "no such ticket", ticket_id=ticket_id)
    order = _order_row(session, order_id)
    for index, t in enumerate(connection.execute(_TICKETS, {"p_order": order_id}), start=1):
        if t.id == ticket_id:
            if require_valid and t.status != "valid":
                raise BoxOfficeError("print_ticket_not_valid", "this ticket is no longer valid", status=t.status)
            return _content(order, t, index, zone=zone, cinema_zh=cinema_zh, cinema_en=cinema_en, reprint=reprint,
                            signing_key=signing_key)
    raise BoxOfficeError("print_ticket_unknown", "no such ticket", ticket_id=ticket_id)  # pragma: no cover


def pickup_slip_content(session: Session, *, order_id: int, pickup_code: str, zone: tzinfo, cinema_zh: str,
                        cinema_en: str, now: datetime) -> PickupSlipContent:
    """The pickup slip of an order a kiosk could not print: its valid tickets not printed yet (all valid ones if
    every one printed meanwhile), and the code as the sale returned it (never read from the store).

    Raises:
        BoxOfficeError: ``print_order_unknown``.
    """
    order = _order_row(session, order_id)
    valid = [t for t in session.connection().execute(_TICKETS, {"p_order": order_id}) if t.status == "valid"]
    to_collect = [t for t in valid if not t.printed_count] or valid
    return PickupSlipContent(
        cinema_zh=cinema_zh,
        cinema_en=cinema_en,
        order_reference=order.reference,
        film_zh=order.title_zh,
        film_en=order.title_en or "",
        hall=_hall_name(order),
        starts_local=order.starts_at.astimezone(zone),
        seats=tuple((t.row_label, t.number) for t in to_collect),
        pickup_code=format_code(pickup_code),
        at_local=now.astimezone(zone),
        terminal_name=order.terminal_name,
    )


def receipt_content(session: Session, *, order_id: int, zone: tzinfo, cinema: str) -> ReceiptContent:
    """The sale receipt of an order: one line per ticket sold, fees, any discount, payments, change, phone.

    Cash shows what the customer handed over (the change line gives the rest back); card and mobile
    references show only their last four characters.

    Raises:
        BoxOfficeError: ``print_order_unknown``.
    """
    order = _order_row(session, order_id)
    connection = session.connection()
    tickets = connection.execute(_TICKETS, {"p_order": order_id}).all()
    items: list[tuple[str, int]] = [
        (f"{order.title_zh} {t.row_label}排{t.number}座 {t.name_zh}", t.price_fen) for t in tickets
    ]
    fees = sum(t.fee_fen for t in tickets)
    discount = sum(amount for _, amount in items) + fees - order.total_fen
    if discount > 0:
        items.append(("优惠 Discount", -discount))
    payments = connection.execute(_PAYMENTS, {"p_order": order_id}).all()
    return ReceiptContent(
        kind="sale",
        cinema=cinema,
        order_reference=order.reference,
        items=tuple(items),
        fees_fen=fees,
        total_fen=order.total_fen,
        payments=tuple(
            (p.method, p.tendered_fen if p.method == "cash" and p.tendered_fen else p.amount_fen,
             mask_reference(p.reference))
            for p in payments
        ),
        change_fen=sum(p.change_fen or 0 for p in payments),
        masked_phone=mask_phone(order.customer_phone) if order.customer_phone else None,
        at_local=order.created_at.astimezone(zone),
        terminal_name=order.terminal_name,
    )


_refund = Refund.__table__  # type: ignore[attr-defined]
_refund_ticket = RefundTicket.__table__  # type: ignore[attr-defined]
_refund_payment = RefundPayment.__table__  # type: ignore[attr-defined]
_REFUND = (
    select(_refund, func.coalesce(_terminal.c.name, _refund.c.terminal_id).label("terminal_name"))
    .select_from(_refund.outerjoin(_terminal, _terminal.c.id == _refund.c.terminal_id))
    .where(_refund.c.id == bindparam("p_refund"))
)
_REFUND_TICKETS = select(_refund_ticket.c.ticket_id, _refund_ticket.c.gross_fen).where(
    _refund_ticket.c.refund_id == bindparam("p_refund")).order_by(_refund_ticket.c.ticket_id)
_REFUND_PAYMENTS = select(_refund_payment.c.method, _refund_payment.c.amount_fen, _refund_payment.c.reference).where(
    _refund_payment.c.refund_id == bindparam("p_refund")).order_by(_refund_payment.c.id)


def refund_receipt_content(session: Session, *, refund_id: int, zone: tzinfo, cinema: str) -> ReceiptContent:
    """The receipt of a refund: each ticket refunded (number, seat, type, what was paid), the fees kept, the
    amount back per payment method with card and mobile references masked, the phone masked.

    Raises:
        BoxOfficeError: ``print_order_unknown`` (no such refund or order).
    """
    connection = session.connection()
    refund = connection.execute(_REFUND, {"p_refund": refund_id}).first()
    if refund is None:
        raise BoxOfficeError("print_order_unknown", "no such refund", refund_id=refund_id)
    order = _order_row(session, refund.order_id)
    numbers = {t.id: (index, t) for index, t in
               enumerate(connection.execute(_TICKETS, {"p_order": refund.order_id}), start=1)}
    items = []
    for row in connection.execute(_REFUND_TICKETS, {"p_refund": refund_id}):
        index, t = numbers[row.ticket_id]
        items.append((f"{ticket_number(order.reference, index)} {t.row_label}排{t.number}座 {t.name_zh}",
                      row.gross_fen))
    return ReceiptContent(
        kind="refund",
        cinema=cinema,
        order_reference=order.reference,
        items=tuple(items),
        deductions=(("服务费不退 Service fee kept", refund.kept_fee_fen),
                    ("退票手续费 Refund fee", refund.percent_fee_fen),
                    ("固定手续费 Fixed fee", refund.fixed_fee_fen)),
        fees_fen=0,
        total_fen=refund.back_fen,
        payments=tuple((p.method, p.amount_fen, mask_reference(p.reference))
                       for p in connection.execute(_REFUND_PAYMENTS, {"p_refund": refund_id})),
        change_fen=0,
        masked_phone=mask_phone(order.customer_phone) if order.customer_phone else None,
        at_local=refund.created_at.astimezone(zone),
        terminal_name=refund.terminal_name,
    )
