"""The print worker: a thread of its own that empties this terminal's print queue, one job at a time.

Printing blocks for seconds and fails in the field, so it never runs on the UI thread and never inside a
transaction. Each job goes: claim it (one short write transaction), read what goes on paper (a read-only one),
lay it out, ask the printer how it is where the connection can answer (nothing is sent to a printer that says it
is offline, out of paper or open; "paper near end" still prints and is reported), send it, then record the
outcome in a new transaction. The rules for what an error does to the job live in :mod:`boxoffice.print_queue`.

At start the worker turns jobs its dead predecessor left ``sending`` into ``uncertain`` before it takes any job:
after a crash nothing is printed twice. A printer that fails is left alone until the job's backoff is over (its
other jobs wait in order behind it); jobs are never moved to a fallback printer by themselves. If the store
cannot record an outcome, the outcome is kept and recorded before anything else is taken.

This module imports no UI: the app sets :attr:`PrintWorker.on_change` and hops to its own thread from there
(``call_from_thread``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from boxoffice import print_queue
from boxoffice.background import BackgroundLoop
from boxoffice.errors import BoxOfficeError
from boxoffice.print_queue import JobToSend
from boxoffice.ticket_content import receipt_content, refund_receipt_content, ticket_content
from db.engine import transaction
from printing import (
    Document,
    PrinterError,
    PrinterSpec,
    PrinterStatus,
    print_document,
    read_status,
    receipt_document,
    test_page_document,
    ticket_document,
)

log = logging.getLogger(__name__)

_FINAL = frozenset({"print_ticket_unknown", "print_order_unknown"})
"""Content errors that no retry can mend: the job fails at once."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PrinterState:
    """What the worker last saw of one printer, for the counter's and the technician's screens."""

    name: str
    fallback: str | None = None
    """The configured fallback printer (a supervisor may move jobs there)."""
    status: PrinterStatus | None = None
    """The last status read before a job (online, paper ok / near_end / out)."""
    checked_at: datetime | None = None
    last_error: str | None = None
    """The error code of the last attempt, None once a job printed again."""
    last_error_at: datetime | None = None
    last_printed_at: datetime | None = None
    printed: int = 0
    """Jobs printed since the worker started."""
    waiting_until: datetime | None = None
    """No job is sent to the printer before then (the failed job's backoff)."""

    @property
    def paper_near_end(self) -> bool:
        """The roll is nearly used up: still printing, but someone should bring paper."""
        return self.status is not None and self.status.paper == "near_end"


@dataclass(frozen=True)
class PrintEvent:
    """Something changed: a job's outcome, or a printer's state."""

    printer: str
    job_id: int | None = None
    status: str | None = None
    """The job's new status (``printed``, ``queued``, ``failed``, ``uncertain``, ``cancelled``)."""
    error: str | None = None


@dataclass(frozen=True)
class _Outcome:
    job: JobToSend
    at: datetime
    error: str | None = None
    maybe_printed: bool = False
    cancel: bool = False
    final: bool = False


class PrintWorker(BackgroundLoop):
    """Prints this terminal's queued jobs on its configured printers, in a daemon thread.

    Args:
        engine: the store.
        specs: printer name → spec, the terminal's ``[[printers]]``; only their jobs are taken.
        terminal_id: this terminal; only its jobs are taken.
        cinema_zh, cinema_en: printed at the top of tickets and receipts.
        zone: the cinema's time zone (times on paper are local).
        clock: returns the current UTC time.
        poll_s: how long to sleep when no job is due (``wake()`` cuts it short).
        max_attempts: see :data:`boxoffice.print_queue.MAX_ATTEMPTS`.
        on_change: called from the worker thread with a :class:`PrintEvent` after every change.
    """

    def __init__(self, engine: Engine, specs: Mapping[str, PrinterSpec], *, terminal_id: str, cinema_zh: str,
                 cinema_en: str, zone: tzinfo, clock: Callable[[], datetime] = _utc_now, poll_s: float = 0.5,
                 max_attempts: int = print_queue.MAX_ATTEMPTS,
                 on_change: Callable[[PrintEvent], None] | None = None,
                 signing_key: Ed25519PrivateKey | None = None) -> None:
        super().__init__(name=f"print-worker-{terminal_id}", poll_s=poll_s)
        self._engine = engine
        self._signing_key = signing_key
        self._specs = dict(specs)
        self._terminal = terminal_id
        self._cinema = (cinema_zh, cinema_en)
        self._zone = zone
        self._clock = clock
        self._max_attempts = max_attempts
        self.on_change = on_change
        """Called from the worker thread after every change; exceptions are logged and ignored."""
        self._lock = threading.Lock()
        self._states = {name: PrinterState(name, spec.fallback) for name, spec in self._specs.items()}
        self._pending: list[_Outcome] = []
        self._recovered = False

    # -- control (start, stop, wake: BackgroundLoop) ---------------------------------------------------------

    def state(self) -> dict[str, PrinterState]:
        """Printer name → what the worker last saw of it."""
        with self._lock:
            return dict(self._states)

    @property
    def fallbacks(self) -> dict[str, str]:
        """Printer name → its configured fallback, for :func:`boxoffice.print_queue.jobs_needing_attention`."""
        return {name: spec.fallback for name, spec in self._specs.items() if spec.fallback}

    # -- the loop --------------------------------------------------------------------------------------------

    def round(self) -> bool:
        """One round of the thread: :meth:`run_once`, never raising (the thread must outlive any one job)."""
        try:
            return self.run_once()
        except Exception:
            log.exception("print worker: unexpected error")
            return False

    def run_once(self) -> bool:
        """Recover (first time), record outcomes left over, then print at most one due job.

        The thread calls this in a loop; tests may call it directly instead of starting the thread.

        Returns:
            True when a job was handled (look for another at once).
        """
        if not self._recovered:
            with transaction(self._engine) as session:
                ids = print_queue.recover_interrupted(session, terminal_id=self._terminal,
                                                      printers=list(self._specs), now=self._clock())
            self._recovered = True
            for job_id in ids:
                log.warning("print job %s was being sent when the terminal stopped: now uncertain", job_id)
        if not self._flush_pending():
            return False
        now = self._clock()
        with self._lock:
            ready = [name for name, state in self._states.items()
                     if state.waiting_until is None or state.waiting_until <= now]
        if not ready:
            return False
        with transaction(self._engine) as session:
            job = print_queue.claim_next_job(session, terminal_id=self._terminal, printers=ready, now=now)
        if job is None:
            return False
        self._record(self._send(job))
        return True

    def _send(self, job: JobToSend) -> _Outcome:
        spec = self._specs[job.printer]
        try:
            document, label = self._document(job, spec)
        except BoxOfficeError as error:
            if error.code == "print_ticket_not_valid":
                return _Outcome(job, self._clock(), error.code, cancel=True)
            return _Outcome(job, self._clock(), error.code, final=error.code in _FINAL)
        except Exception:  # a layout or store failure; nothing was sent
            log.exception("print job %s: could not build the document", job.id)
            return _Outcome(job, self._clock(), "printer_failed")
        status = read_status(spec)
        before = self.state()[job.printer].status
        self._update(job.printer, status=status, checked_at=self._clock())
        if before is None or (before.online, before.paper, before.problem) != (status.online, status.paper,
                                                                               status.problem):
            self._notify(PrintEvent(job.printer, job.id, "sending", status.problem))
        if status.problem is not None:
            return _Outcome(job, self._clock(), status.problem)
        try:
            print_document(spec, document, job_name=f"job-{job.id}-{job.attempts}-{label}")
        except PrinterError as error:
            log.warning("print job %s on %s: %s", job.id, job.printer, error)
            return _Outcome(job, self._clock(), error.code, maybe_printed=error.maybe_printed)
        except Exception:  # may have broken off half-way: never resend blindly
            log.exception("print job %s on %s failed while sending", job.id, job.printer)
            return _Outcome(job, self._clock(), "printer_failed", maybe_printed=True)
        return _Outcome(job, self._clock())

    def _document(self, job: JobToSend, spec: PrinterSpec) -> tuple[Document, str]:
        cinema_zh, cinema_en = self._cinema
        if job.kind == "test":
            return test_page_document(spec, self._clock().astimezone(self._zone)), "test"
        with transaction(self._engine, write=False) as session:
            if job.kind == "ticket" and job.ticket_id is not None:
                ticket = ticket_content(session, ticket_id=job.ticket_id, zone=self._zone, cinema_zh=cinema_zh,
                                        cinema_en=cinema_en, reprint=job.reprint, require_valid=True,
                                        signing_key=self._signing_key)
                return ticket_document(ticket, spec), ticket.ticket_number
            if job.kind == "receipt" and job.order_id is not None:
                receipt = receipt_content(session, order_id=job.order_id, zone=self._zone,
                                          cinema=f"{cinema_zh} {cinema_en}")
                return receipt_document(replace(receipt, reprint=job.reprint), spec), f"{receipt.order_reference}-r"
            if job.kind == "refund" and job.refund_id is not None:
                receipt = refund_receipt_content(session, refund_id=job.refund_id, zone=self._zone,
                                                 cinema=f"{cinema_zh} {cinema_en}")
                return (receipt_document(replace(receipt, reprint=job.reprint), spec),
                        f"{receipt.order_reference}-refund-{job.refund_id}")
        raise BoxOfficeError("print_order_unknown", f"print job {job.id} has nothing to print")

    # -- outcomes --------------------------------------------------------------------------------------------

    def _record(self, outcome: _Outcome) -> None:
        self._pending.append(outcome)
        self._flush_pending()

    def _flush_pending(self) -> bool:
        """Record kept outcomes in order; False while the store refuses (take no new job then)."""
        while self._pending:
            outcome = self._pending[0]
            try:
                status = self._apply(outcome)
            except Exception as exc:  # noqa: BLE001 - the store is busy or gone: keep the outcome, try later
                log.warning("print job %s: outcome not recorded yet: %s", outcome.job.id, exc)
                return False
            self._pending.pop(0)
            self._after(outcome, status)
        return True

    def _apply(self, outcome: _Outcome) -> str:
        job, at, error = outcome.job, outcome.at, outcome.error
        with transaction(self._engine) as session:
            if error is None:
                print_queue.mark_printed(session, job_id=job.id, now=at)
                return "printed"
            if outcome.cancel:
                print_queue.mark_cancelled(session, job_id=job.id, error_code=error, now=at)
                return "cancelled"
            if outcome.final:
                print_queue.mark_failed(session, job_id=job.id, error_code=error, now=at)
                return "failed"
            return print_queue.record_error(session, job_id=job.id, error_code=error, now=at,
                                            maybe_printed=outcome.maybe_printed, max_attempts=self._max_attempts)

    def _after(self, outcome: _Outcome, status: str) -> None:
        job, at = outcome.job, outcome.at
        if outcome.error is None:
            state = self.state()[job.printer]
            self._update(job.printer, last_error=None, last_error_at=None, last_printed_at=at,
                         printed=state.printed + 1, waiting_until=None)
        elif outcome.cancel or outcome.final:
            log.warning("print job %s: %s (%s)", job.id, status, outcome.error)
        else:
            self._update(job.printer, last_error=outcome.error, last_error_at=at,
                         waiting_until=at + print_queue.backoff_after(job.attempts))
        self._notify(PrintEvent(job.printer, job.id, status, outcome.error))

    def _update(self, printer: str, **changes: Any) -> None:
        with self._lock:
            self._states[printer] = replace(self._states[printer], **changes)

    def _notify(self, event: PrintEvent) -> None:
        callback = self.on_change
        if callback is None:
            return
        try:
            callback(event)
        except Exception:  # a UI callback must not stop printing
            log.exception("print worker: on_change failed")
