"""Money as a cashier types it: an amount in yuan read as integer fen.

It exists apart from the payment screen so that reading typed amounts is a pure function, tested without a
terminal, and so that every amount field accepts the same characters. No Textual here.
"""

from __future__ import annotations

import re
import unicodedata

YUAN_CHARS = r"[0-9.¥０-９．]*"
"""What an amount field lets through as it is typed (``Input.restrict``): digits, point, ¥, full-width."""

_YUAN = re.compile(r"¥?\s*([0-9]{1,7})(?:\.([0-9]{0,2}))?")


def parse_yuan(text: str) -> int | None:
    """An amount typed in yuan as fen: ``"100"`` → 10000, ``"100.5"`` → 10050; None when it is not one.

    Full-width digits are accepted (a Chinese input method may be on); more than two decimals are not.
    """
    match = _YUAN.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    return int(match[1]) * 100 + int((match[2] or "").ljust(2, "0"))
