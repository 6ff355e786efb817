"""What the counter's pickup screen and the kiosk's collect steps share: the store calls and the order's words.

Both look a code or a scan up through :func:`boxoffice.pickup.present` (the check digit, the attempt log and the
lock), collect through :func:`boxoffice.pickup.collect` (marked and queued for printing in one transaction), and
show the order found the same way. The screens only decide what to say around it: the counter may reprint, a
kiosk sends the customer to the counter. Calls block; screens make them in a worker thread.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from rich.text import Text

from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import local_time
from boxoffice.pickup import PickupOutcome, PickupView, collect, present
from boxoffice.pickup_guard import GuardPolicy
from kiosk.intents import run_intent

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from kiosk.app import BoxOfficeApp
    from kiosk.config import PickupConfig


class Translate(Protocol):
    def __call__(self, key: str, **params: object) -> str: ...


def guard_policy(settings: PickupConfig, *, at_counter: bool) -> GuardPolicy | None:
    """The wrong-code lock for this terminal (``[pickup]``); None at a counter unless ``lock_counter``."""
    if at_counter and not settings.lock_counter:
        return None
    return GuardPolicy(max_wrong=settings.max_wrong_codes, window=timedelta(seconds=settings.window_seconds),
                       lockout=timedelta(seconds=settings.lockout_seconds))


def look_up(box: BoxOfficeApp, text: str, policy: GuardPolicy | None) -> PickupOutcome:
    """Look up a scanned QR payload or a typed code, log the attempt and apply the lock (one intent).

    Raises:
        BoxOfficeError: ``site_keys_missing`` before the site's keys are loaded; what the store raises.
    """
    key, signing = box.pickup_key, box.signing_key
    if key is None or signing is None:
        raise BoxOfficeError("site_keys_missing", "site keys not loaded")
    public, terminal, now = signing.public_key(), box.config.terminal.id, box.now()
    return run_intent(box.engine, lambda session: present(  # type: ignore[arg-type]
        session, text=text, terminal_id=terminal, key=key, public_key=public, now=now, policy=policy),
        name="pickup lookup")


def collect_tickets(box: BoxOfficeApp, view: PickupView, *, staff_id: int | None) -> list[int]:
    """Collect the order's valid, uncollected tickets here, queued for this terminal's ticket printer (if any),
    and wake the printer.

    Returns:
        The ids of the tickets collected now.

    Raises:
        BoxOfficeError: as :func:`boxoffice.pickup.collect` (``pickup_already`` with ``at`` and ``where`` …).
    """
    printer, terminal, now = box.ticket_printer, box.config.terminal.id, box.now()
    collected = run_intent(box.engine, lambda session: collect(  # type: ignore[arg-type]
        session, order_id=view.order_id, terminal_id=terminal, printer=printer, now=now, staff_id=staff_id),
        name="pickup")
    if printer is not None:
        box.tickets_queued(cash=False)
    return collected


def order_rows(view: PickupView, t: Translate, *, english: bool, zone: ZoneInfo,
               only: set[int] | None = None) -> Text:
    """Film, date and time, hall, each seat with its ticket type (``only``: of these tickets), and the phone
    masked: one labelled row each."""
    starts = view.starts_at.astimezone(zone)
    text = Text()

    def row(label_key: str, value: str) -> None:
        text.append(f"{t(label_key)}  ", style="dim")
        text.append(value + "\n", style="bold")

    row("pickup.film", view.film_en if english else view.film_zh)
    row("pickup.time", f"{starts:%Y-%m-%d} {local_time(view.starts_at, zone)}")
    row("pickup.hall", view.hall_en if english else view.hall_zh)
    seats = [
        f"{ticket.seat} {ticket.type_en if english else ticket.type_zh}"
        + ("" if ticket.status == "valid" else f" ({t('pickup.refunded_ticket')})")
        for ticket in view.tickets if only is None or ticket.id in only
    ]
    row("pickup.seats", ", ".join(seats) or "-")
    if view.phone_masked:
        row("pickup.phone", view.phone_masked)
    return text


def collected_when(moment: datetime, *, zone: ZoneInfo, now: datetime) -> str:
    """When tickets were collected: ``14:02`` today, ``12-04 14:02`` another day."""
    local = moment.astimezone(zone)
    today = now.astimezone(zone).date()
    return local_time(moment, zone) if local.date() == today else f"{local:%m-%d} {local_time(moment, zone)}"
