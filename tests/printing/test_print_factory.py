"""The printer factory: connections, status over DLE EOT against a fake network printer, coded errors, and the
python-escpos import quirks (logging, cache folder) and layering of the printing package."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from printing import PrinterError, document_bytes, print_document, read_status, ticket_document
from printing.factory import escpos_modules, make_profile, open_printer

REPO = Path(__file__).resolve().parents[2]


class FakeNetworkPrinter:
    """A raw-TCP ESC/POS printer on 127.0.0.1 that records what it receives and answers DLE EOT n."""

    def __init__(self, replies: dict[int, int] | None = None) -> None:
        self.replies = replies  # None: never answer status queries
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                while chunk := conn.recv(65536):
                    self.received += chunk
                    for n in (1, 2, 4):
                        if chunk.endswith(b"\x10\x04" + bytes((n,))) and self.replies is not None:
                            conn.sendall(bytes((self.replies[n],)))

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def fake_printer():
    printers: list[FakeNetworkPrinter] = []

    def start(replies: dict[int, int] | None = None) -> FakeNetworkPrinter:
        printers.append(FakeNetworkPrinter(replies))
        return printers[-1]

    yield start
    for printer in printers:
        printer.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ONLINE, OFFLINE = 0x12, 0x1A
PAPER_OK, PAPER_NEAR_END, PAPER_OUT = 0x12, 0x1E, 0x72
NO_CAUSE, COVER_OPEN, PAPER_END_STOP = 0x12, 0x16, 0x32


@pytest.mark.parametrize(
    "replies,online,paper,problem",
    [
        ({1: ONLINE, 2: NO_CAUSE, 4: PAPER_OK}, True, "ok", None),
        ({1: ONLINE, 2: NO_CAUSE, 4: PAPER_NEAR_END}, True, "near_end", None),
        ({1: OFFLINE, 2: PAPER_END_STOP, 4: PAPER_OUT}, False, "out", "paper_out"),
        ({1: OFFLINE, 2: COVER_OPEN, 4: PAPER_OK}, False, "ok", "cover_open"),
        ({1: OFFLINE, 2: NO_CAUSE, 4: PAPER_OK}, False, "ok", "printer_offline"),
    ],
)
def test_network_status_reads_dle_eot(fake_printer, make_spec, replies, online, paper, problem):
    printer = fake_printer(replies)
    status = read_status(make_spec(connection="network", host="127.0.0.1", port=printer.port))
    assert (status.online, status.paper, status.problem) == (online, paper, problem), status.detail


def test_status_of_a_silent_printer_is_unknown_after_the_short_timeout(fake_printer, make_spec):
    printer = fake_printer(None)
    started = time.monotonic()
    status = read_status(
        make_spec(connection="network", host="127.0.0.1", port=printer.port, status_timeout_s=0.2)
    )
    assert time.monotonic() - started < 1.5
    assert (status.online, status.paper, status.problem) == (None, "unknown", None)


def test_status_of_an_unreachable_printer_says_so(make_spec):
    status = read_status(make_spec(connection="network", host="127.0.0.1", port=free_port()))
    assert (status.online, status.problem) == (False, "printer_unreachable")


@pytest.mark.parametrize("connection", ["file", "preview", "cups"])
def test_connections_without_status_report_unknown(make_spec, tmp_path, connection):
    status = read_status(make_spec(connection=connection, path=str(tmp_path / "x")))
    assert (status.online, status.paper, status.problem) == (None, "unknown", None)


def test_network_printer_receives_exactly_the_document_bytes(fake_printer, make_spec, ticket):
    printer = fake_printer({1: ONLINE, 2: NO_CAUSE, 4: PAPER_OK})
    spec = make_spec(connection="network", host="127.0.0.1", port=printer.port)
    doc = ticket_document(ticket, spec)
    outcome = print_document(spec, doc, job_name="t1")
    deadline = time.monotonic() + 2
    while len(printer.received) < outcome.bytes_sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bytes(printer.received) == document_bytes(doc, spec)
    assert outcome.preview_png is None


def test_unreachable_network_printer_raises_before_anything_was_sent(make_spec, ticket):
    spec = make_spec(connection="network", host="127.0.0.1", port=free_port())
    with pytest.raises(PrinterError) as caught:
        print_document(spec, ticket_document(ticket, spec), job_name="t1")
    assert caught.value.code == "printer_unreachable" and not caught.value.maybe_printed


def test_file_printer_writes_the_bytes(make_spec, ticket, tmp_path):
    spec = make_spec(connection="file", path=str(tmp_path / "lp0"))
    doc = ticket_document(ticket, spec)
    print_document(spec, doc, job_name="t1")
    assert (tmp_path / "lp0").read_bytes() == document_bytes(doc, spec)


def test_missing_serial_device_is_unreachable(make_spec, tmp_path):
    with pytest.raises(PrinterError) as caught:
        open_printer(make_spec(connection="serial", device=str(tmp_path / "ttyUSB9")))
    assert caught.value.code == "printer_unreachable"


def test_missing_usb_printer_is_unreachable(make_spec):
    with pytest.raises(PrinterError) as caught:
        open_printer(make_spec(connection="usb", usb_vendor=0x0416, usb_product=0x5011))
    assert caught.value.code in ("printer_unreachable", "printer_failed")


def test_cups_without_pycups_is_a_clear_error(make_spec):
    from escpos.printer import cups

    if cups.is_usable():
        pytest.skip("pycups is installed here")
    with pytest.raises(PrinterError) as caught:
        open_printer(make_spec(connection="cups", cups_queue="tickets"))
    assert caught.value.code == "cups_missing" and "pip install pycups" in caught.value.message


def test_unknown_profile_is_a_coded_error(make_spec):
    with pytest.raises(PrinterError) as caught:
        make_profile(make_spec(profile="No-Such-Printer"))
    assert caught.value.code == "printer_failed"


def test_profiles_get_the_paper_width_without_changing_the_shared_profile(make_spec):
    narrow, wide = make_profile(make_spec(paper_mm=58)), make_profile(make_spec(paper_mm=80))
    assert narrow.profile_data["media"]["width"]["pixels"] == 384 and narrow.get_columns("a") == 32
    assert wide.profile_data["media"]["width"]["pixels"] == 576 and wide.get_columns("a") == 48
    shared = escpos_modules().capabilities.CAPABILITIES["profiles"]["TM-T20II"]
    assert shared["media"]["width"]["pixels"] == 576
    default = make_profile(make_spec(paper_mm=58, profile="default"))  # no width in python-escpos's default
    assert (
        default.profile_data["media"]["width"]["pixels"] == 384
        and default.profile_data["media"]["dpi"] == 203
    )


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    clean = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
    )


def test_python_escpos_leaves_no_stderr_handler_and_uses_one_cache_folder(tmp_path):
    code = (
        "import logging, os, sys\n"
        "root = logging.getLogger(); before = list(root.handlers)\n"
        "import printing.factory as f\n"
        "f.escpos_modules()\n"
        "from printing import PrinterSpec, document_bytes, Document, Text\n"
        "document_bytes(Document((Text('x'),)), PrinterSpec(name='p'))\n"
        "added = [h for h in root.handlers if h not in before]\n"
        "assert not added, added\n"
        "assert 'escpos.capabilities' in sys.modules\n"
        "folder = os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR']\n"
        "assert os.path.isdir(folder), folder\n"
        "print(folder)\n"
        "logging.getLogger('escpos').warning('must not reach stderr through a basicConfig handler')\n"
    )
    result = run_python(code, XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "cache" / "boxoffice" / "escpos")
    assert list((tmp_path / "cache" / "boxoffice" / "escpos").glob("*.capabilities.pickle"))
    assert (
        "WARNING:escpos" not in result.stderr
    )  # basicConfig's format; Python's last resort prints bare text


def test_printing_never_loads_the_ui_or_the_store():
    code = (
        "import sys, pkgutil, importlib, printing\n"
        "for m in pkgutil.walk_packages(printing.__path__, 'printing.'): importlib.import_module(m.name)\n"
        "from datetime import datetime\n"
        "from printing import PrinterSpec, document_bytes, render_image, test_page_document\n"
        "spec = PrinterSpec(name='p', chinese='image', qr='image')\n"
        "doc = test_page_document(spec, datetime(2026, 12, 4))\n"
        "document_bytes(doc, spec); render_image(doc, spec)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'kiosk', 'sqlmodel', "
        "'sqlalchemy', 'db', 'boxoffice'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_printing_does_not_import_python_escpos():
    result = run_python("import sys, printing; print('escpos' in sys.modules)")
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize(
    "connection,missing", [("usb", "usb_vendor and usb_product"), ("network", "host"), ("serial", "device")]
)
def test_a_printer_without_its_address_is_refused_before_opening_anything(make_spec, connection, missing):
    with pytest.raises(PrinterError) as caught:
        open_printer(make_spec(connection=connection))
    assert caught.value.code == "printer_failed" and missing in caught.value.message
