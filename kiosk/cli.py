"""The command line: ``boxoffice`` (counter app and operations) and ``kiosk`` (self-service app).

Every command reads ``kiosk.toml`` (``--config PATH``, else ``./kiosk.toml``). Problems a person can fix — a bad
config, a bad import file, a store that needs an upgrade — are printed as plain messages with exit code 1,
never as a traceback. Textual and the app are imported only by the commands that open it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from kiosk import cli_db, cli_order, cli_printer, cli_terminal
from kiosk.config import Config, ConfigError, load_config

CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file to use (default: ./kiosk.toml).",
)


def _now() -> datetime:
    return datetime.now(UTC)


def fail(lines: list[str] | str) -> None:
    """Print problems to stderr and exit with status 1."""
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(line, err=True)
    sys.exit(1)


@contextmanager
def problems_reported() -> Iterator[None]:
    """Turn the errors a person can act on into messages and exit status 1."""
    from sqlalchemy.exc import OperationalError

    from boxoffice.errors import BoxOfficeError

    try:
        yield
    except ConfigError as exc:
        fail(exc.problems)
    except BoxOfficeError as exc:
        fail(getattr(exc, "problems", None) or f"error: {exc.message}")
    except OperationalError as exc:
        fail(f"error: the store cannot be used: {exc.orig}")
    except OSError as exc:
        fail(f"error: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "))


def _config(config_path: Path | None) -> Config:
    with problems_reported():
        return load_config(config_path)
    raise AssertionError("unreachable")  # pragma: no cover


def _engine(config: Config) -> Any:
    from db.engine import make_engine

    return make_engine(config.database_url)


def _require_current_schema(config: Config, engine: Any) -> None:
    from db.migrate import current_revision, head_revision

    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "is empty" if current is None else f"is at schema {current}"
        fail(
            f"The store {config.database.url} {state}; this version needs schema {head}.\n"
            f"Run: boxoffice --config {config.source} db upgrade   (or `boxoffice demo` for the demo cinema)"
        )


def _open_app(config: Config, engine: Any, mode: str) -> None:
    """Run the app; ``engine`` None: the app opens the store behind its first screen (kiosk.app, "Start-up"),
    and a store it cannot use ends it with the message and exit status 1, as here."""
    from kiosk.app import BoxOfficeApp
    from kiosk.logging_setup import setup_logging

    setup_logging(config)
    app = BoxOfficeApp(config, engine, mode=mode)
    app.run()
    if app.start_problem:
        fail(app.start_problem)
    if app.return_code:
        sys.exit(app.return_code)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@CONFIG_OPTION
@click.pass_context
def boxoffice(ctx: click.Context, config_path: Path | None) -> None:
    """Cinema box office. Without a command, opens the counter app."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    if ctx.invoked_subcommand is None:
        _open_app(_config(config_path), None, "counter")


def _context_config(ctx: click.Context, config_path: Path | None) -> Config:
    return _config(config_path or ctx.obj.get("config_path"))


@boxoffice.command()
@CONFIG_OPTION
@click.option("--load-only", is_flag=True, help="Create and fill the store, print the PINs, do not open the app.")
@click.pass_context
def demo(ctx: click.Context, config_path: Path | None, load_only: bool) -> None:
    """Create or upgrade the store, load the demo cinema if it is empty, print the demo PINs, open the app."""
    from boxoffice.demo import DEMO_STAFF, load_demo
    from boxoffice.demo.poster_art import install_demo_posters
    from db.engine import transaction
    from db.migrate import upgrade

    config = _context_config(ctx, config_path)
    with problems_reported():
        engine = _engine(config)
        upgrade(engine)
        with transaction(engine) as session:
            result = load_demo(
                session,
                now=_now(),
                zone=config.site.zone,
                cleaning_minutes=config.site.cleaning_minutes,
                site_names=(config.site.name_zh, config.site.name_en),
            )
        posters = install_demo_posters(config.resolve(config.kiosk.posters_dir))
    click.echo(f"Store: {config.database_url}")
    click.echo(
        f"Demo cinema: added {result.auditoriums} halls ({result.seats} seats), {result.films} films, "
        f"{result.showtimes} showtimes, {result.staff} staff, {posters} posters."
    )
    click.echo("Demo staff (number / PIN):")
    for code, name, role, pin in DEMO_STAFF:
        click.echo(f"  {code} / {pin}   {name}  {role}")
    if not load_only:
        _open_app(config, engine, "counter")


@boxoffice.group("db")
def db_group() -> None:
    """The store: schema upgrades, online backups, moving to PostgreSQL."""


@db_group.command("upgrade")
@CONFIG_OPTION
@click.pass_context
def db_upgrade(ctx: click.Context, config_path: Path | None) -> None:
    """Bring an empty or older store to the latest schema."""
    from db.migrate import current_revision, upgrade

    config = _context_config(ctx, config_path)
    with problems_reported():
        engine = _engine(config)
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    click.echo(f"Store {config.database.url}: schema {before or 'empty'} -> {after}")


@boxoffice.group("config")
def config_group() -> None:
    """kiosk.toml: validation."""


@config_group.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def config_check(ctx: click.Context, path: Path | None) -> None:
    """Validate a config file (default: the --config file or ./kiosk.toml). Exit 0 when fine, 1 when not."""
    target = path or ctx.obj.get("config_path")
    try:
        config = load_config(target)
    except ConfigError as exc:
        fail(exc.problems)
    click.echo(f"{config.source}: OK (terminal {config.terminal.id}, {config.terminal.mode}, {config.database.url})")


@boxoffice.group("import")
def import_group() -> None:
    """Import seat plans, schedules, price cards and online bookings from text files."""


def _import(ctx: click.Context, config_path: Path | None, action: Callable[[Any, Config], str]) -> None:
    from db.engine import transaction

    config = _context_config(ctx, config_path)
    with problems_reported():
        engine = _engine(config)
        _require_current_schema(config, engine)
        with transaction(engine) as session:
            message = action(session, config)
    click.echo(message)


@import_group.command("seatplan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--auditorium", "name", default=None, help="Auditorium name (default: the plan's name: header).")
@CONFIG_OPTION
@click.pass_context
def import_seatplan_cmd(ctx: click.Context, file: Path, name: str | None, config_path: Path | None) -> None:
    """Validate a seat-plan file and create or update its auditorium."""
    from boxoffice.auditoriums import import_seatplan
    from boxoffice.seatplan import parse_seatplan

    def action(session: Any, config: Config) -> str:
        plan = parse_seatplan(file.read_text(encoding="utf-8"), str(file))
        result = import_seatplan(session, plan, name=name, now=_now())
        verb = "created" if result.created else "updated"
        return (
            f"{name or plan.name}: {verb}; {result.seats_added} seats added, {result.seats_updated} updated, "
            f"{result.seats_retired} retired"
        )

    _import(ctx, config_path, action)


@import_group.command("schedule")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@CONFIG_OPTION
@click.pass_context
def import_schedule_cmd(ctx: click.Context, file: Path, config_path: Path | None) -> None:
    """Import a schedule CSV (film, auditorium, start, format, price_card); all rows or none."""
    from boxoffice.schedule import import_schedule

    def action(session: Any, config: Config) -> str:
        result = import_schedule(
            session,
            file.read_text(encoding="utf-8"),
            zone=config.site.zone,
            cleaning_minutes=config.site.cleaning_minutes,
            source=str(file),
        )
        return f"{file}: {result.showtimes_added} showtimes and {result.films_added} new films imported"

    _import(ctx, config_path, action)


@import_group.command("prices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@CONFIG_OPTION
@click.pass_context
def import_prices_cmd(ctx: click.Context, file: Path, config_path: Path | None) -> None:
    """Import ticket types and price cards from a TOML file (see docs/pricing.md)."""
    from boxoffice.pricecards import import_price_cards

    def action(session: Any, config: Config) -> str:
        result = import_price_cards(session, file.read_text(encoding="utf-8"), source=str(file))
        return f"{file}: {result.ticket_types} ticket types, {result.price_cards} price cards, {result.prices} prices"

    _import(ctx, config_path, action)


@import_group.command("bookings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@CONFIG_OPTION
@click.pass_context
def import_bookings_cmd(ctx: click.Context, file: Path, config_path: Path | None) -> None:
    """Import an online platform's bookings (JSON, see docs/bookings.md); each booking all or nothing.

    Exit 0 when every booking was imported (or was already), 1 when a booking was refused (a seat taken, the
    showtime over) or the store or keys cannot be used, 2 when the file is malformed (nothing imported).
    """
    from boxoffice.bookings import ALREADY_IMPORTED, IMPORTED, REFUSED, PickupSms, import_bookings
    from boxoffice.bookings_file import BookingsError
    from boxoffice.refund_policy import policy_from_config, register_policy
    from boxoffice.site_keys import PICKUP_CODE_KEY_FILE, SiteKeyError, load_or_create_secret
    from db.engine import transaction

    config = _context_config(ctx, config_path)
    with problems_reported():
        engine = _engine(config)
        _require_current_schema(config, engine)
        try:
            # The site's key, not a new one: codes hashed with a key the counters do not have could not be found.
            key = load_or_create_secret(config.resolve(config.security.keys_dir) / PICKUP_CODE_KEY_FILE, create=False)
        except SiteKeyError as exc:
            fail(f"error: {exc}")
        with transaction(engine) as session:  # online orders are refunded at the counter under the site's policy
            policy_id = register_policy(session, policy_from_config(config.refunds), _now())
        try:
            report = import_bookings(
                engine, file.read_bytes(), source=str(file), now=_now(), zone=config.site.zone, pickup_key=key,
                sms=PickupSms(template=config.sms.template_zh, site_name=config.site.name_zh),
                refund_policy_id=policy_id,
            )
        except BookingsError as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            count = len(exc.problems)
            click.echo(f"{file}: {count} problem{'' if count == 1 else 's'}, nothing imported", err=True)
            sys.exit(2)
    zone = config.site.zone
    for outcome in report.outcomes:
        when = f"{outcome.hall} {outcome.starts_at.astimezone(zone):%Y-%m-%d %H:%M}" if outcome.starts_at else ""
        head = f"booking {outcome.number} ({outcome.booking_id}): "
        if outcome.status == IMPORTED:
            sms = ", pickup code SMS queued" if outcome.sms_queued else ", platform's pickup code"
            phone = f", phone {outcome.phone_masked}" if outcome.phone_masked else ""
            click.echo(f"{head}imported as {outcome.reference}, {when} {' '.join(outcome.seats)}{phone}{sms}")
        elif outcome.status == ALREADY_IMPORTED:
            click.echo(f"{head}already imported as {outcome.reference}")
        else:
            click.echo(f"{head}refused: {outcome.message} [{outcome.code}], {when} {' '.join(outcome.seats)}")
    counts = {status: report.count(status) for status in (IMPORTED, ALREADY_IMPORTED, REFUSED)}
    click.echo(f"{file}: {counts[IMPORTED]} imported, {counts[ALREADY_IMPORTED]} already imported, "
               f"{counts[REFUSED]} refused")
    if counts[REFUSED]:
        sys.exit(1)


@boxoffice.group("sms")
def sms_group() -> None:
    """The SMS outbox: pickup codes waiting to be sent ([sms] in kiosk.toml), and what became of them."""


def _open_store(ctx: click.Context, config_path: Path | None) -> tuple[Config, Any]:
    config = _context_config(ctx, config_path)
    with problems_reported():
        engine = _engine(config)
        _require_current_schema(config, engine)
    return config, engine


@sms_group.command("send")
@CONFIG_OPTION
@click.option("--loop", is_flag=True, help="Keep sending until stopped (Ctrl+C), for a site that runs it as a service.")
@click.option("--every", "every_s", type=click.FloatRange(min=0.5), default=5.0, show_default=True,
              metavar="SECONDS", help="With --loop: seconds between looks at the outbox.")
@click.pass_context
def sms_send(ctx: click.Context, config_path: Path | None, loop: bool, every_s: float) -> None:
    """Send the messages that are due now through the configured gateway and print what happened.

    Failed messages are retried later (30 s, 60 s, 120 s …) up to [sms] max_attempts. Any number of terminals
    may send at once: each message is sent by one of them.
    """
    import time

    from sqlalchemy.exc import OperationalError

    from boxoffice.site_keys import PICKUP_CODE_KEY_FILE, SiteKeyError, load_or_create_secret
    from boxoffice.sms import gateway_from_config, send_due

    batch = 20
    config, engine = _open_store(ctx, config_path)
    with problems_reported():
        gateway = gateway_from_config(config.sms, config.source.parent)
        try:
            key = load_or_create_secret(config.resolve(config.security.keys_dir) / PICKUP_CODE_KEY_FILE)
        except SiteKeyError as exc:
            fail(f"error: {exc}")
        where = getattr(gateway, "url", None) or getattr(gateway, "path", "")
        try:
            while True:
                try:
                    report = send_due(engine, gateway, now=_now(), key=key, max_attempts=config.sms.max_attempts,
                                      limit=batch, terminal_id=config.terminal.id)
                except OperationalError as exc:
                    if not loop:
                        raise
                    click.echo(f"error: the store cannot be used: {exc.orig}; trying again", err=True)
                    time.sleep(every_s)
                    continue
                if not loop or report.handled or report.recovered:
                    click.echo(f"SMS via {config.sms.gateway} {where}: {report}")
                if not loop:
                    break
                if report.handled < batch:  # after a full batch more may be due at once
                    time.sleep(every_s)
        except KeyboardInterrupt:
            click.echo("SMS sender stopped")


@sms_group.command("list")
@CONFIG_OPTION
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many, newest first.")
@click.pass_context
def sms_list(ctx: click.Context, config_path: Path | None, limit: int) -> None:
    """The latest messages: id, time, masked number, kind, status, attempts, last error (never text or code)."""
    from boxoffice.sms import recent_messages
    from db.engine import transaction

    config, engine = _open_store(ctx, config_path)
    with problems_reported(), transaction(engine, write=False) as session:
        messages = recent_messages(session, limit=limit)
    if not messages:
        click.echo("No SMS messages.")
        return
    zone = config.site.zone
    click.echo(f"{'id':>6}  {'created':<16}  {'phone':<11}  {'kind':<12}  {'status':<8}  {'tries':>5}  last error")
    for m in messages:
        click.echo(f"{m.id:>6}  {m.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {m.phone_masked:<11}  {m.kind:<12}  "
                   f"{m.status:<8}  {m.attempts:>5}  {m.last_error or '-'}")


def _printer_config(ctx: click.Context) -> Config:
    return _context_config(ctx, None)


cli_printer.register(boxoffice, _printer_config)
cli_terminal.register(boxoffice, _printer_config)
cli_order.register(boxoffice, _open_store, CONFIG_OPTION, problems_reported)
cli_db.register(db_group, _context_config, CONFIG_OPTION, problems_reported, fail)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@CONFIG_OPTION
@click.option("--mode", type=click.Choice(["kiosk", "door"]), default="kiosk",
              help="kiosk: self-service (buy or collect tickets); door: an usher scans tickets in.")
def kiosk(config_path: Path | None, mode: str) -> None:
    """Self-service kiosk: buy or collect tickets; with --mode door, the usher's ticket check."""
    _open_app(_config(config_path), None, mode)


def boxoffice_main() -> None:
    """Entry point of ``boxoffice``."""
    boxoffice(obj={})


def kiosk_main() -> None:
    """Entry point of ``kiosk``."""
    kiosk()
