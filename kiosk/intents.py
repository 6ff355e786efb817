"""One user intent, one transaction, and only errors a person can be shown.

Screens call :func:`run_intent` around each thing a person asks for (sign in, list a day's showtimes). It
opens the one transaction boundary from :mod:`db.engine`, so the work commits together or not at all, and it
makes sure that whatever goes wrong comes out as a :class:`~boxoffice.errors.BoxOfficeError` with a code the
UI can translate: refusals pass through unchanged, a store that is full becomes ``store_full``, one that can
be read but not written ``store_read_only``, one that cannot be reached ``store_unavailable`` (see
:func:`db.engine.store_fault`), and anything else (a bug) is logged with its traceback and becomes
``unexpected``. No traceback reaches the screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from boxoffice.errors import BoxOfficeError
from db.engine import store_fault, transaction

T = TypeVar("T")
log = logging.getLogger(__name__)


def run_intent(engine: Engine, work: Callable[[Session], T], *, write: bool = True, name: str = "") -> T:
    """Run ``work`` in one transaction and return its result.

    Safe to call from a worker thread: the session is opened and closed in the calling thread.

    Args:
        engine: the store.
        work: the service calls of one user intent; receives the session.
        write: False for read-only work (no write lock on SQLite).
        name: what the person asked for, for the log.

    Raises:
        BoxOfficeError: the refusal raised by a service, or ``store_full`` / ``store_read_only`` /
            ``store_unavailable`` / ``unexpected``.
    """
    try:
        with transaction(engine, write=write) as session:
            return work(session)
    except BoxOfficeError as error:
        log.info("%s refused: %s (%s)", name or "intent", error.code, error.message)
        raise
    except DBAPIError as exc:
        code = store_fault(exc)
        if code is None:
            log.exception("%s failed unexpectedly", name or "intent")
            raise BoxOfficeError("unexpected", f"{type(exc).__name__}: {exc}") from exc
        log.exception("%s failed: %s", name or "intent", code)
        raise BoxOfficeError(code, str(exc.orig or exc)) from exc
    except Exception as exc:
        log.exception("%s failed unexpectedly", name or "intent")
        raise BoxOfficeError("unexpected", f"{type(exc).__name__}: {exc}") from exc
