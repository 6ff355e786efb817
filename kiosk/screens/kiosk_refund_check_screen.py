"""Refunding at a kiosk, step 2: the order and the policy's decision, before anything changes; then the refund.

The customer sees the order found (film, time, hall, seats, the phone masked) and the decision
(:func:`boxoffice.refund_rules.decide_refund` for channel ``kiosk`` and no staff role) in their language: each
ticket with what was paid, the service fee kept and what goes back, the amount back per original payment, and the
policy's reason in words. When the kiosk may not refund (printed tickets, cash, outside the free window…) the
reason says so, with "please go to the counter", and there is no button to refund.

"Refund ¥…" writes the refund and then pays the money back through the payment terminal
(:func:`kiosk.kiosk_refund.refund_and_pay_back`, in a worker thread). While that runs, Back and Cancel wait, the
idle timeout is paused and the out-of-order screen stays away (``kiosk_service.begin_payment``). One request key
per order shown: touching Refund twice refunds once. Then the done screen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Digits, Static

from boxoffice.i18n import format_money
from boxoffice.refund_policy import policy_from_config
from boxoffice.refunds import RefundPreview
from kiosk.dialogs.sale_done_dialog import digits_money
from kiosk.kiosk_refund import KioskRefund, refund_and_pay_back
from kiosk.pickup_calls import order_rows
from kiosk.screens.kiosk_refund_find_screen import KioskRefundStepScreen
from kiosk.widgets.refund_preview import RefundPreviewPanel


class KioskRefundCheckScreen(KioskRefundStepScreen):
    """The order on the left, the decision and the amount back on the right."""

    STEP = "check"
    CONTINUE = "kiosk_refund.confirm"

    @dataclass
    class Finished(Message):
        """The refund ended (posted from the worker thread)."""

        refund: KioskRefund

    def __init__(self, preview: RefundPreview) -> None:
        super().__init__()
        self.preview = preview
        self.request_key = uuid.uuid4().hex
        """One per order shown: the same refund confirmed twice is made once."""
        self.refunding = False

    def compose_body(self) -> ComposeResult:
        """Order left; decision, amount and state right."""
        with Horizontal(id="kiosk-refund-body"):
            with Vertical(id="kiosk-refund-left"):
                yield Static(id="kiosk-refund-order")
                with VerticalScroll(id="kiosk-refund-preview-box"):
                    yield RefundPreviewPanel(id="kiosk-refund-preview")
            with Vertical(id="kiosk-refund-right"):
                yield Static(id="kiosk-refund-verdict")
                yield Static(id="kiosk-refund-amount-label")
                yield Digits(id="kiosk-refund-amount")
                yield Static(id="kiosk-refund-state")

    def on_mount(self) -> None:
        """Continue only when the kiosk may refund; the focus on it (Enter refunds) or on Back."""
        allowed = self.preview.decision.allowed
        self.set_continue(allowed)
        self.query_one(".kiosk-continue" if allowed else ".kiosk-back", Button).focus()

    # -- words -----------------------------------------------------------------------------------------------

    def apply_step_language(self) -> None:
        """The order, the decision, the amount and the state in the current language."""
        preview, decision = self.preview, self.preview.decision
        view = preview.view
        asked = {line.ticket_id for line in decision.lines} or {t.id for t in view.valid_tickets}
        order = order_rows(view, self.t, english=self.box.language == "en", zone=self.box.config.site.zone,
                           only=asked)
        self.query_one("#kiosk-refund-order", Static).update(order)
        self.query_one("#kiosk-refund-preview", RefundPreviewPanel).show(
            preview, translate=self.t, missing=[], note=None, result=None)

        verdict = self.query_one("#kiosk-refund-verdict", Static)
        if decision.allowed:
            verdict.update(Text(self.t("kiosk_refund.allowed"), style="bold"))
        else:
            verdict.update(Text.assemble((self.t("kiosk_refund.refused") + "\n", "bold"),
                                         (self.box.translator.error(decision.reason) + "\n", "bold"),
                                         self.t("kiosk_refund.go_to_counter")))
        verdict.set_class(not decision.allowed, "-refused")
        self.query_one("#kiosk-refund-amount-label", Static).display = decision.allowed
        self.query_one("#kiosk-refund-amount", Digits).display = decision.allowed
        self.query_one(".kiosk-continue", Button).display = decision.allowed  # refused: nothing to press
        if decision.allowed:
            self.query_one("#kiosk-refund-amount-label", Static).update(self.t("kiosk_refund.amount_label"))
            self.query_one("#kiosk-refund-amount", Digits).update(digits_money(decision.back_fen))
            self.query_one(".kiosk-continue", Button).label = self.t(
                "kiosk_refund.confirm", amount=format_money(decision.back_fen))
        self._render_state()

    def _render_state(self, key: str | None = None, **params: object) -> None:
        state = self.query_one("#kiosk-refund-state", Static)
        if key is not None:
            state.update(self.box.translator.error(key.removeprefix("error."), **params)
                         if key.startswith("error.") else self.t(key, **params))
        elif self.refunding:
            state.update(self.t("kiosk_refund.busy"))
        elif self.preview.decision.allowed:
            state.update(self.t("kiosk_refund.confirm_hint", amount=format_money(self.preview.decision.back_fen)))
        else:
            state.update("")
        for selector in (".kiosk-back", ".kiosk-cancel", ".kiosk-continue"):
            self.query_one(selector, Button).disabled = self.refunding or (
                selector == ".kiosk-continue" and not self.preview.decision.allowed)

    # -- refunding -------------------------------------------------------------------------------------------

    def action_continue(self) -> None:
        """Refund what the preview shows (once; only when the kiosk may)."""
        box, preview = self.box, self.preview
        if self.refunding or not preview.decision.allowed:
            return
        self.refunding = True
        service = getattr(box, "kiosk_service", None)
        if service is not None and hasattr(service, "begin_payment"):
            service.begin_payment()
        if box.idle is not None:
            box.idle.pause()
        self._render_state()
        self._refund([line.ticket_id for line in preview.decision.lines])

    @work(thread=True, exclusive=True, group="kiosk-refund")
    def _refund(self, ticket_ids: list[int]) -> None:
        box = self.box
        refund = refund_and_pay_back(
            box.engine, order_id=self.preview.view.order_id, ticket_ids=ticket_ids,
            terminal_id=box.config.terminal.id, request_key=self.request_key,
            policy=policy_from_config(box.config.refunds), terminal=box.payment_terminal,
            methods=box.config.payment_terminal.methods, clock=box.now)
        self.post_message(self.Finished(refund))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        from kiosk.screens.kiosk_refund_done_screen import KioskRefundDoneScreen

        box, refund = self.box, message.refund
        self.refunding = False
        if box.idle is not None:
            box.idle.resume()
        service = getattr(box, "kiosk_service", None)
        if service is not None and hasattr(service, "end_payment"):
            service.end_payment()
        if refund.result is not None:
            self.app.push_screen(KioskRefundDoneScreen(self.preview, refund))
            return
        error = refund.error
        self._render_state(f"error.{error.code}" if error is not None else "error.unexpected",
                           **(error.params if error is not None else {}))

    def action_back(self) -> None:
        """Back to the input (not while refunding)."""
        if not self.refunding:
            super().action_back()

    def action_cancel(self) -> None:
        """Give up (not while refunding)."""
        if not self.refunding:
            super().action_cancel()
