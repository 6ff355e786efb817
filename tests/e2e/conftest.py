"""End-to-end fixtures: a real virtual ESC/POS network printer (emupos) in its own process.

``emupos_printer`` gives each test the same emupos process (started once per test session: ~1 s) with its faults
cleared and earlier receipts forgotten. When emupos cannot be installed or started, the tests are skipped on a
developer's machine and fail under CI (``CI`` set), where they must really run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.emupos import EmuposPrinter, EmuposUnavailable, ensure_emupos_env


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: end-to-end against real external programs (emupos, a virtual ESC/POS network printer)",
    )


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def emupos_server() -> Iterator[EmuposPrinter]:
    """One emupos process for the whole session (the environment is built on first use, ~10 s, then cached)."""
    printer = EmuposPrinter()
    try:
        ensure_emupos_env()
        printer.start()
    except EmuposUnavailable as exc:
        if in_ci():
            pytest.fail(f"emupos is required under CI and is not available: {exc}", pytrace=False)
        pytest.skip(f"emupos (virtual ESC/POS printer) not available: {exc}")
    try:
        yield printer
    finally:
        printer.stop()


@pytest.fixture
def emupos_printer(emupos_server: EmuposPrinter) -> Iterator[EmuposPrinter]:
    """The session's emupos printer, with no fault and no receipt yet for this test."""
    emupos_server.reset()
    yield emupos_server
    emupos_server.clear_faults()
