"""The demo cinema: what a newcomer sees after `boxoffice demo`, and that loading it twice changes nothing."""

from datetime import timedelta

from sqlmodel import func, select

from boxoffice.demo import DEMO_STAFF, load_demo
from boxoffice.showtimes import list_showtimes
from boxoffice.staff import sign_in
from db.engine import transaction
from db.models import Auditorium, Film, Price, Seat, Showtime, TicketType
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_demo_has_four_halls_a_big_one_ten_films_and_a_week_of_showtimes(demo_store, now):
    with transaction(demo_store, write=False) as session:
        assert _count(session, Auditorium) == 4
        assert _count(session, Film) >= 8
        sizes = session.exec(select(Seat.auditorium_id, func.count()).group_by(Seat.auditorium_id)).all()
        assert max(size for _, size in sizes) >= 800
        kinds = set(session.exec(select(Seat.kind)).all())
        assert {"premium", "wheelchair", "companion", "couple-left", "couple-right"} <= kinds
        today = now.astimezone(SHANGHAI).date()
        for offset in range(7):
            shows = list_showtimes(session, day=today + timedelta(days=offset), zone=SHANGHAI, now=now)
            assert len(shows) == 18 and all(show.seats_free == show.seats_total > 0 for show in shows)
        assert list_showtimes(session, day=today + timedelta(days=7), zone=SHANGHAI, now=now) == []


def test_every_demo_seat_zone_has_an_adult_price_on_its_halls_cards(demo_store):
    with transaction(demo_store, write=False) as session:
        adult = session.exec(select(TicketType).where(TicketType.code == "adult")).one()
        pairs = set(session.exec(select(Showtime.auditorium_id, Showtime.price_card_id).distinct()).all())
        for auditorium_id, card_id in pairs:
            zones = set(session.exec(select(Seat.zone).where(Seat.auditorium_id == auditorium_id)).all())
            priced = set(session.exec(select(Price.zone).where(Price.price_card_id == card_id,
                                                               Price.ticket_type_id == adult.id)).all())
            assert zones <= priced, (auditorium_id, card_id, zones - priced)


def test_loading_again_adds_nothing_and_a_week_later_tops_up_the_schedule(demo_store, now):
    def load(at):
        with transaction(demo_store) as session:
            return load_demo(session, now=at, zone=SHANGHAI, cleaning_minutes=15, site_names=("星光影城", "S"))

    again = load(now)
    assert (again.auditoriums, again.seats, again.staff, again.films, again.showtimes) == (0, 0, 0, 0, 0)
    later = load(now + timedelta(days=3))
    assert later.showtimes == 3 * 18 and later.films == 0


def test_demo_pins_sign_in(demo_store, now):
    for code, _name, role, pin in DEMO_STAFF:
        with transaction(demo_store) as session:
            result = sign_in(session, code=code, pin=pin, now=now, terminal_id="t")
        assert result.staff is not None and result.staff.role == role
