"""``boxoffice sms send|list`` as a technician runs them: real processes on a demo site, the log gateway by
default, and never a code or a full number on the screen."""

import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from boxoffice.pickup_codes import format_code
from boxoffice.site_keys import PICKUP_CODE_KEY_FILE, load_or_create_secret
from db.engine import make_engine
from kiosk.config import load_config
from tests.support.sales import sell

REPO = Path(__file__).resolve().parents[2]
BOXOFFICE = [sys.executable, "-c", "from kiosk.cli import boxoffice_main; boxoffice_main()"]
PHONE = "13812345678"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BOXOFFICE, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A demo site with one paid order whose pickup-code SMS waits in the outbox."""
    shutil.copy(REPO / "kiosk.toml", tmp_path / "kiosk.toml")
    assert run("demo", "--load-only", cwd=tmp_path).returncode == 0
    return tmp_path


def _sell(site: Path) -> str:
    config = load_config(site / "kiosk.toml")
    key = load_or_create_secret(config.resolve(config.security.keys_dir) / PICKUP_CODE_KEY_FILE)
    engine = make_engine(config.database_url)
    try:
        sold = sell(engine, now=datetime.now(UTC), zone=config.site.zone, key=key, phone=PHONE)
    finally:
        engine.dispose()
    assert sold.result.pickup_code is not None
    return sold.result.pickup_code


def test_sms_commands_have_help(tmp_path):
    shutil.copy(REPO / "kiosk.toml", tmp_path / "kiosk.toml")
    for command in (["sms"], ["sms", "send"], ["sms", "list"]):
        result = run(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0 and "Usage:" in result.stdout, command
    assert "--loop" in run("sms", "send", "--help", cwd=tmp_path).stdout


def test_send_delivers_through_the_log_gateway_and_list_shows_no_secrets(site):
    code = _sell(site)
    before = run("sms", "list", cwd=site)
    assert before.returncode == 0 and "138****5678" in before.stdout and "queued" in before.stdout
    sent = run("sms", "send", cwd=site)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip().endswith("1 sent, 0 to retry, 0 failed")
    assert format_code(code) in (site / "sms-outbox.log").read_text(encoding="utf-8")
    after = run("sms", "list", cwd=site)
    assert "sent" in after.stdout and "pickup_code" in after.stdout
    for output in (before.stdout, after.stdout, sent.stdout):
        assert PHONE not in output and code not in output and format_code(code) not in output
    assert run("sms", "send", cwd=site).stdout.strip().endswith("0 sent, 0 to retry, 0 failed")


def test_an_unreachable_gateway_leaves_the_message_to_retry_and_says_why(site):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = site / "kiosk.toml"
    http = f'gateway = "http"\nurl = "http://127.0.0.1:{port}/send"'
    text = config.read_text(encoding="utf-8").replace('gateway = "log"', http)
    config.write_text(text, encoding="utf-8")
    _sell(site)
    result = run("sms", "send", cwd=site)
    assert result.returncode == 0 and result.stdout.strip().endswith("0 sent, 1 to retry, 0 failed")
    listed = run("sms", "list", cwd=site).stdout
    assert "queued" in listed and "sms_gateway_unreachable" in listed


def test_list_on_an_empty_outbox(site):
    result = run("sms", "list", cwd=site)
    assert (result.returncode, result.stdout.strip()) == (0, "No SMS messages.")
