"""The tickets of a counter sale: one row per seat with its ticket type, price and fee, under a row cursor.

It exists apart from the payment screen so that the screen keeps the flow (which type each seat has, the
pricing, the payment) while the list draws the rows it is given, in the words it is given, and says by
message what the cashier asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from boxoffice.i18n import format_money


@dataclass(frozen=True)
class TicketRow:
    """One seat's line of the list, in the current language."""

    seat_id: int
    """The seat (the row's key)."""
    seat_label: str
    """The seat as people name it (``F12``)."""
    zone: str
    """The name of the seat's zone."""
    type_name: str
    """The name of the seat's ticket type."""
    can_change: bool
    """Whether the seat offers other ticket types (then ←/→ arrows frame the name)."""
    price_fen: int | None
    """The ticket's price; None while the order cannot be priced (shown as a dash)."""
    fee_fen: int | None
    """The ticket's service fee; None while the order cannot be priced."""
    id_check: str | None = None
    """The reminder to check the customer's ID, for a type that needs it."""


class TicketLines(DataTable[Any]):
    """The tickets of the sale, one row per seat, with a row cursor.

    Enter asks to complete the sale, ←/→ to change the ticket type of the row under the cursor and A to give
    every seat that type; the screen decides (the list only says what was asked, by message).
    """

    COLUMNS: ClassVar[tuple[str, ...]] = ("seat", "zone", "type", "price", "fee", "note")
    """The columns' keys, in order; :meth:`show` takes a heading for each."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "payment.key_complete", key_display="⏎"),
        Binding("left", "step_type(-1)", show=False),
        Binding("right", "step_type(1)", show=False),
        Binding("a", "type_for_all", show=False),
    ]
    """Keys of the list; they replace DataTable's own Enter, ← and →."""

    @dataclass
    class Confirmed(Message):
        """Enter on the list: complete the sale (a mouse click only moves the cursor)."""

        lines: TicketLines

        @property
        def control(self) -> TicketLines:
            """The list."""
            return self.lines

    @dataclass
    class TypeStepped(Message):
        """←/→: the next (``step`` 1) or previous (-1) ticket type for the seat on ``row``."""

        lines: TicketLines
        row: int
        step: int

        @property
        def control(self) -> TicketLines:
            """The list."""
            return self.lines

    @dataclass
    class TypeForAll(Message):
        """A: the ticket type of the seat on ``row`` for every seat."""

        lines: TicketLines
        row: int

        @property
        def control(self) -> TicketLines:
            """The list."""
            return self.lines

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)

    def show(self, headings: Mapping[str, str], rows: Sequence[TicketRow]) -> None:
        """Draw these rows under these headings (one per key of :data:`COLUMNS`); the cursor keeps its row.

        Args:
            headings: the column headings, by column key.
            rows: one per seat, in the order the seats are listed.
        """
        cursor = self.cursor_row
        self.clear(columns=True)
        for key in self.COLUMNS:
            self.add_column(headings[key], key=key)
        for row in rows:
            self.add_row(
                Text(row.seat_label, style="bold"),
                row.zone,
                Text(f"‹ {row.type_name} ›" if row.can_change else f"  {row.type_name}"),
                Text(format_money(row.price_fen) if row.price_fen is not None else "—", justify="right"),
                Text(format_money(row.fee_fen) if row.fee_fen is not None else "—", justify="right"),
                Text(row.id_check, style="bold yellow") if row.id_check is not None else "",
                key=str(row.seat_id),
            )
        if rows:
            self.move_cursor(row=min(max(cursor, 0), len(rows) - 1), animate=False)

    def action_select_cursor(self) -> None:
        """Enter: ask to complete the sale."""
        self.post_message(self.Confirmed(self))

    def action_step_type(self, step: int) -> None:
        """←/→: ask for another ticket type on the cursor's row."""
        if self.row_count:
            self.post_message(self.TypeStepped(self, self.cursor_row, step))

    def action_type_for_all(self) -> None:
        """A: ask for the cursor row's ticket type on every row."""
        if self.row_count:
            self.post_message(self.TypeForAll(self, self.cursor_row))
