"""The kiosk's payment terminal: one small interface, and a simulated terminal that works on this machine.

A self-service kiosk never sees a card. It asks the payment terminal beside it (a card reader, or a scanner for
a WeChat Pay / Alipay QR code) to charge an amount, and waits for the answer: approved with the terminal's
reference, declined, or no answer in time. Only an approved charge becomes a sale (the kiosk then writes the
order with that reference as a card or mobile tender); a declined or timed-out one leaves nothing behind, and the
customer may try again. If an approved charge cannot become a sale after all (the store refused it), the kiosk
asks the terminal to :meth:`~PaymentTerminal.void` it, so that nobody is charged without tickets. A customer who
refunds tickets at the kiosk (:mod:`kiosk.kiosk_refund`) gets the money back on the original card or mobile
payment through :meth:`~PaymentTerminal.refund`, by that payment's reference.

A site with a real terminal writes a class with the same three methods. The local default,
:class:`SimulatedTerminal`, is driven by a file: ``boxoffice terminal approve|decline|timeout`` (or any
program) writes the answer to the next charge (or refund) into ``<folder>/next``; without one, a charge gets the
configured ``default`` after ``delay_seconds`` and a refund is approved at once. Every charge, void and refund is
appended to ``<folder>/journal.log`` (amount,
method, outcome, reference; never card data, which it never has). See docs/kiosk.md.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

Outcome = Literal["approved", "declined", "timeout"]
OUTCOMES: tuple[str, ...] = ("approved", "declined", "timeout")
ANSWERS: dict[str, Outcome] = {"approve": "approved", "decline": "declined", "timeout": "timeout"}
"""What can be written to the simulator's ``next`` file, and the outcome each gives."""
DEFAULTS = ("approve", "decline", "timeout", "wait")
"""The simulator's ``default`` answer: one of ANSWERS, or ``wait`` (no answer until a command gives one)."""
NEXT_FILE = "next"
REQUEST_FILE = "request.json"
JOURNAL_FILE = "journal.log"


@dataclass(frozen=True)
class PaymentResult:
    """What the terminal said about one charge.

    Attributes:
        outcome: ``approved``, ``declined`` or ``timeout`` (no answer in time: nothing was taken).
        reference: the terminal's reference of an approved charge (a card terminal's reference, or a WeChat Pay /
            Alipay transaction id); None otherwise.
        detail: the terminal's own words (a decline reason), for the log only.
    """

    outcome: Outcome
    reference: str | None = None
    detail: str = ""

    @property
    def approved(self) -> bool:
        """The money was taken."""
        return self.outcome == "approved"


class PaymentTerminal(Protocol):
    """A payment terminal the kiosk can ask to take money. Calls block; the kiosk makes them in a worker thread."""

    def charge(self, amount_fen: int, method: str, reference_hint: str) -> PaymentResult:
        """Take ``amount_fen`` by ``method`` (``card`` or ``mobile``).

        Args:
            amount_fen: the order's total, in fen.
            method: ``card`` or ``mobile`` (WeChat Pay / Alipay).
            reference_hint: the kiosk's own key for this attempt (the sale's request key), which a terminal may
                print on its slip or send to the acquirer to match the payment to the order.
        """
        ...

    def void(self, reference: str, amount_fen: int) -> bool:
        """Reverse an approved charge that could not become a sale; True when the terminal confirmed it."""
        ...

    def refund(self, amount_fen: int, method: str, reference: str) -> PaymentResult:
        """Pay ``amount_fen`` back to an earlier payment (a kiosk refund of tickets).

        Args:
            amount_fen: what goes back, in fen (at most what the payment took).
            method: the original payment's method, ``card`` or ``mobile``.
            reference: the original payment's reference (the terminal finds the card or the account by it).

        Returns:
            ``approved`` with the terminal's reference of the refund; ``declined`` or ``timeout`` when the
            terminal did not confirm it (the refund is recorded all the same; the counter finishes it).
        """
        ...


class SimulatedTerminal:
    """A terminal for demos and tests, answered through files in a folder (see the module docstring).

    Args:
        folder: where ``next``, ``request.json`` and ``journal.log`` live (created when needed).
        default: the answer when no ``next`` file says otherwise: approve, decline, timeout, or wait.
        delay_seconds: how long the customer "takes" at the terminal before the default answer.
        timeout_seconds: how long to wait for an answer in all (``wait``, or a late ``next`` file).
        poll_seconds: how often the ``next`` file is looked for.
        clock: the current UTC time, for the journal.
        sleep: the pause between looks (tests pass a fake).
    """

    def __init__(self, folder: Path, *, default: str = "approve", delay_seconds: float = 2.0,
                 timeout_seconds: float = 60.0, poll_seconds: float = 0.1,
                 clock: Callable[[], datetime] | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        if default not in DEFAULTS:
            raise ValueError(f"default must be one of {', '.join(DEFAULTS)}; got {default!r}")
        self.folder = folder
        self.default = default
        self.delay_seconds = delay_seconds
        self.timeout_seconds = max(timeout_seconds, delay_seconds)
        self.poll_seconds = poll_seconds
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep

    def charge(self, amount_fen: int, method: str, reference_hint: str) -> PaymentResult:
        """Wait for an answer in ``next`` (taken once), else give the default after the delay."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / REQUEST_FILE).write_text(json.dumps({
            "amount_fen": amount_fen, "method": method, "reference_hint": reference_hint,
            "at": self._clock().isoformat(timespec="seconds")}) + "\n", encoding="utf-8")
        waited = 0.0
        answer: str | None = None
        while answer is None:
            answer = take_answer(self.folder)
            if answer is not None:
                break
            if self.default != "wait" and waited >= self.delay_seconds:
                answer = self.default
                break
            if waited >= self.timeout_seconds:
                answer = "timeout"
                break
            self._sleep(self.poll_seconds)
            waited += self.poll_seconds
        outcome = ANSWERS[answer]
        reference = new_reference(method) if outcome == "approved" else None
        detail = "declined by the simulator" if outcome == "declined" else ""
        self._journal(f"charge {amount_fen} {method} {outcome} {reference or '-'} hint={reference_hint}")
        (self.folder / REQUEST_FILE).unlink(missing_ok=True)
        return PaymentResult(outcome, reference, detail)

    def void(self, reference: str, amount_fen: int) -> bool:
        """Record the reversal in the journal (a simulated terminal always manages it)."""
        self._journal(f"void {amount_fen} {reference}")
        return True

    def refund(self, amount_fen: int, method: str, reference: str) -> PaymentResult:
        """Take an answer waiting in ``next`` (decline, timeout) if there is one, else approve at once: money going
        back needs no customer at the terminal."""
        outcome = ANSWERS[take_answer(self.folder) or "approve"]
        refund_reference = new_reference(method) if outcome == "approved" else None
        self._journal(f"refund {amount_fen} {method} {outcome} {refund_reference or '-'} of={reference}")
        return PaymentResult(outcome, refund_reference, "declined by the simulator" if outcome == "declined" else "")

    def _journal(self, line: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / JOURNAL_FILE).open("a", encoding="utf-8") as journal:
            journal.write(f"{self._clock().isoformat(timespec='seconds')} {line}\n")


def new_reference(method: str) -> str:
    """A reference that looks like what a terminal returns: a card terminal's ``SIM`` + 9 letters and digits, or
    a 28-digit mobile transaction id (both pass :func:`boxoffice.tender.valid_reference`)."""
    if method == "mobile":
        return "4200" + "".join(secrets.choice("0123456789") for _ in range(24))
    return "SIM" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9))


def write_answer(folder: Path, answer: str) -> Path:
    """Tell the simulated terminal how to answer the next charge (``approve``, ``decline`` or ``timeout``).

    Raises:
        ValueError: an answer that is not one of those.
    """
    if answer not in ANSWERS:
        raise ValueError(f"answer must be one of {', '.join(ANSWERS)}; got {answer!r}")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / NEXT_FILE
    partial = folder / f".{NEXT_FILE}.tmp"
    partial.write_text(answer + "\n", encoding="utf-8")
    partial.replace(target)  # whole or not at all: the terminal never reads half a word
    return target


def take_answer(folder: Path) -> str | None:
    """The answer waiting in ``<folder>/next``, removed so that it answers one charge only; None when there is
    none. An unreadable word is dropped (and answers nothing)."""
    target = folder / NEXT_FILE
    try:
        word = target.read_text(encoding="utf-8").strip().lower()
    except FileNotFoundError:
        return None
    target.unlink(missing_ok=True)
    return word if word in ANSWERS else None


def pending_request(folder: Path) -> dict[str, object] | None:
    """The charge the simulated terminal is waiting on (amount, method, hint, since when), or None."""
    try:
        return dict(json.loads((folder / REQUEST_FILE).read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return None
