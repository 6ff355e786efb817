"""Buying at a self-service kiosk, driven like a customer through Pilot on the demo cinema and a fixed clock.

"Now" is Friday 10:00: the first film on the attract screen is Avatar: Fire and Ash, whose 10:30 IMAX 3D
showtime has premium seats (¥95 adult, ¥75 child) and a ¥5 service fee per ticket.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from kiosk_support import (
    KIOSK,
    PHONE,
    SIZE,
    Clock,
    ScriptedTerminal,
    at_attract,
    kiosk_app,
    kiosk_config,
    my_holds,
    orders,
    pay,
    payments,
    print_jobs,
    settle,
    shown,
    to_step,
)
from sqlmodel import select
from textual.widgets import Button, Static
from ui_helpers import run

from boxoffice.payment_terminal import write_answer
from boxoffice.pickup import lookup
from db.engine import transaction
from db.models import AuditEntry
from kiosk.screens.kiosk_done_screen import KioskDoneScreen
from kiosk.screens.kiosk_pay_screen import KioskPayScreen
from kiosk.screens.kiosk_seats_screen import KioskSeatsScreen
from kiosk.screens.kiosk_tickets_screen import KioskTicketsScreen
from kiosk.screens.out_of_order_screen import OutOfOrderScreen
from kiosk.widgets.seat_map import SeatMap
from printing import PrinterStatus

WORDS = {
    "zh": {"seats": ["您的座位：2 个", "含服务费"], "pay": ["票价小计", "服务费（2张）", "合计", "成人", "儿童"],
           "total": "应付金额（元）", "film": "阿凡达", "done": "购票成功，谢谢！", "paid": "已支付 ¥180.00",
           "state": ("正在打印您的 2 张票", "请在下方取走您的票")},
    "en": {"seats": ["Your seats: 2", "with fees"], "pay": ["Tickets", "Service fee (2 tickets)", "Total", "Adult",
                                                          "Child"],
           "total": "Total to pay", "film": "Avatar", "done": "Thank you!", "paid": "Paid ¥180.00",
           "state": ("Printing your 2 tickets", "Please take your tickets below")},
}
"""What the customer reads at the steps, in each language."""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_customer_buys_two_tickets_and_they_print(tmp_path, demo_store, language):
    config = kiosk_config(tmp_path)
    app = kiosk_app(config, demo_store, Clock())
    terminal = ScriptedTerminal()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.payment_terminal = terminal
            await to_step(pilot, "seats", language=language)
            seats = app.screen
            assert isinstance(seats, KioskSeatsScreen)
            held = seats.query_one(SeatMap).selected_ids
            assert len(held) == 2 and sorted(held) == sorted(my_holds(demo_store))
            words = WORDS[language]
            selection = shown(app, "#seats-selection")
            assert all(word in selection for word in words["seats"]), selection
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, KioskTicketsScreen)
            await pilot.click("#type-1-child")  # the second seat is a child's
            await pilot.click(".kiosk-continue")
            await settle(pilot)
            for char in PHONE:
                await pilot.press(char)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, KioskPayScreen)
            breakdown = shown(app, "#pay-kiosk-breakdown")
            assert "¥95.00" in breakdown and "¥75.00" in breakdown and "¥5.00" in breakdown
            assert "¥180.00" in breakdown  # 95 + 75 + 2 × 5: every fee shown, in the total
            assert "138****5678" in shown(app, "#pay-kiosk-notes")
            assert all(word in breakdown for word in words["pay"]), breakdown
            assert words["total"] in shown(app, "#pay-kiosk-total-label")
            assert words["film"] in shown(app, "#pay-kiosk-showtime")
            await pay(pilot)
            assert isinstance(app.screen, KioskDoneScreen)
            assert app.language == language
            assert shown(app, "#done-kiosk-title") == words["done"]
            assert shown(app, "#done-kiosk-state").startswith(words["state"])
            order_words = shown(app, "#done-kiosk-order")
            assert words["paid"] in order_words and words["film"] in order_words
            (order,) = orders(demo_store)
            assert (order.channel, order.terminal_id, order.staff_id, order.total_fen) == ("kiosk", KIOSK, None, 18000)
            assert order.customer_phone == PHONE
            (payment,) = payments(demo_store)
            assert (payment.method, payment.amount_fen, payment.reference) == ("card", 18000, "T00001REF")
            assert terminal.charges[0][:2] == (18000, "card")
            assert len(print_jobs(demo_store, order.id or 0)) == 2
            assert my_holds(demo_store) == []
            await pilot.click("#done-kiosk-finish")
            await settle(pilot)
            assert at_attract(app) and app.language == "zh"

    run(body)


def test_a_declined_payment_leaves_no_order_and_the_customer_pays_again(tmp_path, demo_store):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())
    terminal = ScriptedTerminal(answers=["declined", "timeout"])

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.payment_terminal = terminal
            await to_step(pilot, "pay", language="en")
            await pay(pilot, "mobile")
            assert isinstance(app.screen, KioskPayScreen)
            assert "declined" in shown(app, "#pay-kiosk-state") and "No money was taken" in shown(app, "#pay-kiosk-state")
            assert orders(demo_store) == [] and payments(demo_store) == []
            assert len(my_holds(demo_store)) == 2  # the seats stay the customer's
            await pay(pilot, "card")
            assert "did not answer" in shown(app, "#pay-kiosk-state")
            assert orders(demo_store) == []
            await pay(pilot, "card")
            assert isinstance(app.screen, KioskDoneScreen)
            assert len(orders(demo_store)) == 1 and len(terminal.charges) == 3

    run(body)


def test_the_simulated_terminal_is_answered_through_its_file(tmp_path, demo_store):
    config = kiosk_config(tmp_path, payment_terminal={"default": "wait", "timeout_seconds": 5})
    app = kiosk_app(config, demo_store, Clock())

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await to_step(pilot, "pay")
            write_answer(config.resolve("payment-terminal"), "decline")
            await pay(pilot)
            assert orders(demo_store) == []
            assert "支付未成功" in shown(app, "#pay-kiosk-state")
            write_answer(config.resolve("payment-terminal"), "approve")
            await pay(pilot)
            assert isinstance(app.screen, KioskDoneScreen)
            (payment,) = payments(demo_store)
            assert payment.method == "card" and payment.reference and payment.reference.startswith("SIM")
            journal = (config.resolve("payment-terminal") / "journal.log").read_text()
            assert "declined" in journal and "approved" in journal

    run(body)


def test_paid_but_not_printed_shows_the_pickup_code_and_sends_to_the_counter(tmp_path, demo_store):
    app = kiosk_app(kiosk_config(tmp_path, printer=False), demo_store, Clock())

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.payment_terminal = ScriptedTerminal()
            await to_step(pilot, "pay", language="en")
            await pay(pilot)
            assert isinstance(app.screen, KioskDoneScreen)
            (order,) = orders(demo_store)
            assert order.status == "paid"  # the tickets stay sold
            code = shown(app, "#done-kiosk-code")
            assert "collect your tickets at the counter" in code and "Pickup code" in code
            pickup = app.screen.sale.pickup_code
            assert pickup is not None and f"{pickup[:3]} {pickup[3:6]} {pickup[6:]}" in code
            assert order.reference in code
            assert app.screen.slip is None and "slip" not in code  # no receipt printer here: no slip promised

    run(body)


async def _until_slip(pilot, screen: KioskDoneScreen) -> None:
    """Wait for the slip's worker to answer (the print goes straight to the receipt printer)."""
    for _ in range(40):
        if screen.slip in ("printed", "failed"):
            return
        await pilot.pause(0.1)


def _slip_audit(store) -> list[str]:
    with transaction(store, write=False) as session:
        return [entry.detail for entry in session.exec(
            select(AuditEntry).where(AuditEntry.action == "print.pickup_slip")).all()]


def test_a_ticket_printer_that_fails_after_payment_leaves_the_tickets_sold_and_shows_the_code(tmp_path, demo_store):
    printer = {"name": "tickets", "connection": "file", "path": "no-such-folder/printer.bin"}  # cannot be opened
    receipts = {"name": "receipts", "role": "receipts", "connection": "preview", "path": "receipts", "paper_mm": 58,
                "chinese": "image"}
    app = kiosk_app(kiosk_config(tmp_path, printers=[printer, receipts]), demo_store, Clock())

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.payment_terminal = ScriptedTerminal()
            await to_step(pilot, "pay")
            await pay(pilot)
            screen = app.screen
            assert isinstance(screen, KioskDoneScreen)
            for _ in range(20):  # the print worker tries, and the screen looks every second
                if screen.printing == "failed":
                    break
                await pilot.pause(0.5)
            assert screen.printing == "failed"
            (order,) = orders(demo_store)
            jobs = print_jobs(demo_store, order.id or 0)
            assert order.status == "paid" and len(jobs) == 2
            code = shown(app, "#done-kiosk-code")
            assert "请凭以下取票码到售票台取票" in code and order.reference in code
            # nothing waits to print here for whoever comes next; the counter hands the tickets over by the code
            await pilot.pause(1.2)
            assert {job.status for job in print_jobs(demo_store, order.id or 0)} <= {"cancelled", "sending"}
            with transaction(demo_store, write=False) as session:
                view = lookup(session, text=screen.sale.pickup_code, key=app.pickup_key,
                              public_key=app.signing_key.public_key(), now=app.now())
            assert view.refusal is None and len(view.to_collect) == 2
            # the same code on a slip from the receipt printer, and the screen says so
            await _until_slip(pilot, screen)
            assert screen.slip == "printed"
            assert "请从小票打印机取走印有取票码的凭条" in shown(app, "#done-kiosk-code")
            assert (tmp_path / "receipts" / f"slip-{order.reference}.png").exists()
            (detail,) = _slip_audit(demo_store)
            assert '"printed": true' in detail and screen.sale.pickup_code not in detail

    run(body)


def test_a_slip_that_cannot_print_either_leaves_the_code_on_screen_and_says_so(tmp_path, demo_store):
    receipts = {"name": "receipts", "role": "receipts", "connection": "file", "path": "no-such-folder/lp0"}
    app = kiosk_app(kiosk_config(tmp_path, printers=[receipts]), demo_store, Clock())  # and no ticket printer

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.payment_terminal = ScriptedTerminal()
            await to_step(pilot, "pay", language="en")
            await pay(pilot)
            screen = app.screen
            assert isinstance(screen, KioskDoneScreen) and screen.printing == "failed"
            await _until_slip(pilot, screen)
            assert screen.slip == "failed"
            code = shown(app, "#done-kiosk-code")
            assert "could not be printed either" in code and "write the code down" in code
            pickup = screen.sale.pickup_code
            assert f"{pickup[:3]} {pickup[3:6]} {pickup[6:]}" in code  # still on screen
            (order,) = orders(demo_store)
            assert order.status == "paid" and order.reference in code
            (detail,) = _slip_audit(demo_store)
            assert '"printed": false' in detail

    run(body)


def _set_in_service(app, in_service: bool) -> str | None:
    """Put the kiosk out of service (or back), as its printer watch or a technician would; returns the reason.

    With the app's own service state (boxoffice.kiosk_service.KioskService) a technician's flag is used, which a
    printer reading does not undo; without one, a simple stand-in object is set on the app.
    """
    service = getattr(app, "kiosk_service", None)
    if service is not None and hasattr(service, "set_taken_out"):
        service.set_taken_out(not in_service)
        return service.reason
    app.kiosk_service = SimpleNamespace(in_service=in_service, reason=None if in_service else "printer_paper_out",
                                        payment_in_progress=False)
    return app.kiosk_service.reason


def test_an_out_of_service_kiosk_sends_the_customer_to_the_counter_instead_of_taking_money(tmp_path, demo_store):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())
    terminal = ScriptedTerminal()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.payment_terminal = terminal
            await to_step(pilot, "pay", language="en")
            screen = app.screen
            assert isinstance(screen, KioskPayScreen)
            reason = _set_in_service(app, False)
            await pilot.pause(1.2)  # the step looks every second (the kiosk's out-of-order screen may cover it)
            state = str(screen.query_one("#pay-kiosk-state", Static).render())
            assert "cannot take payments" in state and "counter" in state and f"Code: {reason}" in state
            assert not screen.query_one("#pay-kiosk-methods").display
            screen.pay("card")  # even asked directly, it takes no money
            await settle(pilot)
            assert terminal.charges == [] and orders(demo_store) == []
            _set_in_service(app, True)
            await pilot.pause(1.5)  # the step looks again every second (an out-of-order screen goes)
            assert app.screen is screen and screen.query_one("#pay-kiosk-methods").display
            await pay(pilot)
            assert isinstance(app.screen, KioskDoneScreen)

    run(body)


class _TicketPrinterStatus:
    """The ticket printer's status as the test sets it, at the printing edge (``app.read_printer_status``), as
    tests/ui/test_kiosk_service.py does; tests/e2e/test_kiosk_out_of_order_emupos.py does it on a real one."""

    def __init__(self) -> None:
        self.status = PrinterStatus(True, "ok", "online, paper ok")

    def __call__(self, spec: object) -> PrinterStatus:
        return self.status


def test_paper_running_out_on_the_payment_step_puts_the_kiosk_out_of_order_before_any_money(tmp_path, demo_store):
    network = {"name": "tickets", "connection": "network", "host": "127.0.0.1", "port": 9}  # never reached
    app = kiosk_app(kiosk_config(tmp_path, printers=[network]), demo_store, Clock())
    printer = _TicketPrinterStatus()
    app.read_printer_status = printer
    terminal = ScriptedTerminal()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:

            async def check_printer() -> None:  # the watch asks every printer_check_seconds; ask now
                app.service_watch.check_printer()
                await settle(pilot, 3)

            app.payment_terminal = terminal
            await to_step(pilot, "pay", language="en")
            screen = app.screen
            assert isinstance(screen, KioskPayScreen) and app.kiosk_service.in_service
            assert screen.query_one("#pay-kiosk-methods").display

            printer.status = PrinterStatus(False, "out", "offline: paper out", "paper_out")
            await check_printer()
            assert (app.kiosk_service.in_service, app.kiosk_service.reason) == (False, "printer_paper_out")
            assert isinstance(app.screen, OutOfOrderScreen)  # over the payment step
            words = " ".join(str(w.render()) for w in app.screen.query(Static))
            assert "printer_paper_out" in words and "Please go to the counter" in words
            await pilot.press("enter", "space", "escape", "tab", "enter")  # whatever the customer tries
            await settle(pilot)
            assert isinstance(app.screen, OutOfOrderScreen)
            screen.pay("card")  # even asked directly, the step takes no money
            await settle(pilot)
            assert terminal.charges == [] and orders(demo_store) == [] and payments(demo_store) == []
            assert not screen.query_one("#pay-kiosk-methods").display  # no way to pay under the screen either

            printer.status = PrinterStatus(True, "ok", "online, paper ok")
            await check_printer()
            assert app.screen is screen and app.kiosk_service.in_service  # back where the customer was
            await pilot.pause(1.2)  # the step looks again every second
            assert screen.query_one("#pay-kiosk-methods").display
            await pay(pilot)
            assert isinstance(app.screen, KioskDoneScreen) and len(orders(demo_store)) == 1

    run(body)


@pytest.mark.parametrize("step", ["film", "showtime", "party", "seats", "types", "phone", "pay"])
def test_cancel_at_every_step_gives_the_seats_back_and_starts_over(tmp_path, demo_store, step):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.payment_terminal = ScriptedTerminal()
            await to_step(pilot, step, language="en")
            if step in ("types", "phone", "pay"):
                assert len(my_holds(demo_store)) == 2
            await pilot.click(".kiosk-cancel")
            await settle(pilot)
            assert at_attract(app)
            assert app.language == "zh"
            assert my_holds(demo_store) == [] and orders(demo_store) == []

    run(body)


def test_back_from_the_seats_gives_them_back_and_a_digit_picks_the_best_seats_again(tmp_path, demo_store):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await to_step(pilot, "seats", party=2)
            seat_map = app.screen.query_one(SeatMap)
            await pilot.press("4")
            await settle(pilot)
            assert len(seat_map.selected_ids) == 4 and len(my_holds(demo_store)) == 4
            await pilot.click(".kiosk-back")
            await settle(pilot)
            assert my_holds(demo_store) == []
            assert app.screen.query_one("#party-4", Button)  # asked how many again

    run(body)
