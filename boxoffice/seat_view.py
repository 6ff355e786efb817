"""What each seat of a showtime looks like to one terminal, and why a seat cannot be sold — as codes and values
that the UI turns into words ("held by Kiosk 2, expires in 01:42", "sold 14:02 at Counter 1")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from boxoffice.hall import ClaimInfo, Hall, HallSeat, SeatStatus


def seat_statuses(hall: Hall, claims: Mapping[int, ClaimInfo], terminal_id: str) -> dict[int, SeatStatus]:
    """Seat id → status for this terminal: its own holds are MINE, other holds HELD, sales SOLD, and broken or
    house seats that nobody has claimed BLOCKED / HOUSE. Free seats are left out."""
    statuses: dict[int, SeatStatus] = {}
    for seat in hall.seats:
        claim = claims.get(seat.id)
        if claim is not None:
            if claim.status == "sold":
                statuses[seat.id] = SeatStatus.SOLD
            elif claim.terminal_id == terminal_id:
                statuses[seat.id] = SeatStatus.MINE
            else:
                statuses[seat.id] = SeatStatus.HELD
        elif seat.blocked:
            statuses[seat.id] = SeatStatus.BLOCKED
        elif seat.house:
            statuses[seat.id] = SeatStatus.HOUSE
    return statuses


@dataclass(frozen=True)
class SeatExplanation:
    """Why a seat is as it is: ``code`` is a catalog key under ``seat.``, ``params`` fill it in."""

    code: str
    params: dict[str, object]


def explain_seat(
    seat: HallSeat, claim: ClaimInfo | None, *, terminal_id: str, terminal_names: Mapping[str, str], now: datetime
) -> SeatExplanation:
    """The reason a seat can or cannot be sold by this terminal right now.

    Codes: ``free``, ``mine`` (``expires``: mm:ss left), ``held`` (``terminal``, ``expires``), ``sold``
    (``time`` UTC moment, ``terminal``), ``blocked``, ``house``; wheelchair and companion places get
    ``wheelchair`` / ``companion`` when free.
    """
    if claim is not None:
        name = terminal_names.get(claim.terminal_id, claim.terminal_id)
        if claim.status == "sold":
            return SeatExplanation("sold", {"time": claim.sold_at or claim.created_at, "terminal": name})
        left = _mmss(claim.expires_at, now)
        if claim.terminal_id == terminal_id:
            return SeatExplanation("mine", {"expires": left})
        return SeatExplanation("held", {"terminal": name, "expires": left})
    if seat.blocked:
        return SeatExplanation("blocked", {})
    if seat.house:
        return SeatExplanation("house", {})
    if seat.kind in ("wheelchair", "companion"):
        return SeatExplanation(seat.kind, {})
    return SeatExplanation("free", {})


def _mmss(until: datetime | None, now: datetime) -> str:
    seconds = max(0, int((until - now).total_seconds())) if until is not None else 0
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
