"""Bringing a hall's seat plan into the store, and keeping the store in step when the plan changes.

Plans are edited as text files (``boxoffice.seatplan``); this service makes the ``Auditorium`` and its ``Seat``
rows match a parsed plan. Seats are never deleted, because tickets already sold point at them: a seat that
leaves the plan is marked ``retired`` and comes back to life if a later plan has it again. A plan that would take
away a seat already sold for a showtime still to come is refused, so nobody holds a ticket for a seat that
no longer exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from boxoffice.errors import BoxOfficeError
from boxoffice.seatplan import PlanSeat, SeatPlan, seat_label
from db.models import Auditorium, Seat, SeatClaim, Showtime

_SEAT_FIELDS = ("grid_row", "grid_col", "kind", "zone", "blocked", "house")


@dataclass(frozen=True)
class ImportResult:
    """What an import changed.

    Attributes:
        auditorium_id: the hall's id.
        created: the hall is new.
        updated: an existing hall or any of its seats changed; False when the same plan is imported again.
        seats_added: seats created.
        seats_updated: existing seats whose position, kind, zone, blocked or house flag changed.
        seats_retired: seats no longer in the plan, now marked retired.
        seats_restored: retired seats that are back in the plan (also updated to the plan's values).
    """

    auditorium_id: int
    created: bool
    updated: bool
    seats_added: int = 0
    seats_updated: int = 0
    seats_retired: int = 0
    seats_restored: int = 0


def import_seatplan(
    session: Session, plan: SeatPlan, *, name: str | None = None, now: datetime
) -> ImportResult:
    """Create or update a hall and its seats from a plan.

    The hall is found by name (``name``, or else the plan's own name); the plan's English name, screen side,
    grid size and text replace the stored ones. Seats are matched by row label and number. Importing the same
    plan twice changes nothing the second time.

    Args:
        session: the caller's session; flushed, never committed.
        plan: a parsed plan.
        name: store the hall under this name instead of ``plan.name``.
        now: the current time (UTC-aware); showtimes starting after it count as still to come.

    Returns:
        What was created, updated, retired and restored.

    Raises:
        BoxOfficeError: ``seatplan_removes_sold_seats`` when the plan leaves out seats that are sold for a
            showtime starting after ``now``; nothing is changed then.
        ValueError: ``now`` is naive.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    hall_name = name or plan.name
    auditorium = session.exec(select(Auditorium).where(Auditorium.name == hall_name)).first()
    created = auditorium is None
    existing: dict[tuple[str, int], Seat] = {}
    if auditorium is not None:
        seats = session.exec(select(Seat).where(Seat.auditorium_id == auditorium.id)).all()
        existing = {(seat.row_label, seat.number): seat for seat in seats}
    wanted = {(seat.row_label, seat.number): seat for seat in plan.seats}
    leaving = [seat for key, seat in existing.items() if key not in wanted and not seat.retired]
    _refuse_removing_sold_seats(session, hall_name, leaving, now)

    if auditorium is None:
        auditorium = Auditorium(name=hall_name)
        session.add(auditorium)
    hall_changed = _assign(
        auditorium,
        name_en=plan.name_en,
        screen_side=plan.screen_side,
        grid_rows=plan.grid_rows,
        grid_cols=plan.grid_cols,
        plan_text=plan.text,
    )
    session.flush()
    assert auditorium.id is not None

    added = updated = restored = 0
    for key, planned in wanted.items():
        seat = existing.get(key)
        if seat is None:
            session.add(_new_seat(auditorium.id, planned))
            added += 1
            continue
        changed = _assign(seat, **{field: getattr(planned, field) for field in _SEAT_FIELDS})
        if seat.retired:
            seat.retired = False
            restored += 1
        elif changed:
            updated += 1
        session.add(seat)
    for seat in leaving:
        seat.retired = True
        session.add(seat)
    session.flush()
    return ImportResult(
        auditorium_id=auditorium.id,
        created=created,
        updated=not created and bool(hall_changed or added or updated or restored or leaving),
        seats_added=added,
        seats_updated=updated,
        seats_retired=len(leaving),
        seats_restored=restored,
    )


def _refuse_removing_sold_seats(session: Session, hall_name: str, leaving: list[Seat], now: datetime) -> None:
    """Raise when any of ``leaving`` has a live sale for a showtime that starts after ``now``."""
    if not leaving:
        return
    ids = [seat.id for seat in leaving]
    query = (
        select(Seat)
        .join(SeatClaim, SeatClaim.seat_id == Seat.id)  # type: ignore[arg-type]
        .join(Showtime, Showtime.id == SeatClaim.showtime_id)  # type: ignore[arg-type]
        .where(
            Seat.id.in_(ids),  # type: ignore[union-attr]
            SeatClaim.status == "sold",
            SeatClaim.released_at.is_(None),  # type: ignore[union-attr]
            Showtime.starts_at > now,
        )
        .distinct()
    )
    sold = sorted(session.exec(query).all(), key=lambda seat: (seat.grid_row, seat.number))
    if not sold:
        return
    labels = ", ".join(seat_label(seat.row_label, seat.number) for seat in sold)
    raise BoxOfficeError(
        "seatplan_removes_sold_seats",
        f"the new plan of {hall_name} leaves out seats sold for showtimes still to come: {labels}",
        auditorium=hall_name,
        seats=labels,
    )


def _new_seat(auditorium_id: int, planned: PlanSeat) -> Seat:
    return Seat(
        auditorium_id=auditorium_id,
        row_label=planned.row_label,
        number=planned.number,
        **{field: getattr(planned, field) for field in _SEAT_FIELDS},
    )


def _assign(row: Auditorium | Seat, **values: object) -> bool:
    """Set the attributes that differ; True when any did."""
    changed = False
    for field, value in values.items():
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    return changed
