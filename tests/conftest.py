"""Fixtures shared by every test folder: real SQLite stores in temporary folders, and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from db.engine import make_engine
from db.migrate import upgrade

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIXED_NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai


@pytest.fixture
def now() -> datetime:
    """A fixed 'now': Friday 2026-12-04 10:00 Asia/Shanghai."""
    return FIXED_NOW


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    """An empty store at the latest schema, in a real SQLite file."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
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
