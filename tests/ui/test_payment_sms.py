"""The counter's sale with a phone number queues the pickup-code SMS in the sale's transaction."""

from typing import Any

from sqlmodel import select
from test_payment import counter, play, settle_down  # noqa: F401 - counter is a fixture
from textual.pilot import Pilot

from db.engine import transaction
from db.models import SmsMessage
from kiosk.screens.payment_screen import PaymentScreen


def test_a_sale_with_a_phone_number_queues_its_pickup_code_sms(counter):  # noqa: F811
    @play(counter, "F12")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("f4", *"13812345678", "enter", "f5", "enter")
        await settle_down(pilot)

    [order] = counter.orders()
    with transaction(counter.store, write=False) as session:
        messages = session.exec(select(SmsMessage)).all()
    assert [(m.order_id, m.kind, m.phone_masked) for m in messages] == [(order.id, "pickup_code", "138****5678")]


def test_a_sale_without_a_phone_number_sends_nothing(counter):  # noqa: F811
    @play(counter, "F12")
    async def _(pilot: Pilot[Any], screen: PaymentScreen) -> None:
        await pilot.press("f5", "enter")
        await settle_down(pilot)

    assert len(counter.orders()) == 1
    with transaction(counter.store, write=False) as session:
        assert session.exec(select(SmsMessage)).all() == []
