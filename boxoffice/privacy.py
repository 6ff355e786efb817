"""Customer phone numbers: accept mainland mobile numbers as people type them, and show them only masked.

Screens, receipts and logs show ``138****1234``; the full number is kept only where it is needed (sending a
pickup code by SMS).
"""

from __future__ import annotations

import re
import unicodedata

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SEPARATORS = re.compile(r"[\s\-()]")
_COUNTRY_PREFIX = re.compile(r"(?:\+86|0086|86)(?=[0-9]{11}$)")


def normalize_phone(text: str) -> str | None:
    """The 11-digit mainland mobile number in ``text``, or None when it is not one.

    Full-width digits are folded to ASCII; spaces, dashes and brackets are ignored; a ``+86``, ``0086`` or
    ``86`` country prefix is dropped. ``"+86 138-1234-1234"`` gives ``"13812341234"``.
    """
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    digits = _COUNTRY_PREFIX.sub("", digits, count=1)
    return digits if _MOBILE.fullmatch(digits) else None


def valid_phone(text: str) -> bool:
    """A mainland mobile number: 11 digits starting 13–19 (written as :func:`normalize_phone` accepts)."""
    return normalize_phone(text) is not None


def mask_phone(text: str) -> str:
    """``13812341234`` → ``138****1234``.

    A mainland mobile number keeps its first three and last four digits. Anything else is masked wholly except
    its last four characters when it is longer than eight, so an odd value never shows in full.
    """
    phone = normalize_phone(text)
    if phone is not None:
        return f"{phone[:3]}****{phone[-4:]}"
    value = text.strip()
    if len(value) > 8:
        return "*" * (len(value) - 4) + value[-4:]
    return "*" * len(value)
