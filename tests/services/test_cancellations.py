"""A cancelled showtime in a real store: every order refunded in full (fees too, admitted tickets too), the
customers listed with masked phones and told by SMS, and running it again refunds nobody twice."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import func, select

from boxoffice.cancellations import EXCHANGE, REFUND, SmsNotice, affected_orders, cancel_showtime
from boxoffice.errors import BoxOfficeError
from boxoffice.holds import hold_seats, live_claims
from boxoffice.pickup_codes import format_code
from boxoffice.refund_policy import policy_from_config
from boxoffice.sms import KIND_CANCELLED, open_body
from boxoffice.staff import StaffMember
from db.engine import transaction
from db.models import Payment, Refund, RefundPayment, SaleOrder, Showtime, SmsMessage, Ticket
from kiosk.config import Config
from tests.support.sales import CASHIER, sell

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = bytes(range(7, 39))
SUPERVISOR = StaffMember(2, "2001", "李强", "supervisor")
POLICY = policy_from_config(Config().refunds)
NOTICE = SmsNotice(template=Config().sms.cancelled_template_zh, site_name="星光影城", zone=SHANGHAI, key=KEY)


def _cancel(store, showtime_id, now, *, mode=REFUND, who=SUPERVISOR, reason="projector failed", notice=NOTICE):
    with transaction(store) as session:
        return cancel_showtime(session, showtime_id=showtime_id, supervisor=who, reason=reason,
                               terminal_id="counter-1", now=now, mode=mode, current_policy=POLICY, notice=notice)


def _three_orders(store, now):
    """Two orders with a phone, one without, all for the same showtime (one seat each)."""
    sold = [sell(store, now=now, zone=SHANGHAI, key=KEY, phone=phone, index=i)
            for i, phone in enumerate(("13812341234", None, "13900001111"))]
    with transaction(store, write=False) as session:
        showtime_id = session.get(SaleOrder, sold[0].result.order_id).showtime_id
    return sold, showtime_id


def _count(store, model, *where):
    with transaction(store, write=False) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_every_order_is_refunded_in_full_with_fees_and_the_seats_and_holds_are_released(demo_store, now):
    sold, showtime_id = _three_orders(demo_store, now)
    with transaction(demo_store) as session:  # a customer at a kiosk is choosing seats right now
        hold_seats(session, showtime_id=showtime_id, seat_ids=[_free_seat(session, showtime_id)],
                   terminal_id="kiosk-2", staff_id=None, now=now, hold_seconds=300)
    result = _cancel(demo_store, showtime_id, now)
    paid = sum(s.result.breakdown.total_fen for s in sold)
    assert result.newly_cancelled and result.refunded_orders == 3 and result.refunded_fen == paid
    with transaction(demo_store, write=False) as session:
        assert session.get(Showtime, showtime_id).status == "cancelled"
        assert live_claims(session, showtime_id=showtime_id, now=now) == {}  # sold seats and the kiosk's hold
        assert {t.status for t in session.exec(select(Ticket).where(Ticket.showtime_id == showtime_id))} == {"refunded"}
        backs = session.exec(select(RefundPayment)).all()
        assert sum(b.amount_fen for b in backs) == paid and {b.method for b in backs} == {"cash"}
        assert {r.decision for r in session.exec(select(Refund))} == {"refund_showtime_cancelled"}
    assert [o.refunded for o in result.orders] == [True, True, True]


def test_tickets_already_let_in_are_refunded_too_when_the_projector_fails_mid_show(demo_store, now):
    sold, showtime_id = _three_orders(demo_store, now)
    with transaction(demo_store) as session:
        session.exec(update(Ticket).where(Ticket.order_id == sold[0].result.order_id)
                     .values(admitted_at=now, admitted_terminal="door-1"))
    assert _cancel(demo_store, showtime_id, now).refunded_orders == 3


def test_customers_with_a_phone_get_a_sealed_notice_and_the_list_masks_phones(demo_store, now):
    sold, showtime_id = _three_orders(demo_store, now)
    result = _cancel(demo_store, showtime_id, now)
    assert result.notices == 2
    assert [o.phone_masked for o in result.orders] == ["138****1234", None, "139****1111"]
    assert [o.sms_status for o in result.orders] == ["queued", None, "queued"]
    with transaction(demo_store, write=False) as session:
        notices = session.exec(select(SmsMessage).where(SmsMessage.kind == KIND_CANCELLED)).all()
        text = open_body(notices[0].body_sealed, phone=notices[0].phone, key=KEY)
    assert "\u5df2\u53d6\u6d88" in text and "\u5168\u989d" in text  # 已取消 … 全额
    assert sold[0].result.pickup_code not in text and format_code(sold[0].result.pickup_code) not in text


def test_running_it_again_refunds_nobody_twice(demo_store, now):
    sold, showtime_id = _three_orders(demo_store, now)
    first = _cancel(demo_store, showtime_id, now)
    again = _cancel(demo_store, showtime_id, now)
    assert not again.newly_cancelled and again.refunded_orders == 0 and again.notices == 2
    assert _count(demo_store, Refund) == 3 and _count(demo_store, SmsMessage, SmsMessage.kind == KIND_CANCELLED) == 2
    assert [o.back_fen for o in again.orders] == [o.back_fen for o in first.orders]


def test_exchange_mode_keeps_the_orders_for_the_counter_and_tells_the_customers(demo_store, now):
    sold, showtime_id = _three_orders(demo_store, now)
    result = _cancel(demo_store, showtime_id, now, mode=EXCHANGE)
    assert result.refunded_orders == 0 and result.notices == 2
    assert _count(demo_store, Refund) == 0
    assert [o.valid_tickets for o in result.orders] == [1, 1, 1]
    with transaction(demo_store, write=False) as session:
        notice = session.exec(select(SmsMessage).where(SmsMessage.kind == KIND_CANCELLED)).first()
        assert "\u6539\u7b7e" in open_body(notice.body_sealed, phone=notice.phone, key=KEY)  # 改签


def test_only_a_supervisor_with_a_reason_may_cancel_and_a_refusal_changes_nothing(demo_store, now):
    sold, showtime_id = _three_orders(demo_store, now)
    for who, reason, code in ((CASHIER, "projector failed", "not_permitted"), (SUPERVISOR, "  ", "override_reason_missing")):
        with pytest.raises(BoxOfficeError) as caught:
            _cancel(demo_store, showtime_id, now, who=who, reason=reason)
        assert caught.value.code == code
    with transaction(demo_store, write=False) as session:
        assert session.get(Showtime, showtime_id).status == "scheduled"
    assert _count(demo_store, Refund) == 0 and _count(demo_store, Payment) == 3


def test_the_counter_lists_the_customers_of_a_cancelled_showtime(demo_store, now):
    sold, showtime_id = _three_orders(demo_store, now)
    _cancel(demo_store, showtime_id, now)
    with transaction(demo_store, write=False) as session:
        listed = affected_orders(session, showtime_id=showtime_id)
    assert [o.reference for o in listed] == [s.result.reference for s in sold]
    assert all(o.valid_tickets == 0 and o.tickets == 1 for o in listed)


def _free_seat(session, showtime_id):
    from db.models import Seat

    show = session.get(Showtime, showtime_id)
    taken = set(live_claims(session, showtime_id=showtime_id, now=show.starts_at))
    return next(s.id for s in session.exec(select(Seat).where(Seat.auditorium_id == show.auditorium_id,
                                                              Seat.row_label == "K")) if s.id not in taken)
