"""A daemon thread that does rounds of work, sleeps between them, and can be woken or stopped.

The print worker and the SMS sender are both this: a round reads the store and talks to a device or a gateway,
which must never happen on the UI thread. ``wake()`` starts the next round at once (a sale just queued
something); ``stop()`` lets the round in progress finish and record what it did before the thread ends.
"""

from __future__ import annotations

import threading


class BackgroundLoop:
    """Rounds of :meth:`round` in a daemon thread; subclasses say what a round is and whether to go on at once.

    Args:
        name: the thread's name (in logs and thread dumps).
        poll_s: the pause after a round that found nothing more to do (``wake()`` cuts it short).
    """

    def __init__(self, *, name: str, poll_s: float) -> None:
        self._name = name
        self._poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> bool:
        """One round of work; True when more is waiting (the next round starts without a pause)."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Ask the thread to stop and wait for it; the round in progress is finished and recorded first.

        Returns:
            True when the thread has ended.
        """
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def wake(self) -> None:
        """Start the next round now."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            busy = self.round()
            if not busy and not self._stop.is_set():
                self._wake.wait(self._poll_s)
                self._wake.clear()
