"""The durable print queue: every ticket, receipt and test page is a :class:`db.models.PrintJob` row first.

A sale queues its tickets in its own transaction, so a paid order always has its print jobs and a printer that
fails never costs the sale. A worker (:mod:`boxoffice.print_worker`) takes one due job at a time with a single
``UPDATE … WHERE status='queued' … RETURNING`` (two workers never take the same job), sends it outside any
transaction, then records the outcome:

* printed → ``printed`` (and the ticket's ``printed_count`` goes up);
* the printer said before anything was sent that it cannot print (unreachable, offline, paper out, cover open)
  → back to ``queued`` with a backoff of 2, 4, 8 … at most 60 seconds: the job waits for the printer, however
  long that takes, and the counter sees it waiting;
* any other error before sending → ``queued`` again, and ``failed`` after :data:`MAX_ATTEMPTS` attempts;
* an error while sending, or a worker that died while sending (found by :func:`recover_interrupted`) →
  ``uncertain``: the printer may have printed it, so it is never sent again by itself.

A person decides what happens to failed and uncertain jobs (supervisor actions, audited with a reason):
:func:`retry_job`, :func:`reprint_ticket`, :func:`move_job`, :func:`confirm_printed`, :func:`cancel_job`. Whatever
may already be on paper is printed again only as a numbered reprint ("REPRINT n"). Jobs are never deleted: they
are the per-ticket print journal. Services take the caller's session and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from boxoffice import audit
from boxoffice.errors import BoxOfficeError
from boxoffice.staff import StaffMember
from db.models import PrintJob, SaleOrder, Ticket

MAX_ATTEMPTS = 8
"""Attempts after which a job that keeps failing for a reason other than the printer's state is ``failed``."""
BACKOFF_CAP_S = 60
WAITING_CODES = frozenset({"printer_unreachable", "printer_offline", "paper_out", "cover_open"})
"""Errors that say the printer cannot print now (nothing was sent): the job waits for it without giving up."""
OVERDUE_S = 30
"""A queued job older than this is shown to the counter even without an error."""
STUCK_S = 120
"""A job ``sending`` for longer than this means its worker is hung or dead."""
FALLBACK_AFTER = 3
"""Attempts after which a job waiting for its printer offers the printer's fallback."""
OPEN = ("queued", "sending")

_job = PrintJob.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_order = SaleOrder.__table__  # type: ignore[attr-defined]
_now: BindParameter[Any] = bindparam("p_now")
_job_id: BindParameter[Any] = bindparam("p_job")

_INSERT = insert(_job).returning(_job.c.id)
_DUE = (
    select(_job.c.id)
    .where(_job.c.status == "queued", _job.c.terminal_id == bindparam("p_terminal"),
           _job.c.printer.in_(bindparam("p_printers", expanding=True)), _job.c.next_attempt_at <= _now)
    .order_by(_job.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers
    .scalar_subquery()
)
_CLAIM = (
    update(_job)
    .where(_job.c.id == _DUE, _job.c.status == "queued")
    .values(status="sending", attempts=_job.c.attempts + 1, sent_at=_now)
    .returning(_job.c.id, _job.c.kind, _job.c.printer, _job.c.order_id, _job.c.ticket_id, _job.c.reprint,
               _job.c.attempts, _job.c.terminal_id, _job.c.refund_id)
)
_FROM_SENDING = update(_job).where(_job.c.id == _job_id, _job.c.status == "sending")
_PRINTED = (
    update(_job).where(_job.c.id == _job_id, _job.c.status.in_(("sending", "uncertain")))
    .values(status="printed", printed_at=_now).returning(_job.c.ticket_id)
)
_COUNT_PRINT = update(_ticket).where(_ticket.c.id == bindparam("p_ticket")).values(
    printed_count=_ticket.c.printed_count + 1)
_RECOVER = (
    update(_job)
    .where(_job.c.status == "sending", _job.c.terminal_id == bindparam("p_terminal"),
           _job.c.printer.in_(bindparam("p_printers", expanding=True)))
    .values(status="uncertain", last_error="print_interrupted")
    .returning(_job.c.id)
)
_JOB = select(_job).where(_job.c.id == _job_id)
_ORDER_TICKETS = select(_ticket.c.id, _ticket.c.status).where(_ticket.c.order_id == bindparam("p_order")).order_by(
    _ticket.c.id)
_FIRST_JOBS = select(_job.c.ticket_id, _job.c.id).where(
    _job.c.order_id == bindparam("p_order"), _job.c.kind == bindparam("p_kind"), _job.c.reprint == 0,
).order_by(_job.c.id)

_number_of = _ticket.alias("earlier")
_TICKET_INDEX = (
    select(func.count(_number_of.c.id))
    .where(_number_of.c.order_id == _ticket.c.order_id, _number_of.c.id <= _ticket.c.id)
    .scalar_subquery()
)
_VIEW = select(_job, _order.c.reference, _TICKET_INDEX.label("ticket_index")).select_from(
    _job.outerjoin(_order, _order.c.id == _job.c.order_id).outerjoin(_ticket, _ticket.c.id == _job.c.ticket_id))


@dataclass(frozen=True)
class JobToSend:
    """A job a worker has taken (status ``sending``): what it must print, and where."""

    id: int
    kind: str
    printer: str
    order_id: int | None
    ticket_id: int | None
    reprint: int
    attempts: int
    terminal_id: str
    refund_id: int | None = None
    """For a refund receipt: the refund it shows."""


@dataclass(frozen=True)
class JobView:
    """A job as the counter and the technician see it."""

    id: int
    kind: str
    status: str
    printer: str
    attempts: int
    last_error: str | None
    reprint: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    printed_at: datetime | None
    terminal_id: str
    order_id: int | None
    order_reference: str | None
    ticket_id: int | None
    ticket_number: str | None
    fallback: str | None = None
    """The printer's configured fallback, offered when the job is stuck (moving it is a supervisor's call)."""

    @property
    def may_have_printed(self) -> bool:
        """The printer may have printed it: printing it again makes a reprint."""
        return self.status == "uncertain"


@dataclass(frozen=True)
class OrderPrintState:
    """Where an order's tickets and receipt are on their way to paper."""

    order_id: int
    jobs: tuple[JobView, ...]
    unprinted_tickets: tuple[int, ...]
    """Valid tickets of the order never printed."""

    @property
    def is_complete(self) -> bool:
        """Every valid ticket has been printed at least once."""
        return not self.unprinted_tickets

    @property
    def is_pending(self) -> bool:
        """Some job is still queued or being sent."""
        return any(job.status in OPEN for job in self.jobs)

    @property
    def problems(self) -> tuple[JobView, ...]:
        """Jobs that failed, may have printed, or are waiting after an error."""
        return tuple(job for job in self.jobs if job.status in ("failed", "uncertain")
                     or (job.status == "queued" and job.last_error is not None))


def backoff_after(attempts: int) -> timedelta:
    """The wait before the next attempt: 2 s after the first, then 4, 8, 16 … at most 60 s."""
    return timedelta(seconds=min(2 ** max(1, min(attempts, 6)), BACKOFF_CAP_S))


def _run(session: Session, statement: Any, **params: Any) -> Any:
    return session.connection().execute(statement, params)


def _new_job(session: Session, *, kind: str, printer: str, terminal_id: str, now: datetime,
             order_id: int | None = None, ticket_id: int | None = None, reprint: int = 0,
             requested_by: int | None = None, refund_id: int | None = None) -> int:
    return int(_run(session, _INSERT, kind=kind, order_id=order_id, ticket_id=ticket_id, printer=printer,
                    status="queued", attempts=0, next_attempt_at=now, last_error=None, reprint=reprint,
                    created_at=now, sent_at=None, printed_at=None, terminal_id=terminal_id,
                    requested_by=requested_by, refund_id=refund_id).scalar_one())


# --- queueing ------------------------------------------------------------------------------------------------


def queue_order_tickets(session: Session, *, order_id: int, printer: str, terminal_id: str, now: datetime,
                        requested_by: int | None = None) -> list[int]:
    """Queue one job per valid ticket of an order, in ticket order; idempotent.

    A ticket that already has its first print job keeps it (a sale submitted twice, a second call): the result
    lists that job instead of a new one.

    Returns:
        The job ids, one per valid ticket.
    """
    existing = dict(_run(session, _FIRST_JOBS, p_order=order_id, p_kind="ticket").all())
    jobs = []
    for ticket_id, status in _run(session, _ORDER_TICKETS, p_order=order_id).all():
        if status != "valid":
            continue
        job = existing.get(ticket_id)
        if job is None:
            job = _new_job(session, kind="ticket", printer=printer, terminal_id=terminal_id, now=now,
                           order_id=order_id, ticket_id=ticket_id, requested_by=requested_by)
        jobs.append(job)
    return jobs


def queue_receipt(session: Session, *, order_id: int, printer: str, terminal_id: str, now: datetime,
                  requested_by: int | None = None) -> int:
    """Queue an order's receipt (idempotent: an order has one first receipt)."""
    first = _run(session, _FIRST_JOBS, p_order=order_id, p_kind="receipt").first()
    if first is not None:
        return int(first.id)
    return _new_job(session, kind="receipt", printer=printer, terminal_id=terminal_id, now=now,
                    order_id=order_id, requested_by=requested_by)


def queue_refund_receipt(session: Session, *, refund_id: int, order_id: int, printer: str, terminal_id: str,
                         now: datetime, requested_by: int | None = None) -> int:
    """Queue the receipt of a refund (kind ``refund``; idempotent: a refund has one first receipt)."""
    first = _run(session, select(_job.c.id).where(_job.c.refund_id == bindparam("p_refund"), _job.c.kind == "refund",
                                                  _job.c.reprint == 0), p_refund=refund_id).first()
    if first is not None:
        return int(first.id)
    return _new_job(session, kind="refund", printer=printer, terminal_id=terminal_id, now=now, order_id=order_id,
                    requested_by=requested_by, refund_id=refund_id)


def queue_test_page(session: Session, *, printer: str, terminal_id: str, now: datetime,
                    requested_by: int | None = None) -> int:
    """Queue the technician's test page on a printer."""
    return _new_job(session, kind="test", printer=printer, terminal_id=terminal_id, now=now,
                    requested_by=requested_by)


# --- the worker's side ---------------------------------------------------------------------------------------


def claim_next_job(session: Session, *, terminal_id: str, printers: Sequence[str], now: datetime) -> JobToSend | None:
    """Take the oldest due queued job of this terminal's ``printers``: it becomes ``sending``, one attempt more.

    One statement decides: a job another worker took in the meantime is no longer ``queued`` and is not
    returned. Commit at once, then send outside any transaction.
    """
    if not printers:
        return None
    row = _run(session, _CLAIM, p_terminal=terminal_id, p_printers=list(printers), p_now=now).first()
    return JobToSend(*row) if row is not None else None


def mark_printed(session: Session, *, job_id: int, now: datetime) -> bool:
    """The printer took the job: ``printed``; a ticket's ``printed_count`` goes up. False if it was not sending."""
    ticket_id = _run(session, _PRINTED, p_job=job_id, p_now=now).first()
    if ticket_id is None:
        return False
    if ticket_id[0] is not None:
        _run(session, _COUNT_PRINT, p_ticket=ticket_id[0])
    return True


def mark_retry(session: Session, *, job_id: int, error_code: str, now: datetime,
               backoff: timedelta | None = None) -> bool:
    """Nothing was printed: back to ``queued``, due after ``backoff`` (default: :func:`backoff_after` its
    attempts)."""
    if backoff is None:
        attempts = _run(session, select(_job.c.attempts).where(_job.c.id == _job_id), p_job=job_id).scalar() or 1
        backoff = backoff_after(attempts)
    return bool(_run(session, _FROM_SENDING.values(status="queued", last_error=error_code,
                                                   next_attempt_at=now + backoff), p_job=job_id).rowcount)


def mark_failed(session: Session, *, job_id: int, error_code: str, now: datetime) -> bool:
    """Retrying is pointless: ``failed``, shown to the counter until a supervisor acts. The sale stays."""
    return bool(_run(session, _FROM_SENDING.values(status="failed", last_error=error_code, next_attempt_at=now),
                     p_job=job_id).rowcount)


def mark_uncertain(session: Session, *, job_id: int, error_code: str, now: datetime) -> bool:
    """Sending broke off: the printer may have printed it. Never resent by itself."""
    return bool(_run(session, _FROM_SENDING.values(status="uncertain", last_error=error_code,
                                                   next_attempt_at=now), p_job=job_id).rowcount)


def mark_cancelled(session: Session, *, job_id: int, error_code: str, now: datetime) -> bool:
    """The job must not print (its ticket was refunded meanwhile): ``cancelled``, nothing sent."""
    return bool(_run(session, _FROM_SENDING.values(status="cancelled", last_error=error_code,
                                                   next_attempt_at=now), p_job=job_id).rowcount)


def record_error(session: Session, *, job_id: int, error_code: str, now: datetime, maybe_printed: bool,
                 max_attempts: int = MAX_ATTEMPTS) -> str:
    """Record a failed attempt of a ``sending`` job and return its new status (see the module's rules).

    A job no longer ``sending`` (a supervisor or a recovery got there first) is left as it is.
    """
    job = _run(session, select(_job.c.status, _job.c.attempts).where(_job.c.id == _job_id), p_job=job_id).first()
    if job is None or job.status != "sending":
        return job.status if job is not None else "unknown"
    if maybe_printed:
        mark_uncertain(session, job_id=job_id, error_code=error_code, now=now)
        return "uncertain"
    attempts = job.attempts
    if error_code not in WAITING_CODES and attempts >= max_attempts:
        mark_failed(session, job_id=job_id, error_code=error_code, now=now)
        return "failed"
    mark_retry(session, job_id=job_id, error_code=error_code, now=now, backoff=backoff_after(attempts))
    return "queued"


def recover_interrupted(session: Session, *, terminal_id: str, printers: Sequence[str], now: datetime) -> list[int]:
    """At a worker's start: jobs its dead predecessor left ``sending`` become ``uncertain`` (not resent)."""
    if not printers:
        return []
    ids = sorted(_run(session, _RECOVER, p_terminal=terminal_id, p_printers=list(printers)).scalars())
    if ids:
        audit.record(session, now=now, terminal_id=terminal_id, action="print.interrupted", jobs=ids)
    return ids


# --- supervisor actions --------------------------------------------------------------------------------------


def _require_override(approver: StaffMember | None) -> StaffMember:
    if approver is None or not approver.can("override"):
        raise BoxOfficeError("not_permitted", "a supervisor must approve this")
    return approver


def _job_row(session: Session, job_id: int) -> Any:
    job = _run(session, _JOB, p_job=job_id).first()
    if job is None:
        raise BoxOfficeError("print_job_unknown", "no such print job", job_id=job_id)
    return job


def _refuse_state(job: Any) -> BoxOfficeError:
    return BoxOfficeError("print_job_state", f"not possible for a {job.status} job", status=job.status,
                          job_id=job.id)


def _next_reprint(session: Session, job: Any) -> int:
    same = (_job.c.ticket_id == job.ticket_id if job.kind == "ticket"
            else _job.c.refund_id == job.refund_id if job.kind == "refund"
            else and_(_job.c.order_id == job.order_id, _job.c.kind == job.kind))
    return int(_run(session, select(func.coalesce(func.max(_job.c.reprint), -1)).where(same)).scalar_one()) + 1


def _change(session: Session, job: Any, **values: Any) -> None:
    """Update a job only if nobody changed its status since it was read (a worker may be claiming it)."""
    changed = _run(session, update(_job).where(_job.c.id == _job_id, _job.c.status == job.status).values(**values),
                   p_job=job.id).rowcount
    if not changed:
        raise BoxOfficeError("print_job_state", "the job changed meanwhile", status="changed", job_id=job.id)


def _requeue(session: Session, job: Any, now: datetime, **values: Any) -> None:
    _change(session, job, status="queued", attempts=0, last_error=None, next_attempt_at=now, **values)


def _supersede(session: Session, job: Any, *, printer: str, terminal_id: str, approver: StaffMember,
               now: datetime) -> tuple[int, int]:
    """A job that may be on paper is replaced by a numbered reprint; returns (new job, reprint number)."""
    if job.kind == "test":  # a second test page does no harm
        _requeue(session, job, now, printer=printer, terminal_id=terminal_id)
        return job.id, 0
    reprint = _next_reprint(session, job)
    _change(session, job, status="cancelled")
    new = _new_job(session, kind=job.kind, printer=printer, terminal_id=terminal_id, now=now,
                   order_id=job.order_id, ticket_id=job.ticket_id, reprint=reprint, requested_by=approver.id,
                   refund_id=job.refund_id)
    return new, reprint


def _audit(session: Session, action: str, job: Any, *, approver: StaffMember, terminal_id: str, now: datetime,
           **detail: Any) -> None:
    audit.record(session, now=now, terminal_id=terminal_id, staff_id=approver.id, action=action,
                 subject=f"print job {job.id}", kind=job.kind, order_id=job.order_id, ticket_id=job.ticket_id,
                 approver=approver.code, **detail)


def retry_job(session: Session, *, job_id: int, approver: StaffMember, terminal_id: str, now: datetime,
              reason: str = "") -> int:
    """Send a job again now: a failed or waiting job as it was; an uncertain one as a numbered reprint.

    Returns:
        The job that will print: the same one, or the new reprint job.

    Raises:
        BoxOfficeError: ``not_permitted``, ``print_job_unknown``, ``print_job_state`` (sending, printed,
            cancelled).
    """
    _require_override(approver)
    job = _job_row(session, job_id)
    if job.status in ("failed", "queued"):
        _requeue(session, job, now)
        result, reprint = job.id, job.reprint
    elif job.status == "uncertain":
        result, reprint = _supersede(session, job, printer=job.printer, terminal_id=job.terminal_id,
                                     approver=approver, now=now)
    else:
        raise _refuse_state(job)
    _audit(session, "print.retry", job, approver=approver, terminal_id=terminal_id, now=now, reason=reason,
           was=job.status, error=job.last_error, to_job=result, reprint=reprint)
    return result


def move_job(session: Session, *, job_id: int, to_printer: str, approver: StaffMember, terminal_id: str,
             now: datetime, reason: str = "") -> int:
    """Send a job to another printer of this terminal (e.g. tickets on the receipt printer).

    An uncertain job is replaced by a numbered reprint on the new printer; a queued or failed one moves as it is.

    Returns:
        The job that will print.

    Raises:
        BoxOfficeError: ``not_permitted``, ``print_job_unknown``, ``print_job_state``.
    """
    _require_override(approver)
    job = _job_row(session, job_id)
    if job.status in ("queued", "failed"):
        _requeue(session, job, now, printer=to_printer, terminal_id=terminal_id)
        result, reprint = job.id, job.reprint
    elif job.status == "uncertain":
        result, reprint = _supersede(session, job, printer=to_printer, terminal_id=terminal_id,
                                     approver=approver, now=now)
    else:
        raise _refuse_state(job)
    _audit(session, "print.move", job, approver=approver, terminal_id=terminal_id, now=now, reason=reason,
           was=job.status, error=job.last_error, printer_from=job.printer, printer_to=to_printer,
           to_job=result, reprint=reprint)
    return result


def reprint_ticket(session: Session, *, ticket_id: int, printer: str, approver: StaffMember, reason: str,
                   terminal_id: str, now: datetime) -> int:
    """Print a ticket again, marked "REPRINT n" (n = the ticket's highest print number + 1).

    The ticket's failed or uncertain jobs are settled by it (``cancelled``): this is the one paper to print.

    Returns:
        The new job.

    Raises:
        BoxOfficeError: ``not_permitted``; ``override_reason_missing``; ``print_ticket_unknown``;
            ``print_ticket_not_valid`` (refunded or exchanged); ``print_job_pending`` (a print of it is queued or
            being sent: wait for it, or move or retry that job).
    """
    _require_override(approver)
    if not reason.strip():
        raise BoxOfficeError("override_reason_missing", "a reprint needs a reason")
    # The ticket's lock (PostgreSQL): two reprints of one ticket take turns; the second sees the first's job.
    ticket = _run(session, select(_ticket.c.order_id, _ticket.c.status).where(_ticket.c.id == bindparam("p_t"))
                  .with_for_update(), p_t=ticket_id).first()
    if ticket is None:
        raise BoxOfficeError("print_ticket_unknown", "no such ticket", ticket_id=ticket_id)
    if ticket.status != "valid":
        raise BoxOfficeError("print_ticket_not_valid", "this ticket is no longer valid", status=ticket.status)
    jobs = _run(session, select(_job.c.id, _job.c.status, _job.c.reprint).where(_job.c.ticket_id == ticket_id)).all()
    if any(job.status in OPEN for job in jobs):
        raise BoxOfficeError("print_job_pending", "this ticket is being printed", ticket_id=ticket_id)
    settled = [job.id for job in jobs if job.status in ("failed", "uncertain")]
    if settled:
        _run(session, update(_job).where(_job.c.id.in_(settled), _job.c.status.in_(("failed", "uncertain")))
             .values(status="cancelled"))
    reprint = max((job.reprint for job in jobs), default=-1) + 1
    job_id = _new_job(session, kind="ticket", printer=printer, terminal_id=terminal_id, now=now,
                      order_id=ticket.order_id, ticket_id=ticket_id, reprint=reprint, requested_by=approver.id)
    audit.record(session, now=now, terminal_id=terminal_id, staff_id=approver.id, action="print.reprint",
                 subject=f"ticket {ticket_id}", order_id=ticket.order_id, job=job_id, reprint=reprint,
                 printer=printer, reason=reason, approver=approver.code, settled=settled)
    return job_id


def confirm_printed(session: Session, *, job_id: int, approver: StaffMember, terminal_id: str, now: datetime,
                    reason: str = "") -> None:
    """An uncertain job did print (the supervisor holds the paper): ``printed``.

    Raises:
        BoxOfficeError: ``not_permitted``, ``print_job_unknown``, ``print_job_state`` (not uncertain).
    """
    _require_override(approver)
    job = _job_row(session, job_id)
    if job.status != "uncertain" or not mark_printed(session, job_id=job_id, now=now):
        raise _refuse_state(job)
    _audit(session, "print.confirm", job, approver=approver, terminal_id=terminal_id, now=now, reason=reason,
           error=job.last_error)


def cancel_job(session: Session, *, job_id: int, approver: StaffMember, terminal_id: str, now: datetime,
               reason: str = "") -> None:
    """Give up a queued, failed or uncertain job (it stays in the journal as ``cancelled``).

    Raises:
        BoxOfficeError: ``not_permitted``, ``print_job_unknown``, ``print_job_state``.
    """
    _require_override(approver)
    job = _job_row(session, job_id)
    if job.status not in ("queued", "failed", "uncertain"):
        raise _refuse_state(job)
    _change(session, job, status="cancelled")
    _audit(session, "print.cancel", job, approver=approver, terminal_id=terminal_id, now=now, reason=reason,
           was=job.status, error=job.last_error)


# --- queries for the UI --------------------------------------------------------------------------------------


def _view(row: Any, fallbacks: Mapping[str, str], fallback_after: int) -> JobView:
    stuck = row.status in ("failed", "uncertain") or (
        row.status == "queued" and row.last_error is not None and row.attempts >= fallback_after)
    number = (f"{row.reference}-{row.ticket_index:02d}"
              if row.reference is not None and row.ticket_id is not None else None)
    return JobView(
        id=row.id, kind=row.kind, status=row.status, printer=row.printer, attempts=row.attempts,
        last_error=row.last_error, reprint=row.reprint, created_at=row.created_at,
        next_attempt_at=row.next_attempt_at, sent_at=row.sent_at, printed_at=row.printed_at,
        terminal_id=row.terminal_id, order_id=row.order_id, order_reference=row.reference,
        ticket_id=row.ticket_id, ticket_number=number,
        fallback=fallbacks.get(row.printer) if stuck else None,
    )


def jobs_needing_attention(session: Session, *, now: datetime, terminal_id: str | None = None,
                           fallbacks: Mapping[str, str] | None = None, overdue_s: int = OVERDUE_S,
                           fallback_after: int = FALLBACK_AFTER) -> list[JobView]:
    """Failed and uncertain jobs, queued jobs that met an error or are overdue, and jobs stuck in sending.

    Args:
        terminal_id: only this terminal's jobs (None: the whole site).
        fallbacks: printer name → its configured fallback, to offer on stuck jobs.
    """
    condition = or_(
        _job.c.status.in_(("failed", "uncertain")),
        and_(_job.c.status == "queued",
             or_(_job.c.last_error.is_not(None), _job.c.created_at <= now - timedelta(seconds=overdue_s))),
        and_(_job.c.status == "sending", _job.c.sent_at <= now - timedelta(seconds=STUCK_S)),
    )
    query = _VIEW.where(condition)
    if terminal_id is not None:
        query = query.where(_job.c.terminal_id == terminal_id)
    rows = session.connection().execute(query.order_by(_job.c.id)).all()
    return [_view(row, fallbacks or {}, fallback_after) for row in rows]


def order_print_state(session: Session, order_id: int, *, fallbacks: Mapping[str, str] | None = None) -> OrderPrintState:
    """Every print job of an order (tickets and receipts, reprints too) and its tickets not yet printed."""
    rows = session.connection().execute(_VIEW.where(_job.c.order_id == order_id).order_by(_job.c.id)).all()
    unprinted = session.connection().execute(select(_ticket.c.id).where(
        _ticket.c.order_id == order_id, _ticket.c.status == "valid", _ticket.c.printed_count == 0,
    ).order_by(_ticket.c.id)).scalars().all()
    return OrderPrintState(order_id, tuple(_view(row, fallbacks or {}, FALLBACK_AFTER) for row in rows),
                           tuple(unprinted))
