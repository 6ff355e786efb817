"""The audit log: one entry per meaningful action, written inside that action's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from db.models import AuditEntry

INSERT_ENTRY = insert(AuditEntry.__table__)  # type: ignore[attr-defined]
"""The statement of :func:`record`, for a service that writes its entry with rows it has already worked out."""


def record(
    session: Session,
    *,
    now: datetime,
    terminal_id: str,
    action: str,
    staff_id: int | None = None,
    subject: str = "",
    **detail: Any,
) -> None:
    """Add an audit entry to the caller's transaction."""
    session.connection().execute(INSERT_ENTRY, {
        "at": now,
        "terminal_id": terminal_id,
        "staff_id": staff_id,
        "action": action,
        "subject": subject,
        "detail": detail_text(detail),
    })


def detail_text(detail: dict[str, Any]) -> str:
    """An entry's details as stored: sorted JSON keeping Chinese readable, or "" when there are none (for a
    statement that writes its audit entry itself, as a PostgreSQL sale does)."""
    return json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True) if detail else ""
