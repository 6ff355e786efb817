"""Holds: a terminal's temporary claim on seats while a sale is being made.

A hold is a :class:`db.models.SeatClaim` row with ``status='held'`` and an expiry. The partial unique index on
live claims decides every race: whichever terminal inserts first has the seat, the other gets ``seat_taken``.
Expired holds count as free when reading (see :func:`boxoffice.showtimes.live_claim_filter`) and are released
as they are met here, so nothing has to run in the background for a hold to lapse — a terminal that dies simply
stops extending its holds.

The statements are built once, at import, with bound parameters: selling a seat is the hottest path of the
product, and building SQL expressions on every call cost more CPU than running them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from boxoffice.errors import BoxOfficeError
from boxoffice.hall import ClaimInfo
from db.models import SaleOrder, Seat, SeatClaim, Showtime

_claim = SeatClaim.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]
_live_held = and_(_claim.c.status == "held", _claim.c.released_at.is_(None))
_now = bindparam("p_now")

_order = SaleOrder.__table__  # type: ignore[attr-defined]
_LIVE_CLAIMS = select(
    _claim.c.seat_id, _claim.c.status, _claim.c.terminal_id, _claim.c.created_at, _claim.c.expires_at,
    _order.c.created_at,
).select_from(_claim.outerjoin(_order, _order.c.id == _claim.c.order_id)).where(
    _claim.c.showtime_id == bindparam("p_showtime"),
    _claim.c.released_at.is_(None),
    or_(_claim.c.status == "sold", _claim.c.expires_at > _now),
)
_CLAIM_OWNERS = select(_claim.c.seat_id, _claim.c.status, _claim.c.terminal_id).where(
    _claim.c.showtime_id == bindparam("p_showtime"),
    _claim.c.released_at.is_(None),
    or_(_claim.c.status == "sold", _claim.c.expires_at > bindparam("p_now")),
)
_CLAIM_OWNERS_IN_ROWS = (
    select(_claim.c.seat_id, _claim.c.status, _claim.c.terminal_id)
    .join(_seat, _seat.c.id == _claim.c.seat_id)
    .where(
        _claim.c.showtime_id == bindparam("p_showtime"),
        _claim.c.released_at.is_(None),
        or_(_claim.c.status == "sold", _claim.c.expires_at > bindparam("p_now")),
        _seat.c.grid_row.in_(bindparam("p_rows", expanding=True)),
    )
)
_SHOWTIME_STATE = select(
    _show.c.status,
    _show.c.ends_at,
    select(func.count()).select_from(_seat)
    .where(_seat.c.auditorium_id == _show.c.auditorium_id, _seat.c.retired.is_(False))
    .where(_seat.c.id.in_(bindparam("p_seats", expanding=True)))
    .scalar_subquery(),
).where(_show.c.id == bindparam("p_showtime"))
_RELEASE_EXPIRED = (
    update(_claim)
    .where(_claim.c.showtime_id == bindparam("p_showtime"), _claim.c.seat_id.in_(bindparam("p_seats", expanding=True)))
    .where(_live_held, _claim.c.expires_at <= _now)
    .values(released_at=_now, release_reason="expired")
)
_EXTEND_ALL_MINE = (
    update(_claim)
    .where(_claim.c.terminal_id == bindparam("p_terminal"), _live_held, _claim.c.expires_at > _now)
    .values(expires_at=bindparam("p_expires"))
)
_RELEASE_MINE = (
    update(_claim)
    .where(_claim.c.showtime_id == bindparam("p_showtime"), _claim.c.seat_id.in_(bindparam("p_seats", expanding=True)))
    .where(_claim.c.terminal_id == bindparam("p_terminal"), _live_held)
    .values(released_at=_now, release_reason=bindparam("p_reason"))
)
_RELEASE_ALL_MINE = (
    update(_claim)
    .where(_claim.c.terminal_id == bindparam("p_terminal"), _live_held)
    .values(released_at=_now, release_reason=bindparam("p_reason"))
)
_MY_HOLDS = select(_claim.c.seat_id).where(
    _claim.c.showtime_id == bindparam("p_showtime"), _claim.c.terminal_id == bindparam("p_terminal"),
    _live_held, _claim.c.expires_at > _now,
)



def _claim_statement(insert: Any) -> Any:
    """Claim seats, or extend this terminal's own live holds on them, in one statement; RETURNING lists the seats
    this terminal now holds, so a seat missing from it belongs to someone else — or is not a seat of the
    showtime's hall, or the showtime is not on sale (the claim's SELECT only yields seats of a scheduled, not
    yet ended showtime's hall: the common hold is one statement, and :func:`hold_seats` asks why only when a
    seat is missing)."""
    columns = ("showtime_id", "seat_id", "status", "terminal_id", "staff_id", "created_at", "expires_at")
    source = (
        select(
            _show.c.id, _seat.c.id, literal("held", _claim.c.status.type),
            bindparam("p_terminal", type_=_claim.c.terminal_id.type),
            bindparam("p_staff", type_=_claim.c.staff_id.type),
            bindparam("p_created", type_=_claim.c.created_at.type),
            bindparam("p_expires", type_=_claim.c.expires_at.type),
        )
        .select_from(_seat.join(_show, _show.c.auditorium_id == _seat.c.auditorium_id))
        .where(_show.c.id == bindparam("p_showtime"), _show.c.status == "scheduled", _show.c.ends_at > _now)
        .where(_seat.c.id.in_(bindparam("p_seats", expanding=True)), _seat.c.retired.is_(False))
    )
    statement = insert(_claim).from_select(columns, source)
    return statement.on_conflict_do_update(
        index_elements=[_claim.c.showtime_id, _claim.c.seat_id],
        index_where=_claim.c.released_at.is_(None),
        set_={"expires_at": statement.excluded.expires_at},
        where=(_claim.c.terminal_id == statement.excluded.terminal_id) & (_claim.c.status == "held"),
    ).returning(_claim.c.seat_id)


_CLAIM = {"sqlite": _claim_statement(sqlite_insert), "postgresql": _claim_statement(pg_insert)}


def _run(session: Session, statement: Any, **params: Any) -> Any:
    return session.connection().execute(statement, params)


def live_claims(session: Session, *, showtime_id: int, now: datetime) -> dict[int, ClaimInfo]:
    """Seat id → the live claim (sale or unexpired hold) on it, for one showtime."""
    return {row[0]: ClaimInfo(*row) for row in _run(session, _LIVE_CLAIMS, p_showtime=showtime_id, p_now=now)}


def claim_owners(session: Session, *, showtime_id: int, now: datetime,
                 grid_rows: Collection[int] | None = None) -> dict[int, tuple[str, str]]:
    """Seat id → (status, terminal id) of each live claim of a showtime: what completing a sale needs, without
    the timestamps the map shows (reading those for every claim at every sale was the sale's largest cost).

    ``grid_rows``: only the claims of seats in these rows of the plan (the seat rules of a counter sale look no
    further than the selection's rows; a nearly full showtime has hundreds of claims to read otherwise).
    """
    if grid_rows is None:
        rows = _run(session, _CLAIM_OWNERS, p_showtime=showtime_id, p_now=now)
    else:
        rows = _run(session, _CLAIM_OWNERS_IN_ROWS, p_showtime=showtime_id, p_now=now, p_rows=sorted(grid_rows))
    return {row[0]: (row[1], row[2]) for row in rows}


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

    The claim is one ``INSERT … ON CONFLICT … DO UPDATE … WHERE`` against the live-claim index: the database,
    not a read before the write, decides who gets a seat (a conflicting claim of another terminal is left alone
    and the seat is reported taken), on SQLite and PostgreSQL alike.

    Raises:
        BoxOfficeError: ``seat_taken`` (with ``seats``, a list of seat ids) when another terminal holds or has
            sold one of them — the caller's transaction then rolls back and nothing is held;
            ``showtime_closed`` / ``showtime_over`` when the showtime cannot be sold; ``seat_unknown``.

    Returns:
        The new expiry of the holds.
    """
    wanted = sorted(set(seat_ids))
    if not wanted:
        return now
    expires_at = now + timedelta(seconds=hold_seconds)
    held = _claim_seats(session, showtime_id, wanted, terminal_id, staff_id, now, expires_at)
    if len(held) < len(wanted):  # rare: say why (the common hold is this one statement)
        state = _run(session, _SHOWTIME_STATE, p_showtime=showtime_id, p_seats=wanted).first()
        if state is None or state.status != "scheduled":
            raise BoxOfficeError("showtime_closed", "this showtime is not on sale", showtime_id=showtime_id)
        if state.ends_at <= now:
            raise BoxOfficeError("showtime_over", "this showtime is over", showtime_id=showtime_id)
        if state[2] != len(wanted):
            raise BoxOfficeError("seat_unknown", "a seat is not in this showtime's hall", showtime_id=showtime_id)
        # Expired holds are released as they are met, only when a claim found the seat taken.
        missing = [seat_id for seat_id in wanted if seat_id not in held]
        if _run(session, _RELEASE_EXPIRED, p_showtime=showtime_id, p_seats=missing, p_now=now).rowcount:
            held |= _claim_seats(session, showtime_id, missing, terminal_id, staff_id, now, expires_at)
    taken = [seat_id for seat_id in wanted if seat_id not in held]
    if taken:
        raise BoxOfficeError("seat_taken", f"seats {taken} are taken", seats=taken)
    return expires_at


def _claim_seats(session: Session, showtime_id: int, seat_ids: list[int], terminal_id: str, staff_id: int | None,
                 now: datetime, expires_at: datetime) -> set[int]:
    """Claim seats (or extend this terminal's holds on them); the seats this terminal now holds.

    One ``INSERT … SELECT`` for all the seats (an expanding ``IN``; the statement is compiled once).
    """
    return set(session.connection().execute(_CLAIM[session.get_bind().dialect.name], {
        "p_showtime": showtime_id, "p_seats": seat_ids, "p_terminal": terminal_id, "p_staff": staff_id,
        "p_created": now, "p_expires": expires_at, "p_now": now,
    }).scalars())


def release_expired_holds(session: Session, *, showtime_id: int, seat_ids: Iterable[int], now: datetime) -> int:
    """Release the expired holds (of any terminal) on some seats, so that a claim may take them. Returns how many.

    An expired hold counts as free when reading but still occupies the live-claim index until it is released.
    """
    result = _run(session, _RELEASE_EXPIRED, p_showtime=showtime_id, p_seats=list(seat_ids), p_now=now)
    return result.rowcount or 0


def extend_holds(session: Session, *, terminal_id: str, now: datetime, hold_seconds: int) -> int:
    """Push back the expiry of all of this terminal's live holds (the cashier is active). Returns how many."""
    result = _run(session, _EXTEND_ALL_MINE, p_terminal=terminal_id, p_now=now,
                  p_expires=now + timedelta(seconds=hold_seconds))
    return result.rowcount or 0


def release_seats(
    session: Session, *, showtime_id: int, seat_ids: Iterable[int], terminal_id: str, now: datetime,
    reason: str = "deselected",
) -> int:
    """Release this terminal's holds on some seats (deselected). Returns how many were released."""
    result = _run(session, _RELEASE_MINE, p_showtime=showtime_id, p_seats=list(seat_ids),
                  p_terminal=terminal_id, p_now=now, p_reason=reason)
    return result.rowcount or 0


def release_terminal_holds(session: Session, *, terminal_id: str, now: datetime, reason: str) -> int:
    """Release every hold of this terminal (cancel, sign-out, quit, start-up after a crash)."""
    return _run(session, _RELEASE_ALL_MINE, p_terminal=terminal_id, p_now=now, p_reason=reason).rowcount or 0


def my_holds(session: Session, *, terminal_id: str, showtime_id: int, now: datetime) -> list[int]:
    """Seat ids this terminal holds (unexpired) for a showtime."""
    return list(_run(session, _MY_HOLDS, p_showtime=showtime_id, p_terminal=terminal_id, p_now=now).scalars())
