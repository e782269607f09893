"""The backend client's circuit breaker: while the backend is down, fail at once.

Without it every customer would wait through the timeouts and retries of each call while the
backend is down; with it they hear "the system is down" straight away, and one trial call after
a cooldown finds out when the backend is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from actions.backend_errors import BackendError, BackendProtocolError, BackendUnavailable

log = logging.getLogger(__name__)


class CircuitBreaker:
    """Counts failed attempts in a row; at the threshold it opens and refuses calls at once.

    After the cooldown one trial call is let through (half-open): success closes the circuit,
    failure opens it for another cooldown. A contract error answer (404, 409, ...) is a success:
    the backend is working, it just said no.
    """

    def __init__(self, threshold: int, cooldown_s: float) -> None:
        self._threshold = threshold
        self._cooldown_s = cooldown_s
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Admit one attempt (or raise ``BackendUnavailable``) and learn from how it ends."""
        is_trial = self._admit()
        healthy: bool | None = None  # stays None when the attempt is cancelled
        try:
            yield
            healthy = True
        except (BackendUnavailable, BackendProtocolError):
            healthy = False
            raise
        except BackendError:
            healthy = True
            raise
        finally:
            self._settle(is_trial, healthy)

    def _admit(self) -> bool:
        if self._opened_at is None:
            return False
        cooling = time.monotonic() - self._opened_at < self._cooldown_s
        if cooling or self._trial_running:
            raise BackendUnavailable(
                "circuit_open", "the backend failed repeatedly; calls are paused for a while"
            )
        self._trial_running = True
        return True

    def _settle(self, is_trial: bool, healthy: bool | None) -> None:
        if is_trial:
            self._trial_running = False
        if healthy is None:
            return
        if healthy:
            if self._opened_at is not None:
                log.info("backend answers again; circuit closed")
            self._failures = 0
            self._opened_at = None
            return
        self._failures += 1
        if is_trial or self._failures >= self._threshold:
            if self._opened_at is None:
                log.warning("backend failed %d times in a row; circuit open", self._failures)
            self._opened_at = time.monotonic()
