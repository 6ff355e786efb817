"""The seat rules on small hand-drawn halls: every code, what counts as taken, and what a supervisor may allow."""

from __future__ import annotations

from dataclasses import replace

import pytest

from boxoffice.errors import BoxOfficeError
from boxoffice.hall import Hall, HallSeat
from boxoffice.seat_rules import RuleViolation, SeatRules, check_selection, is_allowed
from boxoffice.seatplan import parse_seatplan

RULES = SeatRules()


def hall_of(*rows: str, screen: str = "top") -> Hall:
    """A hall drawn like a plan's rows (``"A oooo.oooo"``); seat ids are the seats' positions in the plan."""
    plan = parse_seatplan(f"name: 测试厅\nname_en: Test\nscreen: {screen}\n" + "\n".join(rows) + "\n")
    seats = tuple(
        HallSeat(i, s.row_label, s.number, s.grid_row, s.grid_col, s.kind, s.zone, s.blocked, s.house)
        for i, s in enumerate(plan.seats)
    )
    return Hall(1, plan.name, plan.name_en, plan.screen_side, plan.grid_rows, plan.grid_cols, seats)


def ids(hall: Hall, *labels: str) -> frozenset[int]:
    by_label = {seat.label: seat.id for seat in hall.seats}
    return frozenset(by_label[label] for label in labels)


def check(
    hall: Hall,
    select: tuple[str, ...],
    taken: tuple[str, ...] = (),
    *,
    channel: str = "counter",
    rules: SeatRules = RULES,
    explicit: bool = True,
) -> tuple[RuleViolation, ...]:
    return check_selection(
        hall,
        unavailable=ids(hall, *taken),
        selection=ids(hall, *select),
        channel=channel,
        rules=rules,
        explicit=explicit,
    )


def codes(violations: tuple[RuleViolation, ...]) -> list[str]:
    return [violation.code for violation in violations]


# --- single seats ---------------------------------------------------------------------------------------------


def test_a_free_row_end_is_fine_but_a_seat_left_alone_in_the_middle_is_a_single_gap() -> None:
    hall = hall_of("A oooooo")
    assert check(hall, ("A1", "A2")) == ()
    assert check(hall, ("A3",), taken=("A1",)) == (RuleViolation("single_gap", ("A2",), True),)


def test_a_seat_left_alone_at_the_row_end_is_a_single_gap() -> None:
    hall = hall_of("A oooooo")
    assert check(hall, ("A2", "A3")) == (RuleViolation("single_gap", ("A1",), True),)
    assert check(hall, ("A2", "A3", "A4", "A5")) == (RuleViolation("single_gap", ("A1", "A6"), True),)


def test_a_seat_left_alone_against_an_aisle_or_a_gap_in_the_plan_is_a_single_gap() -> None:
    for row in ("A ooo ooo", "A ooo|ooo", "A ooo.ooo"):
        hall = hall_of(row)
        assert check(hall, ("A1", "A2")) == (RuleViolation("single_gap", ("A3",), True),), row
        assert check(hall, ("A4", "A5", "A6")) == (), row  # the other block is untouched


def test_a_seat_left_alone_against_a_blocked_or_house_seat_is_a_single_gap() -> None:
    for row in ("A ooXooo", "A ooHooo"):
        hall = hall_of(row)
        assert codes(check(hall, ("A1",))) == ["single_gap"], row
        assert check(hall, ("A1",))[0].seat_labels == ("A2",)
        assert check(hall, ("A1", "A2")) == (), row


def test_a_hole_of_one_between_two_selected_seats_is_a_single_gap() -> None:
    hall = hall_of("A oooooo")
    assert check(hall, ("A1", "A3")) == (RuleViolation("single_gap", ("A2",), True),)


def test_taking_one_seat_of_a_two_seat_gap_strands_the_other() -> None:
    hall = hall_of("A oooooo")
    taken = ("A1", "A4", "A5", "A6")
    assert check(hall, ("A3",), taken) == (RuleViolation("single_gap", ("A2",), True),)
    assert check(hall, ("A2", "A3"), taken) == ()


def test_filling_a_stranded_seat_is_welcome() -> None:
    hall = hall_of("A oooooo")
    assert check(hall, ("A2",), taken=("A1", "A3")) == ()
    assert check(hall, ("A2", "A4", "A5", "A6"), taken=("A1", "A3")) == ()


def test_a_seat_stranded_before_the_selection_is_not_the_customers_fault() -> None:
    hall = hall_of("A ooooooo")
    taken = ("A1", "A3")  # A2 is alone already
    assert check(hall, ("A4", "A5"), taken) == ()  # beside it, leaving A6-A7
    assert check(hall, ("A4",), taken) == ()
    assert check(hall, ("A4", "A5", "A6"), taken) == (RuleViolation("single_gap", ("A7",), True),)


def test_a_one_seat_block_is_never_a_gap_the_selection_made() -> None:
    hall = hall_of("A o.oooo")
    assert check(hall, ("A2", "A3", "A4", "A5")) == ()


def test_gaps_in_other_rows_do_not_count() -> None:
    hall = hall_of("A oooo", "B oooo")
    assert check(hall, ("B1", "B2"), taken=("A1", "A3")) == ()


def test_the_single_gap_rule_can_be_switched_off() -> None:
    hall = hall_of("A oooooo")
    assert check(hall, ("A1", "A3"), rules=SeatRules(no_single_gaps=False)) == ()


# --- couples ----------------------------------------------------------------------------------------------------


def test_a_couple_seat_is_sold_whole() -> None:
    hall = hall_of("A ()()")
    assert check(hall, ("A1", "A2")) == ()
    assert check(hall, ("A1",)) == (RuleViolation("couple_unpaired", ("A1",), False),)
    two_halves = check(hall, ("A2", "A3"))
    assert two_halves[0] == RuleViolation("couple_unpaired", ("A2", "A3"), False)
    assert codes(two_halves) == ["couple_unpaired", "single_gap"]  # and the partners stay alone


def test_half_a_couple_whose_partner_is_gone_may_be_sold_by_a_supervisor() -> None:
    hall = hall_of("A ()()")
    assert check(hall, ("A2",), taken=("A1",)) == (RuleViolation("couple_unpaired", ("A2",), True),)
    blocked = replace(
        hall, seats=tuple(replace(s, blocked=True) if s.label == "A3" else s for s in hall.seats)
    )
    assert codes(check(blocked, ("A4",))) == ["couple_unpaired"]
    assert check(blocked, ("A4",))[0].overridable


def test_lonely_and_partnerless_halves_are_reported_apart() -> None:
    hall = hall_of("A ()()()()")
    violations = check(hall, ("A1", "A6"), taken=("A5",))
    assert violations == (
        RuleViolation("couple_unpaired", ("A1",), False),
        RuleViolation("couple_unpaired", ("A6",), True),
    )


# --- wheelchair places and companions -------------------------------------------------------------------------


def test_a_wheelchair_place_may_be_chosen_by_a_person_but_never_automatically() -> None:
    hall = hall_of("A WCoooo")
    assert check(hall, ("A1", "A2")) == ()
    assert check(hall, ("A1", "A2"), explicit=False) == (
        RuleViolation("wheelchair_not_explicit", ("A1",), False),
    )


def test_a_companion_seat_goes_with_a_wheelchair_place() -> None:
    hall = hall_of("A ooWCooo")
    assert check(hall, ("A4", "A5")) == (RuleViolation("companion_without_wheelchair", ("A4",), True),)
    assert check(hall, ("A3", "A4", "A5")) == ()


def test_any_wheelchair_place_of_the_selection_will_do_for_a_companion() -> None:
    hall = hall_of("A WC.ooo.CWo")
    assert check(hall, ("A1", "A2", "A6")) == ()


# --- blocked, house, unavailable, unknown --------------------------------------------------------------------


def test_blocked_and_house_seats_need_a_supervisor() -> None:
    hall = hall_of("A oXo", "B oHo")
    assert check(hall, ("A2",)) == (RuleViolation("seat_blocked", ("A2",), True),)
    assert check(hall, ("B2",)) == (RuleViolation("seat_house", ("B2",), True),)


def test_a_seat_sold_or_held_by_others_is_refused() -> None:
    hall = hall_of("A oooo")
    assert check(hall, ("A1", "A2"), taken=("A2",)) == (RuleViolation("seat_unavailable", ("A2",), False),)


def test_a_seat_of_another_hall_is_an_error() -> None:
    hall = hall_of("A oooo")
    with pytest.raises(BoxOfficeError) as caught:
        check_selection(
            hall, unavailable=frozenset(), selection=frozenset({99}), channel="counter", rules=RULES
        )
    assert caught.value.code == "seat_unknown"


def test_an_empty_selection_breaks_no_rule() -> None:
    hall = hall_of("A oooo")
    assert check(hall, (), channel="kiosk", rules=SeatRules(counter_only_last=10)) == ()


def test_violations_come_in_a_stable_order() -> None:
    hall = hall_of("A ooXoo", "B ()oo")
    violations = check(hall, ("A3", "A5", "B1", "B3"), taken=("B3",))
    assert codes(violations) == ["seat_unavailable", "seat_blocked", "couple_unpaired", "single_gap"]
    assert violations[-1].seat_labels == ("A4", "B2")


# --- the last seats for the counter ---------------------------------------------------------------------------


def test_the_last_seats_are_kept_for_the_counter() -> None:
    hall = hall_of("A oooooo", "B ooXHoo")  # 10 sellable seats: X and H do not count
    rules = SeatRules(counter_only_last=7)
    assert check(hall, ("A1", "A2", "A3"), channel="kiosk", rules=rules) == ()  # 7 stay free
    assert check(hall, ("A1", "A2", "A3", "A4"), channel="kiosk", rules=rules) == (
        RuleViolation("counter_only", ("A1", "A2", "A3", "A4"), False),
    )
    assert check(hall, ("A1", "A2", "A3", "A4"), channel="counter", rules=rules) == ()


def test_seats_others_have_count_against_the_kiosk() -> None:
    hall = hall_of("A oooooo", "B oooooo")
    rules = SeatRules(counter_only_last=7)
    taken = ("B1", "B2", "B3", "B4")
    assert codes(check(hall, ("A1", "A2"), taken, channel="kiosk", rules=rules)) == ["counter_only"]
    assert check(hall, ("A1", "A2"), taken, channel="kiosk", rules=SeatRules(counter_only_last=0)) == ()


# --- overrides --------------------------------------------------------------------------------------------------


def test_nothing_to_override_is_allowed() -> None:
    assert is_allowed((), can_override=False, overridden=frozenset())


def test_a_supervisor_allows_each_overridable_code_explicitly() -> None:
    hall = hall_of("A ooXooo")
    violations = check(hall, ("A3", "A5"))  # blocked, and strands A4
    assert codes(violations) == ["seat_blocked", "single_gap"]
    both = frozenset({"seat_blocked", "single_gap"})
    assert is_allowed(violations, can_override=True, overridden=both)
    assert not is_allowed(violations, can_override=True, overridden=frozenset({"seat_blocked"}))
    assert not is_allowed(violations, can_override=False, overridden=both)


def test_no_one_overrides_what_is_not_overridable() -> None:
    hall = hall_of("A ()oo")
    violations = check(hall, ("A1",), taken=("A4",))
    assert not is_allowed(
        violations, can_override=True, overridden=frozenset({"couple_unpaired", "single_gap"})
    )
    kiosk = check(hall, ("A3",), channel="kiosk", rules=SeatRules(counter_only_last=5))
    assert not is_allowed(kiosk, can_override=True, overridden=frozenset({"counter_only"}))
