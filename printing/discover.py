"""Finding printers: USB devices that look like printers, and whether a network address answers on its port.

Used by ``boxoffice printer discover`` and the technician screen. Nothing here sends print data.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

USB_CLASS_PRINTER = 7
#: Vendors whose receipt printers often present a vendor-specific interface instead of the printer class.
KNOWN_POS_VENDORS = {0x04B8: "Epson", 0x0519: "Star", 0x0DD4: "Custom", 0x1504: "Bixolon", 0x0FE6: "ICS/Xprinter",
                     0x0416: "Winbond (many Chinese POS printers)", 0x1FC9: "NXP (many Chinese POS printers)",
                     0x28E9: "GD32 (many Chinese POS printers)", 0x154F: "SNBC", 0x20D1: "Rongta"}


@dataclass(frozen=True)
class UsbCandidate:
    """A USB device that may be a receipt printer."""

    vendor: int
    product: int
    description: str
    printer_class: bool

    @property
    def ids(self) -> str:
        """``0x04b8:0x0202``, the form kiosk.toml takes."""
        return f"0x{self.vendor:04x}:0x{self.product:04x}"


class DiscoveryUnavailable(Exception):
    """USB cannot be searched on this machine (no libusb, no permission); the message says which."""


def usb_candidates() -> list[UsbCandidate]:
    """USB devices with a printer-class interface or from a known POS printer vendor.

    Raises:
        DiscoveryUnavailable: pyusb or a libusb backend is missing.
    """
    try:
        import usb.core  # type: ignore[import-untyped]
    except ImportError as exc:
        raise DiscoveryUnavailable("pyusb is not installed") from exc
    try:
        devices = list(usb.core.find(find_all=True))
    except usb.core.NoBackendError as exc:
        raise DiscoveryUnavailable("no USB backend: install libusb (Debian: apt-get install libusb-1.0-0)") from exc
    found = []
    for device in devices:
        printer_class = device.bDeviceClass == USB_CLASS_PRINTER or any(
            interface.bInterfaceClass == USB_CLASS_PRINTER for config in device for interface in config)
        vendor_name = KNOWN_POS_VENDORS.get(device.idVendor)
        if printer_class or vendor_name:
            found.append(UsbCandidate(device.idVendor, device.idProduct, vendor_name or "printer class",
                                      printer_class))
    return found


def answers(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """Whether ``host:port`` accepts a TCP connection within the timeout."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False
