"""How the adapter waits: retry back-off and a client-side request budget."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries: at most ``max_attempts`` tries and ``max_total_seconds`` of waiting in all.

    Back-off is exponential with "equal jitter" (half fixed, half random), so many clients that failed
    together don't come back together. A ``Retry-After`` from the service wins over the back-off.
    """

    max_attempts: int = 4
    max_total_seconds: float = 30.0
    base_delay: float = 0.5
    max_delay: float = 8.0

    def backoff(self, failed_attempts: int, rng: random.Random | None = None) -> float:
        """The wait before the next try, after ``failed_attempts`` (1 or more) failures."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failed_attempts - 1))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


class RateBudget:
    """A sliding window that keeps one client under ``limit`` requests per ``window`` seconds.

    Wix allows 200 requests a minute; a large concurrent fetch must stay under it by itself rather than
    find out from a 429. Thread-safe; ``acquire`` blocks (interruptibly) until a slot is free.
    """

    def __init__(self, limit: int = 200, window: float = 60.0, clock=time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self, stop: threading.Event) -> bool:
        """Take a slot; False if ``stop`` was set while waiting."""
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return True
                wait = self.window - (now - self._sent[0])
            if stop.wait(wait):
                return False
