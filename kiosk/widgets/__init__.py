"""Reusable widgets of the box-office app (each styles itself with ``DEFAULT_CSS``).

The names below are imported when first used (PEP 562), so that a screen importing one widget does not import
them all (see kiosk.app, "start-up").
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.widgets.showtime_table import ShowtimeTable
    from kiosk.widgets.translated_footer import TranslatedFooter

_MODULES = {
    "ShowtimeTable": "kiosk.widgets.showtime_table",
    "TranslatedFooter": "kiosk.widgets.translated_footer",
}

__all__ = ["ShowtimeTable", "TranslatedFooter"]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_MODULES[name]), name)
