"""``boxoffice printer …`` as a technician runs it: real processes, the shipped config's preview printers."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[2]
BOXOFFICE = [sys.executable, "-c", "from kiosk.cli import boxoffice_main; boxoffice_main()"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BOXOFFICE, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copy(REPO / "kiosk.toml", tmp_path / "kiosk.toml")
    return tmp_path


def test_list_shows_every_configured_printer(site):
    result = run("printer", "list", cwd=site)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[1].startswith("tickets ") and "preview" in lines[1] and "receipts" in lines[1]
    assert lines[2].startswith("receipts ") and " 58 " in lines[2]


def test_test_page_on_a_preview_printer_writes_bytes_and_a_picture_whose_qr_reads(site):
    result = run("printer", "test", "receipts", cwd=site)
    assert result.returncode == 0, result.stderr
    png = Path(result.stdout.split("preview: ")[1].strip())
    assert png.exists() and png.with_suffix(".bin").stat().st_size > 1000
    picture = ImageOps.expand(Image.open(png).convert("L"), border=40, fill=255)
    texts = [code.text for code in zxingcpp.read_barcodes(picture) if code.format == zxingcpp.BarcodeFormat.QRCode]
    assert texts and texts[0].startswith("BOXOFFICE-TEST")


def test_status_of_an_unreachable_network_printer_exits_1(site):
    (site / "kiosk.toml").write_text(
        (site / "kiosk.toml").read_text(encoding="utf-8")
        + '\n[[printers]]\n# test\nname = "gone"\n# test\nconnection = "network"\n# test\nhost = "127.0.0.1"\n'
          '# test\nport = 9\n', encoding="utf-8")
    result = run("printer", "status", "gone", cwd=site)
    assert result.returncode == 1 and "gone:" in result.stdout and "Traceback" not in result.stderr
    result = run("printer", "test", "gone", cwd=site)
    assert result.returncode == 1 and "printer_unreachable" in result.stderr


def test_unknown_printer_is_named_with_the_configured_ones(site):
    result = run("printer", "status", "front", cwd=site)
    assert result.returncode == 1
    assert "no printer named 'front' (printers: tickets, receipts)" in result.stderr


def test_discover_checks_given_addresses(site):
    result = run("printer", "discover", "--network", "127.0.0.1:9", cwd=site)
    assert result.returncode == 0
    assert "USB:" in result.stdout and "network 127.0.0.1:9 (given): no answer" in result.stdout
