"""Four real terminal processes race to sell overlapping seats of one showtime in one store (SQLite or
PostgreSQL)."""

from sqlalchemy import text
from sqlmodel import select

from benchmarks.sales_load import run_terminals
from db.engine import transaction
from db.models import Seat, Showtime


def test_racing_terminals_never_sell_a_seat_twice(demo_store, now, tmp_path):
    with transaction(demo_store, write=False) as session:
        showtime = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, Showtime.starts_at > now)
                                .order_by(Showtime.starts_at)).first()
        pool = list(session.exec(select(Seat.id).where(Seat.auditorium_id == 1, Seat.kind == "standard",
                                                       Seat.blocked == False, Seat.house == False)  # noqa: E712
                                 .order_by(Seat.id).limit(120)).all())
    url = demo_store.url.render_as_string(hide_password=False)
    # The workers sell with the real clock; the showtime must still be on sale then.
    with transaction(demo_store) as session:
        session.exec(text("UPDATE showtime SET starts_at = '2099-01-01 10:00:00', ends_at = '2099-01-01 12:00:00' "
                          "WHERE id = :id").bindparams(id=showtime.id))

    counts = run_terminals(url, [showtime.id], pool, processes=4, seconds=3.0, max_seats=4, workdir=str(tmp_path))

    with demo_store.connect() as connection:
        sold_twice = connection.execute(text(
            "SELECT count(*) FROM (SELECT seat_id FROM ticket WHERE showtime_id = :show AND status = 'valid' "
            "GROUP BY seat_id HAVING count(*) > 1) AS twice"), {"show": showtime.id}).scalar()
        orders_unpaid = connection.exec_driver_sql(
            "SELECT count(*) FROM sale_order o WHERE o.total_fen != "
            "(SELECT coalesce(sum(amount_fen), 0) FROM payment p WHERE p.order_id = o.id)").scalar()
        payments_without_tickets = connection.exec_driver_sql(
            "SELECT count(*) FROM payment p WHERE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.order_id = p.order_id)"
        ).scalar()
        tickets = connection.execute(text("SELECT count(*) FROM ticket WHERE showtime_id = :show"),
                                     {"show": showtime.id}).scalar()
        orders = connection.exec_driver_sql("SELECT count(*) FROM sale_order").scalar()
    sales = sum(c.sales for c in counts)
    lost = sum(c.seat_taken for c in counts)
    locked = sum(c.locked_errors for c in counts)
    other = sum(c.other_errors for c in counts)
    print(f"\nrace ({demo_store.dialect.name}): 4 processes, {sales} sales, {tickets} tickets, {lost} lost races "
          "(seat just taken), "
          f"{locked} 'database is locked', {other} other errors; sold twice: {sold_twice}, "
          f"orders not fully paid: {orders_unpaid}, payments without tickets: {payments_without_tickets}")
    assert sold_twice == 0
    assert orders_unpaid == 0 and payments_without_tickets == 0
    assert locked == 0 and other == 0
    assert sales == orders and tickets == sum(c.tickets for c in counts) and tickets <= len(pool)
    assert lost > 0, "the terminals did not actually compete for seats"
