"""The screens of the box-office app, one per module.

The names below are imported when first used (PEP 562): the first screen of a terminal must paint without
pulling in the store and the domain (see kiosk.app, "start-up").
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.screens.kiosk_welcome_screen import KioskWelcomeScreen
    from kiosk.screens.showtimes_screen import ShowtimesScreen
    from kiosk.screens.sign_in_screen import SignInScreen

_MODULES = {
    "KioskWelcomeScreen": "kiosk.screens.kiosk_welcome_screen",
    "ShowtimesScreen": "kiosk.screens.showtimes_screen",
    "SignInScreen": "kiosk.screens.sign_in_screen",
}

__all__ = ["KioskWelcomeScreen", "ShowtimesScreen", "SignInScreen"]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_MODULES[name]), name)
