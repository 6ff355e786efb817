"""Cancelling a showtime (a projector fails), and the list of its customers afterwards.

Opened with F6 on the showtimes list for the highlighted showtime. While it is on sale the screen says what
cancelling will do (how many orders and tickets; refunded in full or kept for an exchange, as ``[refunds]
cancelled_showtime`` says) and ``Enter`` asks a supervisor's PIN and a reason
(:class:`~kiosk.dialogs.approval_dialog.ApprovalDialog`). Once cancelled — now or earlier — it lists every
order: reference, masked phone, tickets, money back, refunded or still to exchange, and the SMS notice's state,
so the counter can answer the customers who come or call.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from boxoffice.cancellations import (
    AffectedOrder,
    CancellationResult,
    SmsNotice,
    affected_orders,
    cancel_showtime,
)
from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import format_money, local_time
from boxoffice.refund_policy import policy_from_config
from boxoffice.showtimes import ShowtimeDetail, load_showtime
from boxoffice.staff import StaffMember
from kiosk.dialogs.approval_dialog import Approval, ApprovalDialog
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter
from kiosk.widgets.message_line import MessageLine

COLUMNS = ("order", "phone", "tickets", "back", "state", "sms")


class CancelShowtimeScreen(BoxOfficeScreen[None]):
    """One showtime: cancel it (supervisor), or see the customers of a cancelled one."""

    DEFAULT_CSS = """
    CancelShowtimeScreen { padding: 1 2; }
    #cancel-title { text-style: bold; height: auto; }
    #cancel-detail { height: auto; margin: 1 0; }
    #cancel-orders { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "cancel_showtime", "key.cancel_showtime", priority=True),
        Binding("escape", "back", "key.back"),
    ]

    def __init__(self, staff: StaffMember, showtime_id: int) -> None:
        """Create the screen for one showtime, opened by ``staff``."""
        super().__init__()
        self.staff = staff
        self.showtime_id = showtime_id
        self.showtime: ShowtimeDetail | None = None
        self.orders: tuple[AffectedOrder, ...] = ()

    def compose(self) -> ComposeResult:
        """Title, what cancelling does (or did), a message line and the customers."""
        with Vertical():
            yield Static(id="cancel-title")
            yield Static(id="cancel-detail")
            yield MessageLine(id="cancel-message")
            yield DataTable(id="cancel-orders", cursor_type="row", zebra_stripes=True)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Read the showtime and its orders."""
        self._reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter cancels only a showtime still on sale."""
        if action == "cancel_showtime":
            return self.showtime is not None and self.showtime.status == "scheduled"
        return True

    def _reload(self) -> None:
        box = self.box

        def read(session: Any) -> tuple[ShowtimeDetail, tuple[AffectedOrder, ...]]:
            return load_showtime(session, self.showtime_id), affected_orders(session, showtime_id=self.showtime_id)

        try:
            self.showtime, self.orders = run_intent(box.engine, read, write=False, name="read cancellation")
        except BoxOfficeError as error:
            self._say(f"error.{error.code}", "-error", **error.params)
        self.apply_language()
        self.refresh_bindings()

    # -- texts ---------------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language."""
        show = self.showtime
        if show is None:
            return
        english = self.box.language == "en"
        zone = self.box.config.site.zone
        when = f"{show.starts_at.astimezone(zone):%m-%d} {local_time(show.starts_at, zone)}"
        self.query_one("#cancel-title", Static).update(self.t(
            "cancel.title", film=show.title_en if english else show.title_zh, time=when,
            hall=show.auditorium_en if english else show.auditorium))
        valid = [o for o in self.orders if o.valid_tickets]
        if show.status == "scheduled":
            mode = self.box.config.refunds.cancelled_showtime
            detail = self.t(f"cancel.detail_{mode}", orders=len(valid), tickets=sum(o.valid_tickets for o in valid))
        else:
            detail = self.t("cancel.cancelled_already") if self.orders else self.t("cancel.none")
        self.query_one("#cancel-detail", Static).update(detail)
        self._render_orders()

    def _say(self, key: str | None, style: str = "", **params: object) -> None:
        self.query_one("#cancel-message", MessageLine).say(key, style, **params)

    def _render_orders(self) -> None:
        table: DataTable[Any] = self.query_one("#cancel-orders", DataTable)
        table.clear(columns=True)
        for column in COLUMNS:
            table.add_column(self.t(f"cancel.col_{column}"), key=column)
        cancelled = self.showtime is not None and self.showtime.status == "cancelled"
        for order in self.orders:
            state = "" if not cancelled else (
                self.t("cancel.state_refunded") if order.refunded
                else self.t("cancel.state_open") if order.valid_tickets else "")
            sms = self.t(f"cancel.sms_{order.sms_status}") if order.sms_status else ""
            table.add_row(
                order.reference, order.phone_masked or self.t("cancel.no_phone"),
                f"{order.valid_tickets}/{order.tickets}", format_money(order.back_fen),
                Text(state, style="green" if order.refunded else "yellow"), sms,
                key=str(order.order_id),
            )

    # -- cancelling ----------------------------------------------------------------------------------------------

    def action_cancel_showtime(self) -> None:
        """Ask a supervisor's PIN and reason, then cancel (the signed-in supervisor still confirms with theirs)."""
        if self.showtime is None or self.showtime.status != "scheduled":
            return
        valid = [o for o in self.orders if o.valid_tickets]
        mode = self.box.config.refunds.cancelled_showtime
        detail = (f"cancel.detail_{mode}", {"orders": len(valid), "tickets": sum(o.valid_tickets for o in valid)})
        dialog = ApprovalDialog("cancel.approve", [detail], True,
                                suggested_code=self.staff.code if self.staff.can("override") else "")
        self.app.push_screen(dialog, callback=self._approved)

    def _approved(self, approval: Approval | None) -> None:
        if approval is None:
            self._say("cancel.not_approved", "-error")
            return
        self._cancel(approval)

    @work(thread=True, exclusive=True, group="cancel-showtime")
    def _cancel(self, approval: Approval) -> None:
        box = self.box
        config = box.config
        notice = SmsNotice(template=config.sms.cancelled_template_zh, site_name=config.site.name_zh,
                           zone=config.site.zone, key=box.pickup_key)
        try:
            result = run_intent(box.engine, lambda session: cancel_showtime(
                session, showtime_id=self.showtime_id, supervisor=approval.approver, reason=approval.reason,
                terminal_id=config.terminal.id, now=box.now(), mode=config.refunds.cancelled_showtime,
                current_policy=policy_from_config(config.refunds), notice=notice), name="cancel showtime")
        except BoxOfficeError as error:
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._done, result)

    def _failed(self, error: BoxOfficeError) -> None:
        self._say(f"error.{error.code}", "-error", **error.params)

    def _done(self, result: CancellationResult) -> None:
        self._say("cancel.done", "-ok", orders=result.refunded_orders, amount=format_money(result.refunded_fen),
                  notices=result.notices)
        if self.box.sms_sender is not None:
            self.box.sms_sender.wake()
        self._reload()

    def action_back(self) -> None:
        """Back to the showtimes list."""
        self.dismiss(None)
