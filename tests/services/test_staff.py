"""Staff sign-in: hashed PINs, wrong-PIN counting and lockout with a fixed clock."""

from datetime import timedelta

from sqlmodel import select

from boxoffice.staff import add_staff, sign_in
from db.engine import transaction
from db.models import AuditEntry, Staff


def _attempt(store, now, pin, code="1001"):
    with transaction(store) as session:
        return sign_in(session, code=code, pin=pin, now=now, terminal_id="counter-1", max_attempts=5,
                       lockout_seconds=300)


def test_pin_is_stored_hashed_and_right_pin_signs_in(store, now):
    with transaction(store) as session:
        add_staff(session, code="1001", name="王芳", role="cashier", pin="1234")
    with transaction(store) as session:
        stored = session.exec(select(Staff)).one().pin_hash
    scheme, n, r, p, salt, digest = stored.split("$")
    assert scheme == "scrypt" and len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    result = _attempt(store, now, "1234")
    assert result.staff is not None and result.staff.name == "王芳" and result.staff.can("sell")
    assert not result.staff.can("override")


def test_five_wrong_pins_lock_that_person_until_the_time_is_up(store, now):
    with transaction(store) as session:
        add_staff(session, code="1001", name="王芳", role="cashier", pin="1234")
        add_staff(session, code="2001", name="李强", role="supervisor", pin="2468")
    lefts = [_attempt(store, now + timedelta(seconds=i), "0000").attempts_left for i in range(4)]
    assert lefts == [4, 3, 2, 1]
    fifth = _attempt(store, now + timedelta(seconds=5), "0000")
    assert fifth.error == "staff_locked" and fifth.locked_seconds == 300
    # Even the right PIN is refused while locked, with the remaining time.
    during = _attempt(store, now + timedelta(seconds=65), "1234")
    assert during.staff is None and during.error == "staff_locked" and during.locked_seconds == 240
    # Another person is not affected.
    assert _attempt(store, now + timedelta(seconds=65), "2468", code="2001").staff is not None
    after = _attempt(store, now + timedelta(seconds=306), "1234")
    assert after.staff is not None
    with transaction(store) as session:
        actions = [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
    assert actions.count("signin.wrong_pin") == 4 and "signin.locked" in actions


def test_unknown_staff_number_gives_the_same_answer_as_a_wrong_pin(store, now):
    result = _attempt(store, now, "1234", code="4444")
    assert result.staff is None and result.error == "signin_failed" and result.attempts_left is None
