"""A customer collecting a booking at a kiosk, driven like a person: the code, the booking to check, the tickets
printed, in English and in Chinese; a wrong code, tickets collected already, the language button, Back and Cancel,
and a printer that cannot print."""

from __future__ import annotations

from datetime import timedelta

import pytest
from kiosk_support import NOW, SIZE, Clock, at_attract, kiosk_app, kiosk_config, settle, shown, started
from sqlalchemy import update
from sqlmodel import select
from textual.widgets import Button, Input
from ui_helpers import run

from boxoffice.entry_tokens import sign_token
from boxoffice.pickup import collect
from boxoffice.terminals import register_terminal
from db.engine import transaction
from db.models import PrintJob, Ticket
from kiosk.screens.kiosk_collect_check_screen import KioskCollectCheckScreen
from kiosk.screens.kiosk_collect_code_screen import KioskCollectCodeScreen
from kiosk.screens.kiosk_collect_print_screen import KioskCollectPrintScreen
from tests.support.bookings import Booked, book_online

WORDS = {
    "en": {"steps": ["1 Enter your code", "2 Check", "3 Printing"], "prompt": "Scan the QR code on your phone",
           "accepted": "10-digit pickup code", "ready": "Your 2 tickets are ready to print", "print": "Print tickets",
           "printed": "Please take your tickets below", "count": "2 tickets", "check": "Please check the code",
           "back": "Back", "language": "中文"},
    "zh": {"steps": ["1 输入取票码", "2 核对", "3 出票"], "prompt": "请扫描手机上的二维码",
           "accepted": "10 位取票码", "ready": "您的 2 张票可以打印了", "print": "打印电影票",
           "printed": "请从下方出票口取票", "count": "共 2 张", "check": "请核对取票码",
           "back": "返回", "language": "English"},
}


def _tickets(store, order_id: int) -> list[Ticket]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(Ticket).where(Ticket.order_id == order_id).order_by(Ticket.id)).all())


def _jobs(store, order_id: int) -> list[PrintJob]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(PrintJob).where(PrintJob.order_id == order_id)).all())


async def _open(pilot, language: str) -> KioskCollectCodeScreen:
    """Touch "Collect tickets" on the attract screen, in ``language``."""
    await started(pilot)
    if language == "en":
        await pilot.click("#lang-en")
    await pilot.click("#collect")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, KioskCollectCodeScreen)
    return screen


async def _enter(pilot, text: str) -> None:
    """Type a code (or a scanner's text) and press Enter."""
    for char in text:
        await pilot.press(char)
    await pilot.press("enter")
    await settle(pilot, 3)


async def _until_printed(pilot, screen: KioskCollectPrintScreen, state: str = "printed") -> None:
    for _ in range(100):
        if screen.printing == state:
            return
        await pilot.pause(0.1)
    raise AssertionError(f"printing is {screen.printing}, not {state}")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_customer_collects_a_booking_and_the_tickets_print(tmp_path, demo_store, language):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path), demo_store, clock)
    words = WORDS[language]

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot)
            booked = book_online(demo_store, clock.now, key=app.pickup_key)
            code = await _open(pilot, language)
            steps = shown(app, ".kiosk-steps")
            assert all(step in steps for step in words["steps"]), steps
            assert words["prompt"] in shown(app, "#kiosk-collect-prompt")
            assert words["accepted"] in shown(app, "#kiosk-collect-accepted")
            await _enter(pilot, f"{booked.pickup_code[:3]} {booked.pickup_code[3:6]} {booked.pickup_code[6:]}")
            check = app.screen
            assert isinstance(check, KioskCollectCheckScreen) and app.language == language
            order = shown(app, "#kiosk-collect-order")
            assert "F4" in order and "F5" in order and "139****5678" in order and words["count"] in order
            assert words["ready"] in shown(app, "#kiosk-collect-verdict")
            assert str(check.query_one(".kiosk-continue", Button).label) == words["print"]
            assert all(t.picked_up_at is None for t in _tickets(demo_store, booked.order_id))  # nothing yet

            await pilot.press("enter")  # Print tickets has the focus
            await settle(pilot, 3)
            printing = app.screen
            assert isinstance(printing, KioskCollectPrintScreen) and app.kiosk_service.payment_in_progress
            await _until_printed(pilot, printing)
            assert words["printed"] in shown(app, "#kiosk-collect-print-state")
            tickets = _tickets(demo_store, booked.order_id)
            assert all(t.picked_up_terminal == "kiosk-1" and t.printed_count == 1 for t in tickets)
            assert [j.status for j in _jobs(demo_store, booked.order_id)] == ["printed", "printed"]
            assert code is not None
            clock.advance(app.config.kiosk.done_seconds + 1)  # the attract screen comes back by itself
            await pilot.pause(1.3)
            await settle(pilot)
            assert at_attract(app) and app.language == "zh" and not app.kiosk_service.payment_in_progress

    run(body)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_wrong_code_says_please_check_it_in_the_customers_language_and_the_language_button_switches(
        tmp_path, demo_store, language):
    app = kiosk_app(kiosk_config(tmp_path), demo_store, Clock())
    words, other = WORDS[language], WORDS["zh" if language == "en" else "en"]

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot)
            booked = book_online(demo_store, NOW, key=app.pickup_key)
            screen = await _open(pilot, language)
            await _enter(pilot, "1234 5678 91")  # a typo: the check digit catches it
            assert app.screen is screen
            assert words["check"] in shown(app, "#kiosk-collect-message")
            assert screen.query_one("#kiosk-collect-input", Input).value == ""
            assert str(screen.query_one(".kiosk-language", Button).label) == words["language"]
            await pilot.click(".kiosk-language")  # a touch switches every word on the step, the message too
            await settle(pilot)
            assert app.language != language
            assert other["check"] in shown(app, "#kiosk-collect-message")
            assert other["prompt"] in shown(app, "#kiosk-collect-prompt")
            assert all(step in shown(app, ".kiosk-steps") for step in other["steps"])
            assert other["back"] in str(screen.query_one(".kiosk-back", Button).label)
            assert screen.focused is screen.query_one("#kiosk-collect-input", Input)  # a scan after the touch lands
            await _enter(pilot, booked.pickup_code)
            assert isinstance(app.screen, KioskCollectCheckScreen) and app.language != language

    run(body)


def test_back_and_cancel_on_the_collect_steps_return_to_the_attract_screen(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot)
            booked = book_online(demo_store, clock.now, key=app.pickup_key)
            await _open(pilot, "en")
            await pilot.click(".kiosk-back")
            await settle(pilot)
            assert at_attract(app) and app.language == "zh"

            await _open(pilot, "en")
            await _enter(pilot, booked.pickup_code)
            assert isinstance(app.screen, KioskCollectCheckScreen)
            await pilot.click(".kiosk-back")  # Back: the code step, the language kept
            await settle(pilot)
            assert isinstance(app.screen, KioskCollectCodeScreen) and app.language == "en"
            await _enter(pilot, booked.pickup_code)
            assert isinstance(app.screen, KioskCollectCheckScreen)
            await pilot.click(".kiosk-cancel")
            await settle(pilot)
            assert at_attract(app) and app.language == "zh"
            assert all(t.picked_up_at is None for t in _tickets(demo_store, booked.order_id))  # nothing collected

            await _open(pilot, "zh")
            await pilot.press("escape")
            await settle(pilot)
            assert at_attract(app)

    run(body)


def _collected_at_kiosk_2(store, booked: Booked, when) -> None:
    with transaction(store) as session:
        register_terminal(session, terminal_id="kiosk-2", name="Kiosk 2", mode="kiosk", now=when)
        collect(session, order_id=booked.order_id, terminal_id="kiosk-2", printer="tickets", now=when)
    with transaction(store) as session:  # Kiosk 2's printer printed them
        session.exec(update(PrintJob).where(PrintJob.order_id == booked.order_id).values(status="printed"))
        session.exec(update(Ticket).where(Ticket.order_id == booked.order_id).values(printed_count=1))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_tickets_collected_already_say_when_and_where_and_offer_no_reprint(tmp_path, demo_store, language):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot)
            booked = book_online(demo_store, clock.now, key=app.pickup_key)
            _collected_at_kiosk_2(demo_store, booked, clock.now - timedelta(minutes=20))  # 09:40 in Shanghai
            with transaction(demo_store, write=False) as session:  # the customer scans a ticket's QR code
                scanned = sign_token(app.signing_key, session.get(Ticket, booked.ticket_ids[0]))
            await _open(pilot, language)
            app.screen.query_one("#kiosk-collect-input", Input).value = scanned  # a scanner types it in one go
            await pilot.press("enter")
            await settle(pilot, 3)
            screen = app.screen
            assert isinstance(screen, KioskCollectCheckScreen)
            verdict = shown(app, "#kiosk-collect-verdict")
            if language == "zh":
                assert "已于 09:40 在 Kiosk 2 取票" in verdict and "如需重打，请到柜台咨询" in verdict
                assert "无法在本机打印" in verdict
            else:
                assert "Collected 09:40 at Kiosk 2" in verdict and "For a reprint, please ask at the counter" in verdict
                assert "cannot be printed here" in verdict
            assert not screen.query_one(".kiosk-continue", Button).display  # no Print button
            assert "f6" not in screen.active_bindings
            assert screen.focused is screen.query_one(".kiosk-back", Button)  # Enter goes back, never prints
            await pilot.press("f6")
            await settle(pilot)
            assert app.screen is screen  # nothing printed, no approval asked

    run(body)
    with transaction(demo_store, write=False) as session:
        assert [j.reprint for j in session.exec(select(PrintJob)).all()] == [0, 0]


def test_a_printer_that_cannot_print_sends_the_customer_to_the_counter_with_the_code(tmp_path, demo_store):
    printer = {"name": "tickets", "connection": "file", "path": "no-such-folder/printer.bin"}  # cannot be opened
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path, printers=[printer]), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot)
            booked = book_online(demo_store, clock.now, key=app.pickup_key)
            await _open(pilot, "en")
            await _enter(pilot, booked.pickup_code)
            await pilot.press("enter")  # Print tickets
            await settle(pilot, 3)
            screen = app.screen
            assert isinstance(screen, KioskCollectPrintScreen)
            await _until_printed(pilot, screen, "failed")
            await settle(pilot)
            assert "could not be printed here" in shown(app, "#kiosk-collect-print-state")
            code = shown(app, "#kiosk-collect-print-code")
            pickup = booked.pickup_code
            assert "at the counter" in code and f"{pickup[:3]} {pickup[3:6]} {pickup[6:]}" in code
            # The tickets wait for the counter: not collected, the kiosk's jobs cancelled.
            assert all(t.picked_up_at is None for t in _tickets(demo_store, booked.order_id))
            assert all(j.status == "cancelled" for j in _jobs(demo_store, booked.order_id))
            clock.advance(app.config.kiosk.done_seconds + 1)
            await pilot.pause(1.3)
            assert app.screen is screen  # it stays until the customer leaves
            await pilot.click(".kiosk-continue")  # Done
            await settle(pilot)
            assert at_attract(app)

    run(body)
