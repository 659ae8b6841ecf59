"""Every paged read ends, in a bounded number of requests, and a short read is never taken as the whole.

Each test runs the client against the emulator over loopback in one of its paging faults (contract
section 11: the client must survive a server that ignores offsets or leaves out the total).
"""

from __future__ import annotations

import threading
import time

import pytest

from labeldesk.api import RateBudget, errors
from labeldesk.api.client import FACETS_PATH, LABELS_PATH
from labeldesk.api.paging import MAX_SITE_ITEMS, page_cap, read_pages
from labeldesk.emulator import Emulator, LabelStore, seed_many
from tests.conftest import make_client


def finish_within(client, call, seconds: float = 10.0):
    """``call()``'s result (or its error, raised), or a failure if it is still going after ``seconds``:
    an endless paging loop must fail the test, not hang it."""
    outcome: list = []

    def run():
        try:
            outcome.append(("value", call()))
        except Exception as exc:  # handed back to the test below
            outcome.append(("error", exc))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        client.close()  # ends the loop, so the thread doesn't outlive the test
        worker.join(10)
        pytest.fail(f"still paging after {seconds} s")
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value


def requests_to(emulator, path):
    return [r for r in emulator.requests if r.path == path]


@pytest.fixture(scope="module")
def five_thousand():
    store = LabelStore()
    seed_many(store, 4998)  # and the two system labels
    return store


@pytest.fixture
def site(five_thousand):
    with Emulator(five_thousand, rate_limit=None) as emulator:
        yield emulator


def labelled_site(labels: int) -> LabelStore:
    """A site whose first ``labels`` user labels each have one contact: that many LABEL facets."""
    store = LabelStore()
    seed_many(store, labels)
    for n in range(1, labels + 1):
        store.add_contact({f"custom.label-{n:06d}"})
    return store


# -- facets --------------------------------------------------------------------------------------------


def test_facets_are_asked_for_in_pages_of_the_maximum_1000():
    with Emulator(labelled_site(1200), rate_limit=None) as emulator, make_client(emulator) as client:
        counts = finish_within(client, client.contact_counts)
        facets = requests_to(emulator, FACETS_PATH)
    assert len(counts) == 1200 and set(counts.values()) == {1}
    # 1,202 facets (all contacts, not labeled, 1,200 labels): two pages, not the 25 of the default 50.
    assert [r.query for r in facets] == ["paging.limit=1000", "paging.limit=1000&paging.offset=1000"]


def test_the_emulator_pages_facets_by_50_unless_asked_and_refuses_more_than_1000():
    store = labelled_site(60)
    first = store.facets({})
    assert [f["facetType"] for f in first["facets"][:2]] == ["ALL_CONTACTS", "NOT_LABELED"]
    assert len(first["facets"]) == 50 and first["pagingMetadata"] == {"count": 50, "offset": 0, "total": 62}
    rest = store.facets({"paging.offset": "50"})
    assert len(rest["facets"]) == 12 and rest["pagingMetadata"]["offset"] == 50
    assert len(store.facets({"paging.limit": "1000"})["facets"]) == 62
    from labeldesk.emulator import ApiError

    with pytest.raises(ApiError) as caught:
        store.facets({"paging.limit": "1001"})
    assert caught.value.status == 400


def test_a_service_that_refuses_facet_pages_of_1000_is_read_by_its_default_50(monkeypatch):
    from labeldesk.emulator.errors import violation

    store = labelled_site(120)
    original = store.facets

    def strict(params):
        if int(params.get("paging.limit") or 50) > 50:
            raise violation("paging.limit", "paging.limit must be at most 50", "MAX")
        return original(params)

    monkeypatch.setattr(store, "facets", strict)
    with Emulator(store, rate_limit=None) as emulator, make_client(emulator) as client:
        counts = finish_within(client, client.contact_counts)
        facets = requests_to(emulator, FACETS_PATH)
    assert len(counts) == 120
    assert [r.status for r in facets] == [400, 200, 200, 200]  # 122 facets by 50


def test_facets_that_ignore_the_offset_and_carry_no_metadata_end_at_once():
    with Emulator(labelled_site(40), rate_limit=None) as emulator, make_client(emulator) as client:
        emulator.faults.paging.facets_ignore_offset = True
        counts = finish_within(client, client.contact_counts)
        facets = requests_to(emulator, FACETS_PATH)
    assert counts == {f"custom.label-{n:06d}": 1 for n in range(1, 41)}
    assert len(facets) <= 2  # a short page, then the same page again: that was all of them


def test_more_facets_than_a_page_from_a_server_that_ignores_the_offset_are_incomplete():
    with Emulator(labelled_site(1500), rate_limit=None) as emulator, make_client(emulator) as client:
        emulator.faults.paging.facets_ignore_offset = True
        with pytest.raises(errors.IncompleteReadError) as caught:
            finish_within(client, client.contact_counts)
        facets = requests_to(emulator, FACETS_PATH)
    assert len(facets) == 2  # a full page, then the same one again: the rest is out of reach
    assert caught.value.received == 1000 and caught.value.total is None
    assert str(caught.value).startswith("Wix sent only part of your contact counts (1,000")


def test_facets_one_a_page_with_a_total_past_the_page_cap_stop_at_once(monkeypatch):
    store = labelled_site(1500)
    original = store.facets
    monkeypatch.setattr(store, "facets", lambda params: original({**params, "paging.limit": "1"}))
    with Emulator(store, rate_limit=None) as emulator, make_client(emulator) as client:
        with pytest.raises(errors.IncompleteReadError):
            finish_within(client, client.contact_counts)
        assert len(requests_to(emulator, FACETS_PATH)) == 1  # 1,502 pages of one: past the 1,001-page cap


# -- the labels list -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("per_page", "expected_total", "most"), [(1, None, 2), (2000, None, 3), (2000, 5000, 3)])
def test_a_labels_list_that_ignores_offsets_is_incomplete_after_a_few_requests(site, per_page, expected_total, most):
    site.faults.paging.list_ignore_offset = per_page
    with make_client(site) as client, pytest.raises(errors.IncompleteReadError) as caught:
        finish_within(client, lambda: client.fetch_all(expected_total=expected_total))
    assert len(requests_to(site, LABELS_PATH)) <= most
    assert (caught.value.received, caught.value.total) == (per_page, 5000)
    assert str(caught.value) == f"Wix sent only part of your labels ({per_page:,} of 5,000)."


def test_an_empty_page_before_the_total_is_incomplete_not_the_whole_site(site):
    site.faults.paging.list_empty_from = 2000
    with make_client(site) as client, pytest.raises(errors.IncompleteReadError) as caught:
        finish_within(client, client.fetch_all)
    assert str(caught.value) == "Wix sent only part of your labels (2,000 of 5,000)."
    assert len(requests_to(site, LABELS_PATH)) == 3  # page 0, then pages 2,000 and 4,000 at once


def test_a_list_of_one_label_a_page_with_a_total_past_the_page_cap_stops_at_once(site, five_thousand):
    five_thousand.variant.list_max_limit, five_thousand.variant.clamp_over_max = 1, True
    try:
        with make_client(site) as client, pytest.raises(errors.IncompleteReadError) as caught:
            finish_within(client, client.fetch_all)
    finally:
        five_thousand.variant.__init__()
    assert len(requests_to(site, LABELS_PATH)) == 1  # 5,000 pages of one: past the 1,001-page cap
    assert (caught.value.received, caught.value.total) == (1, 5000)


def test_an_honest_list_still_reads_every_label_in_few_requests(site):
    with make_client(site) as client:
        labels = finish_within(client, client.fetch_all)
    assert len(labels) == len({label.key for label in labels}) == 5000
    assert len(requests_to(site, LABELS_PATH)) == 3


# -- the rule itself -------------------------------------------------------------------------------------


def test_the_page_cap_comes_from_a_believable_site_size():
    assert MAX_SITE_ITEMS == 1_000_000
    assert page_cap(1000) == 1001 and page_cap(2000) == 501


def test_pages_that_never_end_stop_at_the_page_cap():
    asked = []

    def fetch(offset, limit):
        asked.append(offset)
        return None, [f"k{offset + n}" for n in range(limit)], None  # always full, always new, no total

    with pytest.raises(errors.IncompleteReadError) as caught:
        read_pages(fetch, limit=100_000, what="contacts")
    assert len(asked) == page_cap(100_000) == 11
    assert "contacts" in str(caught.value)


@pytest.mark.parametrize(
    ("pages", "whole"),
    [
        ([["a", "b"], []], True),  # short first page, then an empty one
        ([["a", "b"], ["c", "d"], ["e"]], True),  # the server pages by 2 though 3 were asked for
        ([["a", "b"], ["a", "b"]], True),  # offsets ignored, but the first page was short: all there is
        ([["a", "b", "c"], ["a", "b", "c"]], False),  # offsets ignored after a full page: more out of reach
        ([["a", "b", "c"], ["d", "e", "f"], []], True),
    ],
)
def test_without_a_total_the_rule_tells_a_short_list_from_a_server_that_ignores_offsets(pages, whole):
    def fetch(offset, limit):
        return None, pages[min(len(asked), len(pages) - 1)], None

    asked: list = []

    def counting(offset, limit):
        result = fetch(offset, limit)
        asked.append(offset)
        return result

    if whole:
        assert len(read_pages(counting, limit=3, what="labels")) == len(pages)
    else:
        with pytest.raises(errors.IncompleteReadError):
            read_pages(counting, limit=3, what="labels")
    assert len(asked) == len(pages)


# -- reads never keep a write waiting ------------------------------------------------------------------


def test_reads_leave_a_share_of_the_budget_that_only_writes_can_take():
    now = [0.0]
    budget = RateBudget(limit=8, window=60, clock=lambda: now[0])
    stop = threading.Event()
    assert budget.read_limit == 6
    for _ in range(6):
        assert budget.acquire(stop)
    reader_done = threading.Event()
    reader = threading.Thread(target=lambda: budget.acquire(stop) and reader_done.set())
    reader.start()
    assert not reader_done.wait(0.2)  # the reads' share is used up
    assert budget.acquire(stop, write=True) and budget.acquire(stop, write=True)  # at once
    stop.set()
    reader.join(5)


def test_a_rename_goes_through_at_once_while_reads_wait_for_the_budget(site):
    budget = RateBudget(limit=8, window=60)
    with make_client(site, rate_budget=budget) as client:
        for _ in range(budget.read_limit):
            client.list_labels(limit=1)
        outcome = []
        waiting = threading.Thread(target=lambda: outcome.append(_error_of(client.list_labels)))
        waiting.start()
        started = time.monotonic()
        renamed = client.rename("custom.label-000001", "Renamed at once")
        assert time.monotonic() - started < 1
        assert renamed.display_name == "Renamed at once"
        assert waiting.is_alive()  # the read still waits for the budget
        client.close()  # and gives up
        waiting.join(5)
    assert not waiting.is_alive() and isinstance(outcome[0], errors.CancelledError)


def _error_of(call):
    try:
        call()
    except errors.WixError as exc:
        return exc
    return None


def test_a_label_that_cant_be_read_doesnt_hide_a_server_that_ignores_offsets():
    """A keyless label that can't be read stands in by its place, which is 'new' on every page: a server
    sending the same full page again and again (no total) was read 1,001 times instead of caught at once."""
    import json

    import httpx

    from labeldesk.api import WixLabelsClient
    from tests.conftest import FAST_RETRY

    good = [{"key": f"custom.l{n}", "displayName": f"L{n}", "labelType": "USER_DEFINED"} for n in range(1999)]
    body = json.dumps({"labels": [*good, {"displayName": "no key at all"}]}).encode()
    sent = []

    def same_page_whatever_the_offset(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.params.get("paging.offset"))
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    client = WixLabelsClient(
        "k",
        "11111111-2222-4333-8444-555555555555",
        transport=httpx.MockTransport(same_page_whatever_the_offset),
        retry=FAST_RETRY,
    )
    with client, pytest.raises(errors.IncompleteReadError):
        client.fetch_all()
    assert len(sent) <= 3
