"""The load test: eight real terminal processes sell random seat sets of the same showtimes for a bounded time,
in one store (SQLite, or PostgreSQL under ``BOXOFFICE_TEST_DATABASE_URL``): no seat sold twice, no order without
its payment, no payment without tickets, no lock error reaching a cashier. The figures (sales per second
included) are printed at the end of the run, in the "load and fault figures" section."""

from sqlalchemy import text
from sqlmodel import select

from benchmarks.sales_load import run_terminals
from db.engine import transaction
from db.models import Seat, Showtime

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
