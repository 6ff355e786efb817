"""Cancelling a showtime at the counter: F6 on the list, a supervisor's PIN and reason, the customers listed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import select
from textual.widgets import DataTable, Input

from db.engine import transaction
from db.models import SaleOrder, Showtime
from kiosk.app import BoxOfficeApp
from kiosk.screens.cancel_showtime_screen import CancelShowtimeScreen
from kiosk.screens.showtimes_screen import ShowtimesScreen
from tests.support.sales import sell
from ui_helpers import NOW, SIZE, run, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_supervisor_cancels_a_showtime_and_the_counter_lists_its_refunded_customers(config, demo_store):
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, "1001", "1234")
            sold = [sell(demo_store, now=NOW, zone=SHANGHAI, key=app.pickup_key, phone=phone, index=i)
                    for i, phone in enumerate(("13812341234", None))]
            with transaction(demo_store, write=False) as session:
                showtime_id = session.get(SaleOrder, sold[0].result.order_id).showtime_id
            screen = app.screen
            assert isinstance(screen, ShowtimesScreen)
            table = screen.query_one("#showtimes-table", DataTable)
            table.move_cursor(row=table.get_row_index(str(showtime_id)))
            await pilot.press("f6")
            await pilot.pause()
            assert isinstance(app.screen, CancelShowtimeScreen)
            await pilot.press("enter")  # a cashier cannot: the dialog asks a supervisor
            await pilot.pause()
            for field, text in (("#approval-code", "2001"), ("#approval-pin", "2468"),
                                ("#approval-reason", "projector failed")):
                app.screen.query_one(field, Input).value = text
            app.screen.query_one("#approval-reason", Input).focus()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CancelShowtimeScreen)
            rows = screen.query_one("#cancel-orders", DataTable)
            assert rows.row_count == 2
            cells = [str(c) for c in rows.get_row_at(0)]
            assert "138****1234" in cells and "¥0.00" not in cells
            with transaction(demo_store, write=False) as session:
                assert session.get(Showtime, showtime_id).status == "cancelled"
                assert {o.status for o in session.exec(select(SaleOrder))} == {"refunded"}

    run(body)
