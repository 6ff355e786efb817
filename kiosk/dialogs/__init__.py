"""Dialogs of the box-office app: modal screens over a screen, each dismissed with a typed result."""

from kiosk.dialogs.override_dialog import Approval, OverrideDialog
from kiosk.dialogs.sale_done_dialog import SaleDoneDialog

__all__ = ["Approval", "OverrideDialog", "SaleDoneDialog"]
