"""A throwaway PostgreSQL server for the tests, from the machine's own binaries (initdb, pg_ctl).

The cluster lives in a new temporary folder: ``initdb`` with trust authentication, a free port on 127.0.0.1, the
unix socket in the same folder, durability switched off (a test server loses nothing worth keeping), ``pg_ctl
start -w``; stopping it removes the folder. PostgreSQL refuses to run as root, so under root (CI, this machine) the
server runs as an unprivileged user (``postgres`` if the machine has it, else ``nobody``) through ``runuser`` or
``setpriv``.

One command for a developer runs anything against a fresh server and stops it afterwards, even on failure::

    .venv/bin/python -m tests.support.postgres run -- .venv/bin/python -m pytest tests/services tests/ui

``BOXOFFICE_TEST_DATABASE_URL`` is set for the command (and ``PGHOST``, ``PGPORT``, ``PGUSER`` for psql);
``tests/conftest.py`` then gives every test a fresh database cloned from a migrated template. For a shell script: ``start`` prints ``export`` lines (the URL and the
folder) for ``eval``, ``stop FOLDER`` stops the server and removes its folder (harmless when already gone).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

URL_VARIABLE = "BOXOFFICE_TEST_DATABASE_URL"
DIR_VARIABLE = "BOXOFFICE_TEST_PG_DIR"
SUPERUSER = "boxoffice"
# A test server: nothing in it must survive a crash, so no fsync; enough connections for racing processes.
SERVER_OPTIONS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                  "-c listen_addresses=127.0.0.1")


@dataclass(frozen=True)
class Server:
    """A running throwaway cluster."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its ``postgres`` database (tests create their own databases beside it)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
            if (folder / name).exists():
                return str(folder / name)
        raise SystemExit(f"postgres: {name} not found on PATH (install PostgreSQL's server binaries)")
    return found


def _unprivileged_user() -> str | None:
    """The user to run the server as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise SystemExit("postgres: running as root and no unprivileged user (postgres, nobody) to run the server as")


def _as_user(user: str | None, command: list[str]) -> list[str]:
    if user is None:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *command]
    if shutil.which("setpriv"):
        entry = pwd.getpwnam(user)
        return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", *command]
    raise SystemExit("postgres: running as root without runuser or setpriv; run the tests as an ordinary user")


def _reachable_temp_dir(user: str | None) -> str:
    """The temporary folder, or /tmp when the server's user could not reach into it (a private TMPDIR of root)."""
    base = Path(tempfile.gettempdir()).resolve()
    if user is None or all(folder.stat().st_mode & 0o001 for folder in (base, *base.parents)):
        return str(base)
    return "/tmp"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start() -> Server:
    """initdb into a new temporary folder and start the server on a free port; returns once it accepts."""
    user = _unprivileged_user()
    folder = Path(tempfile.mkdtemp(prefix="boxoffice-pg-", dir=_reachable_temp_dir(user)))
    data = folder / "data"
    try:
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        subprocess.run(_as_user(user, [_binary("initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                                       "--encoding=UTF8", "--locale=C", "--no-sync"]),
                       check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=folder)
        for attempt in range(5):  # another process may take the free port between the probe and the start
            port = _free_port()
            options = f"-p {port} -k {folder} {SERVER_OPTIONS}"
            started = subprocess.run(_as_user(user, [_binary("pg_ctl"), "-D", str(data), "-l",
                                                     str(folder / "server.log"), "-o", options, "-w", "-t", "60",
                                                     "start"]),
                                     check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     cwd=folder)
            if started.returncode == 0:
                return Server(folder, port)
            if attempt == 4:
                log = (folder / "server.log").read_text(errors="replace") if (folder / "server.log").exists() else ""
                raise SystemExit(f"postgres: pg_ctl start failed:\n{started.stdout}\n{log}")
            time.sleep(0.2)
    except subprocess.CalledProcessError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(f"postgres: {' '.join(error.cmd)} failed:\n{error.stdout}") from None
    except BaseException:
        stop(folder)
        raise
    raise AssertionError("unreachable")


def stop(folder: Path) -> None:
    """Stop the server of ``folder`` (fast shutdown) and remove the folder; nothing happens if it is gone."""
    data = folder / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(_as_user(_unprivileged_user(), [_binary("pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                                                       "-t", "30", "stop"]),
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
    shutil.rmtree(folder, ignore_errors=True)


def _run(command: list[str]) -> int:
    server = start()

    def _terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        print(f"postgres: throwaway server on 127.0.0.1:{server.port} ({server.folder})", flush=True)
        # PG* too, so that psql in the command reaches the same server.
        return subprocess.call(command, env={**os.environ, URL_VARIABLE: server.url, DIR_VARIABLE: str(server.folder),
                                             "PGHOST": "127.0.0.1", "PGPORT": str(server.port),
                                             "PGUSER": SUPERUSER, "PGDATABASE": "postgres"})
    finally:
        stop(server.folder)


def main(argv: list[str]) -> int:
    """``run -- COMMAND...`` | ``start`` (prints export lines) | ``stop FOLDER``."""
    if argv[:1] == ["run"]:
        command = argv[2:] if argv[1:2] == ["--"] else argv[1:]
        if not command:
            raise SystemExit("usage: python -m tests.support.postgres run -- COMMAND [ARGS...]")
        return _run(command)
    if argv == ["start"]:
        server = start()
        print(f"export {URL_VARIABLE}='{server.url}' {DIR_VARIABLE}='{server.folder}'")
        return 0
    if len(argv) == 2 and argv[0] == "stop":
        stop(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
