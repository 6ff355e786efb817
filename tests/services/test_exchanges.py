"""Exchanges in a real store with a fixed clock: the difference charged or paid back, the old tickets voided and
the new ones sold in one transaction, once per request, and nothing changed when another terminal took a new
seat (also with real processes racing)."""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event
from sqlmodel import func, select

from boxoffice.best_available import best_available
from boxoffice.errors import BoxOfficeError
from boxoffice.exchanges import (
    ExchangeRequest,
    ExchangeSeat,
    commit_exchange,
    exchange_tickets,
    prepare_exchange,
)
from boxoffice.hall import load_hall
from boxoffice.holds import claim_owners, hold_seats
from boxoffice.order_lookup import order_facts
from boxoffice.refund_policy import ExchangePolicy, RefundPolicy, register_policy
from boxoffice.sales import SaleLine, SaleRequest, complete_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender
from db.engine import make_engine, transaction
from db.models import (
    AuditEntry,
    Exchange,
    ExchangePayment,
    Film,
    Payment,
    RevokedToken,
    SaleOrder,
    SeatClaim,
    Showtime,
    Ticket,
)
from tests.support.stores import driver_sql

SHANGHAI = ZoneInfo("Asia/Shanghai")
CASHIER = StaffMember(1, "1001", "王芳", "cashier")
RULES = SeatRules()
POLICY = RefundPolicy()
CARD_REF = "T20261204A1"


@dataclass(frozen=True)
class Shows:
    """Friday's showtimes of 流浪地球2: 13:00 in hall 1 (2D, weekday matinee: adult ¥38 + ¥3 fee) and 14:15 in
    the IMAX hall (adult ¥80 + ¥5 fee), and another film's showtime."""

    store: Engine
    hall1: int
    imax: int
    other_film: int


@pytest.fixture
def shows(demo_store, now) -> Shows:
    today = now.astimezone(SHANGHAI).date()
    with transaction(demo_store, write=False) as session:
        rows = session.exec(select(Showtime, Film.title_zh).join(Film)).all()
    by = {(title, show.starts_at.astimezone(SHANGHAI).strftime("%H:%M")): show.id for show, title in rows
          if show.starts_at.astimezone(SHANGHAI).date() == today}
    return Shows(demo_store, by[("流浪地球2", "13:00")], by[("流浪地球2", "14:15")], by[("满江红", "16:20")])


def _hold_best(store, showtime_id, count, now, terminal="counter-1", seconds=600) -> list[int]:
    """Hold the best ``count`` free seats of a showtime's standard zone (known prices) for a terminal."""
    with transaction(store) as session:
        show = session.get(Showtime, showtime_id)
        hall = load_hall(session, show.auditorium_id)
        taken = frozenset(claim_owners(session, showtime_id=showtime_id, now=now)) | frozenset(
            seat.id for seat in hall.seats if seat.zone != "standard")
        seats = [seat.id for seat in best_available(hall, count, unavailable=taken, rules=RULES).seats]
        hold_seats(session, showtime_id=showtime_id, seat_ids=seats, terminal_id=terminal, staff_id=1, now=now,
                   hold_seconds=seconds)
    return seats


def _sell(store, showtime_id, count, now, tenders, *, types=("adult",), key="sale-1"):
    """A counter sale of the best ``count`` seats, sold under the registered default policy."""
    seats = _hold_best(store, showtime_id, count, now)
    with transaction(store) as session:
        policy_id = register_policy(session, POLICY, now)
        result = complete_sale(session, request=SaleRequest(
            showtime_id=showtime_id, lines=tuple(SaleLine(s, types[i % len(types)]) for i, s in enumerate(seats)),
            tenders=tuple(tenders), channel="counter", terminal_id="counter-1", staff=CASHIER, request_key=key,
            refund_policy_id=policy_id), now=now, zone=SHANGHAI, rules=RULES)
    return result


def _request(order, new_showtime, seats, tenders=(), *, key="exchange-1", types=None, old=None):
    old_ids = old if old is not None else order.ticket_ids
    return ExchangeRequest(
        order_id=order.order_id, showtime_id=new_showtime,
        lines=tuple(ExchangeSeat(t, s, (types or {}).get(s, "adult")) for t, s in zip(old_ids, seats, strict=True)),
        tenders=tuple(tenders), channel="counter", terminal_id="counter-1", staff=CASHIER, request_key=key)


def _exchange(store, request, now, policy=POLICY):
    with transaction(store) as session:
        return exchange_tickets(session, request=request, now=now, zone=SHANGHAI, rules=RULES,
                                fallback_policy=policy)


def _refused(call) -> BoxOfficeError:
    with pytest.raises(BoxOfficeError) as caught:
        call()
    return caught.value


def _state(store):
    """Everything an exchange may change, to compare before and after a refusal."""
    with transaction(store, write=False) as session:
        return {
            "tickets": sorted((t.id, t.status, t.order_id, t.seat_id) for t in session.exec(select(Ticket))),
            "claims": sorted((c.id, c.status, c.terminal_id, c.order_id, c.released_at is None)
                             for c in session.exec(select(SeatClaim))),
            "orders": sorted((o.id, o.status, o.total_fen) for o in session.exec(select(SaleOrder))),
            "payments": session.exec(select(func.count()).select_from(Payment)).one(),
            "exchanges": session.exec(select(func.count()).select_from(Exchange)).one(),
            "revoked": session.exec(select(func.count()).select_from(RevokedToken)).one(),
        }


def test_exchange_to_a_dearer_showtime_charges_the_difference_and_voids_the_old_tickets(shows, now):
    store = shows.store
    old = _sell(store, shows.hall1, 2, now, [Tender("cash", 8200, tendered_fen=10000)])  # 2 × (38 + 3)
    seats = _hold_best(store, shows.imax, 2, now)
    result = _exchange(store, _request(old, shows.imax, seats, [Tender("card", 8800, reference=CARD_REF)]), now)

    assert (result.charged_fen, result.back, result.forgone_fen, result.repeated) == (8800, (), 0, False)
    with transaction(store, write=False) as session:
        old_tickets = session.exec(select(Ticket).where(Ticket.order_id == old.order_id)).all()
        new_order = session.get(SaleOrder, result.new_order_id)
        new_tickets = session.exec(select(Ticket).where(Ticket.order_id == result.new_order_id)).all()
        payments = session.exec(select(Payment).where(Payment.order_id == result.new_order_id)
                                .order_by(Payment.id)).all()
        carried = session.exec(select(ExchangePayment)).all()
        revoked = session.exec(select(RevokedToken.ticket_id, RevokedToken.reason)).all()
        claims = claim_owners(session, showtime_id=shows.hall1, now=now)
        new_claims = claim_owners(session, showtime_id=shows.imax, now=now)
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "exchange")).one()
        old_status = session.get(SaleOrder, old.order_id).status
    assert {t.status for t in old_tickets} == {"exchanged"} and old_status == "exchanged"
    assert sorted(revoked) == sorted((t.id, "exchange") for t in old_tickets)
    assert claims == {}  # the old seats are on sale again at once
    assert {new_claims[s] for s in seats} == {("sold", "counter-1")}
    assert (new_order.channel, new_order.status, new_order.total_fen, new_order.pickup_code_digest) == (
        "exchange", "paid", 17000, None)
    assert sorted(t.seat_id for t in new_tickets) == sorted(seats)
    assert all(t.status == "valid" and t.token_nonce and t.picked_up_at == now for t in new_tickets)
    assert [(p.method, p.amount_fen, p.reference) for p in payments] == [("cash", 8200, None),
                                                                         ("card", 8800, CARD_REF)]
    assert [(c.kind, c.amount_fen, c.new_payment_id) for c in carried] == [("carried", 8200, payments[0].id)]
    assert entry.subject == old.reference and result.new_reference in entry.detail and '"charged_fen": 8800' in (
        entry.detail)


def test_exchange_to_a_cheaper_showtime_pays_the_difference_back_to_the_card(shows, now):
    store = shows.store
    old = _sell(store, shows.imax, 1, now, [Tender("card", 8500, reference=CARD_REF)])
    seats = _hold_best(store, shows.hall1, 1, now)
    result = _exchange(store, _request(old, shows.hall1, seats), now)

    assert result.charged_fen == 0 and result.payments == ()
    assert [(b.method, b.amount_fen, b.reference) for b in result.back] == [("card", 4400, CARD_REF)]
    with transaction(store, write=False) as session:
        new_order = session.get(SaleOrder, result.new_order_id)
        rows = session.exec(select(ExchangePayment).order_by(ExchangePayment.id)).all()
        old_facts = order_facts(session, old.order_id)
        new_facts = order_facts(session, result.new_order_id)
    assert new_order.total_fen == 4100
    assert [(r.kind, r.method, r.amount_fen) for r in rows] == [("back", "card", 4400), ("carried", "card", 4100)]
    assert [(p.method, p.amount_fen, p.reference) for p in new_facts.payments] == [("card", 4100, CARD_REF)]
    # The old card payment is used up: back 44 and carried 41 count as earlier when the old order is read again.
    assert sum(b.amount_fen for b in old_facts.earlier) == 8500


def test_exchange_at_the_same_price_needs_no_payment(shows, now):
    store = shows.store
    old = _sell(store, shows.hall1, 1, now, [Tender("cash", 4100)])
    seats = _hold_best(store, shows.hall1, 1, now)
    result = _exchange(store, _request(old, shows.hall1, seats), now)
    assert (result.charged_fen, result.back, result.change_fen) == (0, (), 0)
    with transaction(store, write=False) as session:
        owners = claim_owners(session, showtime_id=shows.hall1, now=now)
    assert owners == {seats[0]: ("sold", "counter-1")}  # the old seat was released, the new one sold


def test_cash_offered_when_nothing_is_owed_is_refused_and_changes_nothing(shows, now):
    store = shows.store
    old = _sell(store, shows.hall1, 1, now, [Tender("cash", 4100)])
    seats = _hold_best(store, shows.hall1, 1, now)
    before = _state(store)
    error = _refused(lambda: _exchange(store, _request(old, shows.hall1, seats, [Tender("cash", 100)]), now))
    assert error.code == "tender_not_needed" and _state(store) == before


def test_the_same_exchange_submitted_twice_exchanges_once(shows, now):
    store = shows.store
    old = _sell(store, shows.hall1, 2, now, [Tender("cash", 8200)])
    seats = _hold_best(store, shows.imax, 2, now)
    request = _request(old, shows.imax, seats, [Tender("cash", 10000, tendered_fen=10000)])
    first = _exchange(store, request, now)
    second = _exchange(store, request, now + timedelta(seconds=2))
    assert (first.charged_fen, first.change_fen) == (8800, 1200)
    assert second.repeated and (second.exchange_id, second.new_order_id, second.new_ticket_ids) == (
        first.exchange_id, first.new_order_id, first.new_ticket_ids)
    assert (second.charged_fen, second.change_fen, second.old_reference) == (8800, 1200, old.reference)
    assert [(t.method, t.amount_fen) for t in second.payments] == [("cash", 8800)]
    state = _state(store)
    assert state["exchanges"] == 1 and len(state["orders"]) == 2 and state["payments"] == 3


def test_a_double_enter_between_prepare_and_commit_exchanges_once(shows, now):
    store = shows.store
    old = _sell(store, shows.hall1, 1, now, [Tender("cash", 4100)])
    seats = _hold_best(store, shows.hall1, 1, now)
    request = _request(old, shows.hall1, seats)
    prepared = []
    for _ in range(2):
        with transaction(store, write=False) as session:
            prepared.append(prepare_exchange(session, request=request, now=now, zone=SHANGHAI, rules=RULES,
                                             fallback_policy=POLICY))
    results = []
    for each in prepared:
        with transaction(store) as session:
            results.append(commit_exchange(session, prepared=each, now=now))
    assert [r.repeated for r in results] == [False, True]
    assert results[0].new_order_id == results[1].new_order_id and _state(store)["exchanges"] == 1


def test_seats_not_held_by_this_terminal_are_refused(shows, now):
    store = shows.store
    old = _sell(store, shows.hall1, 1, now, [Tender("cash", 4100)])
    seats = _hold_best(store, shows.imax, 1, now, terminal="kiosk-2")
    before = _state(store)
    error = _refused(lambda: _exchange(store, _request(old, shows.imax, seats, [Tender("cash", 4400)]), now))
    assert error.code == "hold_lost" and error.params["seats"] and _state(store) == before


def test_another_film_is_refused_when_the_policy_says_same_film(shows, now):
    store = shows.store
    old = _sell(store, shows.hall1, 1, now, [Tender("cash", 4100)])
    seats = _hold_best(store, shows.other_film, 1, now)
    error = _refused(lambda: _exchange(store, _request(old, shows.other_film, seats, [Tender("cash", 700)]), now))
    assert error.code == "exchange_other_film"


def test_the_old_order_keeps_its_policy_version_over_todays_config(shows, now):
    store = shows.store
    old = _sell(store, shows.hall1, 1, now, [Tender("cash", 4100)])  # sold under films = "same"
    seats = _hold_best(store, shows.other_film, 1, now)
    anything_goes = RefundPolicy(exchange=ExchangePolicy(films="any"))
    error = _refused(lambda: _exchange(store, _request(old, shows.other_film, seats, [Tender("cash", 700)]), now,
                                       policy=anything_goes))
    assert error.code == "exchange_other_film"


def test_commit_decides_again_so_a_window_that_closed_since_the_preview_changes_nothing(shows, now):
    store = shows.store
    old = _sell(store, shows.hall1, 1, now, [Tender("cash", 4100)])
    with transaction(store, write=False) as session:
        starts = session.get(Showtime, shows.hall1).starts_at
    last_moment = starts - timedelta(minutes=POLICY.exchange.until_minutes_before)  # the boundary is inside
    seats = _hold_best(store, shows.imax, 1, last_moment - timedelta(seconds=30))
    request = _request(old, shows.imax, seats, [Tender("cash", 4400)])
    with transaction(store, write=False) as session:
        prepared = prepare_exchange(session, request=request, now=last_moment, zone=SHANGHAI, rules=RULES,
                                    fallback_policy=POLICY)
    before = _state(store)
    with transaction(store) as session:
        error = _refused(lambda: commit_exchange(session, prepared=prepared,
                                                 now=last_moment + timedelta(seconds=1)))
    assert error.code == "exchange_too_late" and _state(store) == before
    with transaction(store) as session:
        done = commit_exchange(session, prepared=prepared, now=last_moment)
    assert done.charged_fen == 4400


def test_a_seat_taken_between_the_check_and_the_sale_undoes_every_write_of_the_exchange(shows, now):
    """What the savepoint is for: a server store lets another terminal's claim land between the holds check
    and the UPDATE that sells them; everything the exchange wrote is undone even though the caller commits."""
    store = shows.store
    old = _sell(store, shows.hall1, 1, now, [Tender("cash", 4100)])
    seats = _hold_best(store, shows.imax, 1, now)
    request = _request(old, shows.imax, seats, [Tender("cash", 4400)])
    with transaction(store, write=False) as session:
        prepared = prepare_exchange(session, request=request, now=now, zone=SHANGHAI, rules=RULES,
                                    fallback_policy=POLICY)
    before = _state(store)

    def other_terminal_first(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE SEATCLAIM SET STATUS"):
            cursor.execute(driver_sql(connection.dialect, "UPDATE seatclaim SET terminal_id = 'counter-2' "
                                      "WHERE seat_id = ? AND showtime_id = ?"), (seats[0], shows.imax))

    event.listen(store, "before_cursor_execute", other_terminal_first)
    try:
        with transaction(store) as session:  # the caller goes on and commits its transaction
            error = _refused(lambda: commit_exchange(session, prepared=prepared, now=now))
    finally:
        event.remove(store, "before_cursor_execute", other_terminal_first)
    assert error.code == "hold_lost"
    assert _state(store) == before  # the other terminal's change was inside the savepoint too: undone with it


# --- races with real processes -------------------------------------------------------------------------------


def _take_seats_in_child(url: str, showtime_id: int, seat_ids: list[int], at: datetime, go: float) -> str:
    """Another terminal (its own process, spawned) claims seats at ``at``, once the common start ``go`` comes."""
    engine = make_engine(url)
    with engine.connect():  # connected and imported before the start
        pass
    time.sleep(max(0.0, go - time.time()))
    try:
        with transaction(engine) as session:
            hold_seats(session, showtime_id=showtime_id, seat_ids=seat_ids, terminal_id="counter-2", staff_id=2,
                       now=at, hold_seconds=300)
        return "held"
    except BoxOfficeError as error:
        return error.code
    finally:
        engine.dispose()


@pytest.mark.slow
def test_exchange_changes_nothing_when_another_process_took_the_new_seat(shows, now):
    """The hold ran out while the customer hesitated; another terminal (a real process) claims the seat between
    the preview and Enter: the old tickets stay valid, nothing is charged, no claim changes."""
    store = shows.store
    url = store.url.render_as_string(hide_password=False)
    old = _sell(store, shows.hall1, 2, now, [Tender("cash", 8200)])
    seats = _hold_best(store, shows.imax, 2, now, seconds=60)
    request = _request(old, shows.imax, seats, [Tender("cash", 8800)])
    with transaction(store, write=False) as session:
        prepared = prepare_exchange(session, request=request, now=now + timedelta(seconds=50), zone=SHANGHAI,
                                    rules=RULES, fallback_policy=POLICY)
    later = now + timedelta(seconds=90)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        taken = pool.apply(_take_seats_in_child, (url, shows.imax, seats[1:], later, 0.0))
    assert taken == "held"
    before = _state(store)

    with transaction(store) as session:
        error = _refused(lambda: commit_exchange(session, prepared=prepared, now=later))
    assert error.code == "hold_lost"
    assert _state(store) == before
    with transaction(store, write=False) as session:
        old_tickets = session.exec(select(Ticket).where(Ticket.order_id == old.order_id)).all()
        owners = claim_owners(session, showtime_id=shows.imax, now=later)
    assert {t.status for t in old_tickets} == {"valid"} and len(before["orders"]) == 1
    assert before["payments"] == 1 and before["revoked"] == 0 and before["exchanges"] == 0
    assert owners == {seats[1]: ("held", "counter-2")}


@pytest.mark.slow
def test_exchange_racing_another_process_for_the_new_seat_is_all_or_nothing(shows, now):
    """Both write at the same moment, several times: each round either the exchange is made whole (and the
    other terminal is refused the seat) or nothing of it is written (and the other terminal has the seat)."""
    store = shows.store
    url = store.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    outcomes = []
    with context.Pool(1) as pool:
        for round_ in range(4):
            old = _sell(store, shows.hall1, 1, now, [Tender("cash", 4100)], key=f"sale-{round_}")
            seats = _hold_best(store, shows.imax, 1, now, seconds=60)
            request = _request(old, shows.imax, seats, [Tender("cash", 4400)], key=f"exchange-{round_}")
            with transaction(store, write=False) as session:
                prepared = prepare_exchange(session, request=request, now=now, zone=SHANGHAI, rules=RULES,
                                            fallback_policy=POLICY)
            go = time.time() + 1.5
            # The other terminal's clock says the hold expired; this one's says it has not: who writes first wins.
            other = pool.apply_async(_take_seats_in_child, (url, shows.imax, seats, now + timedelta(seconds=61), go))
            time.sleep(max(0.0, go - time.time()))
            try:
                with transaction(store) as session:
                    commit_exchange(session, prepared=prepared, now=now + timedelta(seconds=59))
                mine = "exchanged"
            except BoxOfficeError as error:
                mine = error.code
            theirs = other.get(timeout=30)
            outcomes.append((mine, theirs))
            with transaction(store, write=False) as session:
                old_status = {t.status for t in session.exec(select(Ticket).where(Ticket.order_id == old.order_id))}
                exchanged = session.exec(select(Exchange).where(Exchange.request_key == request.request_key)).first()
                owner = claim_owners(session, showtime_id=shows.imax, now=now)[seats[0]]
            if mine == "exchanged":
                assert theirs == "seat_taken" and old_status == {"exchanged"} and exchanged is not None
                assert owner == ("sold", "counter-1")
            else:
                assert (mine, theirs) == ("hold_lost", "held") and old_status == {"valid"} and exchanged is None
                assert owner == ("held", "counter-2")
    print(f"\nexchange race: {outcomes}")
