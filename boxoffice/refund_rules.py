"""May these tickets be refunded now, here, by this person, and how much goes back to which payment?

One pure function, :func:`decide_refund`, answers that from frozen facts: the order as the store holds it
(:class:`OrderFacts`), the tickets asked for, the policy version the order was sold under
(:class:`~boxoffice.refund_policy.RefundPolicy`), ``now``, the channel and the person's role. It reads no
session and changes nothing, so the counter and the kiosk can show the customer the same preview that the refund
service then carries out, and every rule is tested with a fixed clock (:mod:`boxoffice.exchange_rules` decides
exchanges the same way).

The rules, in the order they are checked (the first that fails is the decision's ``reason``):

1. something is asked for (``refund_nothing_selected``); every ticket asked for belongs to the order
   (``refund_ticket_unknown``), is still ``valid`` (``refund_ticket_not_valid``) and was not let in at the door
   (``refund_ticket_admitted``);
2. at the counter the person may sell (cashier, supervisor, admin: else ``refund_role_not_allowed``); a kiosk
   refunds only when the policy lets kiosks refund by themselves (``refund_kiosk_not_allowed``);
3. a cancelled showtime is refunded in full, service fee included, at any time (``refund_showtime_cancelled``);
4. otherwise nothing is refunded from the showtime's start on (``refund_after_start``: ``now >= starts_at``),
   and the first window with ``starts_at - now >= until_minutes_before`` applies (the boundary is inside);
   after the last window, nothing (``refund_window_closed``);
5. a kiosk refunds only in a free window (``refund_kiosk_not_allowed``), tickets neither printed nor collected
   (``refund_kiosk_printed``), of orders paid by card or mobile only (``refund_kiosk_cash``);
6. allowed: ``refund_free_window``, ``refund_fee_window`` (the window keeps a percentage or a fixed fee) or
   ``refund_supervisor_window``, where ``needs_reason`` is set and ``needs_supervisor`` too unless the person
   may approve overrides (supervisor, admin).

Money, per ticket and in integer fen: ``gross = price + service fee``; first the kept fees (the service fee when
``keep_service_fee``), then the window's percentage of the rest, rounded half up to the fen
(:func:`percent_of`), then the window's fixed fee, never more than what is left. Per ticket, so that refunding
an order ticket by ticket gives back exactly what refunding it at once would.

The amount back goes to the original payments (:func:`allocate_back`): card and mobile payments first, the
latest first, then cash, the latest first; each at most what it paid in minus what earlier refunds gave back to
it (``earlier``). What no payment can take any more is ``uncovered_fen`` and is not paid back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from boxoffice.refund_policy import RefundPolicy, RefundWindow
from boxoffice.staff import role_can

COUNTER, KIOSK = "counter", "kiosk"
CHANNELS = (COUNTER, KIOSK)
CASH = "cash"
"""The one payment method a kiosk cannot pay back; every other method (card, mobile) is electronic."""

REFUND_FREE_WINDOW = "refund_free_window"
REFUND_FEE_WINDOW = "refund_fee_window"
REFUND_SUPERVISOR_WINDOW = "refund_supervisor_window"
REFUND_SHOWTIME_CANCELLED = "refund_showtime_cancelled"
REFUND_NOTHING_SELECTED = "refund_nothing_selected"
REFUND_TICKET_UNKNOWN = "refund_ticket_unknown"
REFUND_TICKET_NOT_VALID = "refund_ticket_not_valid"
REFUND_TICKET_ADMITTED = "refund_ticket_admitted"
REFUND_ROLE_NOT_ALLOWED = "refund_role_not_allowed"
REFUND_KIOSK_NOT_ALLOWED = "refund_kiosk_not_allowed"
REFUND_KIOSK_PRINTED = "refund_kiosk_printed"
REFUND_KIOSK_CASH = "refund_kiosk_cash"
REFUND_AFTER_START = "refund_after_start"
REFUND_WINDOW_CLOSED = "refund_window_closed"

ALLOWED_REASONS = frozenset({REFUND_FREE_WINDOW, REFUND_FEE_WINDOW, REFUND_SUPERVISOR_WINDOW,
                             REFUND_SHOWTIME_CANCELLED})


# --- Facts in. -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShowtimeFacts:
    """A showtime as the decisions see it.

    Attributes:
        id: the showtime's id.
        film_id: its film (exchanges may be limited to the same film).
        starts_at: UTC-aware start.
        cancelled: the showtime was cancelled (``status == "cancelled"``).
    """

    id: int
    film_id: int
    starts_at: datetime
    cancelled: bool = False

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None:
            raise ValueError("ShowtimeFacts.starts_at must be timezone-aware (UTC)")


@dataclass(frozen=True)
class TicketFacts:
    """One ticket of the order.

    Attributes:
        id: the ticket's id.
        price_fen: the ticket price paid, without the service fee.
        fee_fen: the service fee paid for it.
        ticket_type: the ticket type's code (exchanges may forbid changing it).
        status: ``valid``, ``refunded``, ``exchanged``…; only ``valid`` tickets are refunded or exchanged.
        printed: printed at least once (``printed_count > 0``).
        picked_up: collected, or handed over at the counter or kiosk that sold it (``picked_up_at`` is set).
        admitted: let in at the door (``admitted_at`` is set).
    """

    id: int
    price_fen: int
    fee_fen: int = 0
    ticket_type: str = ""
    status: str = "valid"
    printed: bool = False
    picked_up: bool = False
    admitted: bool = False

    @property
    def gross_fen(self) -> int:
        """What was paid for the ticket: price and service fee."""
        return self.price_fen + self.fee_fen

    @property
    def on_paper(self) -> bool:
        """The customer may hold it on paper: it should be handed back (or a supervisor notes why not)."""
        return self.printed or self.picked_up


@dataclass(frozen=True)
class PaymentFacts:
    """One payment of the order, as taken (``Payment`` rows with a positive amount).

    Attributes:
        id: the payment's id.
        method: ``cash``, ``card`` or ``mobile``.
        amount_fen: what it put towards the order (for cash without the change).
        reference: the card or mobile reference money goes back through; None for cash.
    """

    id: int
    method: str
    amount_fen: int
    reference: str | None = None

    @property
    def electronic(self) -> bool:
        """Not cash: money goes back through the payment's reference."""
        return self.method != CASH


@dataclass(frozen=True)
class OrderFacts:
    """What the decisions need of an order.

    Attributes:
        showtime: the order's showtime.
        tickets: every ticket of the order, whatever its status.
        payments: every payment taken for it, in the order they were taken.
        earlier: what recorded refunds of the order already gave back, per payment
            (:func:`boxoffice.order_lookup.order_facts` fills it); the decisions read their ``earlier``
            argument, so pass it on as ``earlier=order.earlier``.
    """

    showtime: ShowtimeFacts
    tickets: tuple[TicketFacts, ...]
    payments: tuple[PaymentFacts, ...]
    earlier: tuple[PaymentBack, ...] = ()

    @property
    def paid_electronically(self) -> bool:
        """Every payment was by card or mobile (there is at least one)."""
        return bool(self.payments) and all(payment.electronic for payment in self.payments)


# --- Decision out. ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentBack:
    """Money to give back to one original payment (the refund service records one row per value).

    Attributes:
        payment_id: the original payment.
        method: its method (cash comes from the drawer; card and mobile go back through ``reference``).
        amount_fen: more than 0.
        reference: the original payment's reference (None for cash).
    """

    payment_id: int
    method: str
    amount_fen: int
    reference: str | None = None


@dataclass(frozen=True)
class RefundLine:
    """One ticket's refund: ``back_fen = gross_fen - kept_fee_fen - percent_fee_fen - fixed_fee_fen >= 0``.

    ``hand_back`` says the ticket was printed or collected: the paper should be scanned back.
    """

    ticket_id: int
    gross_fen: int
    kept_fee_fen: int
    percent_fee_fen: int
    fixed_fee_fen: int
    back_fen: int
    hand_back: bool


@dataclass(frozen=True)
class RefundDecision:
    """What :func:`decide_refund` decided.

    When ``allowed`` is False nothing may be refunded, ``reason`` says why, and there are no lines nor money.
    When it is True the refund may be carried out as shown: after a supervisor approved it with their PIN if
    ``needs_supervisor``, with a written reason if ``needs_reason``.

    Attributes:
        allowed: the refund may go ahead (after approval when ``needs_supervisor``).
        reason: a stable code (this module's ``REFUND_*``); the UI shows ``policy_reason.<reason>``.
        needs_supervisor: a supervisor or admin must approve with their PIN first.
        needs_reason: a reason must be recorded (supervisor windows).
        window: the policy window that applied (None for a cancelled showtime or a refusal before the window).
        lines: one per ticket asked for, in the order asked.
        refused_ticket_ids: for the ticket reasons, the tickets that caused the refusal.
        back_by_payment: the amount back per original payment, in the order to pay it back.
    """

    allowed: bool
    reason: str
    needs_supervisor: bool = False
    needs_reason: bool = False
    window: RefundWindow | None = None
    lines: tuple[RefundLine, ...] = ()
    refused_ticket_ids: tuple[int, ...] = ()
    back_by_payment: tuple[PaymentBack, ...] = ()

    @property
    def gross_fen(self) -> int:
        """What was paid for the tickets asked for (prices and service fees)."""
        return sum(line.gross_fen for line in self.lines)

    @property
    def kept_fee_fen(self) -> int:
        """The service fees kept."""
        return sum(line.kept_fee_fen for line in self.lines)

    @property
    def percent_fee_fen(self) -> int:
        """The percentage fees kept."""
        return sum(line.percent_fee_fen for line in self.lines)

    @property
    def fixed_fee_fen(self) -> int:
        """The fixed fees kept."""
        return sum(line.fixed_fee_fen for line in self.lines)

    @property
    def back_fen(self) -> int:
        """What goes back to the customer: the sum of ``back_by_payment``."""
        return sum(back.amount_fen for back in self.back_by_payment)

    @property
    def uncovered_fen(self) -> int:
        """What the lines would give back but no payment can take any more (0 unless earlier refunds or a
        discount left less on the payments than the tickets are worth); it is not paid back."""
        return sum(line.back_fen for line in self.lines) - self.back_fen

    def back_by_method(self) -> dict[str, int]:
        """The amount back per payment method (``{"cash": 3000, "mobile": 5000}``), for the preview."""
        totals: Counter[str] = Counter()
        for back in self.back_by_payment:
            totals[back.method] += back.amount_fen
        return dict(totals)


# --- The rules. ------------------------------------------------------------------------------------------------


def percent_of(amount_fen: int, bp: int) -> int:
    """``amount_fen * bp / 10000`` rounded half up to the fen (both non-negative): 10 % of 1005 fen is 101."""
    return (amount_fen * bp + 5000) // 10000


def window_for(policy: RefundPolicy, starts_at: datetime, now: datetime) -> RefundWindow | None:
    """The first window with ``starts_at - now >= until_minutes_before``; None from the start on, or after the
    last window."""
    left = starts_at - now
    if left <= timedelta(0):
        return None
    return next((w for w in policy.windows if left >= timedelta(minutes=w.until_minutes_before)), None)


def refund_line(ticket: TicketFacts, window: RefundWindow | None, *, keep_service_fee: bool) -> RefundLine:
    """The fees and amount back of one ticket; ``window=None`` refunds everything (a cancelled showtime)."""
    kept = ticket.fee_fen if keep_service_fee and window is not None else 0
    rest = ticket.gross_fen - kept
    percent = percent_of(rest, window.percent_fee_bp) if window is not None else 0
    fixed = min(window.fixed_fee_fen, rest - percent) if window is not None else 0
    return RefundLine(ticket.id, ticket.gross_fen, kept, percent, fixed, rest - percent - fixed, ticket.on_paper)


def allocate_back(
    amount_fen: int, payments: Sequence[PaymentFacts], earlier: Iterable[PaymentBack] = ()
) -> tuple[PaymentBack, ...]:
    """Spread an amount back over the original payments: electronic ones first, then cash, each the latest first.

    Each payment takes at most ``amount_fen`` it paid in minus what ``earlier`` refunds gave back to it. The
    result may add up to less than ``amount_fen`` when the payments have no more room.

    Raises:
        ValueError: an earlier refund names a payment that is not among ``payments``.
    """
    taken: Counter[int] = Counter()
    ids = {payment.id for payment in payments}
    for back in earlier:
        if back.payment_id not in ids:
            raise ValueError(f"an earlier refund names payment {back.payment_id}, not one of this order")
        taken[back.payment_id] += back.amount_fen
    order = [p for p in reversed(payments) if p.electronic] + [p for p in reversed(payments) if not p.electronic]
    result: list[PaymentBack] = []
    left = amount_fen
    for payment in order:
        give = min(left, max(payment.amount_fen - taken[payment.id], 0))
        if give > 0:
            result.append(PaymentBack(payment.id, payment.method, give, payment.reference))
            left -= give
    return tuple(result)


def chosen_tickets(order: OrderFacts, ticket_ids: Sequence[int], prefix: str, *, admitted_ok: bool = False,
                   ) -> tuple[tuple[TicketFacts, ...], str | None, tuple[int, ...]]:
    """The tickets asked for (each once, in the order asked), or the ``<prefix>_…`` code refusing them.

    ``admitted_ok``: tickets already let in at the door may be chosen too (a showtime cancelled after its
    start — the projector failed — is refunded to everyone who came).

    Returns:
        ``(tickets, None, ())`` or ``((), code, ticket ids concerned)`` with code ``<prefix>_nothing_selected``,
        ``<prefix>_ticket_unknown``, ``<prefix>_ticket_not_valid`` or ``<prefix>_ticket_admitted``.
    """
    wanted = tuple(dict.fromkeys(ticket_ids))
    if not wanted:
        return (), f"{prefix}_nothing_selected", ()
    by_id = {ticket.id: ticket for ticket in order.tickets}
    unknown = tuple(tid for tid in wanted if tid not in by_id)
    if unknown:
        return (), f"{prefix}_ticket_unknown", unknown
    tickets = tuple(by_id[tid] for tid in wanted)
    not_valid = tuple(t.id for t in tickets if t.status != "valid")
    if not_valid:
        return (), f"{prefix}_ticket_not_valid", not_valid
    admitted = tuple(t.id for t in tickets if t.admitted)
    if admitted and not admitted_ok:
        return (), f"{prefix}_ticket_admitted", admitted
    return tickets, None, ()


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")


def decide_refund(
    order: OrderFacts,
    ticket_ids: Sequence[int],
    policy: RefundPolicy,
    *,
    now: datetime,
    channel: str,
    role: str | None,
    earlier: Sequence[PaymentBack] = (),
) -> RefundDecision:
    """Decide a refund of some tickets of an order (see the module's docstring for the rules and the money).

    Args:
        order: the order's showtime, all its tickets and its payments.
        ticket_ids: the tickets asked for (repeats count once).
        policy: the policy version the order was sold under (:func:`boxoffice.refund_policy.policy_of_order`;
            the current policy for orders that recorded none).
        now: UTC-aware.
        channel: ``"counter"`` or ``"kiosk"``.
        role: the signed-in person's role (``cashier``, ``supervisor``, ``admin``, ``technician``), or None for a
            customer at a kiosk.
        earlier: what earlier refunds (and exchanges) of this order already paid back, per payment, so that
            refunds of parts of an order never add up to more than each payment paid in.

    Raises:
        ValueError: an unknown channel, or an earlier refund of a payment that is not the order's.
    """
    _check_channel(channel)
    tickets, refusal, concerned = chosen_tickets(order, ticket_ids, "refund", admitted_ok=order.showtime.cancelled)
    if refusal is not None:
        return RefundDecision(False, refusal, refused_ticket_ids=concerned)
    if channel == COUNTER and not role_can(role, "sell"):
        return RefundDecision(False, REFUND_ROLE_NOT_ALLOWED)
    if channel == KIOSK and not policy.kiosk_self_refund:
        return RefundDecision(False, REFUND_KIOSK_NOT_ALLOWED)

    window: RefundWindow | None = None
    if order.showtime.cancelled:
        reason = REFUND_SHOWTIME_CANCELLED
    elif now >= order.showtime.starts_at:
        return RefundDecision(False, REFUND_AFTER_START)
    else:
        window = window_for(policy, order.showtime.starts_at, now)
        if window is None:
            return RefundDecision(False, REFUND_WINDOW_CLOSED)
        reason = (REFUND_SUPERVISOR_WINDOW if window.supervisor
                  else REFUND_FEE_WINDOW if window.percent_fee_bp or window.fixed_fee_fen
                  else REFUND_FREE_WINDOW)

    if channel == KIOSK:
        if window is not None and not window.is_free:
            return RefundDecision(False, REFUND_KIOSK_NOT_ALLOWED, window=window)
        on_paper = tuple(t.id for t in tickets if t.on_paper)
        if on_paper:
            return RefundDecision(False, REFUND_KIOSK_PRINTED, window=window, refused_ticket_ids=on_paper)
        if not order.paid_electronically:
            return RefundDecision(False, REFUND_KIOSK_CASH, window=window)

    lines = tuple(refund_line(t, window, keep_service_fee=policy.keep_service_fee) for t in tickets)
    supervised = window is not None and window.supervisor
    return RefundDecision(
        allowed=True,
        reason=reason,
        needs_supervisor=supervised and not role_can(role, "override"),
        needs_reason=supervised,
        window=window,
        lines=lines,
        back_by_payment=allocate_back(sum(line.back_fen for line in lines), order.payments, earlier),
    )
