"""Tender arithmetic: cash with change, card and mobile with references, split tender, quick cash keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boxoffice.errors import BoxOfficeError
from boxoffice.tender import (
    Tender,
    check_reference,
    looks_like_card_number,
    quick_cash_amounts,
    settle,
    valid_reference,
)

CARD_REF = "RRN123456789"
WECHAT_TXN = "4200001234202612041234567890"  # 28 digits
ALIPAY_TRADE = "2026120422001412345678901234"  # 28 digits
VISA_TEST_PAN = "4111111111111111"
UNIONPAY_TEST_PAN = "6222021234567890128"  # 19 digits, passes Luhn


def _code(total: int, tenders: list[Tender]) -> str:
    with pytest.raises(BoxOfficeError) as caught:
        settle(total, tenders)
    return caught.value.code


def test_exact_cash_pays_with_no_change():
    result = settle(7600, [Tender("cash", 7600)])
    assert result.is_complete
    assert (result.paid_fen, result.change_fen, result.remaining_fen) == (7600, 0, 0)
    assert result.payments == (Tender("cash", 7600, 7600),)


def test_cash_over_tender_gives_change():
    result = settle(7600, [Tender("cash", 7600, tendered_fen=10000)])
    assert result.is_complete
    assert (result.paid_fen, result.change_fen, result.remaining_fen) == (10000, 2400, 0)


def test_a_cash_note_larger_than_the_total_is_applied_up_to_the_total():
    result = settle(7600, [Tender("cash", 10000)])
    assert result.change_fen == 2400 and result.is_complete
    assert result.payments == (Tender("cash", 7600, 10000),)


def test_partial_cash_leaves_the_rest_owed():
    result = settle(7600, [Tender("cash", 5000)])
    assert not result.is_complete
    assert (result.paid_fen, result.change_fen, result.remaining_fen) == (5000, 0, 2600)


def test_card_then_cash_split_takes_change_from_the_cash_only():
    result = settle(
        12900, [Tender("card", 10000, reference=CARD_REF), Tender("cash", 2900, tendered_fen=5000)]
    )
    assert result.is_complete
    assert (result.paid_fen, result.change_fen) == (15000, 2100)
    assert result.payments[0] == Tender("card", 10000, None, CARD_REF)
    assert result.payments[1] == Tender("cash", 2900, 5000)


def test_mobile_pays_exactly_with_a_wechat_or_alipay_reference():
    assert settle(4800, [Tender("mobile", 4800, reference=WECHAT_TXN)]).is_complete
    assert settle(4800, [Tender("mobile", 4800, reference=ALIPAY_TRADE)]).is_complete
    assert settle(4800, [Tender("mobile", 4800, reference="134567890123456789")]).is_complete  # WeChat code


def test_references_are_normalised_before_they_are_kept():
    result = settle(100, [Tender("card", 100, reference="  ＡＢＣ１２３４  ")])
    assert result.payments[0].reference == "ABC1234"


def test_card_and_mobile_need_a_reference():
    assert _code(4800, [Tender("mobile", 4800)]) == "tender_reference_missing"
    assert _code(4800, [Tender("card", 4800, reference="   ")]) == "tender_reference_missing"


def test_implausible_references_are_refused():
    assert _code(4800, [Tender("card", 4800, reference="12345")]) == "tender_reference_invalid"
    assert _code(4800, [Tender("mobile", 4800, reference="12345678")]) == "tender_reference_invalid"


def test_electronic_payment_cannot_exceed_what_is_owed():
    assert _code(4800, [Tender("card", 5000, reference=CARD_REF)]) == "tender_overpaid_electronic"
    assert _code(4800, [Tender("cash", 3000), Tender("mobile", 2000, reference=WECHAT_TXN)]) == (
        "tender_overpaid_electronic"
    )
    # cash that already covered the order leaves nothing for a card
    assert _code(4800, [Tender("cash", 5000), Tender("card", 100, reference=CARD_REF)]) == (
        "tender_overpaid_electronic"
    )


def test_amounts_must_be_positive_and_cash_must_cover_its_amount():
    assert _code(4800, [Tender("cash", 0)]) == "tender_amount_invalid"
    assert _code(4800, [Tender("card", -100, reference=CARD_REF)]) == "tender_amount_invalid"
    assert (
        _code(4800, [Tender("card", 4800, tendered_fen=5000, reference=CARD_REF)]) == "tender_amount_invalid"
    )
    assert _code(4800, [Tender("cash", 4800, tendered_fen=4000)]) == "tender_cash_short"


def test_unknown_methods_and_unneeded_cash_are_refused():
    assert _code(4800, [Tender("voucher", 4800)]) == "tender_method_unknown"
    assert _code(4800, [Tender("cash", 4800), Tender("cash", 100)]) == "tender_not_needed"


def test_errors_name_the_tender_and_never_echo_a_card_number():
    with pytest.raises(BoxOfficeError) as caught:
        settle(4800, [Tender("cash", 1000), Tender("card", 3800, reference=VISA_TEST_PAN)])
    assert caught.value.code == "tender_card_number_refused"
    assert caught.value.params["index"] == 1
    assert VISA_TEST_PAN not in caught.value.message and VISA_TEST_PAN not in repr(caught.value.params)


@pytest.mark.parametrize(
    "text",
    [
        VISA_TEST_PAN,
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        UNIONPAY_TEST_PAN,
        "378282246310005",
        "４１１１１１１１１１１１１１１１",
    ],
)
def test_card_numbers_are_refused_for_card_and_mobile(text):
    assert looks_like_card_number(text)
    assert not valid_reference("card", text)
    assert not valid_reference("mobile", text)
    for method in ("card", "mobile"):
        with pytest.raises(BoxOfficeError) as caught:
            check_reference(method, text)
        assert caught.value.code == "tender_card_number_refused"


def test_digit_strings_failing_luhn_or_outside_pan_lengths_are_not_card_numbers():
    assert not looks_like_card_number("4111111111111112")
    assert not looks_like_card_number("123456789012")  # 12-digit RRN
    assert valid_reference("card", "123456789012")
    assert valid_reference("card", "4111111111111112")


def test_valid_reference_formats():
    assert valid_reference("card", "A1B2C3")
    assert valid_reference("card", "X" * 24)
    assert not valid_reference("card", "X" * 25)
    assert not valid_reference("card", "AB-123456")
    assert valid_reference("mobile", WECHAT_TXN)
    assert valid_reference("mobile", "2" * 32)  # Alipay trade numbers run to 32 digits
    assert not valid_reference("mobile", "2" * 33)
    assert not valid_reference("mobile", "2" * 27)
    assert valid_reference("mobile", "284567890123456789")  # Alipay payment code, 25–30
    assert not valid_reference("mobile", "184567890123456789")  # 18 digits, no such prefix
    assert not valid_reference("mobile", "ABCDEFGHIJKLMNOPQRSTUVWXYZ12")
    assert not valid_reference("cash", "ANYTHING1")


def test_a_mobile_payment_code_is_accepted_even_when_it_passes_luhn():
    code = "10" + "0" * 15
    code += next(d for d in "0123456789" if looks_like_card_number(code + d))
    assert len(code) == 18 and looks_like_card_number(code)
    assert valid_reference("mobile", code)
    assert not valid_reference("card", code)


@pytest.mark.parametrize(
    ("remaining", "expected"),
    [
        (7600, (7600, 8000, 10000, 20000)),
        (8000, (8000, 10000, 20000)),
        (10000, (10000, 20000)),
        (7550, (7550, 8000, 10000, 20000)),
        (350, (350, 1000, 2000, 5000)),
        (12900, (12900, 13000, 14000, 15000)),
        (0, ()),
        (-100, ()),
    ],
)
def test_quick_cash_amounts(remaining, expected):
    assert quick_cash_amounts(remaining) == expected


@given(st.integers(min_value=1, max_value=10_000_000))
def test_quick_cash_amounts_start_exact_ascend_and_cover_the_amount(remaining):
    keys = quick_cash_amounts(remaining)
    assert keys[0] == remaining
    assert 1 <= len(keys) <= 4
    assert list(keys) == sorted(set(keys))
    assert all(settle(remaining, [Tender("cash", key)]).is_complete for key in keys)


_tender = st.one_of(
    st.builds(
        lambda a, extra: Tender("cash", a, a + extra if extra is not None else None),
        st.integers(1, 50_000),
        st.one_of(st.none(), st.integers(0, 20_000)),
    ),
    st.builds(lambda a: Tender("card", a, reference=CARD_REF), st.integers(1, 50_000)),
    st.builds(lambda a: Tender("mobile", a, reference=WECHAT_TXN), st.integers(1, 50_000)),
)


@given(st.integers(0, 100_000), st.lists(_tender, max_size=5))
def test_settlements_balance_and_change_comes_only_from_cash(total, tenders):
    try:
        result = settle(total, tenders)
    except BoxOfficeError as error:
        assert error.code in {"tender_overpaid_electronic", "tender_not_needed"}
        return
    cash_handed = sum(t.tendered_fen or 0 for t in result.payments if t.method == "cash")
    assert 0 <= result.change_fen <= cash_handed
    assert 0 <= result.remaining_fen <= total
    assert sum(t.amount_fen for t in result.payments) == total - result.remaining_fen
    assert result.paid_fen - result.change_fen == total - result.remaining_fen
    if result.is_complete:
        assert result.paid_fen - result.change_fen == total
    assert all(t.amount_fen > 0 for t in result.payments)
