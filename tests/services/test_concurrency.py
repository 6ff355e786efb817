"""Rules a constraint cannot hold, with two terminals writing at once: one transaction is left open while another
terminal's starts in a thread and must wait for it (SQLite: the write lock of BEGIN IMMEDIATE; PostgreSQL: the
row locks the services take), then sees what the first one committed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from boxoffice.best_available import best_available
from boxoffice.bookings import import_bookings
from boxoffice.cancellations import REFUND, cancel_showtime
from boxoffice.errors import BoxOfficeError
from boxoffice.exchanges import ExchangeRequest, ExchangeSeat, commit_exchange, prepare_exchange
from boxoffice.hall import load_hall
from boxoffice.holds import claim_owners, hold_seats
from boxoffice.print_queue import reprint_ticket
from boxoffice.refund_policy import policy_from_config
from boxoffice.refunds import refund_tickets
from boxoffice.sales import SaleLine, SaleRequest, commit_sale, prepare_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.staff import StaffMember, sign_in
from boxoffice.tender import Tender
from db.engine import transaction
from db.models import Auditorium, SaleOrder, Seat, Showtime, Staff, Ticket
from kiosk.config import Config
from tests.support.refunds import request as refund_request
from tests.support.refunds import sell_order
from tests.support.sales import CASHIER, sell

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = bytes(range(32))
SUPERVISOR = StaffMember(2, "2001", "李强", "supervisor")
POLICY = policy_from_config(Config().refunds)
WAIT_S = 0.5
"""How long the second terminal is given to show that it waits (it would finish in milliseconds otherwise)."""


class _Second:
    """Another terminal's intent, run in a thread with its own connection."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.result = work()
            except BaseException as error:  # noqa: BLE001  (handed to the test)
                self.error = error

        self._thread = threading.Thread(target=run)
        self._thread.start()

    def is_waiting(self) -> bool:
        time.sleep(WAIT_S)
        return self._thread.is_alive()

    def outcome(self) -> Any:
        self._thread.join(timeout=30)
        assert not self._thread.is_alive()
        if self.error is not None:
            raise self.error
        return self.result


def _cancel(store, showtime_id, now):
    with transaction(store) as session:
        return cancel_showtime(session, showtime_id=showtime_id, supervisor=SUPERVISOR, reason="projector failed",
                               terminal_id="counter-2", now=now, mode=REFUND, current_policy=POLICY, notice=None)


def _prepared_sale(store, now):
    """A counter sale of one seat, held and prepared (checked, priced) but not yet committed."""
    with transaction(store, write=False) as session:
        show = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)
                            .order_by(Showtime.starts_at)).first()
        seat = session.exec(select(Seat).where(Seat.auditorium_id == 1, Seat.row_label == "G")
                            .order_by(Seat.number)).first()
    with transaction(store) as session:
        hold_seats(session, showtime_id=show.id, seat_ids=[seat.id], terminal_id="counter-1", staff_id=1, now=now,
                   hold_seconds=600)
    request = SaleRequest(showtime_id=show.id, lines=(SaleLine(seat.id, "adult"),),
                          tenders=(Tender("cash", 10000, tendered_fen=10000),), channel="counter",
                          terminal_id="counter-1", staff=CASHIER, request_key="race-sale")
    with transaction(store, write=False) as session:
        prepared = prepare_sale(session, request=request, now=now, zone=SHANGHAI, rules=SeatRules())
    return show.id, prepared


def test_a_sale_committed_while_its_showtime_is_being_cancelled_is_refunded_with_the_others(demo_store, now):
    showtime_id, prepared = _prepared_sale(demo_store, now)
    with transaction(demo_store) as session:
        sold = commit_sale(session, prepared=prepared, now=now)
        cancelling = _Second(lambda: _cancel(demo_store, showtime_id, now))
        assert cancelling.is_waiting()
    cancelled = cancelling.outcome()
    assert cancelled.refunded_orders == 1
    with transaction(demo_store, write=False) as session:
        assert session.get(SaleOrder, sold.order_id).status == "refunded"
        assert {t.status for t in session.exec(select(Ticket).where(Ticket.showtime_id == showtime_id))} == {
            "refunded"}


def test_a_sale_that_waited_for_a_cancellation_is_refused_and_writes_nothing(demo_store, now):
    showtime_id, prepared = _prepared_sale(demo_store, now)

    def sell_now():
        with transaction(demo_store) as session:
            return commit_sale(session, prepared=prepared, now=now)

    with transaction(demo_store) as session:
        cancel_showtime(session, showtime_id=showtime_id, supervisor=SUPERVISOR, reason="projector failed",
                        terminal_id="counter-2", now=now, mode=REFUND, current_policy=POLICY, notice=None)
        selling = _Second(sell_now)
        assert selling.is_waiting()
    with pytest.raises(BoxOfficeError) as refused:
        selling.outcome()
    assert refused.value.code in ("showtime_closed", "hold_lost")
    with transaction(demo_store, write=False) as session:
        assert session.exec(select(SaleOrder).where(SaleOrder.showtime_id == showtime_id)).all() == []


def test_wrong_pins_typed_at_two_terminals_at_once_both_count(demo_store, now):
    def wrong_pin(terminal):
        with transaction(demo_store) as session:
            return sign_in(session, code="1001", pin="0000", now=now, terminal_id=terminal)

    with transaction(demo_store) as session:
        first = sign_in(session, code="1001", pin="0000", now=now, terminal_id="counter-1")
        second = _Second(lambda: wrong_pin("counter-2"))
        assert second.is_waiting()
    assert (first.error, first.attempts_left) == ("signin_failed", 4)
    assert second.outcome().attempts_left == 3
    with transaction(demo_store, write=False) as session:
        assert session.exec(select(Staff.failed_pins).where(Staff.code == "1001")).one() == 2


def test_two_reprints_of_one_ticket_at_once_print_it_once(demo_store, now):
    sold = sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=None)
    ticket_id = sold.result.ticket_ids[0]

    def reprint(terminal):
        with transaction(demo_store) as session:
            return reprint_ticket(session, ticket_id=ticket_id, printer="front", approver=SUPERVISOR,
                                  reason="jammed", terminal_id=terminal, now=now)

    with transaction(demo_store) as session:
        reprint_ticket(session, ticket_id=ticket_id, printer="front", approver=SUPERVISOR, reason="jammed",
                       terminal_id="counter-1", now=now)
        second = _Second(lambda: reprint("counter-2"))
        assert second.is_waiting()
    with pytest.raises(BoxOfficeError) as refused:
        second.outcome()
    assert refused.value.code == "print_job_pending"


def test_an_exchange_waits_for_a_refund_of_the_same_order_and_decides_on_what_it_left(demo_store, now):
    order = sell_order(demo_store, now, seats=(1, 2))
    with transaction(demo_store) as session:  # the best free seat at the order's price (standard zone)
        hall = load_hall(session, 1)
        taken = frozenset(claim_owners(session, showtime_id=order.showtime_id, now=now)) | frozenset(
            seat.id for seat in hall.seats if seat.zone != "standard")
        [seat_id] = [seat.id for seat in best_available(hall, 1, unavailable=taken, rules=SeatRules()).seats]
        hold_seats(session, showtime_id=order.showtime_id, seat_ids=[seat_id], terminal_id="counter-1", staff_id=1,
                   now=now, hold_seconds=600)
    exchange = ExchangeRequest(order_id=order.order_id, showtime_id=order.showtime_id,
                               lines=(ExchangeSeat(order.ticket_ids[1], seat_id, "adult"),), tenders=(),
                               channel="counter", terminal_id="counter-1", staff=CASHIER, request_key="exchange-1")
    with transaction(demo_store, write=False) as session:
        prepared = prepare_exchange(session, request=exchange, now=now, zone=SHANGHAI, rules=SeatRules(),
                                    fallback_policy=POLICY)

    def exchange_now():
        with transaction(demo_store) as session:
            return commit_exchange(session, prepared=prepared, now=now)

    with transaction(demo_store) as session:
        refund_tickets(session, refund_request(order, (order.ticket_ids[0],), engine=demo_store), now)
        exchanging = _Second(exchange_now)
        assert exchanging.is_waiting()
    try:
        exchanging.outcome()
    except BoxOfficeError as error:  # the refund changed the money: the customer is shown the exchange again
        assert error.code == "exchange_changed"
    with transaction(demo_store, write=False) as session:
        statuses = {t.id: t.status for t in session.exec(select(Ticket).where(Ticket.order_id == order.order_id))}
    assert statuses[order.ticket_ids[0]] == "refunded" and statuses[order.ticket_ids[1]] in ("exchanged", "valid")


def test_an_online_booking_imported_while_its_showtime_is_cancelled_is_refused(demo_store, now):
    with transaction(demo_store, write=False) as session:
        show, hall = session.exec(select(Showtime, Auditorium).join(Auditorium)
                                  .where(Showtime.starts_at > now, Showtime.auditorium_id == 1)
                                  .order_by(Showtime.starts_at)).first()
    document = {"platform": "maoyan", "bookings": [{
        "booking_id": "MY-RACE-1", "hall": hall.name,
        "starts_at": show.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
        "seats": [{"seat": "K7", "ticket_type": "adult", "price_fen": 4500, "fee_fen": 300}],
        "phone": "13912345678", "paid_fen": 4800, "payment_reference": "PAY-RACE-1"}]}

    def import_now():
        return import_bookings(demo_store, json.dumps(document, ensure_ascii=False), source="race.json", now=now,
                               zone=SHANGHAI, pickup_key=KEY)

    with transaction(demo_store) as session:
        cancel_showtime(session, showtime_id=show.id, supervisor=SUPERVISOR, reason="projector failed",
                        terminal_id="counter-2", now=now, mode=REFUND, current_policy=POLICY, notice=None)
        importing = _Second(import_now)
        assert importing.is_waiting()
    report = importing.outcome()
    assert [outcome.code for outcome in report.outcomes] == ["showtime_closed"]
    with transaction(demo_store, write=False) as session:
        assert session.exec(select(Ticket).where(Ticket.showtime_id == show.id, Ticket.status == "valid")).all() == []
