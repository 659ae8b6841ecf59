"""Retries by tenacity (labeldesk.api.retry.retrying): which errors are tried again, how long each wait
is (a Retry-After wins over the back-off), when trying stops, and that a stop event ends a wait at once."""

from __future__ import annotations

import threading
import time

import pytest

from labeldesk.api import RetryPolicy, errors
from labeldesk.api.retry import retrying
from tests.conftest import make_client

#: Waits too long for a test to sit through: a wait that is taken shows as a test that hangs.
SLOW = RetryPolicy(max_attempts=4, max_total_seconds=600, base_delay=60, max_delay=60)


def failing(*failures: BaseException, result: str = "done"):
    """A call that raises each of ``failures`` in turn, then returns ``result``; ``calls`` counts tries."""
    queue = list(failures)

    def call() -> str:
        call.calls += 1
        if queue:
            raise queue.pop(0)
        return result

    call.calls = 0
    return call


class Waits:
    """Stands in for the clock: records each wait asked for (as tenacity's ``sleep``) and takes none."""

    def __init__(self) -> None:
        self.announced: list[tuple[type, int, float]] = []

    def __call__(self, error: errors.WixError, attempt: int, delay: float) -> None:
        self.announced.append((type(error), attempt, delay))


def controller(policy: RetryPolicy, waits: Waits, cancel: threading.Event | None = None, **kwargs):
    made = retrying(policy, cancel=cancel or threading.Event(), before_wait=waits, **kwargs)
    made.sleep = lambda seconds: None  # (the waits are checked as announced; see the cancel test for sleeping)
    return made


def test_only_retryable_wix_errors_are_tried_again():
    waits = Waits()
    call = failing(errors.ServerError(status=503), errors.OfflineError(), errors.MalformedResponseError())
    assert controller(SLOW, waits)(call) == "done"
    assert call.calls == 4
    assert [attempt for _, attempt, _ in waits.announced] == [1, 2, 3]
    for final in (errors.AuthError(status=401), errors.ValidationError(status=400), ValueError("a bug")):
        call = failing(errors.ServerError(status=503), final)
        with pytest.raises(type(final)) as caught:
            controller(SLOW, Waits())(call)
        assert caught.value is final  # the error itself, never tenacity's RetryError
        assert call.calls == 2


def test_a_retry_after_is_the_wait_and_the_back_off_fills_in_without_one():
    waits = Waits()
    policy = RetryPolicy(max_attempts=4, max_total_seconds=600, base_delay=2, max_delay=8)
    call = failing(errors.RateLimitedError(status=429, retry_after=7.5), errors.ServerError(status=503))
    assert controller(policy, waits)(call) == "done"
    (first, second) = waits.announced
    assert first == (errors.RateLimitedError, 1, 7.5)
    assert second[:2] == (errors.ServerError, 2) and 2 <= second[2] <= 4  # equal jitter on 2 × 2 s


def test_the_back_off_doubles_up_to_its_most_half_fixed_half_random():
    policy = RetryPolicy(max_attempts=6, max_total_seconds=600, base_delay=2, max_delay=8)
    ceilings = [2, 4, 8, 8, 8]  # min(max_delay, base_delay × 2^(n-1)) after the n-th failure
    seen: list[list[float]] = [[] for _ in ceilings]
    for _ in range(40):
        waits = Waits()
        controller(policy, waits)(failing(*[errors.ServerError(status=503)] * len(ceilings)))
        for n, (_, _, delay) in enumerate(waits.announced):
            seen[n].append(delay)
    for ceiling, delays in zip(ceilings, seen, strict=True):
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1  # jittered: clients that failed together don't come back together


def test_trying_stops_after_the_attempts_with_the_last_error():
    last = errors.ServerError(status=500)
    call = failing(*[errors.ServerError(status=502)] * 3, last)
    with pytest.raises(errors.ServerError) as caught:
        controller(SLOW, Waits())(call)
    assert caught.value is last and call.calls == SLOW.max_attempts


def test_a_wait_past_the_time_budget_gives_up_at_once_and_says_so():
    waits, gave_up = Waits(), Waits()
    policy = RetryPolicy(max_attempts=4, max_total_seconds=30)
    error = errors.RateLimitedError(status=429, retry_after=3600)
    with pytest.raises(errors.RateLimitedError) as caught:
        controller(policy, waits, on_give_up=gave_up)(failing(error))
    assert caught.value is error
    assert waits.announced == [] and gave_up.announced == [(errors.RateLimitedError, 1, 3600)]


def test_a_stop_event_ends_a_wait_at_once():
    cancel = threading.Event()
    made = retrying(SLOW, cancel=cancel, before_wait=lambda *_: threading.Timer(0.05, cancel.set).start())
    started = time.monotonic()
    with pytest.raises(errors.CancelledError):
        made(failing(errors.ServerError(status=503)))  # the back-off alone is 30 to 60 s
    assert time.monotonic() - started < 5


def test_on_retry_hears_each_wait_with_its_attempt_and_the_retry_after(emulator):
    emulator.faults.fail_next(1, status=429, retry_after=1)
    emulator.faults.fail_next(1, status=503)  # (queued after the 429)
    heard: list[tuple[type, int, float]] = []
    with make_client(emulator) as client:
        client.on_retry = lambda error, attempt, delay: heard.append((type(error), attempt, delay))
        assert client.list_labels().total == 2
    assert [(kind, attempt) for kind, attempt, _ in heard] == [(errors.RateLimitedError, 1), (errors.ServerError, 2)]
    assert heard[0][2] == 1.0 and heard[1][2] < 1  # Retry-After, then the quick test back-off


def test_writes_keep_their_share_of_the_rate_budget_while_retrying(emulator):
    from labeldesk.api import RateBudget

    budget = RateBudget(limit=4, window=60, read_limit=2)
    with make_client(emulator, rate_budget=budget) as client:
        client.list_labels()
        client.list_labels()  # the reads' share is used up
        emulator.faults.fail_next(1, status=503)
        assert client.find_or_create("VIP").created  # two tries, both from the writes' share
        cancel = threading.Event()
        threading.Timer(0.2, cancel.set).start()
        assert not budget.acquire(cancel)  # a third read would wait for the window
