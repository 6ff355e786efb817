"""Terminals of the site: registered at start-up so that holds and sales can be explained by name, and their
heartbeats, so that the counter sees which kiosk is selling, which is out of order and which has gone quiet.

Every terminal (counter, kiosk, door) writes a heartbeat every :data:`HEARTBEAT_SECONDS`: its mode, the app's
version, its ticket printer's state and whether it is in service, with the time (``last_seen_at``). A terminal
not seen for more than :data:`OFFLINE_AFTER_SECONDS` is shown as offline. Taking a kiosk out of service is a
technician's act: it is kept on the terminal's row (a restart keeps it) and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from boxoffice import audit
from db.models import Terminal

HEARTBEAT_SECONDS = 10
"""How often a running terminal writes its heartbeat."""
OFFLINE_AFTER_SECONDS = 60
"""A terminal not seen for longer than this is shown as offline (it crashed, lost power or the network)."""

_MODE_ORDER = {"kiosk": 0, "counter": 1, "door": 2}


@dataclass(frozen=True)
class Heartbeat:
    """What a terminal says about itself now."""

    mode: str
    version: str
    printer_state: str
    """One of :data:`boxoffice.kiosk_service.PRINTER_STATES`."""
    in_service: bool
    service_reason: str | None = None
    """One of :data:`boxoffice.kiosk_service.REASONS` when out of service."""


@dataclass(frozen=True)
class TerminalState:
    """A terminal as the counter's terminals screen shows it."""

    id: str
    name: str
    mode: str
    version: str
    last_seen_at: datetime | None
    seconds_ago: int | None
    """Whole seconds since the last heartbeat (None: never seen)."""
    online: bool
    """Seen within :data:`OFFLINE_AFTER_SECONDS`."""
    printer_state: str
    in_service: bool
    service_reason: str | None
    taken_out_of_service: bool


def register_terminal(session: Session, *, terminal_id: str, name: str, mode: str, now: datetime) -> None:
    """Create or update this terminal's row (name and mode may change in kiosk.toml)."""
    terminal = session.get(Terminal, terminal_id) or Terminal(id=terminal_id, name=name, mode=mode)
    terminal.name, terminal.mode, terminal.last_seen_at = name, mode, now
    session.add(terminal)


def is_taken_out_of_service(session: Session, *, terminal_id: str) -> bool:
    """Whether a technician took this terminal out of service (it stays so, across restarts, until put back)."""
    terminal = session.get(Terminal, terminal_id)
    return terminal is not None and terminal.taken_out_of_service


def terminal_names(session: Session) -> dict[str, str]:
    """Terminal id → display name."""
    return {t.id: t.name for t in session.exec(select(Terminal)).all()}


def write_heartbeat(session: Session, *, terminal_id: str, name: str, beat: Heartbeat, now: datetime) -> None:
    """Record that this terminal is alive, and its state (creates the row of a terminal not registered yet)."""
    terminal = session.get(Terminal, terminal_id) or Terminal(id=terminal_id, name=name, mode=beat.mode)
    terminal.mode, terminal.version, terminal.last_seen_at = beat.mode, beat.version[:40], now
    terminal.printer_state, terminal.in_service = beat.printer_state, beat.in_service
    terminal.service_reason = None if beat.in_service else beat.service_reason
    session.add(terminal)


def set_out_of_service(session: Session, *, terminal_id: str, out: bool, staff_id: int | None,
                       now: datetime) -> None:
    """A technician takes a terminal out of service (``out``) or puts it back; kept and audited.

    The heartbeat that follows records the resulting state; the flag itself survives restarts.
    """
    terminal = session.get(Terminal, terminal_id)
    if terminal is None:
        terminal = Terminal(id=terminal_id, name=terminal_id, mode="kiosk")
    terminal.taken_out_of_service = out
    if out:
        terminal.in_service, terminal.service_reason = False, "taken_out_of_service"
    session.add(terminal)
    audit.record(session, now=now, terminal_id=terminal_id, staff_id=staff_id,
                 action="service.out" if out else "service.in", subject=terminal_id)


def terminal_states(session: Session, *, now: datetime,
                    offline_after_s: int = OFFLINE_AFTER_SECONDS) -> list[TerminalState]:
    """Every terminal with its last heartbeat: kiosks first, then counters and doors, each by name."""
    states = []
    for terminal in session.exec(select(Terminal)).all():
        seen = terminal.last_seen_at
        ago = None if seen is None else max(0, int((now - seen).total_seconds()))
        states.append(TerminalState(
            id=terminal.id, name=terminal.name, mode=terminal.mode, version=terminal.version, last_seen_at=seen,
            seconds_ago=ago, online=ago is not None and ago <= offline_after_s,
            printer_state=terminal.printer_state or "unknown", in_service=terminal.in_service,
            service_reason=terminal.service_reason, taken_out_of_service=terminal.taken_out_of_service))
    return sorted(states, key=lambda state: (_MODE_ORDER.get(state.mode, 9), state.name, state.id))
