"""The door in a real store with a fixed clock: a ticket is let in once, and every refusal says why."""

from __future__ import annotations

import multiprocessing
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, update
from sqlmodel import func, select

from boxoffice.door import DoorWindow, admit, door_counts, door_showtimes, unknown_halls
from boxoffice.entry_tokens import TOKEN_ERROR_CODES, revoke, sign_token
from boxoffice.errors import BoxOfficeError
from boxoffice.holds import hold_seats
from boxoffice.sales import SaleLine, SaleRequest, complete_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender
from boxoffice.terminals import register_terminal
from boxoffice.ticket_content import ticket_contents
from db.engine import make_engine, transaction
from db.models import AuditEntry, Seat, Showtime, Ticket
from tests.support.stores import driver_datetime, driver_sql

SHANGHAI = ZoneInfo("Asia/Shanghai")
SIGNING = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = SIGNING.public_key()
WINDOW = DoorWindow.minutes(30, 60)
TOKEN_CODES = set(TOKEN_ERROR_CODES) | {"token_unknown"}
_PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def sell_tickets(store, now, numbers, *, start="13:00", hall=1, key="door-1", signing_key=SIGNING):
    """Sell row F seats of Friday's showtime at ``start`` in ``hall`` at the counter (``now`` is the demo store's
    Friday); the showtime, the ticket ids and the QR payloads their tickets print with."""
    with transaction(store) as session:
        shows = session.exec(select(Showtime).where(Showtime.auditorium_id == hall, Showtime.starts_at > now)).all()
        show = next(s for s in shows if s.starts_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M") == f"12-04 {start}")
        seats = {s.number: s.id for s in session.exec(select(Seat).where(Seat.auditorium_id == hall,
                                                                          Seat.row_label == "F")).all()}
        picked = [seats[n] for n in numbers]
        for terminal, name in (("counter-1", "Counter 1"), ("door-1", "Door 1"), ("door-2", "Door 2")):
            register_terminal(session, terminal_id=terminal, name=name, mode=terminal.split("-")[0], now=now)
        hold_seats(session, showtime_id=show.id, seat_ids=picked, terminal_id="counter-1", staff_id=1, now=now,
                   hold_seconds=600)
    request = SaleRequest(showtime_id=show.id, lines=tuple(SaleLine(s, "adult") for s in picked),
                          tenders=(Tender("cash", 100000, tendered_fen=100000),), channel="counter",
                          terminal_id="counter-1", staff=StaffMember(1, "1001", "王芳", "cashier"), request_key=key)
    with transaction(store) as session:
        result = complete_sale(session, request=request, now=now, zone=SHANGHAI, rules=SeatRules())
        contents = ticket_contents(session, order_id=result.order_id, zone=SHANGHAI, cinema_zh="星光影城",
                                   cinema_en="Starlight", signing_key=signing_key)
    return show, list(result.ticket_ids), [content.qr_payload for content in contents]


@pytest.fixture
def sold(demo_store, now):
    """Two tickets (F7, F8) of today's 13:00 showtime in hall 1, and their QR payloads."""
    show, ticket_ids, tokens = sell_tickets(demo_store, now, [7, 8])
    return demo_store, show, ticket_ids, tokens


def _admit(store, text, at, *, terminal="door-1", halls=(), showtime_id=None, window=WINDOW):
    with transaction(store) as session:
        return admit(session, text=text, public_key=PUBLIC, terminal_id=terminal, now=at, window=window,
                     halls=halls, showtime_id=showtime_id)


def _refusal(call) -> BoxOfficeError:
    with pytest.raises(BoxOfficeError) as caught:
        call()
    return caught.value


def _admitted(store):
    """Ticket id → (admitted_at, admitted_terminal) of every admitted ticket, and the admissions audited."""
    with transaction(store, write=False) as session:
        tickets = {t.id: (t.admitted_at, t.admitted_terminal)
                   for t in session.exec(select(Ticket).where(Ticket.admitted_at.is_not(None))).all()}
        audited = session.exec(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "door.admit")).one()
    return tickets, audited


def test_a_ticket_is_admitted_once_then_said_to_be_already_admitted_with_time_and_door(sold):
    store, show, ticket_ids, tokens = sold
    at = show.starts_at - timedelta(minutes=5)
    result = _admit(store, tokens[0] + "\r\n", at)
    assert (result.ticket_id, result.showtime_id, result.seat_label) == (ticket_ids[0], show.id, "F7")
    assert (result.ticket_type_en, result.hall_zh, result.starts_at, result.admitted_at) == (
        "Adult", "1号厅", show.starts_at, at)
    with transaction(store, write=False) as session:
        assert door_counts(session, show.id) == (1, 2)

    again = _refusal(lambda: _admit(store, tokens[0], at + timedelta(minutes=2), terminal="door-2"))
    assert again.code == "door_already_admitted"
    assert (again.params["admitted_at"], again.params["terminal"], again.params["seat"]) == (at, "Door 1", "F7")
    assert _admitted(store) == ({ticket_ids[0]: (at, "door-1")}, 1)
    assert _admit(store, tokens[1], at).seat_label == "F8"
    with transaction(store, write=False) as session:
        assert door_counts(session, show.id) == (2, 2)


def test_a_door_refuses_tickets_of_halls_it_does_not_serve_and_names_the_right_hall(sold):
    store, show, _, tokens = sold
    at = show.starts_at - timedelta(minutes=5)
    wrong = _refusal(lambda: _admit(store, tokens[0], at, halls=("2号厅", "IMAX厅")))
    assert wrong.code == "door_wrong_hall"
    assert (wrong.params["hall_zh"], wrong.params["hall_en"], wrong.params["starts_at"]) == (
        "1号厅", "Hall 1", show.starts_at)
    assert _admitted(store) == ({}, 0)
    assert _admit(store, tokens[0], at, halls=("Hall 1",)).seat_label == "F7"  # English names serve too
    assert _admit(store, tokens[1], at, halls=("1号厅", "2号厅")).seat_label == "F8"


def test_a_ticket_of_another_showtime_is_refused_with_the_film_and_time_it_is_for(sold, now):
    store, show, _, tokens = sold
    with transaction(store, write=False) as session:
        other = session.exec(select(Showtime).where(Showtime.id != show.id, Showtime.starts_at > now)
                             .order_by(Showtime.starts_at)).first()
        film = session.exec(select(Showtime).where(Showtime.id == show.id)).one().film_id
    at = show.starts_at - timedelta(minutes=5)
    wrong = _refusal(lambda: _admit(store, tokens[0], at, showtime_id=other.id))
    assert wrong.code == "door_wrong_showtime"
    assert (wrong.params["showtime_id"], wrong.params["starts_at"], wrong.params["hall_zh"]) == (
        show.id, show.starts_at, "1号厅")
    assert wrong.params["film_zh"] and film
    assert _admitted(store) == ({}, 0)
    assert _admit(store, tokens[0], at, showtime_id=show.id).showtime_id == show.id


def test_too_early_a_second_before_the_doors_open_and_admitted_the_second_they_open(sold):
    store, show, ticket_ids, tokens = sold
    opens = show.starts_at - timedelta(minutes=30)
    early = _refusal(lambda: _admit(store, tokens[0], opens - timedelta(seconds=1)))
    assert (early.code, early.params["opens_at"]) == ("door_too_early", opens)
    assert _admitted(store) == ({}, 0)
    assert _admit(store, tokens[0], opens).admitted_at == opens
    assert _admitted(store) == ({ticket_ids[0]: (opens, "door-1")}, 1)


def test_too_late_once_entry_has_closed(sold):
    store, show, _, tokens = sold
    closes = show.starts_at + timedelta(minutes=60)
    late = _refusal(lambda: _admit(store, tokens[0], closes))
    assert (late.code, late.params["closed_at"]) == ("door_too_late", closes)
    assert _admitted(store) == ({}, 0)
    assert _admit(store, tokens[1], closes - timedelta(seconds=1)).seat_label == "F8"
    narrow = DoorWindow.minutes(0, 0)  # a door that lets nobody in
    assert _refusal(lambda: _admit(store, tokens[0], show.starts_at, window=narrow)).code == "door_too_late"


def test_refunded_exchanged_and_replaced_tickets_are_refused_and_nothing_is_written(sold, now):
    store, show, ticket_ids, tokens = sold
    at = show.starts_at - timedelta(minutes=5)
    with transaction(store) as session:
        revoke(session, ticket_id=ticket_ids[0], reason="refund", now=now)
        revoke(session, ticket_id=ticket_ids[1], reason="exchange", now=now)
    refunded = _refusal(lambda: _admit(store, tokens[0], at))
    assert (refunded.code, refunded.params["seat"]) == ("door_refunded", "F7")
    exchanged = _refusal(lambda: _admit(store, tokens[1], at))
    assert (exchanged.code, exchanged.params["reason"]) == ("door_revoked", "exchange")

    _, more_ids, more = sell_tickets(store, now, [9, 10], key="door-2")
    with transaction(store) as session:
        session.exec(update(Ticket).where(Ticket.id == more_ids[0]).values(status="refunded"))
        session.exec(update(Ticket).where(Ticket.id == more_ids[1]).values(token_nonce="0badc0de"))
        fresh = sign_token(SIGNING, session.get(Ticket, more_ids[1]))
    assert _refusal(lambda: _admit(store, more[0], at)).code == "door_refunded"
    replaced = _refusal(lambda: _admit(store, more[1], at))
    assert (replaced.code, replaced.params["reason"]) == ("door_revoked", "replaced")
    assert _admitted(store) == ({}, 0)
    assert _admit(store, fresh, at).ticket_id == more_ids[1]  # the newer print is let in
    with transaction(store, write=False) as session:
        assert door_counts(session, show.id) == (1, 1)  # refunded and exchanged tickets are not counted sold


def test_a_cancelled_showtimes_tickets_are_refused(sold):
    store, show, _, tokens = sold
    with transaction(store) as session:
        session.exec(update(Showtime).where(Showtime.id == show.id).values(status="cancelled"))
    assert _refusal(lambda: _admit(store, tokens[0], show.starts_at)).code == "door_showtime_cancelled"


def test_a_door_lists_the_showtimes_it_admits_now_in_its_halls_with_counts(sold):
    store, show, _, tokens = sold
    at = show.starts_at - timedelta(minutes=5)
    _admit(store, tokens[0], at)
    WIDE = DoorWindow.minutes(120, 120)
    with transaction(store, write=False) as session:
        every = door_showtimes(session, now=at, window=WIDE, halls=())
        hall1 = door_showtimes(session, now=at, window=WINDOW, halls=("Hall 1",))
        later = door_showtimes(session, now=show.starts_at + timedelta(minutes=60), window=WINDOW, halls=("1号厅",))
        unknown = unknown_halls(session, ("1号厅", "Hall 2", "3号厅"))
    assert show.id in [s.id for s in every]
    assert all(WIDE.is_open(s.starts_at, at) for s in every) and len({s.hall_zh for s in every}) > 1
    assert [s.starts_at for s in every] == sorted(s.starts_at for s in every)
    (mine,) = hall1
    assert (mine.id, mine.admitted, mine.sold, mine.hall_en) == (show.id, 1, 2, "Hall 1")
    assert show.id not in [s.id for s in later]
    assert unknown == ("3号厅",)


class _RolledBack(Exception):
    pass


def _admit_in_child(url: str, public_pem: bytes, tokens: list[str], terminal: str, go: float,
                    at: datetime) -> list[str]:
    """One door process: wait for the common start, then scan every token once (spawned, so importable)."""
    public_key = serialization.load_pem_public_key(public_pem)
    assert isinstance(public_key, Ed25519PublicKey)
    engine = make_engine(url)
    outcomes = []
    try:  # warm up (connect, compile the statements) so that neither door is done before the other starts
        with transaction(engine) as session:
            admit(session, text=tokens[0], public_key=public_key, terminal_id=terminal, now=at, window=WINDOW,
                  halls=())
            raise _RolledBack
    except (_RolledBack, BoxOfficeError):
        pass
    time.sleep(max(0.0, go - time.time()))
    for token in tokens:
        try:
            with transaction(engine) as session:
                admit(session, text=token, public_key=public_key, terminal_id=terminal, now=at, window=WINDOW,
                      halls=())
            outcomes.append("admitted")
        except BoxOfficeError as error:
            outcomes.append(error.code)
    engine.dispose()
    return outcomes


@pytest.mark.slow
def test_two_doors_racing_in_two_processes_admit_each_ticket_once(demo_store, now):
    show, ticket_ids, tokens = sell_tickets(demo_store, now, [3, 4, 5, 6, 7, 8, 9, 10])
    url = demo_store.url.render_as_string(hide_password=False)
    pem = PUBLIC.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    at = show.starts_at - timedelta(minutes=1)
    go = time.time() + 3.0  # both processes have imported and connected by then
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:  # the doors scan in opposite orders: they meet in the middle
        first, reversed_second = pool.starmap(_admit_in_child, [(url, pem, tokens, "door-1", go, at),
                                                                (url, pem, tokens[::-1], "door-2", go, at)])
    second = reversed_second[::-1]
    for mine, theirs in zip(first, second, strict=True):
        assert sorted([mine, theirs]) == ["admitted", "door_already_admitted"]
    admitted, audited = _admitted(demo_store)
    assert sorted(admitted) == sorted(ticket_ids) and audited == len(ticket_ids)
    assert {terminal for _, terminal in admitted.values()} <= {"door-1", "door-2"}
    print(f"\ndoor race: door-1 admitted {first.count('admitted')}, door-2 {second.count('admitted')}")


def test_an_admission_between_the_read_and_the_update_wins_and_is_reported(sold):
    """What the conditional UPDATE is for (another door's commit landing in between, as PostgreSQL allows)."""
    store, show, ticket_ids, tokens = sold
    at = show.starts_at - timedelta(minutes=5)
    other_door = at - timedelta(seconds=1)

    def other_door_first(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE TICKET SET ADMITTED_AT"):
            cursor.execute(driver_sql(connection.dialect,
                                      "UPDATE ticket SET admitted_at = ?, admitted_terminal = 'door-2' WHERE id = ?"),
                           (driver_datetime(connection.dialect, other_door), ticket_ids[0]))

    event.listen(store, "before_cursor_execute", other_door_first)
    try:
        lost = _refusal(lambda: _admit(store, tokens[0], at))
    finally:
        event.remove(store, "before_cursor_execute", other_door_first)
    assert (lost.code, lost.params["terminal"], lost.params["admitted_at"]) == (
        "door_already_admitted", "Door 2", other_door)
    assert _admitted(store) == ({}, 0)  # the other door was played inside this transaction: rolled back with it


@_PROPERTY
@given(data=st.data())
def test_no_random_or_mangled_code_crashes_the_door_or_admits_anyone(sold, data):
    store, show, _, tokens = sold
    token = data.draw(st.sampled_from(tokens))
    text = data.draw(st.one_of(
        st.text(max_size=250),
        st.from_regex(r"\A1[0-9]{193}\Z"),
        st.builds(lambda p, c: token[:p] + c + token[p + 1:], st.integers(0, 193), st.characters()),
        st.builds(lambda p: token[:p] + token[p + 1:], st.integers(0, 193)),
    ))
    assume(text.strip() != token)
    with pytest.raises(BoxOfficeError) as caught:
        _admit(store, text, show.starts_at)
    assert caught.value.code in TOKEN_CODES
    assert _admitted(store) == ({}, 0)
