"""Holds: a terminal's temporary claim on seats while a sale is being made.

A hold is a :class:`db.models.SeatClaim` row with ``status='held'`` and an expiry. The partial unique index on
live claims decides every race: whichever terminal inserts first has the seat, the other gets ``seat_taken``.
Expired holds count as free when reading (see :func:`boxoffice.showtimes.live_claim_filter`) and are released
as they are met here, so nothing has to run in the background for a hold to lapse — a terminal that dies simply
stops extending its holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from boxoffice.errors import BoxOfficeError
from boxoffice.hall import ClaimInfo
from boxoffice.showtimes import live_claim_filter
from db.models import Seat, SeatClaim, Showtime


def live_claims(session: Session, *, showtime_id: int, now: datetime) -> dict[int, ClaimInfo]:
    """Seat id → the live claim (sale or unexpired hold) on it, for one showtime."""
    rows = session.exec(
        select(SeatClaim).where(SeatClaim.showtime_id == showtime_id).where(live_claim_filter(now))
    ).all()
    return {
        row.seat_id: ClaimInfo(row.seat_id, row.status, row.terminal_id, row.created_at, row.expires_at)
        for row in rows
    }


def hold_seats(
    session: Session,
    *,
    showtime_id: int,
    seat_ids: Iterable[int],
    terminal_id: str,
    staff_id: int | None,
    now: datetime,
    hold_seconds: int,
) -> datetime:
    """Hold seats of a showtime for this terminal (or extend this terminal's holds on them).

    Raises:
        BoxOfficeError: ``seat_taken`` (with ``seats``, a list of seat ids) when another terminal holds or has
            sold one of them — nothing is held then; ``showtime_closed`` when the showtime cannot be sold.

    Returns:
        The new expiry of the holds.
    """
    wanted = sorted(set(seat_ids))
    if not wanted:
        return now
    _check_showtime_open(session, showtime_id, now)
    _check_seats_belong(session, showtime_id, wanted)
    _release_expired(session, showtime_id, wanted, now)
    expires_at = now + timedelta(seconds=hold_seconds)
    existing = {
        claim.seat_id: claim
        for claim in session.exec(
            select(SeatClaim)
            .where(SeatClaim.showtime_id == showtime_id, SeatClaim.seat_id.in_(wanted))  # type: ignore[attr-defined]
            .where(SeatClaim.released_at.is_(None))  # type: ignore[union-attr]
        ).all()
    }
    taken = [sid for sid, claim in existing.items() if claim.status != "held" or claim.terminal_id != terminal_id]
    if taken:
        raise BoxOfficeError("seat_taken", f"seats {taken} are taken", seats=taken)
    for seat_id in wanted:
        claim = existing.get(seat_id)
        if claim is not None:
            claim.expires_at = expires_at
            session.add(claim)
            continue
        try:
            with session.begin_nested():
                session.add(SeatClaim(showtime_id=showtime_id, seat_id=seat_id, status="held",
                                      terminal_id=terminal_id, staff_id=staff_id, created_at=now,
                                      expires_at=expires_at))
        except IntegrityError:
            # Another terminal's claim committed between our read and write (possible on PostgreSQL).
            raise BoxOfficeError("seat_taken", f"seat {seat_id} was just taken", seats=[seat_id]) from None
    session.flush()
    return expires_at


def extend_holds(session: Session, *, terminal_id: str, now: datetime, hold_seconds: int) -> int:
    """Push back the expiry of all of this terminal's live holds (the cashier is active). Returns how many."""
    result = session.execute(
        update(SeatClaim)
        .where(SeatClaim.terminal_id == terminal_id, SeatClaim.status == "held")
        .where(SeatClaim.released_at.is_(None), SeatClaim.expires_at > now)  # type: ignore[union-attr,operator]
        .values(expires_at=now + timedelta(seconds=hold_seconds))
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def release_seats(
    session: Session, *, showtime_id: int, seat_ids: Iterable[int], terminal_id: str, now: datetime,
    reason: str = "deselected",
) -> int:
    """Release this terminal's holds on some seats (deselected). Returns how many were released."""
    result = session.execute(
        update(SeatClaim)
        .where(SeatClaim.showtime_id == showtime_id, SeatClaim.seat_id.in_(list(seat_ids)))  # type: ignore[attr-defined]
        .where(SeatClaim.terminal_id == terminal_id, SeatClaim.status == "held")
        .where(SeatClaim.released_at.is_(None))  # type: ignore[union-attr]
        .values(released_at=now, release_reason=reason)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def release_terminal_holds(session: Session, *, terminal_id: str, now: datetime, reason: str) -> int:
    """Release every hold of this terminal (cancel, sign-out, quit, start-up after a crash)."""
    result = session.execute(
        update(SeatClaim)
        .where(SeatClaim.terminal_id == terminal_id, SeatClaim.status == "held")
        .where(SeatClaim.released_at.is_(None))  # type: ignore[union-attr]
        .values(released_at=now, release_reason=reason)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def my_holds(session: Session, *, terminal_id: str, showtime_id: int, now: datetime) -> list[int]:
    """Seat ids this terminal holds (unexpired) for a showtime."""
    return list(
        session.exec(
            select(SeatClaim.seat_id)
            .where(SeatClaim.showtime_id == showtime_id, SeatClaim.terminal_id == terminal_id)
            .where(SeatClaim.status == "held", SeatClaim.released_at.is_(None))  # type: ignore[union-attr]
            .where(SeatClaim.expires_at > now)  # type: ignore[operator]
        ).all()
    )


def _release_expired(session: Session, showtime_id: int, seat_ids: list[int], now: datetime) -> None:
    session.execute(
        update(SeatClaim)
        .where(SeatClaim.showtime_id == showtime_id, SeatClaim.seat_id.in_(seat_ids))  # type: ignore[attr-defined]
        .where(SeatClaim.status == "held", SeatClaim.released_at.is_(None))  # type: ignore[union-attr]
        .where(SeatClaim.expires_at <= now)  # type: ignore[operator]
        .values(released_at=now, release_reason="expired")
    )


def _check_showtime_open(session: Session, showtime_id: int, now: datetime) -> Showtime:
    showtime = session.get(Showtime, showtime_id)
    if showtime is None or showtime.status != "scheduled":
        raise BoxOfficeError("showtime_closed", "this showtime is not on sale", showtime_id=showtime_id)
    if showtime.ends_at <= now:
        raise BoxOfficeError("showtime_over", "this showtime is over", showtime_id=showtime_id)
    return showtime


def _check_seats_belong(session: Session, showtime_id: int, seat_ids: list[int]) -> None:
    showtime = session.get(Showtime, showtime_id)
    assert showtime is not None
    found = session.exec(
        select(Seat.id).where(Seat.id.in_(seat_ids), Seat.auditorium_id == showtime.auditorium_id)  # type: ignore[union-attr]
        .where(Seat.retired == False)  # noqa: E712
    ).all()
    if len(found) != len(seat_ids):
        raise BoxOfficeError("seat_unknown", "a seat is not in this showtime's hall", showtime_id=showtime_id)
