"""The audit log: one entry per meaningful action, written inside that action's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from db.models import AuditEntry

_INSERT = insert(AuditEntry.__table__)  # type: ignore[attr-defined]


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
    session.connection().execute(_INSERT, {
        "at": now,
        "terminal_id": terminal_id,
        "staff_id": staff_id,
        "action": action,
        "subject": subject,
        "detail": json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True) if detail else "",
    })
