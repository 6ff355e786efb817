"""Finding an order at the counter from one input: reference, pickup code, ticket QR or phone number."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from boxoffice.entry_tokens import revoke, sign_token
from boxoffice.errors import BoxOfficeError
from boxoffice.order_lookup import find_orders, input_kind, normalize_reference, order_facts
from db.engine import transaction
from db.models import Ticket
from tests.support.bookings import book_online
from tests.support.sales import sell

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = bytes(range(100, 132))
SIGNING = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = SIGNING.public_key()


def _find(store, now, text):
    with transaction(store, write=False) as session:
        return find_orders(session, text=text, key=KEY, public_key=PUBLIC, now=now)


def test_input_kinds_are_told_apart():
    assert input_kind("1204-K7QH2MX9") == "reference"
    assert input_kind("1204k7qh2mx9") == "reference"
    assert input_kind("+86 138-1234-1234") == "phone"
    assert input_kind("123 456 7890") == "code"
    assert input_kind("1" * 194) == "token"
    assert input_kind("hello") is None
    assert normalize_reference(" 1204-k7qh2mx9 ") == "1204-K7QH2MX9"
    assert normalize_reference("1204-K7QH2MX0") is None  # no 0 in references


def test_an_order_is_found_by_reference_code_qr_and_phone(demo_store, now):
    booked = book_online(demo_store, now, key=KEY, phone="13912345678", numbers=(10, 11))
    later = sell(demo_store, now=now + timedelta(minutes=5), zone=SHANGHAI, key=KEY, phone="13912345678")
    other = sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone="13800001111", index=1)
    with transaction(demo_store, write=False) as session:
        ticket = session.get(Ticket, booked.ticket_ids[0])
        token = sign_token(SIGNING, ticket)
    assert _find(demo_store, now, later.result.reference.lower()) == [later.result.order_id]
    assert _find(demo_store, now, booked.pickup_code) == [booked.order_id]
    assert _find(demo_store, now, token) == [booked.order_id]
    assert _find(demo_store, now, "139 1234 5678") == [later.result.order_id, booked.order_id]  # newest first
    assert _find(demo_store, now, "13800001111") == [other.result.order_id]
    assert _find(demo_store, now, "13700000000") == []
    assert _find(demo_store, now, "0101-ABCDEFGH") == []


def test_a_revoked_tokens_order_is_still_found(demo_store, now):
    booked = book_online(demo_store, now, key=KEY)
    with transaction(demo_store) as session:
        token = sign_token(SIGNING, session.get(Ticket, booked.ticket_ids[0]))
        revoke(session, ticket_id=booked.ticket_ids[0], reason="refund", now=now)
    assert _find(demo_store, now, token) == [booked.order_id]


def test_garbage_is_refused_before_any_query(demo_store, now):
    with pytest.raises(BoxOfficeError) as refused:
        _find(demo_store, now, "not an order")
    assert refused.value.code == "order_lookup_unrecognised"
    with pytest.raises(BoxOfficeError) as typo:
        _find(demo_store, now, "1234567890")
    assert typo.value.code in ("pickup_code_check", "order_lookup_unrecognised")
    with pytest.raises(BoxOfficeError) as forged:
        _find(demo_store, now, "1" + "0" * 193)
    assert forged.value.code.startswith("token_")


def test_order_facts_read_tickets_and_payments(demo_store, now):
    booked = book_online(demo_store, now, key=KEY)
    with transaction(demo_store, write=False) as session:
        facts = order_facts(session, booked.order_id)
        types = session.exec(select(Ticket.id).where(Ticket.order_id == booked.order_id)).all()
    assert [t.id for t in facts.tickets] == list(types)
    assert all(t.price_fen == 4500 and t.fee_fen == 300 and t.ticket_type == "adult" for t in facts.tickets)
    assert not any(t.printed or t.picked_up or t.admitted for t in facts.tickets)
    assert [(p.method, p.amount_fen) for p in facts.payments] == [(facts.payments[0].method, 9600)]
    assert facts.earlier == ()
    with pytest.raises(BoxOfficeError) as missing, transaction(demo_store, write=False) as session:
        order_facts(session, 99999)
    assert missing.value.code == "order_not_found"
