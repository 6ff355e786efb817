"""The store's tables: thin and typed, no behaviour.

Conventions: money is integer fen (``*_fen``), timestamps are UTC-aware (``*_at``), enumerations are short
lowercase strings checked by the domain. The one rule the database itself enforces is the most important one:
a seat of a showtime can have only one live claim (see :class:`SeatClaim`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint, false, text, true
from sqlmodel import Field, SQLModel


class Site(SQLModel, table=True):
    """The cinema this store belongs to (one row)."""

    id: int | None = Field(default=None, primary_key=True)
    name_zh: str
    name_en: str
    timezone: str = "Asia/Shanghai"


class Auditorium(SQLModel, table=True):
    """A hall with a seat plan."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=40)
    name_en: str = Field(default="", max_length=80)
    screen_side: str = Field(default="top", max_length=8)
    grid_rows: int = 0
    grid_cols: int = 0
    plan_text: str = ""


class Seat(SQLModel, table=True):
    """One seat of an auditorium, with its position on the plan's grid."""

    __table_args__ = (UniqueConstraint("auditorium_id", "row_label", "number", name="uq_seat_position"),)

    id: int | None = Field(default=None, primary_key=True)
    auditorium_id: int = Field(foreign_key="auditorium.id", index=True)
    row_label: str = Field(max_length=4)
    number: int
    grid_row: int
    grid_col: int
    kind: str = Field(default="standard", max_length=16)
    zone: str = Field(default="standard", max_length=16)
    blocked: bool = False
    house: bool = False
    retired: bool = False


class Film(SQLModel, table=True):
    """A film with its Chinese and English titles."""

    id: int | None = Field(default=None, primary_key=True)
    title_zh: str = Field(unique=True, max_length=120)
    title_en: str = Field(default="", max_length=160)
    runtime_min: int
    rating: str = Field(default="", max_length=16)
    genres: str = Field(default="", max_length=120)
    language: str = Field(default="", max_length=40)
    distributor: str = Field(default="", max_length=120)


class PriceCard(SQLModel, table=True):
    """A named set of prices; a showtime is priced by one card."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=40)
    description: str = ""
    matinee_until: str = Field(default="17:00", max_length=5)
    service_fee_fen: int = 0
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Bumped on every card by each price import (ticket types are shared), so that readers may cache a card
    and the ticket types by (card, revision)."""


class TicketType(SQLModel, table=True):
    """Adult, child, student, senior…"""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=16)
    name_zh: str
    name_en: str
    needs_id_check: bool = False
    kiosk_allowed: bool = True
    sort_order: int = 0


class Price(SQLModel, table=True):
    """The price of a ticket type in a zone on a price card, optionally only for some days, times or formats."""

    __table_args__ = (
        UniqueConstraint("price_card_id", "zone", "ticket_type_id", "day_kind", "period", "format", name="uq_price"),
    )

    id: int | None = Field(default=None, primary_key=True)
    price_card_id: int = Field(foreign_key="pricecard.id", index=True)
    zone: str = Field(max_length=16)
    ticket_type_id: int = Field(foreign_key="tickettype.id")
    day_kind: str = Field(default="any", max_length=8)
    period: str = Field(default="any", max_length=8)
    format: str = Field(default="any", max_length=8)
    amount_fen: int


class Showtime(SQLModel, table=True):
    """A screening of a film in an auditorium."""

    __table_args__ = (Index("ix_showtime_auditorium_start", "auditorium_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    film_id: int = Field(foreign_key="film.id", index=True)
    auditorium_id: int = Field(foreign_key="auditorium.id")
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    format: str = Field(default="2D", max_length=8)
    status: str = Field(default="scheduled", max_length=12)
    price_card_id: int = Field(foreign_key="pricecard.id")


class Staff(SQLModel, table=True):
    """A person who signs in with a staff number and PIN."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=16)
    name: str
    role: str = Field(max_length=16)
    pin_hash: str
    failed_pins: int = 0
    locked_until: datetime | None = None
    active: bool = True


class RefundPolicyVersion(SQLModel, table=True):
    """One version of the refund and exchange policy, as sold under (boxoffice.refund_policy).

    ``body`` is the policy's canonical JSON and ``digest`` its SHA-256 (hex): the same policy is stored once, and
    a row is never changed or deleted, so an order's promise stays what it was when it was sold.
    """

    __tablename__ = "refund_policy"
    __table_args__ = (Index("ux_refund_policy_digest", "digest", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64)
    body: str
    created_at: datetime


class SaleOrder(SQLModel, table=True):
    """An order: tickets of one showtime sold together, with their payments."""

    __tablename__ = "sale_order"
    __table_args__ = (
        Index("ux_sale_order_request_key", "request_key", unique=True),
        Index("ux_sale_order_pickup_code", "pickup_code_digest", unique=True),
        Index("ux_sale_order_platform_booking", "platform", "platform_booking_id", unique=True),
        Index("ix_sale_order_customer_phone", "customer_phone"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, max_length=20)
    showtime_id: int = Field(foreign_key="showtime.id", index=True)
    channel: str = Field(max_length=12)
    terminal_id: str = Field(max_length=40)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    status: str = Field(default="paid", max_length=12)
    total_fen: int
    customer_phone: str | None = Field(default=None, max_length=20)
    request_key: str | None = Field(default=None, max_length=64)
    """Client-chosen key of the sale request: submitting the same sale twice creates one order."""
    created_at: datetime
    pickup_code_digest: str | None = Field(default=None, max_length=64)
    """HMAC-SHA256 (hex) of the order's pickup code under the site's key file, never the code itself: a copy of
    the store does not reveal valid codes. Unique over all orders, live or not (see boxoffice.pickup_codes)."""
    platform: str | None = Field(default=None, max_length=24)
    """For an online booking: the ticketing platform it came from (``maoyan``, ``taopiaopiao``…)."""
    platform_booking_id: str | None = Field(default=None, max_length=64)
    """The platform's own booking id; unique per platform, so importing a bookings file twice changes nothing."""
    refund_policy_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("refund_policy.id", name="fk_sale_order_refund_policy")])
    """The refund policy version the order was sold under; its refunds and exchanges are decided by it. None for
    orders sold before policies were recorded (decided by the current policy)."""


class Ticket(SQLModel, table=True):
    """One admission: a seat of a showtime at a ticket type's price."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sale_order.id", index=True)
    claim_id: int = Field(foreign_key="seatclaim.id")
    showtime_id: int = Field(foreign_key="showtime.id")
    seat_id: int = Field(foreign_key="seat.id")
    ticket_type_id: int = Field(foreign_key="tickettype.id")
    price_fen: int
    fee_fen: int = 0
    status: str = Field(default="valid", max_length=12)
    secret: str = Field(unique=True, max_length=64)
    printed_count: int = 0
    token_nonce: str | None = Field(default=None, max_length=12)
    """Hex nonce of the ticket's current signed entry token (boxoffice.entry_tokens); a token carrying another
    nonce was replaced and is refused. None for tickets sold before entry tokens."""
    picked_up_at: datetime | None = None
    """When the customer collected the printed ticket (pickup by code or QR at a kiosk or counter)."""
    picked_up_terminal: str | None = Field(default=None, max_length=40)
    admitted_at: datetime | None = None
    """When an usher's scan let this ticket in; a ticket is admitted once."""
    admitted_terminal: str | None = Field(default=None, max_length=40)


class SeatClaim(SQLModel, table=True):
    """A live claim on a seat of a showtime: a hold by a terminal, or a sale.

    A hold is a claim with ``status='held'`` and an ``expires_at``; completing the sale turns the same row into
    ``status='sold'``. Releasing (cancel, expiry met on the way, refund) sets ``released_at``. The partial unique
    index ``ux_seatclaim_live`` lets at most one unreleased claim exist per showtime and seat, so two terminals
    can never both hold or sell a seat, whatever the application does.
    """

    __table_args__ = (
        Index(
            "ux_seatclaim_live",
            "showtime_id",
            "seat_id",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
        Index("ix_seatclaim_terminal", "terminal_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    showtime_id: int = Field(foreign_key="showtime.id")
    seat_id: int = Field(foreign_key="seat.id")
    status: str = Field(default="held", max_length=8)
    terminal_id: str = Field(max_length=40)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    order_id: int | None = Field(default=None, foreign_key="sale_order.id")
    created_at: datetime
    expires_at: datetime | None = None
    released_at: datetime | None = None
    release_reason: str | None = Field(default=None, max_length=24)


class Payment(SQLModel, table=True):
    """Money taken (or given back) for an order. No card data: only the terminal's reference."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sale_order.id", index=True)
    method: str = Field(max_length=8)
    amount_fen: int
    tendered_fen: int | None = None
    change_fen: int | None = None
    reference: str | None = Field(default=None, max_length=64)
    created_at: datetime


class AuditEntry(SQLModel, table=True):
    """Who did what, when, where and why. Written inside the transaction of the action it records."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    terminal_id: str = Field(max_length=40)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    action: str = Field(max_length=40)
    subject: str = Field(default="", max_length=80)
    detail: str = ""


class Terminal(SQLModel, table=True):
    """A counter, kiosk or door terminal of the site; its name explains holds ("held by Kiosk 2").

    Its heartbeat (every ~10 s, see boxoffice.terminals) keeps ``last_seen_at``, ``version``, ``printer_state``,
    ``in_service`` and ``service_reason`` current; ``taken_out_of_service`` is a technician's decision and
    survives restarts.
    """

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=40)
    mode: str = Field(max_length=8)
    last_seen_at: datetime | None = None
    state: str = Field(default="", max_length=200)
    version: str = Field(default="", max_length=40, sa_column_kwargs={"server_default": ""})
    printer_state: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    in_service: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    service_reason: str | None = Field(default=None, max_length=40)
    taken_out_of_service: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class PrintJob(SQLModel, table=True):
    """One piece of paper to print (a ticket, a receipt, a test page): the durable print queue and its journal.

    A job moves ``queued`` → ``sending`` (a worker took it) → ``printed``; an error sends it back to
    ``queued`` with a later ``next_attempt_at``, or to ``failed`` when retrying is pointless. A job found in
    ``sending`` after a crash becomes ``uncertain``: the printer may have printed it, so it is never sent again
    by itself. ``cancelled`` jobs will not be sent (again). Rows are never deleted: with ``reprint`` they are
    the per-ticket print journal.
    """

    __tablename__ = "print_job"
    __table_args__ = (
        Index("ix_print_job_due", "status", "next_attempt_at"),
        Index("ix_print_job_ticket", "ticket_id"),
        Index("ix_print_job_order", "order_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)
    """``ticket``, ``receipt``, ``refund`` (a refund receipt) or ``test``."""
    order_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("sale_order.id", name="fk_print_job_order")])
    ticket_id: int | None = Field(default=None, sa_column_args=[ForeignKey("ticket.id", name="fk_print_job_ticket")])
    printer: str = Field(max_length=40)
    """The printer's name in the terminal's kiosk.toml."""
    status: str = Field(default="queued", max_length=12)
    """``queued``, ``sending``, ``printed``, ``failed``, ``uncertain`` or ``cancelled``."""
    attempts: int = 0
    """Times a worker took the job since it was (re)queued by a person."""
    next_attempt_at: datetime
    last_error: str | None = Field(default=None, max_length=32)
    """The error code of the last failed attempt (printing's ``PrinterError`` codes)."""
    reprint: int = 0
    """0 for the first print of a ticket or receipt, n for its n-th reprint ("REPRINT n" on paper)."""
    created_at: datetime
    sent_at: datetime | None = None
    """When a worker last took the job to send it."""
    printed_at: datetime | None = None
    terminal_id: str = Field(max_length=40)
    """The terminal whose printers print the job (printer names are per terminal)."""
    requested_by: int | None = Field(
        default=None, sa_column_args=[ForeignKey("staff.id", name="fk_print_job_requested_by")])
    """The staff member who asked for it (a supervisor for reprints), if any."""
    refund_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("refund.id", name="fk_print_job_refund")])
    """For a refund receipt (``kind`` ``refund``): the refund it shows."""


class RevokedToken(SQLModel, table=True):
    """A ticket whose entry tokens are refused: refunded or exchanged (the revocation list a door device loads).

    Keyed by ticket: a refund or exchange revokes every token ever issued for the ticket, whatever its nonce.
    Rows are never deleted.
    """

    __tablename__ = "revoked_token"

    ticket_id: int = Field(sa_column_args=[ForeignKey("ticket.id", name="fk_revoked_token_ticket")],
                           primary_key=True)
    revoked_at: datetime
    reason: str = Field(max_length=24)
    """``refund``, ``exchange`` or another short reason code."""


class SmsMessage(SQLModel, table=True):
    """The SMS outbox: a message is written in the sale's transaction and sent later by a sender.

    ``queued`` → ``sent``; an error puts it back to ``queued`` with a later ``next_attempt_at`` until
    ``attempts`` reaches the configured limit (``failed``). The text carries a pickup code, so it is stored
    encrypted under the site's key (``body_sealed``) and erased once sent; ``phone_masked`` stays for the history.
    """

    __tablename__ = "sms_message"
    __table_args__ = (Index("ix_sms_message_due", "status", "next_attempt_at"),
                      Index("ix_sms_message_order", "order_id"))

    id: int | None = Field(default=None, primary_key=True)
    order_id: int | None = Field(default=None, sa_column_args=[ForeignKey("sale_order.id", name="fk_sms_order")])
    kind: str = Field(max_length=24)
    """``pickup_code``, ``showtime_cancelled``…"""
    phone: str | None = Field(default=None, max_length=20)
    """The number to send to; erased with the body once sent."""
    phone_masked: str = Field(max_length=20)
    body_sealed: str | None = None
    """The message text, encrypted (AES-GCM under a key derived from the site's pickup key); None once sent."""
    status: str = Field(default="queued", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime
    sent_at: datetime | None = None


class PickupAttempt(SQLModel, table=True):
    """Every code typed or QR scanned at a pickup input: the abuse-control window reads these, and they are the
    log of attempts. The code itself is never stored (only its last two digits)."""

    __tablename__ = "pickup_attempt"
    __table_args__ = (Index("ix_pickup_attempt_terminal_at", "terminal_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    terminal_id: str = Field(max_length=40)
    at: datetime
    kind: str = Field(max_length=8)
    """``code`` or ``qr``."""
    outcome: str = Field(max_length=24)
    """``ok`` or the refusal's error code (``pickup_code_check``, ``pickup_not_found``, ``token_signature``…)."""
    hint: str = Field(default="", max_length=8)
    """The last two characters of what was entered, for a person reading the log."""
    order_id: int | None = Field(default=None, sa_column_args=[ForeignKey("sale_order.id", name="fk_pickup_attempt_order")])


class Refund(SQLModel, table=True):
    """Tickets of an order refunded together, as decided (boxoffice.refunds): who, where, why, and the money.

    One row per refund request: ``request_key`` is unique, so the same refund submitted twice (a double Enter,
    a retry after a crash) is written once. The totals are the decision's: ``gross_fen`` paid for the tickets,
    the service fees kept, the percentage and fixed fees kept, and ``back_fen`` given back (the sum of its
    :class:`RefundPayment` rows). Rows are never changed or deleted.
    """

    __tablename__ = "refund"
    __table_args__ = (Index("ux_refund_request_key", "request_key", unique=True),
                      Index("ix_refund_order", "order_id"))

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(sa_column_args=[ForeignKey("sale_order.id", name="fk_refund_order")])
    request_key: str = Field(max_length=64)
    created_at: datetime
    channel: str = Field(max_length=12)
    terminal_id: str = Field(max_length=40)
    staff_id: int | None = Field(default=None, sa_column_args=[ForeignKey("staff.id", name="fk_refund_staff")])
    """Who refunded (None for a customer at a kiosk)."""
    approver_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("staff.id", name="fk_refund_approver")])
    """The supervisor who approved it with their PIN, where the policy or unreturned tickets asked for one."""
    reason: str | None = Field(default=None, max_length=200)
    """Why, in the person's words (required in supervisor windows)."""
    decision: str = Field(max_length=40)
    """The decision's reason code (``refund_free_window``, ``refund_fee_window``…)."""
    refund_policy_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("refund_policy.id", name="fk_refund_policy")])
    """The policy version the refund was decided under (the order's; None when it recorded none)."""
    gross_fen: int
    kept_fee_fen: int
    percent_fee_fen: int
    fixed_fee_fen: int
    back_fen: int
    not_returned_note: str | None = Field(default=None, max_length=200)
    """Why printed tickets were not handed back (a supervisor's note); None when every one was scanned back."""


class RefundPayment(SQLModel, table=True):
    """Money a refund gave back through one original payment: cash out of ``refund.terminal_id``'s drawer, or
    card and mobile through the original payment's reference."""

    __tablename__ = "refund_payment"
    __table_args__ = (Index("ix_refund_payment_refund", "refund_id"),
                      Index("ix_refund_payment_payment", "payment_id"))

    id: int | None = Field(default=None, primary_key=True)
    refund_id: int = Field(sa_column_args=[ForeignKey("refund.id", name="fk_refund_payment_refund")])
    payment_id: int = Field(sa_column_args=[ForeignKey("payment.id", name="fk_refund_payment_payment")])
    method: str = Field(max_length=8)
    amount_fen: int
    reference: str | None = Field(default=None, max_length=64)
    """The card or mobile reference the money goes back through (the original payment's); None for cash."""


class RefundTicket(SQLModel, table=True):
    """One ticket of a refund with its fees. A ticket is refunded at most once (unique ``ticket_id``)."""

    __tablename__ = "refund_ticket"
    __table_args__ = (Index("ux_refund_ticket_ticket", "ticket_id", unique=True),
                      Index("ix_refund_ticket_refund", "refund_id"))

    id: int | None = Field(default=None, primary_key=True)
    refund_id: int = Field(sa_column_args=[ForeignKey("refund.id", name="fk_refund_ticket_refund")])
    ticket_id: int = Field(sa_column_args=[ForeignKey("ticket.id", name="fk_refund_ticket_ticket")])
    gross_fen: int
    kept_fee_fen: int
    percent_fee_fen: int
    fixed_fee_fen: int
    back_fen: int
    on_paper: bool = False
    """The ticket was printed or collected: its paper should come back."""
    returned: bool = False
    """Its paper was handed back and scanned."""


class Exchange(SQLModel, table=True):
    """Tickets of an order exchanged together for new tickets in a new order (boxoffice.exchanges).

    One row per exchange request: ``request_key`` is unique, so the same exchange submitted twice is made once.
    The old tickets are ``exchanged`` and the new ones belong to ``new_order_id`` (channel ``exchange``). The money
    is the decision's: ``old_fen`` paid for the old tickets, ``new_fen`` the new tickets cost, ``fee_fen`` the
    exchange fees; the customer paid ``charged_fen`` (new payments of the new order) or got ``back_fen`` (its
    :class:`ExchangePayment` rows of kind ``back``); ``forgone_fen`` of a cheaper exchange was kept. Rows are never
    changed or deleted.
    """

    __tablename__ = "exchange"
    __table_args__ = (Index("ux_exchange_request_key", "request_key", unique=True),
                      Index("ix_exchange_old_order", "old_order_id"),
                      Index("ix_exchange_new_order", "new_order_id"))

    id: int | None = Field(default=None, primary_key=True)
    request_key: str = Field(max_length=64)
    old_order_id: int = Field(sa_column_args=[ForeignKey("sale_order.id", name="fk_exchange_old_order")])
    new_order_id: int = Field(sa_column_args=[ForeignKey("sale_order.id", name="fk_exchange_new_order")])
    created_at: datetime
    channel: str = Field(max_length=12)
    terminal_id: str = Field(max_length=40)
    staff_id: int | None = Field(default=None, sa_column_args=[ForeignKey("staff.id", name="fk_exchange_staff")])
    approver_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("staff.id", name="fk_exchange_approver")])
    """The supervisor who approved a seat-rule override of the new seats, if one was needed."""
    reason: str | None = Field(default=None, max_length=200)
    decision: str = Field(max_length=40)
    """The decision's reason code (``exchange_allowed`` or ``exchange_showtime_cancelled``)."""
    refund_policy_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("refund_policy.id", name="fk_exchange_policy")])
    """The policy version the exchange was decided under (the old order's; None when it recorded none)."""
    old_fen: int
    new_fen: int
    fee_fen: int
    charged_fen: int
    back_fen: int
    forgone_fen: int


class ExchangeTicket(SQLModel, table=True):
    """One old ticket and the new ticket that replaced it. A ticket is exchanged at most once (unique)."""

    __tablename__ = "exchange_ticket"
    __table_args__ = (Index("ux_exchange_ticket_old", "old_ticket_id", unique=True),
                      Index("ux_exchange_ticket_new", "new_ticket_id", unique=True),
                      Index("ix_exchange_ticket_exchange", "exchange_id"))

    id: int | None = Field(default=None, primary_key=True)
    exchange_id: int = Field(sa_column_args=[ForeignKey("exchange.id", name="fk_exchange_ticket_exchange")])
    old_ticket_id: int = Field(sa_column_args=[ForeignKey("ticket.id", name="fk_exchange_ticket_old")])
    new_ticket_id: int = Field(sa_column_args=[ForeignKey("ticket.id", name="fk_exchange_ticket_new")])


class ExchangePayment(SQLModel, table=True):
    """What an exchange took out of one payment of the old order.

    ``back``: money given back to the customer (cash from ``exchange.terminal_id``'s drawer, card and mobile
    through the payment's reference). ``carried``: value moved to the new order, where it is the payment
    ``new_payment_id`` (same method and reference, no new money: a cash report leaves it out), so that a later
    refund of the new order goes back to where the money came from. Both count as already used up when the old
    order is refunded or exchanged again.
    """

    __tablename__ = "exchange_payment"
    __table_args__ = (Index("ix_exchange_payment_exchange", "exchange_id"),
                      Index("ix_exchange_payment_payment", "payment_id"))

    id: int | None = Field(default=None, primary_key=True)
    exchange_id: int = Field(sa_column_args=[ForeignKey("exchange.id", name="fk_exchange_payment_exchange")])
    payment_id: int = Field(sa_column_args=[ForeignKey("payment.id", name="fk_exchange_payment_payment")])
    kind: str = Field(max_length=8)
    """``back`` or ``carried``."""
    method: str = Field(max_length=8)
    amount_fen: int
    reference: str | None = Field(default=None, max_length=64)
    new_payment_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("payment.id", name="fk_exchange_payment_new_payment")])
    """For ``carried``: the new order's payment that carries the value."""
