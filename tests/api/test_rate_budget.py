"""One rate budget per client: every request it sends (each try, each page, each poll of a bulk job) takes a
slot, and no more than the budget leave in any window (contract 6.9 and 8: 200 requests a minute).
Counted from the emulator's request log, which sees what really arrived."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from labeldesk.api import RateBudget, errors
from labeldesk.api.client import DEFAULT_REQUESTS_PER_MINUTE
from labeldesk.emulator import Emulator, RequestRecord, most_in_window
from labeldesk.engine import protocol as p
from tests.conftest import make_client


def test_most_in_window_counts_a_sliding_window():
    def at(*starts):
        return [RequestRecord("GET", "/", "", 200, s, s) for s in starts]

    assert most_in_window(at(), 1.0) == 0
    assert most_in_window(at(0.0, 0.5, 0.99, 1.0, 1.2), 1.0) == 4  # 0.5 to 1.2
    assert most_in_window(at(0.0, 1.0, 2.0, 2.5), 1.0) == 2
    assert most_in_window(at(0.0, 0.1, 0.2), 60.0) == 3


def test_by_default_a_client_sends_at_most_two_hundred_requests_a_minute(emulator, store):
    """The 201st request within a minute waits for the oldest to be a minute old (it would wait ~60 s:
    the test sees it waiting, then closes the client)."""
    assert DEFAULT_REQUESTS_PER_MINUTE == 200
    ann = store.add_contact()
    client = make_client(emulator)
    try:
        for _ in range(200):
            client.label_contact(ann, ["contacts.customers"])  # a write: writes may use the whole budget
        assert len(emulator.requests) == 200
        outcome: list[BaseException] = []

        def one_more():
            try:
                client.label_contact(ann, ["contacts.customers"])
            except errors.WixError as exc:
                outcome.append(exc)

        waiting = threading.Thread(target=one_more)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and len(emulator.requests) == 200  # held back, not sent
    finally:
        client.close()
    waiting.join(5)
    assert isinstance(outcome[0], errors.CancelledError) and len(emulator.requests) == 200


def test_the_budget_holds_under_load_with_retries_pages_and_polls(store):
    """Several threads at once: pages of contacts, bulk jobs and their polls, single labels, with 503s
    and 429s that make the client try again. Every request that reached the emulator took a slot, and
    no window held more than the budget."""
    vip = store.add_label("VIP").key
    ids = [store.add_contact({vip}) for _ in range(30)]
    budget = RateBudget(limit=8, window=0.6)
    taken = []
    acquire = budget.acquire

    def counted(stop, *, write=False):
        ok = acquire(stop, write=write)
        taken.append(ok)
        return ok

    budget.acquire = counted  # type: ignore[method-assign]
    with (
        Emulator(store, rate_limit=None, job_seconds=0.2) as emulator,
        make_client(emulator, rate_budget=budget) as client,
    ):
        client.job_first_wait, client.job_max_wait = 0.05, 0.1
        emulator.faults.fail_next(3, status=503)
        emulator.faults.fail_next(2, status=429, retry_after=0.05)
        failures: list[BaseException] = []

        def run(work):
            try:
                work()
            except Exception as exc:  # handed to the test below
                failures.append(exc)

        work = [
            lambda: [client.contacts_page(vip, offset=n * 5, limit=5) for n in range(6)],
            lambda: [client.wait_for_job(job) for job in client.add_labels(ids, ["contacts.customers"])],
            lambda: [client.label_contact(i, ["contacts.contacted-me"]) for i in ids[:8]],
            lambda: client.wait_for_job(client.label_holders_job(vip, remove=["contacts.contacted-me"])),
        ]
        threads = [threading.Thread(target=run, args=(job,)) for job in work]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        elapsed = time.monotonic() - started
        records = emulator.requests
    assert not failures, failures
    assert len(records) >= 23 and [r.status for r in records].count(503) == 3
    assert len(taken) == len(records) and all(taken)  # retries and polls included: one slot each
    assert most_in_window(records, 0.6) <= 8  # the whole window: slots count from the answers
    assert elapsed >= (len(records) - 8) / 8 * 0.6 * 0.9  # the budget really held them back


def test_the_budget_crosses_to_the_engine_with_the_client_settings(emulator):
    from labeldesk.engine.core import _build_client

    with make_client(emulator, requests_per_minute=77) as client:
        settings = p.decode_intent(p.encode(p.Open(p.client_settings(client)))).client
    assert settings is not None and settings.requests_per_minute == 77
    engine_client = _build_client(settings)
    try:
        assert engine_client.requests_per_minute == 77 and engine_client._budget.limit == 77
    finally:
        engine_client.close()


def test_settings_from_before_the_budget_crossed_mean_two_hundred():
    import msgspec

    old = {"api_key": "k", "site_id": "s", "base_url": "http://127.0.0.1:9", "retry": [4, 30.0, 0.5, 8.0]}
    old |= {"timeout": [5.0, 20.0, 20.0, 30.0], "max_in_flight": 25, "max_body_bytes": 1000}
    assert msgspec.convert(old, p.ClientSettings).requests_per_minute == 200


@pytest.mark.parametrize("per_minute", [1, 200, 5000])
def test_requests_per_minute_is_the_budget_of_any_sixty_seconds(emulator, per_minute):
    with make_client(emulator, requests_per_minute=per_minute) as client:
        assert (client._budget.limit, client._budget.window) == (per_minute, 60.0)


class SlowUplink(httpx.HTTPTransport):
    """A network on which the first ``slow`` requests take ``seconds`` to reach the server (the others go at once)."""

    def __init__(self, slow: int, seconds: float) -> None:
        super().__init__()
        self._slow, self._seconds, self._lock = slow, seconds, threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            late, self._slow = self._slow > 0, self._slow - 1
        if late:
            threading.Event().wait(self._seconds)  # on its way: not yet at the server
        return super().handle_request(request)


def test_the_window_runs_from_the_answer_so_a_slow_request_and_a_quick_one_never_land_too_close(emulator, store):
    """Three requests slow to arrive, then a quick fourth: counted on the server's side (its log), no
    window of the budget's length holds more than the budget. Counting from when a slot was taken let
    the fourth go one window after the first three left, landing half a window after they arrived."""
    ann = store.add_contact()
    budget = RateBudget(limit=3, window=1.0)
    with make_client(emulator, rate_budget=budget, transport=SlowUplink(3, 0.5)) as client:
        threads = [threading.Thread(target=client.label_contact, args=(ann, ["contacts.customers"])) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        client.label_contact(ann, ["contacts.customers"])
    records = emulator.requests
    assert [r.status for r in records] == [200] * 4
    assert most_in_window(records, 1.0) <= 3


def test_a_slot_counts_from_when_its_request_ended():
    now = [0.0]
    budget = RateBudget(limit=1, window=10.0, clock=lambda: now[0])
    never = threading.Event()
    slot = budget.acquire(never, write=True)
    now[0] = 4.0
    budget.done(slot)  # answered at 4: the next may go at 14, not at 10
    now[0] = 12.0
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    assert budget.acquire(stop, write=True) is None
    now[0] = 14.0
    assert budget.acquire(never, write=True)


@pytest.mark.parametrize("limit", [0, -5])
def test_a_budget_of_no_requests_is_refused_when_made(limit):
    """(It used to be made, then fail with an IndexError at the first write.)"""
    with pytest.raises(ValueError, match="at least one"):
        RateBudget(limit=limit)
