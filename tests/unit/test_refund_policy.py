"""The refund and exchange policy as data, and the pure decisions over it, with a fixed clock.

Shipped policy (kiosk.toml): free until 24 h before (the 3-yuan service fee kept), 10 % + 2 yuan until 2 h
before, then 20 % + 2 yuan at the counter with a supervisor, nothing from the start on. Tickets here cost
50 yuan + 3 yuan service fee unless a test says otherwise.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boxoffice import exchange_rules, refund_rules
from boxoffice.errors import BoxOfficeError
from boxoffice.exchange_rules import NewTicket, decide_exchange
from boxoffice.i18n import catalog
from boxoffice.refund_policy import (
    ExchangePolicy,
    RefundPolicy,
    RefundWindow,
    from_json,
    percent_to_bp,
    policy_digest,
    policy_from_config,
    to_json,
)
from boxoffice.refund_rules import (
    OrderFacts,
    PaymentBack,
    PaymentFacts,
    ShowtimeFacts,
    TicketFacts,
    allocate_back,
    decide_refund,
    percent_of,
)
from kiosk.config import ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # the fixed clock of tests/conftest.py
START = NOW + timedelta(days=3)
SECOND = timedelta(seconds=1)
POLICY = RefundPolicy()
SHOW = ShowtimeFacts(id=1, film_id=10, starts_at=START)
MOBILE = PaymentFacts(1, "mobile", 10600, "4200001234202612040000000001")


def order(*tickets: TicketFacts, payments: tuple[PaymentFacts, ...] = (MOBILE,), show: ShowtimeFacts = SHOW,
          ) -> OrderFacts:
    return OrderFacts(show, tickets or (TicketFacts(1, 5000, 300, "adult"), TicketFacts(2, 5000, 300, "adult")),
                      payments)


def at(left: timedelta) -> datetime:
    """The clock when the showtime starts in ``left``."""
    return START - left


# --- Windows: every boundary one second before, exactly at, and one second after. --------------------------


@pytest.mark.parametrize(
    ("left", "allowed", "reason", "back_per_ticket", "needs_supervisor"),
    [
        (timedelta(days=2), True, "refund_free_window", 5000, False),
        (timedelta(hours=24) + SECOND, True, "refund_free_window", 5000, False),
        (timedelta(hours=24), True, "refund_free_window", 5000, False),
        (timedelta(hours=24) - SECOND, True, "refund_fee_window", 4300, False),
        (timedelta(hours=2) + SECOND, True, "refund_fee_window", 4300, False),
        (timedelta(hours=2), True, "refund_fee_window", 4300, False),
        (timedelta(hours=2) - SECOND, True, "refund_supervisor_window", 3800, True),
        (SECOND, True, "refund_supervisor_window", 3800, True),
        (timedelta(0), False, "refund_after_start", 0, False),
        (-SECOND, False, "refund_after_start", 0, False),
        (-timedelta(hours=1), False, "refund_after_start", 0, False),
    ],
)
def test_each_window_boundary_belongs_to_the_window_ending_there(left, allowed, reason, back_per_ticket,
                                                                 needs_supervisor):
    decision = decide_refund(order(), [1], POLICY, now=at(left), channel="counter", role="cashier")
    assert (decision.allowed, decision.reason, decision.needs_supervisor) == (allowed, reason, needs_supervisor)
    assert decision.back_fen == back_per_ticket
    assert [line.back_fen for line in decision.lines] == ([back_per_ticket] if allowed else [])


@pytest.mark.parametrize(
    ("left", "reason"),
    [
        (timedelta(minutes=30) + SECOND, "refund_free_window"),
        (timedelta(minutes=30), "refund_free_window"),
        (timedelta(minutes=30) - SECOND, "refund_window_closed"),
        (SECOND, "refund_window_closed"),
        (timedelta(0), "refund_after_start"),
    ],
)
def test_after_the_last_window_nothing_is_refunded(left, reason):
    policy = RefundPolicy(windows=(RefundWindow(30),))
    decision = decide_refund(order(), [1], policy, now=at(left), channel="counter", role="cashier")
    assert decision.reason == reason
    assert decision.allowed is (reason == "refund_free_window")


def test_no_windows_refund_only_cancelled_showtimes():
    policy = RefundPolicy(windows=())
    assert decide_refund(order(), [1], policy, now=NOW, channel="counter", role="cashier").reason == \
        "refund_window_closed"
    cancelled = order(show=replace(SHOW, cancelled=True))
    assert decide_refund(cancelled, [1], policy, now=NOW, channel="counter", role="cashier").allowed


# --- Money: the fee order and the rounding. ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "bp", "expected"),
    [
        (1005, 1000, 101),  # 100.5 rounds up
        (1004, 1000, 100),
        (1015, 1000, 102),  # 101.5 rounds up (half up, not half even)
        (5, 1000, 1),  # 0.5 fen rounds up
        (4, 1000, 0),
        (3333, 750, 250),  # 249.975
        (3331, 750, 250),  # 249.825
        (3330, 750, 250),  # 249.75
        (3326, 750, 249),  # 249.45
        (0, 2000, 0),
        (12345, 10000, 12345),
        (12345, 0, 0),
    ],
)
def test_percentage_fee_rounds_half_up_to_the_fen(amount, bp, expected):
    assert percent_of(amount, bp) == expected


@pytest.mark.parametrize(
    ("window", "keep_service_fee", "price", "fee", "expected"),
    [
        # (kept service fee, percentage fee, fixed fee, back)
        (RefundWindow(0, 1000, 200), True, 5000, 300, (300, 500, 200, 4300)),  # percentage of the rest only
        (RefundWindow(0, 1000, 200), False, 5000, 300, (0, 530, 200, 4570)),
        (RefundWindow(0, 750, 0), True, 3333, 300, (300, 250, 0, 3083)),  # 249.975 rounds to 250
        (RefundWindow(0, 9500, 1000), True, 5000, 300, (300, 4750, 250, 0)),  # fixed fee capped: never negative
        (RefundWindow(0, 10000, 200), True, 5000, 300, (300, 5000, 0, 0)),
        (RefundWindow(0, 0, 9999), True, 5000, 300, (300, 0, 5000, 0)),
        (RefundWindow(0, 0, 200), True, 0, 300, (300, 0, 0, 0)),  # a free ticket with a fee gives nothing back
        (RefundWindow(0), True, 5000, 0, (0, 0, 0, 5000)),
    ],
)
def test_fees_apply_kept_fee_then_percentage_then_fixed_fee(window, keep_service_fee, price, fee, expected):
    policy = RefundPolicy(windows=(window,), keep_service_fee=keep_service_fee)
    tickets = (TicketFacts(1, price, fee),)
    payments = (PaymentFacts(1, "card", price + fee, "T1"),)
    decision = decide_refund(order(*tickets, payments=payments), [1], policy, now=NOW, channel="counter",
                             role="cashier")
    line = decision.lines[0]
    assert (line.kept_fee_fen, line.percent_fee_fen, line.fixed_fee_fen, line.back_fen) == expected
    assert line.gross_fen == price + fee == sum(expected)
    assert decision.back_fen == expected[3]
    assert (decision.gross_fen, decision.kept_fee_fen, decision.percent_fee_fen, decision.fixed_fee_fen) == (
        price + fee, *expected[:3])


def test_a_cancelled_showtime_refunds_everything_even_after_its_start():
    cancelled = order(show=replace(SHOW, cancelled=True))
    decision = decide_refund(cancelled, [1, 2], POLICY, now=START + timedelta(hours=1), channel="counter",
                             role="cashier")
    assert (decision.allowed, decision.reason, decision.needs_supervisor) == (True, "refund_showtime_cancelled",
                                                                             False)
    assert decision.back_fen == 10600 and decision.kept_fee_fen == 0 and decision.window is None


# --- Partial refunds and the payments the money goes back to. ---------------------------------------------


SPLIT = (PaymentFacts(1, "cash", 5900), PaymentFacts(2, "mobile", 10000, "M2"))
THREE = (TicketFacts(1, 5000, 300), TicketFacts(2, 5000, 300), TicketFacts(3, 5000, 300))


def refunded(tickets: tuple[TicketFacts, ...], ids: set[int]) -> tuple[TicketFacts, ...]:
    return tuple(replace(t, status="refunded") if t.id in ids else t for t in tickets)


@pytest.mark.parametrize("left", [timedelta(days=2), timedelta(hours=5), timedelta(minutes=30)])
def test_refunding_part_then_the_rest_adds_up_to_at_most_what_was_paid(left):
    now = at(left)
    first = decide_refund(order(*THREE, payments=SPLIT), [1], POLICY, now=now, channel="counter", role="admin")
    rest = decide_refund(order(*refunded(THREE, {1}), payments=SPLIT), [2, 3], POLICY, now=now,
                         channel="counter", role="admin", earlier=first.back_by_payment)
    whole = decide_refund(order(*THREE, payments=SPLIT), [1, 2, 3], POLICY, now=now, channel="counter",
                          role="admin")
    assert first.allowed and rest.allowed
    assert first.back_fen + rest.back_fen == whole.back_fen <= 15900
    for payment in SPLIT:
        given_back = sum(b.amount_fen for b in first.back_by_payment + rest.back_by_payment
                         if b.payment_id == payment.id)
        assert given_back <= payment.amount_fen
    again = decide_refund(order(*refunded(THREE, {1, 2, 3}), payments=SPLIT), [1], POLICY, now=now,
                          channel="counter", role="admin")
    assert (again.allowed, again.reason, again.refused_ticket_ids) == (False, "refund_ticket_not_valid", (1,))


def test_split_payment_refund_goes_to_mobile_first_then_cash():
    first = decide_refund(order(*THREE, payments=SPLIT), [1], POLICY, now=NOW, channel="counter", role="cashier")
    assert first.back_by_payment == (PaymentBack(2, "mobile", 5000, "M2"),)
    rest = decide_refund(order(*refunded(THREE, {1}), payments=SPLIT), [2, 3], POLICY, now=NOW,
                         channel="counter", role="cashier", earlier=first.back_by_payment)
    assert rest.back_by_payment == (PaymentBack(2, "mobile", 5000, "M2"), PaymentBack(1, "cash", 5000))
    assert rest.back_by_method() == {"mobile": 5000, "cash": 5000}


@pytest.mark.parametrize(
    ("amount", "earlier", "expected"),
    [
        (6000, (), ((3, 2000), (2, 4000))),  # electronic first, the latest first
        (9000, (), ((3, 2000), (2, 5000), (1, 2000))),  # then cash
        (10000, (), ((3, 2000), (2, 5000), (1, 3000))),
        (11000, (), ((3, 2000), (2, 5000), (1, 3000))),  # never more than was paid in
        (5000, ((2, 4000),), ((3, 2000), (2, 1000), (1, 2000))),  # earlier refunds took their share
        (5000, ((3, 2000), (2, 5000)), ((1, 3000),)),
        (1, ((1, 3000), (2, 5000), (3, 2000)), ()),
        (0, (), ()),
    ],
)
def test_allocation_to_the_original_payments(amount, earlier, expected):
    payments = (PaymentFacts(1, "cash", 3000), PaymentFacts(2, "card", 5000, "C2"),
                PaymentFacts(3, "mobile", 2000, "M3"))
    methods = {p.id: p.method for p in payments}
    backs = allocate_back(amount, payments, [PaymentBack(pid, methods[pid], fen) for pid, fen in earlier])
    assert tuple((b.payment_id, b.amount_fen) for b in backs) == expected
    assert all(b.method == methods[b.payment_id] for b in backs)


def test_an_earlier_refund_of_another_orders_payment_is_a_mistake():
    with pytest.raises(ValueError):
        allocate_back(100, (MOBILE,), [PaymentBack(99, "cash", 100)])


def test_what_no_payment_can_take_is_not_paid_back():
    short = (PaymentFacts(1, "card", 8000, "C1"),)  # a discount left less on the payments than the tickets' worth
    decision = decide_refund(order(payments=short), [1, 2], POLICY, now=NOW, channel="counter", role="cashier")
    assert decision.allowed
    assert (decision.back_fen, decision.uncovered_fen) == (8000, 2000)


# --- Roles and channels. -----------------------------------------------------------------------------------


FREE, FEE, SUPERVISED = timedelta(days=2), timedelta(hours=5), timedelta(minutes=30)
PRINTED = TicketFacts(1, 5000, 300, printed=True)
COLLECTED = TicketFacts(1, 5000, 300, picked_up=True)
CASH_ONLY = (PaymentFacts(1, "cash", 10600),)
CASH_AND_CARD = (PaymentFacts(1, "cash", 600), PaymentFacts(2, "card", 10000, "C"))


@pytest.mark.parametrize(
    ("left", "channel", "role", "tickets", "payments", "policy", "expected"),
    [
        (FREE, "counter", "cashier", (), (MOBILE,), POLICY, (True, "refund_free_window", False, False)),
        (FREE, "counter", "supervisor", (), (MOBILE,), POLICY, (True, "refund_free_window", False, False)),
        (FREE, "counter", "admin", (), (MOBILE,), POLICY, (True, "refund_free_window", False, False)),
        (FREE, "counter", "technician", (), (MOBILE,), POLICY, (False, "refund_role_not_allowed", False, False)),
        (FREE, "counter", None, (), (MOBILE,), POLICY, (False, "refund_role_not_allowed", False, False)),
        (FREE, "counter", "cashier", (PRINTED,), CASH_ONLY, POLICY, (True, "refund_free_window", False, False)),
        (FEE, "counter", "cashier", (), (MOBILE,), POLICY, (True, "refund_fee_window", False, False)),
        (SUPERVISED, "counter", "cashier", (), (MOBILE,), POLICY, (True, "refund_supervisor_window", True, True)),
        (SUPERVISED, "counter", "supervisor", (), (MOBILE,), POLICY,
         (True, "refund_supervisor_window", False, True)),
        (SUPERVISED, "counter", "admin", (), (MOBILE,), POLICY, (True, "refund_supervisor_window", False, True)),
        (SUPERVISED, "counter", "technician", (), (MOBILE,), POLICY,
         (False, "refund_role_not_allowed", False, False)),
        # A kiosk refunds by itself only unprinted tickets paid electronically, inside the free window.
        (FREE, "kiosk", None, (), (MOBILE,), POLICY, (True, "refund_free_window", False, False)),
        (FREE, "kiosk", "cashier", (), (MOBILE,), POLICY, (True, "refund_free_window", False, False)),
        (FREE, "kiosk", None, (PRINTED,), (MOBILE,), POLICY, (False, "refund_kiosk_printed", False, False)),
        (FREE, "kiosk", None, (COLLECTED,), (MOBILE,), POLICY, (False, "refund_kiosk_printed", False, False)),
        (FREE, "kiosk", None, (), CASH_ONLY, POLICY, (False, "refund_kiosk_cash", False, False)),
        (FREE, "kiosk", None, (), CASH_AND_CARD, POLICY, (False, "refund_kiosk_cash", False, False)),
        (FEE, "kiosk", None, (), (MOBILE,), POLICY, (False, "refund_kiosk_not_allowed", False, False)),
        (SUPERVISED, "kiosk", "supervisor", (), (MOBILE,), POLICY,
         (False, "refund_kiosk_not_allowed", False, False)),
        (FREE, "kiosk", None, (), (MOBILE,), RefundPolicy(kiosk_self_refund=False),
         (False, "refund_kiosk_not_allowed", False, False)),
        (FREE, "kiosk", None, (), (MOBILE,), RefundPolicy(windows=(RefundWindow(0, counter_only=True),)),
         (False, "refund_kiosk_not_allowed", False, False)),
        (-timedelta(hours=1), "kiosk", None, (), (MOBILE,), POLICY, (False, "refund_after_start", False, False)),
    ],
)
def test_roles_and_channels(left, channel, role, tickets, payments, policy, expected):
    decision = decide_refund(order(*tickets, payments=payments), [1], policy, now=at(left), channel=channel,
                             role=role)
    assert (decision.allowed, decision.reason, decision.needs_supervisor, decision.needs_reason) == expected
    if not decision.allowed:
        assert decision.lines == () and decision.back_by_payment == () and decision.back_fen == 0


@pytest.mark.parametrize(
    ("show", "tickets", "payments", "reason"),
    [
        (replace(SHOW, cancelled=True), (), (MOBILE,), "refund_showtime_cancelled"),
        (replace(SHOW, cancelled=True), (PRINTED,), (MOBILE,), "refund_kiosk_printed"),
        (replace(SHOW, cancelled=True), (), CASH_ONLY, "refund_kiosk_cash"),
    ],
)
def test_a_kiosk_refunds_a_cancelled_showtime_only_for_unprinted_electronic_orders(show, tickets, payments,
                                                                                   reason):
    decision = decide_refund(order(*tickets, payments=payments, show=show), [1], POLICY, now=START, channel="kiosk",
                             role=None)
    assert decision.reason == reason


@pytest.mark.parametrize(
    ("asked", "tickets", "reason", "concerned"),
    [
        ([], (), "refund_nothing_selected", ()),
        ([1, 7], (), "refund_ticket_unknown", (7,)),
        ([1, 2], (TicketFacts(1, 5000, 300), TicketFacts(2, 5000, 300, status="exchanged")),
         "refund_ticket_not_valid", (2,)),
        ([1], (TicketFacts(1, 5000, 300, admitted=True),), "refund_ticket_admitted", (1,)),
    ],
)
def test_tickets_that_cannot_be_refunded_are_named(asked, tickets, reason, concerned):
    decision = decide_refund(order(*tickets), asked, POLICY, now=NOW, channel="counter", role="supervisor")
    assert (decision.allowed, decision.reason, decision.refused_ticket_ids) == (False, reason, concerned)


def test_a_ticket_asked_for_twice_is_refunded_once():
    decision = decide_refund(order(), [1, 1, 2, 1], POLICY, now=NOW, channel="counter", role="cashier")
    assert [line.ticket_id for line in decision.lines] == [1, 2]
    assert decision.back_fen == 10000


def test_printed_tickets_are_to_be_handed_back():
    tickets = (PRINTED, TicketFacts(2, 5000, 300))
    decision = decide_refund(order(*tickets), [1, 2], POLICY, now=NOW, channel="counter", role="cashier")
    assert [line.hand_back for line in decision.lines] == [True, False]


def test_an_unknown_channel_is_a_mistake():
    with pytest.raises(ValueError):
        decide_refund(order(), [1], POLICY, now=NOW, channel="web", role=None)


# --- Exchanges. --------------------------------------------------------------------------------------------


LATER = ShowtimeFacts(id=2, film_id=10, starts_at=START + timedelta(days=1))
SAME = [NewTicket(1, "adult", 5000, 300)]


def exchange(new=SAME, target=LATER, *, policy=POLICY, left=FREE, channel="counter", role="cashier",
             source=None, earlier=()):
    return decide_exchange(source or order(), new, target, policy, now=at(left), channel=channel, role=role,
                           earlier=earlier)


@pytest.mark.parametrize(
    ("left", "reason"),
    [
        (timedelta(hours=2) + SECOND, "exchange_allowed"),
        (timedelta(hours=2), "exchange_allowed"),
        (timedelta(hours=2) - SECOND, "exchange_too_late"),
        (SECOND, "exchange_too_late"),
        (timedelta(0), "exchange_after_start"),
        (-SECOND, "exchange_after_start"),
    ],
)
def test_exchange_window_of_the_old_showtime(left, reason):
    target = replace(LATER, starts_at=START + timedelta(days=1))
    assert exchange(target=target, left=left).reason == reason


@pytest.mark.parametrize(
    ("new_start", "reason"),
    [
        (NOW - SECOND, "exchange_target_started"),
        (NOW, "exchange_target_started"),
        (NOW + SECOND, "exchange_allowed"),
        (NOW + timedelta(days=7) - SECOND, "exchange_allowed"),
        (NOW + timedelta(days=7), "exchange_allowed"),
        (NOW + timedelta(days=7) + SECOND, "exchange_target_too_far"),
    ],
)
def test_exchange_target_must_not_have_started_and_be_at_most_max_days_ahead(new_start, reason):
    decision = decide_exchange(order(), SAME, replace(LATER, starts_at=new_start), POLICY, now=NOW,
                               channel="counter", role="cashier")
    assert decision.reason == reason


@pytest.mark.parametrize(
    ("new", "policy", "expected"),
    [
        # (allowed, reason, charge, back, forgone)
        (SAME, POLICY, (True, "exchange_allowed", 0, 0, 0)),
        ([NewTicket(1, "adult", 6000, 300)], POLICY, (True, "exchange_allowed", 1000, 0, 0)),
        ([NewTicket(1, "child", 3000, 300)], POLICY, (True, "exchange_allowed", 0, 2000, 0)),
        ([NewTicket(1, "child", 3000, 300)], RefundPolicy(exchange=ExchangePolicy(refund_difference=False)),
         (True, "exchange_allowed", 0, 0, 2000)),
        ([NewTicket(1, "child", 3000, 300)], RefundPolicy(exchange=ExchangePolicy(ticket_type_change=False)),
         (False, "exchange_type_change_not_allowed", 0, 0, 0)),
        # The fee is per ticket and added to the difference over the whole exchange.
        ([NewTicket(1, "adult", 4700, 300), NewTicket(2, "adult", 4700, 300)],
         RefundPolicy(exchange=ExchangePolicy(fee_fen=500)), (True, "exchange_allowed", 400, 0, 0)),
        ([NewTicket(1, "adult", 4000, 300), NewTicket(2, "adult", 5500, 300)],
         RefundPolicy(exchange=ExchangePolicy(fee_fen=100)), (True, "exchange_allowed", 0, 300, 0)),
        (SAME, RefundPolicy(exchange=ExchangePolicy(enabled=False)), (False, "exchange_not_offered", 0, 0, 0)),
    ],
)
def test_exchange_difference_and_fee(new, policy, expected):
    decision = exchange(new, policy=policy)
    assert (decision.allowed, decision.reason, decision.charge_fen, decision.back_fen,
            decision.forgone_fen) == expected
    if decision.allowed:
        assert decision.balance_fen == decision.charge_fen - decision.back_fen - decision.forgone_fen


@pytest.mark.parametrize(
    ("target", "policy", "channel", "role", "payments", "reason"),
    [
        (replace(LATER, film_id=11), POLICY, "counter", "cashier", (MOBILE,), "exchange_other_film"),
        (replace(LATER, film_id=11), RefundPolicy(exchange=ExchangePolicy(films="any")), "counter", "cashier",
         (MOBILE,), "exchange_allowed"),
        (replace(LATER, cancelled=True), POLICY, "counter", "cashier", (MOBILE,), "exchange_target_not_on_sale"),
        (SHOW, POLICY, "counter", "cashier", (MOBILE,), "exchange_allowed"),  # other seats of the same showtime
        (LATER, POLICY, "counter", "technician", (MOBILE,), "exchange_role_not_allowed"),
        (LATER, POLICY, "counter", None, (MOBILE,), "exchange_role_not_allowed"),
        (LATER, POLICY, "kiosk", None, (MOBILE,), "exchange_kiosk_not_allowed"),
        (LATER, RefundPolicy(exchange=ExchangePolicy(counter_only=False)), "kiosk", None, (MOBILE,),
         "exchange_allowed"),
        (LATER, RefundPolicy(exchange=ExchangePolicy(counter_only=False)), "kiosk", None, CASH_ONLY,
         "exchange_kiosk_cash"),
    ],
)
def test_exchange_targets_roles_and_channels(target, policy, channel, role, payments, reason):
    cheaper = [NewTicket(1, "adult", 4000, 300)]
    decision = exchange(cheaper, target, policy=policy, channel=channel, role=role, source=order(payments=payments))
    assert decision.reason == reason
    assert decision.allowed is (reason == "exchange_allowed")


def test_a_cancelled_showtime_is_exchanged_after_its_start_without_the_fee():
    policy = RefundPolicy(exchange=ExchangePolicy(fee_fen=500))
    decision = exchange(policy=policy, left=-timedelta(hours=1), source=order(show=replace(SHOW, cancelled=True)))
    assert (decision.allowed, decision.reason, decision.fee_fen, decision.charge_fen) == (
        True, "exchange_showtime_cancelled", 0, 0)


def test_an_exchange_pays_back_what_earlier_refunds_left_on_the_payments():
    payments = (PaymentFacts(1, "cash", 600), PaymentFacts(2, "card", 10000, "C"))
    decision = exchange([NewTicket(1, "child", 3000, 300)], source=order(payments=payments),
                        earlier=[PaymentBack(2, "card", 9000, "C")])
    assert decision.back_by_payment == (PaymentBack(2, "card", 1000, "C"), PaymentBack(1, "cash", 600))
    assert decision.forgone_fen == 400


@pytest.mark.parametrize(
    ("new", "tickets", "reason"),
    [
        ([], (), "exchange_nothing_selected"),
        ([NewTicket(9, "adult", 5000)], (), "exchange_ticket_unknown"),
        (SAME, (TicketFacts(1, 5000, 300, status="refunded"),), "exchange_ticket_not_valid"),
        (SAME, (TicketFacts(1, 5000, 300, admitted=True),), "exchange_ticket_admitted"),
    ],
)
def test_tickets_that_cannot_be_exchanged(new, tickets, reason):
    decision = exchange(new, source=order(*tickets))
    assert (decision.allowed, decision.reason, decision.lines) == (False, reason, ())


def test_one_old_ticket_for_two_new_is_a_mistake():
    with pytest.raises(ValueError):
        exchange([NewTicket(1, "adult", 5000), NewTicket(1, "child", 3000)])


# --- The policy as data: kiosk.toml, canonical JSON, versions. ---------------------------------------------


def test_shipped_config_gives_the_default_policy():
    assert policy_from_config(load_config(REPO / "kiosk.toml").refunds) == RefundPolicy()
    assert policy_from_config(parse_config("", Path("k.toml")).refunds) == RefundPolicy()
    assert policy_from_config(parse_config("", Path("k.toml")).refunds.model_dump()) == RefundPolicy()


def test_config_percentages_become_basis_points():
    text = ("[[refunds.windows]]\nuntil_minutes_before = 60\npercent_fee = 7.5\n"
            "[[refunds.windows]]\nuntil_minutes_before = 0\npercent_fee = 12.25\nsupervisor = true\n")
    policy = policy_from_config(parse_config(text, Path("k.toml")).refunds)
    assert policy.windows == (RefundWindow(60, 750), RefundWindow(0, 1225, supervisor=True))
    assert percent_to_bp("0.01") == 1 and percent_to_bp(100) == 10000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[refunds.windows]]\nuntil_minutes_before = 120\n[[refunds.windows]]\nuntil_minutes_before = 1440\n",
         "k.toml: refunds.windows: expected until_minutes_before to decrease strictly"),
        ("[[refunds.windows]]\nuntil_minutes_before = 60\n[[refunds.windows]]\nuntil_minutes_before = 60\n",
         "k.toml: refunds.windows: expected until_minutes_before to decrease strictly"),
        ("[[refunds.windows]]\nuntil_minutes_before = 60\npercent_fee = 101\n",
         "k.toml: refunds.windows[0].percent_fee: expected a number <= 100"),
        ("[[refunds.windows]]\nuntil_minutes_before = 60\npercent_fee = -1\n",
         "k.toml: refunds.windows[0].percent_fee: expected a number >= 0"),
        ("[[refunds.windows]]\nuntil_minutes_before = 60\npercent_fee = 7.125\n",
         "k.toml: refunds.windows[0].percent_fee: expected a percentage with at most two decimals"),
        ("[[refunds.windows]]\nuntil_minutes_before = 60\nfixed_fee_fen = -5\n",
         "k.toml: refunds.windows[0].fixed_fee_fen: expected a number >= 0"),
        ("[[refunds.windows]]\nuntil_minutes_before = -1\n",
         "k.toml: refunds.windows[0].until_minutes_before: expected a number >= 0"),
        ("[[refunds.windows]]\npercent_fee = 5\n",
         "k.toml: refunds.windows[0].until_minutes_before: required key is missing"),
        ("[[refunds.windows]]\nuntil_minutes_before = 60\npercent = 5\n",
         "k.toml: refunds.windows[0].percent: unknown key"),
        ("[refunds]\nkeep_service_fee = \"sometimes\"\n", "k.toml: refunds.keep_service_fee: expected true or false"),
        ("[refunds]\nkiosk_refunds = true\n", "k.toml: refunds.kiosk_refunds: unknown key"),
        ("[refunds.exchange]\nfilms = \"other\"\n", "k.toml: refunds.exchange.films: expected one of"),
        ("[refunds.exchange]\nmax_days_ahead = -1\n", "k.toml: refunds.exchange.max_days_ahead: expected a number"),
        ("[refunds.exchange]\nfee_fen = 1.5\n", "k.toml: refunds.exchange.fee_fen: expected a whole number"),
    ],
)
def test_config_mistakes_name_the_key(text, expected):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("k.toml"))
    assert any(problem.startswith(expected) for problem in caught.value.problems), caught.value.problems


def test_canonical_json_of_the_default_policy():
    text = to_json(POLICY)
    assert text == (
        '{"exchange":{"counter_only":true,"enabled":true,"fee_fen":0,"films":"same","max_days_ahead":7,'
        '"refund_difference":true,"ticket_type_change":true,"until_minutes_before":120},'
        '"format":1,"keep_service_fee":true,"kiosk_self_refund":true,"windows":['
        '{"counter_only":false,"fixed_fee_fen":0,"percent_fee_bp":0,"supervisor":false,"until_minutes_before":1440},'
        '{"counter_only":false,"fixed_fee_fen":200,"percent_fee_bp":1000,"supervisor":false,'
        '"until_minutes_before":120},'
        '{"counter_only":true,"fixed_fee_fen":200,"percent_fee_bp":2000,"supervisor":true,'
        '"until_minutes_before":0}]}'
    )
    assert from_json(text) == POLICY
    assert from_json(json.dumps(json.loads(text), indent=2)) == POLICY  # spaces do not matter when reading
    assert policy_digest(POLICY) == policy_digest(from_json(text))
    assert policy_digest(POLICY) != policy_digest(RefundPolicy(keep_service_fee=False))


def _mutated(change) -> str:
    body = json.loads(to_json(POLICY))
    change(body)
    return json.dumps(body)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        _mutated(lambda b: b.update(format=2)),
        _mutated(lambda b: b.update(format=True)),
        _mutated(lambda b: b.pop("keep_service_fee")),
        _mutated(lambda b: b.update(extra=1)),
        _mutated(lambda b: b.update(keep_service_fee=1)),
        _mutated(lambda b: b["windows"][0].update(percent_fee_bp=10.0)),
        _mutated(lambda b: b["windows"][0].update(percent_fee_bp=10001)),
        _mutated(lambda b: b["windows"][0].update(fixed_fee_fen=True)),
        _mutated(lambda b: b["windows"].reverse()),
        _mutated(lambda b: b.update(windows={})),
        _mutated(lambda b: b["exchange"].update(films="other")),
        _mutated(lambda b: b["exchange"].pop("fee_fen")),
    ],
)
def test_a_text_that_is_not_a_policy_is_refused_with_a_code(text):
    with pytest.raises(BoxOfficeError) as caught:
        from_json(text)
    assert caught.value.code == "refund_policy_invalid"


windows_strategy = st.lists(st.integers(0, 20_000), unique=True, max_size=4).flatmap(
    lambda untils: st.tuples(*[
        st.builds(RefundWindow, st.just(until), st.integers(0, 10_000), st.integers(0, 10_000), st.booleans(),
                  st.booleans())
        for until in sorted(untils, reverse=True)
    ])
)
policies = st.builds(
    RefundPolicy,
    windows=windows_strategy,
    keep_service_fee=st.booleans(),
    kiosk_self_refund=st.booleans(),
    exchange=st.builds(ExchangePolicy, enabled=st.booleans(), until_minutes_before=st.integers(0, 5000),
                       films=st.sampled_from(["same", "any"]), max_days_ahead=st.integers(0, 30),
                       ticket_type_change=st.booleans(), refund_difference=st.booleans(),
                       fee_fen=st.integers(0, 2000), counter_only=st.booleans()),
)
tickets_strategy = st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 1_000)), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(policy=policies, minutes_left=st.integers(-60, 30_000), priced=tickets_strategy,
       channel=st.sampled_from(["counter", "kiosk"]), role=st.sampled_from([None, "cashier", "supervisor"]),
       cash_first=st.integers(0, 1_000))
def test_a_policy_read_back_from_its_json_decides_identically(policy, minutes_left, priced, channel, role,
                                                              cash_first):
    text = to_json(policy)
    loaded = from_json(text)
    assert loaded == policy and to_json(loaded) == text
    tickets = tuple(TicketFacts(i + 1, price, fee) for i, (price, fee) in enumerate(priced))
    total = sum(t.gross_fen for t in tickets)
    cash = min(cash_first, total)
    payments = tuple(p for p in (PaymentFacts(1, "cash", cash), PaymentFacts(2, "mobile", total - cash, "M"))
                     if p.amount_fen)
    facts = order(*tickets, payments=payments)
    now = START - timedelta(minutes=minutes_left)
    ids = [t.id for t in tickets]
    assert decide_refund(facts, ids, loaded, now=now, channel=channel, role=role) == decide_refund(
        facts, ids, policy, now=now, channel=channel, role=role)
    new = [NewTicket(t.id, "adult", t.price_fen + 100, t.fee_fen) for t in tickets]
    assert decide_exchange(facts, new, LATER, loaded, now=now, channel=channel, role=role) == decide_exchange(
        facts, new, LATER, policy, now=now, channel=channel, role=role)


@settings(max_examples=150, deadline=None)
@given(policy=policies, minutes_left=st.integers(1, 30_000), priced=tickets_strategy, data=st.data())
def test_refunding_ticket_by_ticket_gives_what_refunding_at_once_gives(policy, minutes_left, priced, data):
    tickets = tuple(TicketFacts(i + 1, price, fee) for i, (price, fee) in enumerate(priced))
    total = sum(t.gross_fen for t in tickets)
    payments = (PaymentFacts(1, "cash", total // 3), PaymentFacts(2, "card", total - total // 3, "C"))
    now = START - timedelta(minutes=minutes_left)
    whole = decide_refund(order(*tickets, payments=payments), [t.id for t in tickets], policy, now=now,
                          channel="counter", role="admin")
    first_ids = data.draw(st.sets(st.sampled_from([t.id for t in tickets])))
    first = decide_refund(order(*tickets, payments=payments), sorted(first_ids), policy, now=now,
                          channel="counter", role="admin")
    rest = decide_refund(order(*refunded(tickets, first_ids), payments=payments),
                         [t.id for t in tickets if t.id not in first_ids], policy, now=now, channel="counter",
                         role="admin", earlier=first.back_by_payment)
    if whole.allowed:
        assert first.back_fen + rest.back_fen == whole.back_fen <= total
        for payment in payments:
            assert sum(b.amount_fen for b in first.back_by_payment + rest.back_by_payment
                       if b.payment_id == payment.id) <= payment.amount_fen
    assert all(line.back_fen >= 0 for line in whole.lines)


def test_every_reason_has_words_in_both_languages():
    codes = {value for module in (refund_rules, exchange_rules) for name, value in vars(module).items()
             if name.startswith(("REFUND_", "EXCHANGE_")) and isinstance(value, str)}
    assert len(codes) == 31
    for language in ("zh", "en"):
        assert sorted(code for code in codes if f"policy_reason.{code}" not in catalog(language)) == []
