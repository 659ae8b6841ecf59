"""A hostile or broken server can't exhaust memory (issue 13, item 2): what is read is capped (the body
as sent and unpacked, the labels on a page, the total believed, the pages of one read), reading stops
at the cap with a plain error, and nothing is retried."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from labeldesk.api import WixLabelsClient, errors, waves
from labeldesk.api import client as client_module
from labeldesk.emulator import DEFAULT_API_KEY, DEFAULT_SITE_ID
from tests.api.hostile import MB, HostileServer, gzip_bomb, label_page, spaces
from tests.conftest import FAST_RETRY, make_client

#: A small cap for these tests, so that they stay quick; the real one is measured below.
CAP = 256 * 1024
FACETS_TOTAL = b'{"facets": [], "pagingMetadata": {"total": 1000000000000}}'


def client_for(server: HostileServer, **kwargs) -> WixLabelsClient:
    kwargs.setdefault("retry", FAST_RETRY)
    return WixLabelsClient(DEFAULT_API_KEY, DEFAULT_SITE_ID, base_url=server.url, **kwargs)


def assert_plain(error: errors.WixError) -> None:
    said = str(error)
    assert "can't use" in said and "stopped reading" in said
    assert "Error" not in said and "HTTP" not in said


@pytest.mark.parametrize(
    ("encoding", "wbits"),
    [("gzip", 31), ("deflate", 15), ("deflate", -15), ("x-gzip", 31)],
)
def test_a_gzip_bomb_is_stopped_at_the_cap_and_never_unpacked_whole(encoding, wbits):
    def answer(path):
        return 200, {"Content-Encoding": encoding}, gzip_bomb(8 * MB, wbits=wbits)

    with HostileServer(answer) as server, client_for(server, max_body_bytes=CAP) as client:
        for call in (client.list_labels, client.fetch_all, client.contact_counts):
            with pytest.raises(errors.OversizedResponseError) as caught:
                call()
            assert_plain(caught.value)
        assert len(server.requests) == 3  # one each: not tried again
    assert server.sent < 2 * MB  # it stopped reading long before the bomb's 8 MB were sent


def test_a_bomb_inside_a_bomb_is_stopped_too():
    inner = b"".join(gzip_bomb(64 * 1024))  # some 64 KB that unpack to some 64 MB

    def answer(path):
        return 200, {"Content-Encoding": "gzip, gzip"}, [gzip.compress(inner)]

    with (
        HostileServer(answer) as server,
        client_for(server, max_body_bytes=CAP) as client,
        pytest.raises(errors.OversizedResponseError),
    ):
        client.list_labels()


@pytest.mark.parametrize("with_length", [True, False], ids=["length-given", "no-length"])
def test_a_100_mb_body_is_stopped_at_the_cap(with_length):
    def answer(path):
        return 200, ({"Content-Length": str(100 * MB)} if with_length else {}), spaces(100 * MB)

    with HostileServer(answer) as server, client_for(server, max_body_bytes=CAP) as client:
        with pytest.raises(errors.OversizedResponseError) as caught:
            client.list_labels()
        assert_plain(caught.value)
        with pytest.raises(errors.OversizedResponseError):
            client.rename("custom.x", "X")  # every call, errors and writes included
        assert len(server.requests) == 2
    assert server.sent < 20 * MB


def test_a_body_just_under_the_cap_is_read_as_usual():
    body = b'{"labels": [], "pagingMetadata": {"total": 0}}'
    padded = body + b" " * (CAP - len(body))

    def answer(path):
        return 200, {}, [padded]

    with HostileServer(answer) as server, client_for(server, max_body_bytes=CAP) as client:
        assert client.list_labels().labels == ()


def test_a_compressed_page_is_unpacked_as_before():
    """The emulator doesn't compress; a server that does (as Wix does) is read the same."""
    plain = b"".join(label_page(3, total=3))

    def answer(path):
        return 200, {"Content-Encoding": "gzip"}, [gzip.compress(plain)]

    with HostileServer(answer) as server, client_for(server) as client:
        assert [label.key for label in client.fetch_all()] == ["custom.l0", "custom.l1", "custom.l2"]


def test_a_page_of_a_million_labels_is_refused():
    def answer(path):
        return 200, {}, label_page(1_000_000, total=1_000_000)

    with HostileServer(answer) as server, client_for(server) as client:  # the real cap
        for call in (client.list_labels, client.fetch_all):
            with pytest.raises(errors.OversizedResponseError):
                call()
    assert server.sent < 40 * MB  # of some 70 MB


@pytest.mark.parametrize("count", [2001, 5000])
def test_more_labels_on_a_page_than_wix_ever_sends_are_refused(count):
    """The contract's most is 2,000 a page (section 2.1): a page of more, even a small one, is refused."""

    def answer(path):
        return 200, {}, label_page(count)

    with HostileServer(answer) as server, client_for(server) as client:
        for call in (client.list_labels, client.query_labels, client.fetch_all):
            with pytest.raises(errors.OversizedResponseError):
                call()


def test_more_facets_on_a_page_than_asked_for_are_refused():
    facets = ",".join(f'{{"facetType":"LABEL","facetKey":"custom.l{n}","count":1}}' for n in range(1001))

    def answer(path):
        return 200, {}, [b'{"facets": [' + facets.encode() + b"]}"]

    with (
        HostileServer(answer) as server,
        client_for(server) as client,
        pytest.raises(errors.OversizedResponseError),
    ):
        client.contact_counts()


def test_a_total_above_any_real_site_is_refused_after_one_request():
    def answer(path):
        if "facets" in path:
            return 200, {}, [FACETS_TOTAL]
        return 200, {}, label_page(2000, total=10**12)

    with HostileServer(answer) as server, client_for(server) as client:
        for call in (client.fetch_all, client.list_labels, client.contact_counts):
            with pytest.raises(errors.OversizedResponseError) as caught:
                call()
            assert_plain(caught.value)
        assert len(server.requests) == 3


def test_a_total_at_the_cap_is_still_believed_but_its_pages_are_capped():
    """A million labels is believed; a server giving them 100 a page would need 10,000 pages, more than
    one read takes (paging.page_cap): it stops at once, without asking for them."""

    def answer(path):
        offset = int(path.partition("paging.offset=")[2].partition("&")[0] or 0)
        return 200, {}, label_page(100, total=client_module.MAX_SITE_ITEMS, offset=offset)

    with HostileServer(answer) as server, client_for(server) as client:
        with pytest.raises(errors.IncompleteReadError):
            client.fetch_all()
        assert len(server.requests) <= 2


def test_a_huge_total_never_makes_a_huge_list_of_offsets(emulator):
    pages = {0: client_module.wire.LabelPage(labels=(), offset=0, total=10**12, unreadable=("x",) * 2000)}
    assert len(waves.missing_offsets(pages, 2000, 10**12, 5)) <= 5
    # And a huge expected total (a number the window passes in) costs one wave of pages, not a list of them all.
    with make_client(emulator) as client:
        assert len(client.fetch_all(expected_total=10**18)) == 2  # the empty site's two system labels


def test_peak_memory_stays_bounded_against_real_size_attacks():
    """The real caps against the issue's real sizes (an 8 MB gzip bomb of 8 GiB, a 100 MB body, a page
    of a million labels, a total of 10**12, and a wave of 25 bombs at once), in a process of its own,
    whose peak resident memory must stay under 300 MB. (It passed 6 GB before the caps.)"""
    root = Path(__file__).resolve().parents[2]

    # Before the fix this ran the machine out of memory: the child stops at 2 GB of address space instead.
    script = (
        "import resource, runpy; resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3)); "
        "runpy.run_module('tests.api.hostile_memory', run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak_mb = int(done.stdout.split("peak MB:")[1].split()[0])
    assert peak_mb < 300, done.stdout


@pytest.mark.parametrize("status", [200, 400])
def test_json_nested_past_any_real_answer_is_a_plain_error_not_a_crash(status):
    """It raised RecursionError (the crash path) from the JSON reader, for a page, an error or facets."""
    nested = b'{"labels": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    def answer(path):
        return status, {}, [nested]

    with HostileServer(answer) as server, client_for(server) as client:
        for call in (client.list_labels, client.fetch_all, client.contact_counts, lambda: client.get("custom.vip")):
            with pytest.raises(errors.WixError):
                call()
