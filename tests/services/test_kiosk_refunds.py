"""Refunds a customer makes at a kiosk by themselves: only what the policy lets a kiosk refund, once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from boxoffice.entry_tokens import sign_token
from boxoffice.errors import BoxOfficeError
from boxoffice.holds import live_claims
from boxoffice.kiosk_refunds import PaidBack, find_for_refund, record_paid_back, refund_at_kiosk
from boxoffice.pickup import lookup
from boxoffice.pickup_codes import check_digit
from boxoffice.pickup_guard import GuardPolicy
from boxoffice.refunds import RefundRequest, refund_tickets
from db.engine import transaction
from db.models import AuditEntry, Refund, RevokedToken, SaleOrder, Ticket
from tests.support.kiosk_refunds import CARD_REFERENCE, sell_unprinted
from tests.support.refunds import KEY, POLICY, PUBLIC, SIGNING, SUPERVISOR, sell_order

KIOSK = "kiosk-1"
GUARD = GuardPolicy()


def _find(store, text, now):
    with transaction(store) as session:
        return find_for_refund(session, text=text, terminal_id=KIOSK, key=KEY, public_key=PUBLIC, now=now,
                               guard=GUARD, current_policy=POLICY)


def _refund(store, order, now, key="kiosk-refund-1"):
    with transaction(store) as session:
        return refund_at_kiosk(session, order_id=order.order_id, ticket_ids=order.ticket_ids, terminal_id=KIOSK,
                               request_key=key, current_policy=POLICY, now=now)


def _refused(store, order, now) -> str:
    with pytest.raises(BoxOfficeError) as refused:
        _refund(store, order, now)
    with transaction(store, write=False) as session:
        assert session.exec(select(Refund)).all() == []
        assert set(session.exec(select(Ticket.status).where(Ticket.order_id == order.order_id)).all()) == {"valid"}
    return refused.value.code


def test_a_kiosk_refunds_an_unprinted_card_order_inside_the_free_window(demo_store, now):
    order = sell_unprinted(demo_store, now)
    found = _find(demo_store, order.pickup_code, now)
    assert found.error is None and found.preview is not None
    decision = found.preview.decision
    assert decision.allowed and decision.reason == "refund_free_window"
    assert decision.back_by_method() == {"card": decision.back_fen} and decision.back_fen > 0
    with transaction(demo_store, write=False) as session:
        sold = set(live_claims(session, showtime_id=order.showtime_id, now=now))

    result = _refund(demo_store, order, now)

    assert result.order_refunded and not result.repeated and result.decision == "refund_free_window"
    assert result.back_fen == decision.back_fen and result.cash_back_fen == 0
    assert [(b.method, b.reference) for b in result.back_by_payment] == [("card", CARD_REFERENCE)]
    with transaction(demo_store) as session:
        refund = session.get(Refund, result.refund_id)
        assert (refund.channel, refund.terminal_id, refund.staff_id) == ("kiosk", KIOSK, None)
        assert session.get(SaleOrder, order.order_id).status == "refunded"
        seats = {t.seat_id for t in session.exec(select(Ticket).where(Ticket.order_id == order.order_id))}
        assert not seats & set(live_claims(session, showtime_id=order.showtime_id, now=now)) and seats <= sold
        revoked = session.exec(select(RevokedToken.ticket_id, RevokedToken.reason)).all()
        assert sorted(revoked) == sorted((t, "refund") for t in order.ticket_ids)
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "refund")).one()
        assert (entry.terminal_id, entry.staff_id, entry.subject) == (KIOSK, None, order.reference)
        assert json.loads(entry.detail)["decision"] == "refund_free_window"
        assert lookup(session, text=order.pickup_code, key=KEY, public_key=PUBLIC, now=now).refusal \
            == "pickup_refunded"  # the pickup code is dead
        token = sign_token(SIGNING, session.get(Ticket, order.ticket_ids[0]))
    again = _find(demo_store, token, now)  # the ticket's QR code now says it was refunded
    assert again.preview is None and again.error is not None and again.error.code == "token_revoked"


def test_the_same_kiosk_refund_confirmed_twice_refunds_once(demo_store, now):
    order = sell_unprinted(demo_store, now, method="mobile")
    first = _refund(demo_store, order, now)
    second = _refund(demo_store, order, now + timedelta(seconds=1))
    assert second.repeated and second.refund_id == first.refund_id and second.back_fen == first.back_fen
    with transaction(demo_store, write=False) as session:
        assert len(session.exec(select(Refund)).all()) == 1
        assert len(session.exec(select(AuditEntry).where(AuditEntry.action == "refund")).all()) == 1


@pytest.mark.parametrize(("case", "code"), [
    ("printed", "refund_kiosk_printed"),
    ("cash", "refund_kiosk_cash"),
    ("fee_window", "refund_kiosk_not_allowed"),
    ("supervisor_window", "refund_kiosk_not_allowed"),
    ("started", "refund_after_start"),
])
def test_the_domain_refuses_at_a_kiosk_what_the_policy_keeps_for_the_counter(demo_store, now, case, code):
    order = sell_unprinted(demo_store, now, method="cash" if case == "cash" else "card",
                           printed=case == "printed")
    at = {"fee_window": order.starts_at - timedelta(hours=3),
          "supervisor_window": order.starts_at - timedelta(minutes=90),
          "started": order.starts_at + timedelta(minutes=1)}.get(case, now)
    found = _find(demo_store, order.pickup_code, at)
    assert found.preview is not None and not found.preview.decision.allowed
    assert found.preview.decision.reason == code  # the preview says it before anything changes
    assert _refused(demo_store, order, at) == code  # and the write refuses it, whatever a screen did


def test_a_counter_sale_handed_over_cannot_be_refunded_at_a_kiosk(demo_store, now):
    order = sell_order(demo_store, now, methods=("card", "cash"))
    assert _refused(demo_store, order, now) == "refund_kiosk_printed"


def test_a_kiosk_refund_takes_no_approval_or_note(demo_store, now):
    order = sell_unprinted(demo_store, now)
    request = RefundRequest(order_id=order.order_id, ticket_ids=order.ticket_ids, terminal_id=KIOSK, staff=None,
                            request_key="k", current_policy=POLICY, approver=SUPERVISOR, channel="kiosk")
    with pytest.raises(BoxOfficeError) as refused, transaction(demo_store) as session:
        refund_tickets(session, request, now)
    assert refused.value.code == "refund_kiosk_not_allowed"


def test_wrong_codes_at_the_refund_input_lock_it_as_pickup_does(demo_store, now):
    wrong = "123456789" + check_digit("123456789")  # a well-formed code nobody has
    outcomes = [_find(demo_store, wrong, now + timedelta(seconds=i)) for i in range(GUARD.max_wrong)]
    assert [o.error.code for o in outcomes] == ["pickup_not_found"] * GUARD.max_wrong
    assert outcomes[-1].locked_until is not None
    order = sell_unprinted(demo_store, now)
    locked = _find(demo_store, order.pickup_code, now + timedelta(seconds=10))
    assert locked.preview is None and locked.locked_until is not None  # even a good code waits
    body = order.pickup_code[:9]
    typo = _find(demo_store, body + str((int(check_digit(body)) + 1) % 10), now + timedelta(minutes=5))
    assert typo.error is not None and typo.error.code == "pickup_code_check" and typo.locked_until is None


def test_what_the_terminal_answered_is_audited_for_the_counter(demo_store, now):
    order = sell_unprinted(demo_store, now)
    result = _refund(demo_store, order, now)
    back = result.back_by_payment[0]
    with transaction(demo_store) as session:
        record_paid_back(session, refund=result, terminal_id=KIOSK, now=now,
                         paid_back=[PaidBack(back.payment_id, back.method, back.amount_fen, "timeout")])
    with transaction(demo_store, write=False) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "refund.paid_back")).one()
    detail = json.loads(entry.detail)
    assert detail["unconfirmed"] == [back.payment_id] and detail["refund_id"] == result.refund_id
