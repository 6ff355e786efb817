"""The counter's showtimes list as a picker: choose a showtime and come back with it (an exchange's new showtime).

The same list, days, filters and seat counts as :class:`~kiosk.screens.showtimes_screen.ShowtimesScreen`, so a
cashier finds a showtime the way she always does; Enter dismisses with the showtime instead of opening its seat
map, Escape with None, and the keys that lead elsewhere (staff, pickup, printers…) are hidden. The film filter
starts on the customer's film and, when the policy allows only that film, cannot be changed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Select, Static

from boxoffice.showtimes import ShowtimeRow
from boxoffice.staff import StaffMember
from kiosk.screens.showtimes_screen import ShowtimesScreen

_ELSEWHERE = frozenset({"switch_staff", "sign_out", "pickup", "print_queue", "printers", "terminals", "exchange",
                        "refund", "cancel_showtime"})
"""Actions of the showtimes list that leave for another task: not offered while picking."""


class ShowtimePickerScreen(ShowtimesScreen):
    """Pick a showtime; dismisses with its id, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "key.back")]
    """Escape comes back without a showtime (the list's own keys stay)."""

    def __init__(self, staff: StaffMember, *, title_key: str, film_id: int | None = None,
                 film_locked: bool = False, **title_params: Any) -> None:
        """Create the picker.

        Args:
            staff: the signed-in cashier.
            title_key: catalog key of the title shown instead of the list's ("choose the new showtime").
            film_id: the film the list starts filtered on.
            film_locked: only ``film_id``'s showtimes are listed, and the film filter is disabled.
            title_params: parameters of the title.
        """
        super().__init__(staff)
        self.film_id = film_id
        self.film_locked = film_locked and film_id is not None
        self._locked_film = film_id
        self._title_key = title_key
        self._title_params = title_params

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the list's own keys, and Escape."""
        if action in _ELSEWHERE:
            return False
        return super().check_action(action, parameters)

    def action_cancel(self) -> None:
        """Back without a showtime."""
        self.dismiss(None)  # type: ignore[arg-type]

    @on(DataTable.RowSelected, "#showtimes-table")
    def _picked(self, event: DataTable.RowSelected) -> None:
        """Enter on a row picks it (instead of the list's opening its seat map)."""
        event.stop()
        event.prevent_default()  # the list's own handler (a base class's) does not run
        if event.row_key.value is not None:
            self.dismiss(int(event.row_key.value))  # type: ignore[arg-type]

    def _visible(self) -> list[ShowtimeRow]:
        rows = super()._visible()
        if self.film_locked:
            return [row for row in rows if row.film_id == self._locked_film]
        return rows

    def _render_filters(self) -> None:
        super()._render_filters()
        film = self.query_one("#film-filter", Select)
        film.disabled = self.film_locked
        if self.film_locked and self._locked_film is not None:
            self.film_id = self._locked_film

    def _render_header(self) -> None:
        super()._render_header()
        self.query_one("#showtimes-title", Static).update(self.t(self._title_key, **self._title_params))
