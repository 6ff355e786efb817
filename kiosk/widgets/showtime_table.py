"""The table of showtimes: a row-cursor DataTable whose Enter is named in the footer.

Enter stays the table's own binding (not a screen binding with priority) on purpose: keys reach the table in
the order they were typed, so "down, Enter" typed quickly opens the row below, never the one the cursor was
on.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable


class ShowtimeTable(DataTable[Text]):
    """A read-only table with a row cursor; Enter posts ``DataTable.RowSelected`` for the row under it."""

    BINDINGS = [
        Binding("enter", "select_cursor", "key.open"),
    ]
    """Enter opens the row under the cursor (its description is a catalog key, see TranslatedFooter)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter is shown but disabled while the table has no rows."""
        if action == "select_cursor":
            return True if self.row_count else None
        return super().check_action(action, parameters)
