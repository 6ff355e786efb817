"""The SMS outbox: a pickup code goes to the customer's phone without ever holding up a sale.

A sale with a phone number writes one :class:`db.models.SmsMessage` row in its own transaction
(:func:`queue_order_pickup_sms`), so the message exists exactly when the order does, and nothing about the
phone network can slow or fail the sale. A sender (:func:`send_due`: the counter app's background thread, or
``boxoffice sms send``) later takes due messages one at a time and hands them to a gateway:

* a short write transaction claims one message (``queued`` → ``sending``, one attempt more) with a single
  ``UPDATE … WHERE status='queued'``, so two terminals never send the same message;
* it is sent outside any transaction (a gateway may take seconds);
* a second short transaction records the outcome: ``sent`` (the text and the number are erased), or back to
  ``queued`` due 30 s, 60 s, 120 s … later, or ``failed`` after the configured number of attempts;
* a message left ``sending`` for :data:`STALE_SENDING` (its sender died) is queued again. The gateway may have
  taken it before the sender died: a customer may then get the same code twice, which is harmless, whereas a
  message never sent leaves them without their code.

The text carries the pickup code, and the store must not reveal valid codes (:mod:`boxoffice.pickup_codes`),
so it is sealed with AES-GCM under a key derived (HKDF) from the site's pickup key and erased once sent. The
number is kept in full only until then; ``phone_masked`` stays for the history. Services take the caller's
session and never commit; :func:`send_due` opens its own short transactions because sending must happen
between them.
"""

from __future__ import annotations

import base64
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from boxoffice import audit
from boxoffice.errors import BoxOfficeError
from boxoffice.pickup_codes import format_code
from boxoffice.privacy import mask_phone, normalize_phone
from boxoffice.sms_gateways import (
    HttpGateway,
    LogFileGateway,
    SmsError,
    SmsGateway,
    SmsSettings,
    gateway_from_config,
)
from db.engine import transaction
from db.models import Auditorium, Film, SaleOrder, Showtime, SmsMessage, Ticket

# The gateways live in boxoffice.sms_gateways and are re-exported here.
__all__ = [
    "HttpGateway", "LogFileGateway", "SendReport", "SmsError", "SmsGateway", "SmsSettings", "SmsView",
    "gateway_from_config", "pickup_sms_text", "queue_order_notice", "queue_order_pickup_sms", "queue_pickup_sms", "recent_messages",
    "send_due",
]

log = logging.getLogger(__name__)

KIND_PICKUP = "pickup_code"
"""The ``kind`` of a pickup-code message."""
KIND_CANCELLED = "showtime_cancelled"
"""The ``kind`` of the notice that an order's showtime was cancelled."""
RETRY_BASE_S = 30
"""The wait after the first failed attempt; it doubles after each further one."""
STALE_SENDING = timedelta(minutes=5)
"""A message ``sending`` for longer than this was left by a sender that died: it is queued again."""
SENDER_TERMINAL = "sms-sender"
"""The audit log's terminal for entries of a sender that is not a terminal (``boxoffice sms send``)."""
DEFAULT_TEMPLATE = (
    "\u3010{site}\u3011\u53d6\u7968\u7801 {code}\uff0c{film} {time} {hall}\uff0c\u5171{count}\u5f20\u3002"
)
"""Used when the configured template cannot be filled (a stray brace): the code still reaches the customer."""

_NONCE_BYTES = 12
_HKDF_INFO = b"boxoffice sms body v1"
_ERROR_CHARS = 200  # the column's length

_sms = SmsMessage.__table__  # type: ignore[attr-defined]
_order = SaleOrder.__table__  # type: ignore[attr-defined]
_show = Showtime.__table__  # type: ignore[attr-defined]
_film = Film.__table__  # type: ignore[attr-defined]
_hall = Auditorium.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_now: BindParameter[Any] = bindparam("p_now")
_id: BindParameter[Any] = bindparam("p_id")

_INSERT = insert(_sms).returning(_sms.c.id)
_EXISTING = select(_sms.c.id).where(_sms.c.order_id == bindparam("p_order"),
                                    _sms.c.kind == bindparam("p_kind"))
_ORDER = (
    select(_order.c.customer_phone, _show.c.starts_at, _film.c.title_zh, _hall.c.name.label("hall"),
           select(func.count(_ticket.c.id))
           .where(_ticket.c.order_id == _order.c.id, _ticket.c.status == "valid")
           .scalar_subquery().label("tickets"))
    .select_from(_order.join(_show, _show.c.id == _order.c.showtime_id)
                 .join(_film, _film.c.id == _show.c.film_id).join(_hall, _hall.c.id == _show.c.auditorium_id))
    .where(_order.c.id == bindparam("p_order"))
)
_DUE = (
    select(_sms.c.id)
    .where(_sms.c.status == "queued", _sms.c.next_attempt_at <= _now)
    .order_by(_sms.c.next_attempt_at, _sms.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers
    .scalar_subquery()
)
_CLAIM = (
    update(_sms)
    .where(_sms.c.id == _DUE, _sms.c.status == "queued")
    # While sending, next_attempt_at is when the claim was made: how a dead sender's message is recognised.
    .values(status="sending", attempts=_sms.c.attempts + 1, next_attempt_at=_now)
    .returning(_sms.c.id, _sms.c.order_id, _sms.c.kind, _sms.c.phone, _sms.c.phone_masked, _sms.c.body_sealed,
               _sms.c.attempts)
)
_MINE = update(_sms).where(_sms.c.id == _id, _sms.c.status == "sending",
                           _sms.c.attempts == bindparam("p_attempts"))
_SENT = _MINE.values(status="sent", sent_at=_now, body_sealed=None, phone=None, last_error=None)
_RECOVER = (
    update(_sms)
    .where(_sms.c.status == "sending", _sms.c.next_attempt_at <= bindparam("p_stale"))
    .values(status="queued", last_error="sms_interrupted")
    .returning(_sms.c.id)
)
_GIVE_UP = (
    update(_sms)
    .where(_sms.c.status == "queued", _sms.c.attempts >= bindparam("p_max"), _sms.c.id.in_(
        bindparam("p_ids", expanding=True)))
    .values(status="failed")
    .returning(_sms.c.id, _sms.c.order_id, _sms.c.kind, _sms.c.phone_masked, _sms.c.attempts)
)
_RECENT = (
    select(_sms.c.id, _sms.c.order_id, _sms.c.kind, _sms.c.phone_masked, _sms.c.status, _sms.c.attempts,
           _sms.c.last_error, _sms.c.created_at, _sms.c.next_attempt_at, _sms.c.sent_at)
    .order_by(_sms.c.id.desc())
    .limit(bindparam("p_limit"))
)


@dataclass(frozen=True)
class SendReport:
    """What one :func:`send_due` run did."""

    sent: int = 0
    retrying: int = 0
    """Messages that failed this time and are queued again for later."""
    failed: int = 0
    """Messages given up (their last attempt failed)."""
    recovered: int = 0
    """Messages a dead sender had left ``sending``, queued again."""

    def __str__(self) -> str:
        return (f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"
                + (f", {self.recovered} recovered from a stopped sender" if self.recovered else ""))

    @property
    def handled(self) -> int:
        """Messages sent or attempted."""
        return self.sent + self.retrying + self.failed


@dataclass(frozen=True)
class SmsView:
    """A message as the technician sees it: never its text or full number."""

    id: int
    order_id: int | None
    kind: str
    phone_masked: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


# --- sealing ----------------------------------------------------------------------------------------------


def _aead(key: bytes) -> AESGCM:
    """AES-256-GCM under a key of its own, derived from the site's pickup key (not the key itself)."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(key)
    return AESGCM(derived)


def seal_body(text: str, *, phone: str, key: bytes) -> str:
    """The text encrypted for the store: base64 of a fresh 12-byte nonce followed by the ciphertext.

    The phone number is authenticated with it: a sealed body moved to another number no longer opens.
    """
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead(key).encrypt(nonce, text.encode("utf-8"), phone.encode("utf-8"))
    return base64.b64encode(nonce + sealed).decode("ascii")


def open_body(sealed: str, *, phone: str, key: bytes) -> str:
    """The text of :func:`seal_body`.

    Raises:
        SmsError: ``sms_body_unreadable``: another key (a terminal without the site's keys folder), another
            number, or altered bytes.
    """
    try:
        raw = base64.b64decode(sealed.encode("ascii"), validate=True)
        text = _aead(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], phone.encode("utf-8"))
        return text.decode("utf-8")
    except (InvalidTag, ValueError):
        raise SmsError("sms_body_unreadable", "the message cannot be opened with this site's key") from None


# --- queueing ---------------------------------------------------------------------------------------------


class _Blank(dict[str, Any]):
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"  # an unknown placeholder stays visible rather than failing a sale


def pickup_sms_text(template: str, *, site: str, code: str, film: str, time: str, hall: str,
                    count: int) -> str:
    """The pickup-code message from ``[sms] template_zh`` (placeholders site, code, film, time, hall, count).

    The code is grouped as printed (``123 456 7890``). A template that cannot be filled (a stray brace) is
    logged and :data:`DEFAULT_TEMPLATE` used instead: a typo in kiosk.toml must not cost a sale or a
    customer's code.
    """
    try:
        grouped = format_code(code)
    except ValueError:
        grouped = code
    values = _Blank(site=site, code=grouped, film=film, time=time, hall=hall, count=count)
    try:
        return template.format_map(values)
    except (ValueError, IndexError, AttributeError, TypeError) as exc:
        log.warning("[sms] template_zh cannot be filled (%s); the default text is sent", exc)
        return DEFAULT_TEMPLATE.format_map(values)


def queue_pickup_sms(session: Session, *, order_id: int, phone: str, code: str, text: str, key: bytes,
                     now: datetime) -> int:
    """Put a pickup-code message in the outbox, in the caller's transaction (it commits with the sale).

    Args:
        phone: the customer's number (normalised when it is a mainland mobile number).
        code: the pickup code the text carries; not stored (only inside the sealed text).
        text: the whole message (:func:`pickup_sms_text`).
        key: the site's pickup key (``app.pickup_key``); the text is sealed under a key derived from it.

    Returns:
        The message's id.
    """
    number = normalize_phone(phone) or phone.strip()
    if code and code not in text and format_code(code) not in text:
        log.warning("SMS for order %s does not carry its pickup code: check [sms] template_zh", order_id)
    return int(session.connection().execute(_INSERT, {
        "order_id": order_id, "kind": KIND_PICKUP, "phone": number, "phone_masked": mask_phone(number),
        "body_sealed": seal_body(text, phone=number, key=key), "status": "queued", "attempts": 0,
        "next_attempt_at": now, "last_error": None, "created_at": now, "sent_at": None,
    }).scalar_one())


def _local_time(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.month}\u6708{local.day}\u65e5 {local:%H:%M}"  # 12月4日 19:30


def queue_order_pickup_sms(session: Session, *, order_id: int, code: str | None, template: str,
                           site_name: str, zone: tzinfo, key: bytes | None, now: datetime) -> int | None:
    """Queue the pickup-code SMS of a paid order, from what the store knows of it, in the caller's
    transaction.

    The number is the order's ``customer_phone``; the text names the film, the showtime's local date and time,
    the hall and the number of valid tickets. Idempotent: an order has at most one pickup-code message.

    Args:
        code: the order's pickup code, known only when it was issued (``SaleResult.pickup_code``).
        template: ``[sms] template_zh``.
        key: the site's pickup key; without it there is no code either.

    Returns:
        The message's id, or None when the order has no phone number or there is no code (or no key).

    Raises:
        BoxOfficeError: ``sms_order_unknown``.
    """
    if not code or key is None:
        return None
    order = session.connection().execute(_ORDER, {"p_order": order_id}).first()
    if order is None:
        raise BoxOfficeError("sms_order_unknown", "no such order to send a pickup code for",
                             order_id=order_id)
    if not order.customer_phone:
        return None
    existing = session.connection().execute(_EXISTING, {"p_order": order_id, "p_kind": KIND_PICKUP}).first()
    if existing is not None:
        return int(existing.id)
    text = pickup_sms_text(template, site=site_name, code=code, film=order.title_zh,
                           time=_local_time(order.starts_at, zone), hall=order.hall, count=order.tickets)
    return queue_pickup_sms(session, order_id=order_id, phone=order.customer_phone, code=code, text=text,
                            key=key, now=now)


# --- sending ----------------------------------------------------------------------------------------------


def retry_after(attempts: int) -> timedelta:
    """The wait after a failed attempt: 30 s after the first, then 60, 120, 240 … (doubling, no cap: the
    configured ``max_attempts`` ends it)."""
    return timedelta(seconds=RETRY_BASE_S * 2 ** max(0, attempts - 1))


def _audit(session: Session, action: str, row: Any, *, terminal_id: str, now: datetime,
           **detail: Any) -> None:
    """An audit entry about a message: its masked number only, never its text, code or full number."""
    audit.record(session, now=now, terminal_id=terminal_id, action=action, subject=f"sms {row.id}",
                 order_id=row.order_id, kind=row.kind, phone=row.phone_masked, attempts=row.attempts,
                 **detail)


def _recover(engine: Engine, *, now: datetime, max_attempts: int, terminal_id: str) -> int:
    """Queue again what a dead sender left ``sending``; give up those that have used all their attempts."""
    with transaction(engine) as session:
        connection = session.connection()
        ids = list(connection.execute(_RECOVER, {"p_stale": now - STALE_SENDING}).scalars())
        if not ids:
            return 0
        for row in connection.execute(_GIVE_UP, {"p_max": max_attempts, "p_ids": ids}).all():
            _audit(session, "sms.failed", row, terminal_id=terminal_id, now=now, error="sms_interrupted")
    log.warning("SMS %s: the sender stopped while sending; queued again", ", ".join(map(str, ids)))
    return len(ids)


def _deliver(gateway: SmsGateway, row: Any, key: bytes) -> str | None:
    """Open and send one claimed message; the error to record, or None when the gateway took it."""
    try:
        if row.phone is None or row.body_sealed is None:
            raise SmsError("sms_body_unreadable", "the message has no text or number")
        gateway.send(row.phone, open_body(row.body_sealed, phone=row.phone, key=key))
    except SmsError as error:
        log.warning("SMS %s to %s not sent: %s", row.id, row.phone_masked, error.reason)
        return f"{error.code}: {error.reason}"[:_ERROR_CHARS]
    except Exception as exc:  # a gateway's bug must not stop the outbox
        log.exception("SMS %s to %s: the gateway failed", row.id, row.phone_masked)
        return f"sms_failed: {type(exc).__name__}"[:_ERROR_CHARS]
    return None


def _record(engine: Engine, row: Any, error: str | None, *, now: datetime, max_attempts: int,
            terminal_id: str) -> str:
    """Write one attempt's outcome; the message's new status (``sent``, ``queued``, ``failed``).

    Only a message still ``sending`` under this very claim is changed (same attempt count): if it was
    recovered and taken by another sender meanwhile, that sender records it.
    """
    mine = {"p_id": row.id, "p_attempts": row.attempts, "p_now": now}
    with transaction(engine) as session:
        connection = session.connection()
        if error is None:
            if connection.execute(_SENT, mine).rowcount:
                _audit(session, "sms.sent", row, terminal_id=terminal_id, now=now)
            return "sent"
        if row.attempts >= max_attempts:
            if connection.execute(_MINE.values(status="failed", last_error=error), mine).rowcount:
                _audit(session, "sms.failed", row, terminal_id=terminal_id, now=now, error=error)
            return "failed"
        connection.execute(_MINE.values(status="queued", last_error=error,
                                        next_attempt_at=now + retry_after(row.attempts)), mine)
        return "queued"


def send_due(engine: Engine, gateway: SmsGateway, *, now: datetime, key: bytes, max_attempts: int,
             limit: int = 20, terminal_id: str = SENDER_TERMINAL) -> SendReport:
    """Send the messages due at ``now``, one at a time, and record each outcome (see the module's rules).

    Each message is claimed in its own short write transaction and sent outside any transaction, so a slow
    gateway holds no lock and a sale never waits for it. Safe to run on several terminals at once: a message
    is claimed by one sender only. Messages a dead sender left ``sending`` for :data:`STALE_SENDING` are
    queued again first.

    Args:
        engine: the store (this function opens its own transactions: sending happens between them).
        gateway: where messages go (:func:`gateway_from_config`).
        now: the time the messages are due by and outcomes are recorded at.
        key: the site's pickup key, to open the sealed texts.
        max_attempts: ``[sms] max_attempts``: a message whose last attempt fails is ``failed``.
        limit: at most this many messages in one call.
        terminal_id: who sends, for the audit log.

    Returns:
        How many were sent, queued again, given up and recovered.
    """
    recovered = _recover(engine, now=now, max_attempts=max_attempts, terminal_id=terminal_id)
    outcomes = {"sent": 0, "queued": 0, "failed": 0}
    for _ in range(limit):
        with transaction(engine) as session:
            row = session.connection().execute(_CLAIM, {"p_now": now}).first()
        if row is None:
            break
        error = _deliver(gateway, row, key)
        status = _record(engine, row, error, now=now, max_attempts=max_attempts, terminal_id=terminal_id)
        outcomes[status] += 1
    return SendReport(sent=outcomes["sent"], retrying=outcomes["queued"], failed=outcomes["failed"],
                      recovered=recovered)


def recent_messages(session: Session, *, limit: int = 50) -> list[SmsView]:
    """The latest messages, newest first, as the technician may see them (no text, no full number)."""
    rows = session.connection().execute(_RECENT, {"p_limit": limit}).all()
    return [SmsView(**row._mapping) for row in rows]


def queue_order_notice(session: Session, *, order_id: int, kind: str, template: str, site_name: str, zone: tzinfo,
                       key: bytes | None, now: datetime, **extra: object) -> int | None:
    """Queue a notice about an order (``kind``, e.g. :data:`KIND_CANCELLED`) to its customer's phone, in the
    caller's transaction; at most one per order and kind.

    ``template`` placeholders: ``site``, ``film``, ``time``, ``hall``, ``count`` and the ``extra`` values. The
    text is sealed like a pickup code's (it may name amounts and references).

    Returns:
        The message's id, or None when the order has no phone number or there is no key.
    """
    if key is None:
        return None
    order = session.connection().execute(_ORDER, {"p_order": order_id}).first()
    if order is None:
        raise BoxOfficeError("sms_order_unknown", "no such order to send a notice for", order_id=order_id)
    if not order.customer_phone:
        return None
    existing = session.connection().execute(_EXISTING, {"p_order": order_id, "p_kind": kind}).first()
    if existing is not None:
        return int(existing.id)
    values = _Blank(site=site_name, film=order.title_zh, time=_local_time(order.starts_at, zone), hall=order.hall,
                    count=order.tickets, **extra)
    try:
        text = template.format_map(values)
    except (ValueError, IndexError, AttributeError, TypeError) as exc:
        log.warning("an SMS template for %s cannot be filled (%s); a plain notice is sent", kind, exc)
        text = f"\u3010{site_name}\u3011{values['film']} {values['time']} {values['hall']}"
    number = normalize_phone(order.customer_phone) or order.customer_phone.strip()
    return int(session.connection().execute(_INSERT, {
        "order_id": order_id, "kind": kind, "phone": number, "phone_masked": mask_phone(number),
        "body_sealed": seal_body(text, phone=number, key=key), "status": "queued", "attempts": 0,
        "next_attempt_at": now, "last_error": None, "created_at": now, "sent_at": None,
    }).scalar_one())
