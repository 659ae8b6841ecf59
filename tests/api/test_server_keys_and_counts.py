"""Keys and counts from the server are checked (issue 13, item 5): a key that could climb out of the
label's address, break a line or hide what it is makes that label unreadable, and no request path is
ever built from one; a contact count outside 0..2**53 is unknown, never shown or saved."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from labeldesk.api import errors, wire
from labeldesk.cache import LabelCache
from labeldesk.domain import MAX_COUNT, valid_key
from labeldesk.emulator import DEFAULT_API_KEY, DEFAULT_SITE_ID
from tests.api.hostile import HostileServer
from tests.api.test_unreadable_labels import GOOD, page_bytes, plant
from tests.conftest import FAST_RETRY

BAD_KEYS = {
    "dot": ".",
    "dot dot": "..",
    "empty": "",
    "81 characters": "custom." + "x" * 74,
    "newline": "custom.vip\nnext line",
    "carriage return": "custom.vip\r",
    "escape": "custom.\x1b[31mred",
    "nul": "custom.\x00",
    "delete": "custom.\x7f",
    "C1 control": "custom.\x85",
    "right-to-left override": "custom.\u202eexe.pdf",
    "zero width space": "custom.v\u200bip",
    "line separator": "custom.a\u2028b",
    "lone surrogate": "custom.\ud800",
}
GOOD_KEYS = ["custom.vip", "custom." + "x" * 73, "wix-forms.contact-me-2", "custom.über", "a...b", "..."]


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_a_bad_key_makes_its_label_unreadable_and_the_others_stay(key):
    page = wire.decode_page(page_bytes(GOOD, {**GOOD, "key": key}, {**GOOD, "key": "custom.also"}), requested_offset=0)
    assert [label.key for label in page.labels] == ["custom.good", "custom.also"]
    assert page.skipped == 1 and page.total == 3
    with pytest.raises(errors.MalformedResponseError):  # a single-label answer (create, get, rename)
        wire.label_from_envelope({"label": {**GOOD, "key": key}})


def test_a_page_with_bad_keys_is_read_once_and_as_the_lenient_parser_reads_it(monkeypatch):
    """msgspec read the page whole: its labels with keys LabelDesk can't use are left out of what it
    read, not found by reading the same bytes again with json."""
    content = page_bytes(GOOD, {**GOOD, "key": ".."}, {**GOOD, "key": "custom.also"}, {**GOOD, "key": "a\nb"})
    lenient = wire.page_from_json(json.loads(content), requested_offset=0)
    read_again = []
    monkeypatch.setattr(wire.json, "loads", lambda *args, **kwargs: read_again.append(args))
    assert wire.decode_page(content, requested_offset=0) == lenient
    assert read_again == [] and lenient.unreadable == ("..", "a\nb")


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_good_keys_are_read_as_before(key):
    assert valid_key(key)
    page = wire.decode_page(page_bytes({**GOOD, "key": key}), requested_offset=0)
    assert [label.key for label in page.labels] == [key] and page.skipped == 0


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_no_request_path_is_ever_built_from_a_bad_key(client, emulator, key):
    """A rename of key ``..`` went out as ``PATCH /contacts/v4``: now nothing goes out at all."""
    for call in (lambda: client.rename(key, "Renamed"), lambda: client.delete(key), lambda: client.get(key)):
        with pytest.raises(errors.InvalidKeyError) as caught:
            call()
        assert "can't use" in str(caught.value)
    assert emulator.requests == []


def test_the_emulators_dot_dot_label_is_left_out_of_a_refresh(client, store):
    plant(store, {"key": "..", "displayName": "Climber", "labelType": "USER_DEFINED"}, key="custom.climber")
    plant(store, {"key": "custom.a\nb", "displayName": "Two lines", "labelType": "USER_DEFINED"}, key="custom.ab")
    labels = client.fetch_all()
    assert all(valid_key(label.key) for label in labels)
    assert {"..", "custom.a\nb"}.isdisjoint(label.key for label in labels)
    assert labels.unreadable == 2


COUNTS = {
    "custom.ok": (42, 42),
    "custom.zero": (0, 0),
    "custom.most": (MAX_COUNT, MAX_COUNT),
    "custom.negative": (-5, None),
    "custom.huge": (10**30, None),
    "custom.past-most": (MAX_COUNT + 1, None),
    "custom.string": ("12", 12),  # (int64 fields may come as strings)
    "custom.string-huge": (str(10**30), None),
    "custom.fraction": (1.5, None),
    "custom.true": (True, None),
    "custom.null": (None, None),
}


def test_counts_outside_0_to_2_to_the_53_are_unknown():
    facets = [{"facetType": "LABEL", "facetKey": key, "count": sent} for key, (sent, _) in COUNTS.items()]
    facets.append({"facetType": "LABEL", "facetKey": "..", "count": 3})  # a key that can't be one: left out
    body = json.dumps({"facets": facets, "pagingMetadata": {"total": len(facets)}}).encode()

    with HostileServer(lambda path: (200, {}, [body])) as server:
        from labeldesk.api import WixLabelsClient

        with WixLabelsClient(DEFAULT_API_KEY, DEFAULT_SITE_ID, base_url=server.url, retry=FAST_RETRY) as client:
            counts = client.contact_counts()
    assert counts == {key: believed for key, (_, believed) in COUNTS.items()}


def test_a_huge_or_negative_count_is_saved_as_unknown_not_as_a_number(tmp_path):
    """Saving a count of 10**30 raised OverflowError, so the counts were never saved again."""
    cache = LabelCache(tmp_path / "site.sqlite3")
    try:
        cache.replace_counts(
            {"custom.huge": 10**30, "custom.negative": -5, "custom.unknown": None, "custom.ok": 3},
            datetime.now(UTC),
        )
        assert cache.load().counts == {
            "custom.huge": None,
            "custom.negative": None,
            "custom.unknown": None,
            "custom.ok": 3,
        }
    finally:
        cache.close()
