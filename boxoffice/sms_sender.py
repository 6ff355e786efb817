"""The SMS sender: a thread of its own that empties the outbox every few seconds.

Sending waits on the phone network, so it never runs on the UI thread; and it must never reach the UI as an
error: a gateway that is down only delays messages (the outbox retries them), so failures are logged and the
thread goes on. The counter app runs one (kiosks do not: one sender per terminal that sells at the counter is
enough, and :func:`boxoffice.sms.send_due` keeps several from sending a message twice). A site may instead run
``boxoffice sms send --loop`` as a service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from boxoffice.background import BackgroundLoop
from boxoffice.sms import SendReport, SmsGateway, send_due

log = logging.getLogger(__name__)

POLL_S = 5.0
"""Seconds between looks at the outbox when nothing woke the sender."""
BATCH = 20
"""Messages per round; a full round is followed by another at once."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SmsSender(BackgroundLoop):
    """Sends due messages from the outbox in a daemon thread.

    Args:
        engine: the store.
        gateway: where messages go.
        key: the site's pickup key (opens the sealed texts).
        max_attempts: ``[sms] max_attempts``.
        terminal_id: this terminal, for the audit log.
        clock: returns the current UTC time.
        poll_s: the pause between rounds (``wake()`` cuts it short).
    """

    def __init__(self, engine: Engine, gateway: SmsGateway, *, key: bytes, max_attempts: int,
                 terminal_id: str, clock: Callable[[], datetime] = _utc_now, poll_s: float = POLL_S) -> None:
        super().__init__(name=f"sms-sender-{terminal_id}", poll_s=poll_s)
        self._engine = engine
        self.gateway = gateway
        self._key = key
        self._max_attempts = max_attempts
        self._terminal = terminal_id
        self._clock = clock

    def run_once(self) -> SendReport | None:
        """One round of :func:`~boxoffice.sms.send_due`; None when it failed (logged, never raised)."""
        try:
            report = send_due(self._engine, self.gateway, now=self._clock(), key=self._key,
                              max_attempts=self._max_attempts, limit=BATCH, terminal_id=self._terminal)
        except Exception:  # the store is busy or gone: the messages wait in the outbox for the next round
            log.exception("SMS sender: the outbox could not be read or updated")
            return None
        if report.handled or report.recovered:
            log.info("SMS sender: %s", report)
        return report

    def round(self) -> bool:
        """One round of the thread; a full batch means more may be due at once."""
        report = self.run_once()
        return report is not None and report.handled >= BATCH
