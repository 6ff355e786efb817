"""Terminal heartbeats and the technician's out-of-service flag, in a real store."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from boxoffice.terminals import (
    Heartbeat,
    is_taken_out_of_service,
    register_terminal,
    set_out_of_service,
    terminal_states,
    write_heartbeat,
)
from db.engine import transaction
from db.models import AuditEntry, Terminal


def _beat(store, now, terminal_id, name, mode, **state):
    beat = Heartbeat(mode=mode, version=state.pop("version", "1.2.3"), printer_state=state.pop("printer", "ok"),
                     in_service=state.pop("in_service", True), service_reason=state.pop("reason", None))
    with transaction(store) as session:
        write_heartbeat(session, terminal_id=terminal_id, name=name, beat=beat, now=now)


def test_a_heartbeat_records_mode_version_printer_and_service_and_when(store, now):
    _beat(store, now, "kiosk-2", "Kiosk 2", "kiosk", printer="paper_out", in_service=False,
          reason="printer_paper_out")
    with transaction(store, write=False) as session:
        terminal = session.get(Terminal, "kiosk-2")
    assert (terminal.mode, terminal.version, terminal.printer_state, terminal.in_service,
            terminal.service_reason, terminal.last_seen_at) == (
        "kiosk", "1.2.3", "paper_out", False, "printer_paper_out", now)


def test_a_terminal_back_in_service_forgets_the_reason(store, now):
    _beat(store, now, "kiosk-2", "Kiosk 2", "kiosk", in_service=False, reason="printer_offline")
    _beat(store, now + timedelta(seconds=10), "kiosk-2", "Kiosk 2", "kiosk", in_service=True, reason="ignored")
    with transaction(store, write=False) as session:
        terminal = session.get(Terminal, "kiosk-2")
    assert terminal.in_service and terminal.service_reason is None


def test_states_list_kiosks_first_and_call_a_terminal_quiet_for_over_a_minute_offline(store, now):
    _beat(store, now - timedelta(seconds=12), "kiosk-1", "Kiosk 1", "kiosk")
    _beat(store, now - timedelta(seconds=61), "kiosk-2", "Kiosk 2", "kiosk", printer="offline", in_service=False,
          reason="printer_offline")
    _beat(store, now - timedelta(seconds=60), "counter-1", "Counter 1", "counter")
    with transaction(store) as session:
        register_terminal(session, terminal_id="door-1", name="Door 1", mode="door", now=now)
        session.get(Terminal, "door-1").last_seen_at = None
    with transaction(store, write=False) as session:
        states = terminal_states(session, now=now)
    assert [(s.id, s.seconds_ago, s.online) for s in states] == [
        ("kiosk-1", 12, True), ("kiosk-2", 61, False), ("counter-1", 60, True), ("door-1", None, False)]
    assert states[1].service_reason == "printer_offline" and states[1].printer_state == "offline"
    assert states[3].printer_state == "unknown"  # a terminal that never wrote a heartbeat


def test_taking_a_kiosk_out_of_service_is_kept_and_audited(store, now):
    with transaction(store) as session:
        register_terminal(session, terminal_id="kiosk-2", name="Kiosk 2", mode="kiosk", now=now)
    with transaction(store) as session:
        set_out_of_service(session, terminal_id="kiosk-2", out=True, staff_id=None, now=now)
    with transaction(store) as session:  # a restart registers the terminal again: the flag stays
        register_terminal(session, terminal_id="kiosk-2", name="Kiosk 2", mode="kiosk", now=now)
        assert is_taken_out_of_service(session, terminal_id="kiosk-2")
        set_out_of_service(session, terminal_id="kiosk-2", out=False, staff_id=None, now=now)
    with transaction(store, write=False) as session:
        assert not is_taken_out_of_service(session, terminal_id="kiosk-2")
        assert not is_taken_out_of_service(session, terminal_id="kiosk-9")
        actions = [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
    assert actions == ["service.out", "service.in"]
