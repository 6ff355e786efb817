"""A supervisor's approval of a sale that breaks seat rules: staff number, PIN and a reason.

The counter cannot sell a selection that, say, strands a single empty seat, unless a supervisor allows it. This
is the general :class:`~kiosk.dialogs.approval_dialog.ApprovalDialog` (PIN checked like a sign-in, counting
towards the supervisor's lockout, in a worker thread) showing which rules are broken and for which seats; the
reason is required because it goes into the audit entry of the sale.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.dialogs.approval_dialog import Approval, ApprovalDialog, Detail

__all__ = ["Approval", "OverrideDialog"]


class OverrideDialog(ApprovalDialog):
    """Which rules a sale breaks, and a supervisor's number, PIN and reason to allow it anyway."""

    def __init__(self, *, rules: Sequence[str], seats: Sequence[str], suggested_code: str = "") -> None:
        """Create the dialog.

        Args:
            rules: the broken rule codes (each has words under ``error.<code>``).
            seats: the labels of the seats concerned.
            suggested_code: a staff number to fill in (the signed-in person, when they may approve).
        """
        self.rules = tuple(rules)
        self.seats = tuple(seats)
        details: list[Detail] = [("override.broken", {})]
        details += [("override.rule_line", {"rule": ("error", code)}) for code in self.rules]
        if self.seats:
            details.append(("override.seats", {"seats": ", ".join(self.seats)}))
        super().__init__("override.title", details, reason_required=True, suggested_code=suggested_code)
