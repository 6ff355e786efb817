"""A customer refunding at a kiosk, driven like a person: the preview before anything changes, the refund, the
money back through the payment terminal, the reason in their language when the kiosk may not."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from kiosk_support import SIZE, Clock, ScriptedTerminal, at_attract, kiosk_app, kiosk_config, settle, shown
from sqlmodel import select
from textual.widgets import Button, Digits, Input
from ui_helpers import run

from boxoffice.entry_tokens import sign_token
from db.engine import transaction
from db.models import AuditEntry, Refund, SaleOrder, Ticket
from kiosk.dialogs.still_there_dialog import StillThereDialog
from kiosk.screens.kiosk_refund_check_screen import KioskRefundCheckScreen
from kiosk.screens.kiosk_refund_done_screen import KioskRefundDoneScreen
from kiosk.screens.kiosk_refund_find_screen import KioskRefundFindScreen
from kiosk.screens.kiosk_welcome_screen import KioskWelcomeScreen
from tests.support.kiosk_refunds import CARD_REFERENCE, MOBILE_REFERENCE, sell_unprinted


def _ticket_states(store, order_id: int) -> list[str]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(Ticket.status).where(Ticket.order_id == order_id)).all())


def _refunds(store) -> list[Refund]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(Refund)).all())


async def _started(pilot) -> None:
    """Wait for the kiosk's start-up (the site keys the test's order needs are loaded then)."""
    for _ in range(200):
        if pilot.app.started:
            return
        await pilot.pause(0.05)
    raise AssertionError("the kiosk did not start")


async def _start(pilot, language: str) -> ScriptedTerminal:
    """Touch "Refund" on the attract screen (in ``language``) with a scripted payment terminal."""
    await _started(pilot)
    terminal = ScriptedTerminal()
    pilot.app.payment_terminal = terminal
    await settle(pilot)
    if language == "en":
        await pilot.click("#lang-en")
    await pilot.click("#refund")
    await settle(pilot)
    assert isinstance(pilot.app.screen, KioskRefundFindScreen)
    return terminal


async def _enter(pilot, text: str) -> None:
    pilot.app.screen.query_one("#kiosk-refund-input", Input).value = text  # a scanner types it in one go
    await pilot.press("enter")
    await settle(pilot, 3)


def test_an_english_customer_sees_the_preview_then_refunds_and_gets_the_money_back_on_the_card(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _started(pilot)
            order = sell_unprinted(demo_store, clock.now, pickup_key=app.pickup_key)
            terminal = await _start(pilot, "en")
            assert "until 24 hours before" in shown(app, "#kiosk-refund-rules")
            await _enter(pilot, order.pickup_code)
            screen = app.screen
            assert isinstance(screen, KioskRefundCheckScreen)
            preview = shown(app, "#kiosk-refund-preview")
            assert "Inside the free refund window" in preview and "Service fee kept" in preview
            assert "Back to Card **** " in preview and CARD_REFERENCE not in preview
            order_text = shown(app, "#kiosk-refund-order")
            assert "G1" in order_text and "G2" in order_text and "139****5678" in order_text
            assert "can be refunded here" in shown(app, "#kiosk-refund-verdict")
            back = screen.preview.decision.back_fen
            assert screen.query_one("#kiosk-refund-amount", Digits).display
            assert "Nothing has changed yet" in shown(app, "#kiosk-refund-state")
            # The preview changed nothing.
            assert _ticket_states(demo_store, order.order_id) == ["valid", "valid"] and _refunds(demo_store) == []
            assert terminal.refunds == []

            terminal.gate = threading.Event()  # the terminal works until the test lets it answer
            await pilot.press("enter")  # Refund has the focus
            for _ in range(50):
                if terminal.refunds:
                    break
                await pilot.pause(0.05)
            assert screen.refunding and "please wait" in shown(app, "#kiosk-refund-state")
            assert screen.query_one(".kiosk-back", Button).disabled and screen.query_one(".kiosk-cancel", Button).disabled
            await pilot.click(".kiosk-continue")  # a second touch while it works: nothing more
            await pilot.press("enter")
            terminal.gate.set()
            await settle(pilot, 3)
            assert isinstance(app.screen, KioskRefundDoneScreen)
            assert len(_refunds(demo_store)) == 1 and terminal.refunds == [(back, "card", CARD_REFERENCE)]
            assert _ticket_states(demo_store, order.order_id) == ["refunded", "refunded"]
            lines = shown(app, "#kiosk-refund-done-lines")
            assert "2 tickets refunded: G1 G2" in lines and "back to Card **** " in lines
            assert "Your tickets are refunded" in shown(app, "#kiosk-refund-done-title")
            with transaction(demo_store, write=False) as session:
                assert session.get(SaleOrder, order.order_id).status == "refunded"
                paid = session.exec(select(AuditEntry).where(AuditEntry.action == "refund.paid_back")).one()
                assert '"outcome": "approved"' in paid.detail and '"unconfirmed": []' in paid.detail
            await pilot.click(".kiosk-continue")  # Done
            await settle(pilot)
            assert at_attract(app) and app.language == "zh"

    run(body)


def test_a_chinese_customer_with_printed_tickets_is_told_to_go_to_the_counter_and_nothing_changes(
        tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _started(pilot)
            order = sell_unprinted(demo_store, clock.now, printed=True, pickup_key=app.pickup_key)
            terminal = await _start(pilot, "zh")
            with transaction(demo_store, write=False) as session:
                token = sign_token(app.signing_key, session.get(Ticket, order.ticket_ids[0]))
            await _enter(pilot, token)  # the ticket's QR code, scanned
            screen = app.screen
            assert isinstance(screen, KioskRefundCheckScreen) and not screen.preview.decision.allowed
            verdict = shown(app, "#kiosk-refund-verdict")
            assert "本机无法办理此退票" in verdict and "已出票的票请携带纸质票到柜台退票" in verdict
            assert "请到售票台" in verdict
            assert "已出票的票请携带纸质票到柜台退票" in shown(app, "#kiosk-refund-preview")
            refund_button = screen.query_one(".kiosk-continue", Button)
            assert refund_button.disabled and not refund_button.display
            assert not screen.query_one("#kiosk-refund-amount", Digits).display
            screen.action_continue()  # Refund cannot be pressed; even asked, it refunds nothing
            await settle(pilot)
            assert _refunds(demo_store) == [] and terminal.refunds == []
            assert _ticket_states(demo_store, order.order_id) == ["valid", "valid"]
            await pilot.click(".kiosk-back")  # Back: the input again
            await settle(pilot)
            assert isinstance(app.screen, KioskRefundFindScreen)
            await pilot.click(".kiosk-cancel")  # Cancel: the attract screen
            await settle(pilot)
            assert at_attract(app)

    run(body)


def test_a_chinese_customer_refunds_a_mobile_order_by_its_code_in_chinese(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _started(pilot)
            order = sell_unprinted(demo_store, clock.now, method="mobile", pickup_key=app.pickup_key)
            terminal = await _start(pilot, "zh")
            await pilot.click(".kiosk-language")  # touched by mistake and back: a scan must still land in the input
            await settle(pilot)
            assert app.language == "en" and app.screen.focused is app.screen.query_one("#kiosk-refund-input")
            await asyncio.sleep(0.3)  # a button ignores a second press while it still shows the first (0.2 s)
            await pilot.click(".kiosk-language")
            await settle(pilot)
            assert app.language == "zh" and app.screen.focused is app.screen.query_one("#kiosk-refund-input")
            await _enter(pilot, order.pickup_code)
            assert isinstance(app.screen, KioskRefundCheckScreen)
            preview = shown(app, "#kiosk-refund-preview")
            assert "免费退票期内" in preview and "退回微信/支付宝" in preview
            assert "以下影票可在本机退票" in shown(app, "#kiosk-refund-verdict")
            assert "目前尚未做任何更改" in shown(app, "#kiosk-refund-state")
            assert _refunds(demo_store) == []
            await pilot.click(".kiosk-continue")
            await settle(pilot, 3)
            assert isinstance(app.screen, KioskRefundDoneScreen)
            assert [(m, r) for _, m, r in terminal.refunds] == [("mobile", MOBILE_REFERENCE)]
            lines = shown(app, "#kiosk-refund-done-lines")
            assert "已退 2 张票" in lines and "退回 微信/支付宝" in lines
            assert "退票成功" in shown(app, "#kiosk-refund-done-title")

    run(body)


def test_a_terminal_that_does_not_confirm_sends_the_customer_to_the_counter(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _started(pilot)
            order = sell_unprinted(demo_store, clock.now, pickup_key=app.pickup_key)
            terminal = await _start(pilot, "en")
            terminal.refund_answers.append("timeout")
            await _enter(pilot, order.pickup_code)
            await pilot.click(".kiosk-continue")
            await settle(pilot, 3)
            assert isinstance(app.screen, KioskRefundDoneScreen)
            lines = shown(app, "#kiosk-refund-done-lines")
            assert "did not confirm" in lines and order.reference in lines
            clock.advance(app.config.kiosk.done_seconds + 5)
            await pilot.pause(0.2)
            assert isinstance(app.screen, KioskRefundDoneScreen)  # stays until the customer leaves it

    run(body)


def test_wrong_codes_lock_the_refund_input_and_a_silent_customer_is_asked(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path, kiosk={"idle_seconds": 30, "still_there_seconds": 10}), demo_store,
                    clock)

    async def body() -> None:
        from boxoffice.pickup_codes import check_digit

        async with app.run_test(size=SIZE) as pilot:
            await _start(pilot, "en")
            await _enter(pilot, "123456789" + str((int(check_digit("123456789")) + 1) % 10))
            assert "check the code" in shown(app, "#kiosk-refund-message")  # a typo: not counted
            for attempt in range(5):
                body_digits = f"98765432{attempt}"
                await _enter(pilot, body_digits + check_digit(body_digits))
            field = app.screen.query_one("#kiosk-refund-input", Input)
            assert field.disabled and "60" in shown(app, "#kiosk-refund-message")
            clock.advance(31)
            await pilot.pause(1.3)
            assert isinstance(app.screen, StillThereDialog)
            clock.advance(11)
            await pilot.pause(1.3)
            await settle(pilot)
            assert isinstance(app.screen, KioskWelcomeScreen) and at_attract(app)

    run(body)


def test_the_refund_button_is_not_offered_when_the_policy_keeps_refunds_at_the_counter(tmp_path, demo_store):
    app = kiosk_app(kiosk_config(tmp_path, refunds={"kiosk_self_refund": False}), demo_store, Clock())

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert not app.screen.query("#refund") and app.screen.query("#collect")

    run(body)


def test_the_lookup_is_the_pickups_after_a_showtime_started_the_kiosk_says_so(tmp_path, demo_store):
    clock = Clock()
    app = kiosk_app(kiosk_config(tmp_path), demo_store, clock)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _started(pilot)
            order = sell_unprinted(demo_store, clock.now, pickup_key=app.pickup_key)
            clock.now = order.starts_at + timedelta(minutes=1)
            await _start(pilot, "en")
            await _enter(pilot, order.pickup_code)
            assert "has started" in shown(app, "#kiosk-refund-verdict")

    run(body)
