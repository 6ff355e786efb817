"""Choosing seats for one showtime on the live seat map, at the counter.

The map always shows the truth: selecting a seat holds it in the store for this terminal at once (so another
terminal sees it within a second and can never sell it), deselecting releases it, and what other terminals hold,
sell or release appears here within a second — the screen polls the store's cheap change counter
(:class:`db.changes.ChangeWatcher`) and reads the showtime's claims again only when something changed. The
status line explains the seat under the cursor: its prices per ticket type, or why it cannot be sold
("held by Kiosk 2, expires in 01:42", "sold 14:02 at Counter 1", "house seat: supervisor only"). Seat rules are
shown as warnings while choosing and enforced when the sale completes (a supervisor may override them).

Keys are the map's (arrows, Home/End, PgUp/PgDn, a row letter, Space, digits 1–9 for the best N) plus Enter
to go to tickets and payment, Delete to clear the selection and Escape to give the seats back and leave.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.screen import Screen
from textual.widgets import Static

from boxoffice.best_available import best_available
from boxoffice.errors import BoxOfficeError
from boxoffice.hall import ClaimInfo, Hall, HallSeat, SeatStatus, load_hall
from boxoffice.holds import extend_holds, hold_seats, live_claims, release_seats, release_terminal_holds
from boxoffice.i18n import format_money, local_time
from boxoffice.pricing import (
    PriceCardInfo,
    TicketTypeInfo,
    load_price_card,
    load_ticket_types,
    offered_types,
    price_for,
    show_context,
)
from boxoffice.sales import SaleResult
from boxoffice.seat_rules import SeatRules, check_selection
from boxoffice.seat_view import explain_seat, seat_statuses
from boxoffice.showtimes import ShowtimeDetail, load_showtime
from boxoffice.staff import StaffMember
from boxoffice.terminals import terminal_names
from db.changes import ChangeWatcher
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter
from kiosk.widgets.seat_map import LEGEND_KEYS, SeatLegend, SeatMap

POLL_SECONDS = 0.5
"""How often the store's change counter is read (other terminals' changes show within a second)."""

EXTEND_EVERY_SECONDS = 30
"""A busy cashier's holds are pushed back at most this often."""


class SeatSelectionScreen(BoxOfficeScreen[SaleResult | None]):
    """The seat map of one showtime with this terminal's selection; dismisses with the sale, or None."""

    BINDINGS = [
        Binding("enter", "checkout", "key.checkout", priority=True),
        Binding("delete", "clear_selection", "key.clear_selection"),
        Binding("escape", "leave", "key.back"),
    ]
    """Enter goes on to tickets and payment; Delete gives back every seat; Escape gives them back and leaves."""

    def __init__(self, staff: StaffMember, showtime_id: int) -> None:
        """Open the map of ``showtime_id`` for a signed-in cashier."""
        super().__init__()
        self.staff = staff
        self.showtime_id = showtime_id
        self.showtime: ShowtimeDetail | None = None
        self.hall: Hall | None = None
        self._card: PriceCardInfo | None = None
        self._types: tuple[TicketTypeInfo, ...] = ()
        self._names: dict[str, str] = {}
        self._claims: dict[int, ClaimInfo] = {}
        self._watcher: ChangeWatcher | None = None
        self._last_extend: datetime | None = None
        self._notice: str = ""

    # -- layout ------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, the map beside the selection, the legend, the status line, the keys."""
        yield Static(id="sale-header")
        with Horizontal(id="sale-body"):
            yield SeatMap(id="seat-map")
            with Vertical(id="sale-side"):
                yield Static(id="sale-selection")
                yield Static(id="sale-warnings")
        yield SeatLegend({}, id="seat-legend")
        yield Static(id="seat-status")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Read the showtime, its hall and prices, show the map, and start following other terminals."""
        box = self.box
        try:
            self.showtime, self.hall, self._card, self._types, self._names = run_intent(
                box.engine, self._load_static, write=False, name="open showtime")
        except BoxOfficeError as error:
            box.show_error(error)
            self.dismiss(None)
            return
        seat_map = self.query_one(SeatMap)
        seat_map.set_hall(self.hall)
        self._watcher = ChangeWatcher(box.engine)
        self._watcher.poll()
        self._reload()
        seat_map.focus()
        self.set_interval(POLL_SECONDS, self._poll)
        self.set_interval(1.0, self._tick)

    def on_unmount(self) -> None:
        """Let the change watcher's connection go."""
        if self._watcher is not None:
            self._watcher.close()

    def _load_static(self, session: Any) -> tuple[ShowtimeDetail, Hall, PriceCardInfo, tuple[TicketTypeInfo, ...],
                                                  dict[str, str]]:
        showtime = load_showtime(session, self.showtime_id)
        return (showtime, load_hall(session, showtime.auditorium_id), load_price_card(session, showtime.price_card_id),
                load_ticket_types(session), terminal_names(session))

    def apply_language(self) -> None:
        """Header, legend, selection and status line in the current language."""
        if self.showtime is None:
            return
        show = self.showtime
        zone = self.box.config.site.zone
        title = show.title_zh if self.box.language == "zh" else (show.title_en or show.title_zh)
        hall = show.auditorium if self.box.language == "zh" else (show.auditorium_en or show.auditorium)
        self.query_one("#sale-header", Static).update(
            f"[b]{title}[/b]  {show.starts_at.astimezone(zone):%Y-%m-%d} {local_time(show.starts_at, zone)}  "
            f"{hall}  {show.format}    [dim]{self.staff.name} · {self.box.config.terminal.name}[/dim]")
        self.query_one(SeatLegend).set_labels({key: self.t(f"legend.{key}") for key in LEGEND_KEYS})
        self._show_selection()
        self._show_status()

    # -- the map's messages ----------------------------------------------------------------------------------

    def on_seat_map_seat_toggled(self, message: SeatMap.SeatToggled) -> None:
        """Hold a free seat (with its couple partner) or give back one of ours."""
        assert self.hall is not None
        seat = self.hall.seat(message.seat_id)
        seats = [seat] + ([partner] if (partner := self.hall.partner(seat)) is not None else [])
        ids = [s.id for s in seats]
        if message.seat_map.status_of(seat.id) == SeatStatus.MINE:
            self._write(lambda session: release_seats(session, showtime_id=self.showtime_id, seat_ids=ids,
                                                      terminal_id=self._terminal, now=self.box.now()), "release")
        else:
            self._hold(ids)
        self._reload()

    def on_seat_map_best_requested(self, message: SeatMap.BestRequested) -> None:
        """Replace the selection with the best ``count`` seats available."""
        assert self.hall is not None
        others = frozenset(sid for sid, claim in self._claims.items()
                           if claim.status == "sold" or claim.terminal_id != self._terminal)
        choice = best_available(self.hall, message.count, unavailable=others, rules=self._rules, channel="counter")
        if not choice.seats:
            self._notice = self.t("sale.best_none", count=message.count)
        else:
            ids = [seat.id for seat in choice.seats]
            if self._hold(ids, replace=True):
                self._notice = "" if choice.adjacent else self.t("sale.best_split", count=message.count)
                message.seat_map.move_cursor_to(ids[0])
        self._reload()

    def on_seat_map_cursor_moved(self, message: SeatMap.CursorMoved) -> None:
        """Explain the seat under the cursor."""
        self._show_status()

    def on_key(self, event: Key) -> None:
        """Any key is activity: keep this cashier's holds alive."""
        now = self.box.now()
        if self._last_extend is None or (now - self._last_extend).total_seconds() >= EXTEND_EVERY_SECONDS:
            self._last_extend = now
            hold_time = self.box.config.holds.counter_seconds
            self._write(lambda session: extend_holds(session, terminal_id=self._terminal, now=now,
                                                     hold_seconds=hold_time), "extend holds")

    # -- actions -----------------------------------------------------------------------------------------------

    def action_checkout(self) -> None:
        """Go on to ticket types and payment with the seats held here."""
        assert self.hall is not None
        selected = [self.hall.seat(sid) for sid in self.query_one(SeatMap).selected_ids]
        if not selected:
            self.box.show_error(BoxOfficeError("sale_empty", "no seats selected"))
            return
        screen = self.checkout_screen(tuple(selected))
        if screen is not None:
            self.app.push_screen(screen, callback=self._paid)

    def checkout_screen(self, seats: tuple[HallSeat, ...]) -> Screen[Any] | None:
        """The screen that sells the held seats (None: stay on the map); whatever it dismisses with, this screen
        dismisses with too. A sale takes ticket types and payment; an exchange puts its own screen here."""
        from kiosk.screens.payment_screen import PaymentScreen

        assert self.showtime is not None and self._card is not None
        return PaymentScreen(self.staff, self.showtime, seats, self._card, self._types)

    def _paid(self, result: SaleResult | None) -> None:
        if result is not None:
            self.dismiss(result)
        else:
            self._reload()

    def action_clear_selection(self) -> None:
        """Give back every seat held here."""
        self._release_all("cancel")
        self._notice = ""
        self._reload()

    def action_leave(self) -> None:
        """Give back the seats and go back to the showtimes."""
        self._release_all("cancel")
        self.dismiss(None)

    # -- store -------------------------------------------------------------------------------------------------

    @property
    def _terminal(self) -> str:
        return self.box.config.terminal.id

    @property
    def _rules(self) -> SeatRules:
        return SeatRules(**self.box.config.seating.model_dump())

    def _hold(self, seat_ids: list[int], *, replace: bool = False) -> bool:
        now, hold_time = self.box.now(), self.box.config.holds.counter_seconds

        def work(session: Any) -> None:
            if replace:
                release_terminal_holds(session, terminal_id=self._terminal, now=now, reason="replaced")
            hold_seats(session, showtime_id=self.showtime_id, seat_ids=seat_ids, terminal_id=self._terminal,
                       staff_id=self.staff.id, now=now, hold_seconds=hold_time)

        if self._write(work, "hold"):
            self._last_extend = now
            return True
        return False

    def _release_all(self, reason: str) -> None:
        self._write(lambda session: release_terminal_holds(session, terminal_id=self._terminal, now=self.box.now(),
                                                           reason=reason), "release all")

    def _write(self, work: Any, name: str) -> bool:
        try:
            run_intent(self.box.engine, work, name=name)
        except BoxOfficeError as error:
            if error.code == "seat_taken":
                self.app.bell()
            self.box.show_error(error)
            return False
        return True

    def _poll(self) -> None:
        """Read the claims again when another terminal has written anything."""
        if self._watcher is not None and self._watcher.poll():
            self._reload()

    def _tick(self) -> None:
        """Countdowns in the status line; holds that ran out while idle show as free."""
        now = self.box.now()
        if any(claim.expires_at is not None and claim.expires_at <= now for claim in self._claims.values()):
            self._reload()
        else:
            self._show_status()

    def _reload(self) -> None:
        """Read this showtime's live claims and redraw what changed."""
        if self.hall is None:
            return
        try:
            self._claims = run_intent(self.box.engine, lambda session: live_claims(
                session, showtime_id=self.showtime_id, now=self.box.now()), write=False, name="read seats")
        except BoxOfficeError as error:
            self.box.show_error(error)
            return
        if any(claim.terminal_id not in self._names for claim in self._claims.values()):
            self._names = run_intent(self.box.engine, terminal_names, write=False, name="terminal names")
        self.query_one(SeatMap).set_statuses(seat_statuses(self.hall, self._claims, self._terminal))
        self._show_selection()
        self._show_status()

    # -- words -------------------------------------------------------------------------------------------------

    def _show_selection(self) -> None:
        """The seats held here, their adult price, and seat-rule warnings."""
        if self.hall is None or self.showtime is None or self._card is None:
            return
        selected = [self.hall.seat(sid) for sid in self.query_one(SeatMap).selected_ids]
        show = show_context(self.showtime.starts_at, self.showtime.format, zone=self.box.config.site.zone)
        lines = [f"[b]{self.t('sale.selected', count=len(selected))}[/b]"]
        total = 0
        for seat in selected:
            offered = offered_types(self._card, show, seat.zone, self._types, channel="counter")
            price = price_for(self._card, show, seat.zone, offered[0].code) if offered else None
            total += (price or 0) + self._card.service_fee_fen
            lines.append(f"  {seat.label:<6} {self.t(f'zone.{seat.zone}')}  "
                         f"{format_money(price) if price is not None else '—'}")
        if selected:
            lines.append(self.t("sale.from_total", total=format_money(total)))
            lines.append(f"[dim]{self.t('sale.next_step')}[/dim]")
        else:
            lines.append(f"[dim]{self.t('sale.how_to_pick')}[/dim]")
        self.query_one("#sale-selection", Static).update("\n".join(lines))
        others = frozenset(sid for sid in self._claims if sid not in set(s.id for s in selected))
        violations = check_selection(self.hall, unavailable=others, selection=frozenset(s.id for s in selected),
                                     channel="counter", rules=self._rules) if selected else ()
        warnings = [f"[b yellow]! {self.box.translator.error(v.code)}[/b yellow]"
                    + (f" ({', '.join(v.seat_labels)})" if v.seat_labels else "") for v in violations]
        if self._notice:
            warnings.insert(0, self._notice)
        self.query_one("#sale-warnings", Static).update("\n".join(warnings))

    def _show_status(self) -> None:
        """The seat under the cursor: what it costs per ticket type, or why it cannot be sold."""
        seat = self.query_one(SeatMap).cursor_seat
        if seat is None or self.showtime is None or self._card is None:
            return
        box = self.box
        why = explain_seat(seat, self._claims.get(seat.id), terminal_id=self._terminal, terminal_names=self._names,
                           now=box.now())
        params = dict(why.params)
        if "time" in params and isinstance(params["time"], datetime):
            params["time"] = local_time(params["time"], box.config.site.zone)
        reason = self.t(f"seat.{why.code}", **params)
        show = show_context(self.showtime.starts_at, self.showtime.format, zone=box.config.site.zone)
        prices = "  ".join(
            f"{t.name_zh if box.language == 'zh' else t.name_en} "
            f"{format_money(price_for(self._card, show, seat.zone, t.code) or 0)}"
            for t in offered_types(self._card, show, seat.zone, self._types, channel="counter"))
        fee = self.t("sale.fee", fee=format_money(self._card.service_fee_fen)) if self._card.service_fee_fen else ""
        self.query_one("#seat-status", Static).update(
            f"[b]{seat.label}[/b] {self.t(f'zone.{seat.zone}')} · {reason}\n{prices}  {fee}")
