"""What every screen of the box-office app shares: a typed handle on the app, and texts that follow the
language.

The terminal's language can change at any moment (F2 at the counter, a customer's choice at the kiosk). Rather
than rebuilding screens, each screen sets its texts in one method, :meth:`BoxOfficeScreen.apply_language`,
which runs when the screen is mounted and again whenever the app's ``language`` changes; widgets keep their
state (typed input, cursor, filters).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import Screen

from kiosk.containment import ContainErrors

if TYPE_CHECKING:
    from kiosk.app import BoxOfficeApp

ResultT = TypeVar("ResultT")


class BoxOfficeScreen(ContainErrors, Screen[ResultT]):
    """A screen whose texts are catalog lookups in the app's current language."""

    @property
    def box(self) -> BoxOfficeApp:
        """The running box-office app (typed; ``self.app`` is a plain App)."""
        return cast("BoxOfficeApp", self.app)

    def t(self, key: str, **params: Any) -> str:
        """The text of a catalog key in the current language."""
        return self.box.translator(key, **params)

    def on_mount(self) -> None:
        """Start following the app's language (Textual also runs a subclass's own ``on_mount``)."""
        self.watch(self.app, "language", self._language_changed, init=True)

    def _language_changed(self) -> None:
        self.apply_language()
        self.refresh_bindings()  # the footer rebuilds with the new descriptions

    def apply_language(self) -> None:
        """Set every text of the screen in the current language; screens override this."""
