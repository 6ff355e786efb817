"""Reusable widgets of the box-office app (each styles itself with ``DEFAULT_CSS``)."""

from kiosk.widgets.showtime_table import ShowtimeTable
from kiosk.widgets.translated_footer import TranslatedFooter

__all__ = ["ShowtimeTable", "TranslatedFooter"]
