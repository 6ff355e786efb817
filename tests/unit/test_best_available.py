"""Best available N on the demo halls and on random half-sold halls: central, together, and within the rules."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boxoffice.best_available import BestChoice, best_available, best_spot
from boxoffice.hall import Hall, HallSeat
from boxoffice.seat_rules import SeatRules, check_selection
from boxoffice.seatplan import SeatPlan, demo_seatplans, parse_seatplan

RULES = SeatRules()
NOT_AUTOMATIC = ("wheelchair", "companion")


def hall_of(plan: SeatPlan) -> Hall:
    """A hall from a parsed plan, without a store: seat ids are the seats' positions in the plan."""
    seats = tuple(
        HallSeat(i, s.row_label, s.number, s.grid_row, s.grid_col, s.kind, s.zone, s.blocked, s.house)
        for i, s in enumerate(plan.seats)
    )
    return Hall(1, plan.name, plan.name_en, plan.screen_side, plan.grid_rows, plan.grid_cols, seats)


DEMO = {plan.name_en: hall_of(plan) for plan in demo_seatplans()}


def drawn(*rows: str) -> Hall:
    return hall_of(parse_seatplan("name: 测试厅\nname_en: Test\nscreen: top\n" + "\n".join(rows) + "\n"))


def labels(seats: tuple[HallSeat, ...]) -> list[str]:
    return [seat.label for seat in seats]


def all_but(hall: Hall, *free: str) -> frozenset[int]:
    return frozenset(seat.id for seat in hall.seats if seat.label not in free)


def pickable(seat: HallSeat, unavailable: frozenset[int]) -> bool:
    return not (seat.id in unavailable or seat.blocked or seat.house or seat.kind in NOT_AUTOMATIC)


def legal_run_exists(hall: Hall, n: int, unavailable: frozenset[int], gaps: bool = True) -> bool:
    """Brute force, independently of best_available: is there a run of N pickable seats that keeps the rules?"""
    for block in hall.blocks:
        taken = [seat.id in unavailable or seat.blocked or seat.house for seat in block]
        for start in range(len(block) - n + 1):
            run = block[start : start + n]
            ids = {seat.id for seat in run}
            if not all(pickable(seat, unavailable) for seat in run):
                continue
            if any(seat.is_couple and getattr(hall.partner(seat), "id", None) not in ids for seat in run):
                continue
            after = [t or block[i].id in ids for i, t in enumerate(taken)]
            if gaps and any(
                _alone(after, i) and not _alone(taken, i) for i in range(len(block)) if not after[i]
            ):
                continue
            return True
    return False


def _alone(taken: list[bool], i: int) -> bool:
    return (i == 0 or taken[i - 1]) and (i == len(taken) - 1 or taken[i + 1])


def assert_well_formed(hall: Hall, choice: BestChoice, n: int, unavailable: frozenset[int]) -> None:
    """N distinct free pickable seats, made of touching groups, never half of a free couple."""
    assert len(choice.seats) == n
    assert len({seat.id for seat in choice.seats}) == n
    assert tuple(seat for group in choice.groups for seat in group) == choice.seats
    assert all(pickable(seat, unavailable) for seat in choice.seats)
    chosen = {seat.id for seat in choice.seats}
    for seat in choice.seats:
        partner = hall.partner(seat)
        assert partner is None or partner.id in chosen or partner.id in unavailable, seat.label
    for group in choice.groups:
        assert len({seat.grid_row for seat in group}) == 1
        assert [seat.grid_col for seat in group] == list(
            range(group[0].grid_col, group[0].grid_col + len(group))
        )


def passes_rules(
    hall: Hall, choice: BestChoice, unavailable: frozenset[int], rules: SeatRules = RULES
) -> bool:
    selection = frozenset(seat.id for seat in choice.seats)
    return (
        check_selection(
            hall, unavailable=unavailable, selection=selection, channel="counter", rules=rules, explicit=False
        )
        == ()
    )


# --- an empty hall --------------------------------------------------------------------------------------------


SPLIT_WHEN_EMPTY = {"Hall 1": (), "Hall 2": (9,), "IMAX Hall": (), "VIP Hall": (3, 5, 6, 7, 8, 9)}
"""Party sizes that cannot sit together in the empty hall without stranding a seat (blocks too short)."""


@pytest.mark.parametrize("name", list(DEMO))
def test_an_empty_hall_gives_central_seats_two_thirds_back(name: str) -> None:
    hall = DEMO[name]
    assert [n for n in range(1, 10) if not legal_run_exists(hall, n, frozenset())] == list(
        SPLIT_WHEN_EMPTY[name]
    )
    spot_row, spot_col = best_spot(hall)
    # When the grid's centre falls in an aisle (the VIP hall), the best run can only be beside it.
    nearest = min(abs(seat.grid_col - spot_col) for seat in hall.seats)
    column_slack = 2 + max(0.0, nearest - 0.5)
    for n in range(1, 10):
        choice = best_available(hall, n, unavailable=frozenset(), rules=RULES)
        assert_well_formed(hall, choice, n, frozenset())
        assert passes_rules(hall, choice, frozenset()), (n, labels(choice.seats))
        assert choice.adjacent == legal_run_exists(hall, n, frozenset()), n
        if choice.adjacent:
            (group,) = choice.groups
            assert abs(group[0].grid_row - spot_row) <= 2, (n, labels(group))
            centre = (group[0].grid_col + group[-1].grid_col) / 2
            assert abs(centre - spot_col) <= column_slack, (n, labels(group))


def test_the_best_spot_is_two_thirds_back_from_the_screen_on_either_side() -> None:
    assert best_spot(DEMO["Hall 1"]) == pytest.approx((26 * 2 / 3, 17.5))  # screen at the top, rows A-Z
    assert best_spot(DEMO["Hall 2"]) == pytest.approx((11 - 11 * 2 / 3, 7.5))  # screen at the bottom


def test_four_in_hall_1_sit_in_the_middle_of_row_q() -> None:
    choice = best_available(DEMO["Hall 1"], 4, unavailable=frozenset(), rules=RULES)
    assert choice.adjacent
    assert labels(choice.seats) == ["Q15", "Q16", "Q17", "Q18"]


def test_in_hall_2_nine_cannot_sit_together_without_stranding_a_seat_so_they_split_over_two_rows() -> None:
    choice = best_available(DEMO["Hall 2"], 9, unavailable=frozenset(), rules=RULES)
    assert not choice.adjacent
    assert sorted(len(group) for group in choice.groups) == [4, 5]
    rows = sorted(group[0].grid_row for group in choice.groups)
    assert rows[1] - rows[0] == 1


def test_three_in_the_vip_hall_split_because_its_blocks_hold_four() -> None:
    hall = DEMO["VIP Hall"]
    choice = best_available(hall, 3, unavailable=frozenset(), rules=RULES)
    assert not choice.adjacent and len(choice.groups) == 2
    assert passes_rules(hall, choice, frozenset())
    loose = best_available(hall, 3, unavailable=frozenset(), rules=SeatRules(no_single_gaps=False))
    assert loose.adjacent


def test_two_may_get_a_whole_couple_seat_and_never_half_of_one() -> None:
    hall = DEMO["Hall 1"]
    taken = frozenset(seat.id for seat in hall.seats if seat.row_label != "Z")
    pair = best_available(hall, 2, unavailable=taken, rules=RULES)
    assert pair.adjacent and pair.seats[0].kind == "couple-left" and pair.seats[1].kind == "couple-right"
    # three would take half a sofa: nothing rather than that
    assert best_available(hall, 3, unavailable=taken, rules=RULES).seats == ()


# --- a nearly full hall ---------------------------------------------------------------------------------------


def test_a_nearly_full_hall_offers_a_split_over_neighbouring_rows() -> None:
    hall = DEMO["Hall 1"]
    taken = all_but(hall, "Q9", "Q10", "Q11", "R9", "R10", "B1", "B2")
    choice = best_available(hall, 5, unavailable=taken, rules=RULES)
    assert not choice.adjacent
    assert [labels(group) for group in choice.groups] == [["Q9", "Q10", "Q11"], ["R9", "R10"]]
    assert passes_rules(hall, choice, taken)


def test_more_seats_than_are_free_gives_nothing() -> None:
    hall = DEMO["Hall 1"]
    taken = all_but(hall, "Q9", "Q10", "Q11", "R9", "R10")
    assert best_available(hall, 6, unavailable=taken, rules=RULES) == BestChoice((), False, ())


def test_wheelchair_companion_house_and_blocked_seats_are_never_offered() -> None:
    hall = DEMO["Hall 1"]
    special = frozenset(
        seat.id for seat in hall.seats if seat.kind in NOT_AUTOMATIC or seat.blocked or seat.house
    )
    taken = frozenset(seat.id for seat in hall.seats) - special
    assert best_available(hall, 1, unavailable=taken, rules=RULES).seats == ()


def test_the_last_seats_are_not_offered_at_a_kiosk() -> None:
    hall = DEMO["Hall 1"]
    free = ("Q9", "Q10", "Q11", "R9", "R10", "R11")
    taken = all_but(hall, *free)
    rules = SeatRules(counter_only_last=4)
    assert len(best_available(hall, 2, unavailable=taken, rules=rules, channel="kiosk").seats) == 2  # 4 stay
    assert best_available(hall, 3, unavailable=taken, rules=rules, channel="kiosk").seats == ()
    assert len(best_available(hall, 3, unavailable=taken, rules=rules, channel="counter").seats) == 3
    nothing_kept = SeatRules(counter_only_last=0)
    assert len(best_available(hall, 3, unavailable=taken, rules=nothing_kept, channel="kiosk").seats) == 3


def test_two_are_split_rather_than_strand_a_seat() -> None:
    hall = drawn("A ooooooooo", "B ooooooooo", "C ooooooooo")
    taken = frozenset(seat.id for seat in hall.seats if seat.row_label != "B" or seat.number in (1, 3, 7, 9))
    three = best_available(hall, 3, unavailable=taken, rules=RULES)  # B4-B6 fill their stretch
    assert three.adjacent and labels(three.seats) == ["B4", "B5", "B6"]
    two = best_available(hall, 2, unavailable=taken, rules=RULES)  # B4-B5 would strand B6, B5-B6 B4
    assert not two.adjacent and len(two.groups) == 2
    assert passes_rules(hall, two, taken)
    assert "B5" not in labels(two.seats)


def test_fewer_than_one_seat_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        best_available(DEMO["Hall 1"], 0, unavailable=frozenset(), rules=RULES)


# --- random halls -------------------------------------------------------------------------------------------------


def sold_at_random(hall: Hall, seed: int, share: float) -> frozenset[int]:
    rnd = random.Random(seed)
    return frozenset(seat.id for seat in hall.seats if rnd.random() < share)


def can_be_made(hall: Hall, n: int, unavailable: frozenset[int]) -> bool:
    """Whether N pickable seats exist without taking half of a free couple."""
    singles = pairs = 0
    for seat in hall.seats:
        if not pickable(seat, unavailable):
            continue
        partner = hall.partner(seat)
        if partner is not None and pickable(partner, unavailable):
            pairs += seat.kind == "couple-left"
        else:
            singles += 1
    return singles + 2 * pairs >= n and (singles > 0 or n % 2 == 0)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(list(DEMO)),
    seed=st.integers(0, 2**32 - 1),
    share=st.floats(0.0, 1.0),
    n=st.integers(1, 9),
    gaps=st.booleans(),
)
def test_any_offer_is_n_free_seats_and_an_adjacent_one_keeps_every_rule(
    name: str, seed: int, share: float, n: int, gaps: bool
) -> None:
    hall = DEMO[name]
    taken = sold_at_random(hall, seed, share)
    rules = SeatRules(no_single_gaps=gaps)
    choice = best_available(hall, n, unavailable=taken, rules=rules)
    assert choice.adjacent == legal_run_exists(hall, n, taken, gaps)
    if not choice.seats:
        assert not can_be_made(hall, n, taken)
        return
    assert_well_formed(hall, choice, n, taken)
    if choice.adjacent:
        assert len(choice.groups) == 1
        assert passes_rules(hall, choice, taken, rules)
