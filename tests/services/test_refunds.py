"""Refunds at the counter in a real store: seats free at once, tokens dead, money back per payment, once."""

import multiprocessing
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from boxoffice.door import DoorWindow, admit
from boxoffice.errors import BoxOfficeError
from boxoffice.holds import live_claims
from boxoffice.order_lookup import order_facts
from boxoffice.pickup import lookup
from boxoffice.refund_rules import percent_of
from boxoffice.refunds import preview_refund, refund_tickets, refunds_of_order
from db.engine import make_engine, transaction
from db.models import (
    AuditEntry,
    PrintJob,
    Refund,
    RefundPayment,
    RefundTicket,
    RevokedToken,
    SaleOrder,
    Ticket,
)
from tests.support.refunds import (
    CASHIER,
    KEY,
    POLICY,
    PUBLIC,
    SHANGHAI,
    SUPERVISOR,
    Order,
    request,
    sell_order,
    tokens_of,
)

WINDOW = DoorWindow.minutes(30, 15)


def _refund(store, req, at):
    with transaction(store) as session:
        return refund_tickets(session, req, at)


def _refused(store, req, at) -> BoxOfficeError:
    with pytest.raises(BoxOfficeError) as refused:
        _refund(store, req, at)
    return refused.value


def _counts(store):
    with transaction(store, write=False) as session:
        return tuple(session.exec(select(func.count()).select_from(table)).one()
                     for table in (Refund, RefundTicket, RefundPayment, RevokedToken, PrintJob))


def _statuses(store, order: Order):
    with transaction(store, write=False) as session:
        tickets = session.exec(select(Ticket.status).where(Ticket.order_id == order.order_id)
                               .order_by(Ticket.id)).all()
        return session.get(SaleOrder, order.order_id).status, list(tickets)


def test_a_full_refund_frees_the_seats_at_once_and_kills_tokens_and_pickup(demo_store, now):
    order = sell_order(demo_store, now)
    tokens = tokens_of(demo_store, order.ticket_ids)
    with transaction(demo_store, write=False) as session:
        seats_sold = set(live_claims(session, showtime_id=order.showtime_id, now=now))
    result = _refund(demo_store, request(order, engine=demo_store), now)

    assert (result.percent_fee_fen, result.fixed_fee_fen) == (0, 0)  # the free window: only the service fee kept
    assert result.back_fen == order.total_fen - result.kept_fee_fen
    assert result.order_refunded and not result.repeated
    assert result.cash_back_fen == result.back_fen
    assert _statuses(demo_store, order) == ("refunded", ["refunded", "refunded"])
    with transaction(demo_store, write=False) as session:
        assert seats_sold - set(live_claims(session, showtime_id=order.showtime_id, now=now)) >= {
            t.seat_id for t in session.exec(select(Ticket).where(Ticket.order_id == order.order_id))}
        job = session.get(PrintJob, result.receipt_job_id)
        assert (job.kind, job.refund_id, job.order_id) == ("refund", result.refund_id, order.order_id)
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "refund")).one()
        assert audit.subject == order.reference and '"decision": "refund_free_window"' in audit.detail
    with transaction(demo_store) as session:
        view = lookup(session, text=order.pickup_code, key=KEY, public_key=PUBLIC, now=now)
        assert view.refusal == "pickup_refunded"
        with pytest.raises(BoxOfficeError) as door:
            admit(session, text=tokens[0], public_key=PUBLIC, terminal_id="door-1",
                  now=order.starts_at - timedelta(minutes=5), window=WINDOW, halls=())
        assert door.value.code == "door_refunded"


def test_the_service_fee_is_kept_outside_a_cancelled_showtime(demo_store, now):
    order = sell_order(demo_store, now)
    with transaction(demo_store, write=False) as session:
        facts = order_facts(session, order.order_id)
    fees = sum(t.fee_fen for t in facts.tickets)
    result = _refund(demo_store, request(order, engine=demo_store), now)
    assert result.kept_fee_fen == (fees if POLICY.keep_service_fee else 0)
    assert result.back_fen == order.total_fen - result.kept_fee_fen


def test_a_partial_refund_then_the_rest_add_up(demo_store, now):
    order = sell_order(demo_store, now, seats=(1, 2, 3), methods=("card", "cash"))
    first = _refund(demo_store, request(order, order.ticket_ids[:1], key="r1", engine=demo_store), now)
    assert not first.order_refunded
    assert _statuses(demo_store, order) == ("paid", ["refunded", "valid", "valid"])
    assert (first.back_by_payment[0].method, first.back_by_payment[0].amount_fen) == ("card", 1000)  # card first
    later = now + timedelta(minutes=3)
    rest = _refund(demo_store, request(order, order.ticket_ids[1:], key="r2", engine=demo_store), later)
    assert rest.order_refunded
    assert first.back_fen + rest.back_fen == order.total_fen - first.kept_fee_fen - rest.kept_fee_fen
    by_payment: dict[int, int] = {}
    for back in first.back_by_payment + rest.back_by_payment:
        by_payment[back.payment_id] = by_payment.get(back.payment_id, 0) + back.amount_fen
    with transaction(demo_store, write=False) as session:
        facts = order_facts(session, order.order_id)
        assert len(refunds_of_order(session, order.order_id)) == 2
    paid = {p.id: p.amount_fen for p in facts.payments}
    assert all(by_payment[pid] <= paid[pid] for pid in by_payment)
    assert {b.payment_id: b.amount_fen for b in facts.earlier} == by_payment
    # A third refund of a refunded ticket is refused by the decision.
    assert _refused(demo_store, request(order, order.ticket_ids[:1], key="r3"), later).code == "refund_ticket_not_valid"


@pytest.mark.parametrize(("before", "reason", "percent_bp", "fixed"), [
    (timedelta(hours=24), "refund_free_window", 0, 0),
    (timedelta(hours=24) - timedelta(seconds=1), "refund_fee_window", 1000, 200),
    (timedelta(hours=2), "refund_fee_window", 1000, 200),
    (timedelta(hours=2) - timedelta(seconds=1), "refund_supervisor_window", 2000, 200),
])
def test_fee_windows_with_a_fixed_clock(demo_store, now, before, reason, percent_bp, fixed):
    order = sell_order(demo_store, now)
    at = order.starts_at - before
    supervised = reason == "refund_supervisor_window"
    req = request(order, engine=demo_store, approver=SUPERVISOR if supervised else None,
                  reason="customer ill" if supervised else None)
    with transaction(demo_store, write=False) as session:
        preview = preview_refund(session, order_id=order.order_id, ticket_ids=order.ticket_ids,
                                 current_policy=POLICY, now=at, role="cashier")
        facts = order_facts(session, order.order_id)
    assert preview.decision.reason == reason
    result = _refund(demo_store, req, at)
    assert result.decision == reason
    expected_percent = sum(percent_of(t.gross_fen - t.fee_fen, percent_bp) for t in facts.tickets)
    assert result.percent_fee_fen == expected_percent
    assert result.fixed_fee_fen == fixed * len(facts.tickets)
    assert result.back_fen == preview.decision.back_fen == (
        order.total_fen - result.kept_fee_fen - result.percent_fee_fen - result.fixed_fee_fen)


def test_the_supervisor_window_needs_an_approver_and_a_reason(demo_store, now):
    order = sell_order(demo_store, now)
    at = order.starts_at - timedelta(minutes=30)
    before = _counts(demo_store)
    assert _refused(demo_store, request(order, engine=demo_store, reason="ill"), at).code == "refund_approval_needed"
    assert _refused(demo_store, request(order, engine=demo_store, approver=CASHIER, reason="ill"),
                    at).code == "refund_approval_needed"
    assert _refused(demo_store, request(order, engine=demo_store, approver=SUPERVISOR), at).code == (
        "refund_reason_needed")
    assert _counts(demo_store) == before
    result = _refund(demo_store, request(order, engine=demo_store, approver=SUPERVISOR, reason="ill"), at)
    with transaction(demo_store, write=False) as session:
        row = session.get(Refund, result.refund_id)
    assert (row.approver_id, row.reason, row.decision) == (SUPERVISOR.id, "ill", "refund_supervisor_window")


def test_nothing_is_refunded_from_the_start_on(demo_store, now):
    order = sell_order(demo_store, now)
    refused = _refused(demo_store, request(order, engine=demo_store, approver=SUPERVISOR, reason="late"),
                       order.starts_at)
    assert refused.code == "refund_after_start"


def test_the_same_request_twice_refunds_once(demo_store, now):
    order = sell_order(demo_store, now, seats=(1, 2, 3))
    req = request(order, order.ticket_ids[:2], engine=demo_store)
    first = _refund(demo_store, req, now)
    after_first = _counts(demo_store)
    again = _refund(demo_store, req, now + timedelta(seconds=2))
    assert again.repeated and again.refund_id == first.refund_id and again.back_fen == first.back_fen
    assert _counts(demo_store) == after_first
    assert _statuses(demo_store, order) == ("paid", ["refunded", "refunded", "valid"])


def test_the_same_request_from_two_threads_at_once_refunds_once(demo_store, now):
    order = sell_order(demo_store, now)
    req = request(order, engine=demo_store)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def go() -> None:
        barrier.wait()
        try:
            results.append(_refund(demo_store, req, now))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.repeated for r in results) == [False, True]
    assert len({r.refund_id for r in results}) == 1
    assert _counts(demo_store)[:2] == (1, 2)


def _refund_in_process(url, req, at, barrier, out):
    req = replace(req, public_key=PUBLIC)  # keys do not pickle
    engine = make_engine(url)
    barrier.wait()
    try:
        with transaction(engine) as session:
            result = refund_tickets(session, req, at)
        out.put(("ok", result.refund_id, result.repeated))
    except BoxOfficeError as error:
        out.put(("refused", error.code, None))
    finally:
        engine.dispose()


def test_the_same_request_from_two_processes_at_once_refunds_once(demo_store, now):
    order = sell_order(demo_store, now)
    req = replace(request(order, engine=demo_store), public_key=None)
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(2), context.Queue()
    url = demo_store.url.render_as_string(hide_password=False)
    processes = [context.Process(target=_refund_in_process, args=(url, req, now, barrier, out)) for _ in range(2)]
    for process in processes:
        process.start()
    answers = [out.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert sorted(a[2] for a in answers) == [False, True]
    assert len({a[1] for a in answers}) == 1
    assert _counts(demo_store)[:2] == (1, 2)


def test_two_keys_for_the_same_tickets_refund_them_once(demo_store, now):
    order = sell_order(demo_store, now)
    _refund(demo_store, request(order, engine=demo_store, key="a"), now)
    assert _refused(demo_store, request(order, engine=demo_store, key="b"), now).code == "refund_ticket_not_valid"


def test_nothing_is_half_written_when_a_ticket_was_admitted_meanwhile(demo_store, now):
    order = sell_order(demo_store, now)
    with transaction(demo_store) as session:
        session.connection().execute(update(Ticket.__table__).where(Ticket.__table__.c.id == order.ticket_ids[1])
                                     .values(admitted_at=now, admitted_terminal="door-1"))
    before = _counts(demo_store)
    refused = _refused(demo_store, request(order, engine=demo_store), now)
    assert refused.code == "refund_ticket_admitted" and refused.params["tickets"] == [order.ticket_ids[1]]
    assert _counts(demo_store) == before
    assert _statuses(demo_store, order) == ("paid", ["valid", "valid"])
    with transaction(demo_store, write=False) as session:
        assert len(live_claims(session, showtime_id=order.showtime_id, now=now)) >= 2


def test_a_failure_after_the_first_writes_rolls_everything_back(demo_store, now, monkeypatch):
    order = sell_order(demo_store, now)
    before = _counts(demo_store)
    from boxoffice import refunds

    def broken(*args, **kwargs):
        raise BoxOfficeError("store_unavailable", "disk gone")

    monkeypatch.setattr(refunds, "queue_refund_receipt", broken)
    assert _refused(demo_store, request(order, engine=demo_store), now).code == "store_unavailable"
    assert _counts(demo_store) == before
    assert _statuses(demo_store, order) == ("paid", ["valid", "valid"])


def test_printed_tickets_must_come_back_or_a_supervisor_notes_why(demo_store, now):
    order = sell_order(demo_store, now)
    refused = _refused(demo_store, request(order, returned=False), now)
    assert refused.code == "refund_tickets_not_returned" and refused.params["count"] == 2
    # One scanned back, the other lost: a cashier's note is not enough, a supervisor's is.
    one = tokens_of(demo_store, order.ticket_ids[:1])
    assert _refused(demo_store, request(order, returned_tokens=one, not_returned_note="lost"),
                    now).code == "refund_tickets_not_returned"
    result = _refund(demo_store, request(order, returned_tokens=one, not_returned_note="lost on the bus",
                                         approver=SUPERVISOR), now)
    with transaction(demo_store, write=False) as session:
        rows = session.exec(select(RefundTicket).where(RefundTicket.refund_id == result.refund_id)
                            .order_by(RefundTicket.ticket_id)).all()
        note = session.exec(select(AuditEntry).where(AuditEntry.action == "refund.not_returned")).one()
    assert [(r.on_paper, r.returned) for r in rows] == [(True, True), (True, False)]
    assert "lost on the bus" in note.detail and "2001" in note.detail


def test_a_scanned_ticket_of_another_order_is_refused(demo_store, now):
    order = sell_order(demo_store, now)
    other = sell_order(demo_store, now, seats=(9, 10), key="sale-2")
    refused = _refused(demo_store, request(order, returned_tokens=tokens_of(demo_store, other.ticket_ids)), now)
    assert refused.code == "refund_token_not_in_refund"


def test_money_goes_back_to_card_and_mobile_with_their_references(demo_store, now):
    order = sell_order(demo_store, now, methods=("card", "mobile", "cash"))
    result = _refund(demo_store, request(order, engine=demo_store), now)
    methods = result.back_by_method()
    assert methods["mobile"] == 2000 and methods["card"] == 1000
    assert methods["cash"] == result.back_fen - 3000 == result.cash_back_fen
    with transaction(demo_store, write=False) as session:
        rows = session.exec(select(RefundPayment).where(RefundPayment.refund_id == result.refund_id)).all()
    assert {r.method: r.reference for r in rows} == {"mobile": "1" + "0" * 27, "card": "T20261204A1", "cash": None}


def test_an_order_without_a_policy_version_is_decided_by_the_current_policy(demo_store, now):
    from boxoffice.refund_policy import RefundPolicy, RefundWindow, register_policy

    strict = RefundPolicy(windows=(RefundWindow(0, percent_fee_bp=5000),))
    with transaction(demo_store) as session:
        strict_id = register_policy(session, strict, now)
    sold_strict = sell_order(demo_store, now, policy_id=strict_id)
    sold_bare = sell_order(demo_store, now, seats=(9, 10), key="sale-2")
    strict_result = _refund(demo_store, request(sold_strict, engine=demo_store, key="x"), now)
    bare_result = _refund(demo_store, request(sold_bare, engine=demo_store, key="y"), now)
    assert strict_result.decision == "refund_fee_window" and strict_result.percent_fee_fen > 0
    assert bare_result.decision == "refund_free_window"
    with transaction(demo_store, write=False) as session:
        assert session.get(Refund, strict_result.refund_id).refund_policy_id == strict_id


def test_the_refund_receipt_shows_tickets_fees_kept_and_money_back_masked(demo_store, now):
    from boxoffice.ticket_content import refund_receipt_content
    from printing import Columns, Text, receipt_document
    from printing.document import layout_lines
    from printing.spec import PrinterSpec

    order = sell_order(demo_store, now, methods=("card", "cash"))
    at = order.starts_at - timedelta(hours=5)  # the fee window
    result = _refund(demo_store, request(order, engine=demo_store), at)
    with transaction(demo_store, write=False) as session:
        content = refund_receipt_content(session, refund_id=result.refund_id, zone=SHANGHAI, cinema="星光影城")
    assert content.kind == "refund" and content.total_fen == result.back_fen
    assert [amount for _, amount in content.items] == [result.gross_fen // 2] * 2
    assert sum(amount for _, amount in content.items) - sum(a for _, a in content.deductions) == result.back_fen
    assert ("card", 1000, "**** 04A1") in content.payments
    assert content.masked_phone == "139****5678"
    spec = PrinterSpec(name="front")
    text = "\n".join(line for block in receipt_document(content, spec).blocks
                     if isinstance(block, (Text, Columns)) for line in layout_lines(block, spec.chars_per_line))
    assert "退款凭证 REFUND RECEIPT" in text and "退票手续费 Refund fee" in text and "-￥" in text
    assert "T20261204A1" not in text


def test_the_print_worker_prints_the_refund_receipt_once(demo_store, now, tmp_path):
    import time

    from boxoffice.print_worker import PrintWorker
    from printing import PrinterSpec

    order = sell_order(demo_store, now)
    result = _refund(demo_store, request(order, engine=demo_store), now)
    spec = PrinterSpec(name="front", connection="preview", path=str(tmp_path / "front"))
    worker = PrintWorker(demo_store, {"front": spec}, terminal_id="counter-1", cinema_zh="星光影城",
                         cinema_en="Starlight", zone=SHANGHAI, clock=lambda: now, poll_s=0.05)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            with transaction(demo_store, write=False) as session:
                job = session.get(PrintJob, result.receipt_job_id)
            if job.status == "printed" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        assert worker.stop()
    assert job.status == "printed"
    assert [p.name for p in (tmp_path / "front").glob("*.bin")] == [
        f"job-{job.id}-1-{order.reference}-refund-{result.refund_id}.bin"]
