"""The one translation layer: every user-facing string goes through a catalog key.

Catalogs are flat TOML tables in ``boxoffice/locales/`` (``zh.toml`` Simplified Chinese, ``en.toml`` English),
keys like ``signin.title``; values use ``str.format`` fields (``{name}``). Lives in the domain package because
tickets, receipts and SMS texts are translated too, not only screens. Error codes map to ``error.<code>``.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("zh", "en")
_LOCALES = Path(__file__).parent / "locales"


@cache
def catalog(language: str) -> dict[str, str]:
    """The flattened catalog of a language."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    with (_LOCALES / f"{language}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


class Translator:
    """Looks up strings for one language; a terminal or a kiosk customer session holds one."""

    def __init__(self, language: str = "zh") -> None:
        self.language = language if language in LANGUAGES else "zh"

    def __call__(self, key: str, **params: Any) -> str:
        """The text for ``key`` with ``params`` filled in; the key itself if a catalog lacks it."""
        text = catalog(self.language).get(key) or catalog("en").get(key) or key
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                return text
        return text

    def error(self, code: str, **params: Any) -> str:
        """The words for an error code; a refused refund or exchange (its decision's reason code) is said in the
        ``policy_reason`` words."""
        key = f"error.{code}"
        if key not in catalog(self.language) and f"policy_reason.{code}" in catalog(self.language):
            key = f"policy_reason.{code}"
        if key not in catalog(self.language):
            key = "error.unexpected"
        return self(key, **params)


def format_money(fen: int) -> str:
    """Integer fen as yuan for people: 3800 → ``¥38.00``, -150 → ``-¥1.50``."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def local_time(moment: datetime, zone: tzinfo) -> str:
    """``HH:MM`` of a UTC moment in the site's zone."""
    return moment.astimezone(zone).strftime("%H:%M")


def local_date(moment: datetime, zone: tzinfo) -> str:
    """``YYYY-MM-DD`` of a UTC moment in the site's zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d")
