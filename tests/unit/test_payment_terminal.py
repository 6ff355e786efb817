"""The simulated payment terminal: answered through a file once per charge, else its default after a delay."""

from __future__ import annotations

import threading

import pytest

from boxoffice.payment_terminal import (
    JOURNAL_FILE,
    SimulatedTerminal,
    new_reference,
    pending_request,
    take_answer,
    write_answer,
)
from boxoffice.tender import valid_reference


def _terminal(folder, **options):
    return SimulatedTerminal(folder, sleep=lambda _: None, **options)


def test_with_no_answer_waiting_it_gives_its_default_after_the_delay(tmp_path):
    approved = _terminal(tmp_path, default="approve", delay_seconds=1).charge(4800, "card", "key-1")
    assert approved.approved and approved.reference and valid_reference("card", approved.reference)
    declined = _terminal(tmp_path, default="decline").charge(4800, "mobile", "key-2")
    assert (declined.outcome, declined.reference) == ("declined", None)


def test_an_answer_in_the_file_decides_one_charge_only(tmp_path):
    terminal = _terminal(tmp_path, default="approve")
    write_answer(tmp_path, "decline")
    assert terminal.charge(100, "card", "a").outcome == "declined"
    assert take_answer(tmp_path) is None  # used up
    assert terminal.charge(100, "card", "b").outcome == "approved"
    write_answer(tmp_path, "timeout")
    assert terminal.charge(100, "card", "c").outcome == "timeout"


def test_waiting_for_a_command_times_out_without_one(tmp_path):
    result = _terminal(tmp_path, default="wait", timeout_seconds=2, poll_seconds=0.5).charge(100, "card", "k")
    assert result.outcome == "timeout" and result.reference is None


def test_a_command_given_while_it_waits_is_taken(tmp_path):
    terminal = SimulatedTerminal(tmp_path, default="wait", timeout_seconds=10, poll_seconds=0.02)
    seen = threading.Event()

    def answer_when_asked() -> None:
        while pending_request(tmp_path) is None:
            pass
        seen.set()
        write_answer(tmp_path, "approve")

    helper = threading.Thread(target=answer_when_asked)
    helper.start()
    result = terminal.charge(2500, "mobile", "hint-7")
    helper.join(5)
    assert seen.is_set() and result.approved and valid_reference("mobile", result.reference or "")
    assert pending_request(tmp_path) is None  # the request is gone once answered


def test_the_journal_records_charges_and_voids_but_never_more_than_the_reference(tmp_path):
    terminal = _terminal(tmp_path)
    paid = terminal.charge(9600, "card", "order-key")
    assert terminal.void(paid.reference or "", 9600)
    lines = (tmp_path / JOURNAL_FILE).read_text().splitlines()
    assert "charge 9600 card approved" in lines[0] and "hint=order-key" in lines[0]
    assert f"void 9600 {paid.reference}" in lines[1]


def test_only_known_answers_are_written_or_taken(tmp_path):
    with pytest.raises(ValueError):
        write_answer(tmp_path, "maybe")
    (tmp_path / "next").write_text("perhaps\n")
    assert take_answer(tmp_path) is None and not (tmp_path / "next").exists()
    with pytest.raises(ValueError):
        SimulatedTerminal(tmp_path, default="sometimes")


def test_simulated_references_are_valid_tender_references():
    assert all(valid_reference(method, new_reference(method)) for method in ("card", "mobile") for _ in range(50))


def test_a_refund_is_approved_at_once_and_journaled_unless_an_answer_waits(tmp_path):
    terminal = _terminal(tmp_path, default="wait", delay_seconds=30)
    back = terminal.refund(4500, "card", "SIMABCDEFGH2")
    assert back.approved and back.reference and valid_reference("card", back.reference)
    write_answer(tmp_path, "decline")
    refused = terminal.refund(4500, "mobile", "4200" + "1" * 24)
    assert (refused.outcome, refused.reference) == ("declined", None)
    lines = (tmp_path / JOURNAL_FILE).read_text(encoding="utf-8").splitlines()
    assert lines[0].split()[1:5] == ["refund", "4500", "card", "approved"] and lines[0].endswith("of=SIMABCDEFGH2")
    assert lines[1].split()[1:5] == ["refund", "4500", "mobile", "declined"]
