"""``boxoffice printer …``: the technician's printer commands — list, status, test page, discover.

Each command reads the printers from kiosk.toml and says plainly what is wrong (unreachable, offline, paper out)
with exit status 1, so it can be used in scripts and at a printer with a laptop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from collections.abc import Callable

import click

from kiosk.config import Config, PrinterConfig, printer_spec


def _address(printer: PrinterConfig) -> str:
    return {
        "usb": f"usb {printer.usb_vendor or 0:#06x}:{printer.usb_product or 0:#06x}",
        "network": f"{printer.host}:{printer.port}",
        "serial": f"{printer.device} @ {printer.baud}",
        "file": f"{printer.path}",
        "cups": f"cups {printer.cups_queue}",
        "preview": f"preview {printer.path or ''}",
    }[printer.connection]


def _printer(config: Config, name: str) -> PrinterConfig:
    try:
        return config.printer(name)
    except KeyError:
        names = ", ".join(p.name for p in config.printers) or "none configured"
        raise click.ClickException(f"{config.source}: no printer named {name!r} (printers: {names})") from None


def register(group: click.Group, load: Callable[[click.Context], Config]) -> None:
    """Add the ``printer`` commands to the ``boxoffice`` group; ``load(ctx, path)`` returns the config."""

    @group.group("printer")
    def printer_group() -> None:
        """Ticket and receipt printers: list, status, test page, discover."""

    @printer_group.command("list")
    @click.pass_context
    def printer_list(ctx: click.Context) -> None:
        """The configured printers."""
        config = load(ctx)
        if not config.printers:
            click.echo(f"{config.source}: no [[printers]] configured")
            return
        click.echo(f"{'name':<12} {'role':<9} {'connection':<28} {'paper':<6} {'chinese':<8} {'qr':<7} fallback")
        for printer in config.printers:
            click.echo(f"{printer.name:<12} {printer.role:<9} {_address(printer):<28} {printer.paper_mm:<6} "
                       f"{printer.chinese:<8} {printer.qr:<7} {printer.fallback or '-'}")

    @printer_group.command("status")
    @click.argument("name")
    @click.pass_context
    def printer_status(ctx: click.Context, name: str) -> None:
        """Ask a printer whether it is online and has paper (exit 1 when it cannot print)."""
        from printing.factory import read_status

        config = load(ctx)
        spec = printer_spec(config, _printer(config, name))
        status = read_status(spec)
        online = {True: "online", False: "OFFLINE", None: "unknown"}[status.online]
        click.echo(f"{name}: {online}, paper {status.paper}{f' ({status.detail})' if status.detail else ''}")
        if status.online is False or status.paper == "out" or status.problem:
            raise SystemExit(1)

    @printer_group.command("test")
    @click.argument("name")
    @click.pass_context
    def printer_test(ctx: click.Context, name: str) -> None:
        """Print a test page: ruler, code page and Chinese samples, QR code, barcode, cut."""
        from printing import print_document
        from printing.factory import PrinterError
        from printing.test_page import test_page_document

        config = load(ctx)
        spec = printer_spec(config, _printer(config, name))
        now_local = datetime.now(UTC).astimezone(config.site.zone)
        try:
            outcome = print_document(spec, test_page_document(spec, now_local),
                                     job_name=f"test-{now_local:%Y%m%d-%H%M%S}")
        except PrinterError as error:
            raise click.ClickException(f"{name}: {error.code}: {error.message}") from None
        click.echo(f"{name}: test page sent ({outcome.bytes_sent} bytes)")
        if outcome.preview_png is not None:
            click.echo(f"preview: {outcome.preview_png}")

    @printer_group.command("discover")
    @click.option("--network", "addresses", multiple=True, metavar="HOST[:PORT]",
                  help="Also check these addresses (port 9100 when not given); may be repeated.")
    @click.pass_context
    def printer_discover(ctx: click.Context, addresses: tuple[str, ...]) -> None:
        """USB devices that look like printers, and whether network printers answer on their port."""
        from printing.discover import DiscoveryUnavailable, answers, usb_candidates

        config = load(ctx)
        try:
            found = usb_candidates()
            click.echo(f"USB: {len(found)} possible printer(s)")
            for device in found:
                click.echo(f"  {device.ids}  {device.description}"
                           f"{'' if device.printer_class else ' (vendor-specific interface)'}")
        except DiscoveryUnavailable as exc:
            click.echo(f"USB: cannot search: {exc}")
        targets = [(p.host, p.port, p.name) for p in config.printers if p.connection == "network" and p.host]
        for address in addresses:
            host, _, port = address.partition(":")
            targets.append((host, int(port) if port.isdigit() else 9100, "given"))
        for host, port, label in targets:
            state = "answers" if answers(host or "", port) else "no answer"
            click.echo(f"network {host}:{port} ({label}): {state}")

