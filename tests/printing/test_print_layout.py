"""Layout as pure functions: widths counted in printer cells, wrapping, tickets and receipts at both widths."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printing import Columns, Rule, Text, receipt_document, ticket_document, yuan
from printing.document import display_width, fit, layout_lines, pad_columns, truncate, wrap
from printing.test_page import test_page_document


def text_lines(doc, chars):
    """(line, cells it takes) for every text line of a document."""
    out = []
    for block in doc.blocks:
        if isinstance(block, (Text, Columns, Rule)):
            factor = 2 if isinstance(block, Text) and block.double_width else 1
            out += [(line, display_width(line) * factor) for line in layout_lines(block, chars)]
    return out


def all_text(doc) -> str:
    return "\n".join(line for line, _ in text_lines(doc, 48))


def test_wide_characters_count_as_two_cells():
    assert display_width("5排12座") == 7
    assert display_width("￥45.00") == 7
    assert display_width("Row 5") == 5
    assert display_width("：") == 2


@given(
    st.text(alphabet=st.sampled_from(list("ab cdef 中文影城，。 ￥12") + ["\n"]), max_size=200),
    st.integers(min_value=2, max_value=48),
)
def test_wrapped_lines_never_exceed_the_width(text, width):
    for line in wrap(text, width):
        assert display_width(line) <= width


def test_wrap_breaks_english_at_spaces_and_chinese_anywhere():
    assert wrap("The Wandering Earth II", 12) == ["The", "Wandering", "Earth II"]
    assert wrap("哪吒之魔童闹海", 6) == ["哪吒之", "魔童闹", "海"]


def test_fit_cuts_to_max_lines_with_an_ascii_ellipsis():
    lines = fit("one two three four five six seven eight nine ten", 10, 2)
    assert len(lines) == 2 and lines[-1].endswith("...")
    assert all(display_width(line) <= 10 for line in lines)
    assert truncate("星光影城星光影城", 7) == "星光..."


def test_columns_fill_the_line_exactly_or_move_right_below():
    assert pad_columns("票价 Price", "￥45.00", 32) == ["票价 Price" + " " * 15 + "￥45.00"]
    long = pad_columns("Self-service kiosk 12 at the north entrance", "￥45.00", 32)
    assert len(long) > 1 and all(display_width(line) <= 32 for line in long)
    assert long[-1].endswith("￥45.00") and display_width(long[-1]) == 32


@pytest.mark.parametrize("paper_mm,chars", [(58, 32), (80, 48)])
@pytest.mark.parametrize("which", ["ticket", "long_ticket"])
def test_ticket_lines_fit_the_paper(request, make_spec, paper_mm, chars, which):
    spec = make_spec(paper_mm=paper_mm)
    doc = ticket_document(request.getfixturevalue(which), spec)
    lines = text_lines(doc, spec.chars_per_line)
    assert spec.chars_per_line == chars
    assert lines and all(cells <= chars for _, cells in lines), [l for l in lines if l[1] > chars]


def test_ticket_says_what_the_product_promises(ticket, make_spec):
    text = all_text(ticket_document(ticket, make_spec()))
    for expected in (
        "星光影城",
        "Starlight Cinema",
        "哪吒之魔童闹海",
        "Ne Zha 2",
        "3号厅 IMAX",
        "2026-12-05 周六",
        "19:30",
        "5排12座",
        "Row 5 Seat 12",
        "成人 Adult",
        "￥45.00",
        "￥3.00",
        "1204-K7QH2MX9",
        "1204-K7QH2MX9-01",
        "2026-12-04 18:02",
        "Counter 1",
    ):
        assert expected in text, expected


def test_reprint_mark_only_on_reprints(ticket, make_spec):
    spec = make_spec()
    assert "REPRINT" not in all_text(ticket_document(ticket, spec))
    reprinted = all_text(ticket_document(dataclasses.replace(ticket, reprint=2), spec))
    assert "重打 REPRINT 2" in reprinted


def test_yuan_formats_fen_with_the_full_width_sign():
    assert yuan(4500) == "￥45.00"
    assert yuan(5) == "￥0.05"
    assert yuan(-300) == "-￥3.00"
    assert yuan(1234567) == "￥12,345.67"


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_receipt_lists_items_payments_change_and_masked_phone(receipt, make_spec, paper_mm):
    spec = make_spec(paper_mm=paper_mm)
    lines = text_lines(receipt_document(receipt, spec), spec.chars_per_line)
    assert all(cells <= spec.chars_per_line for _, cells in lines)
    text = "\n".join(line for line, _ in lines)
    for expected in (
        "销售小票",
        "￥45.00",
        "￥30.00",
        "￥6.00",
        "￥81.00",
        "现金 Cash",
        "￥100.00",
        "找零 Change",
        "￥19.00",
        "138****1234",
    ):
        assert expected in text, expected


def test_refund_receipt_says_refund(receipt, make_spec):
    refund = dataclasses.replace(
        receipt, kind="refund", payments=(("card", 8100, "**** 1234"),), change_fen=0
    )
    text = all_text(receipt_document(refund, make_spec()))
    assert "退款凭证 REFUND RECEIPT" in text and "银行卡 Card **** 1234" in text and "找零" not in text


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_test_page_ruler_spans_the_line(make_spec, paper_mm):
    from datetime import datetime

    spec = make_spec(paper_mm=paper_mm, name="Counter receipts")
    lines = text_lines(test_page_document(spec, datetime(2026, 12, 4, 10, 0)), spec.chars_per_line)
    assert all(cells <= spec.chars_per_line for _, cells in lines)
    ruler = "".join(str((i + 1) % 10) for i in range(spec.chars_per_line))
    assert (ruler, spec.chars_per_line) in lines


def test_ticket_without_english_title_has_no_empty_title_line(ticket, make_spec):
    doc = ticket_document(dataclasses.replace(ticket, film_en=""), make_spec())
    assert not [b for b in doc.blocks if isinstance(b, Text) and not b.text.strip()]
