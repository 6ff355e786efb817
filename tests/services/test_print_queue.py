"""The durable print queue in a real store with a fixed clock: claims, retries, recovery, reprints, moves."""

import dataclasses
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from boxoffice import print_queue as q
from boxoffice.errors import BoxOfficeError
from boxoffice.holds import hold_seats
from boxoffice.sales import SaleLine, SaleRequest, complete_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender
from boxoffice.terminals import register_terminal
from boxoffice.ticket_content import receipt_content, ticket_content, ticket_contents
from db.engine import transaction
from db.models import AuditEntry, Film, Payment, PrintJob, SaleOrder, Seat, Showtime, Ticket
from printing import PrinterSpec, Text, document_bytes, print_document, ticket_document

SHANGHAI = ZoneInfo("Asia/Shanghai")
CASHIER = StaffMember(1, "1001", "王芳", "cashier")
SUPERVISOR = StaffMember(2, "2001", "李强", "supervisor")
TERMINAL = "counter-1"
PRINTERS = ["tickets", "receipts"]
REPO = Path(__file__).resolve().parents[2]


def sell(store, now, numbers=(12, 13, 14), *, key="k1", phone=None, tenders=None, queue=True):
    """Hold and sell row F seats of Friday 19:30 in hall 1, queueing the tickets in the sale's transaction."""
    with transaction(store) as session:
        shows = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)).all()
        show = next(s for s in shows if s.starts_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M") == "12-04 19:30")
        seats = {s.number: s.id for s in session.exec(select(Seat).where(Seat.auditorium_id == 1,
                                                                          Seat.row_label == "F")).all()}
        register_terminal(session, terminal_id=TERMINAL, name="Counter 1", mode="counter", now=now)
        picked = [seats[n] for n in numbers]
        hold_seats(session, showtime_id=show.id, seat_ids=picked, terminal_id=TERMINAL, staff_id=1, now=now,
                   hold_seconds=600)
    total = 4800 * len(numbers)
    request = SaleRequest(showtime_id=show.id, lines=tuple(SaleLine(sid, "adult") for sid in picked),
                          tenders=tuple(tenders or [Tender("cash", total + 1000, tendered_fen=total + 1000)]),
                          channel="counter", terminal_id=TERMINAL, staff=CASHIER, request_key=key, phone=phone)
    with transaction(store) as session:
        result = complete_sale(session, request=request, now=now, zone=SHANGHAI, rules=SeatRules())
        jobs = q.queue_order_tickets(session, order_id=result.order_id, printer="tickets", terminal_id=TERMINAL,
                                     now=now) if queue else []
    return result, jobs


@pytest.fixture
def sold(demo_store, now):
    """A paid order of three tickets whose three print jobs are queued."""
    result, jobs = sell(demo_store, now)
    return demo_store, result, jobs


def claim(store, now, printers=("tickets",), terminal=TERMINAL):
    with transaction(store) as session:
        return q.claim_next_job(session, terminal_id=terminal, printers=list(printers), now=now)


def job(store, job_id) -> PrintJob:
    with transaction(store, write=False) as session:
        return session.get(PrintJob, job_id)


def error(store, job_id, code, now, maybe_printed=False, max_attempts=q.MAX_ATTEMPTS):
    with transaction(store) as session:
        return q.record_error(session, job_id=job_id, error_code=code, now=now, maybe_printed=maybe_printed,
                              max_attempts=max_attempts)


def printed(store, job_id, now):
    with transaction(store) as session:
        return q.mark_printed(session, job_id=job_id, now=now)


def sale_is_intact(store, result):
    with transaction(store, write=False) as session:
        order = session.get(SaleOrder, result.order_id)
        tickets = session.exec(select(Ticket).where(Ticket.order_id == result.order_id)).all()
        paid = session.exec(select(func.sum(Payment.amount_fen)).where(Payment.order_id == result.order_id)).one()
    return (order.status == "paid" and paid == order.total_fen and len(tickets) == len(result.ticket_ids)
            and all(t.status == "valid" for t in tickets))


def test_the_sale_queues_one_job_per_ticket_once(sold, now):
    store, result, jobs = sold
    assert len(jobs) == 3
    with transaction(store) as session:
        again = q.queue_order_tickets(session, order_id=result.order_id, printer="tickets", terminal_id=TERMINAL,
                                      now=now)
        rows = session.exec(select(PrintJob).order_by(PrintJob.id)).all()
    assert again == jobs
    assert [(r.kind, r.ticket_id, r.status, r.reprint, r.attempts) for r in rows] == [
        ("ticket", t, "queued", 0, 0) for t in result.ticket_ids]


def test_a_queued_job_is_claimed_then_printed(sold, now):
    store, result, jobs = sold
    taken = claim(store, now)
    assert (taken.id, taken.kind, taken.ticket_id, taken.attempts, taken.reprint) == (
        jobs[0], "ticket", result.ticket_ids[0], 1, 0)
    assert job(store, jobs[0]).status == "sending" and job(store, jobs[0]).sent_at == now
    assert printed(store, jobs[0], now + timedelta(seconds=2))
    done = job(store, jobs[0])
    assert (done.status, done.printed_at) == ("printed", now + timedelta(seconds=2))
    with transaction(store, write=False) as session:
        assert session.get(Ticket, result.ticket_ids[0]).printed_count == 1
    assert [claim(store, now).id, claim(store, now).id, claim(store, now)] == [jobs[1], jobs[2], None]


def test_only_due_jobs_of_this_terminals_printers_are_claimed(sold, now):
    store, _, _ = sold
    assert claim(store, now, printers=("receipts",)) is None
    assert claim(store, now, terminal="kiosk-2") is None  # printer names are per terminal
    assert claim(store, now - timedelta(seconds=1)) is None  # queued at `now`, not due before


def test_two_claims_never_take_the_same_job(sold, now):
    store, _, jobs = sold
    taken = [claim(store, now) for _ in range(4)]
    assert [t.id for t in taken[:3]] == jobs and taken[3] is None


_CLAIMER = """
import json, sys, time
from datetime import datetime
from db.engine import make_engine, transaction
from boxoffice.print_queue import claim_next_job
url, go, now = sys.argv[1], float(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
engine = make_engine(url)
taken = []
time.sleep(max(0.0, go - time.time()))
while True:
    with transaction(engine) as session:
        job = claim_next_job(session, terminal_id="counter-1", printers=["tickets"], now=now)
    if job is None:
        break
    taken.append(job.id)
print(json.dumps(taken))
"""


def test_two_processes_claiming_at_once_never_take_the_same_job(store, now):
    with transaction(store) as session:
        queued = [q.queue_test_page(session, printer="tickets", terminal_id=TERMINAL, now=now) for _ in range(300)]
    url = store.url.render_as_string(hide_password=False)
    go = time.time() + 3.0  # both processes have imported and connected by then
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    processes = [subprocess.Popen([sys.executable, "-c", _CLAIMER, url, str(go), now.isoformat()], cwd=REPO,
                                  env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in processes]
    assert all(p.returncode == 0 for p in processes)
    first, second = (set(r) for r in results)
    assert first.isdisjoint(second)
    assert sorted(first | second) == queued
    print(f"\nclaims: {len(first)} + {len(second)}")


def test_backoff_doubles_from_two_seconds_up_to_a_minute():
    assert [q.backoff_after(n).total_seconds() for n in range(1, 9)] == [2, 4, 8, 16, 32, 60, 60, 60]


def test_a_retried_job_waits_its_backoff_then_is_taken_again(sold, now):
    store, _, jobs = sold
    at = now
    for attempt, wait in enumerate([2, 4, 8, 16, 32, 60, 60], start=1):
        taken = claim(store, at)
        assert (taken.id, taken.attempts) == (jobs[0], attempt)
        assert error(store, jobs[0], "printer_failed", at) == "queued"
        assert job(store, jobs[0]).next_attempt_at == at + timedelta(seconds=wait)
        claim_early = claim(store, at + timedelta(seconds=wait - 1), printers=("tickets",))
        assert claim_early.id == jobs[1]  # the others are not held up by the database
        with transaction(store) as session:  # give it back untouched for the next round
            session.exec(PrintJob.__table__.update().where(PrintJob.id == jobs[1]).values(status="queued"))
        at += timedelta(seconds=wait)


def test_a_job_fails_after_max_attempts_and_the_sale_stays(sold, now):
    store, result, jobs = sold
    at = now
    for attempt in range(1, q.MAX_ATTEMPTS + 1):
        assert claim(store, at).id == jobs[0]
        status = error(store, jobs[0], "printer_failed", at)
        assert status == ("failed" if attempt == q.MAX_ATTEMPTS else "queued")
        at += timedelta(minutes=1)
    failed = job(store, jobs[0])
    assert (failed.status, failed.last_error, failed.attempts) == ("failed", "printer_failed", q.MAX_ATTEMPTS)
    assert sale_is_intact(store, result)
    with transaction(store, write=False) as session:
        views = q.jobs_needing_attention(session, now=at, fallbacks={"tickets": "receipts"})
    assert [(v.id, v.status, v.fallback) for v in views if v.id == jobs[0]] == [(jobs[0], "failed", "receipts")]


def test_a_printer_out_of_paper_keeps_the_job_waiting_without_giving_up(sold, now):
    store, result, jobs = sold
    at = now
    for _ in range(q.MAX_ATTEMPTS * 2):
        assert claim(store, at).id == jobs[0]
        assert error(store, jobs[0], "paper_out", at) == "queued"
        at += timedelta(minutes=1)
    waiting = job(store, jobs[0])
    assert (waiting.status, waiting.last_error) == ("queued", "paper_out")
    assert waiting.next_attempt_at == at - timedelta(minutes=1) + timedelta(seconds=60)
    assert sale_is_intact(store, result)


def test_after_a_crash_a_job_being_sent_becomes_uncertain_and_is_never_resent(sold, now):
    store, result, jobs = sold
    assert claim(store, now).id == jobs[0]  # ... and the terminal dies while sending
    with transaction(store) as session:
        recovered = q.recover_interrupted(session, terminal_id=TERMINAL, printers=PRINTERS, now=now)
    assert recovered == [jobs[0]]
    uncertain = job(store, jobs[0])
    assert (uncertain.status, uncertain.last_error) == ("uncertain", "print_interrupted")
    later = now + timedelta(hours=1)
    assert [claim(store, later).id, claim(store, later).id, claim(store, later)] == [jobs[1], jobs[2], None]
    with transaction(store, write=False) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "print.interrupted")).one()
        views = q.jobs_needing_attention(session, now=later)
    assert json.loads(entry.detail)["jobs"] == [jobs[0]]
    assert [(v.id, v.may_have_printed) for v in views] == [(jobs[0], True)]  # the others are being sent
    assert sale_is_intact(store, result)


def test_an_error_while_sending_makes_the_job_uncertain(sold, now):
    store, _, jobs = sold
    claim(store, now)
    assert error(store, jobs[0], "printer_failed", now, maybe_printed=True) == "uncertain"
    assert claim(store, now + timedelta(hours=1)).id == jobs[1]


def test_supervisor_actions_need_a_supervisor(sold, now):
    store, result, jobs = sold
    with transaction(store) as session:
        for action in (lambda: q.retry_job(session, job_id=jobs[0], approver=CASHIER, terminal_id=TERMINAL, now=now),
                       lambda: q.reprint_ticket(session, ticket_id=result.ticket_ids[0], printer="tickets",
                                                approver=CASHIER, reason="torn", terminal_id=TERMINAL, now=now),
                       lambda: q.move_job(session, job_id=jobs[0], to_printer="receipts", approver=CASHIER,
                                          terminal_id=TERMINAL, now=now)):
            with pytest.raises(BoxOfficeError) as refused:
                action()
            assert refused.value.code == "not_permitted"


def test_retrying_a_failed_job_sends_it_again_as_it_was(sold, now):
    store, _, jobs = sold
    claim(store, now)
    error(store, jobs[0], "printer_failed", now, max_attempts=1)
    with transaction(store) as session:
        again = q.retry_job(session, job_id=jobs[0], approver=SUPERVISOR, terminal_id=TERMINAL, now=now,
                            reason="paper reloaded")
    retried = job(store, again)
    assert (again, retried.status, retried.reprint, retried.attempts, retried.last_error) == (
        jobs[0], "queued", 0, 0, None)
    assert claim(store, now).id == jobs[0]


def test_retrying_an_uncertain_job_prints_a_numbered_reprint(sold, now):
    store, result, jobs = sold
    claim(store, now)
    error(store, jobs[0], "printer_failed", now, maybe_printed=True)
    with transaction(store) as session:
        new = q.retry_job(session, job_id=jobs[0], approver=SUPERVISOR, terminal_id=TERMINAL, now=now,
                          reason="no ticket came out")
    assert new != jobs[0]
    assert job(store, jobs[0]).status == "cancelled"
    reprint = job(store, new)
    assert (reprint.status, reprint.reprint, reprint.ticket_id, reprint.requested_by) == (
        "queued", 1, result.ticket_ids[0], SUPERVISOR.id)


def test_a_reprint_is_numbered_marked_on_paper_and_audited(sold, now, tmp_path):
    store, result, jobs = sold
    ticket_id = result.ticket_ids[1]
    for first in jobs:
        claim(store, now)
        printed(store, first, now)
    numbers = []
    for n in (1, 2):
        with transaction(store) as session:
            new = q.reprint_ticket(session, ticket_id=ticket_id, printer="tickets", approver=SUPERVISOR,
                                   reason="customer spilled tea", terminal_id=TERMINAL, now=now)
        taken = claim(store, now)
        assert taken.id == new and taken.reprint == n
        printed(store, new, now)
        numbers.append(job(store, new).reprint)
    assert numbers == [1, 2]
    spec = PrinterSpec(name="tickets", connection="preview", path=str(tmp_path / "preview"))
    with transaction(store, write=False) as session:
        content = ticket_content(session, ticket_id=ticket_id, zone=SHANGHAI, cinema_zh="星光影城",
                                 cinema_en="Starlight", reprint=2)
        assert session.get(Ticket, ticket_id).printed_count == 3
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "print.reprint")).all()
    document = ticket_document(content, spec)
    assert any(isinstance(b, Text) and "REPRINT 2" in b.text for b in document.blocks)
    print_document(spec, document, job_name="reprint-test")
    assert b"REPRINT 2" in (tmp_path / "preview" / "reprint-test.bin").read_bytes()
    assert b"REPRINT" not in document_bytes(ticket_document(dataclasses.replace(content, reprint=0), spec), spec)
    assert [json.loads(e.detail)["reprint"] for e in entries] == [1, 2]
    assert {json.loads(e.detail)["reason"] for e in entries} == {"customer spilled tea"}
    assert {e.staff_id for e in entries} == {SUPERVISOR.id}


def test_a_reprint_is_refused_while_printing_and_for_a_refunded_ticket(sold, now):
    store, result, _ = sold
    with transaction(store) as session:
        with pytest.raises(BoxOfficeError) as pending:
            q.reprint_ticket(session, ticket_id=result.ticket_ids[0], printer="tickets", approver=SUPERVISOR,
                             reason="x", terminal_id=TERMINAL, now=now)
        with pytest.raises(BoxOfficeError) as no_reason:
            q.reprint_ticket(session, ticket_id=result.ticket_ids[0], printer="tickets", approver=SUPERVISOR,
                             reason=" ", terminal_id=TERMINAL, now=now)
        session.exec(Ticket.__table__.update().where(Ticket.id == result.ticket_ids[2]).values(status="refunded"))
        with pytest.raises(BoxOfficeError) as refunded:
            q.reprint_ticket(session, ticket_id=result.ticket_ids[2], printer="tickets", approver=SUPERVISOR,
                             reason="x", terminal_id=TERMINAL, now=now)
    assert (pending.value.code, no_reason.value.code, refunded.value.code) == (
        "print_job_pending", "override_reason_missing", "print_ticket_not_valid")


def test_a_reprint_settles_the_tickets_uncertain_job(sold, now):
    store, result, jobs = sold
    claim(store, now)
    with transaction(store) as session:
        q.recover_interrupted(session, terminal_id=TERMINAL, printers=PRINTERS, now=now)
        new = q.reprint_ticket(session, ticket_id=result.ticket_ids[0], printer="tickets", approver=SUPERVISOR,
                               reason="not on paper", terminal_id=TERMINAL, now=now)
        views = q.jobs_needing_attention(session, now=now)
    assert job(store, jobs[0]).status == "cancelled" and job(store, new).reprint == 1
    assert jobs[0] not in [v.id for v in views]


def test_confirming_an_uncertain_job_counts_it_printed(sold, now):
    store, result, jobs = sold
    claim(store, now)
    with transaction(store) as session:
        q.recover_interrupted(session, terminal_id=TERMINAL, printers=PRINTERS, now=now)
        q.confirm_printed(session, job_id=jobs[0], approver=SUPERVISOR, terminal_id=TERMINAL, now=now,
                          reason="the customer has it")
        with pytest.raises(BoxOfficeError) as again:
            q.confirm_printed(session, job_id=jobs[0], approver=SUPERVISOR, terminal_id=TERMINAL, now=now)
        assert session.get(Ticket, result.ticket_ids[0]).printed_count == 1
    assert job(store, jobs[0]).status == "printed" and again.value.code == "print_job_state"


def test_a_stuck_job_moves_to_the_fallback_printer(sold, now):
    store, result, jobs = sold
    at = now
    for _ in range(q.FALLBACK_AFTER):
        claim(store, at)
        error(store, jobs[0], "printer_unreachable", at)
        at += timedelta(minutes=1)
    with transaction(store) as session:
        (view,) = [v for v in q.jobs_needing_attention(session, now=at, fallbacks={"tickets": "receipts"})
                   if v.id == jobs[0]]
        assert (view.last_error, view.fallback, view.ticket_number) == (
            "printer_unreachable", "receipts", f"{result.reference}-01")
        moved = q.move_job(session, job_id=jobs[0], to_printer=view.fallback, approver=SUPERVISOR,
                           terminal_id=TERMINAL, now=at, reason="ticket printer down")
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "print.move")).one()
    assert moved == jobs[0]
    assert claim(store, at, printers=("receipts",)).id == jobs[0]
    assert job(store, jobs[0]).printer == "receipts" and job(store, jobs[0]).reprint == 0
    detail = json.loads(entry.detail)
    assert (detail["printer_from"], detail["printer_to"], detail["reason"]) == (
        "tickets", "receipts", "ticket printer down")


def test_moving_an_uncertain_job_prints_a_reprint_on_the_other_printer(sold, now):
    store, _, jobs = sold
    claim(store, now)
    error(store, jobs[0], "printer_failed", now, maybe_printed=True)
    with transaction(store) as session:
        new = q.move_job(session, job_id=jobs[0], to_printer="receipts", approver=SUPERVISOR, terminal_id=TERMINAL,
                         now=now)
    assert (job(store, new).printer, job(store, new).reprint, job(store, jobs[0]).status) == (
        "receipts", 1, "cancelled")


def test_attention_lists_waiting_and_overdue_jobs_and_order_state_follows(sold, now):
    store, result, jobs = sold
    claim(store, now)
    printed(store, jobs[0], now)
    claim(store, now)
    error(store, jobs[1], "paper_out", now)
    with transaction(store, write=False) as session:
        soon = q.jobs_needing_attention(session, now=now + timedelta(seconds=5))
        late = q.jobs_needing_attention(session, now=now + timedelta(seconds=q.OVERDUE_S))
        state = q.order_print_state(session, result.order_id)
    assert [(v.id, v.last_error) for v in soon] == [(jobs[1], "paper_out")]
    assert [v.id for v in late] == [jobs[1], jobs[2]]
    assert state.unprinted_tickets == result.ticket_ids[1:] and not state.is_complete and state.is_pending
    assert [v.id for v in state.problems] == [jobs[1]]


def test_ticket_contents_come_from_the_store(sold, now):
    store, result, _ = sold
    with transaction(store, write=False) as session:
        contents = ticket_contents(session, order_id=result.order_id, zone=SHANGHAI, cinema_zh="星光影城",
                                   cinema_en="Starlight Cinema")
        secrets = [session.get(Ticket, t).secret for t in result.ticket_ids]
        film = session.get(Film, session.get(Showtime, session.get(SaleOrder, result.order_id).showtime_id).film_id)
    first = contents[0]
    assert [c.ticket_number for c in contents] == [f"{result.reference}-{i:02d}" for i in (1, 2, 3)]
    assert [c.seat_label for c in contents] == ["F12", "F13", "F14"]
    assert [c.qr_payload for c in contents] == secrets
    assert (first.film_zh, first.film_en, first.hall, first.row_label, first.seat_number) == (
        film.title_zh, film.title_en, "1号厅 Hall 1", "F", 12)
    assert (first.ticket_type_zh, first.ticket_type_en, first.price_fen, first.fee_fen) == ("成人", "Adult", 4500, 300)
    assert first.starts_local.strftime("%m-%d %H:%M") == "12-04 19:30"
    assert first.sold_at_local == now.astimezone(SHANGHAI) and first.terminal_name == "Counter 1"
    assert first.reprint == 0 and first.order_reference == result.reference


def test_receipt_content_masks_phone_and_payment_references(demo_store, now):
    result, _ = sell(demo_store, now, (5, 6), phone="13812341234",
                     tenders=[Tender("card", 5000, reference="A1B2C3D4"), Tender("cash", 5000, tendered_fen=5000)])
    with transaction(demo_store, write=False) as session:
        receipt = receipt_content(session, order_id=result.order_id, zone=SHANGHAI, cinema="星光影城 Starlight")
        film = session.get(Film, session.get(Showtime, session.get(SaleOrder, result.order_id).showtime_id).film_id)
    assert receipt.items == ((f"{film.title_zh} F排5座 成人", 4500), (f"{film.title_zh} F排6座 成人", 4500))
    assert (receipt.fees_fen, receipt.total_fen, receipt.change_fen) == (600, 9600, 400)
    assert receipt.payments == (("card", 5000, "**** C3D4"), ("cash", 5000, ""))
    assert receipt.masked_phone == "138****1234" and receipt.terminal_name == "Counter 1"


def test_a_job_being_sent_cannot_be_moved_retried_or_cancelled(sold, now):
    store, _, jobs = sold
    claim(store, now)
    with transaction(store) as session:
        for action in (q.retry_job, q.cancel_job):
            with pytest.raises(BoxOfficeError) as refused:
                action(session, job_id=jobs[0], approver=SUPERVISOR, terminal_id=TERMINAL, now=now)
            assert refused.value.code == "print_job_state" and refused.value.params["status"] == "sending"
        with pytest.raises(BoxOfficeError) as refused:
            q.move_job(session, job_id=jobs[0], to_printer="receipts", approver=SUPERVISOR, terminal_id=TERMINAL,
                       now=now)
        assert refused.value.code == "print_job_state"
    assert job(store, jobs[0]).status == "sending"
