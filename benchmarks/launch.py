"""Launch to first frame: from starting ``kiosk`` / ``boxoffice`` until its first screen is on the terminal.

A demo store is made in a temporary folder (``boxoffice demo --load-only`` with an empty kiosk.toml). Each
launch runs the installed console script in a pseudo-terminal of 120x40 (``TERM=xterm-256color``), reads what
the app writes and stops the clock when the first screen's own text has been painted: "Buy tickets" of the
kiosk's welcome screen, "员工登录" (staff sign-in) of the counter. No hook in the product: the time is what a
person at the terminal sees. The app is then stopped (SIGTERM, SIGKILL after 5 s).

Baseline, measured in the same run: ``python -c "import textual"`` with the same interpreter (wall time of the
process). Also reported: ``python -c "import kiosk.app"`` (the app's imports alone), to show where the time goes.
Each figure is the median of ``runs`` launches (the range is returned too).

Run alone with ``python -m benchmarks.launch``; ``python -m benchmarks`` includes it (``--only launch``).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

MARKERS = {"kiosk": "Buy tickets", "boxoffice": "员工登录"}
_ESCAPE = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")
TIMEOUT_S = 30.0


def _script(name: str) -> list[str]:
    found = Path(sys.executable).parent / name
    if found.exists():
        return [str(found)]
    entry = {"kiosk": "kiosk_main", "boxoffice": "boxoffice_main"}[name]
    return [sys.executable, "-c", f"from kiosk.cli import {entry}; {entry}()"]


def _demo(folder: Path) -> Path:
    config = folder / "kiosk.toml"
    config.write_text("")
    subprocess.run([*_script("boxoffice"), "--config", str(config), "demo", "--load-only"], check=True,
                   stdout=subprocess.DEVNULL, cwd=folder)
    return config


def first_frame_seconds(command: list[str], marker: str, cwd: Path) -> float:
    """Seconds from fork until ``marker`` has been written to the pseudo-terminal."""
    wanted = marker.encode("utf-8")
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app on a 120x40 terminal
        os.chdir(cwd)
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"})
        os.execv(command[0], command)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    elapsed = None
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if wanted in _ESCAPE.sub(b"", seen[-200_000:]):
                elapsed = time.perf_counter() - started
                break
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                select.select([fd], [], [], 0.05)
                os.read(fd, 1 << 16)  # keep the terminal drained so the app can exit
            except OSError:
                pass
            if os.waitpid(pid, os.WNOHANG)[0]:
                break
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    if elapsed is None:
        raise RuntimeError(f"{' '.join(command)}: {marker!r} not painted within {TIMEOUT_S:.0f} s")
    return elapsed


def _process_seconds(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def measure(runs: int = 5) -> dict:
    """Median and range of each launch and of the baselines, in seconds."""
    results: dict[str, list[float]] = {"kiosk": [], "boxoffice": [], "import_textual": [], "import_app": []}
    with tempfile.TemporaryDirectory(prefix="boxoffice-launch-bench-") as name:
        folder = Path(name)
        config = _demo(folder)
        for _ in range(runs):  # interleaved, so that the machine's mood falls on all alike
            results["import_textual"].append(_process_seconds("import textual"))
            results["import_app"].append(_process_seconds("import kiosk.app"))
            for app in ("kiosk", "boxoffice"):
                results[app].append(first_frame_seconds([*_script(app), "--config", str(config)], MARKERS[app],
                                                        folder))
    summary: dict = {"runs": runs}
    for key, values in results.items():
        summary[key] = statistics.median(values)
        summary[f"{key}_range"] = (min(values), max(values))
    return summary


def table_rows(r: dict) -> list[tuple[str, str, str, str, str]]:
    """Rows for ``python -m benchmarks``."""
    base = r["import_textual"]
    rows = []
    for app, screen in (("kiosk", "welcome"), ("boxoffice", "sign-in")):
        low, high = r[f"{app}_range"]
        rows.append((f"launch to first frame: {app} ({screen} screen), median of {r['runs']}",
                     f"{r[app]:.2f} s ({low:.2f}-{high:.2f})", 'python -c "import textual"', f"{base:.2f} s",
                     f"{r[app] / base:.1f}x slower"))
    low, high = r["import_app_range"]
    rows.append(("launch: python -c \"import kiosk.app\" (imports alone)", f"{r['import_app']:.2f} s ({low:.2f}-{high:.2f})",
                 'python -c "import textual"', f"{base:.2f} s", f"{r['import_app'] / base:.1f}x slower"))
    return rows


if __name__ == "__main__":
    for row in table_rows(measure()):
        print("  ".join(row))
