"""An order's whole life in time order, for ``boxoffice order show``: who did what, when, where and why.

Staff must be able to prove afterwards what was decided and why. Everything needed is already in the store,
written in each action's own transaction: the order and its payments (the sale), print jobs (every print and
numbered reprint), the tickets' pickup and door marks, refunds with their tickets and money, audit entries (rule
overrides, reprint reasons, exchanges, the cancellation of its showtime) and the SMS outbox. This module reads them
into :class:`HistoryEvent` values sorted by time; the command prints them.

Privacy: the phone number is shown masked, payment references by their last four characters, pickup codes never
(only their keyed digest is stored anyway), and audit details are cleaned of anything that looks like a phone,
a reference or a code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlmodel import Session

from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import Translator, format_money
from boxoffice.privacy import mask_phone
from boxoffice.seatplan import seat_label
from boxoffice.ticket_content import mask_reference, ticket_number
from db.models import (
    AuditEntry,
    Auditorium,
    Film,
    Payment,
    PrintJob,
    Refund,
    RefundPayment,
    RefundTicket,
    SaleOrder,
    Seat,
    Showtime,
    SmsMessage,
    Staff,
    Terminal,
    Ticket,
    TicketType,
)

_order = SaleOrder.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]
_film = Film.__table__  # type: ignore[attr-defined]
_hall = Auditorium.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_seat = Seat.__table__  # type: ignore[attr-defined]
_type = TicketType.__table__  # type: ignore[attr-defined]
_payment = Payment.__table__  # type: ignore[attr-defined]
_job = PrintJob.__table__  # type: ignore[attr-defined]
_refund = Refund.__table__  # type: ignore[attr-defined]
_refund_ticket = RefundTicket.__table__  # type: ignore[attr-defined]
_refund_payment = RefundPayment.__table__  # type: ignore[attr-defined]
_audit = AuditEntry.__table__  # type: ignore[attr-defined]
_sms = SmsMessage.__table__  # type: ignore[attr-defined]
_staff = Staff.__table__  # type: ignore[attr-defined]
_terminal = Terminal.__table__  # type: ignore[attr-defined]

_ORDER = (
    select(_order, _film.c.title_zh, _film.c.title_en, _hall.c.name.label("hall"), _show.c.starts_at,
           _show.c.status.label("show_status"))
    .select_from(_order.join(_show, _show.c.id == _order.c.showtime_id).join(_film, _film.c.id == _show.c.film_id)
                 .join(_hall, _hall.c.id == _show.c.auditorium_id))
    .where(_order.c.id == bindparam("p_order"))
)
_TICKETS = (
    select(_ticket.c.id, _ticket.c.status, _ticket.c.price_fen, _ticket.c.fee_fen, _ticket.c.picked_up_at,
           _ticket.c.picked_up_terminal, _ticket.c.admitted_at, _ticket.c.admitted_terminal, _seat.c.row_label,
           _seat.c.number, _type.c.code.label("type_code"))
    .select_from(_ticket.join(_seat, _seat.c.id == _ticket.c.seat_id)
                 .join(_type, _type.c.id == _ticket.c.ticket_type_id))
    .where(_ticket.c.order_id == bindparam("p_order")).order_by(_ticket.c.id)
)
_PAYMENTS = select(_payment).where(_payment.c.order_id == bindparam("p_order")).order_by(_payment.c.id)
_JOBS = select(_job).where(_job.c.order_id == bindparam("p_order")).order_by(_job.c.id)
_REFUNDS = select(_refund).where(_refund.c.order_id == bindparam("p_order")).order_by(_refund.c.id)
_REFUND_TICKETS = select(_refund_ticket).where(_refund_ticket.c.refund_id == bindparam("p_refund")).order_by(
    _refund_ticket.c.ticket_id)
_REFUND_PAYMENTS = select(_refund_payment).where(_refund_payment.c.refund_id == bindparam("p_refund")).order_by(
    _refund_payment.c.id)
_SMS = select(_sms).where(_sms.c.order_id == bindparam("p_order")).order_by(_sms.c.id)
_STAFF = select(_staff.c.id, _staff.c.code, _staff.c.name)
_TERMINALS = select(_terminal.c.id, _terminal.c.name)

COVERED_ACTIONS = ("sale", "pickup", "refund", "refund.not_returned", "booking_import")
"""Audit actions on the order's reference whose facts are read from their own tables instead."""
_SECRET_KEYS = ("phone", "reference", "code", "secret", "token", "pin", "card")
_RANK = {"sale": 0, "pickup": 1, "print": 2, "sms": 3, "refund": 6}


@dataclass(frozen=True)
class HistoryEvent:
    """One thing that happened to the order.

    Attributes:
        at: when (UTC-aware).
        kind: ``sale``, ``print``, ``pickup``, ``admitted``, ``refund``, ``exchange``, ``sms`` or the audit
            action (``seat_rules.override``, ``print.reprint``…).
        where: the terminal's name (or id).
        who: the staff member (``王芳 (1001)``), and the approver where there was one.
        what: the facts, in English (one line each).
    """

    at: datetime
    kind: str
    where: str
    who: str
    what: tuple[str, ...]


@dataclass(frozen=True)
class OrderHistory:
    """The order's heading facts and its events in time order."""

    order_id: int
    reference: str
    film: str
    hall: str
    starts_at: datetime
    status: str
    showtime_status: str
    channel: str
    phone_masked: str | None
    policy_id: int | None
    events: tuple[HistoryEvent, ...]


def _clean(detail: str) -> dict[str, Any]:
    """An audit detail without anything secret-looking (phones, references, codes), for printing."""
    try:
        data = json.loads(detail) if detail else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        lowered = key.lower()
        if "phone" in lowered and isinstance(value, str):
            cleaned[key] = mask_phone(value)
        elif any(word in lowered for word in _SECRET_KEYS):
            cleaned[key] = mask_reference(str(value)) if value else value
        else:
            cleaned[key] = value
    return cleaned


def _detail_text(data: dict[str, Any]) -> str:
    return ", ".join(f"{key}={json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}"
                     for key, value in data.items() if value not in (None, "", [], {}))


def order_history(session: Session, order_id: int) -> OrderHistory:
    """Everything that happened to an order, oldest first (events at the same moment in the order written).

    Raises:
        BoxOfficeError: ``order_not_found``.
    """
    connection = session.connection()
    order = connection.execute(_ORDER, {"p_order": order_id}).first()
    if order is None:
        raise BoxOfficeError("order_not_found", "no such order", order_id=order_id)
    staff = {row.id: f"{row.name} ({row.code})" for row in connection.execute(_STAFF)}
    terminals = {row.id: row.name for row in connection.execute(_TERMINALS)}
    words = Translator("en")

    def person(staff_id: int | None) -> str:
        return staff.get(staff_id, f"staff {staff_id}") if staff_id is not None else ""

    def place(terminal_id: str | None) -> str:
        return terminals.get(terminal_id, terminal_id or "") if terminal_id else ""

    tickets = connection.execute(_TICKETS, {"p_order": order_id}).all()
    number = {t.id: ticket_number(order.reference, index) for index, t in enumerate(tickets, start=1)}
    seat = {t.id: seat_label(t.row_label, t.number) for t in tickets}
    events: list[tuple[datetime, int, int, HistoryEvent]] = []

    def add(at: datetime, kind: str, where: str, who: str, *what: str, rank: int | None = None) -> None:
        # At the same moment: the sale first, what it did next (hand-over, prints, SMS), then later steps.
        order_of = _RANK.get(kind, 5) if rank is None else rank
        events.append((at, order_of, len(events),
                       HistoryEvent(at, kind, where, who, tuple(line for line in what if line))))

    # The sale (or the import of an online booking).
    payments = connection.execute(_PAYMENTS, {"p_order": order_id}).all()
    paid = []
    for p in payments:
        line = f"{p.method} {format_money(p.amount_fen)}"
        if p.method == "cash" and p.tendered_fen:
            line += f" (handed {format_money(p.tendered_fen)}, change {format_money(p.change_fen or 0)})"
        if p.reference:
            line += f" ref {mask_reference(p.reference)}"
        paid.append(line)
    sold_by = "" if order.platform is None else f"online booking on {order.platform}"
    add(order.created_at, "sale", place(order.terminal_id), person(order.staff_id) or sold_by,
        f"{len(tickets)} ticket{'' if len(tickets) == 1 else 's'}: " + ", ".join(f"{seat[t.id]} {t.type_code} {format_money(t.price_fen + t.fee_fen)}"
                                                for t in tickets),
        f"total {format_money(order.total_fen)}; paid " + ("; ".join(paid) or "nothing"),
        f"channel {order.channel}" + (f", policy version {order.refund_policy_id}" if order.refund_policy_id else "")
        + (f", phone {mask_phone(order.customer_phone)}" if order.customer_phone else ""))

    # Prints and reprints.
    for job in connection.execute(_JOBS, {"p_order": order_id}):
        label = (f"ticket {number.get(job.ticket_id, job.ticket_id)} {seat.get(job.ticket_id, '')}".strip()
                 if job.kind == "ticket" else f"refund receipt #{job.refund_id}" if job.kind == "refund"
                 else job.kind)
        again = f", REPRINT {job.reprint}" if job.reprint else ""
        state = (f"printed {job.printed_at:%H:%M:%S}" if job.status == "printed" and job.printed_at else job.status)
        add(job.created_at, "print", place(job.terminal_id), person(job.requested_by),
            f"{label} on {job.printer}{again}: {state}" + (f" (last error {job.last_error})" if job.last_error else ""),
            rank=7 if job.kind == "refund" else None)

    # Pickups and admissions, one event per moment and terminal.
    def grouped(at_field: str, where_field: str) -> dict[tuple[datetime, str], list[int]]:
        groups: dict[tuple[datetime, str], list[int]] = {}
        for t in tickets:
            at = getattr(t, at_field)
            if at is not None:
                groups.setdefault((at, getattr(t, where_field) or ""), []).append(t.id)
        return groups

    for (at, terminal), ids in grouped("picked_up_at", "picked_up_terminal").items():
        handed = at == order.created_at and terminal == order.terminal_id
        add(at, "pickup", place(terminal), "",
            ("handed over at the sale: " if handed else "collected: ") + ", ".join(seat[i] for i in ids))
    for (at, terminal), ids in grouped("admitted_at", "admitted_terminal").items():
        add(at, "admitted", place(terminal), "", "let in at the door: " + ", ".join(seat[i] for i in ids))

    # Refunds.
    for refund in connection.execute(_REFUNDS, {"p_order": order_id}):
        lines = connection.execute(_REFUND_TICKETS, {"p_refund": refund.id}).all()
        backs = connection.execute(_REFUND_PAYMENTS, {"p_refund": refund.id}).all()
        who = person(refund.staff_id)
        if refund.approver_id is not None:
            who += f", approved by {person(refund.approver_id)}"
        reason_words = words(f"policy_reason.{refund.decision}")
        add(refund.created_at, "refund", place(refund.terminal_id), who,
            "tickets " + ", ".join(f"{seat.get(r.ticket_id, r.ticket_id)}"
                                   + (" (handed back)" if r.returned else " (not handed back)" if r.on_paper else "")
                                   for r in lines),
            f"why: {refund.decision} ({reason_words})" + (f"; reason: {refund.reason}" if refund.reason else "")
            + (f"; policy version {refund.refund_policy_id}" if refund.refund_policy_id else ""),
            f"paid {format_money(refund.gross_fen)}, service fee kept {format_money(refund.kept_fee_fen)}, "
            f"percentage fee {format_money(refund.percent_fee_fen)}, fixed fee {format_money(refund.fixed_fee_fen)}, "
            f"back {format_money(refund.back_fen)}",
            "back to " + ("; ".join(f"{b.method} {format_money(b.amount_fen)}"
                                    + (f" ref {mask_reference(b.reference)}" if b.reference else "")
                                    + (" from the drawer" if b.method == "cash" else "")
                                    for b in backs) or "nothing"),
            f"tickets not handed back: {refund.not_returned_note}" if refund.not_returned_note else "")

    # Audit entries that say why (overrides, reprints, exchanges, notes), beyond the facts read above.
    order_detail = or_(_audit.c.detail.like(f'%"order_id": {order_id},%'),
                       _audit.c.detail.like(f'%"order_id": {order_id}}}%'))
    showtime_subject = and_(_audit.c.subject == f"showtime {order.showtime_id}", _audit.c.action.like("showtime.%"))
    audits = connection.execute(select(_audit).where(or_(
        _audit.c.subject == order.reference, order_detail, _audit.c.detail.like(f"%{order.reference}%"),
        showtime_subject,
    )).order_by(_audit.c.id))
    for entry in audits:
        if entry.action in COVERED_ACTIONS:
            continue
        data = _clean(entry.detail)
        approver = data.pop("approver", None)
        who = person(entry.staff_id)
        if approver:
            who += f", approved by {approver}"
        kind = "exchange" if entry.action.startswith("exchange") else entry.action
        add(entry.at, kind, place(entry.terminal_id), who,
            (f"{entry.action}: " if kind == "exchange" and entry.action != "exchange" else "")
            + _detail_text(data))

    # SMS (masked number; the text and the code are never shown).
    for message in connection.execute(_SMS, {"p_order": order_id}):
        state = message.status + (f" {message.sent_at:%H:%M:%S}" if message.sent_at else "")
        add(message.created_at, "sms", "", "",
            f"{message.kind} to {message.phone_masked}: {state}, {message.attempts} attempts"
            + (f", last error {message.last_error}" if message.last_error else ""))

    return OrderHistory(
        order_id=order.id, reference=order.reference,
        film=f"{order.title_zh} {order.title_en}".strip(), hall=order.hall, starts_at=order.starts_at,
        status=order.status, showtime_status=order.show_status, channel=order.channel,
        phone_masked=mask_phone(order.customer_phone) if order.customer_phone else None,
        policy_id=order.refund_policy_id,
        events=tuple(item[3] for item in sorted(events, key=lambda item: item[:3])),
    )
