"""Pickup codes: Damm check digits catch typing mistakes, typed forms normalise, digests hide the code; key files."""

import os
import random
import stat
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boxoffice import pickup_codes
from boxoffice.pickup_codes import (
    check_digit,
    code_digest,
    format_code,
    has_valid_check_digit,
    is_well_formed,
    new_pickup_code,
    normalize,
)
from boxoffice.site_keys import KEY_BYTES, SiteKeyError, load_or_create_secret

KEY = bytes(range(32))


class SeededDigits:
    """A repeatable stand-in for :mod:`secrets`."""

    def __init__(self, seed: int = 0, values: list[int] | None = None) -> None:
        self._random = random.Random(seed)
        self._values = list(values or [])

    def randbelow(self, bound: int) -> int:
        return self._values.pop(0) if self._values else self._random.randrange(bound)


def _codes(count: int = 300) -> list[str]:
    rng = SeededDigits(5)
    return [new_pickup_code(rng) for _ in range(count)]


def test_check_digit_matches_the_published_damm_example():
    assert check_digit("572") == "4"
    assert has_valid_check_digit("5724") and not has_valid_check_digit("5727")


def test_damm_table_detects_every_substitution_and_adjacent_transposition_from_any_state():
    # A substitution is caught because each row is a permutation; a transposition because T[T[i][a]][b] differs
    # from T[T[i][b]][a] for a != b; later digits cannot merge two different states (each column is a permutation).
    table = pickup_codes._DAMM
    for state in range(10):
        assert sorted(table[state]) == list(range(10))
        assert sorted(row[state] for row in table) == list(range(10))
        for a in range(10):
            for b in range(10):
                if a != b:
                    assert table[table[state][a]][b] != table[table[state][b]][a]


def test_generated_codes_are_ten_digits_with_a_valid_check_digit():
    codes = _codes() + [new_pickup_code() for _ in range(50)]
    assert all(len(code) == 10 and code.isascii() and code.isdigit() for code in codes)
    assert all(is_well_formed(code) for code in codes)
    assert len(set(codes)) == len(codes)


def test_leading_zeros_are_kept():
    code = new_pickup_code(SeededDigits(values=[42]))
    assert code.startswith("000000042") and len(code) == 10


def test_every_single_digit_substitution_of_a_generated_code_is_caught():
    for code in _codes():
        for position in range(10):
            for digit in "0123456789":
                if digit != code[position]:
                    typo = code[:position] + digit + code[position + 1:]
                    assert not is_well_formed(typo), (code, typo)


def test_every_adjacent_transposition_of_a_generated_code_is_caught():
    for code in _codes():
        for position in range(9):
            a, b = code[position], code[position + 1]
            if a != b:
                swapped = code[:position] + b + a + code[position + 2:]
                assert not is_well_formed(swapped), (code, swapped)


@pytest.mark.parametrize("typed", [
    "{0}{1}{2} {3}{4}{5} {6}{7}{8}{9}",
    "  {0}{1}{2}-{3}{4}{5}-{6}{7}{8}{9}\n",
    "{0}{1}{2}\u3000{3}{4}{5}\u3000{6}{7}{8}{9}",  # ideographic spaces from a Chinese input method
    "{0}{1}{2}\uff0d{3}{4}{5}\u2014{6}{7}{8}{9}",  # full-width hyphen, em dash
])
def test_typed_forms_with_spaces_dashes_and_full_width_digits_normalise(typed):
    code = new_pickup_code(SeededDigits(9))
    assert normalize(typed.format(*code)) == code and is_well_formed(typed.format(*code))
    full_width = "".join(chr(0xFF10 + int(d)) for d in code)  # ０１２…
    assert normalize(full_width) == code
    assert normalize(typed.format(*full_width)) == code


@pytest.mark.parametrize("text", [
    "", "   ", "12345", "12345678901", "123456789a", "123 456 789O", "1234567890" * 7, "+1234567890",
    "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660",  # Arabic-Indic digits: not what we print
])
def test_what_is_not_ten_digits_is_not_a_code(text):
    assert normalize(text) is None and not is_well_formed(text)


@given(st.text(max_size=80))
def test_normalize_never_fails_and_yields_ten_ascii_digits_or_nothing(text):
    digits = normalize(text)
    assert digits is None or (len(digits) == 10 and digits.isascii() and digits.isdigit())
    assert is_well_formed(text) == (digits is not None and has_valid_check_digit(digits))


def test_format_groups_three_three_four():
    assert format_code("1234567890") == "123 456 7890"
    assert format_code("１２３ ４５６ ７８９０") == "123 456 7890"
    with pytest.raises(ValueError):
        format_code("12345")


def test_digest_is_not_the_code_and_depends_on_the_key():
    code = new_pickup_code()
    digest = code_digest(code, KEY)
    assert len(digest) == 64 and code not in digest
    assert digest == code_digest(format_code(code), KEY)  # however it was typed
    assert digest != code_digest(code, bytes(reversed(KEY)))
    assert digest != code_digest(new_pickup_code(SeededDigits(1)), KEY)


def test_digest_refuses_malformed_codes_and_short_keys():
    code = new_pickup_code()
    with pytest.raises(ValueError):
        code_digest(code[:-1] + str((int(code[-1]) + 1) % 10), KEY)
    with pytest.raises(ValueError):
        code_digest(code, b"short")


def test_site_secret_is_created_owner_only_and_reused(tmp_path):
    path = tmp_path / "keys" / "pickup-code.key"
    first = load_or_create_secret(path)
    assert len(first) == KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert load_or_create_secret(path) == first
    assert load_or_create_secret(path, create=False) == first
    assert sorted(p.name for p in path.parent.iterdir()) == ["pickup-code.key"]  # no temporary file left


def test_site_secret_is_made_with_0600_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        path = tmp_path / "open.key"
        load_or_create_secret(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_processes_starting_together_share_one_secret(tmp_path):
    path = tmp_path / "keys" / "pickup-code.key"
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(load_or_create_secret(path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 1


def test_missing_open_or_damaged_secret_is_refused(tmp_path):
    with pytest.raises(SiteKeyError, match="not found"):
        load_or_create_secret(tmp_path / "absent.key", create=False)
    loose = tmp_path / "loose.key"
    loose.write_bytes(os.urandom(32))
    loose.chmod(0o644)
    with pytest.raises(SiteKeyError, match="chmod 600"):
        load_or_create_secret(loose)
    short = tmp_path / "short.key"
    short.write_bytes(b"abc")
    short.chmod(0o600)
    with pytest.raises(SiteKeyError, match="3 bytes"):
        load_or_create_secret(short)
    with pytest.raises(SiteKeyError, match="not a regular file"):
        load_or_create_secret(tmp_path)
