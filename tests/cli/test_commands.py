"""The commands as a technician runs them: real processes, exit codes, one-line messages, no tracebacks."""

import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

REPO = Path(__file__).resolve().parents[2]
BOXOFFICE = [sys.executable, "-c", "from kiosk.cli import boxoffice_main; boxoffice_main()"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BOXOFFICE, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copy(REPO / "kiosk.toml", tmp_path / "kiosk.toml")
    return tmp_path


def test_every_command_has_help(site):
    for command in ([], ["demo"], ["db", "upgrade"], ["config", "check"], ["import", "seatplan"], ["printer"]):
        result = run(*command, "--help", cwd=site)  # the installed entry point, as a person runs it
        assert result.returncode == 0 and "Usage:" in result.stdout, command


def _commands(group, path=()):
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_and_subcommand_explains_itself():
    """Walks the whole command tree, so a command added later cannot ship without its help."""
    from click.testing import CliRunner

    from kiosk.cli import boxoffice, kiosk

    runner = CliRunner()
    commands = [(("kiosk",), kiosk)] + [(("boxoffice", *path), command) for path, command in _commands(boxoffice)]
    assert len(commands) > 20
    for path, command in commands:
        assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
        entry = kiosk if path[0] == "kiosk" else boxoffice
        result = runner.invoke(entry, [*path[1:], "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, path


def test_config_check_accepts_the_shipped_config(site):
    result = run("config", "check", cwd=site)
    assert result.returncode == 0 and "OK" in result.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[terminal]\nmdoe = "kiosk"\n', "bad.toml: terminal.mdoe: unknown key"),
        ('[holds]\nkiosk_seconds = "soon"\n', "bad.toml: holds.kiosk_seconds: expected a whole number, got 'soon'"),
    ],
)
def test_config_check_names_file_and_key_and_exits_1(site, text, expected):
    (site / "bad.toml").write_text(text, encoding="utf-8")
    result = run("config", "check", "bad.toml", cwd=site)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(expected)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_config_check_on_a_missing_file(site):
    result = run("config", "check", "absent.toml", cwd=site)
    assert (result.returncode, result.stderr.strip()) == (1, "absent.toml: file not found")


def test_demo_load_only_is_idempotent_and_prints_pins(site):
    first = run("demo", "--load-only", cwd=site)
    assert first.returncode == 0, first.stderr
    assert "1001 / 1234" in first.stdout and "2001 / 2468" in first.stdout
    second = run("demo", "--load-only", cwd=site)
    assert second.returncode == 0
    assert "added 0 halls (0 seats), 0 films, 0 showtimes, 0 staff" in second.stdout


def test_opening_an_empty_store_says_what_to_run(site):
    result = subprocess.run(
        [sys.executable, "-c", "from kiosk.cli import kiosk_main; kiosk_main()"],
        cwd=site, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1 and "boxoffice --config" in result.stderr and "db upgrade" in result.stderr


def test_bad_seatplan_is_reported_with_line_and_column(site):
    assert run("db", "upgrade", cwd=site).returncode == 0
    (site / "hall.plan").write_text("name: 5号厅\nname_en: Hall 5\nscreen: top\n\nA  ooxo\n", encoding="utf-8")
    result = run("import", "seatplan", "hall.plan", cwd=site)
    assert result.returncode == 1
    assert "hall.plan:5:" in result.stderr and "Traceback" not in result.stderr


def test_seatplan_and_schedule_import_from_files(site):
    assert run("demo", "--load-only", cwd=site).returncode == 0
    (site / "hall.plan").write_text("name: 5号厅\nname_en: Hall 5\nscreen: top\n\nA  oooo\nB  oooo\n",
                                    encoding="utf-8")
    result = run("import", "seatplan", "hall.plan", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "8 seats added" in result.stdout
    (site / "s.csv").write_text(
        "film,auditorium,start,format,price_card\n满江红,5号厅,2030-01-01 10:00,2D,standard\n"
        "满江红,5号厅,2030-01-01 11:00,2D,standard\n", encoding="utf-8")
    result = run("import", "schedule", "s.csv", cwd=site)
    assert result.returncode == 1 and "s.csv:3: overlaps row 2 in 5号厅" in result.stderr
