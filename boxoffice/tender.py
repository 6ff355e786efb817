"""Taking the money: cash, card, mobile (WeChat Pay / Alipay) and split tender, as pure arithmetic.

The counter adds tenders one by one until the order is paid; :func:`settle` says what has been paid, what is
still owed and what change to hand back. Change only ever comes from cash: a card or mobile payment can never
be more than what is still owed. No card data is ever accepted: a card payment carries only the terminal's
reference, and anything that looks like a card number is refused outright.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from boxoffice.errors import BoxOfficeError

Method = Literal["cash", "card", "mobile"]
METHODS: tuple[str, ...] = ("cash", "card", "mobile")
ELECTRONIC: tuple[str, ...] = ("card", "mobile")

# Quick-key rounding steps: the 10, 20, 50 and 100 yuan notes, in fen.
NOTE_STEPS_FEN = (1000, 2000, 5000, 10000)
QUICK_KEYS = 4

_CARD_REFERENCE = re.compile(r"[0-9A-Za-z]{6,24}")
_WECHAT_TRANSACTION = re.compile(r"[0-9]{28}")
_ALIPAY_TRADE = re.compile(r"[0-9]{28,32}")
_PAYMENT_CODE = re.compile(r"(?:1[0-5]|2[5-9]|30)[0-9]{16}")  # WeChat 10–15, Alipay 25–30, 18 digits
_PAN_SEPARATORS = re.compile(r"[\s-]")


@dataclass(frozen=True)
class Tender:
    """One payment towards an order.

    Attributes:
        method: ``cash``, ``card`` or ``mobile``.
        amount_fen: what this payment puts towards the order. For cash it may be more than what is owed (the
            customer's note); :func:`settle` then applies only what is owed and gives the rest back as change.
        tendered_fen: cash only: what the customer handed over, when more than ``amount_fen``.
        reference: card terminal reference, or WeChat Pay / Alipay transaction id or payment code; required
            for card and mobile, never a card number (see :func:`valid_reference`); cash has none (dropped).
    """

    method: str
    amount_fen: int
    tendered_fen: int | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Settlement:
    """The state of paying an order.

    Attributes:
        payments: the tenders as applied: references normalised, and for cash ``amount_fen`` is what went
            towards the order and ``tendered_fen`` what was handed over (the difference is that tender's
            change).
        paid_fen: all money received, cash as handed over.
        change_fen: cash to give back; never more than the cash handed over.
        remaining_fen: still owed; more than 0 means not fully paid.
    """

    payments: tuple[Tender, ...]
    paid_fen: int
    change_fen: int
    remaining_fen: int

    @property
    def is_complete(self) -> bool:
        """The order is fully paid."""
        return self.remaining_fen == 0


def settle(total_fen: int, tenders: Iterable[Tender]) -> Settlement:
    """Apply tenders, in order, to an order total.

    Raises:
        BoxOfficeError: with one of these codes (``index`` is the tender's position):
            ``tender_method_unknown``; ``tender_amount_invalid`` (an amount of 0 or less, or a
            ``tendered_fen`` on a card or mobile payment); ``tender_cash_short`` (cash handed over is less
            than its amount); ``tender_reference_missing`` (card or mobile without a reference);
            ``tender_card_number_refused`` (the reference looks like a card number);
            ``tender_reference_invalid`` (not a plausible reference); ``tender_overpaid_electronic`` (card or
            mobile for more than is still owed); ``tender_not_needed`` (cash offered when nothing is owed).
        ValueError: a negative total.
    """
    if total_fen < 0:
        raise ValueError(f"an order total cannot be negative: {total_fen}")
    remaining = total_fen
    paid = change = 0
    applied: list[Tender] = []
    for index, tender in enumerate(tenders):
        if tender.method not in METHODS:
            raise BoxOfficeError(
                "tender_method_unknown",
                f"unknown payment method {tender.method!r}",
                index=index,
                method=tender.method,
            )
        if tender.amount_fen <= 0:
            raise BoxOfficeError(
                "tender_amount_invalid",
                f"payment amount must be more than 0, got {tender.amount_fen}",
                index=index,
                amount_fen=tender.amount_fen,
            )
        if tender.method == "cash":
            handed = tender.amount_fen if tender.tendered_fen is None else tender.tendered_fen
            if handed < tender.amount_fen:
                raise BoxOfficeError(
                    "tender_cash_short",
                    f"cash handed over ({handed}) is less than {tender.amount_fen}",
                    index=index,
                    tendered_fen=handed,
                    amount_fen=tender.amount_fen,
                )
            if remaining == 0:
                raise BoxOfficeError("tender_not_needed", "the order is already paid", index=index)
            towards = min(tender.amount_fen, remaining)
            applied.append(Tender("cash", towards, handed, None))
            paid += handed
            change += handed - towards
            remaining -= towards
            continue
        if tender.tendered_fen is not None:
            raise BoxOfficeError(
                "tender_amount_invalid",
                f"{tender.method} payments have no cash handed over",
                index=index,
                amount_fen=tender.amount_fen,
            )
        reference = check_reference(tender.method, tender.reference, index=index)
        if tender.amount_fen > remaining:
            raise BoxOfficeError(
                "tender_overpaid_electronic",
                f"{tender.method} payment of {tender.amount_fen} is more than the {remaining} still owed",
                index=index,
                amount_fen=tender.amount_fen,
                remaining_fen=remaining,
            )
        applied.append(replace(tender, reference=reference))
        paid += tender.amount_fen
        remaining -= tender.amount_fen
    return Settlement(tuple(applied), paid, change, remaining)


def quick_cash_amounts(remaining_fen: int) -> tuple[int, ...]:
    """Quick keys for cash: the exact amount, then what a customer is likely to hand over.

    The candidates are the amount rounded up to the next 10, 20, 50 and 100 yuan, then the next 100 yuan
    above that; duplicates are dropped and at most four keys are returned, ascending. ¥76 gives ¥76, ¥80,
    ¥100, ¥200. Nothing is owed: no keys.
    """
    if remaining_fen <= 0:
        return ()
    candidates = [remaining_fen] + [_round_up(remaining_fen, step) for step in NOTE_STEPS_FEN]
    candidates.append(_round_up(remaining_fen, NOTE_STEPS_FEN[-1]) + NOTE_STEPS_FEN[-1])
    return tuple(sorted(set(candidates)))[:QUICK_KEYS]


def _round_up(amount: int, step: int) -> int:
    return -(-amount // step) * step


def normalize_reference(text: str) -> str:
    """A reference as stored: full-width characters folded to ASCII (NFKC), surrounding whitespace removed."""
    return unicodedata.normalize("NFKC", text).strip()


def looks_like_card_number(text: str) -> bool:
    """13 to 19 digits (spaces and dashes ignored) that pass the Luhn check: treated as a card number."""
    digits = _PAN_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    return bool(re.fullmatch(r"[0-9]{13,19}", digits)) and _luhn_ok(digits)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def valid_reference(method: str, text: str) -> bool:
    """A plausible payment reference for the method (after :func:`normalize_reference`).

    Accepted:
        card: 6–24 ASCII letters and digits (terminal reference, RRN, voucher or authorisation number).
        mobile: a WeChat Pay transaction id (28 digits), an Alipay trade number (28–32 digits), or a payment
            code scanned from the customer's phone (18 digits, starting 10–15 for WeChat Pay or 25–30 for
            Alipay).

    Never accepted: anything that looks like a card number (13–19 digits passing Luhn, spaces and dashes
    ignored), except an 18-digit mobile payment code, which is recognised by its prefix first. Cash has no
    reference.
    """
    reference = normalize_reference(text)
    if method == "mobile":
        if _PAYMENT_CODE.fullmatch(reference):
            return True
        return bool(_WECHAT_TRANSACTION.fullmatch(reference) or _ALIPAY_TRADE.fullmatch(reference))
    if method == "card":
        return bool(_CARD_REFERENCE.fullmatch(reference)) and not looks_like_card_number(reference)
    return False


def check_reference(method: str, text: str | None, *, index: int = 0) -> str:
    """The normalised reference of a card or mobile payment, or the coded reason it is refused.

    Raises:
        BoxOfficeError: ``tender_reference_missing``, ``tender_card_number_refused`` or
            ``tender_reference_invalid``. The refused text is never put in the error.
    """
    reference = normalize_reference(text or "")
    if not reference:
        raise BoxOfficeError(
            "tender_reference_missing", f"a {method} payment needs its reference", index=index, method=method
        )
    if valid_reference(method, reference):
        return reference
    if looks_like_card_number(reference):
        raise BoxOfficeError(
            "tender_card_number_refused",
            "that looks like a card number; enter the terminal reference instead",
            index=index,
            method=method,
        )
    raise BoxOfficeError(
        "tender_reference_invalid", f"not a valid {method} reference", index=index, method=method
    )
