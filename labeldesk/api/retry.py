"""How the adapter waits: retries (tenacity, with a Retry-After-aware wait and a stop event) and a
client-side request budget."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, Protocol

import tenacity

from labeldesk.api.errors import CancelledError, WixError


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

    def backoff(self) -> tenacity.wait.wait_base:
        """The back-off as a tenacity wait: after the n-th failed try (n from 1), with ``ceiling`` =
        min(max_delay, base_delay × 2^(n-1)) seconds, a fixed ceiling/2 plus a random 0 to ceiling/2."""
        half, half_most = self.base_delay / 2, self.max_delay / 2
        return tenacity.wait_exponential(multiplier=half, max=half_most) + tenacity.wait_random_exponential(
            multiplier=half, max=half_most
        )


class Stop(Protocol):
    """What a wait can be ended by: a ``threading.Event``, or :class:`EitherStop` of two."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class EitherStop:
    """Set when either of two events is: a client's close and one caller's cancel, say. ``wait`` looks
    at both every few hundredths of a second (an event can only wait on itself)."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        self._events = (first, second)

    def is_set(self) -> bool:
        return any(event.is_set() for event in self._events)

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = 0.05 if deadline is None else min(0.05, deadline - time.monotonic())
            if left <= 0:
                return False
            self._events[0].wait(left)
        return True


class RateBudget:
    """A sliding window that keeps one client under ``limit`` requests per ``window`` seconds, with a
    share that background reads can never take from the person's changes.

    Wix allows 200 requests a minute (contract sections 6.9 and 8); a large concurrent fetch must stay
    under it by itself rather than find out from a 429. Reads (refresh pages, contact counts) may take
    a slot only while fewer than ``read_limit`` requests of any kind were sent in the window; writes
    (create, rename, delete) may take one up to ``limit``. So however busy the reads are, the last
    ``limit - read_limit`` slots of every window are there for writes, and a write never waits behind
    a refresh. Thread-safe; ``acquire`` blocks (interruptibly) until a slot is free.

    A slot counts from when it was taken until ``window`` seconds after :meth:`done` says its request
    ended (answered or failed): the request reached Wix somewhere between the two, and Wix counts it
    from its arrival, so a window counted from the taking alone lets a request that was slow to arrive
    and one that was quick land closer together than ``window`` on Wix's side. (A slot never given
    back counts ``window`` seconds from its taking.)
    """

    def __init__(
        self,
        limit: int = 200,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        read_limit: int | None = None,
    ) -> None:
        """``limit``: at least 1 (ValueError otherwise: a budget of none would block every request for ever)."""
        if limit < 1:
            raise ValueError("a rate budget needs at least one request per window")
        self.limit = limit
        #: The most requests in a window after which reads wait (default: three quarters of ``limit``).
        self.read_limit = max(1, min(limit, read_limit if read_limit is not None else limit * 3 // 4))
        self.window = window
        self._clock = clock
        self._slots: list[Slot] = []
        self._lock = threading.Lock()

    def acquire(self, stop: Stop, *, write: bool = False) -> Slot | None:
        """Take a slot, from the writes' share if ``write``: give it back with :meth:`done` when its
        request has ended. None if ``stop`` was set while waiting."""
        ceiling = self.limit if write else self.read_limit
        while True:
            with self._lock:
                now = self._clock()
                self._slots = [slot for slot in self._slots if now - slot.since < self.window]
                if len(self._slots) < ceiling:
                    slot = Slot(now)
                    self._slots.append(slot)
                    return slot
                # The slot that frees first is the one that takes the count below the ceiling.
                since = sorted(slot.since for slot in self._slots)
                wait = self.window - (now - since[len(since) - ceiling])
            if stop.wait(wait):
                return None

    def done(self, slot: object) -> None:
        """The request of ``slot`` (from :meth:`acquire`) has ended: its window runs from now."""
        if isinstance(slot, Slot):
            with self._lock:
                slot.since = max(slot.since, self._clock())


class Slot:
    """One request's place in a :class:`RateBudget`: ``since`` is when its window started (monotonic)."""

    __slots__ = ("since",)

    def __init__(self, since: float) -> None:
        self.since = since


def retrying(
    policy: RetryPolicy,
    *,
    cancel: Stop,
    before_wait: Callable[[WixError, int, float], None],
    on_give_up: Callable[[WixError, int, float], None] | None = None,
) -> tenacity.Retrying:
    """A tenacity controller that runs one call by ``policy``; make one per call (it keeps that
    call's state).

    - Tries again only after a :class:`~labeldesk.api.errors.WixError` whose ``retryable`` is true;
      anything else (and a non-retryable WixError) is raised at once, as it is.
    - Waits the error's ``retry_after`` (seconds, already capped by whoever read the header) when it
      has one, else the policy's :meth:`RetryPolicy.backoff`.
    - Gives up after ``policy.max_attempts`` tries, or at once when the next wait would end past
      ``policy.max_total_seconds`` from the first try; the last error is raised itself (no RetryError).
    - ``before_wait(error, attempt, delay)`` is called before each wait: ``attempt`` is the try that
      just failed (1 for the first), ``delay`` the wait in seconds. ``on_give_up`` likewise, when
      retrying stops with ``delay`` the wait that was not taken.
    - A wait ends early when ``cancel`` is set, raising :class:`~labeldesk.api.errors.CancelledError`.
    """

    backoff = policy.backoff()

    def wait(state: tenacity.RetryCallState) -> float:
        error = _failure(state)
        if error.retry_after is not None:
            return error.retry_after
        return backoff(state)

    def sleep(seconds: float) -> None:
        if cancel.wait(seconds):
            raise CancelledError()

    def announce(state: tenacity.RetryCallState) -> None:
        before_wait(_failure(state), state.attempt_number, state.upcoming_sleep)

    def give_up(state: tenacity.RetryCallState) -> NoReturn:
        error = _failure(state)
        if on_give_up is not None:
            on_give_up(error, state.attempt_number, state.upcoming_sleep)
        raise error

    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda exc: isinstance(exc, WixError) and exc.retryable),
        wait=wait,
        stop=tenacity.stop_after_attempt(policy.max_attempts) | tenacity.stop_before_delay(policy.max_total_seconds),
        sleep=sleep,
        before_sleep=announce,
        retry_error_callback=give_up,
    )


def _failure(state: tenacity.RetryCallState) -> WixError:
    """The error the last try raised (only retryable WixErrors get this far)."""
    assert state.outcome is not None
    error = state.outcome.exception()
    assert isinstance(error, WixError)
    return error
