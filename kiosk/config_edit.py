"""Changes the printers in kiosk.toml the way a person would: in place, keeping every comment and the layout.

kiosk.toml is documented line by line, and a technician's screen must not turn it into a bare dump of values.
tomlkit keeps the whole document (comments, blank lines, key order, number formats such as ``0x04b8``), so a
change touches only the lines of the keys it changes:

* an existing key gets its new value in its own place (an inline comment after it stays);
* a new key goes at the end of its ``[[printers]]`` table, before the blank line and any comment block that
  trail the table (in kiosk.toml the examples for network and USB printers trail the last table);
* a key set to ``None`` is turned off (TOML has no null): its line becomes ``# key = value`` in place, so the
  comment above it still describes something and the old value can be seen; setting the key again puts it back
  on that line;
* a new printer becomes a new ``[[printers]]`` table after the last one, before the comments that trailed it.

Nothing is written unless the whole new text passes :func:`kiosk.config.parse_config`, the same check the app
and ``boxoffice config check`` apply; the file is then replaced atomically (a temporary file beside it, then
``os.replace``), so a crash never leaves half a config behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Comment, Integer, Item, SingleKey, Table, Trivia, Whitespace
from tomlkit.toml_document import TOMLDocument

from kiosk.config import Config, ConfigError, PrinterConfig, parse_config

HEX_KEYS = frozenset({"usb_vendor", "usb_product"})
"""Keys written in hexadecimal (``0x04b8``), the form USB ids are printed in everywhere."""


def update_printer(path: Path, name: str, changes: Mapping[str, object]) -> Config:
    """Change some settings of the printer called ``name`` in the config file at ``path``.

    Args:
        path: the config file (kiosk.toml).
        name: the printer's ``name``.
        changes: key -> new value; ``None`` turns the key off (its line is commented out; the default applies).

    Returns:
        The validated config of the file as written.

    Raises:
        ConfigError: the file cannot be read or written, has no such printer, or the changed file would not be
            valid (one line per problem, each naming the file and the key); nothing is written then.
    """
    text = _read(path)
    new_text = text
    for key, value in sorted(changes.items(), key=lambda change: change[0] == "name"):  # a rename last
        # One change per parse: tomlkit's index of the document is rebuilt from the text after each one.
        doc = _parse(new_text, path)
        _set_key(_printer_table(doc, name, path), key, value)
        new_text = tomlkit.dumps(doc)
    if not changes:
        _printer_table(_parse(text, path), name, path)
    return _validate_and_write(path, text, new_text)


def add_printer(path: Path, values: Mapping[str, object]) -> Config:
    """Add a ``[[printers]]`` table with ``values`` (which must include ``name``) after the last printer.

    Keys are written in the documented order (that of :class:`kiosk.config.PrinterConfig`); ``None`` values are
    left out.

    Returns:
        The validated config of the file as written.

    Raises:
        ConfigError: as for :func:`update_printer`, or a printer of that name exists already.
    """
    text = _read(path)
    doc = _parse(text, path)
    order = list(PrinterConfig.model_fields)
    table = tomlkit.table()
    for key in sorted(values, key=lambda k: order.index(k) if k in order else len(order)):
        if values[key] is not None:
            table.add(key, _item(key, values[key]))
    printers = doc.get("printers")
    if printers is None:
        doc.add(tomlkit.nl())
        doc.add("printers", tomlkit.aot())
        printers = doc["printers"]
    if not isinstance(printers, AoT):
        raise ConfigError([f"{path}: printers: expected [[printers]] tables"])
    if len(printers):
        last = printers[-1]
        trailing = _pop_trailing(last)
        # Blank lines stay as the gap before the new table; the comment block after them moves below it.
        while trailing and isinstance(trailing[0][1], Whitespace):
            last.value.body.append(trailing.pop(0))
        if not last.value.body or not isinstance(last.value.body[-1][1], Whitespace):
            last.value.body.append((None, Whitespace("\n")))
        if trailing:
            table.value.body.append((None, Whitespace("\n")))
            table.value.body.extend(trailing)
    printers.append(table)
    return _validate_and_write(path, text, tomlkit.dumps(doc))


# -- reading and writing -------------------------------------------------------------------------------------


def _read(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as handle:  # keep the file's line endings
            return handle.read()
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot be read: {exc}"]) from None


def _parse(text: str, path: Path) -> TOMLDocument:
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None


def _validate_and_write(path: Path, old_text: str, new_text: str) -> Config:
    """Check the whole new text first; write only a valid config, and only if it changed."""
    config = parse_config(new_text, path)
    if new_text != old_text:
        _write_atomically(path, new_text)
    return config


def _write_atomically(path: Path, text: str) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = 0o644
    tmp_name = ""
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=folder, prefix=f".{path.name}.",
                                         suffix=".tmp", delete=False) as tmp:
            tmp_name = tmp.name
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
        raise ConfigError([f"{path}: cannot be written: {exc}"]) from None


# -- the document --------------------------------------------------------------------------------------------


def _printer_table(doc: TOMLDocument, name: str, path: Path) -> Table:
    printers = doc.get("printers")
    tables = list(printers) if isinstance(printers, AoT) else []
    for table in tables:
        if table.get("name") == name:
            return table
    names = ", ".join(str(table.get("name")) for table in tables) or "none configured"
    raise ConfigError([f"{path}: no printer named {name!r} (printers: {names})"])


def _item(key: str, value: object) -> Item:
    """A TOML value; USB ids as ``0x04b8`` like the documentation and ``boxoffice printer discover`` write them."""
    if key in HEX_KEYS and isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFF:
        return Integer(value, Trivia(), f"0x{value:04x}")
    return tomlkit.item(value)


def _pop_trailing(table: Table) -> list[tuple[Any, Item]]:
    """Take the block that trails the table off its body: from the first blank line after its last key on.

    Comment lines right under the last key (such as a key turned off) stay with the table.
    """
    body = table.value.body
    end = len(body)
    while end and body[end - 1][0] is None:
        end -= 1
    while end < len(body) and not isinstance(body[end][1], Whitespace):
        end += 1
    trailing = body[end:]
    del body[end:]
    return trailing


def _set_key(table: Table, key: str, value: object) -> None:
    body = table.value.body
    if value is None:
        if key in table:
            index = _key_index(table, key)
            line = f"# {key} = {body[index][1].as_string().strip()}"
            del table[key]  # leaves a placeholder without a key at ``index``
            body[index] = (None, Comment(Trivia(comment=line, trail="\n")))
        return
    item = _item(key, value)
    if key in table:
        table[key] = item  # tomlkit keeps the key's place and its inline comment
        return
    turned_off = _turned_off_index(table, key)
    if turned_off is not None:  # back onto the line it was turned off on (the caller renders the body next)
        body[turned_off] = (SingleKey(key), item)
        return
    trailing = _pop_trailing(table)
    table[key] = item
    body.extend(trailing)


def _key_index(table: Table, key: str) -> int:
    for index, (name, _) in enumerate(table.value.body):
        if name is not None and name.key == key:
            return index
    raise KeyError(key)


def _turned_off_index(table: Table, key: str) -> int | None:
    """Where :func:`_set_key` commented ``key`` out in this table, if it did."""
    for index, (name, entry) in enumerate(table.value.body):
        if name is None and isinstance(entry, Comment) and entry.trivia.comment.startswith(f"# {key} = "):
            return index
    return None
