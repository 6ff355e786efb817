"""Buying, step 4: the seats. The counter's live seat map, larger, with the best seats for the party already held.

The map opens with the best seats for the number of people chosen held for this kiosk (``kiosk`` channel,
``[holds] kiosk_seconds``), so most customers only press Continue. A touch (or Space) on a seat takes or gives it
back, a digit asks for the best seats for that many again. Cells are as large as the hall allows on this screen
(up to four columns and two lines per seat, for fingers). What other terminals hold or sell shows within a second
(:class:`db.changes.ChangeWatcher`). Continue checks the seat rules as the sale will (no single seat stranded,
couple seats in pairs, the last seats kept for the counter): a kiosk cannot override them, so it says what to
change. Back gives the seats back and asks the number again.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from boxoffice.best_available import best_available
from boxoffice.errors import BoxOfficeError
from boxoffice.hall import ClaimInfo, SeatStatus, load_hall
from boxoffice.holds import hold_seats, live_claims, release_seats, release_terminal_holds
from boxoffice.i18n import format_money
from boxoffice.pricing import load_price_card, load_ticket_types, offered_types, price_for, show_context
from boxoffice.seat_rules import SeatRules, check_selection
from boxoffice.seat_view import seat_statuses
from boxoffice.showtimes import load_showtime
from db.changes import ChangeWatcher
from kiosk.intents import run_intent
from kiosk.kiosk_flow import CHANNEL, release_holds
from kiosk.screens.kiosk_step import KioskStepScreen
from kiosk.widgets.seat_map import SeatLegend, SeatMap

KIOSK_LEGEND = (("free", "premium", "couple", "wheelchair", "companion"), ("mine", "held", "sold"))
"""What the legend explains at a kiosk, in two lines: seats to choose, then taken ones (broken and house seats
are rare, and never for sale here)."""
POLL_SECONDS = 0.5
SIDE_WIDTH = 38
"""Cells of the panel beside the map (selection, prices, warnings)."""


class KioskSeatsScreen(KioskStepScreen):
    """The seat map with the customer's seats, and the selection with its prices beside it."""

    STEP = "seats"
    CONTINUE = "buy.continue"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._claims: dict[int, ClaimInfo] = {}
        self._watcher: ChangeWatcher | None = None
        self._notice: tuple[str, dict[str, Any]] | None = None

    def compose_body(self) -> ComposeResult:
        """The map's place and legend on the left, the selection on the right."""
        with Horizontal(id="seats-body"):
            with Vertical(id="seats-map-box"):
                yield SeatLegend({}, classes="seats-legend")
                yield SeatLegend({}, classes="seats-legend")
            with Vertical(id="seats-side"):
                yield Static(id="seats-showtime")
                yield Static(id="seats-selection")
                yield Static(id="seats-warnings")
                yield Static(id="seats-cursor")

    def on_mount(self) -> None:
        """Read the hall and prices, draw the map as large as fits, and hold the best seats for the party."""
        box, purchase = self.box, self.purchase
        assert purchase.showtime is not None
        showtime_id = purchase.showtime.id
        try:
            def load(session: Any) -> Any:
                detail = load_showtime(session, showtime_id)
                return (detail, load_hall(session, detail.auditorium_id),
                        load_price_card(session, detail.price_card_id), load_ticket_types(session))

            purchase.detail, purchase.hall, purchase.card, purchase.types = run_intent(
                box.engine, load, write=False, name="open kiosk showtime")
        except BoxOfficeError as error:
            box.show_error(error)
            self.dismiss(None)
            return
        hall = purchase.hall
        width = box.size.width - SIDE_WIDTH - 4
        height = box.size.height - 9  # header, navigation, legend
        label = max((len(row[0].row_label) for row in hall.rows if row), default=1)
        cell = next((size for size in (4, 3, 2) if hall.grid_cols * size + 2 * label + 4 <= width), 1)
        compact = hall.grid_rows * 2 + 2 > height
        seat_map = SeatMap(cell_width=cell, compact=compact, id="seat-map")
        self.query_one("#seats-map-box", Vertical).mount(seat_map, before=0)
        seat_map.set_hall(hall)
        self._watcher = ChangeWatcher(box.engine)
        self._watcher.poll()
        self._reload()
        if not seat_map.selected_ids:
            self._suggest(purchase.party)
        seat_map.focus()
        self.set_interval(POLL_SECONDS, self._poll)
        self.set_interval(1.0, self._show_cursor)

    def on_unmount(self) -> None:
        """Let the change watcher's connection go."""
        if self._watcher is not None:
            self._watcher.close()

    # -- seats -----------------------------------------------------------------------------------------------

    @property
    def _terminal(self) -> str:
        return self.box.config.terminal.id

    @property
    def _rules(self) -> SeatRules:
        return SeatRules(**self.box.config.seating.model_dump())

    def _suggest(self, count: int) -> None:
        """Hold the best ``count`` seats instead of the ones held now."""
        hall = self.purchase.hall
        assert hall is not None
        others = frozenset(sid for sid, claim in self._claims.items()
                           if claim.status == "sold" or claim.terminal_id != self._terminal)
        choice = best_available(hall, count, unavailable=others, rules=self._rules, channel=CHANNEL)
        if not choice.seats:
            self._write(lambda session: release_terminal_holds(
                session, terminal_id=self._terminal, now=self.box.now(), reason="replaced"))
            self._notice = ("buy.best_none", {"count": count})
        else:
            ids = [seat.id for seat in choice.seats]
            if self._hold(ids, replace=True):
                self.purchase.party = count
                self._notice = None if choice.adjacent else ("buy.best_split", {"count": count})
                self.query_one(SeatMap).move_cursor_to(ids[0])
        self._reload()

    def _hold(self, seat_ids: list[int], *, replace: bool = False) -> bool:
        showtime_id, now = self.purchase.detail.id if self.purchase.detail else 0, self.box.now()
        seconds = self.box.config.holds.kiosk_seconds

        def work(session: Any) -> None:
            if replace:
                release_terminal_holds(session, terminal_id=self._terminal, now=now, reason="replaced")
            hold_seats(session, showtime_id=showtime_id, seat_ids=seat_ids, terminal_id=self._terminal,
                       staff_id=None, now=now, hold_seconds=seconds)

        return self._write(work)

    def _write(self, work: Any) -> bool:
        try:
            run_intent(self.box.engine, work, name="kiosk seats")
        except BoxOfficeError as error:
            self._notice = (f"error.{error.code}", dict(error.params))
            self.app.bell()
            return False
        return True

    def on_seat_map_seat_toggled(self, message: SeatMap.SeatToggled) -> None:
        """Take a free seat (with its couple partner) or give back one of ours."""
        hall, detail = self.purchase.hall, self.purchase.detail
        assert hall is not None and detail is not None
        seat = hall.seat(message.seat_id)
        seats = [seat] + ([partner] if (partner := hall.partner(seat)) is not None else [])
        ids = [s.id for s in seats]
        seat_map = message.seat_map
        if seat_map.status_of(seat.id) == SeatStatus.MINE:
            self._write(lambda session: release_seats(session, showtime_id=detail.id, seat_ids=ids,
                                                      terminal_id=self._terminal, now=self.box.now()))
            self._notice = None
        elif seat_map.status_of(seat.id) != SeatStatus.FREE:
            self._notice = ("buy.seat_not_free", {"seat": seat.label})
            self.app.bell()
        elif len(seat_map.selected_ids) + len(ids) > self.box.config.kiosk.max_party:
            self._notice = ("buy.too_many", {"count": self.box.config.kiosk.max_party})
            self.app.bell()
        elif self._hold(ids):
            self._notice = None
        self._reload()

    def on_seat_map_best_requested(self, message: SeatMap.BestRequested) -> None:
        """A digit: the best seats for that many people."""
        if message.count <= self.box.config.kiosk.max_party:
            self._suggest(message.count)

    def on_seat_map_cursor_moved(self, message: SeatMap.CursorMoved) -> None:
        """Say what the seat under the cursor is."""
        self._show_cursor()

    def _poll(self) -> None:
        if self._watcher is not None and self._watcher.poll():
            self._reload()

    def _reload(self) -> None:
        """Read the showtime's live claims and redraw the map and the selection."""
        hall, detail = self.purchase.hall, self.purchase.detail
        if hall is None or detail is None:
            return
        try:
            self._claims = run_intent(self.box.engine, lambda session: live_claims(
                session, showtime_id=detail.id, now=self.box.now()), write=False, name="read seats")
        except BoxOfficeError as error:
            self.box.show_error(error)
            return
        self.query_one(SeatMap).set_statuses(seat_statuses(hall, self._claims, self._terminal))
        self.apply_step_language()

    def seats_lost(self) -> None:
        """The payment step found seats gone: say so here and show the map as it is now."""
        self._notice = ("buy.seats_lost", {})
        self._reload()

    # -- leaving ---------------------------------------------------------------------------------------------

    def action_continue(self) -> None:
        """On to ticket types, if the seats may be sold together at a kiosk."""
        from kiosk.screens.kiosk_tickets_screen import KioskTicketsScreen

        hall = self.purchase.hall
        assert hall is not None
        selected = [hall.seat(sid) for sid in self.query_one(SeatMap).selected_ids]
        if not selected:
            self._notice = ("buy.pick_seats", {})
            self.apply_step_language()
            return
        if self._violations(selected):
            self.app.bell()
            return
        if tuple(selected) != self.purchase.seats:
            self.purchase.seats = tuple(selected)
            self.purchase.choice = []
        self.app.push_screen(KioskTicketsScreen(self.purchase))

    def action_back(self) -> None:
        """Give the seats back and ask the number again."""
        release_holds(self.box, "back")
        self.purchase.seats, self.purchase.choice = (), []
        self.dismiss(None)

    # -- words -----------------------------------------------------------------------------------------------

    def _violations(self, selected: list[Any]) -> list[str]:
        hall = self.purchase.hall
        assert hall is not None
        chosen = frozenset(seat.id for seat in selected)
        others = frozenset(sid for sid in self._claims if sid not in chosen)
        found = check_selection(hall, unavailable=others, selection=chosen, channel=CHANNEL, rules=self._rules)
        return [self.box.translator.error(v.code) + (f" ({', '.join(v.seat_labels)})" if v.seat_labels else "")
                for v in found]

    def apply_step_language(self) -> None:
        """The selection with prices, warnings and what the cursor is on, in the current language."""
        purchase, box = self.purchase, self.box
        if purchase.hall is None or purchase.detail is None or purchase.card is None or not self.query(SeatMap):
            return
        for legend, keys in zip(self.query(SeatLegend), KIOSK_LEGEND, strict=True):
            legend.set_labels({key: self.t(f"legend.{key}") for key in keys})
        self.query_one("#seats-showtime", Static).update(self.showtime_line())
        selected = [purchase.hall.seat(sid) for sid in self.query_one(SeatMap).selected_ids]
        show = show_context(purchase.detail.starts_at, purchase.detail.format, zone=box.config.site.zone)
        lines = [f"[b]{self.t('buy.seats_chosen', count=len(selected))}[/b]"]
        total = 0
        for seat in selected:
            offered = offered_types(purchase.card, show, seat.zone, purchase.types, channel=CHANNEL)
            price = price_for(purchase.card, show, seat.zone, offered[0].code) if offered else None
            total += (price or 0) + purchase.card.service_fee_fen
            lines.append(f"  {seat.label:<6} {self.t(f'zone.{seat.zone}')}  "
                         f"{format_money(price) if price is not None else '—'}")
        if selected:
            lines.append(self.t("buy.seats_total", total=format_money(total)))
        lines.append(f"[dim]{self.t('buy.seats_how')}[/dim]")
        self.query_one("#seats-selection", Static).update("\n".join(lines))
        warnings = [f"[b $warning]! {problem}[/]" for problem in (self._violations(selected) if selected else [])]
        if self._notice is not None:
            key, params = self._notice
            text = box.translator.error(key.removeprefix("error."), **params) if key.startswith("error.") \
                else self.t(key, **params)
            warnings.insert(0, f"[b $warning]{text}[/]")
        self.query_one("#seats-warnings", Static).update("\n".join(warnings))
        self.set_continue(bool(selected))
        self._show_cursor()

    def _show_cursor(self) -> None:
        if not self.query(SeatMap):
            return
        seat = self.query_one(SeatMap).cursor_seat
        if seat is None:
            return
        claim = self._claims.get(seat.id)
        if claim is not None and claim.terminal_id == self._terminal and claim.status == "held":
            left = max(0, int((claim.expires_at - self.box.now()).total_seconds())) if claim.expires_at else 0
            words = self.t("buy.seat_mine", expires=f"{left // 60:02d}:{left % 60:02d}")
        elif claim is not None:
            words = self.t("buy.seat_taken")
        elif seat.blocked or seat.house:
            words = self.t("buy.seat_unavailable")
        elif seat.kind in ("wheelchair", "companion"):
            words = self.t(f"seat.{seat.kind}")
        else:
            words = self.t("buy.seat_free")
        self.query_one("#seats-cursor", Static).update(f"[b]{seat.label}[/b]  {self.t(f'zone.{seat.zone}')}\n{words}")

