"""Taking a kiosk customer's money and turning it into tickets, in that order, without ever keeping one without
the other.

Run in a worker thread by the payment step (:mod:`kiosk.screens.kiosk_pay_screen`):

1. The seats' holds are pushed back and the sale is checked as it will be written (holds, seat rules, prices,
   kiosk ticket types) in a read transaction, with a stand-in payment: what would be refused after paying is
   refused before.
2. The payment terminal charges the total. Declined or no answer: nothing was taken, nothing is written, the
   customer may try again.
3. Approved: the sale is written with the terminal's reference as the card or mobile payment, in one
   transaction with its tickets' print jobs and the pickup-code SMS (as at the counter). The request key of the
   purchase makes a repeated write sell once. A store that is briefly unavailable is tried again; a sale the
   store refuses after all is reversed on the terminal (:meth:`~boxoffice.payment_terminal.PaymentTerminal.void`),
   so nobody pays without tickets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any, Literal

from sqlalchemy import Engine

from boxoffice.errors import BoxOfficeError
from boxoffice.holds import extend_holds
from boxoffice.payment_terminal import PaymentResult, PaymentTerminal
from boxoffice.print_queue import queue_order_tickets
from boxoffice.sales import PreparedSale, SaleRequest, SaleResult, commit_sale, prepare_sale
from boxoffice.seat_rules import SeatRules
from boxoffice.sms import queue_order_pickup_sms
from boxoffice.tender import Tender
from kiosk.intents import run_intent

log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 3
"""Tries at writing a paid sale while the store is unavailable, a second apart."""
STAND_IN = {"card": "CHECKONLY0", "mobile": "0" * 28}
"""A reference of the right shape for the check before paying (never written)."""

Outcome = Literal["sold", "declined", "timeout", "refused", "reversed"]


@dataclass(frozen=True)
class KioskPayment:
    """How a payment attempt ended.

    Attributes:
        outcome: ``sold`` (paid and written), ``declined`` / ``timeout`` (nothing taken), ``refused`` (the sale
            could not be made, checked before paying: nothing taken), ``reversed`` (paid, but the store refused
            the sale, and the payment was voided; ``voided`` says whether the terminal confirmed).
        sale: the sale, when sold.
        error: why it was refused or reversed.
        reference: the terminal's reference of an approved payment.
        voided: the terminal confirmed the reversal.
    """

    outcome: Outcome
    sale: SaleResult | None = None
    error: BoxOfficeError | None = None
    reference: str | None = None
    voided: bool = False


@dataclass(frozen=True)
class SaleContext:
    """What writing the sale needs besides the request (read on the app's thread)."""

    engine: Engine
    zone: tzinfo
    rules: SeatRules
    hold_seconds: int
    printer: str | None
    pickup_key: bytes | None
    site_name: str
    sms_template: str
    clock: Callable[[], datetime]


def pay_and_sell(request: SaleRequest, method: str, amount_fen: int, terminal: PaymentTerminal,
                 context: SaleContext, *, hint: str) -> KioskPayment:
    """Check, charge, then write the sale (see the module docstring). Blocks: call it in a worker thread."""
    engine = context.engine
    try:
        now = context.clock()
        run_intent(engine, lambda session: extend_holds(session, terminal_id=request.terminal_id, now=now,
                                                        hold_seconds=context.hold_seconds), name="kiosk keep holds")
        check = replace(request, tenders=(Tender(method, amount_fen, reference=STAND_IN[method]),))
        run_intent(engine, lambda session: prepare_sale(session, request=check, now=now, zone=context.zone,
                                                        rules=context.rules), write=False, name="kiosk check sale")
    except BoxOfficeError as error:
        return KioskPayment("refused", error=error)
    try:
        answer = terminal.charge(amount_fen, method, hint)
    except Exception:  # a terminal's failure is a payment not taken, never a traceback on screen
        log.exception("payment terminal failed during a charge of %s fen", amount_fen)
        answer = PaymentResult("timeout", detail="terminal error")
    log.info("kiosk %s: %s payment of %s fen %s", request.terminal_id, method, amount_fen, answer.outcome)
    if not answer.approved or not answer.reference:
        return KioskPayment("timeout" if answer.outcome == "timeout" else "declined")
    paid = replace(request, tenders=(Tender(method, amount_fen, reference=answer.reference),))
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return KioskPayment("sold", sale=_write(paid, context), reference=answer.reference)
        except BoxOfficeError as error:
            if error.code == "store_unavailable" and attempt < WRITE_ATTEMPTS:
                time.sleep(1.0)
                continue
            log.error("kiosk %s: paid %s (%s) but the sale was refused: %s; voiding", request.terminal_id,
                      amount_fen, answer.reference, error.code)
            return KioskPayment("reversed", error=error, reference=answer.reference,
                                voided=_void(terminal, answer.reference, amount_fen))
    raise AssertionError("unreachable")  # pragma: no cover


def _write(request: SaleRequest, context: SaleContext) -> SaleResult:
    """The paid sale, its tickets' print jobs and its pickup-code SMS, together."""
    now = context.clock()

    def commit(session: Any, prepared: PreparedSale) -> SaleResult:
        result = commit_sale(session, prepared=prepared, now=now)
        if context.printer is not None and not result.repeated:
            queue_order_tickets(session, order_id=result.order_id, printer=context.printer,
                                terminal_id=request.terminal_id, now=now)
        if request.phone and result.pickup_code and not result.repeated:
            queue_order_pickup_sms(session, order_id=result.order_id, code=result.pickup_code,
                                   template=context.sms_template, site_name=context.site_name, zone=context.zone,
                                   key=context.pickup_key, now=now)
        return result

    prepared = run_intent(context.engine, lambda session: prepare_sale(
        session, request=request, now=now, zone=context.zone, rules=context.rules, pickup_key=context.pickup_key),
        write=False, name="kiosk prepare sale")
    return run_intent(context.engine, lambda session: commit(session, prepared), name="kiosk sale")


def _void(terminal: PaymentTerminal, reference: str, amount_fen: int) -> bool:
    try:
        return terminal.void(reference, amount_fen)
    except Exception:
        log.exception("payment terminal could not void %s", reference)
        return False
