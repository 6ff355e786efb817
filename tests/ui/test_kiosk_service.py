"""A kiosk's service: the technician's hidden menu, out of order before anyone can pay, and its heartbeat.

The ticket printer is faked at the printing edge (``app.read_printer_status``); tests/e2e does the same against
a real virtual printer.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from textual.widgets import Static
from ui_helpers import CASHIER, SIZE, run, sign_in

from boxoffice.staff import add_staff
from db.engine import transaction
from db.models import AuditEntry, Terminal
from kiosk.config import Config, PrinterConfig
from kiosk.screens.kiosk_collect_code_screen import KioskCollectCodeScreen
from kiosk.screens.out_of_order_screen import OutOfOrderScreen
from kiosk.screens.service_menu_screen import ServiceMenuScreen
from kiosk.screens.service_sign_in_screen import ServiceSignInScreen
from printing import PrinterStatus

TECHNICIAN = ("3001", "赵工", "technician", "3579")
OK = PrinterStatus(True, "ok", "online, paper ok")
PAPER_OUT = PrinterStatus(False, "out", "offline: paper out", "paper_out")


def _add_technician(engine: Any) -> None:
    code, name, role, pin = TECHNICIAN
    with transaction(engine) as session:
        add_staff(session, code=code, name=name, role=role, pin=pin)


def _audit(engine: Any) -> list[str]:
    with transaction(engine, write=False) as session:
        return [entry.action for entry in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]


def _printer_config(config: Config, **kiosk: Any) -> Config:
    """The test config with a network ticket printer (never reached: its status comes from a fake)."""
    return config.model_copy(update={
        "printers": (PrinterConfig(name="tickets", connection="network", host="127.0.0.1", port=9),),
        "kiosk": config.kiosk.model_copy(update=kiosk)})


class FakePrinter:
    """The ticket printer's status as the test sets it (called from the app's worker thread)."""

    def __init__(self, status: PrinterStatus = OK) -> None:
        self.status = status
        self.asked = 0

    def __call__(self, spec: Any) -> PrinterStatus:
        self.asked += 1
        return self.status


async def _check(app: Any, pilot: Any) -> None:
    """Ask the printer now and let the answer arrive."""
    app.service_watch.check_printer()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def _open_service(pilot: Any, code: str, pin: str) -> None:
    await pilot.press("f12", "f12", "f12", "s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ServiceSignInScreen)
    await sign_in(pilot, code, pin)


def test_the_service_sequence_and_a_technician_pin_open_the_service_menu(make_app, counter_store):
    _add_technician(counter_store)
    app = make_app(mode="kiosk")

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            home = app.screen
            await _open_service(pilot, TECHNICIAN[0], TECHNICIAN[3])
            assert isinstance(app.screen, ServiceMenuScreen)
            title = str(app.screen.query_one("#service-title", Static).render())
            assert "服务菜单" in title and "赵工" in title
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is home

    run(body)
    assert _audit(counter_store)[-2:] == ["signin", "service.open"]


def test_a_cashier_pin_does_not_open_the_service_menu(make_app, counter_store):
    app = make_app(mode="kiosk")

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            home = app.screen
            await _open_service(pilot, CASHIER[0], CASHIER[3])
            assert isinstance(app.screen, ServiceSignInScreen)
            message = str(app.screen.query_one("#signin-message", Static).render())
            assert "无权打开服务菜单" in message
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is home

    run(body)
    assert _audit(counter_store)[-1] == "service.denied"


def test_the_sequence_typed_into_a_customer_screen_still_reaches_the_technician(make_app, counter_store):
    app = make_app(mode="kiosk")

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await app.push_screen(KioskCollectCodeScreen())
            await pilot.press("f12", "f12", "f12", "s")
            await pilot.pause()
            assert isinstance(app.screen, ServiceSignInScreen)

    run(body)


def test_out_of_service_by_a_technician_is_kept_across_a_restart_until_put_back(make_app, counter_store):
    _add_technician(counter_store)
    first = make_app(mode="kiosk")

    async def take_out() -> None:
        async with first.run_test(size=SIZE) as pilot:
            await _open_service(pilot, TECHNICIAN[0], TECHNICIAN[3])
            await pilot.press("o")
            await pilot.pause()
            assert (first.kiosk_service.in_service, first.kiosk_service.reason) == (False, "taken_out_of_service")
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(first.screen, OutOfOrderScreen)
            words = " ".join(str(w.render()) for w in first.screen.query(Static))
            assert "暂停服务" in words and "Out of service" in words and "taken_out_of_service" in words
            assert "请到售票台" in words and "Please go to the counter" in words

    run(take_out)
    second = make_app(mode="kiosk")

    async def put_back() -> None:
        async with second.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(second.screen, OutOfOrderScreen)
            await _open_service(pilot, TECHNICIAN[0], TECHNICIAN[3])
            await pilot.click("#service-toggle")  # the button does what "i" does
            await pilot.pause()
            assert second.kiosk_service.in_service
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(second.screen, OutOfOrderScreen) and len(second.screen_stack) == 2

    run(put_back)
    assert [a for a in _audit(counter_store) if a.startswith("service.")] == [
        "service.open", "service.out", "service.open", "service.in"]


def test_printer_out_of_paper_puts_the_kiosk_out_of_order_before_payment_and_back_when_it_clears(
        make_app, config):
    printer = FakePrinter(OK)
    app = make_app(mode="kiosk", config=_printer_config(config))
    app.read_printer_status = printer

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _check(app, pilot)
            customer = KioskCollectCodeScreen()
            await app.push_screen(customer)  # a customer is using the kiosk
            assert app.kiosk_service.in_service and app.kiosk_service.printer_state == "ok"

            printer.status = PAPER_OUT
            await _check(app, pilot)
            assert (app.kiosk_service.in_service, app.kiosk_service.reason) == (False, "printer_paper_out")
            assert isinstance(app.screen, OutOfOrderScreen)  # over the customer's screen: nobody can pay
            words = " ".join(str(w.render()) for w in app.screen.query(Static))
            assert "取票打印机缺纸" in words and "The ticket printer is out of paper" in words
            assert "printer_paper_out" in words

            printer.status = OK
            await _check(app, pilot)
            assert app.kiosk_service.in_service and app.screen is customer  # back by itself

    run(body)
    assert printer.asked >= 3


def test_the_out_of_order_screen_waits_for_a_payment_in_progress(make_app, config):
    printer = FakePrinter(OK)
    app = make_app(mode="kiosk", config=_printer_config(config))
    app.read_printer_status = printer

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            customer = KioskCollectCodeScreen()
            await app.push_screen(customer)
            with app.kiosk_service.payment():
                printer.status = PAPER_OUT
                await _check(app, pilot)
                assert not app.kiosk_service.in_service and app.screen is customer
                assert app.payment_in_progress
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, OutOfOrderScreen)

    run(body)


def test_the_service_menu_prints_a_test_page_and_shows_the_printer(make_app, config, counter_store, tmp_path):
    _add_technician(counter_store)
    preview = config.model_copy(update={"printers": (
        PrinterConfig(name="tickets", connection="preview", path=str(tmp_path / "preview")),)})
    app = make_app(mode="kiosk", config=preview)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _open_service(pilot, TECHNICIAN[0], TECHNICIAN[3])
            await pilot.press("f2")  # the technician's language: English
            await pilot.press("t")
            await app.workers.wait_for_complete()
            await pilot.pause()
            result = str(app.screen.query_one("#service-result", Static).render())
            assert "tickets: test page sent" in result
            printer = str(app.screen.query_one("#service-printer", Static).render())
            assert "Ticket printer tickets" in printer and "preview" in printer

    run(body)
    assert list((tmp_path / "preview").glob("*.png"))
    assert "service.test_page" in _audit(counter_store)


def test_each_terminal_writes_its_heartbeat(make_app, config, counter_store):
    printer = FakePrinter(PAPER_OUT)
    app = make_app(mode="kiosk", config=_printer_config(config))
    app.read_printer_status = printer

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _check(app, pilot)
            app.service_watch.heartbeat()
            await app.workers.wait_for_complete()
            await pilot.pause()

    run(body)
    with transaction(counter_store, write=False) as session:
        terminal = session.get(Terminal, config.terminal.id)
    assert (terminal.mode, terminal.printer_state, terminal.in_service, terminal.service_reason) == (
        "kiosk", "paper_out", False, "printer_paper_out")
    assert terminal.version and terminal.last_seen_at is not None


def test_high_contrast_and_large_text_start_from_the_config_and_the_customer_switches_them(make_app, config):
    from textual.screen import Screen

    from kiosk.widgets.accessibility_toggles import AccessibilityToggles

    class WithToggles(Screen[None]):
        def compose(self):
            yield AccessibilityToggles()

    app = make_app(mode="kiosk", config=config.model_copy(update={
        "kiosk": config.kiosk.model_copy(update={"theme": "high_contrast"})}))
    counter = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            assert app.theme == "boxoffice-high-contrast" and not app.has_class("-large-text")
            await pilot.press("f10")
            assert app.large_text and app.has_class("-large-text")
            await app.push_screen(WithToggles())
            await pilot.click("#access-contrast")
            await pilot.pause()
            assert not app.high_contrast and app.theme != "boxoffice-high-contrast"
            assert app.screen.query_one("#access-large").has_class("-on")
            assert not app.screen.query_one("#access-contrast").has_class("-on")
            app.reset_accessibility()  # the customer's session ended
            assert app.high_contrast and not app.large_text and app.theme == "boxoffice-high-contrast"
        async with counter.run_test(size=SIZE) as pilot:
            await pilot.press("f9", "f10")
            assert not counter.high_contrast and not counter.large_text

    run(body)
