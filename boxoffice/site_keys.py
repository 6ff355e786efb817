"""The site's secret keys live in files beside kiosk.toml, never in the store.

A key kept in the database would travel with every copy of it (a backup, a support dump), and the point of
hashing pickup codes and signing entry tokens is that such a copy reveals no valid code and cannot mint tickets.
So each key is a file in the folder ``[security] keys_dir`` of kiosk.toml, readable by its owner only (0600).

The first terminal that needs a key creates it; the keys belong to the SITE, not to a terminal: copy the folder
to every terminal of the site (keeping mode 0600), or each terminal would hash codes and sign tickets with a key
of its own that the others do not know. Pass ``create=False`` where a missing key must be an error rather than a
new key (a second terminal, a door device).
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

KEY_BYTES = 32
"""Length of a secret key: 256 bits, the HMAC-SHA256 block of security."""
PICKUP_CODE_KEY_FILE = "pickup-code.key"
"""File name, inside the keys folder, of the key that hashes pickup codes (32 raw bytes)."""


class SiteKeyError(Exception):
    """A key file is missing (and may not be created), unreadable, too open or not a key. The message names it."""


def load_or_create_secret(path: Path, *, create: bool = True) -> bytes:
    """The 32-byte secret in ``path``; made of fresh random bytes with mode 0600 the first time.

    Raises:
        SiteKeyError: ``path`` is missing and ``create`` is False, cannot be read or written, can be read by
            others than its owner, or does not hold exactly 32 bytes.
    """
    secret = load_or_create_private_file(path, lambda: secrets.token_bytes(KEY_BYTES), create=create)
    if len(secret) != KEY_BYTES:
        raise SiteKeyError(f"{path}: holds {len(secret)} bytes, a site key is {KEY_BYTES} random bytes")
    return secret


def load_or_create_private_file(path: Path, make: Callable[[], bytes], *, create: bool = True) -> bytes:
    """The bytes of the owner-only file ``path``, first written with ``make()`` if it does not exist.

    Creation is atomic: the bytes go to a temporary file (0600) that is then linked to ``path``, which fails if
    another process created it meanwhile; that process's key is then read and used. No process ever reads a
    half-written key.

    Raises:
        SiteKeyError: as :func:`load_or_create_secret`.
    """
    path = Path(path)
    if not path.exists():
        if not create:
            raise SiteKeyError(f"{path}: key file not found; copy the site's keys folder to this terminal")
        _create(path, make())
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise SiteKeyError(f"{path}: not a regular file")
        if os.name == "posix" and mode & 0o077:
            raise SiteKeyError(f"{path}: readable by others (mode {stat.S_IMODE(mode):04o}); run chmod 600 on it")
        return path.read_bytes()
    except OSError as exc:
        raise SiteKeyError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def _create(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # whatever the umask
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made the key first: everyone uses that one
    except OSError as exc:
        raise SiteKeyError(f"{path}: cannot create the key file: {exc.strerror or exc}") from None
    finally:
        temporary.unlink(missing_ok=True)
