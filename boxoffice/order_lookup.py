"""Finding an order from what a customer brings to the counter, and reading it as the decisions see it.

A refund or an exchange starts with one input. A person types or scans whatever the customer has:

* the order reference from the receipt (``1204-K7QH2MX9``; the dash and the case do not matter);
* the 10-digit pickup code from the SMS (checked by its check digit before any query);
* a ticket's QR code (an entry token: its signature is checked before any query; a refunded or replaced ticket's
  token still finds its order, so that the screen can say what became of it);
* the customer's mobile number (11 digits, ``+86`` and separators allowed): that customer's orders, newest first.

:func:`find_orders` turns any of these into order ids; :func:`order_facts` reads one order into the frozen
:class:`~boxoffice.refund_rules.OrderFacts` that :func:`~boxoffice.refund_rules.decide_refund` and
:func:`~boxoffice.exchange_rules.decide_exchange` take, with what earlier refunds already paid back per payment
(``OrderFacts.earlier``: pass it on as ``earlier=``), so that refunds of parts of an order add up.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import bindparam, func, select, union_all
from sqlmodel import Session

from boxoffice.entry_tokens import verify_token
from boxoffice.errors import BoxOfficeError
from boxoffice.pickup import find_order_by_code, looks_like_token
from boxoffice.pickup_codes import normalize as normalize_code
from boxoffice.privacy import normalize_phone
from boxoffice.refund_rules import OrderFacts, PaymentBack, PaymentFacts, ShowtimeFacts, TicketFacts
from db.models import (
    Exchange,
    ExchangePayment,
    Payment,
    Refund,
    RefundPayment,
    SaleOrder,
    Showtime,
    Ticket,
    TicketType,
)

__all__ = ["MAX_PHONE_ORDERS", "find_orders", "input_kind", "normalize_reference", "order_facts"]

MAX_PHONE_ORDERS = 50
"""At most this many of a phone number's orders are listed (newest first)."""

_REFERENCE = re.compile(r"([0-9]{4})-?([2-9A-HJ-NP-Z]{8})")
"""``MMDD-XXXXXXXX`` as :func:`boxoffice.sales.new_reference` makes it (no 0/O, 1/I in the suffix)."""

_order = SaleOrder.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_type = TicketType.__table__  # type: ignore[attr-defined]
_payment = Payment.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]
_refund = Refund.__table__  # type: ignore[attr-defined]
_refund_payment = RefundPayment.__table__  # type: ignore[attr-defined]
_exchange = Exchange.__table__  # type: ignore[attr-defined]
_exchange_payment = ExchangePayment.__table__  # type: ignore[attr-defined]

_BY_REFERENCE = select(_order.c.id).where(_order.c.reference == bindparam("p_reference"))
_BY_PHONE = (
    select(_order.c.id).where(_order.c.customer_phone == bindparam("p_phone"))
    .order_by(_order.c.created_at.desc(), _order.c.id.desc()).limit(MAX_PHONE_ORDERS)
)
_ORDER_OF_TICKET = select(_ticket.c.order_id).where(_ticket.c.id == bindparam("p_ticket"))
_SHOWTIME = (
    select(_show.c.id, _show.c.film_id, _show.c.starts_at, _show.c.status)
    .select_from(_order.join(_show, _show.c.id == _order.c.showtime_id))
    .where(_order.c.id == bindparam("p_order"))
)
_TICKETS = (
    select(_ticket.c.id, _ticket.c.price_fen, _ticket.c.fee_fen, _type.c.code, _ticket.c.status,
           _ticket.c.printed_count, _ticket.c.picked_up_at, _ticket.c.admitted_at)
    .select_from(_ticket.join(_type, _type.c.id == _ticket.c.ticket_type_id))
    .where(_ticket.c.order_id == bindparam("p_order"))
    .order_by(_ticket.c.id)
)
_PAYMENTS = (
    select(_payment.c.id, _payment.c.method, _payment.c.amount_fen, _payment.c.reference)
    .where(_payment.c.order_id == bindparam("p_order"), _payment.c.amount_fen > 0)
    .order_by(_payment.c.id)
)
_USED_UP = union_all(
    select(_refund_payment.c.payment_id, _refund_payment.c.method, _refund_payment.c.amount_fen)
    .select_from(_refund_payment.join(_refund, _refund.c.id == _refund_payment.c.refund_id))
    .where(_refund.c.order_id == bindparam("p_order")),
    # What exchanges paid back from, or carried over to the new order out of, this order's payments.
    select(_exchange_payment.c.payment_id, _exchange_payment.c.method, _exchange_payment.c.amount_fen)
    .select_from(_exchange_payment.join(_exchange, _exchange.c.id == _exchange_payment.c.exchange_id))
    .where(_exchange.c.old_order_id == bindparam("p_order")),
).subquery()
_EARLIER = (
    select(_USED_UP.c.payment_id, _USED_UP.c.method, func.sum(_USED_UP.c.amount_fen).label("amount_fen"))
    .group_by(_USED_UP.c.payment_id, _USED_UP.c.method)
    .order_by(_USED_UP.c.payment_id)
)


def normalize_reference(text: str) -> str | None:
    """The order reference in ``text`` (``1204-k7qh2mx9`` → ``1204-K7QH2MX9``), or None when it is not one."""
    folded = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    match = _REFERENCE.fullmatch(folded)
    return f"{match.group(1)}-{match.group(2)}" if match else None


def input_kind(text: str) -> str | None:
    """What the text looks like: ``token``, ``phone``, ``code``, ``reference``, or None (nothing we know)."""
    if not text.strip():
        return None
    if normalize_phone(text) is not None:
        return "phone"
    if normalize_reference(text) is not None:
        return "reference"
    if normalize_code(text) is not None:
        return "code"
    if looks_like_token(text):
        return "token"
    return None


def find_orders(session: Session, *, text: str, key: bytes, public_key: Ed25519PublicKey,
                now: datetime) -> list[int]:
    """The orders that what was typed or scanned names: one for a reference, code or ticket QR; a phone
    number's orders newest first (at most :data:`MAX_PHONE_ORDERS`); an empty list when none has it.

    Orders are found whatever their state (refunded, over): what may be done with them is the caller's part.

    Args:
        text: what the person typed or the scanner typed.
        key: the site's pickup key (for pickup codes).
        public_key: the site's entry-token public key (for QR codes).
        now: UTC-aware (for symmetry with the other lookups; the lookup itself does not depend on it).

    Raises:
        BoxOfficeError: ``order_lookup_unrecognised`` when the text is none of these; ``pickup_code_check``
            for a code whose check digit is wrong; ``token_malformed``/``token_signature``/``token_version``
            for a scan that is not a genuine ticket — each before any query.
    """
    del now
    connection = session.connection()
    kind = input_kind(text)
    if kind == "phone":
        return [int(i) for i in connection.execute(_BY_PHONE, {"p_phone": normalize_phone(text)}).scalars()]
    if kind == "reference":
        found = connection.execute(_BY_REFERENCE, {"p_reference": normalize_reference(text)}).scalar()
    elif kind == "code":
        found = find_order_by_code(session, code_text=text, key=key)
    elif kind == "token":
        claims = verify_token(public_key, "".join(text.split()))
        found = connection.execute(_ORDER_OF_TICKET, {"p_ticket": claims.ticket_id}).scalar()
    else:
        raise BoxOfficeError("order_lookup_unrecognised",
                             "not an order reference, pickup code, ticket QR code or mobile number")
    return [] if found is None else [int(found)]


def order_facts(session: Session, order_id: int) -> OrderFacts:
    """The order as :func:`~boxoffice.refund_rules.decide_refund` and ``decide_exchange`` see it.

    Every ticket whatever its status (printed: printed at least once; picked up; admitted), the payments that
    took money (positive amounts, in the order taken), and in ``earlier`` what recorded refunds already gave back
    per payment, and what exchanges paid back from it or carried over to their new order.

    Raises:
        BoxOfficeError: ``order_not_found``.
    """
    connection = session.connection()
    show = connection.execute(_SHOWTIME, {"p_order": order_id}).first()
    if show is None:
        raise BoxOfficeError("order_not_found", "no such order", order_id=order_id)
    tickets = tuple(
        TicketFacts(id=row.id, price_fen=row.price_fen, fee_fen=row.fee_fen, ticket_type=row.code, status=row.status,
                    printed=row.printed_count > 0, picked_up=row.picked_up_at is not None,
                    admitted=row.admitted_at is not None)
        for row in connection.execute(_TICKETS, {"p_order": order_id})
    )
    payments = tuple(PaymentFacts(row.id, row.method, row.amount_fen, row.reference)
                     for row in connection.execute(_PAYMENTS, {"p_order": order_id}))
    references = {payment.id: payment.reference for payment in payments}
    earlier = tuple(PaymentBack(row.payment_id, row.method, int(row.amount_fen), references.get(row.payment_id))
                    for row in connection.execute(_EARLIER, {"p_order": order_id}) if row.amount_fen)
    return OrderFacts(
        showtime=ShowtimeFacts(show.id, show.film_id, show.starts_at, cancelled=show.status == "cancelled"),
        tickets=tickets, payments=payments, earlier=earlier,
    )
