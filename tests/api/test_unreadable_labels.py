"""One label the adapter can't read never hides the others (issue 12, item 10): each label is
validated on its own, the bad ones are left out and counted."""

from __future__ import annotations

import json

import msgspec
import pytest

from labeldesk.api import errors, wire
from labeldesk.emulator import LabelStore

GOOD = {"key": "custom.good", "displayName": "Good", "labelType": "USER_DEFINED"}
BAD_LABELS = {
    "no display name": {"key": "custom.bad", "labelType": "USER_DEFINED"},
    "type sent as an object": {"key": "custom.bad", "displayName": "Bad", "labelType": {"name": "USER_DEFINED"}},
    "type sent as a list": {"key": "custom.bad", "displayName": "Bad", "labelType": ["USER_DEFINED"]},
    "name sent as a number": {"key": "custom.bad", "displayName": 7, "labelType": "USER_DEFINED"},
    "empty key": {"key": "", "displayName": "Bad", "labelType": "USER_DEFINED"},
    "not an object": "custom.bad",
    "null": None,
}


def plant(store: LabelStore, raw: object, key: str = "custom.bad") -> None:
    """Make the emulator send ``raw`` as it is, in place of one of its labels (a faulty service)."""
    stored = store.add_label("placeholder", key=key)
    stored._json = raw  # what a single-label answer sends
    stored._encoded = json.dumps(raw).encode()  # what a page sends


def page_bytes(*labels: object, total: int | None = None) -> bytes:
    meta = {"count": len(labels), "offset": 0, "total": len(labels) if total is None else total}
    return json.dumps({"labels": list(labels), "pagingMetadata": meta}).encode()


@pytest.mark.parametrize("bad", BAD_LABELS.values(), ids=BAD_LABELS.keys())
def test_a_page_keeps_every_good_label_and_counts_the_bad_one(bad):
    page = wire.decode_page(page_bytes(GOOD, bad, {**GOOD, "key": "custom.also"}), requested_offset=0)
    assert [label.key for label in page.labels] == ["custom.good", "custom.also"]
    assert page.skipped == 1
    assert page.total == 3


def test_a_good_page_takes_the_fast_path_and_skips_nothing(monkeypatch):
    def lenient(*args, **kwargs):
        raise AssertionError("the lenient parser ran for a page msgspec can read")

    monkeypatch.setattr(wire, "page_from_json", lenient)
    page = wire.decode_page(page_bytes(GOOD, {**GOOD, "key": "custom.also"}), requested_offset=0)
    assert len(page.labels) == 2 and page.skipped == 0


def test_a_page_that_is_not_json_is_still_malformed_as_a_whole():
    with pytest.raises(errors.MalformedResponseError):
        wire.decode_page(b'{"labels": [{"key": "custom.vi', requested_offset=0)
    with pytest.raises(errors.MalformedResponseError):
        wire.decode_page(b'{"labels": {"key": "x"}}', requested_offset=0)


@pytest.mark.parametrize("bad", BAD_LABELS.values(), ids=BAD_LABELS.keys())
def test_a_single_label_answer_that_cant_be_read_is_a_malformed_answer_not_a_crash(bad):
    with pytest.raises(errors.MalformedResponseError):
        wire.label_from_envelope({"label": bad})


@pytest.mark.parametrize("bad", BAD_LABELS.values(), ids=BAD_LABELS.keys())
def test_a_refresh_shows_the_good_labels_and_says_how_many_were_left_out(store, emulator, client, bad):
    good = sorted(label["key"] for label in store.snapshot())
    plant(store, bad)
    page = client.list_labels()
    assert page.skipped == 1 and sorted(label.key for label in page.labels) == good
    before = len(emulator.requests)
    labels = client.fetch_all()
    assert sorted(label.key for label in labels) == good
    assert labels.unreadable == 1
    # The unreadable label still counts towards the total: the read is complete, not read again.
    assert len(emulator.requests) - before == 1


def test_a_single_label_the_service_sends_badly_is_a_plain_error(store, client):
    plant(store, BAD_LABELS["type sent as an object"])
    with pytest.raises(errors.MalformedResponseError) as caught:
        client.get("custom.bad")  # was TypeError: unhashable type: 'dict' ("an unexpected problem")
    assert "couldn't read" in str(caught.value)


def test_the_fast_decoder_still_refuses_what_the_lenient_one_must_judge():
    """The fast path must fail (and so fall back) on a bad label rather than take it in."""
    for bad in BAD_LABELS.values():
        with pytest.raises(msgspec.ValidationError):
            wire._PAGE_DECODER.decode(page_bytes(GOOD, bad))


def test_a_bad_label_on_a_later_page_does_not_make_the_read_look_incomplete():
    """Paging counts what the service sent, read or not: the left-out label neither shifts the next
    page nor makes the labels fall short of the total (which would throw the whole refresh away)."""
    from labeldesk.emulator import Emulator, seed_many
    from tests.conftest import make_client

    store = LabelStore()
    seed_many(store, 2100)
    plant(store, BAD_LABELS["type sent as an object"])  # the newest: on the second page
    plant(store, BAD_LABELS["null"], key="custom.null")
    good = len(store) - 2
    with Emulator(store, rate_limit=None) as emulator, make_client(emulator) as client:
        labels = client.fetch_all()
        assert len(labels) == good and labels.unreadable == 2
        assert len(emulator.requests) == 2  # one request a page, no second read
        labels = client.fetch_all(expected_total=good)  # as a refresh asks, knowing the table's size
        assert len(labels) == good and labels.unreadable == 2
