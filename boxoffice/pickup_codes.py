"""Pickup codes: the short number a customer types at a kiosk or reads out at the counter to collect tickets.

A code is 10 digits, shown grouped as ``123 456 7890``: 9 random digits and a check digit. Digits only, because a
kiosk keypad, a phone's SMS and a Chinese input method all handle digits without surprises.

The check digit uses the **Damm algorithm** (a totally anti-symmetric quasigroup of order 10). It detects every
single-digit substitution and every transposition of two adjacent digits, the two mistakes people make most
when typing a number. Luhn (mod 10) misses the adjacent transposition 09 ↔ 90; Verhoeff detects the same errors
as Damm but needs three tables and a permutation. A code with a wrong check digit is refused before the store is
asked anything, so a typo costs no lookup and tells nobody whether some order exists.

9 random digits give 10^9 codes. They are unique over all orders ever issued by this store (not only live ones):
a customer typing an old code finds their old, refunded or collected order, never someone else's new one. A
guessed well-formed code finds an order with probability (orders on file) / 10^9, and only orders not yet
collected, for showtimes not over, are worth anything: with 3,000 of those a guess succeeds once in 330,000
tries. Kiosks allow 5 wrong codes a minute, so a whole day of guessing at one kiosk (7,200 tries) succeeds
about 2 % of the time, in front of the staff.

The store never holds a code, only ``code_digest``: HMAC-SHA256 of the code keyed with the site's secret key file
(:mod:`boxoffice.site_keys`). A copy of the database reveals no valid code, and 10^9 codes cannot be tried
offline against the digests without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from typing import Protocol

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from boxoffice.errors import BoxOfficeError
from db.models import SaleOrder

CODE_DIGITS = 10
"""Digits of a pickup code, check digit included."""
_RANDOM_DIGITS = CODE_DIGITS - 1
_MAX_INPUT = 64  # longer input is not a code mistyped: refuse it without normalising megabytes
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")  # hyphen, dashes, minus (full-width NFKCs to -)
_MIN_KEY_BYTES = 16

# Damm's quasigroup (the table of H. M. Damm's 2004 thesis, as usually published).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


class RandomSource(Protocol):
    """Where random digits come from: the :mod:`secrets` module, or a seeded stand-in in tests."""

    def randbelow(self, exclusive_upper_bound: int, /) -> int: ...


def _damm(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][ord(digit) - 48]
    return interim


def check_digit(digits: str) -> str:
    """The Damm check digit of a string of ASCII digits."""
    return str(_damm(digits))


def has_valid_check_digit(digits: str) -> bool:
    """True when the last of these ASCII digits is the Damm check digit of the others."""
    return bool(digits) and _damm(digits) == 0


def new_pickup_code(rng: RandomSource = secrets) -> str:
    """A fresh code: 9 random digits and their check digit, as 10 plain digits (``1234567890``)."""
    body = f"{rng.randbelow(10**_RANDOM_DIGITS):0{_RANDOM_DIGITS}d}"
    return body + check_digit(body)


def normalize(text: str) -> str | None:
    """The 10 plain ASCII digits of a typed code, or None when it is not 10 digits.

    Accepts what people and input methods produce: spaces (also the ideographic space), dashes, full-width
    digits (``１２３``), surrounding blanks. Does not look at the check digit (see :func:`is_well_formed`).
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        return None
    digits = []
    for char in unicodedata.normalize("NFKC", text):
        if "0" <= char <= "9":
            digits.append(char)
        elif not (char.isspace() or char in _DASHES):
            return None
    return "".join(digits) if len(digits) == CODE_DIGITS else None


def is_well_formed(text: str) -> bool:
    """True when ``text`` is 10 digits (spaces, dashes, full-width digits allowed) with a correct check digit."""
    digits = normalize(text)
    return digits is not None and has_valid_check_digit(digits)


def format_code(code: str) -> str:
    """A code grouped for reading and printing: ``123 456 7890``.

    Raises:
        ValueError: ``code`` is not 10 digits.
    """
    digits = normalize(code)
    if digits is None:
        raise ValueError("a pickup code is 10 digits")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def code_digest(code: str, key: bytes) -> str:
    """HMAC-SHA256 (hex, 64 characters) of the normalised code under the site key: what the store keeps.

    Raises:
        ValueError: ``code`` is not a well-formed code, or ``key`` is shorter than 16 bytes.
    """
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError("the pickup code key must be at least 16 bytes")
    digits = normalize(code)
    if digits is None or not has_valid_check_digit(digits):
        raise ValueError("not a well-formed pickup code")
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()


_order = SaleOrder.__table__  # type: ignore[attr-defined]
_DIGEST_IN_USE = select(_order.c.id).where(_order.c.pickup_code_digest == bindparam("p_digest")).limit(1)
_SET_DIGEST = update(_order).where(_order.c.id == bindparam("p_order")).values(
    pickup_code_digest=bindparam("p_digest"))
_ATTEMPTS = 8  # at 10^7 orders on file one draw collides 1 time in 100; eight in a row, never


def draw_pickup_code(session: Session, *, key: bytes, rng: RandomSource = secrets) -> tuple[str, str]:
    """A fresh pickup code not used by any order, and its digest, for an order about to be inserted.

    Raises:
        BoxOfficeError: ``pickup_code_exhausted`` when every draw was already in use (never in practice).
    """
    connection = session.connection()
    for _ in range(_ATTEMPTS):
        code = new_pickup_code(rng)
        digest = code_digest(code, key)
        if connection.execute(_DIGEST_IN_USE, {"p_digest": digest}).first() is None:
            return code, digest
    raise BoxOfficeError("pickup_code_exhausted", "no unused pickup code found")


def issue_pickup_code(session: Session, *, order_id: int, key: bytes, rng: RandomSource = secrets) -> str:
    """Give an order a fresh pickup code, unique among all orders, in the caller's transaction.

    Only the code's digest is stored; the code itself is returned once, for the SMS and the receipt, and cannot
    be read back. A concurrent sale drawing the same code in the same instant would be refused by the unique
    index ``ux_sale_order_pickup_code`` and its transaction rolled back (about once in 10^9 simultaneous sales).

    Raises:
        BoxOfficeError: ``pickup_code_exhausted`` when every draw was already in use (never in practice).
    """
    code, digest = draw_pickup_code(session, key=key, rng=rng)
    session.connection().execute(_SET_DIGEST, {"p_order": order_id, "p_digest": digest})
    return code
