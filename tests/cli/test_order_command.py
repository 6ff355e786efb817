"""``boxoffice order show`` as staff run it: a real process on a demo site prints an order's whole life in time
order, found by reference, pickup code or phone, with the phone masked and no pickup code or reference in full."""

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from boxoffice import audit
from boxoffice.print_queue import queue_order_tickets
from boxoffice.refunds import RefundRequest, refund_tickets
from boxoffice.site_keys import PICKUP_CODE_KEY_FILE, load_or_create_secret
from db.engine import make_engine, transaction
from kiosk.config import load_config
from tests.support.refunds import CASHIER, POLICY, SUPERVISOR
from tests.support.sales import sell

REPO = Path(__file__).resolve().parents[2]
BOXOFFICE = [sys.executable, "-c", "from kiosk.cli import boxoffice_main; boxoffice_main()"]
PHONE = "13812345678"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BOXOFFICE, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copy(REPO / "kiosk.toml", tmp_path / "kiosk.toml")
    assert run("demo", "--load-only", cwd=tmp_path).returncode == 0
    return tmp_path


def _life(site: Path) -> tuple[str, str]:
    """Sell one ticket with a phone (its SMS queued), print it, note an exchange, refund it with a supervisor."""
    config = load_config(site / "kiosk.toml")
    key = load_or_create_secret(config.resolve(config.security.keys_dir) / PICKUP_CODE_KEY_FILE)
    engine = make_engine(config.database_url)
    now = datetime.now(UTC)
    try:
        sold = sell(engine, now=now, zone=config.site.zone, key=key, phone=PHONE)
        order_id = sold.result.order_id
        with transaction(engine) as session:
            queue_order_tickets(session, order_id=order_id, printer="tickets", terminal_id="counter-1", now=now)
            audit.record(session, now=now + timedelta(seconds=1), terminal_id="counter-1", staff_id=1,
                         action="exchange.refused", subject=sold.result.reference, reason="exchange_too_late",
                         phone=PHONE)
        request = RefundRequest(order_id=order_id, ticket_ids=sold.result.ticket_ids, terminal_id="counter-1",
                                staff=CASHIER, request_key="cli-refund", current_policy=POLICY, approver=SUPERVISOR,
                                reason="customer ill", not_returned_note="left at home", printer="tickets")
        with transaction(engine) as session:
            refund_tickets(session, request, now + timedelta(seconds=2))
    finally:
        engine.dispose()
    assert sold.result.pickup_code is not None
    return sold.result.reference, sold.result.pickup_code


def test_order_show_has_help(tmp_path):
    shutil.copy(REPO / "kiosk.toml", tmp_path / "kiosk.toml")
    for command in (["order"], ["order", "show"]):
        result = run(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0 and "Usage:" in result.stdout, command
    assert "pickup code" in run("order", "show", "--help", cwd=tmp_path).stdout


def test_order_show_prints_the_whole_life_in_time_order_without_secrets(site):
    reference, code = _life(site)
    shown = run("order", "show", reference, cwd=site)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert f"Order {reference}  (refunded)" in out and "138****5678" in out
    assert PHONE not in out and code not in out
    kinds = [line.split()[2] for line in out.splitlines() if line[:2] == "20" and len(line.split()) > 2]
    assert kinds[0] == "sale" and "refund" in kinds and "sms" in kinds and "print" in kinds and "exchange" in kinds
    assert kinds.index("sale") < kinds.index("exchange") < kinds.index("refund")
    assert "王芳 (1001), approved by 李强 (2001)" in out and "reason: customer ill" in out
    assert "left at home" in out and "from the drawer" in out and "service fee kept" in out
    assert "exchange_too_late" in out
    assert "refund receipt" in out  # the refund's receipt is queued on the ticket printer

    by_code = run("order", "show", code, cwd=site)
    assert by_code.returncode == 0 and f"Order {reference}" in by_code.stdout and code not in by_code.stdout
    by_phone = run("order", "show", "138 1234 5678", cwd=site)
    assert by_phone.returncode == 0 and f"Order {reference}" in by_phone.stdout


def test_order_show_says_when_nothing_is_found(site):
    missing = run("order", "show", "0101-ABCDEFGH", cwd=site)
    assert missing.returncode == 1 and "No order found" in missing.stderr
    garbage = run("order", "show", "hello", cwd=site)
    assert garbage.returncode == 1 and "order reference" in garbage.stderr and "Traceback" not in garbage.stderr
