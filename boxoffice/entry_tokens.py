"""Entry tokens: what a ticket's QR code carries, signed so that a door device can check it without the store.

A token says "ticket T, showtime S, seat X" and is signed with the site's Ed25519 key
(:func:`load_or_create_signing_key`). A door device or a kiosk needs only the public key
(:func:`public_key_pem`) to tell a genuine ticket from an altered or forged one; the store adds what a signature
cannot know: whether the ticket was refunded or exchanged since (:class:`db.models.RevokedToken`, see
:func:`revoke`) or was given a new token (the ticket's ``token_nonce``).

Format (version 1): the text is the version digit ``1`` followed by 193 decimal digits, 194 digits in all. The
193 digits are one big-endian number of 80 bytes::

    ticket id  u32 | showtime id  u32 | seat id  u32 | nonce  4 bytes | Ed25519 signature  64 bytes

The signature covers the version byte 0x01 followed by the first 16 bytes. The nonce is random per issued token:
Ed25519 signatures are deterministic, and the nonce is what makes a re-issued token differ from the one it
replaces. A version digit other than 1 is ``token_version``; everything else that is not exactly this shape is
``token_malformed``; a signature that does not match is ``token_signature``.

Why decimal: QR codes pack digits in numeric mode at 3.33 bits each, denser than alphanumeric mode (base32,
base45: 5.5 bits per character, each carrying 5 or 5.33 bits) and byte mode (base64url: 8 bits per character
carrying 6). Measured with the ``qrcode`` library on the same 81 bytes (version byte, body, signature), at error
correction M as tickets print (L and Q for comparison):

    ==============  ==========  =============  =============  =============
    encoding        characters  L              M              Q
    ==============  ==========  =============  =============  =============
    decimal         194         5 (37 × 37)    5 (37 × 37)    7 (45 × 45)
    base45          122         5 (37 × 37)    5 (37 × 37)    7 (45 × 45)
    base32          130         5 (37 × 37)    6 (41 × 41)    8 (49 × 49)
    base64url       108         6 (41 × 41)    7 (45 × 45)    8 (49 × 49)
    ==============  ==========  =============  =============  =============

Decimal and base45 tie at version 5, but base45 fills it exactly (122 of 122 characters: one more byte is
version 6) where decimal leaves room (194 of 202 digits), and digits survive a keyboard-wedge scanner typing
into any keyboard layout or input method, where base45's space and ``$%*+-./:`` may not. On paper: 37 modules
at 6 dots (80 mm rolls, 203 dpi) are 28 mm, at 5 dots (58 mm) 23 mm. The random ``secret`` it replaces was 32
characters, version 3 (29 × 29).
"""

from __future__ import annotations

import re
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from boxoffice.errors import BoxOfficeError
from boxoffice.site_keys import SiteKeyError, load_or_create_private_file
from db.models import RevokedToken

TOKEN_VERSION = 1
NONCE_BYTES = 4
SIGNING_KEY_FILE = "entry-signing-key.pem"
"""File name, inside the keys folder, of the site's Ed25519 private key (PKCS#8 PEM, mode 0600)."""
TOKEN_ERROR_CODES = ("token_malformed", "token_signature", "token_version")
"""Every code :func:`verify_token` raises."""

_BODY = struct.Struct(">III4s")  # ticket, showtime, seat, nonce
_SIGNATURE_BYTES = 64
_BYTES = _BODY.size + _SIGNATURE_BYTES  # 80
_DIGITS = len(str(2 ** (8 * _BYTES) - 1))  # 193: the widest 80-byte number
_SHAPE = re.compile(rf"[0-9]{{{_DIGITS}}}", re.ASCII)
TOKEN_LENGTH = 1 + _DIGITS
"""Characters of a version-1 token (194)."""
_U32 = 2**32
_VERSION_MIN_LENGTH = 100  # digits a token of any version has: shorter digit strings are not tokens at all


class TokenError(BoxOfficeError):
    """A token refused by :func:`verify_token`; ``code`` is one of :data:`TOKEN_ERROR_CODES`."""


@dataclass(frozen=True)
class TokenClaims:
    """What a genuine token says."""

    ticket_id: int
    showtime_id: int
    seat_id: int
    nonce: str
    """The token's nonce in hex (8 characters), as stored in ``Ticket.token_nonce``."""
    version: int = TOKEN_VERSION


class TicketKey(Protocol):
    """The ticket fields a token is made of: a ``Ticket`` row, or a selected row with these column names."""

    @property
    def id(self) -> int | None: ...
    @property
    def showtime_id(self) -> int: ...
    @property
    def seat_id(self) -> int: ...
    @property
    def token_nonce(self) -> str | None: ...


def new_token_nonce() -> str:
    """A fresh random nonce for a ticket's token, in hex (the value stored in ``Ticket.token_nonce``)."""
    return secrets.token_hex(NONCE_BYTES)


def sign_token(private_key: Ed25519PrivateKey, ticket: TicketKey) -> str:
    """The QR text of a ticket's entry token (194 digits).

    Raises:
        ValueError: the ticket has no id or token nonce yet, or an id does not fit in 32 bits.
    """
    ids = (ticket.id, ticket.showtime_id, ticket.seat_id)
    if any(value is None or not 0 <= value < _U32 for value in ids):
        raise ValueError(f"ticket ids must be stored and below 2**32, got {ids}")
    try:
        nonce = bytes.fromhex(ticket.token_nonce or "")
    except ValueError:
        nonce = b""
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"a token nonce is {NONCE_BYTES} bytes in hex, got {ticket.token_nonce!r}")
    body = _BODY.pack(*ids, nonce)
    signature = private_key.sign(bytes([TOKEN_VERSION]) + body)
    return f"{TOKEN_VERSION}{int.from_bytes(body + signature, 'big'):0{_DIGITS}d}"


def verify_token(public_key: Ed25519PublicKey, text: str) -> TokenClaims:
    """The claims of a genuine token; blanks around it (a scanner's Enter) are ignored, nothing else is.

    Raises:
        TokenError: ``token_malformed`` (not a token's shape), ``token_version`` (a version this code does not
            know), ``token_signature`` (altered, forged, or signed with another site's key).
    """
    if not isinstance(text, str):
        raise TokenError("token_malformed", "a token is text")
    text = text.strip()
    if len(text) >= _VERSION_MIN_LENGTH and text.isascii() and text.isdigit() and text[0] != str(TOKEN_VERSION):
        raise TokenError("token_version", "unknown token version", version=text[0])
    if len(text) != TOKEN_LENGTH or text[0] != str(TOKEN_VERSION) or not _SHAPE.fullmatch(text, 1):
        raise TokenError("token_malformed", "not an entry token")
    number = int(text[1:])
    if number >= 2 ** (8 * _BYTES):
        raise TokenError("token_malformed", "not an entry token")
    data = number.to_bytes(_BYTES, "big")
    body, signature = data[: _BODY.size], data[_BODY.size:]
    try:
        public_key.verify(signature, bytes([TOKEN_VERSION]) + body)
    except InvalidSignature:
        raise TokenError("token_signature", "the token's signature does not match") from None
    ticket_id, showtime_id, seat_id, nonce = _BODY.unpack(body)
    return TokenClaims(ticket_id, showtime_id, seat_id, nonce.hex())


def load_or_create_signing_key(keys_dir: Path, *, create: bool = True) -> Ed25519PrivateKey:
    """The site's signing key from ``keys_dir``, made the first time (mode 0600) unless ``create`` is False.

    Raises:
        SiteKeyError: the file is missing (with ``create=False``), unreadable, readable by others, or not an
            unencrypted Ed25519 private key.
    """
    path = Path(keys_dir) / SIGNING_KEY_FILE
    pem = load_or_create_private_file(path, _new_key_pem, create=create)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SiteKeyError(f"{path}: not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SiteKeyError(f"{path}: not an Ed25519 key")
    return key


def _new_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public half as PEM text: all a door device needs to check tokens (it cannot make any)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """A public key from :func:`public_key_pem` text.

    Raises:
        ValueError: not a PEM Ed25519 public key.
    """
    try:
        key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a PEM public key: {exc}") from None
    if isinstance(key, Ed25519PublicKey):
        return key
    raise ValueError("not an Ed25519 public key")


_revoked = RevokedToken.__table__  # type: ignore[attr-defined]
_IS_REVOKED = select(_revoked.c.ticket_id).where(_revoked.c.ticket_id == bindparam("p_ticket"))
_REVOKE = {dialect: insert(_revoked).on_conflict_do_nothing(index_elements=[_revoked.c.ticket_id])
           .returning(_revoked.c.ticket_id) for dialect, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))}


def is_revoked(session: Session, ticket_id: int) -> bool:
    """True when the ticket's tokens were revoked (a refund, an exchange)."""
    return session.connection().execute(_IS_REVOKED, {"p_ticket": ticket_id}).first() is not None


def revoke(session: Session, *, ticket_id: int, reason: str, now: datetime) -> bool:
    """Refuse every token of a ticket from now on, in the caller's transaction (a refund or exchange calls it).

    Idempotent, also when two terminals revoke at once: a revoked ticket keeps its first time and reason.

    Args:
        reason: a short code such as ``refund`` or ``exchange`` (at most 24 characters).

    Returns:
        True when the ticket was revoked by this call, False when it already was.

    Raises:
        ValueError: ``reason`` is empty or longer than 24 characters.
    """
    if not 0 < len(reason) <= 24:
        raise ValueError(f"a revocation reason is a short code, got {reason!r}")
    connection = session.connection()
    statement = _REVOKE[connection.dialect.name]
    row = connection.execute(statement, {"ticket_id": ticket_id, "revoked_at": now, "reason": reason}).first()
    return row is not None
