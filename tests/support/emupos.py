"""A real virtual ESC/POS network printer for tests: emupos, run as its own process.

`emupos <https://pypi.org/project/emupos/>`_ 0.4.0 emulates a network receipt printer at the wire level: it
listens on a TCP port, renders every completed job (ended by a cut, the connection closing or an idle timeout)
to a PNG and a text dump, answers ``DLE EOT`` status queries, and can be put into paper-near-end, paper-out,
cover-open and offline faults through its local control API. While paper-out, cover-open or offline is active
it holds the data it receives and prints it when the fault clears, as a real printer does.

emupos needs Python >= 3.13 and the project runs on 3.11, so it lives in its own virtual environment:

* :func:`ensure_emupos_env` creates that environment once (``$BOXOFFICE_EMUPOS_HOME``, else
  ``~/.cache/boxoffice/emupos-venv``) with a Python 3.13 found on the machine, and pip-installs
  :data:`EMUPOS_REQUIREMENT` into it. Later calls return at once. ``.ci/run`` calls it before pytest.
* :class:`EmuposPrinter` starts ``emupos run`` with a config of its own (one printer, no scanner: the demo
  config's keyboard scanner would type into the focused window) on free ports in a temporary folder, and stops
  it (and anything it started) on exit::

      with EmuposPrinter() as printer:
          spec = PrinterSpec(name="emu", connection="network", host=printer.host, port=printer.port)
          print_document(spec, doc, job_name="t1")
          (receipt,) = printer.wait_for_receipts(1)
          decode_qr(receipt.png)

Both raise :class:`EmuposUnavailable` when emupos cannot be installed or started; the pytest fixture
(``tests/e2e/conftest.py``) turns that into a skip on a developer's machine and a failure under CI.

Set ``BOXOFFICE_EMUPOS_KEEP=1`` to keep each printer's folder (config, ``emupos.log``, ``receipts/*.png``)
after the tests; its path is :attr:`EmuposPrinter.workdir` (``$TMPDIR/boxoffice-emupos-*``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Self

EMUPOS_REQUIREMENT = "emupos==0.4.0"
"""What is installed into the emupos environment; changing it rebuilds the environment."""
MIN_PYTHON = (3, 13)
PYENV_VERSION = "3.13.0"
"""The pyenv version tried first (``PYENV_VERSION=3.13.0 python3.13``)."""

FAULTS = ("paper-near-end", "paper-out", "cover-open", "offline")
"""emupos's printer faults. Paper-out, cover-open and offline hold print data until cleared."""

_MARKER = ".boxoffice-emupos.json"
_PIP_TIMEOUT_S = 900
_PORT_TAKEN = "; a port was taken before it could bind it"


class EmuposUnavailable(RuntimeError):
    """emupos cannot be installed or started here; the message says why and what to do."""


# --- the environment ------------------------------------------------------------------------------------------


def emupos_home() -> Path:
    """Where the emupos virtual environment lives: ``$BOXOFFICE_EMUPOS_HOME`` or ``~/.cache/boxoffice/emupos-venv``."""
    explicit = os.environ.get("BOXOFFICE_EMUPOS_HOME")
    if explicit:
        return Path(explicit).expanduser().absolute()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "boxoffice" / "emupos-venv"


def _marker() -> dict[str, str]:
    return {"requirement": EMUPOS_REQUIREMENT}


def _ready(home: Path) -> bool:
    """The environment is complete (the marker is written last) and its interpreter still exists."""
    try:
        marker = json.loads((home / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    # bin/python is a symlink to the base interpreter: if that Python was removed, rebuild.
    return (
        marker.get("requirement") == EMUPOS_REQUIREMENT
        and (home / "bin" / "emupos").is_file()
        and (home / "bin" / "python").exists()
    )


def ensure_emupos_env(home: Path | None = None) -> Path:
    """Create (once) a Python 3.13 virtual environment with emupos installed, and return its folder.

    Fast when it already exists (a few file checks). Safe to call from several processes at once: the build
    holds a file lock beside the folder. The build's output goes to ``<home>-install.log``.

    Raises:
        EmuposUnavailable: no Python >= 3.13 was found, or creating the environment or installing emupos failed.
    """
    home = emupos_home() if home is None else home
    if _ready(home):
        return home
    try:
        home.parent.mkdir(parents=True, exist_ok=True)
        lock = open(home.parent / f".{home.name}.lock", "w")  # noqa: SIM115 - held for the whole build
    except OSError as exc:
        raise EmuposUnavailable(f"cannot create {home.parent}: {exc}") from exc
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _ready(home):  # another process may have built it while this one waited
            _build(home)
    return home


def _build(home: Path) -> None:
    if home.exists():
        if not (home / "pyvenv.cfg").is_file() and any(home.iterdir()):
            raise EmuposUnavailable(
                f"{home} exists and is not a virtual environment: remove it or point BOXOFFICE_EMUPOS_HOME elsewhere"
            )
        shutil.rmtree(home)  # an unfinished or outdated environment of ours
    python = find_python313()
    log_path = home.parent / f"{home.name}-install.log"
    with open(log_path, "w", encoding="utf-8") as log:
        log.write(f"python: {python}\n")
        log.flush()
        for step, command, timeout in (
            ("create the virtual environment", [str(python), "-m", "venv", str(home)], 120),
            (
                f"pip install {EMUPOS_REQUIREMENT}",
                [
                    str(home / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--progress-bar",
                    "off",
                    EMUPOS_REQUIREMENT,
                ],
                _PIP_TIMEOUT_S,
            ),
            ("run emupos --version", [str(home / "bin" / "emupos"), "--version"], 60),
        ):
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            try:
                result = subprocess.run(
                    command,
                    check=False,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise EmuposUnavailable(f"could not {step}: {exc} (log: {log_path})") from exc
            if result.returncode != 0:
                log.flush()
                raise EmuposUnavailable(
                    f"could not {step} (exit {result.returncode}); log {log_path}:\n{_tail(log_path, 15)}"
                )
    (home / _MARKER).write_text(json.dumps(_marker()), encoding="utf-8")


def find_python313() -> Path:
    """A Python >= 3.13 interpreter: ``PYENV_VERSION=3.13.0 python3.13``, ``python3.13`` on PATH, or pyenv's.

    Returns the interpreter's real path (not a pyenv shim), so the environment does not depend on PYENV_VERSION.

    Raises:
        EmuposUnavailable: none was found; the message lists what was tried.
    """
    tried: list[str] = []
    candidates: list[tuple[str, list[str], dict[str, str]]] = []
    explicit = os.environ.get("BOXOFFICE_EMUPOS_PYTHON")
    if explicit:
        candidates.append((f"BOXOFFICE_EMUPOS_PYTHON={explicit}", [explicit], {}))
    candidates.append(
        (f"PYENV_VERSION={PYENV_VERSION} python3.13", ["python3.13"], {"PYENV_VERSION": PYENV_VERSION})
    )
    candidates.append(("python3.13", ["python3.13"], {}))
    for root in _pyenv_roots():
        for version in sorted((root / "versions").glob("3.1[3-9]*"), key=_version_key, reverse=True):
            exe = version / "bin" / "python3"
            candidates.append((str(exe), [str(exe)], {}))
    for label, command, extra_env in candidates:
        env = {**os.environ, **extra_env}
        try:
            result = subprocess.run(
                [
                    *command,
                    "-c",
                    "import sys, venv; print(sys.version_info >= (3, 13)); print(sys.executable)",
                ],
                check=False,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=30,
                env=env,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            tried.append(f"{label}: {'not found' if isinstance(exc, FileNotFoundError) else exc}")
            continue
        lines = result.stdout.split()
        if result.returncode == 0 and len(lines) == 2 and lines[0] == "True" and Path(lines[1]).is_file():
            return Path(lines[1])
        reason = (
            result.stderr.strip().splitlines() or [result.stdout.strip() or f"exit {result.returncode}"]
        )[-1]
        tried.append(f"{label}: {reason}")
    raise EmuposUnavailable(
        "emupos needs Python >= 3.13 and none was found (install one, e.g. `pyenv install 3.13`, or set "
        "BOXOFFICE_EMUPOS_PYTHON); tried: " + "; ".join(tried)
    )


def _pyenv_roots() -> list[Path]:
    roots: list[Path] = []
    try:
        out = subprocess.run(
            ["pyenv", "root"],
            check=False,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=15,
        ).stdout.strip()
        if out:
            roots.append(Path(out))
    except (OSError, subprocess.TimeoutExpired):
        pass
    for fallback in (os.environ.get("PYENV_ROOT"), os.path.join(os.path.expanduser("~"), ".pyenv")):
        if fallback and Path(fallback) not in roots:
            roots.append(Path(fallback))
    return [root for root in roots if (root / "versions").is_dir()]


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in path.name.split("."))


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- the printer ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """One job emupos completed."""

    id: str
    """emupos's receipt id, e.g. ``tickets-20261204T171555101Z-ad7a715d``."""
    png: Path
    """The job as printed (1-bit PNG, the printer's width in dots)."""
    text: str
    """emupos's text dump of the job: text lines, ``[qr PAYLOAD]`` for native QR codes. Chinese is not decoded."""
    boundary: str
    """What ended the job: ``cut``, ``idle-timeout`` or ``connection-closed``."""


def _free_ports(host: str, count: int) -> list[int]:
    """``count`` distinct ports free on ``host`` right now (the kernel's choice for port 0)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class EmuposPrinter:
    """One emupos process with one network printer, on free ports, in its own temporary folder.

    Use as a context manager (or call :meth:`start` and :meth:`stop`). Attributes after start: :attr:`host`,
    :attr:`port` (the printer), :attr:`api_url` (emupos's control API), :attr:`workdir`, :attr:`log_path`.
    """

    def __init__(
        self,
        *,
        env: Path | None = None,
        device_id: str = "tickets",
        profile: str = "epson-tm-t20iii",
        job_idle_timeout_ms: int = 500,
        start_timeout_s: float = 30.0,
        keep_files: bool | None = None,
    ) -> None:
        """
        Args:
            env: the emupos environment; default :func:`ensure_emupos_env` (built on first use).
            device_id: the printer's id in emupos (receipt file names start with it).
            profile: emupos printer profile; ``epson-tm-t20iii`` is 80 mm, 576 dots, like our TM-T20II default.
            job_idle_timeout_ms: a job without a cut completes after this much silence on its connection.
            start_timeout_s: how long ``emupos run`` may take to answer.
            keep_files: keep :attr:`workdir` after stop; default ``$BOXOFFICE_EMUPOS_KEEP``.
        """
        self.env = env
        self.device_id = device_id
        self.profile = profile
        self.job_idle_timeout_ms = job_idle_timeout_ms
        self.start_timeout_s = start_timeout_s
        self.keep_files = bool(os.environ.get("BOXOFFICE_EMUPOS_KEEP")) if keep_files is None else keep_files
        self.host = "127.0.0.1"
        self.port = 0
        self.api_port = 0
        self.workdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log = None
        self._seen: set[str] = set()

    # lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}/api/v1"

    @property
    def receipts_dir(self) -> Path:
        assert self.workdir is not None, "emupos is not started"
        return self.workdir / "receipts"

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None, "emupos is not started"
        return self.workdir / "emupos.log"

    @property
    def config_path(self) -> Path:
        assert self.workdir is not None, "emupos is not started"
        return self.workdir / "emupos.yaml"

    def start(self) -> None:
        """Start ``emupos run`` and wait until its control API and printer port answer.

        Raises:
            EmuposUnavailable: the environment cannot be built, or emupos did not start (with its log's tail).
        """
        if self._process is not None:
            raise RuntimeError("emupos is already started")
        env = ensure_emupos_env() if self.env is None else self.env
        executable = env / "bin" / "emupos"
        self.workdir = Path(tempfile.mkdtemp(prefix="boxoffice-emupos-"))
        try:
            for attempt in range(3):  # a free port can be taken by someone else before emupos binds it
                self.port, self.api_port = _free_ports(self.host, 2)
                self._write_config()
                self._spawn(executable)
                problem = self._wait_until_ready()
                if problem is None:
                    return
                self._kill()
                if _PORT_TAKEN not in problem or attempt == 2:
                    raise EmuposUnavailable(f"emupos did not start: {problem}\n{_tail(self.log_path, 20)}")
        except BaseException:
            self.stop()
            raise

    def _write_config(self) -> None:
        # JSON is YAML: no YAML writer needed on the 3.11 side.
        config = {
            "schema": 1,
            "api": {"host": self.host, "port": self.api_port},
            "devices": [
                {
                    "id": self.device_id,
                    "type": "printer",
                    "profile": self.profile,
                    "connections": [{"tcp": {"host": self.host, "port": self.port}}],
                    "job_idle_timeout_ms": self.job_idle_timeout_ms,
                    "receipts_dir": "./receipts",
                }
            ],
        }
        self.config_path.write_text(
            "# Written by tests/support/emupos.py: one network printer, no scanner.\n"
            + json.dumps(config, indent=2)
            + "\n",
            encoding="utf-8",
        )

    def _spawn(self, executable: Path) -> None:
        if self._log is None:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        env = {k: v for k, v in os.environ.items() if k != "EMUPOS_API"}
        env.update(COLUMNS="160", NO_COLOR="1", TERM="dumb", PYTHONUNBUFFERED="1")
        self._process = subprocess.Popen(
            [str(executable), "run", "--config", str(self.config_path)],
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: stop() ends it and anything it started
        )

    def _wait_until_ready(self) -> str | None:
        """None when the API and the printer port answer; else what went wrong."""
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = _tail(self.log_path, 20)
                taken = "not available" in tail or "already in use" in tail
                return f"`emupos run` exited with code {self._process.returncode}" + (
                    _PORT_TAKEN if taken else ""
                )
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1) as answer:
                    healthy = json.load(answer).get("status") == "ok"
                if healthy:
                    with socket.create_connection((self.host, self.port), timeout=1):
                        return None
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        return f"no answer on {self.api_url}/health and {self.host}:{self.port} within {self.start_timeout_s:.0f} s"

    def stop(self) -> None:
        """Stop emupos (SIGTERM to its process group, SIGKILL after 10 s) and remove its folder (unless kept)."""
        self._kill()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.workdir is not None and not self.keep_files:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        group = process.pid  # start_new_session: the group id is emupos's pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)  # anything of the group still left

    # the control API

    def _call(self, method: str, path: str) -> object:
        request = urllib.request.Request(f"{self.api_url}{path}", method=method)
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                body = answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise RuntimeError(f"emupos {method} {path}: HTTP {exc.code}: {detail}") from exc
        return json.loads(body) if body else None

    @staticmethod
    def _fault_name(kind: str) -> str:
        name = kind.replace("_", "-")
        if name not in FAULTS:
            raise ValueError(f"unknown emupos fault {kind!r}; faults: {', '.join(FAULTS)}")
        return name

    def set_fault(self, kind: str) -> None:
        """Activate a fault: ``paper_near_end``, ``paper_out``, ``cover_open`` or ``offline`` (``-`` works too).

        Status queries answer at once; while paper-out, cover-open or offline is active, print data is held.
        """
        self._call("PUT", f"/devices/{self.device_id}/faults/{self._fault_name(kind)}")

    def clear_fault(self, kind: str) -> None:
        """Clear one fault; when no blocking fault is left, held print data is printed."""
        self._call("DELETE", f"/devices/{self.device_id}/faults/{self._fault_name(kind)}")

    def clear_faults(self) -> None:
        """Clear every fault."""
        for fault in self.faults():
            self.clear_fault(fault)

    def faults(self) -> list[str]:
        """The active faults, as emupos names them (``paper-out``)."""
        device = self._call("GET", f"/devices/{self.device_id}")
        assert isinstance(device, dict)
        return list(device["state"]["faults"])

    # receipts

    def receipts(self) -> list[Receipt]:
        """Jobs completed since the start (or the last :meth:`reset`), oldest first."""
        listed = self._call("GET", f"/devices/{self.device_id}/receipts")
        assert isinstance(listed, list)
        found = []
        for info in reversed(listed):  # emupos lists newest first
            receipt_id = info["id"]
            if receipt_id in self._seen:
                continue
            found.append(
                Receipt(
                    id=receipt_id,
                    png=self.receipts_dir / f"{receipt_id}.png",
                    text=(self.receipts_dir / f"{receipt_id}.txt").read_text(encoding="utf-8"),
                    boundary=info["boundary"],
                )
            )
        return found

    def wait_for_receipts(self, n: int, timeout: float = 10.0) -> list[Receipt]:
        """Wait until at least ``n`` receipts exist (see :meth:`receipts`) and return them all.

        Raises:
            AssertionError: fewer after ``timeout`` seconds (with the active faults and emupos's log).
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.receipts()
            if len(found) >= n or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        if len(found) < n:
            raise AssertionError(
                f"emupos completed {len(found)} of {n} expected receipts within {timeout} s; "
                f"faults {self.faults()}; log:\n{_tail(self.log_path, 15)}"
            )
        return found

    def reset(self) -> None:
        """Clear all faults and forget the receipts so far (their files stay): for the next test."""
        self.clear_faults()
        self._seen.update(r.id for r in self.receipts())

    def log_tail(self, lines: int = 30) -> str:
        """The end of emupos's event log (connections, jobs, faults)."""
        return _tail(self.log_path, lines)


def read_codes(png: Path, *, border: int = 32) -> list[tuple[str, str]]:
    """Every QR code and barcode in a picture, top to bottom, as (format, text): ``("QRCode", "T1.…")``,
    ``("Code128", "BOX-12345")``. Read with zxing-cpp (a test dependency of the project).

    A white border is added first: emupos's and our pictures put a code's quiet zone at the paper's edge.
    """
    import zxingcpp
    from PIL import Image, ImageOps

    with Image.open(png) as image:
        framed = ImageOps.expand(image.convert("L"), border=border, fill=255)
    results = sorted(zxingcpp.read_barcodes(framed), key=lambda r: r.position.top_left.y)
    return [(r.format.name, r.text) for r in results]


def decode_qr(png: Path) -> list[str]:
    """The texts of the QR codes in a picture, top to bottom (see :func:`read_codes`)."""
    return [text for kind, text in read_codes(png) if kind == "QRCode"]


if __name__ == "__main__":  # python -m tests.support.emupos: build the environment, print where it is
    started = time.monotonic()
    try:
        where = ensure_emupos_env()
    except EmuposUnavailable as exc:
        print(f"emupos: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"emupos environment: {where} ({time.monotonic() - started:.1f} s)")
