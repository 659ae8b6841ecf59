"""The adapter is lenient where the contract says the service varies, checked at the transport seam."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from labeldesk.api import WixLabelsClient, errors, validate_base_url
from labeldesk.domain import LabelType


def client_answering(handler) -> WixLabelsClient:
    return WixLabelsClient("key", "site", transport=httpx.MockTransport(handler))


LABEL = {"key": "custom.vip", "displayName": "VIP", "labelType": "USER_DEFINED", "namespace": "custom"}


@pytest.mark.parametrize("meta_name", ["pagingMetadata", "metadata"])
def test_both_paging_metadata_names_are_read(meta_name):
    body = {"labels": [LABEL], meta_name: {"count": 1, "offset": 0, "total": 7}}
    with client_answering(lambda request: httpx.Response(200, json=body)) as client:
        assert client.query_labels().total == 7
        assert client.list_labels().total == 7


def test_unknown_fields_and_enum_values_are_tolerated():
    label = {**LABEL, "labelType": "SOMETHING_NEW", "colour": "teal", "legacyId": "x"}
    body = {"labels": [label], "metadata": {"total": 1, "cursor": "abc"}, "extra": [1, 2]}
    with client_answering(lambda request: httpx.Response(200, json=body)) as client:
        (parsed,) = client.list_labels().labels
    assert parsed.label_type is LabelType.UNKNOWN
    assert not parsed.editable and parsed.not_editable_reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-05T08:00:00.000Z", datetime(2024, 1, 5, 8, tzinfo=UTC)),
        ("2024-01-05T08:00:00Z", datetime(2024, 1, 5, 8, tzinfo=UTC)),
        ("2024-01-05T08:00:00.5Z", datetime(2024, 1, 5, 8, 0, 0, 500000, tzinfo=UTC)),
        ("2024-01-05T08:00:00", datetime(2024, 1, 5, 8, tzinfo=UTC)),
        (None, None),
        ("not a date", None),
        ("0001-01-01T00:00:00.000Z", datetime(1, 1, 1, tzinfo=UTC)),
        # Not ISO-8601 (contract section 3 says ISO-8601, which has 4-digit years): the label is kept, undated.
        ("1-01-01T00:00:00.000Z", None),
    ],
)
def test_dates_with_and_without_millis_or_absent(text, expected):
    label = {**LABEL, "createdDate": text} if text is not None else dict(LABEL)
    with client_answering(lambda request: httpx.Response(200, json={"label": label})) as client:
        assert client.get("custom.vip").created == expected


def test_without_a_total_reading_stops_at_a_page_that_adds_nothing():
    body = {"labels": [LABEL]}
    with client_answering(lambda request: httpx.Response(200, json=body)) as client:
        assert [label.key for label in client.fetch_all()] == ["custom.vip"]


def test_a_label_without_a_key_is_a_malformed_response():
    client = client_answering(lambda request: httpx.Response(200, json={"label": {"displayName": "x"}}))
    with client, pytest.raises(errors.MalformedResponseError):
        client.get("custom.vip")


def test_quota_numbers_may_be_int64_strings_or_numbers():
    body = {
        "message": "quota",
        "details": {
            "applicationError": {
                "code": "LABELS_QUOTA_REACHED",
                "data": {"labelsQuota": 500, "labelsCurrentTotal": "500"},
            }
        },
    }
    client = client_answering(lambda request: httpx.Response(428, json=body))
    with client, pytest.raises(errors.QuotaReachedError) as caught:
        client.find_or_create("x")
    assert (caught.value.quota, caught.value.current_total) == (500, 500)


def test_a_non_json_error_body_still_gives_a_typed_error():
    with client_answering(lambda request: httpx.Response(502, text="<html>Bad gateway</html>")) as client:
        client.retry = client.retry.__class__(max_attempts=1)
        with pytest.raises(errors.ServerError):
            client.list_labels()


def test_requests_carry_the_contract_headers_and_shapes():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"label": LABEL, "newLabel": True})

    with client_answering(handler) as client:
        client.find_or_create("VIP")
        client.rename("custom.vip", "VIP 2")
        client.delete("custom.a/b")
    create, rename, delete = seen
    assert create.headers["Authorization"] == "key" and create.headers["wix-site-id"] == "site"
    assert "wix-account-id" not in create.headers
    assert create.method == "POST" and create.url.path == "/contacts/v4/labels"
    assert json.loads(create.content) == {"displayName": "VIP"}
    assert rename.method == "PATCH" and rename.url.path == "/contacts/v4/labels/custom.vip"
    assert json.loads(rename.content) == {"label": {"key": "custom.vip", "displayName": "VIP 2"}}
    assert delete.method == "DELETE" and delete.url.raw_path == b"/contacts/v4/labels/custom.a%2Fb"
    assert str(create.url).startswith("https://www.wixapis.com/")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.wixapis.com",
        "https://example.test/",
        "http://127.0.0.1:8080",
        "http://127.5.5.5",
        "http://localhost:9",
        "http://[::1]:9",
    ],
)
def test_safe_base_urls_are_accepted(url):
    assert validate_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://www.wixapis.com",
        "http://192.168.1.5:8080",
        "http://10.0.0.1",
        "ftp://127.0.0.1",
        "https://user:pw@www.wixapis.com",
        "www.wixapis.com",
        "http://localhost.evil.test",
        "https://x.test/?a=1",
    ],
)
def test_unsafe_base_urls_are_refused(url):
    with pytest.raises(errors.InvalidBaseUrlError):
        validate_base_url(url)
    with pytest.raises(errors.InvalidBaseUrlError):
        WixLabelsClient("key", "site", base_url=url)


ODD_LABELS = [
    {**LABEL, "labelType": "SOMETHING_NEW"},
    {**LABEL, "createdDate": "2024-01-05T08:00:00"},  # no zone: taken as UTC
    {**LABEL, "createdDate": "2024-01-05T08:00:00+02:00", "updatedDate": "2024-01-05T08:00:00.123456Z"},
    {**LABEL, "createdDate": ""},
    {**LABEL, "createdDate": "not a date", "updatedDate": 17},
    {**LABEL, "createdDate": "2024-01-05t08:00:00.9999999z", "updatedDate": "2024-01-05T08:00:00.1234567+01:30"},
    {**LABEL, "namespace": 5, "namespaceDisplayName": ["x"]},
    {**LABEL, "labelType": None},
    {"key": "custom.bare", "displayName": ""},
    {**LABEL, "displayName": "Café <b>“x”</b> 東京 😀", "extra": {"nested": [1]}},
]


@pytest.mark.parametrize("odd", ODD_LABELS, ids=range(len(ODD_LABELS)))
@pytest.mark.parametrize("paging", [{"metadata": {"total": 3}}, {"pagingMetadata": {"total": "3", "offset": "0"}}, {}])
def test_the_fast_page_decoder_agrees_with_the_lenient_parser(odd, paging):
    from labeldesk.api import wire

    normal = {**LABEL, "key": "custom.normal", "createdDate": "2024-01-05T08:00:00.000Z"}
    content = json.dumps({"labels": [normal, odd, normal | {"key": "custom.n2"}], **paging}).encode()
    fast = wire.decode_page(content, requested_offset=0)
    assert fast == wire.page_from_json(json.loads(content), requested_offset=0)
    # And the odd label alone in an otherwise clean page (the fast path, if msgspec takes it) reads
    # the same as when a neighbour sends its page down the lenient path.
    alone = wire.decode_page(json.dumps({"labels": [odd], "metadata": {"total": 1}}).encode(), requested_offset=0)
    assert alone.labels[0] == fast.labels[1]
    assert all(label.created is None or label.created.tzinfo is not None for label in fast.labels)


def test_an_ordinary_page_is_decoded_by_the_fast_path_offset_and_all(monkeypatch):
    from labeldesk.api import wire

    def lenient(*args, **kwargs):
        raise AssertionError("an ordinary page went down the lenient path")

    monkeypatch.setattr(wire, "page_from_json", lenient)
    normal = {**LABEL, "key": "custom.normal", "createdDate": "2024-01-05T08:00:00.000Z"}
    for paging, offset in (({"pagingMetadata": {"total": 4001, "offset": 2000}}, 2000), ({}, 2000)):
        page = wire.decode_page(json.dumps({"labels": [normal], **paging}).encode(), requested_offset=2000)
        assert page.offset == offset and page.labels[0].key == "custom.normal"
    page = wire.decode_page(json.dumps({"labels": [normal], "metadata": {"offset": 4000}}).encode(), requested_offset=0)
    assert page.offset == 4000 and page.total is None  # the service's word on the offset wins


@pytest.mark.parametrize(
    "content", [b"", b"{}", b'{"labels": []}', b'{"labels": [{"key": "custom.vi', b"[1]", b'{"labels": {"a": 1}}']
)
def test_broken_pages_are_malformed_or_empty_as_before(content):
    from labeldesk.api import wire

    try:
        expected = wire.page_from_json(wire.json_object(content), requested_offset=0)
    except errors.MalformedResponseError:
        with pytest.raises(errors.MalformedResponseError):
            wire.decode_page(content, requested_offset=0)
    else:
        assert wire.decode_page(content, requested_offset=0) == expected


def test_labels_stay_out_of_the_cycle_collector():
    import gc

    from labeldesk.api import wire

    content = json.dumps({"labels": [LABEL] * 3}).encode()
    assert not any(gc.is_tracked(label) for label in wire.decode_page(content, requested_offset=0).labels)


def test_an_odd_tiny_page_size_is_used_for_that_read_but_not_remembered():
    keys = ["custom.a", "custom.b", "custom.c"]
    asked = []

    def handler(request):
        offset = int(request.url.params.get("paging.offset", 0))
        asked.append(offset)
        page = [{**LABEL, "key": key} for key in keys[offset : offset + 1]]  # one label per page
        return httpx.Response(200, json={"labels": page, "metadata": {"total": len(keys), "offset": offset}})

    with client_answering(handler) as client:
        assert [label.key for label in client.fetch_all()] == keys
        assert client._sizes.step == 2000  # not 1: the next refresh won't ask for thousands of pages
        asked.clear()
        assert [label.key for label in client.fetch_all(expected_total=3)] == keys
    assert asked.count(0) == 1 and sorted(asked) == [0, 1, 2]


def test_a_compressed_body_that_does_not_decompress_is_a_malformed_answer():
    def handler(request):
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip at all")

    from labeldesk.api.retry import RetryPolicy

    with WixLabelsClient(
        "key", "site", transport=httpx.MockTransport(handler), retry=RetryPolicy(max_attempts=1)
    ) as client:
        with pytest.raises(errors.MalformedResponseError):
            client.list_labels()
        with pytest.raises(errors.MalformedResponseError):
            client.get("custom.vip")
