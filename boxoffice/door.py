"""The door: an usher scans a ticket, and the store lets it in once or says why not.

A door serves some halls (``[door] auditoriums`` in kiosk.toml; none named: every hall) and lets a showtime's
tickets in during its entry window (from some minutes before the start until some minutes after it). The usher
may choose one showtime; a ticket of another one is then refused with what it IS for, so the person can be sent
the right way.

:func:`admit` checks in this order, cheapest and most final first: the token's signature (garbage, an altered
code or another site's ticket costs no query and writes nothing), the ticket's validity (refunded, exchanged,
replaced by a newer print, showtime cancelled), the hall and the chosen showtime, an earlier admission, then the
entry window. A ticket is admitted by one conditional ``UPDATE … WHERE admitted_at IS NULL``: whichever door's
statement changes the row admits it, so two doors scanning one ticket at the same moment let it in once, on
SQLite and PostgreSQL alike. The admission is audited in the same transaction.

Refusals carry facts, not words: times are UTC-aware datetimes and films and halls come in both languages, so
the door screen says them in the usher's language and zone.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlmodel import Session

from boxoffice import audit
from boxoffice.errors import BoxOfficeError
from boxoffice.pickup import read_entry_token
from boxoffice.seatplan import seat_label
from db.models import Auditorium, Film, RevokedToken, Seat, Showtime, Terminal, Ticket, TicketType

REFUSAL_CODES = (
    "door_refunded", "door_revoked", "door_showtime_cancelled", "door_wrong_hall", "door_wrong_showtime",
    "door_already_admitted", "door_too_early", "door_too_late",
)
"""Every code :func:`admit` raises itself (besides the token codes of :func:`boxoffice.pickup.read_entry_token`)."""

_ticket = Ticket.__table__  # type: ignore[attr-defined]
_revoked = RevokedToken.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]
_film = Film.__table__  # type: ignore[attr-defined]
_hall = Auditorium.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_type = TicketType.__table__  # type: ignore[attr-defined]
_terminal = Terminal.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DoorWindow:
    """When a door lets a showtime's tickets in: from ``opens_before`` its start until ``closes_after`` it.

    The window includes its opening instant and excludes its closing one.
    """

    opens_before: timedelta
    closes_after: timedelta

    @classmethod
    def minutes(cls, opens_before: int, closes_after_start: int) -> DoorWindow:
        """The window of ``[door] opens_minutes_before`` and ``closes_minutes_after_start``."""
        return cls(timedelta(minutes=opens_before), timedelta(minutes=closes_after_start))

    def opens_at(self, starts_at: datetime) -> datetime:
        """When the doors open for a showtime starting at ``starts_at``."""
        return starts_at - self.opens_before

    def closes_at(self, starts_at: datetime) -> datetime:
        """When entry closes for a showtime starting at ``starts_at``."""
        return starts_at + self.closes_after

    def is_open(self, starts_at: datetime, now: datetime) -> bool:
        """Whether a showtime starting at ``starts_at`` is being let in at ``now``."""
        return self.opens_at(starts_at) <= now < self.closes_at(starts_at)


@dataclass(frozen=True)
class AdmitResult:
    """A ticket let in: what the usher reads out or checks (the seat, the ticket type)."""

    ticket_id: int
    showtime_id: int
    seat_label: str
    ticket_type_zh: str
    ticket_type_en: str
    id_check: bool
    """The ticket type asks for proof (student, senior): the usher looks at the card."""
    film_zh: str
    film_en: str
    hall_zh: str
    hall_en: str
    starts_at: datetime
    admitted_at: datetime


@dataclass(frozen=True)
class DoorShowtime:
    """A showtime a door is letting in now, with its tickets admitted of tickets sold."""

    id: int
    starts_at: datetime
    film_zh: str
    film_en: str
    hall_zh: str
    hall_en: str
    format: str
    admitted: int
    sold: int


_TICKET = (
    select(
        _ticket.c.id, _ticket.c.status, _ticket.c.showtime_id, _ticket.c.seat_id, _ticket.c.admitted_at,
        func.coalesce(_terminal.c.name, _ticket.c.admitted_terminal).label("admitted_by"),
        _revoked.c.reason.label("revoked_reason"),
        _show.c.starts_at, _show.c.status.label("showtime_status"), _film.c.title_zh, _film.c.title_en,
        _hall.c.name.label("hall_zh"), _hall.c.name_en.label("hall_en"), _seat.c.row_label, _seat.c.number,
        _type.c.name_zh.label("type_zh"), _type.c.name_en.label("type_en"), _type.c.needs_id_check,
    )
    .select_from(
        _ticket.join(_show, _show.c.id == _ticket.c.showtime_id)
        .join(_film, _film.c.id == _show.c.film_id)
        .join(_hall, _hall.c.id == _show.c.auditorium_id)
        .join(_seat, _seat.c.id == _ticket.c.seat_id)
        .join(_type, _type.c.id == _ticket.c.ticket_type_id)
        .outerjoin(_terminal, _terminal.c.id == _ticket.c.admitted_terminal)
        .outerjoin(_revoked, _revoked.c.ticket_id == _ticket.c.id)
    )
    .where(_ticket.c.id == bindparam("p_ticket"))
)
_NOT_REVOKED = ~exists().where(_revoked.c.ticket_id == _ticket.c.id)
_ADMIT = (
    update(_ticket)
    .where(_ticket.c.id == bindparam("p_ticket"), _ticket.c.admitted_at.is_(None), _ticket.c.status == "valid")
    .where(_NOT_REVOKED)
    .values(admitted_at=bindparam("p_now"), admitted_terminal=bindparam("p_terminal"))
)
"""Admits the ticket unless someone did first (or it was refunded meanwhile): the row count decides."""
_COUNTS = (
    select(_ticket.c.showtime_id, func.count().label("sold"), func.count(_ticket.c.admitted_at).label("admitted"))
    .where(_ticket.c.showtime_id.in_(bindparam("p_showtimes", expanding=True)), _ticket.c.status == "valid")
    .where(_NOT_REVOKED)
    .group_by(_ticket.c.showtime_id)
)
_OPEN_SHOWTIMES = (
    select(_show.c.id, _show.c.starts_at, _show.c.format, _film.c.title_zh, _film.c.title_en,
           _hall.c.name.label("hall_zh"), _hall.c.name_en.label("hall_en"))
    .select_from(_show.join(_film, _film.c.id == _show.c.film_id).join(_hall, _hall.c.id == _show.c.auditorium_id))
    .where(_show.c.status == "scheduled")
    .where(_show.c.starts_at > bindparam("p_earliest"), _show.c.starts_at <= bindparam("p_latest"))
    .order_by(_show.c.starts_at, _hall.c.name)
)


def serves_hall(halls: Collection[str], name: str, name_en: str = "") -> bool:
    """Whether a door serving ``halls`` (Chinese or English names; empty: every hall) serves this hall."""
    return not halls or name in halls or (bool(name_en) and name_en in halls)


def admit(
    session: Session, *, text: str, public_key: Ed25519PublicKey, terminal_id: str, now: datetime,
    window: DoorWindow, halls: Collection[str], showtime_id: int | None = None,
) -> AdmitResult:
    """Let the ticket whose QR payload was scanned in, once, in the caller's (write) transaction.

    Args:
        text: what the scanner typed (blanks around it are ignored).
        public_key: the site's public key, that genuine tickets are signed for.
        terminal_id: this door; an earlier admission is reported with its terminal's name.
        now: the scan's time.
        window: the entry window of this door.
        halls: the halls this door serves (Chinese or English names); empty for every hall.
        showtime_id: the showtime the usher chose, or None for any showtime of these halls.

    Raises:
        BoxOfficeError: the token codes of :func:`boxoffice.pickup.read_entry_token` (``token_malformed``,
            ``token_version``, ``token_signature``, ``token_unknown``) before anything is written; otherwise
            one of :data:`REFUSAL_CODES`, each with ``ticket_id`` and ``seat`` and the ticket's showtime
            (``film_zh``, ``film_en``, ``hall_zh``, ``hall_en``, ``starts_at``): ``door_refunded`` and
            ``door_revoked`` (``reason``: ``exchange``, ``replaced``, the ticket's status…);
            ``door_showtime_cancelled``; ``door_wrong_hall`` (``serves``: the door's halls);
            ``door_wrong_showtime``; ``door_already_admitted`` (``admitted_at``, ``terminal``: the admitting
            terminal's name); ``door_too_early`` (``opens_at``); ``door_too_late`` (``closed_at``).
    """
    try:
        claims = read_entry_token(session, text=text, public_key=public_key)
    except BoxOfficeError as error:
        if error.code != "token_revoked":
            raise
        _refuse_invalid(_ticket_row(session, error.params["ticket_id"]), reason=str(error.params.get("reason")))
    ticket = _ticket_row(session, claims.ticket_id)
    if (ticket.showtime_id, ticket.seat_id) != (claims.showtime_id, claims.seat_id):
        _refuse_invalid(ticket, reason="replaced")  # a signed token of the same nonce for another seat: never
    _check(ticket, now=now, window=window, halls=halls, showtime_id=showtime_id)
    connection = session.connection()
    changed = connection.execute(_ADMIT, {"p_ticket": ticket.id, "p_now": now, "p_terminal": terminal_id}).rowcount
    if changed != 1:  # another door admitted it (or a refund came) since the row was read: say which
        ticket = _ticket_row(session, ticket.id)
        _check(ticket, now=now, window=window, halls=halls, showtime_id=showtime_id)
        _refuse_invalid(ticket, reason="revoked")
    seat = seat_label(ticket.row_label, ticket.number)
    audit.record(session, now=now, terminal_id=terminal_id, action="door.admit", subject=f"ticket {ticket.id}",
                 showtime_id=ticket.showtime_id, seat=seat)
    return AdmitResult(
        ticket_id=ticket.id, showtime_id=ticket.showtime_id, seat_label=seat, ticket_type_zh=ticket.type_zh,
        ticket_type_en=ticket.type_en, id_check=bool(ticket.needs_id_check), film_zh=ticket.title_zh,
        film_en=ticket.title_en or "", hall_zh=ticket.hall_zh, hall_en=ticket.hall_en or "",
        starts_at=ticket.starts_at, admitted_at=now,
    )


def _ticket_row(session: Session, ticket_id: int) -> Any:
    row = session.connection().execute(_TICKET, {"p_ticket": ticket_id}).first()
    if row is None:  # read_entry_token found it: only a deletion in between could get here
        raise BoxOfficeError("token_unknown", "no such ticket in this store", ticket_id=ticket_id)
    return row


def _facts(ticket: Any) -> dict[str, Any]:
    """What every refusal of a known ticket says about it."""
    return {"ticket_id": ticket.id, "seat": seat_label(ticket.row_label, ticket.number),
            "showtime_id": ticket.showtime_id, "film_zh": ticket.title_zh, "film_en": ticket.title_en or "",
            "hall_zh": ticket.hall_zh, "hall_en": ticket.hall_en or "", "starts_at": ticket.starts_at}


def _refuse_invalid(ticket: Any, *, reason: str) -> NoReturn:
    """Refuse a ticket that must never be let in: refunded, or no longer valid for another ``reason``
    (``exchange``, ``replaced`` by a newer print, the ticket's status)."""
    if reason in ("refund", "refunded") or ticket.status == "refunded":
        raise BoxOfficeError("door_refunded", "this ticket was refunded", reason="refund", **_facts(ticket))
    raise BoxOfficeError("door_revoked", "this ticket is no longer valid", reason=reason, **_facts(ticket))


def _check(ticket: Any, *, now: datetime, window: DoorWindow, halls: Collection[str],
           showtime_id: int | None) -> None:
    """Refuse the ticket for the first reason there is; return when it may be let in now."""
    facts = _facts(ticket)
    if ticket.revoked_reason is not None or ticket.status != "valid":
        _refuse_invalid(ticket, reason=ticket.revoked_reason or ticket.status)
    if ticket.showtime_status == "cancelled":
        raise BoxOfficeError("door_showtime_cancelled", "this ticket's showtime was cancelled", **facts)
    if not serves_hall(halls, ticket.hall_zh, ticket.hall_en or ""):
        raise BoxOfficeError("door_wrong_hall", "this door does not serve the ticket's hall",
                             serves=tuple(halls), **facts)
    if showtime_id is not None and ticket.showtime_id != showtime_id:
        raise BoxOfficeError("door_wrong_showtime", "the ticket is for another showtime", **facts)
    if ticket.admitted_at is not None:
        raise BoxOfficeError("door_already_admitted", "this ticket was already let in",
                             admitted_at=ticket.admitted_at, terminal=ticket.admitted_by, **facts)
    if now < window.opens_at(ticket.starts_at):
        raise BoxOfficeError("door_too_early", "the doors are not open yet for this showtime",
                             opens_at=window.opens_at(ticket.starts_at), **facts)
    if now >= window.closes_at(ticket.starts_at):
        raise BoxOfficeError("door_too_late", "entry for this showtime has closed",
                             closed_at=window.closes_at(ticket.starts_at), **facts)


def door_counts(session: Session, showtime_id: int) -> tuple[int, int]:
    """``(admitted, sold)``: a showtime's valid tickets let in so far, and all its valid tickets."""
    row = session.connection().execute(_COUNTS, {"p_showtimes": [showtime_id]}).first()
    return (row.admitted, row.sold) if row is not None else (0, 0)


def door_showtimes(session: Session, *, now: datetime, window: DoorWindow,
                   halls: Collection[str]) -> list[DoorShowtime]:
    """The showtimes this door lets in at ``now`` (in its halls, inside the window), by start, with counts."""
    connection = session.connection()
    query = _OPEN_SHOWTIMES
    if halls:
        names = list(halls)
        query = query.where(or_(_hall.c.name.in_(names), and_(_hall.c.name_en != "", _hall.c.name_en.in_(names))))
    rows = connection.execute(query, {"p_earliest": now - window.closes_after,
                                      "p_latest": now + window.opens_before}).all()
    if not rows:
        return []
    counts = {c.showtime_id: c for c in connection.execute(_COUNTS, {"p_showtimes": [r.id for r in rows]})}
    return [
        DoorShowtime(id=r.id, starts_at=r.starts_at, film_zh=r.title_zh, film_en=r.title_en or "",
                     hall_zh=r.hall_zh, hall_en=r.hall_en or "", format=r.format,
                     admitted=counts[r.id].admitted if r.id in counts else 0,
                     sold=counts[r.id].sold if r.id in counts else 0)
        for r in rows
    ]


def unknown_halls(session: Session, halls: Collection[str]) -> tuple[str, ...]:
    """The configured hall names that name no hall of the store (a misspelt name refuses every ticket)."""
    known = {name for row in session.connection().execute(select(_hall.c.name, _hall.c.name_en))
             for name in row if name}
    return tuple(name for name in halls if name not in known)
