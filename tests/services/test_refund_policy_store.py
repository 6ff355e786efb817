"""Policy versions in a real SQLite store: stored once per distinct policy, and an order keeps the version it was
sold under even after kiosk.toml changes."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from boxoffice.errors import BoxOfficeError
from boxoffice.refund_policy import RefundPolicy, RefundWindow, policy_of_order, register_policy, to_json
from boxoffice.refund_rules import OrderFacts, PaymentFacts, ShowtimeFacts, TicketFacts, decide_refund
from db.engine import transaction
from db.migrate import alembic_config, current_revision, head_revision
from db.models import Auditorium, Film, PriceCard, RefundPolicyVersion, SaleOrder, Showtime

TODAYS = RefundPolicy(windows=(RefundWindow(1440), RefundWindow(0, percent_fee_bp=5000)))


def _order(store, now, *, policy_id: int | None, reference: str = "R1") -> int:
    with transaction(store) as session:
        hall, film, card = Auditorium(name=f"T{reference}"), Film(title_zh=f"片{reference}", runtime_min=90), \
            PriceCard(name=f"c{reference}")
        session.add_all([hall, film, card])
        session.flush()
        show = Showtime(film_id=film.id, auditorium_id=hall.id, starts_at=now + timedelta(hours=5),
                        ends_at=now + timedelta(hours=7), price_card_id=card.id)
        session.add(show)
        session.flush()
        order = SaleOrder(reference=reference, showtime_id=show.id, channel="counter", terminal_id="counter-1",
                          total_fen=5300, created_at=now, refund_policy_id=policy_id)
        session.add(order)
        session.flush()
        return order.id


def test_registering_a_policy_twice_stores_it_once(store, now):
    with transaction(store) as session:
        first = register_policy(session, RefundPolicy(), now)
    with transaction(store) as session:
        again = register_policy(session, RefundPolicy(), now + timedelta(days=1))
        other = register_policy(session, TODAYS, now)
    assert first == again != other
    with transaction(store, write=False) as session:
        rows = session.exec(select(RefundPolicyVersion).order_by(RefundPolicyVersion.id)).all()
    assert [(row.id, row.body) for row in rows] == [(first, to_json(RefundPolicy())), (other, to_json(TODAYS))]
    assert rows[0].digest == hashlib.sha256(rows[0].body.encode()).hexdigest()
    assert rows[0].created_at == now


def test_the_store_refuses_a_second_row_with_the_same_digest(store, now):
    with transaction(store) as session:
        register_policy(session, RefundPolicy(), now)
    with pytest.raises(IntegrityError), transaction(store) as session:
        session.add(RefundPolicyVersion(digest=hashlib.sha256(to_json(RefundPolicy()).encode()).hexdigest(),
                                        body="{}", created_at=now))


def test_an_order_is_decided_by_the_policy_it_was_sold_under_not_todays(store, now):
    with transaction(store) as session:
        sold_under = register_policy(session, RefundPolicy(), now)
    order_id = _order(store, now, policy_id=sold_under)
    with transaction(store) as session:
        register_policy(session, TODAYS, now)  # kiosk.toml changed after the sale
    with transaction(store, write=False) as session:
        policy = policy_of_order(session, order_id)
    assert policy == RefundPolicy()
    facts = OrderFacts(ShowtimeFacts(1, 1, now + timedelta(hours=5)), (TicketFacts(1, 5000, 300),),
                       (PaymentFacts(1, "card", 5300, "C"),))
    assert decide_refund(facts, [1], policy, now=now, channel="counter", role="cashier").back_fen == 4300
    assert decide_refund(facts, [1], TODAYS, now=now, channel="counter", role="cashier").back_fen == 2500


def test_an_order_sold_before_versions_has_none_and_an_unknown_order_is_an_error(store, now):
    order_id = _order(store, now, policy_id=None)
    with transaction(store, write=False) as session:
        assert policy_of_order(session, order_id) is None
        with pytest.raises(LookupError):
            policy_of_order(session, order_id + 1)


def test_a_damaged_stored_version_is_reported_with_a_code(store, now):
    with transaction(store) as session:
        session.add(RefundPolicyVersion(digest="0" * 64, body='{"format": 9}', created_at=now))
        session.flush()
        policy_id = session.exec(select(RefundPolicyVersion.id)).one()
    order_id = _order(store, now, policy_id=policy_id)
    with pytest.raises(BoxOfficeError) as caught, transaction(store, write=False) as session:
        policy_of_order(session, order_id)
    assert caught.value.code == "refund_policy_invalid"


def test_an_order_cannot_name_a_policy_that_does_not_exist(store, now):
    with pytest.raises(IntegrityError):
        _order(store, now, policy_id=12345)


def test_migration_0007_goes_down_and_up_again(store, now):
    with transaction(store) as session:
        policy_id = register_policy(session, replace(TODAYS, keep_service_fee=False), now)
    _order(store, now, policy_id=policy_id)
    command.downgrade(alembic_config(store), "0006")
    assert current_revision(store) == "0006"
    with store.connect() as connection:
        columns = [column["name"] for column in inspect(connection).get_columns("sale_order")]
    assert "refund_policy_id" not in columns
    command.upgrade(alembic_config(store), "head")
    assert current_revision(store) == head_revision()
