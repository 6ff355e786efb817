"""Payment at the counter by keyboard alone, on the demo cinema and a fixed clock, through Pilot.

Each test holds seats of the Friday 19:30 showtime in hall 1 (weekday evening: adult ¥45 + ¥3 fee) for this
terminal, opens the payment screen over the app as the seat map does, and drives it with keys as a cashier
would; what was sold is then read back from the store.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Digits, Input, Static
from ui_helpers import NOW, SIZE, ZONE, run

from boxoffice.hall import Hall, load_hall
from boxoffice.holds import hold_seats, my_holds, release_terminal_holds
from boxoffice.pricing import PriceCardInfo, TicketTypeInfo, load_price_card, load_ticket_types
from boxoffice.sales import SaleResult
from boxoffice.showtimes import ShowtimeDetail, load_showtime
from boxoffice.staff import StaffMember
from boxoffice.refund_policy import policy_from_config, policy_of_order
from db.engine import transaction
from db.models import AuditEntry, Payment, SaleOrder, Showtime, Staff, Ticket, TicketType
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.dialogs import OverrideDialog, SaleDoneDialog
from kiosk.screens.payment_screen import PaymentScreen, parse_yuan

TERMINAL = "counter-1"  # the default config's terminal


@dataclass
class Counter:
    """The store, the showtime and what the seat map would hand the payment screen."""

    store: Engine
    config: Config
    showtime: ShowtimeDetail
    hall: Hall
    card: PriceCardInfo
    types: tuple[TicketTypeInfo, ...]
    cashier: StaffMember
    results: list[SaleResult | None] = field(default_factory=list)

    def app(self) -> BoxOfficeApp:
        return BoxOfficeApp(self.config, self.store, clock=lambda: NOW)

    async def open(self, pilot: Pilot[Any], *labels: str) -> PaymentScreen:
        """Hold the seats for this terminal and push the payment screen, as the seat map does."""
        seats = tuple(seat for seat in self.hall.seats if seat.label in labels)
        assert len(seats) == len(labels)
        with transaction(self.store) as session:
            hold_seats(session, showtime_id=self.showtime.id, seat_ids=[seat.id for seat in seats],
                       terminal_id=TERMINAL, staff_id=self.cashier.id, now=NOW, hold_seconds=600)
        screen = PaymentScreen(self.cashier, self.showtime, seats, self.card, self.types)
        pilot.app.push_screen(screen, callback=self.results.append)
        await pilot.pause()
        return screen

    def orders(self) -> list[SaleOrder]:
        with transaction(self.store, write=False) as session:
            return list(session.exec(select(SaleOrder)).all())

    def payments(self) -> list[tuple[str, int, int | None, int | None, str | None]]:
        with transaction(self.store, write=False) as session:
            rows = session.exec(select(Payment).order_by(Payment.id)).all()
            return [(p.method, p.amount_fen, p.tendered_fen, p.change_fen, p.reference) for p in rows]

    def ticket_types(self) -> list[str]:
        with transaction(self.store, write=False) as session:
            return list(session.exec(select(TicketType.code).join(Ticket, Ticket.ticket_type_id == TicketType.id)
                                     .order_by(Ticket.seat_id)).all())


@pytest.fixture
def counter(demo_store: Engine, config: Config) -> Counter:
    with transaction(demo_store, write=False) as session:
        showtime = next(s for s in session.exec(select(Showtime).where(Showtime.auditorium_id == 1)).all()
                        if s.starts_at.astimezone(ZONE).strftime("%m-%d %H:%M") == "12-04 19:30")
        detail = load_showtime(session, showtime.id or 0)
        staff = session.exec(select(Staff).where(Staff.code == "1001")).one()
        return Counter(demo_store, config, detail, load_hall(session, detail.auditorium_id),
                       load_price_card(session, detail.price_card_id), load_ticket_types(session),
                       StaffMember(staff.id or 0, staff.code, staff.name, staff.role))


def play(counter: Counter, *labels: str) -> Callable[[Callable[[Pilot[Any], PaymentScreen], Awaitable[None]]], None]:
    """Run a test body with the app started and the payment screen open for ``labels``."""

    def decorator(body: Callable[[Pilot[Any], PaymentScreen], Awaitable[None]]) -> None:
        async def main() -> None:
            async with counter.app().run_test(size=SIZE) as pilot:
                screen = await counter.open(pilot, *labels)
                await body(pilot, screen)

        run(main)

    return decorator


async def settle_down(pilot: Pilot[Any]) -> None:
    """Let workers finish and their messages (and any dialog they open) be handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def text(screen: Any, selector: str) -> str:
    """What a Static shows, as plain text (Rich tables rendered as they would be on screen)."""
    content = screen.query_one(selector, Static).content
    if isinstance(content, (str, Text)):
        return str(screen.query_one(selector, Static).render())
    console = Console(width=80, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


def test_amounts_typed_in_yuan():
    assert [parse_yuan(t) for t in ("100", "100.5", "100.05", "¥20", "１００", "0")] == [
        10000, 10050, 10005, 2000, 10000, 0]
    assert [parse_yuan(t) for t in ("", "1.005", "abc", "-5")] == [None, None, None, None]


def test_two_adults_for_exact_cash_are_f5_then_enter(counter):
    @play(counter, "F12", "F13")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        assert screen.breakdown is not None and screen.breakdown.total_fen == 9600
        assert "¥96.00" in text(screen, "#pay-breakdown")
        await pilot.press("f5", "enter")
        await settle_down(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, SaleDoneDialog)
        assert dialog.query_one("#done-change", Digits).value == "0.00"
        assert text(dialog, "#done-reference") == dialog.result.reference
        await pilot.press("enter")
        await pilot.pause()

    (result,) = counter.results
    assert isinstance(result, SaleResult) and result.breakdown.total_fen == 9600
    (order,) = counter.orders()
    assert (order.reference, order.total_fen, order.terminal_id) == (result.reference, 9600, TERMINAL)
    assert counter.payments() == [("cash", 9600, 9600, 0, None)]
    assert counter.ticket_types() == ["adult", "adult"]
    with transaction(counter.store, write=False) as session:  # sold under the refund policy in force
        assert policy_of_order(session, order.id) == policy_from_config(counter.config.refunds)


def test_cash_typed_on_the_list_shows_the_change_due(counter):
    @play(counter, "F12", "F13")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("1", "0", "0", "enter")
        assert screen.settlement is not None and screen.settlement.change_fen == 400
        assert screen.query_one("#pay-figure", Digits).value == "4.00"
        assert pilot.app.focused is screen.query_one("#pay-lines", DataTable)
        await pilot.press("enter")
        await settle_down(pilot)
        assert pilot.app.screen.query_one("#done-change", Digits).value == "4.00"

    assert counter.payments() == [("cash", 9600, 10000, 400, None)]


def test_split_tender_card_then_cash(counter):
    @play(counter, "F12", "F13")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("f9")
        assert pilot.app.focused is screen.query_one("#pay-reference", Input)
        await pilot.press("shift+tab", "5", "0", "enter", *"A1B2C3D4", "enter")
        assert screen.settlement is not None and screen.settlement.remaining_fen == 4600
        assert "A1B2C3D4" in text(screen, "#pay-tenders")
        await pilot.press("f5", "enter")
        await settle_down(pilot)
        assert isinstance(pilot.app.screen, SaleDoneDialog)

    assert sorted(counter.payments()) == [("card", 5000, None, None, "A1B2C3D4"), ("cash", 4600, 4600, 0, None)]


def test_a_card_number_is_refused_and_wiped(counter):
    @play(counter, "F12")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("f9", *"4111111111111111", "enter")
        assert screen.tenders == []
        assert screen.query_one("#pay-reference", Input).value == ""
        assert "卡号" in text(screen, "#pay-message")


def test_arrows_change_the_ticket_type_and_the_total(counter):
    @play(counter, "F12", "F13")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("right")
        assert screen.choice == ["child", "adult"] and screen.breakdown.total_fen == 3300 + 4800
        await pilot.press("a")
        assert screen.choice == ["child", "child"] and screen.breakdown.total_fen == 2 * 3300
        await pilot.press("right", "right")
        assert screen.choice == ["senior", "child"]
        await pilot.press("left")
        assert screen.choice == ["student", "child"] and screen.breakdown.total_fen == 3800 + 3300
        assert "学生" in text(screen, "#pay-id-check")
        assert "需验证件" in str(screen.query_one(DataTable).get_row_at(0)[-1])
        await pilot.press("f5", "enter")
        await settle_down(pilot)
        assert "学生" in text(pilot.app.screen, "#done-notes")

    assert counter.orders()[0].total_fen == 7100
    assert counter.ticket_types() == ["student", "child"]


def test_a_single_gap_needs_a_supervisor_whose_wrong_pin_is_refused(counter):
    @play(counter, "F2")  # leaves F1 alone against the aisle
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("f5", "enter")
        await settle_down(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, OverrideDialog)
        assert dialog.rules == ("single_gap",) and dialog.seats == ("F1",)
        await pilot.press(*"2001", "enter", *"1111", "enter", *"aisle please", "enter")
        await settle_down(pilot)
        assert pilot.app.screen is dialog
        assert text(dialog, "#approval-message") == "工号或密码错误，还可尝试 4 次"
        await pilot.press(*"2468", "enter")
        await settle_down(pilot)
        await settle_down(pilot)
        assert isinstance(pilot.app.screen, SaleDoneDialog)

    (order,) = counter.orders()
    with transaction(counter.store, write=False) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "seat_rules.override")).one()
        wrong = session.exec(select(AuditEntry).where(AuditEntry.action == "signin.wrong_pin")).all()
    assert entry.subject == order.reference and "2001" in entry.detail and "aisle please" in entry.detail
    assert len(wrong) == 1


def test_a_cashier_cannot_approve_and_cancelling_keeps_the_payment(counter):
    @play(counter, "F2")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("f5", "enter")
        await settle_down(pilot)
        await pilot.press(*"1001", "enter", *"1234", "enter", *"please", "enter")
        await settle_down(pilot)
        assert text(pilot.app.screen, "#approval-message") == "该员工无权授权"
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen and len(screen.tenders) == 1
        assert "值班经理" in text(screen, "#pay-message")

    assert counter.orders() == []


def test_escape_goes_back_to_the_seat_map_and_keeps_the_holds(counter):
    @play(counter, "F12", "F13")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("escape")
        await pilot.pause()

    assert counter.results == [None] and counter.orders() == []
    with transaction(counter.store, write=False) as session:
        assert len(my_holds(session, terminal_id=TERMINAL, showtime_id=counter.showtime.id, now=NOW)) == 2


def test_escape_waits_until_payments_taken_are_undone(counter):
    @play(counter, "F12")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("f5", "escape")
        assert pilot.app.screen is screen and "Ctrl+Z" in text(screen, "#pay-message")
        await pilot.press("ctrl+z")
        assert screen.tenders == [] and "¥48.00" in text(screen, "#pay-message")
        await pilot.press("escape")
        await pilot.pause()

    assert counter.results == [None]


def test_a_lost_hold_sends_the_cashier_back_to_the_map(counter):
    @play(counter, "F12")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        with transaction(counter.store) as session:
            release_terminal_holds(session, terminal_id=TERMINAL, now=NOW, reason="test")
        await pilot.press("f5", "enter")
        await settle_down(pilot)

    assert counter.results == [None] and counter.orders() == []


def test_the_customer_phone_is_kept_and_shown_masked(counter):
    @play(counter, "F12")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("f4", *"1381234", "enter")
        assert "手机号码无效" in text(screen, "#pay-message") and screen.phone is None
        await pilot.press(*"5678", "enter")
        assert screen.phone == "13812345678" and "138****5678" in text(screen, "#pay-phone-saved")
        await pilot.press("f5", "enter")
        await settle_down(pilot)
        notes = text(pilot.app.screen, "#done-notes")
        assert "138****5678" in notes and "13812345678" not in notes

    assert counter.orders()[0].customer_phone == "13812345678"


def test_enter_pressed_twice_sells_once(counter):
    @play(counter, "F12")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("f5", "enter", "enter")
        await settle_down(pilot)

    assert len(counter.orders()) == 1


def test_the_screen_follows_the_language(counter):
    @play(counter, "F12")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        assert text(screen, "#pay-figure-label") == "待付"
        await pilot.press("f2")
        await pilot.pause()
        assert text(screen, "#pay-figure-label") == "STILL TO PAY"
        assert "Adult" in str(screen.query_one(DataTable).get_row_at(0)[2])
        await pilot.press("f5")
        assert text(screen, "#pay-figure-label") == "CHANGE DUE"
