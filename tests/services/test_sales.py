"""Completing sales in a real store with a fixed clock: one transaction, idempotent, rules enforced."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from boxoffice.errors import BoxOfficeError
from boxoffice.holds import hold_seats, live_claims
from boxoffice.sales import SaleLine, SaleRequest, complete_sale, quote_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.staff import StaffMember
from boxoffice.tender import Tender
from db.engine import transaction
from db.models import AuditEntry, Payment, SaleOrder, Seat, SeatClaim, Showtime, Ticket
from tests.support.stores import stored_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")
CASHIER = StaffMember(1, "1001", "王芳", "cashier")
SUPERVISOR = StaffMember(2, "2001", "李强", "supervisor")
RULES = SeatRules()


@pytest.fixture
def sale(demo_store, now):
    """Friday 19:30 in hall 1 (weekday evening: adult standard ¥45 + ¥3 fee) and row F's seats by number."""
    with transaction(demo_store, write=False) as session:
        showtime = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)
                                .order_by(Showtime.starts_at.desc())).all()
        evening = [s for s in showtime if s.starts_at.astimezone(SHANGHAI).strftime("%H:%M") == "19:30"
                   and s.starts_at.astimezone(SHANGHAI).date() == now.astimezone(SHANGHAI).date()][0]
        seats = {s.number: s.id for s in session.exec(select(Seat).where(Seat.auditorium_id == 1,
                                                                          Seat.row_label == "F")).all()}
    return demo_store, evening.id, seats


def _hold(store, showtime_id, seat_ids, now, terminal="counter-1", seconds=600):
    with transaction(store) as session:
        hold_seats(session, showtime_id=showtime_id, seat_ids=seat_ids, terminal_id=terminal, staff_id=1, now=now,
                   hold_seconds=seconds)


def _request(showtime_id, seat_ids, tenders, key="k1", types=None, **extra):
    lines = tuple(SaleLine(sid, (types or {}).get(sid, "adult")) for sid in seat_ids)
    return SaleRequest(showtime_id=showtime_id, lines=lines, tenders=tuple(tenders), channel="counter",
                       terminal_id="counter-1", staff=CASHIER, request_key=key, **extra)


def _sell(store, request, now, rules=RULES):
    with transaction(store) as session:
        return complete_sale(session, request=request, now=now, zone=SHANGHAI, rules=rules)


def _count(store, model):
    with transaction(store, write=False) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_cash_sale_turns_holds_into_an_order_with_tickets_payment_and_audit(sale, now):
    store, showtime_id, seats = sale
    picked = [seats[12], seats[13]]
    _hold(store, showtime_id, picked, now)
    result = _sell(store, _request(showtime_id, picked, [Tender("cash", 10000, tendered_fen=10000)]), now)
    assert result.breakdown.total_fen == 2 * (4500 + 300)
    assert result.change_fen == 10000 - 9600
    assert len(result.ticket_ids) == 2 and len(result.reference) == 13
    with transaction(store, write=False) as session:
        claims = live_claims(session, showtime_id=showtime_id, now=now + timedelta(days=1))
        order = session.exec(select(SaleOrder)).one()
        payment = session.exec(select(Payment)).one()
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "sale")).one()
    assert {claims[s].status for s in picked} == {"sold"}  # sold seats do not expire
    assert (order.total_fen, order.staff_id, order.reference) == (9600, 1, result.reference)
    assert (payment.method, payment.amount_fen, payment.tendered_fen, payment.change_fen) == ("cash", 9600, 10000, 400)
    assert audit.subject == result.reference and "F13" in audit.detail


def test_split_tender_card_and_cash(sale, now):
    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[5]], now)
    result = _sell(store, _request(showtime_id, [seats[5]], [Tender("card", 3000, reference="A1B2C3D4"),
                                                            Tender("cash", 2000, tendered_fen=2000)]), now)
    assert result.change_fen == 2000 - 1800
    with transaction(store, write=False) as session:
        rows = session.exec(select(Payment.method, Payment.amount_fen, Payment.reference)).all()
    assert sorted(rows) == [("card", 3000, "A1B2C3D4"), ("cash", 1800, None)]


def test_the_same_request_twice_sells_once(sale, now):
    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[1], seats[2]], now)
    request = _request(showtime_id, [seats[1], seats[2]], [Tender("cash", 9600, tendered_fen=9600)], key="same")
    first = _sell(store, request, now)
    again = _sell(store, request, now + timedelta(seconds=1))
    assert again.repeated and again.reference == first.reference and again.ticket_ids == first.ticket_ids
    assert _count(store, SaleOrder) == 1 and _count(store, Ticket) == 2 and _count(store, Payment) == 1


def test_short_payment_writes_nothing_and_keeps_the_seats_held(sale, now):
    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[1], seats[2]], now)
    with pytest.raises(BoxOfficeError) as caught:
        _sell(store, _request(showtime_id, [seats[1], seats[2]], [Tender("cash", 5000, tendered_fen=5000)]), now)
    assert caught.value.code == "payment_incomplete" and caught.value.params["remaining_fen"] == 4600
    assert _count(store, SaleOrder) == 0 and _count(store, Ticket) == 0 and _count(store, Payment) == 0
    with transaction(store, write=False) as session:
        claims = live_claims(session, showtime_id=showtime_id, now=now)
    assert {c.status for c in claims.values()} == {"held"} and len(claims) == 2


def test_an_expired_hold_cannot_be_sold(sale, now):
    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[1]], now, seconds=60)
    with pytest.raises(BoxOfficeError) as caught:
        _sell(store, _request(showtime_id, [seats[1]], [Tender("cash", 4800, tendered_fen=4800)]),
              now + timedelta(seconds=61))
    assert caught.value.code == "hold_lost" and caught.value.params["seats"] == ["F1"]


def test_a_single_gap_needs_a_supervisor_and_a_reason(sale, now):
    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[2]], now)  # leaves F1 alone against the aisle
    tender = [Tender("cash", 4800, tendered_fen=4800)]
    with pytest.raises(BoxOfficeError) as caught:
        _sell(store, _request(showtime_id, [seats[2]], tender), now)
    assert (caught.value.code, caught.value.params["rules"], caught.value.params["seats"]) == (
        "seat_rules", ["single_gap"], ["F1"])
    with pytest.raises(BoxOfficeError) as caught:
        _sell(store, _request(showtime_id, [seats[2]], tender, overrides=frozenset({"single_gap"}),
                              approver=SUPERVISOR), now)
    assert caught.value.code == "override_reason_missing"
    result = _sell(store, _request(showtime_id, [seats[2]], tender, overrides=frozenset({"single_gap"}),
                                   approver=SUPERVISOR, override_reason="customer asked for the aisle"), now)
    with transaction(store, write=False) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "seat_rules.override")).one()
    assert entry.subject == result.reference and "2001" in entry.detail and "aisle" in entry.detail


def test_a_cashier_cannot_override_alone(sale, now):
    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[2]], now)
    with pytest.raises(BoxOfficeError) as caught:
        _sell(store, _request(showtime_id, [seats[2]], [Tender("cash", 4800, tendered_fen=4800)],
                              overrides=frozenset({"single_gap"}), override_reason="please"), now)
    assert caught.value.code == "seat_rules"


def test_seats_held_by_another_terminal_are_not_sold(sale, now):
    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[3]], now, terminal="kiosk-2")
    with pytest.raises(BoxOfficeError) as caught:
        _sell(store, _request(showtime_id, [seats[3]], [Tender("cash", 4800, tendered_fen=4800)]), now)
    assert caught.value.code == "hold_lost"


def test_quote_prices_each_seat_by_zone_and_type(sale, now):
    store, showtime_id, seats = sale
    with transaction(store, write=False) as session:
        breakdown = quote_sale(session, showtime_id=showtime_id, channel="counter", zone=SHANGHAI,
                               lines=(SaleLine(seats[1], "adult"), SaleLine(seats[2], "student")))
        with pytest.raises(BoxOfficeError) as caught:
            quote_sale(session, showtime_id=showtime_id, channel="kiosk", zone=SHANGHAI,
                       lines=(SaleLine(seats[1], "staff"),))
    assert [line.price_fen for line in breakdown.lines] == [4500, 3500]
    assert breakdown.fees_fen == 600 and breakdown.total_fen == 8600 and breakdown.id_check_needed
    assert caught.value.code == "ticket_type_counter_only"


def test_a_price_import_is_seen_by_the_next_quote_although_cards_are_kept_per_revision(sale, now):
    from importlib import resources

    from boxoffice.pricecards import import_price_cards

    store, showtime_id, seats = sale
    lines = (SaleLine(seats[1], "adult"),)
    with transaction(store, write=False) as session:  # read (and kept) at the first revision
        assert quote_sale(session, showtime_id=showtime_id, channel="counter", zone=SHANGHAI,
                          lines=lines).lines[0].price_fen == 4500
    dearer = resources.files("boxoffice.demo").joinpath("prices.toml").read_text(encoding="utf-8").replace(
        '{ zone = "standard", type = "adult", amount_fen = 4500 }', '{ zone = "standard", type = "adult", amount_fen = 5200 }')
    assert dearer.count("5200") >= 1
    with transaction(store) as session:
        import_price_cards(session, dearer)
    with transaction(store, write=False) as session:
        assert quote_sale(session, showtime_id=showtime_id, channel="counter", zone=SHANGHAI,
                          lines=lines).lines[0].price_fen == 5200


def test_a_sale_gets_a_pickup_code_stored_only_as_a_keyed_digest_and_signed_ticket_tokens(sale, now, tmp_path):
    from boxoffice.entry_tokens import load_or_create_signing_key, verify_token
    from boxoffice.pickup import find_order_by_code
    from boxoffice.pickup_codes import is_well_formed
    from boxoffice.ticket_content import ticket_contents

    store, showtime_id, seats = sale
    key = b"k" * 32
    signing_key = load_or_create_signing_key(tmp_path / "keys")
    _hold(store, showtime_id, [seats[12], seats[13]], now)
    with transaction(store) as session:
        result = complete_sale(session, request=_request(showtime_id, [seats[12], seats[13]],
                                                         [Tender("cash", 9600, tendered_fen=9600)]),
                               now=now, zone=SHANGHAI, rules=RULES, pickup_key=key)
    assert result.pickup_code is not None and is_well_formed(result.pickup_code)
    with transaction(store, write=False) as session:
        order = session.exec(select(SaleOrder)).one()
        assert find_order_by_code(session, code_text=result.pickup_code, key=key) == result.order_id
        contents = ticket_contents(session, order_id=result.order_id, zone=SHANGHAI, cinema_zh="星光影城",
                                   cinema_en="Starlight", signing_key=signing_key)
    assert order.pickup_code_digest and result.pickup_code not in order.pickup_code_digest
    stored = stored_bytes(store)
    assert stored and result.pickup_code.encode() not in stored
    claims = [verify_token(signing_key.public_key(), content.qr_payload) for content in contents]
    assert sorted(claim.ticket_id for claim in claims) == sorted(result.ticket_ids)


def test_a_hold_that_expires_between_prepare_and_commit_sells_nothing(sale, now):
    from boxoffice.sales import commit_sale, prepare_sale

    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[5]], now, seconds=60)
    request = _request(showtime_id, [seats[5]], [Tender("cash", 4800, tendered_fen=4800)])
    with transaction(store, write=False) as session:
        prepared = prepare_sale(session, request=request, now=now, zone=SHANGHAI, rules=RULES)
    with pytest.raises(BoxOfficeError) as caught:
        with transaction(store) as session:
            commit_sale(session, prepared=prepared, now=now + timedelta(seconds=61))
    assert caught.value.code == "hold_lost"
    assert _count(store, SaleOrder) == 0 and _count(store, Ticket) == 0 and _count(store, Payment) == 0
    with transaction(store) as session:  # committed in time, the same prepared sale goes through once
        first = commit_sale(session, prepared=prepared, now=now + timedelta(seconds=30))
    with transaction(store) as session:
        again = commit_sale(session, prepared=prepared, now=now + timedelta(seconds=31))
    assert again.repeated and again.order_id == first.order_id and _count(store, SaleOrder) == 1


def test_a_sale_that_lost_one_of_its_holds_writes_nothing_and_keeps_the_other_held(sale, now):
    """The seat still held is not sold alone: on PostgreSQL the one-statement write has sold it and made its
    ticket by the time the count of sold claims says one is missing, and the rollback takes all of it back."""
    from boxoffice.holds import release_seats
    from boxoffice.sales import commit_sale, prepare_sale

    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[7], seats[8]], now)
    request = _request(showtime_id, [seats[7], seats[8]], [Tender("cash", 9600, tendered_fen=9600)])
    with transaction(store, write=False) as session:
        prepared = prepare_sale(session, request=request, now=now, zone=SHANGHAI, rules=RULES)
    with transaction(store) as session:  # the cashier's second seat is given back meanwhile
        release_seats(session, showtime_id=showtime_id, seat_ids=[seats[8]], terminal_id="counter-1", now=now)
    with pytest.raises(BoxOfficeError) as caught:
        with transaction(store) as session:
            commit_sale(session, prepared=prepared, now=now)
    assert caught.value.code == "hold_lost"
    assert [_count(store, model) for model in (SaleOrder, Ticket, Payment)] == [0, 0, 0]
    with transaction(store, write=False) as session:
        claims = live_claims(session, showtime_id=showtime_id, now=now)
        audits = session.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "sale")).one()
    assert (claims[seats[7]].status, seats[8] in claims, audits) == ("held", False, 0)


def test_a_sale_writes_each_ticket_with_its_claim_type_price_and_hand_over(sale, now):
    """The rows a sale writes, on either backend (PostgreSQL writes them in one statement)."""
    store, showtime_id, seats = sale
    picked = [seats[10], seats[9], seats[11]]  # not in seat order: tickets follow the sale's lines
    _hold(store, showtime_id, picked, now)
    types = {seats[10]: "adult", seats[9]: "child", seats[11]: "adult"}
    with transaction(store, write=False) as session:
        total = quote_sale(session, showtime_id=showtime_id, lines=tuple(SaleLine(s, types[s]) for s in picked),
                           channel="counter", zone=SHANGHAI).total_fen
    result = _sell(store, _request(showtime_id, picked, [Tender("mobile", total, reference="4200001234202612041234567890")],
                                   types=types, phone="13812341234"), now)
    with transaction(store, write=False) as session:
        tickets = {t.id: t for t in session.exec(select(Ticket)).all()}
        claims = {c.id: c for c in session.exec(select(SeatClaim)).all()}
        order = session.exec(select(SaleOrder)).one()
        payment = session.exec(select(Payment)).one()
    assert [tickets[i].seat_id for i in result.ticket_ids] == picked
    assert [line.price_fen for line in result.breakdown.lines] == [tickets[i].price_fen for i in result.ticket_ids]
    for ticket_id in result.ticket_ids:
        ticket = tickets[ticket_id]
        claim = claims[ticket.claim_id]
        assert (claim.seat_id, claim.status, claim.order_id, claim.expires_at) == (ticket.seat_id, "sold", order.id, None)
        assert (ticket.order_id, ticket.showtime_id, ticket.status, ticket.printed_count) == (
            order.id, showtime_id, "valid", 0)
        assert ticket.fee_fen == 300 and len(ticket.secret) == 32 and ticket.token_nonce
        assert ticket.picked_up_at is not None and ticket.picked_up_terminal == "counter-1"  # handed over here
    assert len({t.secret for t in tickets.values()}) == 3
    assert total < 3 * 4800 and [t.price_fen for t in tickets.values()].count(4500) == 2  # the child pays less
    assert (order.customer_phone, order.total_fen, order.channel) == ("13812341234", total, "counter")
    assert (payment.order_id, payment.method, payment.amount_fen, payment.reference, payment.change_fen) == (
        order.id, "mobile", total, "4200001234202612041234567890", None)


def test_a_pickup_code_or_reference_already_in_use_is_drawn_again_at_commit(sale, now):
    """Codes and references are drawn without a look at the store (one round trip less per sale); the order's
    INSERT meets a repeat and the sale draws again, instead of failing the cashier's sale."""
    from dataclasses import replace

    from boxoffice.pickup import find_order_by_code
    from boxoffice.sales import commit_sale, prepare_sale

    store, showtime_id, seats = sale
    key = b"k" * 32
    _hold(store, showtime_id, [seats[1]], now)
    with transaction(store) as session:
        first = complete_sale(session, request=_request(showtime_id, [seats[1]], [Tender("cash", 4800)], key="a"),
                              now=now, zone=SHANGHAI, rules=RULES, pickup_key=key)
    with transaction(store, write=False) as session:
        taken_digest = session.exec(select(SaleOrder.pickup_code_digest)).one()
    _hold(store, showtime_id, [seats[2]], now)
    with transaction(store, write=False) as session:
        prepared = prepare_sale(session, request=_request(showtime_id, [seats[2]], [Tender("cash", 4800)], key="b"),
                                now=now, zone=SHANGHAI, rules=RULES, pickup_key=key)
    # The second sale drew the first one's code and reference (as if by chance).
    collided = replace(prepared, pickup_code=first.pickup_code, pickup_digest=taken_digest,
                       reference=first.reference)
    with transaction(store) as session:
        second = commit_sale(session, prepared=collided, now=now)
    assert not second.repeated and second.order_id != first.order_id
    assert second.pickup_code not in (None, first.pickup_code) and second.reference != first.reference
    assert second.reference[:5] == first.reference[:5]  # the same day's prefix
    with transaction(store, write=False) as session:
        assert find_order_by_code(session, code_text=first.pickup_code, key=key) == first.order_id
        assert find_order_by_code(session, code_text=second.pickup_code, key=key) == second.order_id
        references = sorted(session.exec(select(SaleOrder.reference)).all())
    assert references == sorted([first.reference, second.reference])


def test_a_counter_sale_sees_a_seat_taken_beside_it_but_not_the_rest_of_the_hall(sale, now):
    """A counter sale reads the claims of its own rows only: a seat held by another terminal next to the
    selection still makes a single gap; claims in other rows are not read (and change nothing)."""
    from boxoffice.holds import claim_owners

    store, showtime_id, seats = sale
    _hold(store, showtime_id, [seats[7]], now, terminal="counter-2")  # F7, another terminal
    _hold(store, showtime_id, [seats[5]], now)  # F5 would leave F6 alone between F5 and F7
    with pytest.raises(BoxOfficeError) as caught:
        _sell(store, _request(showtime_id, [seats[5]], [Tender("cash", 4800, tendered_fen=4800)]), now)
    assert (caught.value.code, caught.value.params["rules"], caught.value.params["seats"]) == (
        "seat_rules", ["single_gap"], ["F6"])
    with transaction(store, write=False) as session:
        row_f = session.exec(select(Seat.grid_row).where(Seat.id == seats[5])).one()
        mine = claim_owners(session, showtime_id=showtime_id, now=now, grid_rows={row_f})
        other_rows = claim_owners(session, showtime_id=showtime_id, now=now, grid_rows={row_f + 1})
    assert mine == {seats[5]: ("held", "counter-1"), seats[7]: ("held", "counter-2")} and other_rows == {}
