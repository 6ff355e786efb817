"""``boxoffice import bookings`` as a scheduled job runs it: exit status per outcome, lines without codes or phones."""

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from boxoffice.pickup_codes import check_digit
from boxoffice.site_keys import PICKUP_CODE_KEY_FILE, load_or_create_secret
from db.engine import make_engine, transaction
from db.models import Showtime

REPO = Path(__file__).resolve().parents[2]
BOXOFFICE = [sys.executable, "-c", "from kiosk.cli import boxoffice_main; boxoffice_main()"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13812341234"
CODE = "987654321" + check_digit("987654321")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BOXOFFICE, *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> Path:
    """A site with the demo cinema loaded (real clock)."""
    site = tmp_path_factory.mktemp("site")
    shutil.copy(REPO / "kiosk.toml", site / "kiosk.toml")
    assert run("demo", "--load-only", cwd=site).returncode == 0
    return site


def _tomorrow_in_hall_1(site: Path) -> str:
    engine = make_engine(f"sqlite:///{site / 'boxoffice.db'}")
    day = (datetime.now(UTC).astimezone(SHANGHAI) + timedelta(days=1)).date()
    with transaction(engine, write=False) as session:
        starts = [s.starts_at.astimezone(SHANGHAI) for s in session.exec(
            select(Showtime).where(Showtime.auditorium_id == 1)).all()]
    engine.dispose()
    return min(s for s in starts if s.date() == day).strftime("%Y-%m-%dT%H:%M")


def _write(site: Path, name: str, *bookings: dict) -> str:
    (site / name).write_text(json.dumps({"platform": "maoyan", "bookings": list(bookings)}, ensure_ascii=False),
                             encoding="utf-8")
    return name


def _booking(booking_id: str, seat: str, starts: str, **extra: object) -> dict:
    return {"booking_id": booking_id, "hall": "Hall 1", "starts_at": starts,
            "seats": [{"seat": seat, "ticket_type": "adult", "price_fen": 3990, "fee_fen": 300}],
            "paid_fen": 4290, "payment_reference": f"PAY-{booking_id}", **extra}


def _no_secrets(text: str) -> None:
    assert PHONE not in text and CODE not in text and "Traceback" not in text
    assert not re.search(r"\d{3} ?\d{3} ?\d{4}", text), text  # no pickup code, ours or the platform's


def test_import_bookings_exit_status_and_output(demo_site):
    site = demo_site
    starts = _tomorrow_in_hall_1(site)
    good = _write(site, "good.json", _booking("MY1", "F5", starts, phone=PHONE),
                  _booking("MY2", "F6", starts, pickup_code=CODE))

    config = (site / "kiosk.toml").read_text(encoding="utf-8")
    assert 'keys_dir = "keys"' in config
    (site / "nokeys.toml").write_text(config.replace('keys_dir = "keys"', 'keys_dir = "no-keys"'), encoding="utf-8")
    without_keys = run("--config", "nokeys.toml", "import", "bookings", good, cwd=site)
    assert without_keys.returncode == 1 and "key file not found" in without_keys.stderr
    assert not (site / "no-keys").exists()  # not made up here: the counters would not know it

    load_or_create_secret(site / "keys" / PICKUP_CODE_KEY_FILE)  # as the counter app does on its first start

    first = run("import", "bookings", good, cwd=site)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("booking 1 (MY1): imported as ") and "phone 138****1234" in lines[0]
    assert "F5" in lines[0] and "SMS queued" in lines[0]
    assert lines[1].startswith("booking 2 (MY2): imported as ")
    assert lines[-1] == "good.json: 2 imported, 0 already imported, 0 refused"
    _no_secrets(first.stdout + first.stderr)

    again = run("import", "bookings", good, cwd=site)
    assert again.returncode == 0
    assert again.stdout.splitlines()[-1] == "good.json: 0 imported, 2 already imported, 0 refused"

    clash = _write(site, "clash.json", _booking("MY3", "F5", starts, phone=PHONE),
                   _booking("MY4", "F7", starts, phone=PHONE))
    refused = run("import", "bookings", clash, cwd=site)
    assert refused.returncode == 1
    assert "booking 1 (MY3): refused: seats F5 are taken [booking_seats_taken]" in refused.stdout
    assert refused.stdout.splitlines()[-1] == "clash.json: 1 imported, 0 already imported, 1 refused"
    _no_secrets(refused.stdout + refused.stderr)


def test_a_malformed_file_exits_2_naming_booking_and_field(demo_site):
    site = demo_site
    load_or_create_secret(site / "keys" / PICKUP_CODE_KEY_FILE)
    starts = _tomorrow_in_hall_1(site)
    bad_code = CODE[:-1] + str((int(CODE[-1]) + 1) % 10)
    name = _write(site, "bad.json", _booking("MY8", "Z99", starts, phone=PHONE),
                  _booking("MY9", "F9", starts, pickup_code=bad_code))
    result = run("import", "bookings", name, cwd=site)
    assert result.returncode == 2 and result.stdout == ""
    assert 'bad.json: booking 1 (MY8): seats[0]: unknown seat "Z99" in 1\u53f7\u5385' in result.stderr
    assert "bad.json: booking 2 (MY9): pickup_code: the check digit is wrong" in result.stderr
    assert result.stderr.splitlines()[-1] == "bad.json: 2 problems, nothing imported"
    _no_secrets(result.stderr)
    assert bad_code not in result.stderr

    (site / "broken.json").write_text('{"platform": "maoyan", "bookings": [', encoding="utf-8")
    broken = run("import", "bookings", "broken.json", cwd=site)
    assert broken.returncode == 2 and broken.stderr.startswith("broken.json:1:") and "Traceback" not in broken.stderr


def test_import_bookings_has_help(demo_site):
    result = run("import", "bookings", "--help", cwd=demo_site)
    assert result.returncode == 0 and "docs/bookings.md" in result.stdout
