"""A customer refunding tickets at a self-service kiosk, by themselves, under the published policy.

The policy (``[refunds] kiosk_self_refund``) lets a kiosk refund only what needs nobody behind a counter: tickets
neither printed nor collected, of an order paid by card or mobile only, inside a free window
(:func:`boxoffice.refund_rules.decide_refund` with channel ``kiosk`` and no staff role). The kiosk finds the order
the way its pickup screen does (:func:`boxoffice.pickup.present`: a pickup code checked by its check digit before
any query, or a ticket's signed QR code), so every attempt is logged and wrong codes lock the input exactly as they
lock pickup: a refund input is no way round the pickup lock.

:func:`find_for_refund` shows the order and the decision for all of its refundable tickets, before anything
changes. :func:`refund_at_kiosk` then carries it out with :func:`boxoffice.refunds.refund_tickets` on channel
``kiosk``, which decides again in its write transaction and refuses what the decision refuses, whatever the
screen showed; the screen's request key makes a second confirmation refund once. Money goes back to the original
payments afterwards, through the payment terminal (``kiosk.kiosk_refund``); :func:`record_paid_back` writes what
the terminal answered to the audit log, so that a refund the terminal did not confirm can be finished at the
counter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session

from boxoffice import audit
from boxoffice.errors import BoxOfficeError
from boxoffice.order_lookup import order_facts
from boxoffice.pickup import present
from boxoffice.pickup_guard import GuardPolicy
from boxoffice.refund_policy import RefundPolicy
from boxoffice.refund_rules import KIOSK
from boxoffice.refunds import RefundPreview, RefundRequest, RefundResult, preview_refund, refund_tickets


@dataclass(frozen=True)
class KioskRefundLookup:
    """What one press of Enter at the kiosk's refund input led to.

    Attributes:
        preview: the order and the decision for its refundable tickets (allowed, or the coded reason).
        error: why nothing was found (``pickup_code_check``, ``pickup_not_found``, the token codes).
        locked_until: the input is locked until then (too many wrong codes at this kiosk, as at pickup).
    """

    preview: RefundPreview | None = None
    error: BoxOfficeError | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class PaidBack:
    """What the payment terminal answered for one payment of a refund.

    Attributes:
        payment_id: the original payment.
        method: its method.
        amount_fen: what went back to it.
        outcome: ``approved``, ``declined``, ``timeout``, or ``recorded`` for a method the kiosk's terminal does
            not take (an online platform's payment: the platform settles it, as for a counter refund).
        reference: the terminal's reference of the refund, when approved.
    """

    payment_id: int
    method: str
    amount_fen: int
    outcome: str
    reference: str | None = None

    @property
    def confirmed(self) -> bool:
        """The money is on its way back (or recorded for the platform to settle)."""
        return self.outcome in ("approved", "recorded")


def refundable_ticket_ids(session: Session, order_id: int) -> list[int]:
    """The order's tickets a refund of the whole order would take (valid, not let in); when none is, all of them,
    so that the decision says why (already refunded, exchanged or used)."""
    tickets = order_facts(session, order_id).tickets
    valid = [t.id for t in tickets if t.status == "valid" and not t.admitted]
    return valid or [t.id for t in tickets]


def find_for_refund(session: Session, *, text: str, terminal_id: str, key: bytes, public_key: Ed25519PublicKey,
                    now: datetime, guard: GuardPolicy, current_policy: RefundPolicy) -> KioskRefundLookup:
    """Look up a typed pickup code or a scanned ticket, log the attempt, apply the lock, and decide (one intent).

    Refusals are returned, not raised, so that the attempt is logged in the same (committing) transaction.
    """
    outcome = present(session, text=text, terminal_id=terminal_id, key=key, public_key=public_key, now=now,
                      policy=guard)
    if outcome.view is None:
        return KioskRefundLookup(error=outcome.error, locked_until=outcome.locked_until)
    order_id = outcome.view.order_id
    preview = preview_refund(session, order_id=order_id, ticket_ids=refundable_ticket_ids(session, order_id),
                             current_policy=current_policy, now=now, role=None, channel=KIOSK)
    return KioskRefundLookup(preview=preview, locked_until=outcome.locked_until)


def refund_at_kiosk(session: Session, *, order_id: int, ticket_ids: Sequence[int], terminal_id: str,
                    request_key: str, current_policy: RefundPolicy, now: datetime) -> RefundResult:
    """Refund tickets at a kiosk, without staff, in the caller's write transaction.

    Raises:
        BoxOfficeError: the decision's code when the policy refuses a kiosk refund (``refund_kiosk_printed``,
            ``refund_kiosk_cash``, ``refund_kiosk_not_allowed``, ``refund_window_closed``…), and the codes of
            :func:`~boxoffice.refunds.refund_tickets`.
    """
    return refund_tickets(session, RefundRequest(
        order_id=order_id, ticket_ids=tuple(ticket_ids), terminal_id=terminal_id, staff=None,
        request_key=request_key, current_policy=current_policy, channel=KIOSK), now)


def record_paid_back(session: Session, *, refund: RefundResult, paid_back: Sequence[PaidBack], terminal_id: str,
                     now: datetime) -> None:
    """Audit what the payment terminal answered for each payment of a kiosk refund (``refund.paid_back``); a
    payment it did not confirm is named in ``unconfirmed`` for the counter to finish."""
    audit.record(session, now=now, terminal_id=terminal_id, action="refund.paid_back",
                 subject=refund.order_reference, refund_id=refund.refund_id,
                 payments=[{"payment_id": p.payment_id, "method": p.method, "amount_fen": p.amount_fen,
                            "outcome": p.outcome, "reference": p.reference} for p in paid_back],
                 unconfirmed=[p.payment_id for p in paid_back if not p.confirmed])
