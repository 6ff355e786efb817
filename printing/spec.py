"""What the printing package knows about one printer: a frozen value built from a ``[[printers]]`` table.

``kiosk/config.py`` validates the TOML table (with friendly errors) and converts it into a :class:`PrinterSpec`;
nothing in ``printing/`` reads config files. The checks in ``__post_init__`` only guard against programming
errors (a spec built by hand with a misspelt mode), they are not the user-facing validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["tickets", "receipts"]
Connection = Literal["usb", "network", "serial", "file", "cups", "preview"]
ChineseMode = Literal["gb18030", "image"]
QrMode = Literal["native", "image"]
CutMode = Literal["full", "partial", "none"]

ROLES: tuple[str, ...] = ("tickets", "receipts")
CONNECTIONS: tuple[str, ...] = ("usb", "network", "serial", "file", "cups", "preview")
CHINESE_MODES: tuple[str, ...] = ("gb18030", "image")
QR_MODES: tuple[str, ...] = ("native", "image")
CUT_MODES: tuple[str, ...] = ("full", "partial", "none")
PAPER_WIDTHS_MM: tuple[int, ...] = (58, 80)

#: Printable dots per line at 203 dpi: 58 mm paper prints 48 mm (384 dots), 80 mm paper prints 72 mm (576 dots).
DOTS_PER_LINE = {58: 384, 80: 576}
#: Characters per line in font A (12 x 24 dots): 384 / 12 and 576 / 12.
CHARS_PER_LINE = {58: 32, 80: 48}


@dataclass(frozen=True)
class PrinterSpec:
    """One configured printer. Only the fields of its connection matter; the others keep their defaults."""

    name: str
    """Unique name, used in logs, the technician screen and as another printer's ``fallback``."""
    role: Role = "tickets"
    """What the printer prints: ``tickets`` or ``receipts``."""
    connection: Connection = "preview"
    """How bytes reach it: ``usb``, ``network``, ``serial``, ``file`` (a device or file path), ``cups`` or
    ``preview`` (a folder that receives ``<job>.bin`` and ``<job>.png``)."""
    usb_vendor: int | None = None
    """USB vendor id (e.g. ``0x04b8`` for Epson); ``usb`` only."""
    usb_product: int | None = None
    """USB product id; ``usb`` only."""
    host: str | None = None
    """Host name or IP address; ``network`` only."""
    port: int = 9100
    """TCP port (raw printing, usually 9100); ``network`` only."""
    device: str | None = None
    """Serial device such as ``/dev/ttyUSB0``; ``serial`` only."""
    baud: int = 9600
    """Serial speed; ``serial`` only."""
    path: str | None = None
    """``file``: the file or device node written to (``/dev/usb/lp0``); ``preview``: the folder for jobs."""
    cups_queue: str | None = None
    """CUPS queue name (a raw queue); ``cups`` only. None means the CUPS default printer."""
    profile: str = "TM-T20II"
    """python-escpos capability profile name; its paper width is replaced by ``paper_mm``'s."""
    paper_mm: Literal[58, 80] = 80
    """Paper roll width in millimetres: 58 or 80."""
    chinese: ChineseMode = "gb18030"
    """How Chinese is printed: ``gb18030`` (the printer's own Chinese font, Chinese-market printers) or
    ``image`` (drawn here with a CJK font and sent as a raster image, works on any printer)."""
    qr: QrMode = "native"
    """``native`` (the printer draws the QR code, 55 bytes) or ``image`` (drawn here, a few KB of raster)."""
    cut: CutMode = "full"
    """Cut after each document: ``full``, ``partial`` or ``none`` (feed only, for tear-off printers)."""
    logo: str | None = None
    """Optional image printed at the top of tickets and receipts (scaled down to the paper width)."""
    fallback: str | None = None
    """Name of the printer to use when this one fails (e.g. tickets on the receipt printer)."""
    drawer: bool = False
    """A cash drawer hangs on this printer: kick it on cash sales."""
    status_timeout_s: float = 0.5
    """How long a status query (``DLE EOT``) may wait for the printer's answer."""

    def __post_init__(self) -> None:
        for value, allowed, what in (
            (self.role, ROLES, "role"),
            (self.connection, CONNECTIONS, "connection"),
            (self.chinese, CHINESE_MODES, "chinese"),
            (self.qr, QR_MODES, "qr"),
            (self.cut, CUT_MODES, "cut"),
            (self.paper_mm, PAPER_WIDTHS_MM, "paper_mm"),
        ):
            if value not in allowed:
                raise ValueError(f"printer {self.name!r}: {what} must be one of {allowed}, got {value!r}")
        if self.status_timeout_s <= 0:
            raise ValueError(f"printer {self.name!r}: status_timeout_s must be positive")

    @property
    def dots_per_line(self) -> int:
        """Printable width in dots: 384 on 58 mm paper, 576 on 80 mm paper (203 dpi print heads)."""
        return DOTS_PER_LINE[self.paper_mm]

    @property
    def chars_per_line(self) -> int:
        """Half-width characters per line in font A: 32 on 58 mm, 48 on 80 mm. A Chinese character takes two."""
        return CHARS_PER_LINE[self.paper_mm]

    def describe(self) -> str:
        """Where the printer is, in one line for lists and logs (``network 10.0.0.5:9100``)."""
        where = {
            "usb": f"{self.usb_vendor or 0:04x}:{self.usb_product or 0:04x}",
            "network": f"{self.host}:{self.port}",
            "serial": f"{self.device} @ {self.baud}",
            "file": f"{self.path}",
            "cups": f"{self.cups_queue or '(default queue)'}",
            "preview": f"{self.path}",
        }[self.connection]
        return f"{self.connection} {where}"
