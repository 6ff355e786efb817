"""Fixtures shared by every test folder: real stores in temporary places, and a fixed clock.

The store is a SQLite file in the test's folder, or, when ``BOXOFFICE_TEST_DATABASE_URL`` names a PostgreSQL server
(``python -m tests.support.postgres run -- …`` sets it), a fresh database of that server: a template database is
migrated once per session and each test gets ``CREATE DATABASE … TEMPLATE`` of it, dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from db.engine import make_engine
from db.migrate import upgrade
from tests.support.stores import ON_POSTGRES, POSTGRES_URL

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIXED_NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai



def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL is None:
        return "database: SQLite (a file per test)"
    shown = make_url(POSTGRES_URL).render_as_string(hide_password=True)
    return f"database: PostgreSQL (a database per test, cloned from a migrated template; server {shown})"


REPORTS = pytest.StashKey[list[str]]()


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Append a line to the "load and fault figures" section printed at the end of the run, passed or not
    (what the load and crash tests measured: sales, seats sold twice, rates)."""
    return request.config.stash.setdefault(REPORTS, []).append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(REPORTS, [])
    if lines:
        terminalreporter.section("load and fault figures")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): tests SQLite itself; skipped on PostgreSQL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not ON_POSTGRES:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "tests SQLite itself")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


class _Postgres:
    """Creates and drops the tests' databases on the server through one autocommit connection."""

    def __init__(self, url: str) -> None:
        import psycopg

        self._url = make_url(url)
        self._template = f"template_{uuid.uuid4().hex[:16]}"  # one per test session: sessions may share a server
        dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._admin = psycopg.connect(dsn, autocommit=True)
        self._admin.execute(f"CREATE DATABASE {self._template}")
        template = make_engine(self.url_of(self._template))
        upgrade(template)
        template.dispose()

    def url_of(self, database: str) -> str:
        return self._url.set(database=database).render_as_string(hide_password=False)

    def create(self, *, migrated: bool) -> str:
        name = f"test_{uuid.uuid4().hex[:16]}"
        self._admin.execute(f"CREATE DATABASE {name} TEMPLATE {self._template if migrated else 'template0'}")
        return name

    def drop(self, name: str) -> None:
        self._admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        self._admin.execute(f"DROP DATABASE IF EXISTS {self._template} WITH (FORCE)")
        self._admin.close()


@pytest.fixture(scope="session")
def _postgres() -> Iterator[_Postgres | None]:
    if POSTGRES_URL is None:
        yield None
        return
    server = _Postgres(POSTGRES_URL)
    yield server
    server.close()


@pytest.fixture
def new_store_url(tmp_path: Path, _postgres: _Postgres | None) -> Iterator[Callable[..., str]]:
    """Makes URLs of new stores for this test: ``new_store_url(name, migrated=True)``.

    On SQLite, ``name`` is the file in the test's folder (``migrated`` is up to the caller, who runs ``upgrade``);
    on PostgreSQL, a new database, already at the latest schema when ``migrated``, else empty.
    """
    created: list[str] = []

    def make(name: str = "store", *, migrated: bool = True) -> str:
        if _postgres is None:
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        created.append(_postgres.create(migrated=migrated))
        return _postgres.url_of(created[-1])

    yield make
    if _postgres is not None:
        for name in created:
            _postgres.drop(name)


@pytest.fixture
def now() -> datetime:
    """A fixed 'now': Friday 2026-12-04 10:00 Asia/Shanghai."""
    return FIXED_NOW


@pytest.fixture
def store(new_store_url: Callable[..., str]) -> Iterator[Engine]:
    """An empty store at the latest schema: a real SQLite file, or a fresh PostgreSQL database."""
    engine = make_engine(new_store_url())
    if not ON_POSTGRES:
        upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_store(store: Engine) -> Engine:
    """A store with the demo cinema loaded as of the fixed clock."""
    from boxoffice.demo import load_demo
    from db.engine import transaction

    with transaction(store) as session:
        load_demo(session, now=FIXED_NOW, zone=SHANGHAI, cleaning_minutes=15, site_names=("星光影城", "Starlight"))
    return store
