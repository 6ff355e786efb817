"""The races with real terminal processes, in one store (SQLite, or PostgreSQL under
``BOXOFFICE_TEST_DATABASE_URL``): no seat sold twice, no order without its payment, no payment without tickets, no
lock error reaching a cashier. The figures (sales per second included) are printed at the end of the run, in the
"load and fault figures" section.

- The load test (issue 8): eight processes sell random seat sets of three showtimes, every seat of the hall in play.
- The race test (issue 3): four processes sell random seat sets of ONE showtime drawn from a block of 30 seats, so
  that most sales compete for the same seats.
"""

from sqlalchemy import func, text
from sqlmodel import select

from benchmarks.sales_load import run_terminals
from db.engine import transaction
from db.models import SaleOrder, Seat, Showtime

PROCESSES = 8
SECONDS = 3.0
SHOWTIMES = 3


def test_eight_racing_terminals_never_sell_a_seat_twice(demo_store, now, tmp_path, report):
    with transaction(demo_store, write=False) as session:
        showtimes = list(session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)
                                      .order_by(Showtime.starts_at).limit(SHOWTIMES)).all())
        pool = list(session.exec(select(Seat.id).where(Seat.auditorium_id == 1, Seat.kind == "standard",
                                                       Seat.blocked == False, Seat.house == False)  # noqa: E712
                                 .order_by(Seat.id)).all())
    url = demo_store.url.render_as_string(hide_password=False)
    # The workers sell with the real clock; the showtime must still be on sale then.
    with transaction(demo_store) as session:
        for showtime in showtimes:
            session.exec(text("UPDATE showtime SET starts_at = '2099-01-01 10:00:00', "
                              "ends_at = '2099-01-01 12:00:00' WHERE id = :id").bindparams(id=showtime.id))
    shows = [showtime.id for showtime in showtimes]
    assert len(shows) == SHOWTIMES

    counts = run_terminals(url, shows, pool, processes=PROCESSES, seconds=SECONDS, max_seats=4,
                           workdir=str(tmp_path))

    with demo_store.connect() as connection:
        sold_twice = connection.exec_driver_sql(
            "SELECT count(*) FROM (SELECT showtime_id, seat_id FROM ticket WHERE status = 'valid' "
            "GROUP BY showtime_id, seat_id HAVING count(*) > 1) AS twice").scalar()
        orders_unpaid = connection.exec_driver_sql(
            "SELECT count(*) FROM sale_order o WHERE o.total_fen != "
            "(SELECT coalesce(sum(amount_fen), 0) FROM payment p WHERE p.order_id = o.id)").scalar()
        payments_without_tickets = connection.exec_driver_sql(
            "SELECT count(*) FROM payment p WHERE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.order_id = p.order_id)"
        ).scalar()
        tickets = connection.exec_driver_sql("SELECT count(*) FROM ticket").scalar()
        orders = connection.exec_driver_sql("SELECT count(*) FROM sale_order").scalar()
    sales = sum(c.sales for c in counts)
    lost = sum(c.seat_taken for c in counts)
    locked = sum(c.locked_errors for c in counts)
    other = sum(c.other_errors for c in counts)
    seconds = max(c.seconds for c in counts)
    report(f"load ({demo_store.dialect.name}): {PROCESSES} terminal processes, {len(shows)} showtimes, "
           f"{seconds:.1f} s: {sales} sales ({sales / seconds:.0f} /s), {tickets} tickets of {len(pool) * len(shows)} "
           f"seats, {lost} lost races (seat just taken), {locked} lock errors, {other} other errors; "
           f"seats sold twice: {sold_twice}, orders not fully paid: {orders_unpaid}, "
           f"payments without tickets: {payments_without_tickets}")
    assert sold_twice == 0
    assert orders_unpaid == 0 and payments_without_tickets == 0
    assert locked == 0 and other == 0
    assert sales == orders and tickets == sum(c.tickets for c in counts) and tickets <= len(pool) * len(shows)
    assert lost > 0, "the terminals did not actually compete for seats"


RACERS = 4
RACE_SECONDS = 3.0
BLOCK = 30


def test_four_terminals_racing_for_30_seats_of_one_showtime_never_sell_a_seat_twice(demo_store, now, tmp_path,
                                                                                     report):
    with transaction(demo_store, write=False) as session:
        showtime = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)
                                .order_by(Showtime.starts_at).limit(1)).one()
        pool = list(session.exec(select(Seat.id).where(Seat.auditorium_id == 1, Seat.kind == "standard",
                                                       Seat.blocked == False, Seat.house == False)  # noqa: E712
                                 .order_by(Seat.grid_row, Seat.grid_col)).all())
    block = pool[len(pool) // 2 - BLOCK // 2:][:BLOCK]  # 30 seats side by side in the middle of the hall
    assert len(block) == BLOCK
    with transaction(demo_store) as session:  # the workers sell with the real clock
        session.exec(text("UPDATE showtime SET starts_at = '2099-01-01 10:00:00', ends_at = '2099-01-01 12:00:00' "
                          "WHERE id = :id").bindparams(id=showtime.id))
    url = demo_store.url.render_as_string(hide_password=False)

    counts = run_terminals(url, [showtime.id], block, processes=RACERS, seconds=RACE_SECONDS, max_seats=4,
                           workdir=str(tmp_path))

    with demo_store.connect() as connection:
        def scalar(sql: str) -> int:
            return connection.execute(text(sql), {"show": showtime.id}).scalar_one()

        # Every claim ever sold, released or not (nothing is refunded here), and every ticket, whatever its state.
        seats_claimed_twice = scalar(
            "SELECT count(*) FROM (SELECT seat_id FROM seatclaim WHERE showtime_id = :show AND status = 'sold' "
            "GROUP BY seat_id HAVING count(*) > 1) AS twice")
        seats_ticketed_twice = scalar(
            "SELECT count(*) FROM (SELECT seat_id FROM ticket WHERE showtime_id = :show "
            "GROUP BY seat_id HAVING count(*) > 1) AS twice")
        live_sold = scalar("SELECT count(*) FROM seatclaim WHERE showtime_id = :show AND status = 'sold' "
                           "AND released_at IS NULL")
        tickets = scalar("SELECT count(*) FROM ticket WHERE showtime_id = :show AND status = 'valid'")
        tickets_without_their_claim = scalar(
            "SELECT count(*) FROM ticket t WHERE t.showtime_id = :show AND NOT EXISTS (SELECT 1 FROM seatclaim c "
            "WHERE c.id = t.claim_id AND c.seat_id = t.seat_id AND c.status = 'sold' AND c.released_at IS NULL)")
        outside_block = connection.execute(
            text("SELECT seat_id FROM ticket WHERE showtime_id = :show"), {"show": showtime.id}).scalars().all()
        orders = scalar("SELECT count(*) FROM sale_order WHERE showtime_id = :show")
        orders_unpaid = scalar(
            "SELECT count(*) FROM sale_order o WHERE o.showtime_id = :show AND o.total_fen != "
            "(SELECT coalesce(sum(amount_fen), 0) FROM payment p WHERE p.order_id = o.id)")
        orders_without_tickets = scalar(
            "SELECT count(*) FROM sale_order o WHERE o.showtime_id = :show "
            "AND NOT EXISTS (SELECT 1 FROM ticket t WHERE t.order_id = o.id)")
        payments_without_tickets = scalar(
            "SELECT count(*) FROM payment p WHERE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.order_id = p.order_id)")
        held_left = scalar("SELECT count(*) FROM seatclaim WHERE showtime_id = :show AND status = 'held' "
                           "AND released_at IS NULL")
    with transaction(demo_store, write=False) as session:  # the clock each sale started at: how long the seats lasted
        first, last = session.exec(select(func.min(SaleOrder.created_at), func.max(SaleOrder.created_at))
                                   .where(SaleOrder.showtime_id == showtime.id)).one()
    selling_ms = (last - first).total_seconds() * 1000 if first and last else 0.0
    sales = sum(c.sales for c in counts)
    attempts = sales + sum(c.seat_taken + c.locked_errors + c.other_errors for c in counts)
    lost = sum(c.seat_taken for c in counts)
    locked = sum(c.locked_errors for c in counts)
    other = sum(c.other_errors for c in counts)
    seconds = max(c.seconds for c in counts)
    report(f"race ({demo_store.dialect.name}): {RACERS} terminal processes, 1 showtime, a block of {BLOCK} seats, "
           f"{seconds:.1f} s: {attempts} sale attempts, {sales} sales, {tickets} tickets ({tickets}/{BLOCK} seats "
           f"sold, the sales within {selling_ms:.0f} ms), {lost} lost races (seat just taken), {locked} lock errors, "
           f"{other} other errors; seats sold twice: {seats_claimed_twice} (claims) / {seats_ticketed_twice} "
           f"(tickets), orders not fully paid: {orders_unpaid}, orders without tickets: {orders_without_tickets}, "
           f"payments without tickets: {payments_without_tickets}")
    assert seats_claimed_twice == 0 and seats_ticketed_twice == 0
    assert live_sold == tickets and tickets_without_their_claim == 0 and set(outside_block) <= set(block)
    assert orders_unpaid == 0 and orders_without_tickets == 0 and payments_without_tickets == 0
    assert locked == 0 and other == 0
    assert sales > 0 and sales == orders and tickets == sum(c.tickets for c in counts) <= BLOCK
    assert lost > 0, "the terminals did not actually compete for seats"
    assert held_left == 0  # every lost race gave back what its terminal held
