"""Errors with a stable code beside the message.

The code is what programs and the UI look at: the UI turns ``error.<code>`` into words in the customer's
language through :mod:`boxoffice.i18n`, filling in ``params``. The English ``message`` is for logs and commands.
"""

from __future__ import annotations

from typing import Any


class BoxOfficeError(Exception):
    """A refused or failed operation, with a stable ``code`` and the values that explain it."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"
