"""Pickup lookup in a real store: codes found by digest only, typos refused before any query, tokens revocable."""

from zoneinfo import ZoneInfo

import pytest
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, inspect, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from boxoffice.entry_tokens import TOKEN_ERROR_CODES, is_revoked, new_token_nonce, revoke, sign_token
from boxoffice.errors import BoxOfficeError
from boxoffice.holds import hold_seats
from boxoffice.pickup import find_order_by_code, read_entry_token
from boxoffice.pickup_codes import code_digest, format_code, issue_pickup_code, new_pickup_code, normalize
from boxoffice.sales import SaleLine, SaleRequest, complete_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender
from db.engine import make_engine, transaction
from db.migrate import alembic_config, current_revision, head_revision, upgrade
from db.models import RevokedToken, SaleOrder, Seat, Showtime, Ticket
from tests.support.stores import stored_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = bytes(range(100, 132))
SIGNING = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = SIGNING.public_key()
LOOKUP_CODES = {"pickup_code_check"}
TOKEN_CODES = set(TOKEN_ERROR_CODES) | {"token_revoked", "token_unknown"}
_PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class FixedDigits:
    def __init__(self, *values: int) -> None:
        self.values = list(values)

    def randbelow(self, bound: int) -> int:
        return self.values.pop(0)


def _sell(store, now, seat_numbers, key):
    with transaction(store) as session:
        show = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)
                            .order_by(Showtime.starts_at)).first()
        seats = [session.exec(select(Seat).where(Seat.auditorium_id == 1, Seat.row_label == "F",
                                                 Seat.number == n)).one().id for n in seat_numbers]
        hold_seats(session, showtime_id=show.id, seat_ids=seats, terminal_id="counter-1", staff_id=1, now=now,
                   hold_seconds=600)
    request = SaleRequest(showtime_id=show.id, lines=tuple(SaleLine(s, "adult") for s in seats),
                          tenders=(Tender("cash", 100000, tendered_fen=100000),), channel="counter",
                          terminal_id="counter-1", staff=StaffMember(1, "1001", "王芳", "cashier"), request_key=key)
    with transaction(store) as session:
        result = complete_sale(session, request=request, now=now, zone=SHANGHAI, rules=SeatRules())
        # What complete_sale will do once wired: a code for the order, a nonce per ticket.
        code = issue_pickup_code(session, order_id=result.order_id, key=KEY)
        for ticket_id in result.ticket_ids:
            session.exec(update(Ticket).where(Ticket.id == ticket_id).values(token_nonce=new_token_nonce()))
    with transaction(store, write=False) as session:
        tickets = session.exec(select(Ticket).where(Ticket.order_id == result.order_id).order_by(Ticket.id)).all()
    return result.order_id, code, [sign_token(SIGNING, ticket) for ticket in tickets], tickets


@pytest.fixture
def sold(demo_store, now):
    """One order of two tickets with its pickup code and signed tokens."""
    order_id, code, tokens, tickets = _sell(demo_store, now, [7, 8], "pickup-1")
    return demo_store, order_id, code, tokens, tickets


def _find(store, text, key=KEY):
    with transaction(store, write=False) as session:
        return find_order_by_code(session, code_text=text, key=key)


def _read(store, text):
    with transaction(store, write=False) as session:
        return read_entry_token(session, text=text, public_key=PUBLIC)


def _code_of(call) -> str:
    with pytest.raises(BoxOfficeError) as caught:
        call()
    return caught.value.code


def test_an_order_is_found_by_its_code_however_it_is_typed(sold):
    store, order_id, code, _, _ = sold
    assert _find(store, code) == order_id
    assert _find(store, format_code(code)) == order_id
    assert _find(store, "".join(chr(0xFF10 + int(d)) for d in code)) == order_id
    assert _find(store, f" {code[:3]}-{code[3:6]}-{code[6:]} ") == order_id


def test_the_store_keeps_only_the_digest_of_the_code(sold, tmp_path):
    store, order_id, code, _, _ = sold
    with transaction(store, write=False) as session:
        order = session.get(SaleOrder, order_id)
    assert order.pickup_code_digest == code_digest(code, KEY)
    stored = stored_bytes(store)  # SQLite: the file and its WAL; PostgreSQL: every row
    assert code.encode() not in stored and format_code(code).encode() not in stored
    assert code_digest(code, KEY).encode() in stored


def test_another_key_or_an_unissued_code_finds_nothing(sold):
    store, _, code, _, _ = sold
    assert _find(store, code, key=bytes(32)) is None
    other = next(candidate for candidate in iter(new_pickup_code, None) if candidate != code)
    assert _find(store, other) is None


def test_a_typo_is_refused_before_any_query(sold):
    store, _, code, _, _ = sold
    typo = code[:4] + str((int(code[4]) + 1) % 10) + code[5:]
    swapped = code[:1] + code[2] + code[1] + code[3:] if code[1] != code[2] else code[:2] + "x" + code[3:]
    statements: list[str] = []

    def listener(*args: object) -> None:
        statements.append(str(args[2]))

    with transaction(store, write=False) as session:
        reading = session.connection().engine  # on PostgreSQL, the engine of read transactions (db.engine)
        event.listen(reading, "before_cursor_execute", listener)
        try:
            for text in (typo, swapped, "12345", "not a code", ""):
                with pytest.raises(BoxOfficeError) as caught:
                    find_order_by_code(session, code_text=text, key=KEY)
                assert caught.value.code == "pickup_code_check"
                assert caught.value.params["reason"] in ("format", "check_digit")
            assert statements == []
            find_order_by_code(session, code_text=code, key=KEY)  # the listener does see lookups
            assert len(statements) == 1
        finally:
            event.remove(reading, "before_cursor_execute", listener)


def test_codes_are_unique_a_drawn_code_in_use_is_drawn_again(sold, now):
    store, order_id, code, _, _ = sold
    body = int(code[:9])
    with transaction(store) as session:
        other = session.exec(select(SaleOrder).where(SaleOrder.id == order_id)).one()
        order = SaleOrder(reference="1204-TESTTEST", showtime_id=other.showtime_id, channel="counter",
                          terminal_id="counter-1", total_fen=0, created_at=now)
        session.add(order)
        session.flush()
        fresh = issue_pickup_code(session, order_id=order.id, key=KEY, rng=FixedDigits(body, body, 123))
    assert fresh == new_pickup_code(FixedDigits(123)) != code
    assert _find(store, fresh) == order.id and _find(store, code) == order_id
    with pytest.raises(BoxOfficeError) as caught, transaction(store) as session:
        issue_pickup_code(session, order_id=order.id, key=KEY, rng=FixedDigits(*[body] * 8))
    assert caught.value.code == "pickup_code_exhausted"
    with pytest.raises(IntegrityError), transaction(store) as session:
        session.exec(update(SaleOrder).where(SaleOrder.id == order.id)
                     .values(pickup_code_digest=code_digest(code, KEY)))


@_PROPERTY
@given(text=st.one_of(st.text(max_size=40), st.from_regex(r"\A[0-9 \-]{8,14}\Z"),
                      st.text(alphabet="0123456789０１２３４５６７８９ -", min_size=10, max_size=16)))
def test_random_text_never_crashes_the_code_lookup_nor_finds_an_order(sold, text):
    store, _, code, _, _ = sold
    assume(normalize(text) != code)
    try:
        assert _find(store, text) is None
    except BoxOfficeError as error:
        assert error.code in LOOKUP_CODES


@_PROPERTY
@given(edits=st.lists(st.tuples(st.sampled_from(["sub", "swap", "drop", "add"]), st.integers(0, 11),
                                st.sampled_from("0123456789")), min_size=1, max_size=3))
def test_mangled_codes_never_crash_the_lookup_nor_find_an_order(sold, edits):
    store, _, code, _, _ = sold
    text = code
    for kind, position, digit in edits:
        position %= len(text) or 1
        if kind == "sub":
            text = text[:position] + digit + text[position + 1:]
        elif kind == "swap":
            text = text[:position] + text[position + 1:position + 2] + text[position:position + 1] + text[position + 2:]
        elif kind == "drop":
            text = text[:position] + text[position + 1:]
        else:
            text = text[:position] + digit + text[position:]
    assume(normalize(text) != code)
    try:
        assert _find(store, text) is None
    except BoxOfficeError as error:
        assert error.code in LOOKUP_CODES
    if len(edits) == 1 and edits[0][0] in ("sub", "swap"):  # one typo: always caught by the check digit
        assert _code_of(lambda: _find(store, text)) == "pickup_code_check"


def test_a_genuine_token_reads_back_its_ticket(sold):
    store, _, _, tokens, tickets = sold
    for token, ticket in zip(tokens, tickets, strict=True):
        claims = _read(store, token)
        assert (claims.ticket_id, claims.showtime_id, claims.seat_id, claims.nonce) == (
            ticket.id, ticket.showtime_id, ticket.seat_id, ticket.token_nonce)


def test_a_revoked_token_is_refused_and_revoking_twice_keeps_the_first(sold, now):
    store, _, _, tokens, tickets = sold
    with transaction(store) as session:
        assert not is_revoked(session, tickets[0].id)
        assert revoke(session, ticket_id=tickets[0].id, reason="refund", now=now) is True
    with transaction(store) as session:
        assert revoke(session, ticket_id=tickets[0].id, reason="exchange", now=now) is False
        assert is_revoked(session, tickets[0].id) and not is_revoked(session, tickets[1].id)
        row = session.get(RevokedToken, tickets[0].id)
    assert (row.reason, row.revoked_at) == ("refund", now)
    with pytest.raises(BoxOfficeError) as caught:
        _read(store, tokens[0])
    assert (caught.value.code, caught.value.params["reason"]) == ("token_revoked", "refund")
    assert _read(store, tokens[1]).ticket_id == tickets[1].id
    with pytest.raises(ValueError), transaction(store) as session:
        revoke(session, ticket_id=tickets[1].id, reason="", now=now)


def test_a_replaced_token_is_refused_and_the_new_one_admitted(sold):
    store, _, _, tokens, tickets = sold
    with transaction(store) as session:
        session.exec(update(Ticket).where(Ticket.id == tickets[0].id).values(token_nonce="00000000"))
        ticket = session.get(Ticket, tickets[0].id)
    with pytest.raises(BoxOfficeError) as caught:
        _read(store, tokens[0])
    assert (caught.value.code, caught.value.params["reason"]) == ("token_revoked", "replaced")
    assert _read(store, sign_token(SIGNING, ticket)).nonce == "00000000"


def test_tokens_of_unknown_tickets_or_other_sites_are_refused(sold):
    store, _, _, _, tickets = sold
    ghost = sign_token(SIGNING, Ticket(id=999999, order_id=1, claim_id=1, showtime_id=1, seat_id=1,
                                       ticket_type_id=1, price_fen=0, secret="x", token_nonce="01020304"))
    assert _code_of(lambda: _read(store, ghost)) == "token_unknown"
    foreign = Ed25519PrivateKey.from_private_bytes(bytes(32))
    assert _code_of(lambda: _read(store, sign_token(foreign, tickets[0]))) == "token_signature"


@_PROPERTY
@given(data=st.data())
def test_no_mangled_or_random_qr_payload_crashes_the_reader_or_admits_anyone(sold, data):
    store, _, _, tokens, _ = sold
    token = data.draw(st.sampled_from(tokens))
    text = data.draw(st.one_of(
        st.text(max_size=250),
        st.from_regex(r"\A1[0-9]{193}\Z"),
        st.builds(lambda p, c: token[:p] + c + token[p + 1:], st.integers(0, 193), st.characters()),
        st.builds(lambda p, n: token[:p] + token[p + n:], st.integers(0, 193), st.integers(1, 5)),
    ))
    assume(text.strip() != token)
    assert _code_of(lambda: _read(store, text)) in TOKEN_CODES


def test_upgrading_a_store_with_orders_keeps_them_without_codes(new_store_url, now):
    engine = make_engine(new_store_url("old", migrated=False))
    try:
        upgrade(engine, "0003")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO site (name_zh, name_en, timezone) VALUES ('星光影城', 'Starlight', 'Asia/Shanghai')")
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            columns = {column["name"] for column in inspect(connection).get_columns("sale_order")}
            indexes = {index["name"] for index in inspect(connection).get_indexes("sale_order")}
            assert "pickup_code_digest" in columns and "ux_sale_order_pickup_code" in indexes
            assert connection.exec_driver_sql("SELECT count(*) FROM site").scalar() == 1
        command.downgrade(alembic_config(engine), "0003")
        assert current_revision(engine) == "0003"
    finally:
        engine.dispose()
