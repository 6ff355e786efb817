"""``boxoffice terminal approve|decline|timeout|status``: answering the kiosk's simulated payment terminal from a
shell, as a demo or a test does (real processes)."""

import shutil
import subprocess
import sys
from pathlib import Path

from boxoffice.payment_terminal import SimulatedTerminal

REPO = Path(__file__).resolve().parents[2]
BOXOFFICE = [sys.executable, "-c", "from kiosk.cli import boxoffice_main; boxoffice_main()"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BOXOFFICE, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def test_a_command_decides_the_next_payment_and_status_says_so(tmp_path):
    shutil.copy(REPO / "kiosk.toml", tmp_path / "kiosk.toml")
    done = run("terminal", "decline", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "declined" in done.stdout
    assert (tmp_path / "payment-terminal" / "next").read_text().strip() == "decline"
    assert "Next answer: decline" in run("terminal", "status", cwd=tmp_path).stdout
    terminal = SimulatedTerminal(tmp_path / "payment-terminal", sleep=lambda _: None)
    assert terminal.charge(4800, "card", "k").outcome == "declined"
    status = run("terminal", "status", cwd=tmp_path).stdout
    assert "Next answer: approve (the default)" in status and "charge 4800 card declined" in status


def test_terminal_commands_have_help(tmp_path):
    shutil.copy(REPO / "kiosk.toml", tmp_path / "kiosk.toml")
    shown = run("terminal", "--help", cwd=tmp_path)
    assert shown.returncode == 0
    assert all(word in shown.stdout for word in ("approve", "decline", "timeout", "status"))
