"""Tickets on paper: layout, ESC/POS bytes through python-escpos, PNG previews, printer status.

This package never sees a database row and imports neither the UI (textual, rich, kiosk) nor the store
(sqlmodel, db): it receives frozen dataclasses and returns bytes, pictures and coded errors. The durable print
queue and the technician screens build on this API:

* :class:`PrinterSpec` - one configured printer (``kiosk/config.py`` converts a ``[[printers]]`` table).
* :func:`ticket_document`, :func:`tickets_document`, :func:`receipt_document`, :func:`pickup_slip_document`,
  :func:`test_page_document` - content (frozen dataclasses) to a :class:`Document`.
* :func:`print_document` - send a document to a printer (or the preview folder); :class:`PrintOutcome`.
* :func:`document_bytes` - the ESC/POS bytes alone; :func:`render_png` - the picture alone.
* :func:`read_status` - ask a printer how it is (:class:`PrinterStatus`, never raises).
* :class:`PrinterError` - ``code`` (see :data:`ERROR_CODES`), ``message``, ``maybe_printed``.

python-escpos itself is imported only when a printer is first built (see :mod:`printing.factory`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from printing.document import QR, Barcode, Columns, Cut, Document, Feed, Image, Rule, Text
from printing.escpos_out import document_bytes, kick_drawer, write_document
from printing.factory import (
    ERROR_CODES,
    PrinterError,
    PrinterStatus,
    open_printer,
    read_status,
    send_bytes,
)
from printing.render import render_image, render_png
from printing.spec import PrinterSpec
from printing.test_page import test_page_document
from printing.tickets import (
    PickupSlipContent,
    ReceiptContent,
    TicketContent,
    pickup_slip_document,
    receipt_document,
    ticket_document,
    tickets_document,
    yuan,
)

__all__ = [
    "ERROR_CODES",
    "QR",
    "Barcode",
    "Columns",
    "Cut",
    "Document",
    "Feed",
    "Image",
    "PickupSlipContent",
    "PrintOutcome",
    "PrinterError",
    "PrinterSpec",
    "PrinterStatus",
    "ReceiptContent",
    "Rule",
    "Text",
    "TicketContent",
    "document_bytes",
    "kick_drawer",
    "open_printer",
    "pickup_slip_document",
    "preview_paths",
    "print_document",
    "read_status",
    "receipt_document",
    "render_image",
    "render_png",
    "test_page_document",
    "ticket_document",
    "tickets_document",
    "write_document",
    "yuan",
]


@dataclass(frozen=True)
class PrintOutcome:
    """What :func:`print_document` did."""

    bytes_sent: int
    """Size of the ESC/POS job (written to the ``.bin`` file for ``preview``)."""
    preview_png: Path | None
    """The picture of the job (``preview`` connection only)."""


def _safe_name(job_name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", job_name).strip("._")
    if not name:
        raise ValueError(f"job name {job_name!r} has no usable characters")
    return name[:120]


def preview_paths(spec: PrinterSpec, job_name: str) -> tuple[Path, Path]:
    """Where a ``preview`` printer puts a job: ``<path>/<job name>.bin`` and ``<path>/<job name>.png``.

    The job name is reduced to letters, digits, ``.``, ``_`` and ``-``.
    """
    folder = Path(spec.path or "print-preview")
    name = _safe_name(job_name)
    return folder / f"{name}.bin", folder / f"{name}.png"


def print_document(
    spec: PrinterSpec, doc: Document, *, job_name: str, open_drawer: bool = False
) -> PrintOutcome:
    """Print ``doc`` on ``spec``'s printer: build all bytes first, then send them in one write.

    Blocking (seconds on a slow printer): call it from a worker thread. It does not query the printer's status
    first; callers that must not send to a printer without paper call :func:`read_status` before.

    Args:
        spec: the printer.
        doc: what to print.
        job_name: names the job: the CUPS job title, the preview file names (e.g. ``job-42-1204-K7QH2MX9``).
        open_drawer: kick the cash drawer too (only if ``spec.drawer``; pass True for cash sales).

    Returns:
        The job's size, and for ``preview`` the PNG written beside ``<job name>.bin`` in the ``path`` folder.

    Raises:
        PrinterError: the printer cannot be reached or the job broke off (see ``maybe_printed``). A preview
            folder that cannot be written gives ``printer_failed``.
    """
    data = document_bytes(doc, spec, open_drawer=open_drawer and spec.drawer)
    if spec.connection != "preview":
        send_bytes(spec, data, job_name=job_name)
        return PrintOutcome(len(data), None)
    bin_path, png_path = preview_paths(spec, job_name)
    try:
        bin_path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(bin_path, data)
        tmp_png = png_path.with_name(png_path.name + ".tmp")
        render_image(doc, spec).save(tmp_png, format="PNG", optimize=True)
        os.replace(tmp_png, png_path)
    except OSError as exc:
        raise PrinterError("printer_failed", f"{spec.name}: cannot write preview {bin_path}: {exc}") from exc
    return PrintOutcome(len(data), png_path)


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
