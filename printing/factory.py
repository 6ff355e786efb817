"""The one place that builds python-escpos printers, and the one place that knows the library's quirks.

python-escpos 3.1 at import time calls ``logging.basicConfig()`` (a stderr handler that would print over the
terminal UI) and, unless ``ESCPOS_CAPABILITIES_PICKLE_DIR`` is set, makes a new temporary folder per process for
its capabilities cache. Its default profile has no paper width, so images, image QR codes and centring misbehave.
Its status reads wait for a full socket/serial timeout. All of that is handled here: escpos is imported lazily
(importing ``printing`` stays cheap), with a cache folder set first and any logging handler it adds removed; every
printer gets a profile whose width matches the paper; status queries use the printer's short timeout.

Everything else in ``printing/`` receives an ``escpos.escpos.Escpos`` and uses only its API.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal

from printing.spec import PrinterSpec

if TYPE_CHECKING:
    from escpos.escpos import Escpos  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

#: Stable error codes; the UI maps them to words in the customer's and the technician's language.
ERROR_CODES: tuple[str, ...] = (
    "printer_unreachable",  # cannot connect: cable, address, power, driver
    "printer_offline",  # connected, but the printer says it is offline
    "paper_out",
    "cover_open",
    "printer_failed",  # anything else: the job broke off, a library or dependency failure
    "cups_missing",  # a cups printer is configured but pycups is not installed
)

#: Socket/USB/serial timeout while sending a job (a printer with a full buffer stalls the sender for a while).
JOB_TIMEOUT_S = 10.0


class PrinterError(Exception):
    """A printer could not be used. ``code`` is one of :data:`ERROR_CODES`.

    ``maybe_printed`` is True when bytes may have reached the printer before the failure (the job broke off
    while sending): a queue must then not resend blindly, since that can print a ticket twice.
    """

    def __init__(self, code: str, message: str, *, maybe_printed: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.maybe_printed = maybe_printed

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class PrinterStatus:
    """What a printer said about itself (``DLE EOT``), or that it could not be asked."""

    online: bool | None
    """True/False as the printer answered; None when the connection cannot ask (file, preview, cups) or no
    answer came in time."""
    paper: Literal["ok", "near_end", "out", "unknown"]
    """Roll paper sensor: near_end still prints."""
    detail: str
    """One line for the technician."""
    problem: str | None = None
    """The :data:`ERROR_CODES` code that stops printing now (``printer_unreachable``, ``printer_offline``,
    ``paper_out``, ``cover_open``), or None when nothing known stops it."""


# --- importing python-escpos ---------------------------------------------------------------------------------

_import_lock = threading.Lock()
_escpos: SimpleNamespace | None = None


def _cache_dir() -> Path:
    """An existing folder for python-escpos's capabilities pickle (shared by processes, kept between runs)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for folder in (Path(base) / "boxoffice" / "escpos", Path(tempfile.gettempdir()) / "boxoffice-escpos"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix="boxoffice-escpos-"))


def escpos_modules() -> SimpleNamespace:
    """python-escpos, imported once with its import-time side effects neutralised.

    Returns a namespace with ``printer`` (the connection classes), ``constants``, ``exceptions`` and
    ``capabilities``.
    """
    global _escpos
    if _escpos is not None:
        return _escpos
    with _import_lock:
        if _escpos is None:
            os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(_cache_dir()))
            root = logging.getLogger()
            before = list(root.handlers)
            try:
                _escpos = _import_escpos()
            finally:
                for handler in list(root.handlers):  # logging.basicConfig() in escpos.capabilities
                    if handler not in before:
                        root.removeHandler(handler)
    return _escpos


def _import_escpos() -> SimpleNamespace:
    for attempt in range(2):
        try:
            from escpos import capabilities, constants, exceptions, printer  # type: ignore[import-untyped]

            return SimpleNamespace(
                printer=printer, constants=constants, exceptions=exceptions, capabilities=capabilities
            )
        except (EOFError, pickle.UnpicklingError) as exc:  # another process is still writing the pickle
            if attempt:
                raise PrinterError("printer_failed", f"python-escpos could not start: {exc}") from exc
            time.sleep(0.2)
    raise AssertionError("unreachable")


def profile_names() -> tuple[str, ...]:
    """The python-escpos capability profile names a ``profile`` setting may use."""
    return tuple(sorted(escpos_modules().capabilities.CAPABILITIES["profiles"]))


def make_profile(spec: PrinterSpec) -> Any:
    """The spec's python-escpos profile with its paper width, DPI and font A columns set from ``paper_mm``.

    The profile data is copied first: python-escpos shares it between all printers of that profile (and
    writes into it).
    """
    caps = escpos_modules().capabilities
    profiles = caps.CAPABILITIES["profiles"]
    if spec.profile not in profiles:
        raise PrinterError("printer_failed", f"{spec.name}: unknown python-escpos profile {spec.profile!r}")
    data = _deep_copy(profiles[spec.profile])
    media = data.setdefault("media", {})
    media["width"] = {"mm": spec.paper_mm, "pixels": spec.dots_per_line}
    if not isinstance(media.get("dpi"), int):
        media["dpi"] = 203
    fonts = data.setdefault("fonts", {})
    fonts["0"] = {**fonts.get("0", {"name": "Font A"}), "columns": spec.chars_per_line}
    # Only instances of escpos's user ``Profile`` class are accepted by printers as a profile object.
    profile = caps.Profile(columns=spec.chars_per_line, features=data.get("features", {}))
    profile.profile_data = data  # an instance attribute, read by BaseProfile.__getattr__
    return profile


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


# --- building printers ---------------------------------------------------------------------------------------


def dummy_printer(spec: PrinterSpec) -> Escpos:
    """A python-escpos ``Dummy`` with the spec's profile: collects bytes in ``.output``, never fails."""
    return escpos_modules().printer.Dummy(profile=make_profile(spec))


_REQUIRED = {
    "usb": ("usb_vendor", "usb_product"),
    "network": ("host",),
    "serial": ("device",),
    "file": ("path",),
}


def open_printer(spec: PrinterSpec, *, timeout_s: float | None = None, job_name: str = "boxoffice") -> Escpos:
    """Build the python-escpos printer for ``spec`` and open its connection.

    Args:
        spec: the printer.
        timeout_s: connect/send/read timeout; default :data:`JOB_TIMEOUT_S` (status reads pass the spec's
            ``status_timeout_s``).
        job_name: the CUPS job title (other connections ignore it).

    Returns:
        An open ``Escpos``; ``preview`` gives a ``Dummy`` whose ``output`` the caller saves. Close it after use.

    Raises:
        PrinterError: ``printer_unreachable`` (cannot open), ``cups_missing``, ``printer_failed`` (a missing
            driver library, an unknown profile, or a spec without its connection's address).
    """
    m = escpos_modules()
    profile = make_profile(spec)
    timeout = JOB_TIMEOUT_S if timeout_s is None else timeout_s
    kind = spec.connection
    missing = [key for key in _REQUIRED.get(kind, ()) if getattr(spec, key) in (None, "")]
    if missing:  # e.g. pyusb with no ids would open the first USB device of any kind
        raise PrinterError("printer_failed", f"{spec.name}: a {kind} printer needs {' and '.join(missing)}")
    try:
        if kind == "preview":
            return m.printer.Dummy(profile=profile)
        if kind == "network":
            printer = m.printer.Network(
                host=spec.host or "", port=spec.port, timeout=timeout, profile=profile
            )
            printer.open()
        elif kind == "file":
            printer = m.printer.File(devfile=spec.path or "", profile=profile)
            printer.open()
        elif kind == "serial":
            printer = m.printer.Serial(
                devfile=spec.device or "", baudrate=spec.baud, timeout=timeout, profile=profile
            )
            printer.open()
        elif kind == "usb":
            printer = m.printer.Usb(
                spec.usb_vendor, spec.usb_product, timeout=int(timeout * 1000), profile=profile
            )
            printer.open()
            try:
                printer.device.default_timeout = int(timeout * 1000)  # bounds status reads too
            except AttributeError:
                pass
        elif kind == "cups":
            from escpos.printer import cups as cups_module  # type: ignore[import-untyped]

            if not cups_module.is_usable():
                raise PrinterError("cups_missing", "cups support not installed: pip install pycups")
            printer = m.printer.CupsPrinter(printer_name=spec.cups_queue or "", profile=profile)
            printer.open(job_name=job_name)
        else:  # pragma: no cover - PrinterSpec refuses other values
            raise PrinterError("printer_failed", f"{spec.name}: unknown connection {kind!r}")
    except PrinterError:
        raise
    except m.exceptions.DeviceNotFoundError as exc:
        raise PrinterError(
            "printer_unreachable", f"{spec.name} ({spec.describe()}): {_one_line(exc)}"
        ) from exc
    except RuntimeError as exc:  # python-escpos's "requires the pyserial/pyusb library" guard
        raise PrinterError("printer_failed", f"{spec.name}: {_one_line(exc)}") from exc
    except (OSError, ValueError) as exc:  # e.g. pyusb's NoBackendError when libusb is missing
        raise PrinterError(
            "printer_unreachable", f"{spec.name} ({spec.describe()}): {_one_line(exc)}"
        ) from exc
    return printer


def send_bytes(spec: PrinterSpec, data: bytes, *, job_name: str = "boxoffice") -> None:
    """Send finished ESC/POS bytes to a real printer in one write, then close the connection.

    Raises:
        PrinterError: ``printer_unreachable`` before anything was sent (``maybe_printed`` False), or
            ``printer_failed`` once sending started (``maybe_printed`` True).
    """
    printer = open_printer(spec, job_name=job_name)
    try:
        printer._raw(data)  # the abstract primitive every connection implements
        printer.close()
    except Exception as exc:
        try:
            printer.close()
        except Exception as close_exc:  # noqa: BLE001 - the first error is the one to report
            log.debug("closing %s after a failed send: %s", spec.name, close_exc)
        raise PrinterError(
            "printer_failed", f"{spec.name}: sending broke off: {_one_line(exc)}", maybe_printed=True
        ) from exc


def _one_line(exc: BaseException) -> str:
    return re.sub(r"\s+", " ", str(exc) or type(exc).__name__).strip()


# --- status --------------------------------------------------------------------------------------------------

_DLE_EOT_PRINTER = b"\x10\x04\x01"
_DLE_EOT_OFFLINE_CAUSE = b"\x10\x04\x02"
_DLE_EOT_PAPER = b"\x10\x04\x04"


def read_status(spec: PrinterSpec) -> PrinterStatus:
    """Ask the printer how it is (``DLE EOT`` 1, 2 and 4), waiting at most ``status_timeout_s`` per answer.

    Network, serial and USB printers can answer; ``file``, ``preview`` and ``cups`` cannot (online None, paper
    unknown). Never raises: a printer that cannot be reached is reported with ``problem="printer_unreachable"``.
    """
    if spec.connection in ("file", "preview", "cups"):
        return PrinterStatus(None, "unknown", f"{spec.connection} connection: status cannot be read")
    try:
        printer = open_printer(spec, timeout_s=spec.status_timeout_s)
    except PrinterError as exc:
        return PrinterStatus(False, "unknown", exc.message, problem="printer_unreachable")
    try:
        return _status_of(printer)
    finally:
        try:
            printer.close()
        except Exception as exc:  # noqa: BLE001 - closing a dead connection may fail too
            log.debug("closing %s after a status read: %s", spec.name, exc)


def _status_of(printer: Escpos) -> PrinterStatus:
    state = _query(printer, _DLE_EOT_PRINTER)
    if state is None:
        return PrinterStatus(None, "unknown", "connected, but no status answer in time")
    paper_byte = _query(printer, _DLE_EOT_PAPER)
    paper: Literal["ok", "near_end", "out", "unknown"] = "unknown"
    if paper_byte is not None:
        if paper_byte & 0x60 == 0x60:
            paper = "out"
        elif paper_byte & 0x0C == 0x0C:
            paper = "near_end"
        else:
            paper = "ok"
    if not state & 0x08:
        problem = "paper_out" if paper == "out" else None
        detail = {
            "ok": "online, paper ok",
            "near_end": "online, paper near end",
            "out": "online, paper out",
            "unknown": "online",
        }[paper]
        return PrinterStatus(True, paper, detail, problem)
    cause = _query(printer, _DLE_EOT_OFFLINE_CAUSE) or 0
    if cause & 0x04:
        return PrinterStatus(False, paper, "offline: cover open", "cover_open")
    if cause & 0x20 or paper == "out":
        return PrinterStatus(False, "out" if paper == "unknown" else paper, "offline: paper out", "paper_out")
    if cause & 0x40:
        return PrinterStatus(False, paper, "offline: printer error", "printer_offline")
    return PrinterStatus(False, paper, "offline", "printer_offline")


def _query(printer: Escpos, request: bytes) -> int | None:
    """One status byte, or None when none came within the timeout."""
    try:
        if type(printer).__name__ == "Serial":
            # Escpos._read asks pyserial for 16 bytes and so always waits the full timeout; one byte is the answer.
            printer._raw(request)
            answer = printer.device.read(1)
        else:
            answer = printer.query_status(request)
    except Exception as exc:  # noqa: BLE001 - socket.timeout, USBTimeoutError, SerialException alike
        log.debug("status query %r failed: %s", request, exc)
        return None
    return answer[0] if answer is not None and len(answer) else None
