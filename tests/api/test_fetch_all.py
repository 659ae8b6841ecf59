"""Fetching every label: one big page, then the rest concurrently, within the rate limit."""

from __future__ import annotations

import contextlib
import sys
import threading

import pytest

from labeldesk.api import RateBudget
from labeldesk.emulator import Emulator, LabelStore, max_in_flight, round_trips, seed_many
from tests.conftest import make_client


@pytest.fixture(scope="module")
def ten_thousand():
    store = LabelStore()
    seed_many(store, 9998)  # plus the two system labels: 10,000
    return store


#: The keys of ``ten_thousand`` as the service lists them (oldest first).
SERVICE_ORDER = ["contacts.contacted-me", "contacts.customers"] + [f"custom.label-{n:06d}" for n in range(1, 9999)]


def test_10000_labels_with_100ms_latency_take_two_round_trips(ten_thousand):
    with Emulator(ten_thousand, latency_ms=100, rate_limit=None) as emulator, make_client(emulator) as client:
        labels = client.fetch_all()
        requests = emulator.requests
    assert len(labels) == 10_000
    assert len({label.key for label in labels}) == 10_000
    assert len(requests) == 5
    assert all(r.path == "/contacts/v4/labels" and "paging.limit=2000" in r.query for r in requests)
    assert round_trips(requests) == 2
    assert max_in_flight(requests) == 4  # the four remaining pages overlapped


def test_fetch_all_keeps_the_service_order(ten_thousand):
    with Emulator(ten_thousand, rate_limit=None) as emulator, make_client(emulator) as client:
        labels = client.fetch_all()
    assert [label.key for label in labels] == SERVICE_ORDER


def test_fetch_all_bounds_how_many_pages_are_in_flight(ten_thousand):
    with Emulator(ten_thousand, latency_ms=50, rate_limit=None) as emulator:
        with make_client(emulator, max_in_flight=2) as client:
            assert len(client.fetch_all()) == 10_000
        requests = emulator.requests
    assert max_in_flight(requests) == 2


def test_a_small_site_costs_one_request(emulator):
    with make_client(emulator) as client:
        assert [label.key for label in client.fetch_all()] == ["contacts.contacted-me", "contacts.customers"]
    assert len(emulator.requests) == 1


def test_fetch_all_stays_within_the_client_rate_budget(ten_thousand):
    # A budget of 3 requests per 0.3 s: five pages must spread over two windows.
    budget = RateBudget(limit=3, window=0.3)
    with Emulator(ten_thousand, rate_limit=None) as emulator, make_client(emulator, rate_budget=budget) as client:
        assert len(client.fetch_all()) == 10_000
        starts = sorted(r.started for r in emulator.requests)
    assert starts[3] - starts[0] >= 0.29


def test_labels_added_while_paging_are_read_again_consistently(ten_thousand, monkeypatch):
    store = LabelStore()
    seed_many(store, 4000)
    with Emulator(store, rate_limit=None) as emulator, make_client(emulator) as client:
        original = store.list_labels_encoded
        calls = []

        def list_and_meddle(params):
            calls.append(params)
            if len(calls) == 1:
                store.add_label("Sneaky")  # lands after the first page was read
            return original(params)

        monkeypatch.setattr(store, "list_labels_encoded", list_and_meddle)
        labels = client.fetch_all()
    assert len(labels) == 4003
    assert labels[-1].display_name == "Sneaky"


def test_reading_pages_leaves_the_cycle_collector_and_the_switch_interval_alone(ten_thousand, monkeypatch):
    """No interpreter tricks: the engine reads in a process of its own, with Python as it comes."""
    import gc

    states = []
    interval = sys.getswitchinterval()
    with Emulator(ten_thousand, rate_limit=None) as emulator, make_client(emulator) as client:
        original = client._request_ex

        def spy(*args, **kwargs):
            states.append((gc.isenabled(), sys.getswitchinterval()))
            return original(*args, **kwargs)

        monkeypatch.setattr(client, "_request_ex", spy)
        client.fetch_all()
    assert states and set(states) == {(True, interval)}


def test_the_known_size_of_a_site_saves_a_round_trip(ten_thousand):
    with Emulator(ten_thousand, latency_ms=100, rate_limit=None) as emulator, make_client(emulator) as client:
        labels = client.fetch_all(expected_total=10_000)
        requests = emulator.requests
    assert [label.key for label in labels] == SERVICE_ORDER
    assert len(requests) == 5
    assert round_trips(requests) == 1
    assert max_in_flight(requests) == 5


@pytest.mark.parametrize("expected", [1, 2000, 3000, 9000, 10_000, 14_000, 40_000])
def test_a_wrong_guess_of_the_size_still_reads_every_label_once(ten_thousand, expected):
    with Emulator(ten_thousand, rate_limit=None) as emulator, make_client(emulator) as client:
        labels = client.fetch_all(expected_total=expected)
        requests = emulator.requests
    assert [label.key for label in labels] == SERVICE_ORDER
    offsets = [r.query for r in requests]
    assert len(offsets) == len(set(offsets))  # no page asked for twice
    assert len(requests) == max(5, -(-expected // 2000))


def test_closing_the_client_mid_read_cancels_it_cleanly(ten_thousand):
    import threading
    import time

    from labeldesk.api import errors

    with Emulator(ten_thousand, latency_ms=5000, rate_limit=None) as emulator:
        client = make_client(emulator)
        outcome = []

        def read():
            try:
                client.fetch_all(expected_total=10_000)
            except errors.WixError as exc:
                outcome.append(exc)

        reader = threading.Thread(target=read)
        reader.start()
        while len(emulator._connections) < 5 and reader.is_alive():
            threading.Event().wait(0.01)  # until all five pages are being waited for
        closed = time.monotonic()
        client.close()
        reader.join(10)
        assert time.monotonic() - closed < 1  # without waiting for the answers (5 s away)
        with pytest.raises(errors.CancelledError):
            client.fetch_all(expected_total=10_000)  # and a closed client stays closed
    assert not reader.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], errors.CancelledError)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_closed_clients_page_threads_end_at_once_though_their_requests_are_never_answered(
    scheme, tmp_path, monkeypatch
):
    """close() ends the page threads themselves, not only the read: none is left waiting out its
    read timeout on a request Wix never answers (over TLS too), and none lingers idle in a pool."""
    import socket
    import ssl
    import time

    from labeldesk.api import WixLabelsClient, errors

    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    context = None
    if scheme == "https":
        trustme = pytest.importorskip("trustme")
        authority = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        authority.cert_pem.write_to_path(str(tmp_path / "authority.pem"))
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "authority.pem"))  # trusted by "the OS"
    accepted: list[socket.socket] = []
    handshakes: list[threading.Thread] = []
    done = threading.Event()

    def hold(connection: socket.socket) -> None:
        with contextlib.suppress(OSError):  # (a handshake the client's close cut short)
            accepted.append(connection if context is None else context.wrap_socket(connection, server_side=True))

    def accept() -> None:
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                connection = server.accept()[0]  # kept open, never answered
                connection.settimeout(5)
                handshakes.append(threading.Thread(target=hold, args=(connection,)))
                handshakes[-1].start()

    def page_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("labeldesk-page") and t.is_alive()]

    listener = threading.Thread(target=accept)
    listener.start()
    outcome: list[BaseException] = []
    try:
        client = WixLabelsClient("key", "site", base_url=f"{scheme}://127.0.0.1:{server.getsockname()[1]}")

        def read() -> None:
            try:
                client.fetch_all(expected_total=6000)
            except errors.WixError as exc:
                outcome.append(exc)

        reader = threading.Thread(target=read)
        reader.start()
        deadline = time.monotonic() + 10
        while len(accepted) < 3 and time.monotonic() < deadline:
            threading.Event().wait(0.01)  # until the three pages are being waited for
        assert len(page_threads()) == 3
        closed = time.monotonic()
        client.close()
        reader.join(5)
        for thread in page_threads():
            thread.join(max(0.0, closed + 5 - time.monotonic()))
        assert not page_threads()  # (the read timeout is 20 s)
        assert not reader.is_alive() and [type(exc) for exc in outcome] == [errors.CancelledError]
    finally:
        done.set()
        listener.join(5)
        for thread in handshakes:
            thread.join(5)
        server.close()
        for sock in accepted:
            sock.close()


def test_a_program_using_the_client_exits_though_a_page_request_is_stuck(tmp_path):
    """Page threads are daemons: a request that Wix never answers doesn't keep a program alive."""
    import subprocess
    import sys
    import time

    code = """
import socket, sys, threading
from labeldesk.api import WixLabelsClient, errors
server = socket.create_server(("127.0.0.1", 0))
threading.Thread(target=lambda: [server.accept() for _ in range(100)], daemon=True).start()  # never answers
client = WixLabelsClient("key", "site", base_url=f"http://127.0.0.1:{server.getsockname()[1]}")
reader = threading.Thread(target=lambda: client.fetch_all(expected_total=6000), daemon=True)
reader.start()
reader.join(1)  # the three page requests are waiting
client.close()
print("closed", flush=True)
"""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout == "closed\n", result.stderr[-2000:]
    assert time.monotonic() - started < 10  # not the 20 s read timeout


@pytest.mark.parametrize("expected", [None, 10_000])
def test_fetch_all_says_how_far_it_got_after_each_page(ten_thousand, expected):
    reports, threads = [], set()

    def progress(read, total):
        reports.append((read, total))
        threads.add(threading.current_thread())

    with Emulator(ten_thousand, rate_limit=None) as emulator, make_client(emulator) as client:
        client.fetch_all(expected_total=expected, on_progress=progress)
    assert len(reports) == 5  # one per page
    assert threads == {threading.current_thread()}  # on the calling thread, not a page thread
    assert [read for read, _ in reports] == [2000, 4000, 6000, 8000, 10_000]
    assert {total for _, total in reports} == {10_000}


def test_a_connection_that_completes_after_close_is_closed_at_once():
    """A request that was still connecting when the client closed gets its socket after close() has
    looked: httpcore then drops that connection without closing it (a ResourceWarning in some later
    test, which is how CI found it). The client closes it as soon as it exists."""
    import socket

    from labeldesk.api import WixLabelsClient

    class Stream:  # what httpcore's trace hands over: a network stream that knows its socket
        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock

        def get_extra_info(self, name: str) -> socket.socket | None:
            return self.sock if name == "socket" else None

    client = WixLabelsClient("key", "site", base_url="http://127.0.0.1:9")
    mine, theirs = socket.socketpair()
    try:
        client.close()
        client._connections._on_trace("connection.connect_tcp.complete", {"return_value": Stream(mine)})
        assert mine.fileno() == -1
    finally:
        mine.close()
        theirs.close()
