"""Editing printers in kiosk.toml: only the changed lines change, comments and other tables stay byte for byte,
and an invalid change writes nothing."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.config_edit import add_printer, update_printer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def toml(tmp_path: Path) -> Path:
    """A copy of the shipped, fully commented kiosk.toml."""
    path = tmp_path / "kiosk.toml"
    shutil.copyfile(REPO / "kiosk.toml", path)
    return path


def _changed_lines(before: str, after: str) -> list[str]:
    """The lines removed (``-``) and added (``+``), in order."""
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return [line for line in diff if line[:1] in "+-"]


def _comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def _printer_tables(text: str) -> list[str]:
    """The text of each ``[[printers]]`` table (from its header to the next one)."""
    return text.split("[[printers]]\n")[1:]


def test_changing_a_key_changes_only_its_line(toml):
    before = toml.read_text(encoding="utf-8")
    config = update_printer(toml, "receipts", {"paper_mm": 80, "qr": "native"})
    after = toml.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == ["- paper_mm = 58", "+ paper_mm = 80", '- qr = "image"', '+ qr = "native"']
    assert _comments(after) == _comments(before)
    assert _printer_tables(after)[0] == _printer_tables(before)[0]  # the other printer, byte for byte
    assert after.split("[[printers]]")[0] == before.split("[[printers]]")[0]  # every other table too
    assert config.printer("receipts").paper_mm == 80
    assert load_config(toml) == config


def test_a_new_key_goes_at_the_end_of_its_table_before_the_trailing_comments(toml):
    before = toml.read_text(encoding="utf-8")
    update_printer(toml, "receipts", {"status_timeout_s": 1.5, "usb_vendor": 0x04B8})
    after = toml.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == ["+ status_timeout_s = 1.5", "+ usb_vendor = 0x04b8"]
    receipts = _printer_tables(after)[1]
    assert receipts.index("drawer = true\nstatus_timeout_s = 1.5\nusb_vendor = 0x04b8\n\n# A network printer") > 0
    assert _comments(after) == _comments(before)


def test_a_key_set_to_none_is_turned_off_in_place_and_comes_back_on_the_same_line(toml):
    before = toml.read_text(encoding="utf-8")
    config = update_printer(toml, "tickets", {"fallback": None})
    turned_off = toml.read_text(encoding="utf-8")
    assert _changed_lines(before, turned_off) == ['- fallback = "receipts"', '+ # fallback = "receipts"']
    assert config.printer("tickets").fallback is None
    update_printer(toml, "tickets", {"fallback": "receipts"})
    assert toml.read_text(encoding="utf-8") == before


def test_an_invalid_change_writes_nothing_and_names_the_file_and_key(toml):
    before = toml.read_bytes()
    stat = os.stat(toml)
    with pytest.raises(ConfigError) as raised:
        update_printer(toml, "tickets", {"connection": "network", "host": "10.0.0.5", "port": 0})
    assert raised.value.problems == [f"{toml}: printers[0].port: expected a number >= 1, got 0"]
    with pytest.raises(ConfigError) as raised:
        update_printer(toml, "tickets", {"connection": "usb"})
    assert raised.value.problems == [f"{toml}: printers[0]: expected usb_vendor and usb_product for a usb printer"]
    with pytest.raises(ConfigError) as raised:
        update_printer(toml, "tickets", {"fallback": "nowhere"})
    assert "fallback of printer 'tickets' to be a configured printer" in raised.value.problems[0]
    assert toml.read_bytes() == before
    assert os.stat(toml).st_mtime_ns == stat.st_mtime_ns
    assert sorted(path.name for path in toml.parent.iterdir()) == ["kiosk.toml"]  # no temporary file left


def test_an_unknown_printer_is_refused(toml):
    with pytest.raises(ConfigError, match="no printer named 'nope' \\(printers: tickets, receipts\\)"):
        update_printer(toml, "nope", {"paper_mm": 58})


def test_a_printer_can_be_renamed_together_with_other_changes(toml):
    config = update_printer(toml, "tickets", {"name": "tickets-1", "paper_mm": 58})
    assert [printer.name for printer in config.printers] == ["tickets-1", "receipts"]
    assert config.printer("tickets-1").paper_mm == 58
    with pytest.raises(ConfigError, match="the fallback of printer 'tickets-1' to be a configured printer"):
        update_printer(toml, "receipts", {"name": "bills"})  # tickets-1 falls back on it


def test_the_file_keeps_its_permissions_and_line_endings(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b'[site]\r\nname_en = "X"\r\n\r\n[[printers]]\r\n# The tickets.\r\nname = "a"\r\npaper_mm = 80\r\n')
    path.chmod(0o640)
    update_printer(path, "a", {"paper_mm": 58})
    assert path.read_bytes() == (b'[site]\r\nname_en = "X"\r\n\r\n[[printers]]\r\n# The tickets.\r\nname = "a"\r\n'
                                 b"paper_mm = 58\r\n")
    assert path.stat().st_mode & 0o777 == 0o640


def test_add_printer_appends_a_table_after_the_last_printer_and_keeps_the_comments(toml):
    before = toml.read_text(encoding="utf-8")
    config = add_printer(toml, {"port": 9100, "host": "127.0.0.1", "connection": "network", "name": "counter-2",
                                "usb_vendor": None})
    after = toml.read_text(encoding="utf-8")
    assert [printer.name for printer in config.printers] == ["tickets", "receipts", "counter-2"]
    assert config.printer("counter-2").host == "127.0.0.1"
    assert _comments(after) == _comments(before)
    added = _changed_lines(before, after)
    assert [line for line in added if line != "+ "] == [
        "+ [[printers]]", '+ name = "counter-2"', '+ connection = "network"', '+ host = "127.0.0.1"', "+ port = 9100"]
    assert added.count("+ ") == 1  # one blank line: between the receipts table and the new one
    # the new table sits right after the receipts table; the example comments follow it
    assert after.index('name = "counter-2"') < after.index("# A network printer for the box office")
    assert load_config(toml) == config


def test_add_printer_to_a_file_without_printers(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('# The site.\n[site]\n# Its name.\nname_en = "X"\n', encoding="utf-8")
    config = add_printer(path, {"name": "usb-1", "connection": "usb", "usb_vendor": 0x0416, "usb_product": 0x5011})
    assert config.printer("usb-1").usb_vendor == 0x0416
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# The site.\n[site]\n# Its name.\nname_en = "X"\n')
    assert "usb_vendor = 0x0416\nusb_product = 0x5011\n" in text


def test_add_printer_refuses_a_name_in_use_and_writes_nothing(toml):
    before = toml.read_bytes()
    with pytest.raises(ConfigError, match="used twice: receipts"):
        add_printer(toml, {"name": "receipts"})
    assert toml.read_bytes() == before
