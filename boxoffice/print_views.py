"""What the counter's print queue screen lists besides the jobs that need attention: a terminal's recent jobs
(a cashier reprints a lost ticket from there) and how many jobs wait on each printer."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from boxoffice.print_queue import OPEN, JobView, order_print_state
from db.models import PrintJob

RECENT_JOBS = 20
"""How many recent jobs the counter lists."""

_job = PrintJob.__table__  # type: ignore[attr-defined]


def recent_jobs(session: Session, *, terminal_id: str, limit: int = RECENT_JOBS) -> list[JobView]:
    """The last ``limit`` ticket and receipt jobs of a terminal, newest first, printed or not.

    Built on :func:`boxoffice.print_queue.order_print_state` (one query for the orders of the latest jobs, then
    the jobs of each): a cashier reprints a ticket from here.
    """
    latest = func.max(_job.c.id)
    orders = session.connection().execute(
        select(_job.c.order_id)
        .where(_job.c.terminal_id == terminal_id, _job.c.order_id.is_not(None))
        .group_by(_job.c.order_id)
        .order_by(latest.desc())
        .limit(limit)
    ).scalars().all()
    jobs = [job for order_id in orders for job in order_print_state(session, order_id).jobs
            if job.terminal_id == terminal_id]
    return sorted(jobs, key=lambda job: job.id, reverse=True)[:limit]


def waiting_counts(session: Session, *, terminal_id: str) -> dict[str, int]:
    """Printer name → this terminal's jobs queued or being sent on it."""
    rows = session.connection().execute(
        select(_job.c.printer, func.count())
        .where(_job.c.terminal_id == terminal_id, _job.c.status.in_(OPEN))
        .group_by(_job.c.printer)
    ).all()
    return {printer: int(count) for printer, count in rows}
