"""The seat plan parser: numbering, grid, kinds and zones, and every problem reported where it is."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from boxoffice.errors import BoxOfficeError
from boxoffice.seatplan import SEAT_KINDS, SeatPlanError, demo_seatplans, parse_seatplan, seat_label

HEADER = "name: 7号厅\nname_en: Hall 7\nscreen: top\n"


def problems_of(text: str) -> list[str]:
    """The problems of an invalid plan, as ``line:column: message`` strings."""
    with pytest.raises(SeatPlanError) as caught:
        parse_seatplan(text, source="hall7.plan")
    return [f"{p.line}:{p.column}: {p.message}" for p in caught.value.problems]


def only_problem(text: str) -> str:
    found = problems_of(text)
    assert len(found) == 1, found
    return found[0]


def test_seats_are_numbered_left_to_right_skipping_gaps_and_aisles() -> None:
    plan = parse_seatplan(HEADER + "A   ..oo | o.o  oo\n")
    row = plan.row("A")
    assert [(seat.number, seat.grid_col) for seat in row] == [
        (1, 2),
        (2, 3),
        (3, 7),
        (4, 9),
        (5, 12),
        (6, 13),
    ]
    assert plan.grid_cols == 14
    assert plan.aisle_cols == (4, 5, 6, 10, 11)


def test_grid_follows_the_file_layout_so_padded_rows_line_up() -> None:
    plan = parse_seatplan(HEADER + " 9  oooo\n10    oo\n")
    assert [(s.row_label, s.number, s.grid_row, s.grid_col) for s in plan.seats] == [
        ("9", 1, 0, 0), ("9", 2, 0, 1), ("9", 3, 0, 2), ("9", 4, 0, 3), ("10", 1, 1, 2), ("10", 2, 1, 3),
    ]  # fmt: skip
    assert plan.row_labels == ("9", "10")
    assert plan.grid_rows == 2


def test_cross_aisle_takes_a_grid_row_and_screen_line_does_not() -> None:
    plan = parse_seatplan(HEADER + "  === SCREEN ===\nA oo\n  --\nB oo\n")
    assert [seat.grid_row for seat in plan.seats] == [0, 0, 2, 2]
    assert plan.grid_rows == 3
    assert plan.cross_aisle_rows == (1,)


def test_every_character_gives_its_kind_and_flags() -> None:
    plan = parse_seatplan(HEADER + "A oPWC()XH\n")
    assert [(s.kind, s.zone, s.blocked, s.house) for s in plan.seats] == [
        ("standard", "standard", False, False),
        ("premium", "premium", False, False),
        ("wheelchair", "standard", False, False),
        ("companion", "standard", False, False),
        ("couple-left", "standard", False, False),
        ("couple-right", "standard", False, False),
        ("standard", "standard", True, False),
        ("standard", "standard", False, True),
    ]


def test_row_zone_suffix_and_first_zone_as_default() -> None:
    plan = parse_seatplan(HEADER + "zones: vip, premium\nA oo\nB oP  @premium\nC ()()  @vip  # sofas\n")
    zones = {(s.row_label, s.number): s.zone for s in plan.seats}
    assert zones[("A", 1)] == "vip"
    assert zones[("B", 1)] == "premium" and zones[("B", 2)] == "premium"
    assert [s.kind for s in plan.row("C")] == ["couple-left", "couple-right"] * 2
    assert plan.zones == ("vip", "premium")


def test_screen_bottom_keeps_numbering_as_printed() -> None:
    plan = parse_seatplan("name: x\nname_en: X\nscreen: bottom\nB ooo\nA WCo\n == SCREEN ==\n")
    assert plan.screen_side == "bottom"
    assert [s.label for s in plan.row("A")] == ["A1", "A2", "A3"]
    assert plan.row("A")[0].kind == "wheelchair"


def test_plan_keeps_its_text_and_header_values_whole() -> None:
    text = "name: 1号厅\nname_en: Hall #1\nscreen: top\nA o\n"
    plan = parse_seatplan(text)
    assert (plan.name, plan.name_en, plan.text) == ("1号厅", "Hall #1", text)


def test_seat_label_for_lettered_and_numbered_rows() -> None:
    assert seat_label("F", 7) == "F7"
    assert seat_label("12", 3) == "12-3"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("A  oox\n", "4:6: unknown seat character 'x' (expected one of o P W C ( ) X H . | or space)"),
        ("A  o(o\n", "4:5: couple-left seat '(' must be followed directly by its ')'"),
        ("A  oo)\n", "4:6: couple-right seat ')' has no '(' directly before it"),
        ("A  ()(\n", "4:6: couple-left seat '(' must be followed directly by its ')'"),
        ("A  oCoW\n", "4:5: companion seat 'C' must be directly beside a wheelchair 'W'"),
        ("A  W.C\n", "4:6: companion seat 'C' must be directly beside a wheelchair 'W'"),
        ("A  oo\nA  oo\n", "5:1: duplicate row label 'A' (first on line 4)"),
        ("a  oo\n", "4:1: row label 'a' must be 1-2 capital letters (A, AA) or a number 1-99"),
        ("  07 oo\n", "4:3: row label '07' must be 1-2 capital letters (A, AA) or a number 1-99"),
        ("ABC oo\n", "4:1: row label 'ABC' must be 1-2 capital letters (A, AA) or a number 1-99"),
        ("A  ..|..\n", "4:1: row 'A' has no seats"),
        ("A  oo  @vip\n", "4:9: unknown zone 'vip' (zones: standard, premium)"),
        ("A  oo  @\n", "4:8: missing zone name after '@'"),
        ("A  o\tP\n", "4:5: tab character: use spaces so that the columns line up"),
        (
            "A  oo\nname_en: again\n",
            "5:1: header line 'name_en:' after the first seat row: put the header above",
        ),
        ("A  oo\n== SCREEN ==\n", "5:1: screen line is at the bottom but the header says screen: top"),
        ("A  oo\n  == S ==\nB  oo\n", "5:3: screen line between seat rows: put it above or below all rows"),
        ("== S ==\n== S ==\nA  oo\n", "5:1: more than one screen line"),
        ("---\nA  oo\n", "4:1: cross aisle ('---') before the first seat row"),
    ],
)
def test_row_problems_are_reported_at_their_line_and_column(body: str, expected: str) -> None:
    assert only_problem(HEADER + body) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("name: x\nname_en: X\n", "1:1: missing header key 'screen:' (screen: top or screen: bottom)"),
        ("name_en: X\nscreen: top\n", "1:1: missing header key 'name:'"),
        ("name: x\nname_en: X\nscreen: left\n", "3:9: screen must be 'top' or 'bottom', not 'left'"),
        ("name: x\nname: y\nname_en: X\nscreen: top\n", "2:1: header key 'name' given twice (first on line 1)"),
        ("name: x\nname_en: X\nscreen: top\ncolour: red\n", "4:1: unknown header key 'colour' (expected one of name, name_en, screen, zones)"),
        ("name: x\nname_en:\nname_en: X\nscreen: top\n", "2:1: header key 'name_en' has no value"),
        (f"name: {'长' * 41}\nname_en: X\nscreen: top\n", "1:7: name is longer than 40 characters"),
        (HEADER + "zones: standard, VIP\n", "4:8: zone name 'VIP' must be lowercase letters, digits, - or _"),
        (HEADER + "zones: standard standard\n", "4:8: zone 'standard' listed twice"),
    ],
)  # fmt: skip
def test_header_problems_are_reported_at_their_line_and_column(header: str, expected: str) -> None:
    assert only_problem(header + "A  oo\n") == expected


def test_premium_seat_needs_the_premium_zone() -> None:
    assert (
        only_problem(HEADER + "zones: vip\nA  oP\nB  PP\n")
        == "5:5: premium seat 'P' but zone 'premium' is not in zones: vip"
    )


@pytest.mark.parametrize("text", ["", "   \n\n"])
def test_empty_plan_is_refused(text: str) -> None:
    assert problems_of(text) == [
        "1:1: empty plan: expected header lines (name:, name_en:, screen:) and seat rows"
    ]


def test_plan_without_rows_is_refused() -> None:
    assert problems_of(HEADER + "\n# nothing yet\n") == [
        "5:1: no seat rows: a row is a label such as 'A', then its seats"
    ]


def test_all_problems_are_listed_in_order_with_the_source_name() -> None:
    with pytest.raises(SeatPlanError) as caught:
        parse_seatplan("name: x\nname_en: X\nA  x(\nA  C\n", source="hall7.plan")
    error = caught.value
    assert isinstance(error, BoxOfficeError)
    assert error.code == "seatplan_invalid"
    assert error.params["count"] == 5
    assert str(error).splitlines() == [
        "hall7.plan:1:1: missing header key 'screen:' (screen: top or screen: bottom)",
        "hall7.plan:3:4: unknown seat character 'x' (expected one of o P W C ( ) X H . | or space)",
        "hall7.plan:3:5: couple-left seat '(' must be followed directly by its ')'",
        "hall7.plan:4:1: duplicate row label 'A' (first on line 3)",
        "hall7.plan:4:4: companion seat 'C' must be directly beside a wheelchair 'W'",
    ]


def test_documented_example_parses() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "seatplan.md").read_text(encoding="utf-8")
    example = re.search(r"## An example\n\n```\n(.*?)```", doc, re.DOTALL)
    assert example is not None
    plan = parse_seatplan(example.group(1))
    assert plan.name_en == "Hall 5"
    assert {seat.zone for seat in plan.row("F")} == {"vip"}
    assert plan.cross_aisle_rows == (3,)


def test_demo_plans_parse_and_cover_the_demo_cinema() -> None:
    plans = {plan.name_en: plan for plan in demo_seatplans()}
    assert set(plans) == {"Hall 1", "Hall 2", "IMAX Hall", "VIP Hall"}
    assert 140 <= plans["Hall 2"].seat_count <= 170
    assert 280 <= plans["IMAX Hall"].seat_count <= 320
    assert 36 <= plans["VIP Hall"].seat_count <= 44
    assert {"couple-left", "couple-right"} <= {seat.kind for seat in plans["VIP Hall"].seats}
    assert {seat.zone for seat in plans["VIP Hall"].seats} == {"vip", "couple"}
    assert all(seat.zone == "couple" for seat in plans["VIP Hall"].seats if seat.kind.startswith("couple"))


def test_big_hall_has_800_seats_two_aisles_and_every_kind() -> None:
    hall = next(plan for plan in demo_seatplans() if plan.name == "1号厅")
    assert hall.seat_count >= 800
    kinds = Counter(seat.kind for seat in hall.seats)
    assert set(kinds) == set(SEAT_KINDS)
    assert kinds["couple-left"] == kinds["couple-right"]
    assert any(seat.blocked for seat in hall.seats) and any(seat.house for seat in hall.seats)
    aisles = hall.aisle_cols
    assert len([col for col in aisles if col - 1 not in aisles]) == 2  # two separate walkways
    premium = [seat for seat in hall.seats if seat.kind == "premium"]
    assert premium and all(seat.zone == "premium" for seat in premium)
