"""Phone numbers: mainland mobile numbers as people type them, shown only masked."""

from __future__ import annotations

import pytest

from boxoffice.privacy import mask_phone, normalize_phone, valid_phone


@pytest.mark.parametrize(
    "text",
    [
        "13812341234",
        "19912345678",
        "+86 138 1234 1234",
        "0086-138-1234-1234",
        "8613812341234",
        " 138-1234-1234 ",
        "１３８１２３４１２３４",
    ],
)
def test_mainland_mobile_numbers_are_accepted_as_typed(text):
    assert valid_phone(text)
    assert normalize_phone(text) in {"13812341234", "19912345678"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12812341234",
        "10012345678",
        "1381234123",
        "138123412345",
        "021-12345678",
        "1381234123a",
        "+1 138 1234 1234",
        "+8613812341234 5",
    ],
)
def test_other_numbers_are_not_mainland_mobiles(text):
    assert not valid_phone(text)
    assert normalize_phone(text) is None


def test_mask_phone_keeps_the_first_three_and_last_four_digits():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("+86 138 1234 1234") == "138****1234"


def test_mask_phone_never_shows_an_odd_value_in_full():
    assert mask_phone("021-12345678") == "********5678"
    assert mask_phone("12345") == "*****"
    assert mask_phone("") == ""
