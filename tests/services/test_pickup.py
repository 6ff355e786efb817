"""Pickup in a real store with a fixed clock: what the screen shows, collecting once, reprints, the lock."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlmodel import func, select

from boxoffice.errors import BoxOfficeError
from boxoffice.holds import hold_seats
from boxoffice.pickup import collect, lookup, order_view, present, reprint_collected
from boxoffice.pickup_codes import CODE_DIGITS, normalize
from boxoffice.pickup_guard import GuardPolicy, lock_end
from boxoffice.print_queue import queue_order_tickets
from boxoffice.sales import SaleLine, SaleRequest, complete_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender
from boxoffice.terminals import register_terminal
from boxoffice.ticket_content import ticket_contents
from db.engine import transaction
from db.models import AuditEntry, PickupAttempt, PrintJob, SaleOrder, Seat, Showtime, Ticket
from tests.support.bookings import book_online

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = bytes(range(100, 132))
SIGNING = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = SIGNING.public_key()
CASHIER = StaffMember(1, "1001", "王芳", "cashier")
SUPERVISOR = StaffMember(2, "2001", "李强", "supervisor")
POLICY = GuardPolicy(max_wrong=5, window=timedelta(seconds=60), lockout=timedelta(seconds=60))
_PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _sell(store, now, numbers, *, key="k", phone="13812341234", channel="counter"):
    with transaction(store) as session:
        show = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)
                            .order_by(Showtime.starts_at)).first()
        seats = [session.exec(select(Seat).where(Seat.auditorium_id == 1, Seat.row_label == "F",
                                                 Seat.number == n)).one().id for n in numbers]
        hold_seats(session, showtime_id=show.id, seat_ids=seats, terminal_id="counter-1", staff_id=1, now=now,
                   hold_seconds=600)
        register_terminal(session, terminal_id="kiosk-2", name="Kiosk 2", mode="kiosk", now=now)
        register_terminal(session, terminal_id="counter-1", name="Counter 1", mode="counter", now=now)
    request = SaleRequest(showtime_id=show.id, lines=tuple(SaleLine(s, "adult") for s in seats),
                          tenders=(Tender("cash", 100000, tendered_fen=100000),), channel=channel,
                          terminal_id="counter-1", staff=CASHIER, request_key=key, phone=phone)
    with transaction(store) as session:
        result = complete_sale(session, request=request, now=now, zone=SHANGHAI, rules=SeatRules(), pickup_key=KEY)
    return result, show


def _booked(store, now, numbers=(7, 8), key="k", phone="13812341234"):
    """An online booking nobody has collected yet, imported as ``boxoffice import bookings`` does."""
    booked = book_online(store, now, key=KEY, numbers=numbers, booking_id=f"MY-{key}", phone=phone)
    with transaction(store) as session:
        show = session.get(Showtime, booked.showtime_id)
        register_terminal(session, terminal_id="kiosk-2", name="Kiosk 2", mode="kiosk", now=now)
        register_terminal(session, terminal_id="counter-1", name="Counter 1", mode="counter", now=now)
    return booked, show


def _tokens(store, order_id):
    with transaction(store, write=False) as session:
        return [c.qr_payload for c in ticket_contents(session, order_id=order_id, zone=SHANGHAI, cinema_zh="星光影城",
                                                      cinema_en="Starlight", signing_key=SIGNING)]


def _lookup(store, text, now):
    with transaction(store, write=False) as session:
        return lookup(session, text=text, key=KEY, public_key=PUBLIC, now=now)


def _present(store, text, now, terminal="kiosk-2", policy=POLICY):
    with transaction(store) as session:
        return present(session, text=text, terminal_id=terminal, key=KEY, public_key=PUBLIC, now=now, policy=policy)


def _collect(store, order_id, now, terminal="kiosk-2", printer="tickets"):
    with transaction(store) as session:
        return collect(session, order_id=order_id, terminal_id=terminal, printer=printer, now=now)


def _count(store, model, *where):
    with transaction(store, write=False) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_typed_code_or_a_scanned_ticket_shows_the_order_with_the_phone_masked(demo_store, now):
    result, show = _booked(demo_store, now)
    view = _lookup(demo_store, f" {result.pickup_code[:3]} {result.pickup_code[3:6]}-{result.pickup_code[6:]} ", now)
    assert view.order_id == result.order_id and view.refusal is None
    assert [t.seat for t in view.tickets] == ["F7", "F8"]
    assert view.phone_masked == "138****1234"
    assert view.starts_at == show.starts_at and view.film_zh and view.hall_zh
    assert len(view.to_collect) == 2
    for token in _tokens(demo_store, result.order_id):  # either ticket's QR finds the whole order
        assert _lookup(demo_store, token, now).order_id == result.order_id


def test_collecting_marks_the_tickets_queues_their_print_and_audits_then_says_when_and_where(demo_store, now):
    result, _ = _booked(demo_store, now)
    assert sorted(_collect(demo_store, result.order_id, now)) == sorted(result.ticket_ids)
    assert _count(demo_store, PrintJob, PrintJob.order_id == result.order_id, PrintJob.kind == "ticket") == 2
    assert _count(demo_store, AuditEntry, AuditEntry.action == "pickup") == 1
    later = now + timedelta(minutes=3)
    with pytest.raises(BoxOfficeError) as caught:
        _collect(demo_store, result.order_id, later, terminal="counter-1")
    assert caught.value.code == "pickup_already"
    assert caught.value.params["at"] == now and caught.value.params["where"] == "Kiosk 2"
    view = _lookup(demo_store, result.pickup_code, later)
    assert view.refusal == "pickup_already" and view.collected_where == "Kiosk 2" and view.collected_at == now
    assert _count(demo_store, PrintJob, PrintJob.order_id == result.order_id) == 2  # nothing printed twice


def test_tickets_sold_at_the_counter_were_handed_over_there_so_their_code_prints_nothing(demo_store, now):
    result, _ = _sell(demo_store, now, [7, 8])
    view = _lookup(demo_store, result.pickup_code, now)
    assert view.refusal == "pickup_already" and view.collected_where == "Counter 1"
    with pytest.raises(BoxOfficeError):
        _collect(demo_store, result.order_id, now)


def test_a_refunded_order_and_a_showtime_over_are_refused_with_their_reason(demo_store, now):
    refunded, show = _booked(demo_store, now, (3, 4), key="r")
    with transaction(demo_store) as session:
        session.exec(update(Ticket).where(Ticket.order_id == refunded.order_id).values(status="refunded"))
    assert _lookup(demo_store, refunded.pickup_code, now).refusal == "pickup_refunded"
    booked, show = _booked(demo_store, now, (9, 10), key="o")
    after = show.ends_at + timedelta(seconds=1)
    assert _lookup(demo_store, booked.pickup_code, show.ends_at - timedelta(seconds=1)).refusal is None
    assert _lookup(demo_store, booked.pickup_code, after).refusal == "pickup_showtime_over"
    with pytest.raises(BoxOfficeError) as caught:
        _collect(demo_store, booked.order_id, after)
    assert caught.value.code == "pickup_showtime_over"
    assert _count(demo_store, Ticket, Ticket.order_id == booked.order_id, Ticket.picked_up_at.is_not(None)) == 0


def test_two_terminals_collecting_one_order_at_once_hand_it_out_once(demo_store, now):
    result, _ = _booked(demo_store, now)
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def terminal(name: str) -> None:
        barrier.wait()
        try:
            outcomes.append(len(_collect(demo_store, result.order_id, now, terminal=name)))
        except BoxOfficeError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=terminal, args=(name,)) for name in ("kiosk-2", "counter-1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == sorted([2, "pickup_already"], key=str)
    assert _count(demo_store, PrintJob, PrintJob.order_id == result.order_id) == 2


def test_a_reprint_of_collected_tickets_needs_a_supervisor_and_is_marked(demo_store, now):
    result, _ = _booked(demo_store, now)
    _collect(demo_store, result.order_id, now)
    with transaction(demo_store) as session:  # the first prints went out
        session.exec(update(PrintJob).where(PrintJob.order_id == result.order_id).values(status="printed"))
    with pytest.raises(BoxOfficeError) as caught, transaction(demo_store) as session:
        reprint_collected(session, order_id=result.order_id, printer="tickets", approver=CASHIER,
                          reason="lost", terminal_id="counter-1", now=now)
    assert caught.value.code == "not_permitted"
    with transaction(demo_store) as session:
        jobs = reprint_collected(session, order_id=result.order_id, printer="tickets", approver=SUPERVISOR,
                                 reason="phone died, ID checked", terminal_id="counter-1", now=now)
    assert len(jobs) == 2
    with transaction(demo_store, write=False) as session:
        assert {j.reprint for j in session.exec(select(PrintJob).where(PrintJob.id.in_(jobs))).all()} == {1}
        assert session.exec(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "print.reprint")).one() == 2


@pytest.mark.parametrize("terminal", ["kiosk-2", "door-1", "counter-9"])
def test_a_reprint_is_refused_anywhere_but_at_a_counter_even_with_a_supervisor(demo_store, now, terminal):
    result, _ = _booked(demo_store, now)
    _collect(demo_store, result.order_id, now)
    with transaction(demo_store) as session:
        session.exec(update(PrintJob).where(PrintJob.order_id == result.order_id).values(status="printed"))
        register_terminal(session, terminal_id="door-1", name="Door 1", mode="door", now=now)  # counter-9: unknown
    with pytest.raises(BoxOfficeError) as caught, transaction(demo_store) as session:
        reprint_collected(session, order_id=result.order_id, printer="tickets", approver=SUPERVISOR,
                          reason="phone died, ID checked", terminal_id=terminal, now=now)
    assert caught.value.code == "pickup_reprint_counter_only"
    assert caught.value.params == {"terminal": terminal,
                                   "mode": {"kiosk-2": "kiosk", "door-1": "door", "counter-9": None}[terminal]}
    assert _count(demo_store, PrintJob, PrintJob.order_id == result.order_id) == 2  # the first prints only
    assert _count(demo_store, AuditEntry, AuditEntry.action == "print.reprint") == 0
    with transaction(demo_store, write=False) as session:
        assert {t.printed_count for t in session.exec(select(Ticket).where(Ticket.order_id == result.order_id))} \
            == {0}


def test_the_counter_only_refusal_has_words_in_both_languages():
    from boxoffice.i18n import Translator

    for language, words in (("zh", "柜台"), ("en", "counter")):
        assert words in Translator(language).error("pickup_reprint_counter_only")


# --- abuse control -------------------------------------------------------------------------------------------

def _wrong_code(index: int) -> str:
    """A well-formed code (valid check digit) that no order has."""
    from boxoffice.pickup_codes import check_digit

    body = f"{900000000 + index:09d}"
    return body + check_digit(body)


def test_five_wrong_codes_within_a_minute_lock_the_kiosk_input_for_a_minute(demo_store, now):
    result, _ = _booked(demo_store, now)
    for index in range(4):
        outcome = _present(demo_store, _wrong_code(index), now + timedelta(seconds=10 * index))
        assert outcome.error.code == "pickup_not_found" and outcome.locked_until is None
    fifth = now + timedelta(seconds=50)
    outcome = _present(demo_store, _wrong_code(4), fifth)
    assert outcome.error.code == "pickup_not_found" and outcome.locked_until == fifth + timedelta(seconds=60)
    # locked: even the right code is not looked up, and another kiosk is not locked
    locked = _present(demo_store, result.pickup_code, fifth + timedelta(seconds=59))
    assert locked.view is None and locked.locked_until == fifth + timedelta(seconds=60)
    assert _present(demo_store, result.pickup_code, fifth, terminal="kiosk-3").view is not None
    # a minute after the fifth wrong code, it opens again
    again = _present(demo_store, result.pickup_code, fifth + timedelta(seconds=60))
    assert again.view is not None and again.view.order_id == result.order_id and again.locked_until is None


def test_wrong_codes_spread_over_more_than_a_minute_and_typos_do_not_lock(demo_store, now):
    for index in range(8):  # one every 16 s: never 5 within 60 s
        assert _present(demo_store, _wrong_code(index), now + timedelta(seconds=16 * index)).locked_until is None
    typo = "1234567890" if not _is_valid("1234567890") else "1234567891"
    later = now + timedelta(minutes=10)
    for index in range(10):  # check digit wrong: "please check the code", not counted
        outcome = _present(demo_store, typo, later + timedelta(seconds=index))
        assert outcome.error.code == "pickup_code_check" and outcome.locked_until is None


def _is_valid(code: str) -> bool:
    from boxoffice.pickup_codes import has_valid_check_digit

    return has_valid_check_digit(code)


def test_every_attempt_is_logged_without_the_code(demo_store, now):
    result, _ = _booked(demo_store, now)
    _present(demo_store, result.pickup_code, now)
    _present(demo_store, _wrong_code(1), now)
    _present(demo_store, "12345", now)
    _present(demo_store, _tokens(demo_store, result.order_id)[0][:-3] + "000", now)
    with transaction(demo_store, write=False) as session:
        rows = session.exec(select(PickupAttempt).order_by(PickupAttempt.id)).all()
    assert [(r.kind, r.outcome) for r in rows] == [
        ("code", "ok"), ("code", "pickup_not_found"), ("code", "pickup_code_check"), ("qr", "token_signature")]
    assert rows[0].order_id == result.order_id
    assert all(len(r.hint) <= 2 for r in rows)
    assert all(result.pickup_code not in (r.hint + r.outcome) for r in rows)


def test_the_counter_is_not_locked_unless_configured(demo_store, now):
    for index in range(7):
        outcome = _present(demo_store, _wrong_code(index), now, terminal="counter-1", policy=None)
        assert outcome.locked_until is None and outcome.error.code == "pickup_not_found"


@given(times=st.lists(st.integers(0, 600), max_size=30), probe=st.integers(0, 700))
def test_the_lock_rule_locks_exactly_while_five_wrong_codes_within_a_minute_are_less_than_a_minute_old(times, probe):
    from datetime import UTC, datetime

    base = datetime(2026, 12, 4, tzinfo=UTC)
    at = base + timedelta(seconds=probe)
    seen = sorted(base + timedelta(seconds=s) for s in times if s <= probe)  # attempts made by then
    minute = timedelta(seconds=60)
    expected = any(seen[i] - seen[i - 4] < minute and at < seen[i] + minute for i in range(4, len(seen)))
    assert (lock_end(seen, now=at, policy=POLICY) is not None) is expected


@_PROPERTY
@given(position=st.integers(0, CODE_DIGITS - 1), digit=st.sampled_from("0123456789"))
def test_a_valid_code_with_any_one_digit_changed_is_caught_by_the_check_digit(demo_store, now, position, digit):
    result = _code_cache(demo_store, now)
    code = result.pickup_code
    mangled = code[:position] + digit + code[position + 1:]
    if mangled == code:
        return
    with pytest.raises(BoxOfficeError) as caught:
        _lookup(demo_store, mangled, now)
    assert caught.value.code == "pickup_code_check"


@_PROPERTY
@given(text=st.text(max_size=300))
def test_no_random_input_crashes_the_pickup_input_or_finds_an_order(demo_store, now, text):
    result = _code_cache(demo_store, now)
    outcome = _present(demo_store, text, now, policy=None)
    if outcome.view is not None:  # only the real code (however typed) finds it
        assert normalize(text) == result.pickup_code
    else:
        assert isinstance(outcome.error, BoxOfficeError)


_CACHE: dict[str, object] = {}


def _code_cache(store, now):
    """One booked order per store for the property tests (hypothesis runs many examples on one fixture)."""
    key = str(store.url)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _booked(store, now)[0]
    return _CACHE[key]


def test_order_view_of_an_unknown_order_is_not_found(demo_store, now):
    with pytest.raises(BoxOfficeError) as caught, transaction(demo_store, write=False) as session:
        order_view(session, order_id=999_999, now=now)
    assert caught.value.code == "pickup_not_found"


def test_queueing_again_after_collecting_prints_nothing_twice(demo_store, now):
    result, _ = _booked(demo_store, now)
    _collect(demo_store, result.order_id, now)
    with transaction(demo_store) as session:
        again = queue_order_tickets(session, order_id=result.order_id, printer="tickets", terminal_id="kiosk-2",
                                    now=now)
    assert len(again) == 2 and _count(demo_store, PrintJob) == 2
    assert _count(demo_store, SaleOrder) == 1
