"""The exchange driven like a person: a cashier exchanges an order for a dearer showtime and takes the
difference in cash, or for a cheaper one and pays the difference back to the card it was paid with; leaving the
seat map gives the new seats back and changes nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from sqlmodel import select
from textual.widgets import Static
from ui_helpers import NOW, SIZE, run, sign_in

from boxoffice.errors import BoxOfficeError
from boxoffice.holds import hold_seats
from boxoffice.pickup import read_entry_token
from boxoffice.refund_policy import RefundPolicy, register_policy
from boxoffice.sales import SaleLine, SaleRequest, SaleResult, complete_sale, quote_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender
from boxoffice.ticket_content import ticket_contents
from db.engine import transaction
from db.models import (
    AuditEntry,
    Exchange,
    ExchangePayment,
    Film,
    Payment,
    PrintJob,
    RevokedToken,
    SaleOrder,
    Seat,
    SeatClaim,
    Showtime,
    Ticket,
)
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from kiosk.screens.exchange_payment_screen import ExchangePaymentScreen
from kiosk.screens.exchange_screen import ExchangeScreen
from kiosk.screens.exchange_seat_screen import ExchangeSeatScreen
from kiosk.screens.showtime_picker_screen import ShowtimePickerScreen
from kiosk.screens.showtimes_screen import ShowtimesScreen
from kiosk.widgets import ShowtimeTable

CASHIER = StaffMember(1, "1001", "王芳", "cashier")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A preview ticket printer, so that the new tickets are queued for printing."""
    return Config.model_validate({
        "source": tmp_path / "kiosk.toml",
        "printers": [{"name": "tickets", "role": "tickets", "connection": "preview", "path": str(tmp_path / "pv")}],
    })


def _showtime(store, title: str, at: str) -> Showtime:
    with transaction(store, write=False) as session:
        rows = session.exec(select(Showtime, Film.title_zh).join(Film)).all()
    zone = ZoneInfo("Asia/Shanghai")
    return next(show for show, name in rows if name == title
                and show.starts_at.astimezone(zone).date() == NOW.astimezone(zone).date()
                and show.starts_at.astimezone(zone).strftime("%H:%M") == at)


def _sell_two(store) -> SaleResult:
    """Two adult tickets (F5, F6) for 流浪地球2 at 13:00 in hall 1 today, cash: 2 × (¥38 + ¥3)."""
    show = _showtime(store, "流浪地球2", "13:00")
    with transaction(store) as session:
        seats = [session.exec(select(Seat).where(Seat.auditorium_id == show.auditorium_id, Seat.row_label == "F",
                                                 Seat.number == n)).one().id for n in (5, 6)]
        hold_seats(session, showtime_id=show.id, seat_ids=seats, terminal_id="counter-1", staff_id=1, now=NOW,
                   hold_seconds=600)
        policy_id = register_policy(session, RefundPolicy(), NOW)
        return complete_sale(session, request=SaleRequest(
            showtime_id=show.id, lines=tuple(SaleLine(s, "adult") for s in seats),
            tenders=(Tender("cash", 8200),), channel="counter", terminal_id="counter-1", staff=CASHIER,
            request_key="sale-1", refund_policy_id=policy_id), now=NOW, zone=ZoneInfo("Asia/Shanghai"),
            rules=SeatRules())


def _text(app, selector: str) -> str:
    console = Console(file=io.StringIO(), width=110, color_system=None)
    console.print(app.screen.query_one(selector, Static).content)
    return console.file.getvalue()


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def _to_seat_map(pilot, app, reference: str, imax_id: int) -> None:
    """F10, the order by its reference, Enter with both tickets checked, then the IMAX showtime."""
    await pilot.press("f10")
    await pilot.pause()
    assert isinstance(app.screen, ExchangeScreen)
    await pilot.press(*reference, "enter")
    await _settle(pilot)
    screen = app.screen
    assert screen.found is not None and len(screen.query_one("#exchange-tickets").selected) == 2
    await pilot.press("enter")  # on the checked tickets: choose the new showtime
    await pilot.pause()
    picker = app.screen
    assert isinstance(picker, ShowtimePickerScreen)
    table = picker.query_one(ShowtimeTable)
    ids = [int(key.value) for key in table.rows]
    assert imax_id in ids and len(ids) == 2  # the same film only: 13:00 in hall 1 and 14:15 in IMAX
    table.move_cursor(row=ids.index(imax_id))
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, ExchangeSeatScreen)


def test_an_exchange_to_a_dearer_showtime_takes_the_difference_in_cash(config, demo_store):
    sold = _sell_two(demo_store)
    imax = _showtime(demo_store, "流浪地球2", "14:15")
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW + timedelta(minutes=5))

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            assert isinstance(app.screen, ShowtimesScreen) and "f10" in app.screen.active_bindings
            await _to_seat_map(pilot, app, sold.reference, imax.id)
            assert "请选 2 个新座位" in str(app.screen.query_one("#sale-header", Static).content)
            await pilot.press("1", "enter")  # one seat for two tickets: refused, stays on the map
            await pilot.pause()
            assert isinstance(app.screen, ExchangeSeatScreen)
            await pilot.press("2", "enter")
            await pilot.pause()
            pay = app.screen
            assert isinstance(pay, ExchangePaymentScreen)
            assert pay.decision is not None and pay.decision.allowed and pay.decision.old_fen == 8200
            due = pay.decision.charge_fen
            assert due == pay.decision.new_fen - 8200 > 0
            difference = _text(app, "#pay-breakdown")
            assert "原票 2 张（F5 F6）" in difference and "差价" in difference
            await pilot.press("f5", "enter")  # exact cash, then exchange
            await _settle(pilot)
            screen = app.screen
            assert isinstance(screen, ExchangeScreen) and screen.result is not None
            result = _text(app, "#exchange-result")
            assert f"新订单 {screen.result.new_reference}" in result and "2 张新票正在打印" in result
            assert "已改签" in str(screen.query_one("#exchange-tickets").get_option_at_index(0).prompt)
            await pilot.press("escape", "escape")
            await pilot.pause()
            assert isinstance(app.screen, ShowtimesScreen)

    run(body)
    with transaction(demo_store, write=False) as session:
        old = session.exec(select(Ticket).where(Ticket.order_id == sold.order_id)).all()
        exchange = session.exec(select(Exchange)).one()
        new_order = session.get(SaleOrder, exchange.new_order_id)
        new = session.exec(select(Ticket).where(Ticket.order_id == new_order.id)).all()
        paid = session.exec(select(Payment).where(Payment.order_id == new_order.id).order_by(Payment.id)).all()
        jobs = session.exec(select(PrintJob).where(PrintJob.order_id == new_order.id)).all()
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "exchange")).one()
        held = session.exec(select(SeatClaim).where(SeatClaim.status == "held",
                                                    SeatClaim.released_at.is_(None))).all()  # type: ignore[union-attr]
    assert {t.status for t in old} == {"exchanged"}
    assert {t.showtime_id for t in new} == {imax.id} and all(t.token_nonce for t in new)
    assert [(p.method, p.amount_fen) for p in paid] == [("cash", 8200), ("cash", exchange.charged_fen)]
    assert exchange.charged_fen == new_order.total_fen - 8200 and exchange.staff_id == 1
    assert sorted(j.ticket_id for j in jobs) == sorted(t.id for t in new)
    assert sold.reference in audit.subject and held == []


def test_leaving_the_seat_map_gives_the_new_seats_back_and_changes_nothing(config, demo_store):
    sold = _sell_two(demo_store)
    imax = _showtime(demo_store, "流浪地球2", "14:15")
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW + timedelta(minutes=5))

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            await _to_seat_map(pilot, app, sold.reference, imax.id)
            await pilot.press("2", "escape")
            await pilot.pause()
            assert isinstance(app.screen, ExchangeScreen)
            assert "原票仍然有效" in _text(app, "#exchange-message")

    run(body)
    with transaction(demo_store, write=False) as session:
        statuses = {t.status for t in session.exec(select(Ticket).where(Ticket.order_id == sold.order_id))}
        live = session.exec(select(SeatClaim).where(SeatClaim.showtime_id == imax.id,
                                                    SeatClaim.released_at.is_(None))).all()  # type: ignore[union-attr]
        exchanges = session.exec(select(Exchange)).all()
    assert statuses == {"valid"} and live == [] and exchanges == []


def _sell_two_imax_by_card(store) -> SaleResult:
    """Two adult tickets (F5, F6) for 流浪地球2 at 14:15 in the IMAX hall today, paid by card."""
    show = _showtime(store, "流浪地球2", "14:15")
    with transaction(store) as session:
        seats = [session.exec(select(Seat).where(Seat.auditorium_id == show.auditorium_id, Seat.row_label == "F",
                                                 Seat.number == n)).one().id for n in (5, 6)]
        lines = tuple(SaleLine(s, "adult") for s in seats)
        total = quote_sale(session, showtime_id=show.id, lines=lines, channel="counter",
                           zone=ZoneInfo("Asia/Shanghai")).total_fen
        hold_seats(session, showtime_id=show.id, seat_ids=seats, terminal_id="counter-1", staff_id=1, now=NOW,
                   hold_seconds=600)
        policy_id = register_policy(session, RefundPolicy(), NOW)
        return complete_sale(session, request=SaleRequest(
            showtime_id=show.id, lines=lines, tenders=(Tender("card", total, reference="POS778899"),),
            channel="counter", terminal_id="counter-1", staff=CASHIER, request_key="sale-imax",
            refund_policy_id=policy_id), now=NOW, zone=ZoneInfo("Asia/Shanghai"), rules=SeatRules())


def test_an_exchange_to_a_cheaper_showtime_pays_the_difference_back_to_the_card(config, demo_store):
    sold = _sell_two_imax_by_card(demo_store)
    hall_1 = _showtime(demo_store, "流浪地球2", "13:00")
    public_key = None
    app = BoxOfficeApp(config, demo_store, clock=lambda: NOW + timedelta(minutes=5))
    seen: dict[str, object] = {}

    async def body() -> None:
        nonlocal public_key
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot)
            public_key = app.signing_key.public_key()
            with transaction(demo_store, write=False) as session:  # the QR codes of the tickets handed in
                seen["old_tokens"] = [c.qr_payload for c in ticket_contents(
                    session, order_id=sold.order_id, zone=ZoneInfo("Asia/Shanghai"), cinema_zh="星光影城",
                    cinema_en="Starlight", signing_key=app.signing_key)]
            await _to_seat_map(pilot, app, sold.reference, hall_1.id)
            await pilot.press("2", "enter")
            await pilot.pause()
            pay = app.screen
            assert isinstance(pay, ExchangePaymentScreen)
            decision = pay.decision
            assert decision is not None and decision.allowed and decision.charge_fen == 0
            assert decision.old_fen == sold.breakdown.total_fen and decision.new_fen < decision.old_fen
            assert decision.back_fen == decision.old_fen - decision.new_fen - decision.fee_fen > 0
            assert decision.forgone_fen == 0
            assert [(b.method, b.amount_fen) for b in decision.back_by_payment] == [("card", decision.back_fen)]
            difference = _text(app, "#pay-breakdown")
            assert "原票 2 张（F5 F6）" in difference and "退回银行卡" in difference
            assert not pay.check_action("type_cash", ())  # nothing to take: no cash keys
            seen["back_fen"] = decision.back_fen
            await pilot.press("enter")  # nothing is owed: Enter exchanges
            await _settle(pilot)
            screen = app.screen
            assert isinstance(screen, ExchangeScreen) and screen.result is not None
            result = _text(app, "#exchange-result")
            back = f"¥{decision.back_fen / 100:.2f}"
            assert f"新订单 {screen.result.new_reference}" in result and "2 张新票正在打印" in result
            assert f"退给顾客 {back}（银行卡" in result and "已收差价" not in result
            assert screen.result.charged_fen == 0 and screen.result.payments == ()
            await pilot.press("escape", "escape")
            await pilot.pause()
            assert isinstance(app.screen, ShowtimesScreen)

    run(body)
    back_fen = seen["back_fen"]
    with transaction(demo_store, write=False) as session:
        old = session.exec(select(Ticket).where(Ticket.order_id == sold.order_id).order_by(Ticket.id)).all()
        exchange = session.exec(select(Exchange)).one()
        new_order = session.get(SaleOrder, exchange.new_order_id)
        new = session.exec(select(Ticket).where(Ticket.order_id == new_order.id)).all()
        old_paid = session.exec(select(Payment).where(Payment.order_id == sold.order_id)).all()
        new_paid = session.exec(select(Payment).where(Payment.order_id == new_order.id)).all()
        moved = session.exec(select(ExchangePayment).where(ExchangePayment.exchange_id == exchange.id)
                             .order_by(ExchangePayment.id)).all()
        revoked = session.exec(select(RevokedToken).where(
            RevokedToken.ticket_id.in_([t.id for t in old]))).all()  # type: ignore[attr-defined]
        claims = session.exec(select(SeatClaim).where(
            SeatClaim.id.in_([t.claim_id for t in old]))).all()  # type: ignore[union-attr]
        jobs = session.exec(select(PrintJob).where(PrintJob.order_id == new_order.id)).all()
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "exchange")).one()
    # The old tickets voided, their seats on sale again, every token of theirs revoked.
    assert {t.status for t in old} == {"exchanged"} and {r.ticket_id for r in revoked} == {t.id for t in old}
    assert all(c.released_at is not None for c in claims)
    for token in seen["old_tokens"]:
        with pytest.raises(BoxOfficeError) as refused, transaction(demo_store, write=False) as session:
            read_entry_token(session, text=token, public_key=public_key)
        assert refused.value.code == "token_revoked"
    # New tickets sold for the cheaper showtime, queued for printing.
    assert len(new) == 2 and {t.showtime_id for t in new} == {hall_1.id} and {t.status for t in new} == {"valid"}
    assert all(t.token_nonce for t in new) and sorted(j.ticket_id for j in jobs) == sorted(t.id for t in new)
    # The difference back to the card it came from, with its reference; nothing else charged.
    assert (exchange.charged_fen, exchange.back_fen, exchange.forgone_fen) == (0, back_fen, 0)
    assert [(p.method, p.amount_fen, p.reference) for p in old_paid] == [
        ("card", sold.breakdown.total_fen, "POS778899")]
    backs = [(m.method, m.amount_fen, m.reference, m.payment_id) for m in moved if m.kind == "back"]
    assert backs == [("card", back_fen, "POS778899", old_paid[0].id)]
    carried = [m for m in moved if m.kind == "carried"]
    assert sum(m.amount_fen for m in carried) == new_order.total_fen == sold.breakdown.total_fen - back_fen
    assert [(p.method, p.amount_fen, p.reference) for p in new_paid] == [
        ("card", new_order.total_fen, "POS778899")]  # the value carried over, no new money
    assert {m.new_payment_id for m in carried} == {p.id for p in new_paid}
    assert sold.reference in audit.subject
