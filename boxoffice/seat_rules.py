"""The seat rules of a selection, as pure functions over a :class:`~boxoffice.hall.Hall`.

Counter, kiosk and best-available must agree on what may be sold together, and the seat map must be able to say
*why* a selection is refused. So the rules live here once, without a database or a UI: they take the hall, the
seats others already have and the selection, and return :class:`RuleViolation` values with stable codes (the UI
turns ``error.<code>`` into words) that say whether a supervisor may override them.

Codes:

- ``seat_unavailable``: a selected seat is sold or held by someone else. Never overridable.
- ``seat_blocked`` / ``seat_house``: a broken or kept-back seat; a supervisor may sell it.
- ``couple_unpaired``: half a couple (sofa) seat without its partner; overridable only when the partner cannot be
  had anyway (sold, held or blocked).
- ``wheelchair_not_explicit``: an automatic choice (best available) picked a wheelchair place. Never overridable:
  a person must choose those.
- ``companion_without_wheelchair``: a companion seat without any wheelchair place in the selection; overridable.
- ``single_gap``: the selection strands one empty seat between taken seats or against the end of its block.
  Only gaps the selection *creates* count. Overridable.
- ``counter_only``: at a kiosk, fewer than ``counter_only_last`` sellable seats would stay free. Not overridable
  at a kiosk (the customer is sent to the counter).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from boxoffice.errors import BoxOfficeError
from boxoffice.hall import Hall, HallSeat

COUNTER = "counter"
"""The box-office channel; every other channel (``"kiosk"``) keeps the last seats for it."""

UNAVAILABLE = "seat_unavailable"
BLOCKED = "seat_blocked"
HOUSE = "seat_house"
COUPLE_UNPAIRED = "couple_unpaired"
WHEELCHAIR_NOT_EXPLICIT = "wheelchair_not_explicit"
COMPANION_WITHOUT_WHEELCHAIR = "companion_without_wheelchair"
SINGLE_GAP = "single_gap"
COUNTER_ONLY = "counter_only"


@dataclass(frozen=True)
class SeatRules:
    """The site's seating settings (the ``[seating]`` section of kiosk.toml has the same fields).

    Attributes:
        no_single_gaps: refuse selections that strand one empty seat (a supervisor may override).
        counter_only_last: the last this-many free sellable seats of a showtime are sold only at the counter.
    """

    no_single_gaps: bool = True
    counter_only_last: int = 10


@dataclass(frozen=True)
class RuleViolation:
    """One rule a selection breaks.

    Attributes:
        code: a stable code, one of this module's constants (``single_gap``, ``couple_unpaired``, ...).
        seat_labels: the seats concerned, front-left first: for ``single_gap`` the seats left stranded, for
            the other rules the selected seats that break it.
        overridable: a supervisor may allow the selection despite this violation.
    """

    code: str
    seat_labels: tuple[str, ...]
    overridable: bool


def check_selection(
    hall: Hall,
    *,
    unavailable: frozenset[int],
    selection: frozenset[int],
    channel: str,
    rules: SeatRules,
    explicit: bool = True,
) -> tuple[RuleViolation, ...]:
    """Every rule a selection of seats breaks.

    Args:
        hall: the hall; its blocked and house seats count as taken for the single-seat rule.
        unavailable: seat ids sold or held by others, not including the selection.
        selection: the seat ids the customer wants.
        channel: ``"counter"`` or ``"kiosk"``; any channel but the counter keeps the last seats back.
        rules: the site's seating settings.
        explicit: a person picked the seats (False for best available, which must never pick wheelchair places).

    Returns:
        The violations in a stable order (unavailable, blocked, house, couple, wheelchair, companion, single
        gap, counter only); empty when the selection may be sold as it is.

    Raises:
        BoxOfficeError: ``seat_unknown`` when a selected id is not a seat of this hall.
    """
    seats = _seats_of(hall, selection)
    violations: list[RuleViolation] = []

    def add(code: str, found: Iterable[HallSeat], overridable: bool) -> None:
        labels = _labels(found)
        if labels:
            violations.append(RuleViolation(code, labels, overridable))

    add(UNAVAILABLE, (seat for seat in seats if seat.id in unavailable), False)
    add(BLOCKED, (seat for seat in seats if seat.blocked), True)
    add(HOUSE, (seat for seat in seats if seat.house), True)
    lonely, partner_gone = unpaired_couples(hall, unavailable=unavailable, selection=selection)
    add(COUPLE_UNPAIRED, lonely, False)
    add(COUPLE_UNPAIRED, partner_gone, True)
    if not explicit:
        add(WHEELCHAIR_NOT_EXPLICIT, (seat for seat in seats if seat.kind == "wheelchair"), False)
    add(COMPANION_WITHOUT_WHEELCHAIR, companions_without_wheelchair(seats), True)
    if rules.no_single_gaps:
        add(SINGLE_GAP, single_gaps(hall, unavailable=unavailable, selection=selection), True)
    if channel != COUNTER and free_after(hall, unavailable=unavailable, selection=selection) < (
        rules.counter_only_last
    ):
        add(COUNTER_ONLY, seats, False)
    return tuple(violations)


def is_allowed(
    violations: Iterable[RuleViolation], *, can_override: bool, overridden: frozenset[str]
) -> bool:
    """Whether a selection with these violations may be sold.

    Args:
        violations: what :func:`check_selection` found.
        can_override: the person confirming is a supervisor (or a supervisor approved with a PIN).
        overridden: the codes the supervisor explicitly allowed.

    Returns:
        True when there are no violations, or every one is overridable, its code is in ``overridden`` and
        ``can_override`` is true.
    """
    return all(can_override and v.overridable and v.code in overridden for v in violations)


def unpaired_couples(
    hall: Hall, *, unavailable: frozenset[int], selection: frozenset[int]
) -> tuple[tuple[HallSeat, ...], tuple[HallSeat, ...]]:
    """Selected couple halves whose partner is not selected.

    Returns:
        Two tuples: halves whose partner is free to take (a refusal), and halves whose partner is sold, held or
        blocked (a supervisor may sell the lone half).
    """
    lonely: list[HallSeat] = []
    partner_gone: list[HallSeat] = []
    for seat in _seats_of(hall, selection):
        partner = hall.partner(seat)
        if partner is None or partner.id in selection:
            continue
        if partner.id in unavailable or partner.blocked:
            partner_gone.append(seat)
        else:
            lonely.append(seat)
    return tuple(lonely), tuple(partner_gone)


def companions_without_wheelchair(seats: Sequence[HallSeat]) -> tuple[HallSeat, ...]:
    """The companion seats of a selection that has no wheelchair place at all."""
    if any(seat.kind == "wheelchair" for seat in seats):
        return ()
    return tuple(seat for seat in seats if seat.kind == "companion")


def single_gaps(
    hall: Hall, *, unavailable: frozenset[int], selection: frozenset[int]
) -> tuple[HallSeat, ...]:
    """The empty seats this selection leaves alone, that were not alone before it.

    A seat is alone when it is free and each side is a taken seat or the end of its block (an aisle, a gap in the
    plan or the row's end). Taken means unavailable, selected, blocked or house. A seat already alone before the
    selection is not the customer's doing, and filling it is welcome.

    Returns:
        The stranded seats, front-left first.
    """
    stranded: list[HallSeat] = []
    for block in hall.blocks:
        selected = [seat.id in selection for seat in block]
        if not any(selected):
            continue
        taken = [seat.id in unavailable or seat.blocked or seat.house for seat in block]
        stranded.extend(block[i] for i in stranded_indices(taken, selected))
    return tuple(stranded)


def stranded_indices(taken: Sequence[bool], selected: Sequence[bool]) -> list[int]:
    """Positions in one block that a selection leaves alone and that were not alone before.

    Args:
        taken: per seat of the block, left to right: taken before the selection.
        selected: per seat: in the selection.
    """
    after = [was or now for was, now in zip(taken, selected, strict=True)]
    return [i for i in range(len(after)) if not after[i] and _alone(after, i) and not _alone(taken, i)]


def _alone(taken: Sequence[bool], i: int) -> bool:
    return (i == 0 or taken[i - 1]) and (i == len(taken) - 1 or taken[i + 1])


def free_after(hall: Hall, *, unavailable: frozenset[int], selection: frozenset[int]) -> int:
    """How many sellable seats (neither blocked nor house) stay free once the selection is sold."""
    return sum(
        1
        for seat in hall.seats
        if not (seat.blocked or seat.house or seat.id in unavailable or seat.id in selection)
    )


def _seats_of(hall: Hall, ids: Iterable[int]) -> list[HallSeat]:
    seats: list[HallSeat] = []
    unknown: list[int] = []
    for seat_id in ids:
        try:
            seats.append(hall.seat(seat_id))
        except KeyError:
            unknown.append(seat_id)
    if unknown:
        listed = ", ".join(str(i) for i in sorted(unknown))
        raise BoxOfficeError("seat_unknown", f"no seat {listed} in {hall.name_en}", seat_ids=listed)
    return sorted(seats, key=lambda seat: (seat.grid_row, seat.grid_col))


def _labels(seats: Iterable[HallSeat]) -> tuple[str, ...]:
    return tuple(seat.label for seat in sorted(seats, key=lambda seat: (seat.grid_row, seat.grid_col)))
