"""Staff sign-in with a staff number and PIN, with a lockout after repeated wrong PINs.

Sign-in returns a result instead of raising for a wrong PIN: the failed attempt must be committed (that is
what makes the lockout work), and an exception would roll the caller's transaction back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from boxoffice import audit
from boxoffice.errors import BoxOfficeError
from boxoffice.security import hash_pin, verify_pin
from db.models import Staff

ROLES = ("cashier", "supervisor", "technician", "admin")
"""Roles in increasing order of trust for sales work (technician is a separate track)."""

_CAN = {
    "sell": {"cashier", "supervisor", "admin"},
    "override": {"supervisor", "admin"},
    "printers": {"technician", "supervisor", "admin"},
    "manage": {"admin"},
    "kiosk_service": {"technician", "admin"},
}


@dataclass(frozen=True)
class StaffMember:
    """A signed-in person, as the UI and services see them."""

    id: int
    code: str
    name: str
    role: str

    def can(self, permission: str) -> bool:
        """Whether this person's role allows ``permission`` (sell, override, printers, manage, kiosk_service)."""
        return role_can(self.role, permission)


def role_can(role: str | None, permission: str) -> bool:
    """Whether ``role`` allows ``permission`` (sell, override, printers, manage); None (a customer) allows none."""
    return role is not None and role in _CAN.get(permission, set())


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in attempt came to: ``staff`` on success, else an error code and what the person may do."""

    staff: StaffMember | None
    error: str | None = None
    attempts_left: int | None = None
    locked_seconds: int | None = None


def add_staff(session: Session, *, code: str, name: str, role: str, pin: str) -> Staff:
    """Create a staff member with a hashed PIN."""
    if role not in ROLES:
        raise BoxOfficeError("staff_role_unknown", f"unknown role {role!r}", role=role)
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise BoxOfficeError("staff_pin_format", "a PIN is 4 to 8 digits")
    staff = Staff(code=code, name=name, role=role, pin_hash=hash_pin(pin))
    session.add(staff)
    session.flush()
    return staff


def sign_in(
    session: Session,
    *,
    code: str,
    pin: str,
    now: datetime,
    terminal_id: str,
    max_attempts: int = 5,
    lockout_seconds: int = 300,
) -> SignInResult:
    """Check a staff number and PIN, counting wrong PINs and locking the person out after ``max_attempts``.

    Returns:
        A result with the staff member, or one of the error codes ``signin_failed`` (unknown number or wrong
        PIN, with attempts left when the number exists) and ``staff_locked`` (with the seconds remaining).
    """
    # The row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE does the same): wrong PINs typed at two terminals at
    # once both count.
    staff = session.exec(select(Staff).where(Staff.code == code.strip(), Staff.active == True)  # noqa: E712
                         .with_for_update()).first()
    if staff is None:
        audit.record(session, now=now, terminal_id=terminal_id, action="signin.unknown", subject=code[:16])
        return SignInResult(None, "signin_failed")
    if staff.locked_until is not None and staff.locked_until > now:
        remaining = int((staff.locked_until - now).total_seconds() + 0.999)
        return SignInResult(None, "staff_locked", locked_seconds=remaining)
    if not verify_pin(pin, staff.pin_hash):
        staff.failed_pins += 1
        left = max_attempts - staff.failed_pins
        if left <= 0:
            staff.failed_pins = 0
            staff.locked_until = now + timedelta(seconds=lockout_seconds)
            audit.record(session, now=now, terminal_id=terminal_id, action="signin.locked", staff_id=staff.id)
            session.add(staff)
            return SignInResult(None, "staff_locked", locked_seconds=lockout_seconds)
        audit.record(session, now=now, terminal_id=terminal_id, action="signin.wrong_pin", staff_id=staff.id)
        session.add(staff)
        return SignInResult(None, "signin_failed", attempts_left=left)
    staff.failed_pins = 0
    staff.locked_until = None
    session.add(staff)
    audit.record(session, now=now, terminal_id=terminal_id, action="signin", staff_id=staff.id)
    return SignInResult(StaffMember(staff.id or 0, staff.code, staff.name, staff.role))


def sign_out(session: Session, *, staff: StaffMember, now: datetime, terminal_id: str) -> None:
    """Record a sign-out (holds of this terminal are released by the sales service)."""
    audit.record(session, now=now, terminal_id=terminal_id, action="signout", staff_id=staff.id)


def approve_override(
    session: Session,
    *,
    code: str,
    pin: str,
    now: datetime,
    terminal_id: str,
    max_attempts: int = 5,
    lockout_seconds: int = 300,
) -> SignInResult:
    """Check a supervisor's staff number and PIN for one approval (same counting and lockout as sign-in).

    Returns:
        The approving supervisor, or ``signin_failed`` / ``staff_locked`` as for sign-in, or
        ``approval_not_allowed`` when the PIN is right but the person may not approve overrides.
    """
    result = sign_in(session, code=code, pin=pin, now=now, terminal_id=terminal_id, max_attempts=max_attempts,
                     lockout_seconds=lockout_seconds)
    if result.staff is not None and not result.staff.can("override"):
        return SignInResult(None, "approval_not_allowed")
    return result
