"""What a kiosk offers, read from a real store: films soonest first, showtimes with a kiosk price "from", seats
left, and what cannot be sold here said rather than hidden; posters found by the naming rule."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from boxoffice.demo.poster_art import DEMO_POSTERS, install_demo_posters
from boxoffice.holds import hold_seats
from boxoffice.kiosk_catalog import films_on_sale, kiosk_showtimes
from boxoffice.posters import find_poster, slug
from db.engine import transaction
from db.models import Film, Seat, Showtime
from tests.conftest import FIXED_NOW, SHANGHAI


def _film(session, title_en: str) -> Film:
    return session.exec(select(Film).where(Film.title_en == title_en)).one()


def test_films_on_sale_start_with_the_soonest_and_leave_out_what_has_begun(demo_store):
    with transaction(demo_store, write=False) as session:
        films = films_on_sale(session, now=FIXED_NOW, zone=SHANGHAI)
    assert films[0].title_en == "Avatar: Fire and Ash"  # 10:30, the first showtime after 10:00
    assert all(start > FIXED_NOW for film in films for start in film.starts)
    assert all(film.starts[0] - FIXED_NOW < timedelta(days=2) for film in films)
    assert len(films) == 10


def test_a_showtime_says_its_cheapest_kiosk_price_and_fee_and_the_seats_left(demo_store):
    with transaction(demo_store, write=False) as session:
        film = _film(session, "Avatar: Fire and Ash")
        shows = kiosk_showtimes(session, film_id=film.id, now=FIXED_NOW, zone=SHANGHAI, counter_only_last=10)
    first = shows[0]
    assert first.starts_at.astimezone(SHANGHAI).strftime("%d %H:%M") == "04 10:30"
    assert (first.format, first.state, first.selectable) == ("IMAX 3D", "on_sale", True)
    assert first.from_fen == 6000 and first.fee_fen == 500  # a child's IMAX ticket; the staff ticket never counts
    assert first.seats_free == first.seats_total


def test_the_last_seats_are_for_the_counter_and_none_left_is_sold_out(demo_store):
    with transaction(demo_store) as session:
        film = _film(session, "Hi, Mom")  # 11:40 in hall 2, 16:30 in the VIP hall
        showtime = session.exec(select(Showtime).where(Showtime.film_id == film.id)
                                .order_by(Showtime.starts_at)).first()
        seats = session.exec(select(Seat.id).where(Seat.auditorium_id == showtime.auditorium_id,
                                                   Seat.blocked == False, Seat.house == False)).all()
        hold_seats(session, showtime_id=showtime.id, seat_ids=seats[:-10], terminal_id="counter-1", staff_id=None,
                   now=FIXED_NOW, hold_seconds=600)
    with transaction(demo_store, write=False) as session:
        shows = kiosk_showtimes(session, film_id=film.id, now=FIXED_NOW, zone=SHANGHAI, counter_only_last=10)
        assert (shows[0].seats_free, shows[0].state, shows[0].selectable) == (10, "counter_only", False)
        none_left = kiosk_showtimes(session, film_id=film.id, now=FIXED_NOW, zone=SHANGHAI, counter_only_last=0)
    assert none_left[0].state == "on_sale"
    with transaction(demo_store) as session:
        hold_seats(session, showtime_id=showtime.id, seat_ids=seats[-10:], terminal_id="counter-1", staff_id=None,
                   now=FIXED_NOW, hold_seconds=600)
        assert kiosk_showtimes(session, film_id=film.id, now=FIXED_NOW, zone=SHANGHAI,
                               counter_only_last=0)[0].state == "sold_out"


def test_posters_are_found_by_english_slug_or_chinese_title(tmp_path):
    assert slug("Avatar: Fire and Ash") == "avatar-fire-and-ash" and slug("你好，李焕英") == ""
    assert install_demo_posters(tmp_path) == len(DEMO_POSTERS)
    assert install_demo_posters(tmp_path) == 0  # files already there are kept
    assert find_poster(tmp_path, title_en="Ne Zha 2", title_zh="哪吒之魔童闹海") == tmp_path / "ne-zha-2.png"
    (tmp_path / "山海之间.jpg").write_bytes(b"not really a picture")
    assert find_poster(tmp_path, title_en="", title_zh="山海之间") == tmp_path / "山海之间.jpg"
    assert find_poster(tmp_path, title_en="Unknown", title_zh="无") is None
    assert find_poster(tmp_path / "missing", title_en="Ne Zha 2", title_zh="x") is None
