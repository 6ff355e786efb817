"""Refunding a kiosk customer's tickets and paying the money back, in that order.

Run in a worker thread by the refund's check step (:mod:`kiosk.screens.kiosk_refund_check_screen`):

1. The refund is written (:func:`boxoffice.kiosk_refunds.refund_at_kiosk`, channel ``kiosk``): decided again in
   the write transaction, refused with the policy's reason if the kiosk may not make it; tickets refunded, seats on
   sale again, tokens revoked, the pickup code dead, the audit entry. The screen's request key makes a second
   confirmation (a double touch, a retry) find the refund already made: the money is then not sent back again.
2. The money goes back to each original payment the refund names: card and mobile payments through the payment
   terminal's :meth:`~boxoffice.payment_terminal.PaymentTerminal.refund`, by the payment's reference; a payment the
   terminal does not take (an online platform's) is recorded for the platform to settle, as at the counter.
3. What the terminal answered is audited (``refund.paid_back``). A refund the terminal did not confirm stays
   written (the tickets are gone from the customer's hands either way); the customer is told to show the screen
   at the counter, where the audit entry names the payment to finish.

Writing first and paying back second means the kiosk never gives money back for tickets that are still valid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from boxoffice.errors import BoxOfficeError
from boxoffice.kiosk_refunds import PaidBack, record_paid_back, refund_at_kiosk
from boxoffice.payment_terminal import PaymentTerminal
from boxoffice.refund_policy import RefundPolicy
from boxoffice.refunds import RefundResult
from kiosk.intents import run_intent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KioskRefund:
    """How a kiosk refund ended.

    Attributes:
        result: the refund as written (``result.repeated``: it had been made before, nothing was paid again).
        paid_back: what the terminal answered for each payment (empty for a repeated refund).
        error: why nothing was refunded (the policy's reason, or the store's).
    """

    result: RefundResult | None = None
    paid_back: tuple[PaidBack, ...] = ()
    error: BoxOfficeError | None = None

    @property
    def unconfirmed(self) -> tuple[PaidBack, ...]:
        """Payments the terminal did not confirm: the counter finishes them."""
        return tuple(back for back in self.paid_back if not back.confirmed)


def refund_and_pay_back(engine: Engine, *, order_id: int, ticket_ids: Sequence[int], terminal_id: str,
                        request_key: str, policy: RefundPolicy, terminal: PaymentTerminal | None,
                        methods: Sequence[str], clock: Callable[[], datetime]) -> KioskRefund:
    """Write the refund, then pay the money back (see the module docstring). Never raises a BoxOfficeError."""
    now = clock()
    try:
        result = run_intent(engine, lambda session: refund_at_kiosk(
            session, order_id=order_id, ticket_ids=ticket_ids, terminal_id=terminal_id, request_key=request_key,
            current_policy=policy, now=now), name="kiosk refund")
    except BoxOfficeError as error:
        return KioskRefund(error=error)
    if result.repeated:
        return KioskRefund(result=result)
    paid_back = tuple(_pay_back(terminal, methods, back.payment_id, back.method, back.amount_fen, back.reference)
                      for back in result.back_by_payment)
    later = clock()
    try:
        run_intent(engine, lambda session: record_paid_back(
            session, refund=result, paid_back=paid_back, terminal_id=terminal_id, now=later),
            name="kiosk refund paid back")
    except BoxOfficeError as error:  # the refund stands; the terminal's journal still has the answers
        log.warning("could not audit the payment terminal's answers for refund %s: %s", result.refund_id, error.code)
    return KioskRefund(result=result, paid_back=paid_back)


def _pay_back(terminal: PaymentTerminal | None, methods: Sequence[str], payment_id: int, method: str,
              amount_fen: int, reference: str | None) -> PaidBack:
    if method not in methods:
        return PaidBack(payment_id, method, amount_fen, "recorded")
    if terminal is None or reference is None:
        return PaidBack(payment_id, method, amount_fen, "timeout")
    try:
        answer = terminal.refund(amount_fen, method, reference)
    except Exception:  # a terminal's driver failing must not leave the customer without words
        log.exception("the payment terminal failed refunding %s fen to payment %s", amount_fen, payment_id)
        return PaidBack(payment_id, method, amount_fen, "timeout")
    return PaidBack(payment_id, method, amount_fen, answer.outcome, answer.reference)
