"""The store full or read-only (issue 8, "proof under load and faults"): the sale fails with words that say what
happened and what to do, nothing is half-written, and the same terminal sells once space or write access is back.

Sales go through :func:`kiosk.intents.run_intent` as the payment screen makes them (checked and priced in a read
transaction, written in a write transaction): it owns the transaction boundary and turns store errors into the
codes the screens translate. One test drives the counter's payment screen itself (Pilot): the words on the
screen, no traceback, and Enter again sells once the file is writable.

How the faults are made, for real, on SQLite:

* Full: ``PRAGMA max_page_count`` set to the store's current size, which SQLite enforces exactly as a full disk
  (SQLITE_FULL, "database or disk is full"). The pragma holds for one connection only, so a pool ``checkout``
  listener sets it on every connection the engine hands out; lifting it there is "space is back".
* Read-only: the ``.db`` file made unwritable, and the terminal opening the store afterwards (a terminal started,
  or a connection the pool replaced): SQLite then opens the file read-only and refuses every write with
  SQLITE_READONLY ("attempt to write a readonly database"). A connection opened before keeps its writable file
  handle and, in WAL mode, keeps writing into the ``-wal``, as it would with a real ``chmod``. Under root, whom
  ``chmod 0444`` does not stop (CAP_DAC_OVERRIDE), the file is made immutable with ``chattr +i`` instead (skipped
  where the file system or the container does not allow it). The ``-wal`` and ``-shm`` files stay writable: every
  reader of a WAL store writes the ``-shm`` index, which SQLite maps into memory (an immutable ``-shm`` kills a
  reader with SIGBUS), and a read-only ``.db`` is enough to make the store refuse writes.

  The terminal's engine is made after the file became read-only rather than disposed and reopened: inside one
  process SQLite hands a new connection the writable file descriptor of a closed one while other connections of
  the process (here the fixture's) hold locks on the file, which a terminal, a process of its own, would not see.
  A connection SQLite opened read-only stays read-only after write access is back; these tests found that the
  terminal then never sold again without a restart, hence :mod:`db.engine` throws such connections away.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import col, select

from boxoffice.errors import BoxOfficeError
from boxoffice.holds import hold_seats
from boxoffice.i18n import Translator
from boxoffice.sales import SaleLine, SaleRequest, SaleResult, commit_sale, prepare_sale, quote_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.tender import Tender
from db.engine import make_engine, transaction
from db.models import Seat, Showtime
from kiosk.intents import run_intent
from tests.conftest import SHANGHAI

pytestmark = pytest.mark.sqlite_only("makes a SQLite store full or its file read-only")

TERMINAL = "counter-1"
RULES = SeatRules(no_single_gaps=False)
KEY = b"store-full test pickup-code key!"
NO_LIMIT = 1073741823
"""SQLite's largest ``max_page_count`` on every version: space is back."""


class PageLimit:
    """``PRAGMA max_page_count`` on every connection an engine hands out (the pragma is per connection)."""

    def __init__(self, engine: Engine) -> None:
        self.pages = NO_LIMIT
        event.listen(engine, "checkout", self._apply)

    def _apply(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {self.pages}")


def _counts(engine: Engine) -> dict[str, Any]:
    """What a sale writes, counted; and whether the file is sound."""
    with engine.connect() as connection:
        counted = {table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                   for table in ("sale_order", "ticket", "payment", "auditentry", "print_job", "sms_message")}
        counted["claims"] = sorted(connection.exec_driver_sql(
            "SELECT status, terminal_id, count(*) FROM seatclaim WHERE released_at IS NULL "
            "GROUP BY status, terminal_id").all())
        counted["integrity"] = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    return counted


def _hold(engine: Engine, now: Any, seats: int) -> SaleRequest:
    """Hold ``seats`` seats of an evening showtime in hall 1 for the counter; the sale of them, paid in cash."""
    with transaction(engine, write=False) as session:
        showtime = session.exec(select(Showtime).where(Showtime.auditorium_id == 1, col(Showtime.starts_at) > now)
                                .order_by(col(Showtime.starts_at))).first()
        assert showtime is not None and showtime.id is not None
        seat_ids = [seat.id for seat in session.exec(select(Seat).where(
            Seat.auditorium_id == 1, Seat.kind == "standard", col(Seat.blocked).is_(False),
            col(Seat.house).is_(False)).order_by(col(Seat.id)).limit(seats)).all() if seat.id is not None]
    with transaction(engine) as session:
        hold_seats(session, showtime_id=showtime.id, seat_ids=seat_ids, terminal_id=TERMINAL, staff_id=None,
                   now=now, hold_seconds=600)
        lines = tuple(SaleLine(seat_id, "adult") for seat_id in seat_ids)
        total = quote_sale(session, showtime_id=showtime.id, lines=lines, channel="counter", zone=SHANGHAI).total_fen
    return SaleRequest(showtime_id=showtime.id, lines=lines, tenders=(Tender("cash", total, tendered_fen=total),),
                       channel="counter", terminal_id=TERMINAL, staff=None, request_key="store-fault-sale")


def _sell(engine: Engine, request: SaleRequest, now: Any) -> SaleResult:
    """The sale as the payment screen makes it: prepared in a read transaction, then written."""
    prepared = run_intent(engine, lambda session: prepare_sale(
        session, request=request, now=now, zone=SHANGHAI, rules=RULES, pickup_key=KEY), write=False,
        name="prepare sale")
    return run_intent(engine, lambda session: commit_sale(session, prepared=prepared, now=now), name="sale")


def _refused(engine: Engine, request: SaleRequest, now: Any) -> BoxOfficeError:
    with pytest.raises(BoxOfficeError) as refused:
        _sell(engine, request, now)
    return refused.value


def _held(request: SaleRequest) -> list[tuple[str, str, int]]:
    return [("held", TERMINAL, len(request.lines))]


def test_a_sale_in_a_full_store_fails_as_store_full_and_succeeds_once_space_is_back(demo_store, now):
    limit = PageLimit(demo_store)
    # A hundred tickets cannot fit in the free room of the pages a fresh demo store has: the sale needs new pages.
    request = _hold(demo_store, now, seats=100)
    before = _counts(demo_store)
    assert before["claims"] == _held(request)
    with demo_store.connect() as connection:
        limit.pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    error = _refused(demo_store, request, now)

    assert error.code == "store_full" and "full" in error.message
    assert Translator("en").error(error.code) == ("The store's disk is full: nothing was saved, no sale was made. "
                                                  "Ask a supervisor to free disk space, then try again")
    assert Translator("zh").error(error.code) == ("数据库磁盘已满：本次操作未保存，未售出任何票。"
                                                  "请联系值班经理清理磁盘空间后重试")
    assert _counts(demo_store) == before  # nothing half-written; the seats are still held, not sold
    # Reading still works while the store is full: the terminal can show showtimes and prices.
    assert run_intent(demo_store, lambda session: quote_sale(
        session, showtime_id=request.showtime_id, lines=request.lines, channel="counter", zone=SHANGHAI),
        write=False).total_fen == request.tenders[0].amount_fen

    limit.pages = NO_LIMIT
    result = _sell(demo_store, request, now)

    after = _counts(demo_store)
    assert not result.repeated and len(result.ticket_ids) == len(request.lines)
    assert (after["sale_order"], after["ticket"], after["payment"]) == (
        before["sale_order"] + 1, before["ticket"] + len(request.lines), before["payment"] + 1)
    assert after["claims"] == [("sold", TERMINAL, len(request.lines))] and after["integrity"] == "ok"


@contextmanager
def _read_only(path: Path) -> Iterator[Callable[[], None]]:
    """The file unwritable for this process until the block ends, or until the function it yields is called."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o444)

        def restore() -> None:
            path.chmod(mode)
    else:
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True, check=False)
        if made.returncode != 0:
            pytest.skip(f"running as root and chattr +i is refused here ({made.stderr.strip()}): "
                        "no way to make a file read-only for root")

        def restore() -> None:
            subprocess.run(["chattr", "-i", str(path)], check=True)

    restored = False

    def writable() -> None:
        nonlocal restored
        if not restored:
            restore()
            restored = True

    try:
        yield writable
    finally:
        writable()


def test_a_sale_in_a_read_only_store_fails_as_store_read_only_and_succeeds_once_writable(demo_store, now):
    request = _hold(demo_store, now, seats=2)
    path = Path(demo_store.url.database or "")
    before = _counts(demo_store)

    with _read_only(path):
        with pytest.raises(PermissionError):  # the file really is read-only for this process
            path.open("r+b").close()
        terminal = make_engine(demo_store.url.render_as_string(hide_password=False))  # opens the store now
        error = _refused(terminal, request, now)

        assert error.code == "store_read_only" and "readonly" in error.message
        assert Translator("en").error(error.code) == (
            "The store cannot be written (its file is read-only): nothing was saved, no sale was made. "
            "Ask a supervisor to give write access back, then try again")
        assert Translator("zh").error(error.code) == ("数据库文件为只读，无法写入：本次操作未保存，未售出任何票。"
                                                      "请联系值班经理恢复写入权限后重试")
        assert _counts(terminal) == before  # read through the read-only store: nothing half-written
        # A second try while still read-only says the same (no other error from a connection thrown away).
        assert _refused(terminal, request, now).code == "store_read_only"

    result = _sell(terminal, request, now)  # the same terminal, without a restart

    after = _counts(demo_store)
    assert not result.repeated and len(result.ticket_ids) == 2
    assert (after["sale_order"], after["ticket"], after["payment"]) == (
        before["sale_order"] + 1, before["ticket"] + 2, before["payment"] + 1)
    assert after["claims"] == [("sold", TERMINAL, 2)] and after["integrity"] == "ok"
    terminal.dispose()


def test_the_payment_screen_says_the_store_is_read_only_and_sells_once_it_is_writable(demo_store, now, tmp_path):
    from textual.widgets import Static

    from boxoffice.hall import load_hall
    from boxoffice.pricing import load_price_card, load_ticket_types
    from boxoffice.showtimes import load_showtime
    from boxoffice.staff import StaffMember
    from db.models import Staff
    from kiosk.app import BoxOfficeApp
    from kiosk.config import Config
    from kiosk.dialogs import SaleDoneDialog
    from kiosk.screens.payment_screen import PaymentScreen

    config = Config.model_validate({"source": tmp_path / "kiosk.toml"})
    path = Path(demo_store.url.database or "")

    async def body() -> None:
        # The counter starts while the file is read-only (the store refuses its start-up writes: logged, and the
        # terminal still starts) and the cashier comes to pay for seats the terminal holds.
        engine = make_engine(demo_store.url.render_as_string(hide_password=False))
        app = BoxOfficeApp(config, engine, clock=lambda: now)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            request = _hold(demo_store, now, seats=1)
            with transaction(demo_store, write=False) as session:
                show = load_showtime(session, request.showtime_id)
                hall = load_hall(session, show.auditorium_id)
                card, types = load_price_card(session, show.price_card_id), load_ticket_types(session)
                staff = session.exec(select(Staff).where(Staff.code == "1001")).one()
            seats = tuple(seat for seat in hall.seats if seat.id == request.lines[0].seat_id)
            screen = PaymentScreen(StaffMember(staff.id or 0, staff.code, staff.name, staff.role), show, seats,
                                   card, types)
            app.push_screen(screen)
            await pilot.pause()
            await pilot.press("f5", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen is screen
            assert str(screen.query_one("#pay-message", Static).render()) == (
                Translator("zh").error("store_read_only"))
            assert _counts(demo_store)["claims"] == [("held", TERMINAL, 1)]
            made_writable()
            await pilot.press("enter")  # the same screen, the same terminal: write access is back
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, SaleDoneDialog)
        engine.dispose()

    with _read_only(path) as made_writable:
        asyncio.run(body())
    assert _counts(demo_store)["claims"] == [("sold", TERMINAL, 1)]
