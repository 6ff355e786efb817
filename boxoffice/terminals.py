"""Terminals of the site: registered at start-up so that holds and sales can be explained by name."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from db.models import Terminal


def register_terminal(session: Session, *, terminal_id: str, name: str, mode: str, now: datetime) -> None:
    """Create or update this terminal's row (name and mode may change in kiosk.toml)."""
    terminal = session.get(Terminal, terminal_id) or Terminal(id=terminal_id, name=name, mode=mode)
    terminal.name, terminal.mode, terminal.last_seen_at = name, mode, now
    session.add(terminal)


def terminal_names(session: Session) -> dict[str, str]:
    """Terminal id → display name."""
    return {t.id: t.name for t in session.exec(select(Terminal)).all()}
