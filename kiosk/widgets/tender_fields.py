"""The payment screen's money fields: quick cash keys, cash received, card or mobile, the customer's phone.

It exists apart from the payment screen so that the screen keeps the flow (what a submitted field means, when
the focus moves) while these fields lay themselves out and show the words and amounts they are given. The
inputs post Textual's ``Input.Submitted`` to the screen; every part keeps the ``pay-*`` id or class that
``payment.tcss`` styles and the screen queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalGroup
from textual.widgets import Input, Label, Static

from boxoffice.i18n import format_money
from boxoffice.privacy import mask_phone
from kiosk.money_input import YUAN_CHARS


class TenderFields(VerticalGroup):
    """The fields for taking money, in the flow of the screen's left column (as tall as they are)."""

    def compose(self) -> ComposeResult:
        """Quick cash keys, cash received, the card/mobile block (hidden until F9/F10), phone, saved phone."""
        yield Static(id="pay-quick")
        with Horizontal(classes="pay-field"):
            yield Label(id="pay-cash-label", classes="pay-field-label")
            yield Input(id="pay-cash", placeholder="0.00", restrict=YUAN_CHARS, max_length=12,
                        compact=True, select_on_focus=False)  # digits typed on the list land here
        with Vertical(id="pay-electronic"):
            yield Static(id="pay-electronic-title")
            with Horizontal(classes="pay-field"):
                yield Label(id="pay-amount-label", classes="pay-field-label")
                yield Input(id="pay-amount", placeholder="0.00", restrict=YUAN_CHARS, max_length=12,
                            compact=True)
            with Horizontal(classes="pay-field"):
                yield Label(id="pay-reference-label", classes="pay-field-label")
                yield Input(id="pay-reference", max_length=40, compact=True)
        with Horizontal(classes="pay-field"):
            yield Label(id="pay-phone-label", classes="pay-field-label")
            yield Input(id="pay-phone", placeholder="138 0000 0000", restrict=r"[0-9+\- ()０-９]*",
                        max_length=20, compact=True)
        yield Static(id="pay-phone-saved")

    def show_labels(self, t: Callable[..., str], *, electronic: str | None, phone: str | None) -> None:
        """Every label in the current language; the card/mobile block shown only while one is being taken.

        Args:
            t: the catalog lookup in the current language.
            electronic: ``"card"`` or ``"mobile"`` while such a payment is being typed, else None.
            phone: the customer's number kept so far (shown masked), or None.
        """
        method = electronic or "card"
        self.query_one("#pay-cash-label", Label).update(t("payment.cash_label"))
        self.query_one("#pay-electronic-title", Static).update(t(f"payment.electronic_{method}"))
        self.query_one("#pay-amount-label", Label).update(t("payment.amount_label"))
        self.query_one("#pay-reference-label", Label).update(t(f"payment.reference_{method}"))
        self.query_one("#pay-phone-label", Label).update(t("payment.phone_label"))
        self.query_one("#pay-phone-saved", Static).update(
            t("payment.phone_saved", phone=mask_phone(phone)) if phone else "")
        self.query_one("#pay-electronic").display = electronic is not None

    def show_quick(self, keys: Sequence[tuple[str, int]]) -> None:
        """The keys that take cash at once, each with its amount (``[("F5", 9600), ("F6", 10000)]``)."""
        parts: list[str | tuple[str, str]] = []
        for key, amount in keys:
            parts += [(key, "bold reverse"), f" {format_money(amount)}  "]
        self.query_one("#pay-quick", Static).update(Text.assemble(*parts))

    def close_electronic(self) -> None:
        """Empty and hide the card/mobile block."""
        self.query_one("#pay-amount", Input).value = ""
        self.query_one("#pay-reference", Input).value = ""
        self.query_one("#pay-electronic").display = False
