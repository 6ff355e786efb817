"""Pricing: the demo price file as imported into a real store, and hand-built cards for the rule's corners."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from boxoffice.errors import BoxOfficeError
from boxoffice.pricing import (
    PriceCardInfo,
    PriceRow,
    ShowContext,
    TicketTypeInfo,
    day_kind_of,
    load_price_card,
    load_ticket_types,
    offered_types,
    period_of,
    price_for,
    price_order,
    show_context,
)
from db.engine import transaction
from db.models import PriceCard, Showtime

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY_MATINEE = datetime(2026, 12, 4, 14, 0, tzinfo=SHANGHAI)
FRIDAY_EVENING = datetime(2026, 12, 4, 19, 30, tzinfo=SHANGHAI)
SATURDAY_EVENING = datetime(2026, 12, 5, 19, 30, tzinfo=SHANGHAI)
SATURDAY_MATINEE = datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)


def _card(demo_store: Engine, name: str) -> PriceCardInfo:
    with transaction(demo_store, write=False) as session:
        card = session.exec(select(PriceCard).where(PriceCard.name == name)).one()
        return load_price_card(session, card.id)  # type: ignore[arg-type]


@pytest.fixture
def standard(demo_store: Engine) -> PriceCardInfo:
    return _card(demo_store, "standard")


@pytest.fixture
def types(demo_store: Engine) -> tuple[TicketTypeInfo, ...]:
    with transaction(demo_store, write=False) as session:
        return load_ticket_types(session)


# --- the demo price file, read back from a real store -------------------------------------------------------


def test_loader_reads_the_demo_card_with_its_matinee_time_and_fee(standard):
    assert standard.name == "standard"
    assert standard.matinee_until == time(17, 0)
    assert standard.service_fee_fen == 300
    assert PriceRow("standard", "adult", "weekday", "matinee", "any", 3800) in standard.rows
    assert len(standard.rows) == 21


def test_loader_lists_ticket_types_in_sort_order(types):
    assert [t.code for t in types] == ["adult", "child", "student", "senior", "staff"]
    staff = types[-1]
    assert staff.needs_id_check and not staff.kiosk_allowed and staff.name_zh == "员工票"


@pytest.mark.parametrize(
    ("starts", "format", "expected"),
    [
        (FRIDAY_MATINEE, "2D", 3800),  # weekday + matinee row (two limits)
        (FRIDAY_EVENING, "2D", 4500),  # the unlimited row
        (SATURDAY_EVENING, "2D", 5500),  # weekend row
        (SATURDAY_MATINEE, "2D", 5500),  # the weekday matinee row does not match a Saturday
        (FRIDAY_EVENING, "3D", 5500),  # 3D row
        (FRIDAY_MATINEE, "3D", 4800),  # the weekday matinee 3D row (three limits) beats both
        (SATURDAY_EVENING, "3D", 5500),
    ],
)
def test_demo_adult_standard_seat_prices(standard, starts, format, expected):
    assert price_for(standard, ShowContext(starts, format), "standard", "adult") == expected


def test_demo_zones_premium_standard_and_couple_differ(standard):
    show = ShowContext(FRIDAY_EVENING, "2D")
    assert price_for(standard, show, "standard", "adult") == 4500
    assert price_for(standard, show, "premium", "adult") == 5500
    assert price_for(standard, show, "couple", "adult") == 6000
    assert price_for(standard, ShowContext(SATURDAY_EVENING, "2D"), "couple", "adult") == 7000


def test_demo_couple_seats_offer_only_adult_and_staff(standard, types):
    show = ShowContext(FRIDAY_EVENING, "2D")
    assert [t.code for t in offered_types(standard, show, "couple", types, channel="counter")] == [
        "adult",
        "staff",
    ]
    assert [t.code for t in offered_types(standard, show, "couple", types, channel="kiosk")] == ["adult"]


def test_demo_imax_card_prices_imax_showtimes_with_its_own_fee(demo_store, types):
    imax = _card(demo_store, "imax")
    assert imax.service_fee_fen == 500
    assert price_for(imax, ShowContext(FRIDAY_EVENING, "IMAX"), "standard", "adult") == 8000
    assert price_for(imax, ShowContext(FRIDAY_MATINEE, "IMAX 3D"), "standard", "adult") == 8000
    assert price_for(imax, ShowContext(SATURDAY_EVENING, "IMAX 3D"), "premium", "adult") == 10500
    breakdown = price_order(imax, ShowContext(FRIDAY_EVENING, "IMAX"), [("F7", "standard")], ["adult"], types)
    assert (breakdown.subtotal_fen, breakdown.fees_fen, breakdown.total_fen) == (8000, 500, 8500)


def test_demo_vip_card_has_one_price_and_no_student_tickets(demo_store, types):
    vip = _card(demo_store, "vip")
    for starts in (FRIDAY_MATINEE, FRIDAY_EVENING, SATURDAY_EVENING):
        assert price_for(vip, ShowContext(starts, "2D"), "vip", "adult") == 12000
    offered = offered_types(vip, ShowContext(FRIDAY_EVENING, "2D"), "vip", types, channel="counter")
    assert [t.code for t in offered] == ["adult", "child", "senior"]
    assert price_for(vip, ShowContext(FRIDAY_EVENING, "2D"), "standard", "adult") is None


def test_demo_kiosk_does_not_offer_staff_tickets(standard, types):
    show = ShowContext(FRIDAY_EVENING, "2D")
    counter = [t.code for t in offered_types(standard, show, "standard", types, channel="counter")]
    kiosk = [t.code for t in offered_types(standard, show, "standard", types, channel="kiosk")]
    assert counter == ["adult", "child", "student", "senior", "staff"]
    assert kiosk == ["adult", "child", "student", "senior"]


def test_demo_order_breakdown_has_fee_per_ticket_and_flags_id_checks(standard, types):
    seats = [("F7", "standard"), ("F8", "standard"), ("F9", "premium")]
    breakdown = price_order(
        standard, ShowContext(FRIDAY_EVENING, "2D"), seats, ["adult", "student", "child"], types
    )
    assert [
        (line.seat_label, line.ticket_type, line.price_fen, line.fee_fen) for line in breakdown.lines
    ] == [
        ("F7", "adult", 4500, 300),
        ("F8", "student", 3500, 300),
        ("F9", "child", 4000, 300),
    ]
    assert breakdown.subtotal_fen == 12000
    assert breakdown.fees_fen == 900
    assert breakdown.discount_fen == 0
    assert breakdown.total_fen == 12900
    assert breakdown.id_check_needed
    assert [line.needs_id_check for line in breakdown.lines] == [False, True, False]
    assert breakdown.lines[1].type_name_zh == "学生" and breakdown.lines[1].type_name_en == "Student"


def test_demo_order_without_concessions_needs_no_id_check(standard, types):
    breakdown = price_order(
        standard, ShowContext(FRIDAY_MATINEE, "2D"), [("A1", "standard")] * 2, ["adult", "child"], types
    )
    assert not breakdown.id_check_needed
    assert breakdown.total_fen == 3800 + 3000 + 2 * 300


def test_demo_child_on_couple_seat_is_refused_with_seat_and_type(standard, types):
    with pytest.raises(BoxOfficeError) as caught:
        price_order(standard, ShowContext(FRIDAY_EVENING, "2D"), [("J3", "couple")], ["child"], types)
    assert caught.value.code == "price_missing"
    assert caught.value.params == {"seat": "J3", "ticket_type": "child"}


def test_show_context_of_a_stored_showtime_is_in_local_time(demo_store):
    with transaction(demo_store, write=False) as session:
        showtime = session.exec(
            select(Showtime).where(Showtime.format == "3D").order_by(Showtime.starts_at)
        ).first()
    assert showtime is not None
    show = show_context(showtime.starts_at, showtime.format, zone=SHANGHAI)
    assert show.starts_local == showtime.starts_at
    assert show.starts_local.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]
    assert show.format == "3D"


# --- hand-built cards --------------------------------------------------------------------------------------


ADULT = TicketTypeInfo("adult", "成人", "Adult", sort_order=1)
STUDENT = TicketTypeInfo("student", "学生", "Student", needs_id_check=True, sort_order=3)
STAFF = TicketTypeInfo("staff", "员工票", "Staff", needs_id_check=True, kiosk_allowed=False, sort_order=9)
CHILD = TicketTypeInfo("child", "儿童", "Child", sort_order=2)


def _hand_card(*rows: PriceRow, fee: int = 200) -> PriceCardInfo:
    return PriceCardInfo("test", time(17, 0), fee, rows)


def _row(
    amount: int,
    day: str = "any",
    period: str = "any",
    format: str = "any",
    *,
    zone: str = "standard",
    type: str = "adult",
) -> PriceRow:
    return PriceRow(zone, type, day, period, format, amount)


def test_most_specific_row_wins_whatever_the_row_order():
    rows = [
        _row(1000),
        _row(2000, day="weekend"),
        _row(3000, day="weekend", period="evening"),
        _row(4000, day="weekend", period="evening", format="3D"),
    ]
    for ordering in (rows, rows[::-1]):
        card = _hand_card(*ordering)
        assert price_for(card, ShowContext(SATURDAY_EVENING, "3D"), "standard", "adult") == 4000
        assert price_for(card, ShowContext(SATURDAY_EVENING, "2D"), "standard", "adult") == 3000
        assert price_for(card, ShowContext(SATURDAY_MATINEE, "2D"), "standard", "adult") == 2000
        assert price_for(card, ShowContext(FRIDAY_EVENING, "2D"), "standard", "adult") == 1000


def test_equally_specific_rows_prefer_format_then_day_then_period():
    rows = [_row(1000, period="evening"), _row(2000, day="weekend"), _row(3000, format="3D")]
    for ordering in (rows, rows[::-1]):
        card = _hand_card(*ordering)
        assert price_for(card, ShowContext(SATURDAY_EVENING, "3D"), "standard", "adult") == 3000
        assert price_for(card, ShowContext(SATURDAY_EVENING, "2D"), "standard", "adult") == 2000
        assert price_for(card, ShowContext(FRIDAY_EVENING, "2D"), "standard", "adult") == 1000


def test_format_matches_exactly_or_any():
    card = _hand_card(_row(8000), _row(9000, format="IMAX 3D"), _row(8500, format="IMAX"))
    assert price_for(card, ShowContext(FRIDAY_EVENING, "IMAX 3D"), "standard", "adult") == 9000
    assert price_for(card, ShowContext(FRIDAY_EVENING, "IMAX"), "standard", "adult") == 8500
    assert price_for(card, ShowContext(FRIDAY_EVENING, "3D"), "standard", "adult") == 8000


def test_a_type_without_a_matching_row_has_no_price():
    card = _hand_card(_row(1000, day="weekend"), _row(900, zone="premium"))
    assert price_for(card, ShowContext(FRIDAY_EVENING, "2D"), "standard", "adult") is None
    assert price_for(card, ShowContext(SATURDAY_EVENING, "2D"), "standard", "student") is None
    assert (
        offered_types(card, ShowContext(FRIDAY_EVENING, "2D"), "standard", [ADULT], channel="counter") == ()
    )


def test_a_free_ticket_is_a_price_not_a_missing_one():
    card = _hand_card(_row(0, type="staff"))
    assert price_for(card, ShowContext(FRIDAY_EVENING, "2D"), "standard", "staff") == 0
    assert offered_types(card, ShowContext(FRIDAY_EVENING, "2D"), "standard", [STAFF], channel="counter") == (
        STAFF,
    )


def test_offered_types_are_sorted_and_kiosk_leaves_out_counter_only_types():
    card = _hand_card(_row(1000), _row(500, type="staff"), _row(700, type="student"), _row(600, type="child"))
    show = ShowContext(FRIDAY_EVENING, "2D")
    assert offered_types(card, show, "standard", [STAFF, STUDENT, ADULT, CHILD], channel="counter") == (
        ADULT,
        CHILD,
        STUDENT,
        STAFF,
    )
    assert offered_types(card, show, "standard", [STAFF, STUDENT, ADULT, CHILD], channel="kiosk") == (
        ADULT,
        CHILD,
        STUDENT,
    )


def test_matinee_ends_at_matinee_until_in_local_time():
    until = time(17, 0)
    assert period_of(datetime(2026, 12, 4, 16, 59, tzinfo=SHANGHAI), until) == "matinee"
    assert period_of(datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI), until) == "evening"
    # 08:30 UTC is 16:30 in Shanghai: the site's local time decides
    utc = datetime(2026, 12, 4, 8, 30, tzinfo=ZoneInfo("UTC"))
    assert period_of(utc.astimezone(SHANGHAI), until) == "matinee"


def test_day_kind_uses_the_local_date_and_holidays():
    assert day_kind_of(FRIDAY_EVENING) == "weekday"
    assert day_kind_of(SATURDAY_MATINEE) == "weekend"
    assert day_kind_of(datetime(2026, 12, 6, 23, 0, tzinfo=SHANGHAI)) == "weekend"
    # Friday 23:30 UTC is already Saturday in Shanghai
    assert (
        day_kind_of(datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("UTC")).astimezone(SHANGHAI)) == "weekend"
    )
    national_day = datetime(2026, 10, 1, 14, 0, tzinfo=SHANGHAI)  # a Thursday
    assert day_kind_of(national_day) == "weekday"
    assert day_kind_of(national_day, frozenset({date(2026, 10, 1)})) == "weekend"


def test_holidays_on_the_show_context_take_weekend_prices():
    card = _hand_card(_row(1000), _row(2000, day="weekend"), _row(800, day="weekday", period="matinee"))
    holiday = datetime(2026, 10, 1, 14, 0, tzinfo=SHANGHAI)
    assert price_for(card, ShowContext(holiday, "2D"), "standard", "adult") == 800
    assert (
        price_for(card, ShowContext(holiday, "2D", frozenset({holiday.date()})), "standard", "adult") == 2000
    )


def test_show_context_refuses_a_naive_time():
    with pytest.raises(ValueError):
        ShowContext(datetime(2026, 12, 4, 14, 0), "2D")


def test_service_fee_is_charged_per_ticket_and_totals_are_in_fen():
    card = _hand_card(_row(3850), _row(2990, type="child"), fee=250)
    seats = [(f"B{n}", "standard") for n in range(1, 5)]
    breakdown = price_order(
        card, ShowContext(FRIDAY_EVENING, "2D"), seats, ["adult", "adult", "child", "adult"], [ADULT, CHILD]
    )
    assert breakdown.subtotal_fen == 3 * 3850 + 2990
    assert breakdown.fees_fen == 4 * 250
    assert breakdown.total_fen == 3 * 3850 + 2990 + 1000
    assert all(
        isinstance(value, int) for value in (breakdown.subtotal_fen, breakdown.fees_fen, breakdown.total_fen)
    )


def test_an_empty_order_costs_nothing():
    breakdown = price_order(_hand_card(_row(1000)), ShowContext(FRIDAY_EVENING, "2D"), [], [], [ADULT])
    assert breakdown.lines == () and breakdown.total_fen == 0 and not breakdown.id_check_needed


def test_price_order_refuses_a_type_per_seat_mismatch_and_unknown_types():
    card = _hand_card(_row(1000))
    show = ShowContext(FRIDAY_EVENING, "2D")
    with pytest.raises(BoxOfficeError) as caught:
        price_order(card, show, [("A1", "standard"), ("A2", "standard")], ["adult"], [ADULT])
    assert caught.value.code == "ticket_choice_mismatch"
    with pytest.raises(BoxOfficeError) as caught:
        price_order(card, show, [("A1", "standard")], ["pensioner"], [ADULT])
    assert caught.value.code == "ticket_type_unknown"


def test_price_order_at_a_kiosk_refuses_counter_only_types():
    card = _hand_card(_row(1000), _row(500, type="staff"))
    show = ShowContext(FRIDAY_EVENING, "2D")
    assert price_order(card, show, [("A1", "standard")], ["staff"], [STAFF]).total_fen == 700
    with pytest.raises(BoxOfficeError) as caught:
        price_order(card, show, [("A1", "standard")], ["staff"], [STAFF], channel="kiosk")
    assert caught.value.code == "ticket_type_not_offered"


def test_price_order_names_the_seat_whose_type_has_no_price():
    card = _hand_card(_row(1000), _row(1200, zone="premium"))
    with pytest.raises(BoxOfficeError) as caught:
        price_order(
            card,
            ShowContext(FRIDAY_EVENING, "2D"),
            [("A1", "standard"), ("C5", "premium")],
            ["adult", "student"],
            [ADULT, STUDENT],
        )
    assert caught.value.code == "price_missing"
    assert caught.value.params == {"seat": "C5", "ticket_type": "student"}
