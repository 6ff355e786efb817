"""The pickup slip: a kiosk took the money but could not print the tickets, so the customer leaves with the
pickup code on paper from the kiosk's receipt printer (and on screen, whether or not the slip prints).

Why the slip is printed here, straight to the printer, and not queued as a :class:`db.models.PrintJob`: a job
holds only references (an order, a ticket, a refund) and the worker reads what goes on paper from the store when
it sends. The pickup code is the one thing the store must not be able to tell: only its keyed digest is kept, so
a copy of the database reveals no code. A queued slip would have to keep the code in clear in the job table, as a
new column or as the rendered document's bytes, readable by every terminal and in every backup, and forever:
jobs are never deleted, they are the print journal. So the kiosk lays the slip out from the code the sale
returned, still in its memory, and sends it once, from a worker thread. Nothing retries it later either (a slip
printed an hour later at an unattended kiosk would hand the code to whoever stands there); the customer still
has the code on screen. The audit log records that a slip printed, or why not, never the code; the preview
folder of a ``preview`` printer is its paper and holds the code as paper would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import Engine

from boxoffice import audit
from boxoffice.errors import BoxOfficeError
from boxoffice.ticket_content import pickup_slip_content
from db.engine import transaction
from printing import (
    PickupSlipContent,
    PrinterError,
    PrinterSpec,
    PrinterStatus,
    pickup_slip_document,
    print_document,
    read_status,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlipOutcome:
    """What became of a pickup slip."""

    printed: bool
    error: str | None = None
    """Why it did not print: a printer error code (``paper_out``, ``printer_unreachable`` …) or a content error
    (``print_order_unknown``)."""


def print_pickup_slip(engine: Engine, spec: PrinterSpec, *, order_id: int, pickup_code: str, terminal_id: str,
                      zone: tzinfo, cinema_zh: str, cinema_en: str, now: datetime,
                      read: Callable[[PrinterSpec], PrinterStatus] = read_status) -> SlipOutcome:
    """Print an order's pickup slip on ``spec`` now and audit the outcome (blocking: call it from a thread).

    Nothing is sent to a printer that says it cannot print (offline, out of paper, cover open); a slip that
    broke off is not sent again (the code is on screen). Never raises for a printer or store problem.

    Args:
        engine: the store (a read transaction for the order, a write one for the audit entry).
        spec: the kiosk's receipt printer.
        pickup_code: the code the sale returned (10 digits); it goes on paper and nowhere else.
        read: how the printer is asked for its status (the printing edge; tests replace it).
    """
    reference = f"order-{order_id}"
    try:
        with transaction(engine, write=False) as session:
            content = pickup_slip_content(session, order_id=order_id, pickup_code=pickup_code, zone=zone,
                                          cinema_zh=cinema_zh, cinema_en=cinema_en, now=now)
        reference = content.order_reference
        outcome = _send(spec, content, read)
    except BoxOfficeError as error:
        outcome = SlipOutcome(False, error.code)
    except Exception:  # a layout or store failure: the code is still on screen
        log.exception("pickup slip of order %s could not be made", order_id)
        outcome = SlipOutcome(False, "printer_failed")
    try:
        with transaction(engine) as session:
            audit.record(session, now=now, terminal_id=terminal_id, action="print.pickup_slip",
                         subject=f"order {order_id}", printer=spec.name, printed=outcome.printed,
                         error=outcome.error, reference=reference)
    except Exception as exc:  # noqa: BLE001 - the slip is on paper or not; a busy store must not hide that
        log.warning("pickup slip of order %s: audit entry not written: %s", order_id, exc)
    return outcome


def _send(spec: PrinterSpec, content: PickupSlipContent,
          read: Callable[[PrinterSpec], PrinterStatus]) -> SlipOutcome:
    status = read(spec)
    if status.problem is not None:
        return SlipOutcome(False, status.problem)
    try:
        print_document(spec, pickup_slip_document(content, spec), job_name=f"slip-{content.order_reference}")
    except PrinterError as error:
        log.warning("pickup slip on %s: %s", spec.name, error)
        return SlipOutcome(False, error.code)
    return SlipOutcome(True)
