"""The translation layer: both catalogs have the same keys and placeholders, and the code uses only known keys."""

import re
import string
from pathlib import Path

from boxoffice.i18n import Translator, catalog, format_money

REPO = Path(__file__).resolve().parents[2]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_both_catalogs():
    zh, en = catalog("zh"), catalog("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []


def test_placeholders_match_between_languages():
    zh, en = catalog("zh"), catalog("en")
    mismatched = [key for key in zh if _fields(zh[key]) != _fields(en[key])]
    assert mismatched == []


def test_keys_used_in_code_exist():
    used: set[str] = set()
    pattern = re.compile(r"""\b(?:t|_t|translate|self\.t|app\.t)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    for folder in ("kiosk", "boxoffice", "printing"):
        for path in (REPO / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    missing = sorted(key for key in used if key not in catalog("en"))
    assert missing == []


def test_translator_fills_params_and_falls_back_for_unknown_errors():
    assert Translator("en")("signin.attempts_left", left=3) == "Wrong staff number or PIN, 3 attempts left"
    assert "3" in Translator("zh")("signin.attempts_left", left=3)
    assert Translator("zh").error("no_such_code") == catalog("zh")["error.unexpected"]


def test_money_is_shown_in_yuan():
    assert format_money(3800) == "¥38.00"
    assert format_money(5) == "¥0.05"
    assert format_money(123456) == "¥1,234.56"
    assert format_money(-150) == "-¥1.50"


def test_every_error_code_raised_in_the_domain_has_words_in_both_languages():
    codes: set[str] = set()
    raised = re.compile(r"""(?:BoxOfficeError\(|super\(\).__init__\()\s*["']([a-z_]+)["']""")
    for path in (REPO / "boxoffice").rglob("*.py"):
        codes |= set(raised.findall(path.read_text(encoding="utf-8")))
    from boxoffice import seat_rules

    codes |= {value for name, value in vars(seat_rules).items() if name.isupper() and isinstance(value, str)
              and "_" in value}
    assert len(codes) > 30
    for language in ("zh", "en"):
        assert sorted(code for code in codes if f"error.{code}" not in catalog(language)) == []
