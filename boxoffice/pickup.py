"""Finding what a customer presents at pickup: a typed pickup code or a scanned entry token.

One input takes both: a scanner types a ticket's QR payload (an entry token, 194 digits) then Enter, a person
types the 10-digit pickup code from the SMS. :func:`lookup` turns either into a :class:`PickupView` of the
order (film, time, hall, seats, masked phone, and whether it can be collected now), or refuses it with a coded
error the kiosk shows in the customer's language. :func:`collect` marks the tickets picked up and queues them for
printing in the same transaction; :func:`reprint_collected` is the counter's supervisor-approved second copy.
Tickets sold at a counter or kiosk are handed over on the spot (``commit_sale`` marks them picked up there), so a
pickup code of such an order cannot print a second set. Locking the input after repeated wrong codes is
:mod:`boxoffice.pickup_guard`.

Cheap refusals come first: a code whose check digit is wrong is refused before the store is asked anything, and a
token is checked against its signature before any query, so garbage typed or scanned costs no lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from boxoffice import audit
from boxoffice.entry_tokens import TokenClaims, verify_token
from boxoffice.errors import BoxOfficeError
from boxoffice.pickup_codes import code_digest, has_valid_check_digit, normalize
from boxoffice.pickup_guard import GuardPolicy, locked_until, record_attempt
from boxoffice.print_queue import queue_order_tickets, reprint_ticket
from boxoffice.privacy import mask_phone
from boxoffice.seatplan import seat_label
from boxoffice.staff import StaffMember
from db.models import (
    Auditorium,
    Film,
    PrintJob,
    RevokedToken,
    SaleOrder,
    Seat,
    Showtime,
    Terminal,
    Ticket,
    TicketType,
)

_order = SaleOrder.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_revoked = RevokedToken.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]
_film = Film.__table__  # type: ignore[attr-defined]
_hall = Auditorium.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_type = TicketType.__table__  # type: ignore[attr-defined]
_terminal = Terminal.__table__  # type: ignore[attr-defined]
_job = PrintJob.__table__  # type: ignore[attr-defined]

TOKEN_MIN_LENGTH = 20
"""Longer input (digits, once spaces are gone) is read as a scanned entry token, shorter as a typed code."""

_BY_DIGEST = select(_order.c.id).where(_order.c.pickup_code_digest == bindparam("p_digest"))
_TICKET_STATE = (
    select(_ticket.c.token_nonce, _revoked.c.reason.label("revoked_reason"))
    .select_from(_ticket.outerjoin(_revoked, _revoked.c.ticket_id == _ticket.c.id))
    .where(_ticket.c.id == bindparam("p_ticket"))
)


def find_order_by_code(session: Session, *, code_text: str, key: bytes) -> int | None:
    """The id of the order whose pickup code this is, or None when no order has it.

    ``code_text`` is what was typed: spaces, dashes and full-width digits are fine. The order is returned
    whatever its state (refunded, showtime over): saying why nothing can be picked up is the caller's part.

    Raises:
        BoxOfficeError: ``pickup_code_check`` (``reason``: ``format`` or ``check_digit``) when the text is not 10
            digits or its check digit is wrong, before any query.
    """
    digits = normalize(code_text)
    if digits is None:
        raise BoxOfficeError("pickup_code_check", "a pickup code is 10 digits", reason="format")
    if not has_valid_check_digit(digits):
        raise BoxOfficeError("pickup_code_check", "the pickup code's check digit is wrong", reason="check_digit")
    return session.connection().execute(_BY_DIGEST, {"p_digest": code_digest(digits, key)}).scalar()


def read_entry_token(session: Session, *, text: str, public_key: Ed25519PublicKey) -> TokenClaims:
    """The claims of a scanned entry token that is genuine and still valid.

    The signature is checked first (no query for an altered or forged token), then the store: the ticket must
    exist, must not be revoked, and the token must be the ticket's current one (a re-issued token replaces the
    old). Whether the ticket may be picked up or let in now (its showtime, its state) is the caller's part.

    Raises:
        BoxOfficeError: ``token_malformed``, ``token_version``, ``token_signature`` (as
            :class:`boxoffice.entry_tokens.TokenError`, a BoxOfficeError); ``token_unknown`` for a genuine
            token of a ticket this store does not have; ``token_revoked`` (``reason``: the revocation reason, or
            ``replaced``) for a refunded, exchanged or replaced ticket.
    """
    claims = verify_token(public_key, text)
    state = session.connection().execute(_TICKET_STATE, {"p_ticket": claims.ticket_id}).first()
    if state is None:
        raise BoxOfficeError("token_unknown", "no such ticket in this store", ticket_id=claims.ticket_id)
    if state.revoked_reason is not None:
        raise BoxOfficeError("token_revoked", "this ticket's token was revoked", ticket_id=claims.ticket_id,
                             reason=state.revoked_reason)
    if state.token_nonce != claims.nonce:
        raise BoxOfficeError("token_revoked", "this ticket has a newer token", ticket_id=claims.ticket_id,
                             reason="replaced")
    return claims


# --- what the customer sees, and collecting ------------------------------------------------------------------

_ORDER_VIEW = (
    select(
        _order.c.id, _order.c.reference, _order.c.status, _order.c.customer_phone, _order.c.channel,
        _order.c.showtime_id, _film.c.title_zh, _film.c.title_en, _hall.c.name.label("hall_zh"),
        _hall.c.name_en.label("hall_en"), _show.c.starts_at, _show.c.ends_at, _show.c.status.label("show_status"),
    )
    .select_from(
        _order.join(_show, _show.c.id == _order.c.showtime_id)
        .join(_film, _film.c.id == _show.c.film_id)
        .join(_hall, _hall.c.id == _show.c.auditorium_id)
    )
    .where(_order.c.id == bindparam("p_order"))
)
_TICKET_VIEW = (
    select(
        _ticket.c.id, _ticket.c.status, _ticket.c.printed_count, _ticket.c.picked_up_at,
        func.coalesce(_terminal.c.name, _ticket.c.picked_up_terminal).label("picked_up_where"),
        _seat.c.row_label, _seat.c.number, _type.c.name_zh, _type.c.name_en,
    )
    .select_from(
        _ticket.join(_seat, _seat.c.id == _ticket.c.seat_id)
        .join(_type, _type.c.id == _ticket.c.ticket_type_id)
        .outerjoin(_terminal, _terminal.c.id == _ticket.c.picked_up_terminal)
    )
    .where(_ticket.c.order_id == bindparam("p_order"))
    .order_by(_ticket.c.id)
)
_ORDER_OF_TICKET = select(_ticket.c.order_id).where(_ticket.c.id == bindparam("p_ticket"))
_MARK_PICKED_UP = (
    update(_ticket)
    .where(_ticket.c.order_id == bindparam("p_order"), _ticket.c.status == "valid", _ticket.c.picked_up_at.is_(None))
    .values(picked_up_at=bindparam("p_now"), picked_up_terminal=bindparam("p_terminal"))
    .returning(_ticket.c.id)
)


@dataclass(frozen=True)
class PickupTicket:
    """One ticket of an order as the pickup screen lists it."""

    id: int
    seat: str
    type_zh: str
    type_en: str
    status: str  # valid, refunded, exchanged
    printed_count: int
    picked_up_at: datetime | None
    picked_up_where: str | None


@dataclass(frozen=True)
class PickupView:
    """An order found at pickup, with what may happen to it now.

    ``refusal`` is None when tickets can be collected, else the code the screen explains:
    ``pickup_refunded`` (nothing valid is left), ``pickup_showtime_over``, ``pickup_showtime_cancelled`` or
    ``pickup_already`` (every valid ticket was collected: ``collected_at`` / ``collected_where`` say when and where).
    """

    order_id: int
    reference: str
    film_zh: str
    film_en: str
    hall_zh: str
    hall_en: str
    starts_at: datetime
    phone_masked: str | None
    tickets: tuple[PickupTicket, ...]
    refusal: str | None
    collected_at: datetime | None
    collected_where: str | None

    @property
    def valid_tickets(self) -> tuple[PickupTicket, ...]:
        """The tickets that still admit someone."""
        return tuple(t for t in self.tickets if t.status == "valid")

    @property
    def to_collect(self) -> tuple[PickupTicket, ...]:
        """Valid tickets not collected yet."""
        return tuple(t for t in self.valid_tickets if t.picked_up_at is None)


def order_view(session: Session, *, order_id: int, now: datetime) -> PickupView:
    """What the pickup screen shows of an order, and whether its tickets can be collected at ``now``."""
    connection = session.connection()
    order = connection.execute(_ORDER_VIEW, {"p_order": order_id}).first()
    if order is None:
        raise BoxOfficeError("pickup_not_found", "no such order")
    tickets = tuple(
        PickupTicket(row.id, seat_label(row.row_label, row.number), row.name_zh, row.name_en, row.status,
                     row.printed_count, row.picked_up_at, row.picked_up_where)
        for row in connection.execute(_TICKET_VIEW, {"p_order": order_id})
    )
    valid = [t for t in tickets if t.status == "valid"]
    collected = [t for t in valid if t.picked_up_at is not None]
    last = max(collected, key=lambda t: t.picked_up_at) if collected else None  # type: ignore[arg-type, return-value]
    if not valid or order.status != "paid":
        refusal: str | None = "pickup_refunded"
    elif order.show_status == "cancelled":
        refusal = "pickup_showtime_cancelled"
    elif order.ends_at <= now:
        refusal = "pickup_showtime_over"
    elif len(collected) == len(valid):
        refusal = "pickup_already"
    else:
        refusal = None
    return PickupView(
        order_id=order.id, reference=order.reference, film_zh=order.title_zh, film_en=order.title_en or order.title_zh,
        hall_zh=order.hall_zh, hall_en=order.hall_en or order.hall_zh, starts_at=order.starts_at,
        phone_masked=mask_phone(order.customer_phone) if order.customer_phone else None, tickets=tickets,
        refusal=refusal, collected_at=last.picked_up_at if last else None,
        collected_where=last.picked_up_where if last else None,
    )


def looks_like_token(text: str) -> bool:
    """True for what a scanner types from a ticket's QR code (long), False for a typed pickup code."""
    return len("".join(text.split())) >= TOKEN_MIN_LENGTH


def lookup(session: Session, *, text: str, key: bytes, public_key: Ed25519PublicKey, now: datetime) -> PickupView:
    """The order that a scanned QR payload or a typed pickup code belongs to.

    Raises:
        BoxOfficeError: ``pickup_code_check`` (before any query), ``pickup_not_found``, or the token codes of
            :func:`read_entry_token` for a scan.
    """
    if looks_like_token(text):
        claims = read_entry_token(session, text="".join(text.split()), public_key=public_key)
        order_id = session.connection().execute(_ORDER_OF_TICKET, {"p_ticket": claims.ticket_id}).scalar()
    else:
        order_id = find_order_by_code(session, code_text=text, key=key)
    if order_id is None:
        raise BoxOfficeError("pickup_not_found", "no order has this pickup code")
    return order_view(session, order_id=order_id, now=now)


def collect(session: Session, *, order_id: int, terminal_id: str, printer: str | None, now: datetime,
            staff_id: int | None = None) -> list[int]:
    """Mark an order's valid, uncollected tickets picked up here and queue them for printing, together.

    The mark is one ``UPDATE … WHERE picked_up_at IS NULL`` so two terminals collecting the same order at once
    hand the tickets out once: the second finds nothing left and is told when and where they went.

    Returns:
        The ids of the tickets collected now.

    Raises:
        BoxOfficeError: the view's refusal code (``pickup_already`` with ``at`` and ``where``,
            ``pickup_refunded``, ``pickup_showtime_over``, ``pickup_showtime_cancelled``).
    """
    view = order_view(session, order_id=order_id, now=now)
    if view.refusal is not None and view.refusal != "pickup_already":
        raise BoxOfficeError(view.refusal, "these tickets cannot be collected")
    collected = list(session.connection().execute(
        _MARK_PICKED_UP, {"p_order": order_id, "p_now": now, "p_terminal": terminal_id}).scalars())
    if not collected:
        again = order_view(session, order_id=order_id, now=now)
        raise BoxOfficeError("pickup_already", "these tickets were collected already",
                             at=again.collected_at, where=again.collected_where or "")
    if printer is not None:
        queue_order_tickets(session, order_id=order_id, printer=printer, terminal_id=terminal_id, now=now,
                            requested_by=staff_id)
    audit.record(session, now=now, terminal_id=terminal_id, staff_id=staff_id, action="pickup",
                 subject=view.reference, tickets=collected, printer=printer)
    return collected


_TERMINAL_MODE = select(_terminal.c.mode).where(_terminal.c.id == bindparam("p_terminal"))


def reprint_collected(session: Session, *, order_id: int, printer: str, approver: StaffMember, reason: str,
                      terminal_id: str, now: datetime) -> list[int]:
    """Print collected tickets of an order again (counter only, with a supervisor's approval and a reason).

    Each copy is marked "REPRINT n" on paper and audited (:func:`boxoffice.print_queue.reprint_ticket`).
    ``terminal_id`` must be a counter: the terminal's registered mode decides (a kiosk, a door or a terminal the
    store does not know is refused), whoever the approver is.

    Returns:
        The new print jobs.

    Raises:
        BoxOfficeError: ``pickup_reprint_counter_only`` (``terminal``, ``mode``: None when not registered) before
            anything else; the view's refusal code; as :func:`boxoffice.print_queue.reprint_ticket`
            (``not_permitted``, ``override_reason_missing``, ``print_job_pending`` …).
    """
    mode = session.connection().execute(_TERMINAL_MODE, {"p_terminal": terminal_id}).scalar()
    if mode != "counter":
        raise BoxOfficeError("pickup_reprint_counter_only", "collected tickets are reprinted at a counter only",
                             terminal=terminal_id, mode=mode)
    view = order_view(session, order_id=order_id, now=now)
    if view.refusal not in (None, "pickup_already"):
        raise BoxOfficeError(view.refusal or "pickup_refunded", "these tickets cannot be printed")
    return [reprint_ticket(session, ticket_id=t.id, printer=printer, approver=approver, reason=reason,
                           terminal_id=terminal_id, now=now)
            for t in view.valid_tickets if t.picked_up_at is not None]


@dataclass(frozen=True)
class PickupOutcome:
    """What one press of Enter at the pickup input led to: the order, or the refusal, or a locked input."""

    view: PickupView | None = None
    error: BoxOfficeError | None = None
    locked_until: datetime | None = None


def present(session: Session, *, text: str, terminal_id: str, key: bytes, public_key: Ed25519PublicKey,
            now: datetime, policy: GuardPolicy | None) -> PickupOutcome:
    """Look up what was scanned or typed at a pickup input, log the attempt, and apply the lock (one intent).

    Refusals are returned, not raised, so that the attempt is logged in the same (committing) transaction.
    ``policy`` None: no lock (a counter whose staff type codes read out to them, unless configured otherwise).
    """
    if policy is not None:
        until = locked_until(session, terminal_id=terminal_id, now=now, policy=policy)
        if until is not None:
            return PickupOutcome(locked_until=until)
    kind = "qr" if looks_like_token(text) else "code"
    try:
        view = lookup(session, text=text, key=key, public_key=public_key, now=now)
    except BoxOfficeError as error:
        record_attempt(session, terminal_id=terminal_id, kind=kind, outcome=error.code, entered=text, now=now)
        until = locked_until(session, terminal_id=terminal_id, now=now, policy=policy) if policy else None
        return PickupOutcome(error=error, locked_until=until)
    record_attempt(session, terminal_id=terminal_id, kind=kind, outcome="ok", entered=text, now=now,
                   order_id=view.order_id)
    return PickupOutcome(view=view)


_UNPRINTED_HERE = (
    update(_ticket)
    .where(_ticket.c.order_id == bindparam("p_order"), _ticket.c.status == "valid", _ticket.c.printed_count == 0,
           _ticket.c.picked_up_terminal == bindparam("p_terminal"),
           ~select(_job.c.id).where(_job.c.ticket_id == _ticket.c.id,
                                   _job.c.status.in_(("sending", "uncertain", "printed"))).exists())
    .values(picked_up_at=None, picked_up_terminal=None)
    .returning(_ticket.c.id)
)
_CANCEL_JOBS = (
    update(_job)
    .where(_job.c.ticket_id.in_(bindparam("p_tickets", expanding=True)), _job.c.kind == "ticket",
           _job.c.status.in_(("queued", "failed")))
    .values(status="cancelled", last_error="kiosk_print_failed")
)


def release_unprinted(session: Session, *, order_id: int, terminal_id: str, now: datetime) -> list[int]:
    """A kiosk could not print a paid order: its unprinted tickets go back to "to collect".

    The kiosk's print jobs for them are cancelled (a printer that recovers an hour later must not print them
    for whoever stands there then) and their hand-over mark is taken back, so the customer collects them at the
    counter with the pickup code shown on screen. A ticket that may have printed (a job sent or uncertain) keeps
    its mark: the counter reprints it with a supervisor if it really did not.

    Returns:
        The tickets now waiting to be collected.
    """
    released = list(session.connection().execute(
        _UNPRINTED_HERE, {"p_order": order_id, "p_terminal": terminal_id}).scalars())
    if released:
        session.connection().execute(_CANCEL_JOBS, {"p_tickets": released})
        audit.record(session, now=now, terminal_id=terminal_id, action="pickup.released", subject=f"order {order_id}",
                     tickets=released, reason="kiosk_print_failed")
    return released
