"""The client copes with each answer Wix's documents leave open (contract section 10), over sockets."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from labeldesk.api import WixLabelsClient, errors
from labeldesk.emulator import Emulator, LabelStore, seed_many
from tests.conftest import make_client


@pytest.fixture
def site():
    store = LabelStore()
    seed_many(store, 2498)  # 2,500 with the system labels
    with Emulator(store, rate_limit=None) as emulator:
        yield store, emulator


def keys_of(labels):
    return [label.key for label in labels]


@pytest.mark.parametrize(
    ("max_limit", "clamp", "totals"),
    [
        (1000, True, True),  # pages quietly capped at 1,000
        (1000, False, True),  # 2,000 refused with a 400
        (2000, False, False),  # no total in the paging metadata
        (1000, True, False),  # capped, and no total
    ],
)
@pytest.mark.parametrize("size_hint", [None, 2500, 6000])
def test_fetch_all_reads_everything_whatever_the_paging_rules(site, max_limit, clamp, totals, size_hint):
    store, emulator = site
    store.variant.list_max_limit, store.variant.clamp_over_max, store.variant.report_totals = max_limit, clamp, totals
    expected = [label["key"] for label in store.list_labels({"paging.limit": str(max_limit)})["labels"]]
    with make_client(emulator) as client:
        labels = client.fetch_all(expected_total=size_hint)
        again = client.fetch_all(expected_total=2500)  # with what the first read learnt about pages
    assert len(labels) == 2500 and len(set(keys_of(labels))) == 2500
    assert keys_of(labels)[:max_limit] == expected
    assert keys_of(again) == keys_of(labels)


def test_facets_without_a_total_are_read_to_the_end(site, monkeypatch):
    store, emulator = site
    keys = [f"custom.label-{n:06d}" for n in range(1, 251)]
    for key in keys:
        store.add_contact({key})
    store.variant.report_totals = False
    original = store.facets
    monkeypatch.setattr(store, "facets", lambda params: original({**params, "paging.limit": "100"}))
    with make_client(emulator) as client:
        counts = client.contact_counts()
    assert counts == dict.fromkeys(keys, 1)


def test_a_delete_whose_reply_was_lost_is_done_not_an_error(site):
    _, emulator = site
    emulator.faults.drop_reply_next(1)
    with make_client(emulator) as client:
        client.delete("custom.label-000001")  # carried out, reply lost, retried: 404 means our first try did it
        with pytest.raises(errors.LabelNotFoundError) as caught:
            client.delete("custom.label-000001")  # a plain 404: gone before we asked
    assert not caught.value.after_retry
    assert [r.status for r in emulator.requests][-3:] == [0, 404, 404]


def test_a_create_whose_reply_was_lost_does_not_claim_it_already_existed(site):
    store, emulator = site
    store.quota = 10_000
    emulator.faults.drop_reply_next(1)
    with make_client(emulator) as client:
        result = client.find_or_create("Brand New")
        assert result.created is None  # it did exist on the retry, but probably because of our first try
        assert client.find_or_create("Brand New").created is False


def test_any_404_on_a_label_means_the_label_is_gone():
    def handler(request):
        return httpx.Response(404, json={"message": "Entity not found", "details": {}})

    with WixLabelsClient("key", "site", transport=httpx.MockTransport(handler)) as client:
        for call in (
            lambda: client.get("custom.x"),
            lambda: client.rename("custom.x", "Y"),
            lambda: client.delete("custom.x"),
        ):
            with pytest.raises(errors.LabelNotFoundError):
                call()


@pytest.mark.parametrize("key", ["CANARY-KEY\n", "CANARY KEY", "CANARY-KÉY", ""])
def test_a_mispasted_key_is_refused_before_it_reaches_httpx(key):
    with pytest.raises(errors.MalformedKeyError) as caught:
        WixLabelsClient(key, "site")
    assert "CANARY" not in str(caught.value) and "CANARY" not in repr(caught.value)
    assert "Copy it again" in str(caught.value)


def test_the_emulator_also_listens_on_ipv6_loopback(store):
    try:
        emulator = Emulator(store, host="::1", rate_limit=None).start()
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    try:
        assert emulator.base_url.startswith("http://[::1]:")
        with make_client(emulator) as client:
            assert client.list_labels().total == 2
    finally:
        emulator.stop()


def test_proxy_settings_from_the_environment_are_used(monkeypatch):
    """Behind a company proxy, HTTPS_PROXY must be honoured, by the page threads too."""
    import socket
    import threading

    seen: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)

    def proxy():
        try:
            while True:
                connection, _ = server.accept()
                with connection:
                    seen.append(connection.recv(1024).split(b"\r\n")[0])
                    connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            return

    thread = threading.Thread(target=proxy, daemon=True)
    thread.start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.getsockname()[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    from labeldesk.api.retry import RetryPolicy

    with WixLabelsClient("key", "site", retry=RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(errors.WixError):
            client.list_labels(limit=1)
        with pytest.raises(errors.WixError):
            client.fetch_all(expected_total=6000)  # three pages at once, on page threads
    with contextlib.suppress(OSError):
        server.shutdown(socket.SHUT_RDWR)  # wakes the accept() (closing alone may not)
    server.close()
    thread.join(5)
    requests = [line for line in seen if line]  # (a page request cancelled as it connected sends nothing)
    assert len(requests) >= 2  # the plain call, and page requests (the first failure cancels the rest)
    assert all(line == b"CONNECT www.wixapis.com:443 HTTP/1.1" for line in requests)
