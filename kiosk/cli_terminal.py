"""``boxoffice terminal …``: answer the kiosk's simulated payment terminal from a shell.

``approve``, ``decline`` or ``timeout`` decide the next payment the kiosk asks for (the answer waits in
``[payment_terminal] folder``/next until a payment takes it); ``status`` says what the terminal is waiting on
and what it answered lately. See docs/kiosk.md.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from kiosk.config import Config

_SAID = {"approve": "approved", "decline": "declined", "timeout": "left to time out"}


def register(group: click.Group, load: Callable[[click.Context], Config]) -> None:
    """Add the ``terminal`` commands to the ``boxoffice`` group; ``load(ctx)`` returns the config."""

    @group.group("terminal")
    def terminal_group() -> None:
        """The kiosk's simulated payment terminal ([payment_terminal] in kiosk.toml): answer its next payment."""

    def answer(ctx: click.Context, word: str) -> None:
        from boxoffice.payment_terminal import write_answer

        config = load(ctx)
        if config.payment_terminal.kind != "simulated":
            raise click.ClickException(f"{config.source}: payment_terminal.kind is not \"simulated\"")
        folder = config.resolve(config.payment_terminal.folder)
        try:
            write_answer(folder, word)
        except OSError as exc:
            click.echo(f"error: {exc.strerror or exc}: {folder}", err=True)
            raise SystemExit(1) from None
        click.echo(f"The next kiosk payment will be {_SAID[word]} ({folder}/next).")

    @terminal_group.command("approve")
    @click.pass_context
    def approve(ctx: click.Context) -> None:
        """Approve the next payment (the terminal returns a reference)."""
        answer(ctx, "approve")

    @terminal_group.command("decline")
    @click.pass_context
    def decline(ctx: click.Context) -> None:
        """Decline the next payment (no money taken; the customer may try again)."""
        answer(ctx, "decline")

    @terminal_group.command("timeout")
    @click.pass_context
    def timeout(ctx: click.Context) -> None:
        """Let the next payment time out (no answer from the terminal; nothing taken)."""
        answer(ctx, "timeout")

    @terminal_group.command("status")
    @click.option("--lines", type=click.IntRange(min=0), default=5, show_default=True,
                  help="How many of the latest journal lines to show.")
    @click.pass_context
    def status(ctx: click.Context, lines: int) -> None:
        """The payment the terminal is waiting on, the answer waiting for the next one, its latest answers."""
        from boxoffice.payment_terminal import JOURNAL_FILE, NEXT_FILE, pending_request

        config = load(ctx)
        folder = config.resolve(config.payment_terminal.folder)
        pending = pending_request(folder)
        if pending is None:
            click.echo("Waiting on: nothing")
        else:
            fen = int(str(pending.get("amount_fen", 0)))
            click.echo(f"Waiting on: {pending.get('method')} ¥{fen // 100}.{fen % 100:02d} since {pending.get('at')}")
        next_answer = folder / NEXT_FILE
        word = next_answer.read_text(encoding="utf-8").strip() if next_answer.exists() else ""
        click.echo(f"Next answer: {word or config.payment_terminal.default + ' (the default)'}")
        journal = folder / JOURNAL_FILE
        if lines and journal.exists():
            for line in journal.read_text(encoding="utf-8").splitlines()[-lines:]:
                click.echo(f"  {line}")
