"""The tickets of an order with a check box each: Space toggles the highlighted one, ``a`` all or none.

Used by the refund screen. Enter does not toggle here (as it would in a plain ``SelectionList``): it asks the
screen to go ahead with the tickets checked (:class:`TicketChecklist.Confirmed`).
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import SelectionList


class TicketChecklist(SelectionList[int]):
    """Ticket ids as check boxes; tickets that cannot be chosen are disabled options."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "select", "refund.key_toggle", key_display="space"),
        Binding("a", "toggle_all", "refund.key_all", key_display="a"),
        Binding("enter", "confirm", show=False),
    ]
    """Space toggles (shown in the footer), ``a`` checks all or none, Enter confirms."""

    class Confirmed(Message):
        """Enter on the list: go ahead with the checked tickets."""

        def __init__(self, checklist: TicketChecklist) -> None:
            super().__init__()
            self.checklist = checklist

        @property
        def control(self) -> TicketChecklist:
            """The checklist Enter was pressed on."""
            return self.checklist

    def action_toggle_all(self) -> None:
        """Check every enabled ticket, or none when all are checked already."""
        enabled = [self.get_option_at_index(i).value for i in range(self.option_count)
                   if not self.get_option_at_index(i).disabled]
        if enabled and set(enabled) <= set(self.selected):
            self.deselect_all()
        else:
            for value in enabled:
                self.select(value)

    def action_confirm(self) -> None:
        """Ask the screen to go ahead."""
        self.post_message(self.Confirmed(self))
