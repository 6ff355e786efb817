"""The showtimes list after sign-in: cursor start, days, filters, language, refresh, opening a showtime."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import DataTable, Select, Static

from db.engine import transaction
from db.models import Seat, SeatClaim, Showtime
from kiosk.screens.seat_selection_screen import SeatSelectionScreen
from kiosk.screens import ShowtimesScreen
from ui_helpers import NOW, SIZE, TODAY_COUNT, run, sign_in


def _column(table: DataTable, index: int) -> list[str]:  # type: ignore[type-arg]
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


def test_cursor_starts_on_the_next_showtime_that_has_not_started(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            table = app.screen.query_one(DataTable)
            assert table.cursor_row == 1
            assert str(table.get_row_at(1)[0]) == "10:30"
            assert app.focused is table

    run(body)


def test_enter_on_a_row_posts_the_chosen_showtime(make_app):
    posted: dict[int, ShowtimesScreen.ShowtimeChosen] = {}

    def hook(message) -> None:  # type: ignore[no-untyped-def]
        if isinstance(message, ShowtimesScreen.ShowtimeChosen):
            posted[id(message)] = message  # the same message is seen again as it bubbles to the app

    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE, message_hook=hook) as pilot:
            await sign_in(pilot)
            table = app.screen.query_one(DataTable)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, SeatSelectionScreen)  # the app opens the seat map
            await pilot.press("escape", "down", "enter")
            await pilot.pause()
            expected = [int(table.coordinate_to_cell_key((row, 0)).row_key.value) for row in (1, 2)]
            assert [message.showtime_id for message in posted.values()] == expected
            assert app.screen.showtime_id == expected[1]

    run(body)


def test_days_move_with_brackets_and_arrows_and_t_comes_back(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            screen = app.screen
            table = screen.query_one(DataTable)
            day = screen.query_one("#showtimes-day", Static)
            await pilot.press("right_square_bracket")
            assert "2026-12-05" in str(day.render())
            assert _column(table, 0) == ["11:00", "15:00"]
            assert table.cursor_row == 0
            await pilot.press("right")
            assert "2026-12-06" in str(day.render())
            assert table.row_count == 0
            assert screen.query_one("#showtimes-empty", Static).display
            await pilot.press("t", "left_square_bracket", "left")
            assert "2026-12-02" in str(day.render())
            await pilot.press("t")
            assert table.row_count == TODAY_COUNT
            assert str(screen.query_one("#showtimes-title", Static).render()) == "今日场次"

    run(body)


def test_film_and_format_filters_are_reached_with_tab(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            screen = app.screen
            table = screen.query_one(DataTable)
            film = screen.query_one("#film-filter", Select)
            fmt = screen.query_one("#format-filter", Select)
            await pilot.press("tab")
            assert app.focused is film
            await pilot.press("tab")
            assert app.focused is fmt
            await pilot.press("enter", "down", "down", "enter")  # All, 2D, 3D -> 3D
            await pilot.pause()
            assert fmt.value == "3D"
            assert _column(table, 1) == ["小猫快跑"]
            assert app.focused is table  # back on the list, ready to open the showtime
            await pilot.press("tab", "enter", "down", "enter")  # 3D and the first film (山海之间): nothing
            await pilot.pause()
            assert table.row_count == 0
            film.clear()
            fmt.clear()
            await pilot.pause()
            assert table.row_count == TODAY_COUNT

    run(body)


def test_english_shows_english_titles_halls_and_headings(make_app):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            table = app.screen.query_one(DataTable)
            await pilot.press("down", "f2")
            assert [str(column.label) for column in table.columns.values()] == [
                "Time", "Film", "Hall", "Format", "Seats free", "Status",
            ]
            assert [str(cell) for cell in table.get_row_at(2)] == [
                "12:00", "Lost in the Deep", "IMAX Hall", "IMAX", "0/38", "Sold out",
            ]
            assert table.cursor_row == 2  # the cursor stays where the cashier put it
            header = str(app.screen.query_one("#header-staff", Static).render())
            assert header == "王芳 (Cashier)"

    run(body)


def test_seat_counts_refresh_on_a_timer_without_moving_the_cursor(make_app, counter_store, monkeypatch):
    monkeypatch.setattr("kiosk.screens.showtimes_screen.REFRESH_SECONDS", 0.1)
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            table = app.screen.query_one(DataTable)
            await pilot.press("down", "down")
            assert str(table.get_row_at(3)[4]) == "30/30"
            with transaction(counter_store) as session:  # another terminal sells a seat of the 14:00 showtime
                showtime = session.exec(select(Showtime).order_by(Showtime.starts_at)).all()[4]
                seat = session.exec(select(Seat).where(Seat.auditorium_id == showtime.auditorium_id)).first()
                session.add(
                    SeatClaim(
                        showtime_id=showtime.id,
                        seat_id=seat.id,
                        status="sold",
                        terminal_id="kiosk-1",
                        created_at=NOW,
                    )
                )
            await pilot.pause(0.3)
            assert str(table.get_row_at(3)[4]) == "29/30"
            assert table.cursor_row == 3

    run(body)
