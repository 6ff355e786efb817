"""Where the terminal writes what went wrong: ``<config folder>/logs/boxoffice.log``.

A full-screen app has no visible stderr: an exception printed there is lost, or worse, drawn over the screen.
So the app shows people a translated sentence and keeps the details (tracebacks included) in a rotating log
file next to the config, where a technician finds them. Configure this before importing python-escpos, which
calls ``logging.basicConfig()`` and would otherwise attach a stderr handler.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from kiosk.config import Config

LOG_FILE = "boxoffice.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path(config: Config) -> Path:
    """The log file for a config: ``logs/boxoffice.log`` in the config file's folder."""
    return config.source.resolve().parent / "logs" / LOG_FILE


def setup_logging(config: Config, *, level: int = logging.INFO) -> Path | None:
    """Send log records of this process to the config's log file (once per file, however often called).

    Args:
        config: the terminal's config; its file's folder gets a ``logs`` folder.
        level: the lowest level written.

    Returns:
        The log file, or None when it cannot be written (a read-only folder must not stop the box office).
    """
    path = log_path(config)
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return path
