"""Following a kiosk's tickets to paper: what the buying done screen and the collect printing step both read.

Every second the screen asks :func:`print_progress` where the tickets are (:func:`boxoffice.print_queue.
order_print_state`): ``printing`` while their jobs are on their way, ``printed`` once every ticket printed,
``failed`` when a job met an error or the kiosk has no ticket printer. Printed stays printed; failed turns into
printed if the tickets printed after all, never back into printing. When printing failed,
:func:`release_for_counter` cancels the kiosk's jobs for the unprinted tickets and hands them back to "to collect"
(:func:`boxoffice.pickup.release_unprinted`), so the customer collects them at the counter.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from boxoffice.errors import BoxOfficeError
from boxoffice.pickup import release_unprinted
from boxoffice.print_queue import OrderPrintState, order_print_state
from kiosk.intents import run_intent

if TYPE_CHECKING:
    from kiosk.app import BoxOfficeApp

PRINT_STATES = ("printing", "printed", "failed")


def print_progress(box: BoxOfficeApp, order_id: int, *, before: str = "printing",
                   tickets: Collection[int] | None = None) -> str | None:
    """Where the order's tickets are now (one of :data:`PRINT_STATES`), given the state shown ``before``.

    ``tickets``: only these tickets and their jobs count (a collection of some of an order's tickets); None: the
    whole order. None is returned when the store could not be read (the screen keeps what it shows).
    """
    if box.ticket_printer is None:
        state = "failed"
    else:
        try:
            jobs: OrderPrintState = run_intent(box.engine, lambda session: order_print_state(  # type: ignore[arg-type]
                session, order_id), write=False, name="kiosk print state")
        except BoxOfficeError:
            return None
        if tickets is not None:
            wanted = set(tickets)
            jobs = OrderPrintState(order_id, tuple(job for job in jobs.jobs if job.ticket_id in wanted),
                                   tuple(ticket for ticket in jobs.unprinted_tickets if ticket in wanted))
        if jobs.jobs and jobs.is_complete:
            state = "printed"
        elif jobs.problems or not jobs.jobs:
            state = "failed"
        else:
            state = "printing"
    if before == "printed" or (before == "failed" and state == "printing"):
        state = before
    return state


def release_for_counter(box: BoxOfficeApp, order_id: int) -> list[int]:
    """Nothing printed here: the tickets wait for the counter (with the code shown), not for this printer.

    A store that cannot be written is shown as the app shows errors; the tickets then stay marked collected here.
    """
    terminal, now = box.config.terminal.id, box.now()
    try:
        return run_intent(box.engine, lambda session: release_unprinted(  # type: ignore[arg-type]
            session, order_id=order_id, terminal_id=terminal, now=now), name="kiosk print failed")
    except BoxOfficeError as error:
        box.show_error(error)
        return []
