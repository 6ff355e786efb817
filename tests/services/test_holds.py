"""Holds with a fixed clock: claim, extend, expire, release; two terminals never hold one seat."""

from datetime import timedelta

import pytest
from sqlmodel import select

from boxoffice.errors import BoxOfficeError
from boxoffice.holds import extend_holds, hold_seats, live_claims, my_holds, release_seats, release_terminal_holds
from db.engine import transaction
from db.models import SeatClaim, Seat, Showtime


@pytest.fixture
def show(demo_store, now):
    """The first demo showtime in hall 1 starting after the fixed clock, and three seats of row F."""
    with transaction(demo_store, write=False) as session:
        showtime = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)
                                .order_by(Showtime.starts_at)).first()
        seats = session.exec(select(Seat.id).where(Seat.auditorium_id == 1, Seat.row_label == "F")
                             .order_by(Seat.number)).all()
    return demo_store, showtime.id, list(seats[10:13])


def _hold(store, showtime_id, seats, terminal, at, seconds=600):
    with transaction(store) as session:
        return hold_seats(session, showtime_id=showtime_id, seat_ids=seats, terminal_id=terminal, staff_id=None,
                          now=at, hold_seconds=seconds)


def _claims(store, showtime_id, at):
    with transaction(store, write=False) as session:
        return live_claims(session, showtime_id=showtime_id, now=at)


def test_a_hold_is_live_until_it_expires_then_counts_as_free(show, now):
    store, showtime_id, seats = show
    expires = _hold(store, showtime_id, seats, "counter-1", now, seconds=600)
    assert expires == now + timedelta(seconds=600)
    assert set(_claims(store, showtime_id, now + timedelta(seconds=599))) == set(seats)
    assert _claims(store, showtime_id, now + timedelta(seconds=600)) == {}


def test_another_terminal_cannot_hold_a_held_seat_and_nothing_is_held_for_it(show, now):
    store, showtime_id, seats = show
    _hold(store, showtime_id, seats[:1], "counter-1", now)
    with pytest.raises(BoxOfficeError) as caught:
        _hold(store, showtime_id, seats, "kiosk-2", now + timedelta(seconds=1))
    assert caught.value.code == "seat_taken" and caught.value.params["seats"] == seats[:1]
    claims = _claims(store, showtime_id, now + timedelta(seconds=2))
    assert {c.terminal_id for c in claims.values()} == {"counter-1"} and len(claims) == 1


def test_an_expired_hold_is_released_when_another_terminal_takes_the_seat(show, now):
    store, showtime_id, seats = show
    _hold(store, showtime_id, seats, "counter-1", now, seconds=60)
    _hold(store, showtime_id, seats, "kiosk-2", now + timedelta(seconds=61))
    with transaction(store, write=False) as session:
        rows = session.exec(select(SeatClaim).order_by(SeatClaim.id)).all()
    assert [(r.terminal_id, r.release_reason) for r in rows] == [("counter-1", "expired")] * 3 + [("kiosk-2", None)] * 3


def test_activity_extends_this_terminals_holds_only(show, now):
    store, showtime_id, seats = show
    _hold(store, showtime_id, seats[:2], "counter-1", now, seconds=60)
    _hold(store, showtime_id, seats[2:], "kiosk-2", now, seconds=60)
    with transaction(store) as session:
        assert extend_holds(session, terminal_id="counter-1", now=now + timedelta(seconds=50), hold_seconds=60) == 2
    later = now + timedelta(seconds=100)
    assert {c.terminal_id for c in _claims(store, showtime_id, later).values()} == {"counter-1"}
    with transaction(store) as session:  # an expired hold is not revived by activity
        assert extend_holds(session, terminal_id="kiosk-2", now=later, hold_seconds=60) == 0


def test_holding_again_extends_and_release_frees(show, now):
    store, showtime_id, seats = show
    _hold(store, showtime_id, seats, "counter-1", now, seconds=60)
    _hold(store, showtime_id, seats, "counter-1", now + timedelta(seconds=30), seconds=60)
    assert len(_claims(store, showtime_id, now + timedelta(seconds=80))) == 3
    with transaction(store) as session:
        assert release_seats(session, showtime_id=showtime_id, seat_ids=seats[:1], terminal_id="counter-1",
                             now=now + timedelta(seconds=81)) == 1
        assert sorted(my_holds(session, terminal_id="counter-1", showtime_id=showtime_id,
                               now=now + timedelta(seconds=81))) == seats[1:]
        assert release_terminal_holds(session, terminal_id="counter-1", now=now, reason="signout") == 2
    assert _claims(store, showtime_id, now + timedelta(seconds=82)) == {}


def test_seats_of_another_hall_or_a_past_showtime_cannot_be_held(show, now):
    store, showtime_id, seats = show
    with transaction(store, write=False) as session:
        other = session.exec(select(Seat.id).where(Seat.auditorium_id == 2)).first()
    with pytest.raises(BoxOfficeError) as caught:
        _hold(store, showtime_id, [other], "counter-1", now)
    assert caught.value.code == "seat_unknown"
    with pytest.raises(BoxOfficeError) as caught:
        _hold(store, showtime_id, seats, "counter-1", now + timedelta(days=1))
    assert caught.value.code == "showtime_over"
