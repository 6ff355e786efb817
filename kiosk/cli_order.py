"""``boxoffice order show``: an order's whole life, for staff who must show afterwards what happened and why.

The order is named by its reference, or by what the customer has: the pickup code, a ticket's QR text, or the
mobile number (every order of that number, newest first). Times are in the site's zone; the phone is masked,
payment references show their last four characters, pickup codes are never printed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from kiosk.config import Config


def _keys(config: Config) -> tuple[bytes, Any]:
    """The site's pickup key and entry-token public key, never created here (a missing key: empty / None)."""
    from boxoffice.entry_tokens import load_or_create_signing_key
    from boxoffice.site_keys import PICKUP_CODE_KEY_FILE, SiteKeyError, load_or_create_secret

    folder = config.resolve(config.security.keys_dir)
    try:
        key = load_or_create_secret(folder / PICKUP_CODE_KEY_FILE, create=False)
    except SiteKeyError:
        key = b""
    try:
        public = load_or_create_signing_key(folder, create=False).public_key()
    except SiteKeyError:
        public = None
    return key, public


def print_history(history: Any, zone: Any) -> None:
    """Print one order's history (a :class:`boxoffice.order_history.OrderHistory`)."""
    starts = history.starts_at.astimezone(zone)
    status = history.status + ("" if history.showtime_status == "scheduled" else f", showtime {history.showtime_status}")
    click.echo(f"Order {history.reference}  ({status})")
    click.echo(f"  {history.film} · {starts:%Y-%m-%d %H:%M} · {history.hall}"
               + (f" · phone {history.phone_masked}" if history.phone_masked else ""))
    click.echo("")
    for event in history.events:
        at = event.at.astimezone(zone)
        place = " · ".join(part for part in (event.where, event.who) if part)
        click.echo(f"{at:%Y-%m-%d %H:%M:%S}  {event.kind:<10}  {place}".rstrip())
        for line in event.what:
            click.echo(f"{'':33}{line}")


def register(group: click.Group, open_store: Callable[[click.Context, Path | None], tuple[Config, Any]],
             config_option: Callable[[Any], Any], problems_reported: Callable[[], Any]) -> None:
    """Add the ``order`` commands to the ``boxoffice`` group."""

    @group.group("order")
    def order_group() -> None:
        """Orders: their history (sale, prints, pickups, door, refunds, exchanges, SMS)."""

    @order_group.command("show")
    @click.argument("what")
    @config_option
    @click.pass_context
    def order_show(ctx: click.Context, what: str, config_path: Path | None) -> None:
        """Print an order's whole life in time order, with who, when (site time), where and why.

        WHAT is the order reference (1204-K7QH2MX9), its pickup code, a ticket's QR text, or the customer's
        mobile number (all their orders, newest first). Exit 1 when no order is found.
        """
        from boxoffice.errors import BoxOfficeError
        from boxoffice.i18n import Translator
        from boxoffice.order_history import order_history
        from boxoffice.order_lookup import find_orders, input_kind
        from db.engine import transaction

        config, engine = open_store(ctx, config_path)
        key, public = _keys(config)
        kind = input_kind(what)
        if kind == "code" and not key:
            raise click.ClickException("the site's pickup key is missing: look the order up by its reference")
        if kind == "token" and public is None:
            raise click.ClickException("the site's signing key is missing: look the order up by its reference")
        words = Translator("en")
        with problems_reported(), transaction(engine, write=False) as session:
            try:
                ids = find_orders(session, text=what, key=key, public_key=public, now=datetime.now(UTC))
                histories = [order_history(session, order_id) for order_id in ids]
            except BoxOfficeError as error:
                raise click.ClickException(words.error(error.code, **error.params)) from None
        if not histories:
            click.echo("No order found.", err=True)
            ctx.exit(1)
        if len(histories) > 1:
            click.echo(f"{len(histories)} orders, newest first.\n")
        for index, history in enumerate(histories):
            if index:
                click.echo("")
            print_history(history, config.site.zone)
