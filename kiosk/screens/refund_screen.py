"""Refunding tickets at the counter: find the order, choose tickets, show the customer the preview, refund.

One input takes whatever the customer has: the order reference, the pickup code, a ticket's QR code or their
mobile number (several orders: the cashier chooses one). The order's tickets are listed with check boxes (all
valid ones checked; Space toggles, ``a`` all or none) and, beside them, the PREVIEW in the terminal's current
language: each ticket with what was paid, the service fee kept, the percentage and fixed fees, what goes back,
the amount back per payment method, and the policy's reason in words (:func:`boxoffice.refunds.preview_refund`,
the same decision the refund then makes again). Printed tickets handed back are scanned into the same input
(digits typed anywhere land there); F6 lets a supervisor note why some cannot be handed back. Enter refunds:
where the policy says so a supervisor approves with their PIN and a reason first
(:class:`~kiosk.dialogs.approval_dialog.ApprovalDialog`). The cash to give back is shown large, as the payment
screen shows the change; a refund receipt prints.

A request key made once per order shown makes a double Enter, or a retry after an error, refund once. Errors are
shown as words, never as a traceback.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Digits, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from boxoffice.entry_tokens import verify_token
from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import format_money, local_time
from boxoffice.order_lookup import find_orders, input_kind, order_facts
from boxoffice.pickup import PickupView, order_view
from boxoffice.refund_policy import policy_from_config
from boxoffice.refunds import RefundPreview, RefundRequest, RefundResult, preview_refund, refund_tickets
from boxoffice.staff import StaffMember
from kiosk.dialogs.approval_dialog import Approval, ApprovalDialog
from kiosk.dialogs.sale_done_dialog import digits_money
from kiosk.intents import run_intent
from kiosk.screens.base import BoxOfficeScreen
from kiosk.widgets import TranslatedFooter
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.refund_preview import RefundPreviewPanel
from kiosk.widgets.ticket_checklist import TicketChecklist


class RefundChecklist(TicketChecklist):
    """The order's tickets; Enter on the list refunds the checked ones (shown in the footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "refund.key_refund", key_display="⏎"),
    ]


class RefundScreen(BoxOfficeScreen[None]):
    """Find an order, choose its tickets, preview and refund them (counter only)."""

    CSS_PATH = "../styles/refund.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "key.back"),
        Binding("enter", "refund", "refund.key_refund", key_display="⏎"),
        Binding("f6", "note", "refund.key_note"),
        *(Binding(digit, f"type_digit('{digit}')", show=False, priority=True) for digit in "0123456789"),
    ]
    """Enter refunds (the input's own Enter looks up what was typed, or refunds when it is empty); digits typed
    anywhere go to the input, so that a scanner's QR code lands whole in it (the focus moves before the next
    key); F6 asks a supervisor to note why printed tickets are not handed back."""

    @dataclass
    class Answered(Message):
        """The store answered (posted from a worker thread)."""

        choices: tuple[PickupView, ...] | None = None
        preview: RefundPreview | None = None
        result: RefundResult | None = None
        error: BoxOfficeError | None = None
        fresh: bool = False
        """The preview opens an order (found, chosen, or shown again after a refund), not a new choice of tickets."""
        keep_result: bool = False
        """The order shown again after a refund: the refund's figures stay on screen."""
        returned_ticket: int | None = None
        """The ticket whose QR was used to find the order (it is in the customer's hand: handed back)."""
        returned_token: str | None = None

    def __init__(self, staff: StaffMember) -> None:
        """Create the screen for the signed-in cashier."""
        super().__init__()
        self.staff = staff
        self.choices: tuple[PickupView, ...] = ()
        self.preview: RefundPreview | None = None
        self.returned: dict[int, str] = {}
        """Ticket id → the QR text scanned back for it."""
        self.note: Approval | None = None
        """A supervisor's note why printed tickets are not handed back."""
        self.result: RefundResult | None = None
        self.request_key = uuid.uuid4().hex
        self._busy = False
        self._filling = False

    def compose(self) -> ComposeResult:
        """The input, the message, the order's tickets beside the preview, and the cash to give back."""
        with Vertical(id="refund-box"):
            with Horizontal(id="refund-top"):
                yield Static(id="refund-title")
                yield Input(id="refund-input", max_length=400, select_on_focus=False)
            yield Static(id="refund-prompt")
            yield MessageLine(id="refund-message")
            yield OptionList(id="refund-orders")
            yield Static(id="refund-order")
            with Horizontal(id="refund-body"):
                yield RefundChecklist(id="refund-tickets")
                with VerticalScroll(id="refund-preview-box"):
                    yield RefundPreviewPanel(id="refund-preview")
            with Horizontal(id="refund-cash-row"):
                yield Static(id="refund-cash-label")
                yield Digits("", id="refund-cash")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        """Focus the input (a scanner types into whatever has focus)."""
        self.query_one("#refund-input", Input).focus()
        self._render_all()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F6 only while printed tickets of the choice are not handed back; Enter only with a preview."""
        if action == "note":
            return bool(self._missing_paper())
        if action == "refund":
            return self.preview is not None and bool(self._selected())
        return True

    # -- texts ---------------------------------------------------------------------------------------------------

    def apply_language(self) -> None:
        """Every text in the current language (the customer reads the preview)."""
        self.query_one("#refund-title", Static).update(self.t("refund.title"))
        self.query_one("#refund-prompt", Static).update(self.t("refund.prompt"))
        self.query_one("#refund-input", Input).placeholder = self.t("refund.placeholder")
        self._render_all()

    def _render_all(self) -> None:
        self._render_choices()
        self._render_order()
        self._render_preview()
        self._render_cash()

    def _say(self, key: str | None, style: str = "", **params: object) -> None:
        self.query_one("#refund-message", MessageLine).say(key, style, **params)

    def _title(self, view: PickupView) -> str:
        english = self.box.language == "en"
        zone = self.box.config.site.zone
        starts = view.starts_at.astimezone(zone)
        return self.t("refund.order_line", reference=view.reference, film=view.film_en if english else view.film_zh,
                      time=f"{starts:%Y-%m-%d} {local_time(view.starts_at, zone)}",
                      hall=view.hall_en if english else view.hall_zh)

    def _render_choices(self) -> None:
        options = self.query_one("#refund-orders", OptionList)
        options.display = bool(self.choices)
        if not self.choices:
            return
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(Option(self._title(view) + self._state_suffix(view), id=str(view.order_id))
                            for view in self.choices)
        options.highlighted = highlighted if highlighted is not None else 0

    def _state_suffix(self, view: PickupView) -> str:
        return f"  ({self.t('refund.order_refunded')})" if not view.valid_tickets else ""

    def _render_order(self) -> None:
        widget = self.query_one("#refund-order", Static)
        checklist = self.query_one("#refund-tickets", TicketChecklist)
        preview = self.preview
        self.query_one("#refund-body").display = preview is not None
        if preview is None:
            widget.update("")
            return
        view = preview.view
        text = Text(self._title(view), style="bold")
        if view.phone_masked:
            text.append(f"  ·  {self.t('refund.phone', phone=view.phone_masked)}", style="dim")
        widget.update(text)
        selected = set(checklist.selected)
        highlighted = checklist.highlighted
        english = self.box.language == "en"
        gross = {t.id: t.gross_fen for t in preview.facts.tickets}
        facts = {t.id: t for t in preview.facts.tickets}
        with self.prevent(TicketChecklist.SelectedChanged):
            self._filling = True
            checklist.clear_options()
            for ticket in view.tickets:
                label = Text(f"{ticket.seat:<6} {ticket.type_en if english else ticket.type_zh:<6} "
                             f"{format_money(gross.get(ticket.id, 0)):>8}")
                valid = ticket.status == "valid" and not facts[ticket.id].admitted
                if ticket.status != "valid":
                    status = {"refunded": "refund.status_refunded", "exchanged": "refund.status_exchanged"}
                    label.append(f"  {self.t(status.get(ticket.status, 'refund.status_refunded'))}", style="dim")
                elif facts[ticket.id].admitted:
                    label.append(f"  {self.t('refund.status_admitted')}", style="dim")
                elif ticket.id in self.returned:
                    label.append(f"  {self.t('refund.returned')}", style="green")
                elif facts[ticket.id].on_paper:
                    label.append(f"  {self.t('refund.on_paper')}", style="yellow")
                checklist.add_option(Selection(label, ticket.id, ticket.id in selected and valid,
                                               disabled=not valid))
            if checklist.option_count:
                checklist.highlighted = (highlighted if highlighted is not None
                                         and highlighted < checklist.option_count else 0)
            self._filling = False

    def _selected(self) -> list[int]:
        if self.preview is None:
            return []
        return list(self.query_one("#refund-tickets", TicketChecklist).selected)

    def _missing_paper(self) -> list[int]:
        if self.preview is None or not self.preview.decision.allowed:
            return []
        return [t for t in self.preview.paper_ticket_ids if t not in self.returned]

    def _render_preview(self) -> None:
        note = (self.note.approver.name, self.note.reason) if self.note is not None else None
        self.query_one("#refund-preview", RefundPreviewPanel).show(
            self.preview, translate=self.t, missing=self._missing_paper(), note=note, result=self.result)

    def _render_cash(self) -> None:
        label = self.query_one("#refund-cash-label", Static)
        digits = self.query_one("#refund-cash", Digits)
        if self.result is not None:
            cash = self.result.cash_back_fen
            label.update(self.t("refund.cash_done"))
        elif self.preview is not None and self.preview.decision.allowed:
            cash = self.preview.decision.back_by_method().get("cash", 0)
            label.update(self.t("refund.cash_label"))
        else:
            cash = None
        row = self.query_one("#refund-cash-row")
        row.display = bool(cash)
        digits.update(digits_money(cash or 0))
        digits.set_class(self.result is not None, "-done")

    # -- input ---------------------------------------------------------------------------------------------------

    def action_type_digit(self, digit: str) -> None:
        """A digit typed anywhere goes to the input (a scanner's QR code, a code or a phone number)."""
        field = self.query_one("#refund-input", Input)
        if self.focused is not field:
            self.set_focus(field)
        field.insert_text_at_cursor(digit)

    @on(Input.Submitted, "#refund-input")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.value = ""
        if not text:
            if self.preview is not None:
                self.action_refund()
            return
        if self._busy:
            return
        if self.preview is not None and input_kind(text) == "token" and self._scanned_back(text):
            return
        self._say("refund.looking")
        self._lookup(text)

    def _scanned_back(self, text: str) -> bool:
        """A ticket of the order shown handed back: note it (True), or False when it is not one of the order."""
        signing, preview = self.box.signing_key, self.preview
        if signing is None or preview is None:
            return False
        try:
            claims = verify_token(signing.public_key(), "".join(text.split()))
        except BoxOfficeError as error:
            self._say(f"error.{error.code}", "-error", **error.params)
            return True
        ticket = next((t for t in preview.view.tickets if t.id == claims.ticket_id), None)
        if ticket is None:
            return False
        if ticket.status != "valid":
            self._say("refund.scanned_not_valid", "-error", seat=ticket.seat)
            return True
        self.returned[ticket.id] = "".join(text.split())
        checklist = self.query_one("#refund-tickets", TicketChecklist)
        if ticket.id not in checklist.selected:
            checklist.select(ticket.id)  # posts SelectedChanged: the preview follows
        self._say("refund.scanned", "-ok", seat=ticket.seat)
        self._render_order()
        self._render_preview()
        self.refresh_bindings()
        return True

    @work(thread=True, exclusive=True, group="refund")
    def _lookup(self, text: str) -> None:
        box = self.box
        key, signing = box.pickup_key, box.signing_key
        if key is None or signing is None:
            self.post_message(self.Answered(error=BoxOfficeError("site_keys_missing", "site keys not loaded")))
            return
        public, now = signing.public_key(), box.now()
        policy, role = policy_from_config(box.config.refunds), self.staff.role

        def work(session: Session) -> RefundScreen.Answered:
            ids = find_orders(session, text=text, key=key, public_key=public, now=now)
            if not ids:
                raise BoxOfficeError("order_not_found", "no order found")
            if len(ids) > 1:
                return self.Answered(choices=tuple(order_view(session, order_id=i, now=now)
                                                   for i in ids))
            preview = preview_refund(session, order_id=ids[0], ticket_ids=_refundable(session, ids[0]),
                                     current_policy=policy, now=now, role=role)
            if input_kind(text) == "token":
                token = "".join(text.split())
                return self.Answered(preview=preview, fresh=True, returned_ticket=verify_token(public, token).ticket_id,
                                     returned_token=token)
            return self.Answered(preview=preview, fresh=True)

        try:
            answer = run_intent(box.engine, work, write=False, name="refund lookup")
        except BoxOfficeError as error:
            self.post_message(self.Answered(error=error))
        else:
            self.post_message(answer)

    @on(OptionList.OptionSelected, "#refund-orders")
    def _order_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self._open(int(event.option.id))

    def _open(self, order_id: int, chosen: list[int] | None = None) -> None:
        self._preview(order_id, chosen, fresh=True)

    @on(TicketChecklist.SelectedChanged, "#refund-tickets")
    def _selection_changed(self, event: TicketChecklist.SelectedChanged) -> None:
        event.stop()
        if self._filling or self.preview is None:
            return
        self._preview(self.preview.view.order_id, self._selected(), fresh=False)

    @work(thread=True, exclusive=True, group="preview")
    def _preview(self, order_id: int, chosen: list[int] | None, fresh: bool) -> None:
        box = self.box
        now, policy, role = box.now(), policy_from_config(box.config.refunds), self.staff.role

        def work(session: Session) -> RefundPreview:
            ids = _refundable(session, order_id) if chosen is None else chosen
            return preview_refund(session, order_id=order_id, ticket_ids=ids,
                                  current_policy=policy, now=now, role=role)

        try:
            preview = run_intent(box.engine, work, write=False, name="refund preview")
        except BoxOfficeError as error:
            self.post_message(self.Answered(error=error))
            return
        self.post_message(self.Answered(preview=preview, fresh=fresh))

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        if message.error is not None:
            self._busy = False
            self._say(f"error.{message.error.code}", "-error", **message.error.params)
        elif message.choices is not None:
            self._show_choices(message.choices)
        elif message.preview is not None:
            self._show_preview(message)
        elif message.result is not None:
            self._refunded(message.result)
        self.refresh_bindings()

    def _show_choices(self, choices: tuple[PickupView, ...]) -> None:
        self.choices, self.preview, self.result = choices, None, None
        self._say("refund.choose", count=len(choices))
        self._render_all()
        self.query_one("#refund-orders", OptionList).focus()

    def _show_preview(self, message: Answered) -> None:
        preview = message.preview
        assert preview is not None
        new_order = message.fresh or self.preview is None or self.preview.view.order_id != preview.view.order_id
        if not message.fresh and self.preview is None:
            return  # a late answer about a choice that is gone
        if new_order:
            self.choices, self.note = (), None
            self.returned = {}
            if not message.keep_result:
                self.result = None
                self.request_key = uuid.uuid4().hex
                self._say(None)
            if message.returned_ticket is not None and message.returned_token:
                self.returned[message.returned_ticket] = message.returned_token
        self.preview = preview
        checklist = self.query_one("#refund-tickets", TicketChecklist)
        if new_order:
            with self.prevent(TicketChecklist.SelectedChanged):
                checklist.clear_options()
                for line in preview.decision.lines:
                    checklist.add_option(Selection("", line.ticket_id, True))
        self._render_all()
        if new_order and not message.keep_result:
            if preview.view.valid_tickets:
                checklist.focus()
            else:
                self._say("refund.nothing_left", "-error")

    # -- refunding -----------------------------------------------------------------------------------------------

    def action_refund(self) -> None:
        """Refund the checked tickets: after a supervisor's approval where the policy asks for one."""
        preview = self.preview
        if preview is None or self._busy:
            return
        decision = preview.decision
        if not decision.allowed:
            self._say(f"policy_reason.{decision.reason}", "-error")
            return
        missing = self._missing_paper()
        if missing and self.note is None:
            self._say("error.refund_tickets_not_returned", "-error", count=len(missing))
            return
        if decision.needs_supervisor or decision.needs_reason:
            detail = ("refund.approve_detail", {"reference": preview.view.reference, "count": len(decision.lines),
                                                "amount": format_money(decision.back_fen)})
            reason = ("refund.approve_reason", {"reason": ("error", decision.reason)})
            dialog = ApprovalDialog("refund.approve_title", [detail, reason], decision.needs_reason,
                                    suggested_code=self.staff.code if self.staff.can("override") else "")
            self.app.push_screen(dialog, callback=self._approved)
            return
        self._submit(None)

    def _approved(self, approval: Approval | None) -> None:
        if approval is None:
            self._say("refund.not_approved", "-error")
            return
        self._submit(approval)

    def action_note(self) -> None:
        """A supervisor notes why printed tickets are not handed back (PIN and the note)."""
        missing = self._missing_paper()
        if not missing or self.preview is None:
            return
        detail = ("refund.note_detail", {"count": len(missing), "reference": self.preview.view.reference})
        dialog = ApprovalDialog("refund.note_title", [detail], True,
                                suggested_code=self.staff.code if self.staff.can("override") else "")
        self.app.push_screen(dialog, callback=self._noted)

    def _noted(self, approval: Approval | None) -> None:
        if approval is None:
            return
        self.note = approval
        self._render_preview()
        self.refresh_bindings()

    def _submit(self, approval: Approval | None) -> None:
        preview = self.preview
        if preview is None:
            return
        box = self.box
        signing = box.signing_key
        receipts = next((p.name for p in box.config.printers if p.role == "receipts"), None) or box.ticket_printer
        approver = approval.approver if approval else (self.note.approver if self.note else None)
        request = RefundRequest(
            order_id=preview.view.order_id, ticket_ids=tuple(line.ticket_id for line in preview.decision.lines),
            terminal_id=box.config.terminal.id, staff=self.staff, request_key=self.request_key,
            current_policy=policy_from_config(box.config.refunds), approver=approver,
            reason=approval.reason if approval else None,
            returned_tokens=tuple(self.returned[t] for t in preview.paper_ticket_ids if t in self.returned),
            not_returned_note=self.note.reason if self.note else None,
            public_key=signing.public_key() if signing else None, printer=receipts,
        )
        self._busy = True
        self._say("refund.busy")
        self._refund(request)

    @work(thread=True, exclusive=True, group="refund")
    def _refund(self, request: RefundRequest) -> None:
        box = self.box
        now = box.now()
        try:
            result = run_intent(box.engine, lambda session: refund_tickets(session, request, now), name="refund")
        except BoxOfficeError as error:
            self.post_message(self.Answered(error=error))
            return
        box.tickets_queued(cash=result.cash_back_fen > 0)  # wakes the printer; opens the drawer for cash
        self.post_message(self.Answered(result=result))

    def _refunded(self, result: RefundResult) -> None:
        self._busy = False
        self.result = result
        self.request_key = uuid.uuid4().hex  # a further refund of this order is another request
        printing = result.receipt_job_id is not None
        self._say("refund.repeated" if result.repeated else "refund.done", "-ok",
                  amount=format_money(result.back_fen), reference=result.order_reference,
                  receipt=self.t("refund.receipt_printing") if printing else "")
        order_id = result.order_id
        self.preview, self.returned, self.note = None, {}, None
        self._render_all()
        self._after_refund(order_id)
        self.query_one("#refund-input", Input).focus()

    @work(thread=True, exclusive=True, group="preview")
    def _after_refund(self, order_id: int) -> None:
        """Show the order as it is now (what is left of it), keeping the result on screen."""
        box = self.box
        now, policy, role = box.now(), policy_from_config(box.config.refunds), self.staff.role
        try:
            preview = run_intent(box.engine, lambda session: preview_refund(
                session, order_id=order_id, ticket_ids=[], current_policy=policy, now=now, role=role),
                write=False, name="refund preview")
        except BoxOfficeError:
            return
        self.post_message(self.Answered(preview=preview, fresh=True, keep_result=True))

    @on(TicketChecklist.Confirmed, "#refund-tickets")
    def _confirmed(self, event: TicketChecklist.Confirmed) -> None:
        event.stop()
        self.action_refund()

    def action_back(self) -> None:
        """Back to the showtimes."""
        self.dismiss(None)


def _refundable(session: Any, order_id: int) -> list[int]:
    """The tickets a refund of the whole order would take: valid and not let in yet."""
    return [t.id for t in order_facts(session, order_id).tickets if t.status == "valid" and not t.admitted]
