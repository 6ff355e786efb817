"""Fixtures for UI tests: the seeded store (see ``ui_helpers``), default config, an app on a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from db.engine import make_engine, transaction
from db.migrate import upgrade
from kiosk.app import BoxOfficeApp
from kiosk.config import Config
from ui_helpers import NOW, seed


@pytest.fixture
def counter_store(new_store_url: Callable[..., str]) -> Iterator[Engine]:
    """A store at the latest schema (a SQLite file or a fresh PostgreSQL database), filled with the seed of
    ``ui_helpers``."""
    engine = make_engine(new_store_url())
    upgrade(engine)
    with transaction(engine) as session:
        seed(session)
    yield engine
    engine.dispose()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Default settings, with the config file (and so the log folder) in the test's folder."""
    return Config.model_validate({"source": tmp_path / "kiosk.toml"})


@pytest.fixture
def make_app(config: Config, counter_store: Engine) -> Callable[..., BoxOfficeApp]:
    """Build an app on the seeded store and the fixed clock; keyword arguments override the defaults."""

    def build(**overrides: Any) -> BoxOfficeApp:
        options: dict[str, Any] = {"config": config, "engine": counter_store, "clock": lambda: NOW}
        options.update(overrides)
        return BoxOfficeApp(options.pop("config"), options.pop("engine"), **options)

    return build
