"""Importing online bookings into a real store: each booking all or nothing, conflicts reported, re-import harmless."""

import json
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlmodel import func, select

from boxoffice.bookings import ALREADY_IMPORTED, IMPORTED, REFUSED, PickupSms, import_bookings, read_bookings
from boxoffice.bookings_file import BOOKING_KEYS, SEAT_KEYS, BookingsError, parse_bookings
from boxoffice.holds import hold_seats, live_claims
from boxoffice.pickup import find_order_by_code
from boxoffice.pickup_codes import check_digit
from boxoffice.sms import open_body
from db.engine import transaction
from db.models import AuditEntry, Payment, SaleOrder, Seat, SeatClaim, Showtime, SmsMessage, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = b"k" * 32
SMS = PickupSms(template="\u3010{site}\u3011\u53d6\u7968\u7801 {code}\uff0c{film} {time} {hall}\uff0c\u5171{count}\u5f20",
                site_name="\u661f\u5149\u5f71\u57ce")
GIVEN_CODE = "123456789" + check_digit("123456789")
TABLES = (SaleOrder, Ticket, SeatClaim, Payment, SmsMessage, AuditEntry)


@pytest.fixture
def evening(demo_store, now):
    """Today (Friday) 19:30 in hall 1, and hall 1's seat ids by label."""
    with transaction(demo_store, write=False) as session:
        showtimes = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)).all()
        show = next(s for s in showtimes if s.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
                    == "2026-12-04 19:30")
        seats = {f"{s.row_label}{s.number}": s.id for s in session.exec(select(Seat).where(Seat.auditorium_id == 1))}
    return demo_store, show.id, seats


def _booking(booking_id, seats, *, phone="13812341234", code=None, hall="1\u53f7\u5385", starts="2026-12-04T19:30",
             **extra):
    lines = [{"seat": label, "ticket_type": "adult" if i == 0 else "child", "price_fen": 3990 - 1000 * (i > 0),
              "fee_fen": 300} for i, label in enumerate(seats)]
    booking = {"booking_id": booking_id, "hall": hall, "starts_at": starts, "seats": lines,
               "paid_fen": sum(line["price_fen"] + line["fee_fen"] for line in lines),
               "payment_reference": f"PAY-{booking_id}"}
    if phone is not None:
        booking["phone"] = phone
    if code is not None:
        booking["pickup_code"] = code
    return {**booking, **extra}


def _file(*bookings, platform="maoyan"):
    return json.dumps({"platform": platform, "exported_at": "2026-12-04T09:00", "bookings": list(bookings)},
                      ensure_ascii=False)


THREE = _file(_booking("MY1", ["F5", "F6"]), _booking("MY2", ["F7", "F8"], phone="139 0000 1111"),
              _booking("MY3", ["K12"], phone=None, code=GIVEN_CODE))


def _import(store, text, now, source="bookings.json"):
    return import_bookings(store, text, source=source, now=now, zone=SHANGHAI, pickup_key=KEY, sms=SMS)


def _counts(store):
    with transaction(store, write=False) as session:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one() for model in TABLES}


def _sms_code(store, order_id):
    with transaction(store, write=False) as session:
        message = session.exec(select(SmsMessage).where(SmsMessage.order_id == order_id)).one()
    text = open_body(message.body_sealed, phone=message.phone, key=KEY)
    return re.search(r"\d{3} ?\d{3} ?\d{4}", text).group(0)


def test_three_bookings_become_paid_orders_with_sold_seats_tickets_payment_and_pickup_codes(evening, now):
    store, showtime_id, seats = evening
    report = _import(store, THREE, now)
    assert [(o.booking_id, o.status) for o in report.outcomes] == [("MY1", IMPORTED), ("MY2", IMPORTED),
                                                                    ("MY3", IMPORTED)]
    assert [o.sms_queued for o in report.outcomes] == [True, True, False]  # MY3's code came from the platform
    assert report.outcomes[1].phone_masked == "139****1111"
    with transaction(store, write=False) as session:
        claims = live_claims(session, showtime_id=showtime_id, now=now + timedelta(days=1))
        orders = {o.platform_booking_id: o for o in session.exec(select(SaleOrder))}
        tickets = session.exec(select(Ticket).where(Ticket.order_id == orders["MY1"].id).order_by(Ticket.id)).all()
        payment = session.exec(select(Payment).where(Payment.order_id == orders["MY1"].id)).one()
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "booking_import")).all()
        by_code = find_order_by_code(session, code_text=GIVEN_CODE, key=KEY)
    for label in ("F5", "F6", "F7", "F8", "K12"):
        assert claims[seats[label]].status == "sold", label
    first = orders["MY1"]
    assert (first.channel, first.status, first.platform, first.terminal_id, first.total_fen, first.customer_phone) == (
        "online", "paid", "maoyan", "import:maoyan", 3990 + 2990 + 600, "13812341234")
    assert first.reference == report.outcomes[0].reference
    assert [(t.seat_id, t.price_fen, t.fee_fen, t.status, t.picked_up_at) for t in tickets] == [
        (seats["F5"], 3990, 300, "valid", None), (seats["F6"], 2990, 300, "valid", None)]
    assert all(t.secret and len(t.token_nonce) == 8 for t in tickets)  # signed entry tokens when printed
    assert (payment.method, payment.amount_fen, payment.reference) == ("online", 7580, "PAY-MY1")
    assert len(audit) == 3 and "MY1" in audit[0].detail
    assert by_code == orders["MY3"].id
    with transaction(store, write=False) as session:  # the customers learn the issued codes by SMS, and they work
        for booking_id in ("MY1", "MY2"):
            code = _sms_code(store, orders[booking_id].id)
            assert find_order_by_code(session, code_text=code, key=KEY) == orders[booking_id].id


def test_a_booking_with_a_seat_held_at_a_counter_is_refused_and_takes_none_of_its_seats(evening, now):
    store, showtime_id, seats = evening
    with transaction(store) as session:
        hold_seats(session, showtime_id=showtime_id, seat_ids=[seats["F8"]], terminal_id="counter-2", staff_id=1,
                   now=now, hold_seconds=600)
    report = _import(store, THREE, now)
    assert [o.status for o in report.outcomes] == [IMPORTED, REFUSED, IMPORTED]
    refused = report.outcomes[1]
    assert (refused.code, refused.params) == ("booking_seats_taken", {"seats": "F8"})
    with transaction(store, write=False) as session:
        claims = live_claims(session, showtime_id=showtime_id, now=now)
        ids = set(session.exec(select(SaleOrder.platform_booking_id)).all())
    assert seats["F7"] not in claims  # the refused booking's free seat was not taken either
    assert (claims[seats["F8"]].status, claims[seats["F8"]].terminal_id) == ("held", "counter-2")
    assert ids == {"MY1", "MY3"}
    assert _counts(store)["SmsMessage"] == 1 and _counts(store)["Payment"] == 2


def test_a_seat_sold_earlier_refuses_the_booking_that_wants_it(evening, now):
    store, _, _ = evening
    _import(store, _file(_booking("MY1", ["F5", "F6"])), now)
    report = _import(store, _file(_booking("TP9", ["F6", "F9"], phone="13700000000"), platform="taopiaopiao"), now)
    assert (report.outcomes[0].status, report.outcomes[0].params) == (REFUSED, {"seats": "F6"})
    assert _counts(store)["SaleOrder"] == 1


def test_an_expired_hold_does_not_stand_in_the_way(evening, now):
    store, showtime_id, seats = evening
    with transaction(store) as session:
        hold_seats(session, showtime_id=showtime_id, seat_ids=[seats["F5"]], terminal_id="kiosk-2", staff_id=None,
                   now=now - timedelta(minutes=30), hold_seconds=120)
    report = _import(store, _file(_booking("MY1", ["F5", "F6"])), now)
    assert report.outcomes[0].status == IMPORTED


def test_importing_the_same_file_again_changes_nothing(evening, now):
    store, _, _ = evening
    first = _import(store, THREE, now)
    before = _counts(store)
    again = _import(store, THREE, now + timedelta(hours=1))
    assert _counts(store) == before
    assert [o.status for o in again.outcomes] == [ALREADY_IMPORTED] * 3
    assert [o.reference for o in again.outcomes] == [o.reference for o in first.outcomes]


def test_a_booking_refused_once_is_imported_when_its_seat_is_free_again_and_the_rest_stay_put(evening, now):
    store, showtime_id, seats = evening
    with transaction(store) as session:
        hold_seats(session, showtime_id=showtime_id, seat_ids=[seats["F8"]], terminal_id="counter-2", staff_id=1,
                   now=now, hold_seconds=60)
    _import(store, THREE, now)
    report = _import(store, THREE, now + timedelta(minutes=5))  # the counter's hold has lapsed
    assert [o.status for o in report.outcomes] == [ALREADY_IMPORTED, IMPORTED, ALREADY_IMPORTED]
    assert _counts(store)["SaleOrder"] == 3


def test_a_showtime_over_or_cancelled_refuses_its_bookings(evening, now):
    store, showtime_id, _ = evening
    late = _import(store, _file(_booking("MY1", ["F5"])), now + timedelta(hours=14))
    assert (late.outcomes[0].status, late.outcomes[0].code) == (REFUSED, "showtime_over")
    with transaction(store) as session:
        session.execute(update(Showtime).where(Showtime.id == showtime_id).values(status="cancelled"))
    cancelled = _import(store, _file(_booking("MY1", ["F5"])), now)
    assert (cancelled.outcomes[0].status, cancelled.outcomes[0].code) == (REFUSED, "showtime_closed")
    assert _counts(store)["SaleOrder"] == 0


def test_already_imported_wins_over_a_showtime_now_over(evening, now):
    store, _, _ = evening
    _import(store, THREE, now)
    report = _import(store, THREE, now + timedelta(days=2))
    assert [o.status for o in report.outcomes] == [ALREADY_IMPORTED] * 3


def test_broken_and_house_seats_are_not_sold_online(evening, now):
    store, _, _ = evening
    report = _import(store, _file(_booking("MY1", ["G5"]), _booking("MY2", ["H15", "H14"], phone="13700000000")),
                     now)
    assert [(o.code, o.params) for o in report.outcomes] == [
        ("booking_seats_not_for_sale", {"seats": "G5"}), ("booking_seats_not_for_sale", {"seats": "H15"})]


def test_the_platforms_pickup_code_already_used_by_another_order_refuses_the_booking(evening, now):
    store, _, _ = evening
    _import(store, _file(_booking("MY1", ["F5"], code=GIVEN_CODE)), now)
    report = _import(store, _file(_booking("MY2", ["F6"], code=GIVEN_CODE)), now)
    assert report.outcomes[0].code == "booking_pickup_code_in_use"


def _replace_seat(text, old, new):
    return text.replace(f'"seat": "{old}"', f'"seat": "{new}"', 1)


BAD_FILES = [
    pytest.param(THREE[:-40], r"^bookings\.json:\d+:\d+: not valid JSON", id="bad-json"),
    pytest.param(THREE.replace('"payment_reference": "PAY-MY2", ', ""),
                 r"^bookings\.json: booking 2 \(MY2\): payment_reference: missing$", id="missing-field"),
    pytest.param(_replace_seat(THREE, "F8", "Z99"),
                 r'^bookings\.json: booking 2 \(MY2\): seats\[1\]: unknown seat "Z99" in 1\u53f7\u5385$',
                 id="unknown-seat"),
    pytest.param(THREE.replace('"ticket_type": "child"', '"ticket_type": "vip"', 1),
                 r'^bookings\.json: booking 1 \(MY1\): seats\[1\]\.ticket_type: unknown ticket type "vip"',
                 id="unknown-ticket-type"),
    pytest.param(THREE.replace('"paid_fen": 7580', '"paid_fen": 7000', 1),
                 r"^bookings\.json: booking 1 \(MY1\): paid_fen: 7000 is not the seats' prices and fees \(7580\)$",
                 id="price-sum"),
    pytest.param(THREE.replace(GIVEN_CODE, GIVEN_CODE[:-1] + str((int(GIVEN_CODE[-1]) + 1) % 10)),
                 r"^bookings\.json: booking 3 \(MY3\): pickup_code: the check digit is wrong", id="check-digit"),
    pytest.param(_file(_booking("MY1", ["F5"], starts="2026-12-04T19:35")),
                 r"^bookings\.json: booking 1 \(MY1\): starts_at: no showtime in 1\u53f7\u5385 at 2026-12-04 19:35$",
                 id="no-showtime"),
    pytest.param(_file(_booking("MY1", ["F5"], phone=None)),
                 r"^bookings\.json: booking 1 \(MY1\): needs a phone", id="no-way-to-learn-the-code"),
    pytest.param(_file(_booking("MY1", ["F5"]), _booking("MY1", ["F6"])),
                 r"^bookings\.json: booking 2 \(MY1\): booking_id given twice", id="duplicate-id"),
    pytest.param(_file(_booking("MY1", ["F5"], pickupcode=GIVEN_CODE)),
                 r'^bookings\.json: booking 1 \(MY1\): "pickupcode": unknown field', id="misspelt-field"),
    pytest.param(THREE.replace('"price_fen": 3990', '"price_fen": "39.90"', 1),
                 r'^bookings\.json: booking 1 \(MY1\): seats\[0\]\.price_fen: expected a whole number of fen',
                 id="price-as-text"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_a_malformed_file_names_booking_and_field_and_writes_nothing(evening, now, text, expected):
    store, _, _ = evening
    before = _counts(store)
    with pytest.raises(BookingsError) as caught:
        _import(store, text, now)
    assert caught.value.code == "bookings_invalid"
    assert any(re.search(expected, problem) for problem in caught.value.problems), caught.value.problems
    assert _counts(store) == before


def test_problems_of_form_and_problems_against_the_store_are_reported_together(evening, now):
    store, _, _ = evening
    text = _file(_booking("MY1", ["F5", "Q99"]), _booking("MY2", ["F6"], paid_fen=1))
    with pytest.raises(BookingsError) as caught:
        _import(store, text, now)
    assert [p.split(": ")[1:3] for p in caught.value.problems] == [["booking 2 (MY2)", "paid_fen"],
                                                                   ["booking 1 (MY1)", "seats[1]"]]


def test_problems_never_repeat_a_pickup_code_or_a_phone(evening, now):
    store, _, _ = evening
    bad_code = GIVEN_CODE[:-1] + str((int(GIVEN_CODE[-1]) + 1) % 10)
    text = _file(_booking("MY1", ["F5"], code=bad_code), _booking("MY2", ["F6"], phone="12345678901"))
    with pytest.raises(BookingsError) as caught:
        _import(store, text, now)
    shown = str(caught.value.problems)
    assert len(caught.value.problems) == 2 and bad_code not in shown and "12345678901" not in shown


def test_the_documented_example_is_a_valid_file(demo_store):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "bookings.md").read_text("utf-8")
    example = re.search(r"```json\n(.*?)```", doc, re.DOTALL).group(1)
    with transaction(demo_store, write=False) as session:
        plan = read_bookings(session, example, zone=SHANGHAI)
    assert [b.record.booking_id for b in plan.bookings] == ["MY202612050001", "MY202612050002"]
    assert plan.bookings[0].showtime_id == plan.bookings[1].showtime_id  # 1号厅 and Hall 1 are the same hall


# --- anything at all in the file ----------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text()
    | st.sampled_from([10**30, -1, 2**63, "9999-12-31T23:59", "0001-01-01T00:00+08:00", "2026-12-04 19:30:00+08:00",
                       "F5", "G5", "1\u53f7\u5385", "13812341234", GIVEN_CODE, "child", "\ud800"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def mangled_files(draw):
    """The three-booking file with some fields replaced, removed or added, or its text cut or spliced."""
    data = json.loads(THREE)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["top", "booking", "seat"]))
        if where == "top":
            target, keys = data, ["platform", "exported_at", "bookings", "extra"]
        else:
            bookings = data.get("bookings")
            target = draw(st.sampled_from(bookings)) if isinstance(bookings, list) and bookings else data
            keys = sorted(BOOKING_KEYS) + ["x"]
            if where == "seat" and isinstance(target, dict) and isinstance(target.get("seats"), list) \
                    and target["seats"]:
                target, keys = draw(st.sampled_from(target["seats"])), sorted(SEAT_KEYS) + ["x"]
        if not isinstance(target, dict):
            continue
        key = draw(st.sampled_from(keys))
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(JSON)
    text = json.dumps(data, ensure_ascii=False)
    if draw(st.integers(0, 4)) == 0:
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(max_size=5)) + text[cut + draw(st.integers(0, 5)):]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(mangled_files(), st.text(max_size=50), st.binary(max_size=50), JSON.map(json.dumps)))
def test_anything_in_a_file_is_read_or_refused_with_the_importers_own_error(demo_store, text):
    # Reading only: the store is not changed, so sharing it between examples is harmless.
    try:
        with transaction(demo_store, write=False) as session:
            read_bookings(session, text, zone=SHANGHAI)
    except BookingsError as error:
        assert error.problems and all(isinstance(p, str) and p.startswith("bookings.json") for p in error.problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mangled_files())
def test_a_mangled_file_is_imported_refused_or_reported_never_crashes(demo_store, now, text):
    try:
        report = _import(demo_store, text, now)
    except BookingsError:
        return
    assert {o.status for o in report.outcomes} <= {IMPORTED, ALREADY_IMPORTED, REFUSED}


def test_parse_alone_refuses_deep_nesting_and_huge_numbers():
    for text in ("[" * 100_000 + "]" * 100_000, '{"platform": "x", "bookings": [' + "9" * 5000 + "]}"):
        with pytest.raises(BookingsError):
            parse_bookings(text)
