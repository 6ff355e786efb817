"""The screens of the box-office app, one per module."""

from kiosk.screens.kiosk_welcome_screen import KioskWelcomeScreen
from kiosk.screens.showtimes_screen import ShowtimesScreen
from kiosk.screens.sign_in_screen import SignInScreen

__all__ = ["KioskWelcomeScreen", "ShowtimesScreen", "SignInScreen"]
