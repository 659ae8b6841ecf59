"""Shared fixtures. Every test runs offscreen, with LABELDESK_HOME in a temporary folder."""

from __future__ import annotations

import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never let a test reach the user's real keyring, whatever the machine has.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import httpx
import pytest

from labeldesk.api import RetryPolicy, WixLabelsClient
from labeldesk.emulator import DEFAULT_API_KEY, DEFAULT_SITE_ID, Emulator, LabelStore, seed_empty

#: Retries that wait milliseconds, not seconds, so failure tests stay quick.
FAST_RETRY = RetryPolicy(max_attempts=3, max_total_seconds=5.0, base_delay=0.01, max_delay=0.05)


class WixStandIn(httpx.HTTPTransport):
    """A transport that sends what a client addresses to Wix to a local server (``target``, e.g. an
    emulator's base_url) instead. For tests of a saved Wix site, the only kind a plain start opens:
    the client, its key and its saved copy are Wix's (base_url stays https://www.wixapis.com), and
    nothing leaves this computer. ``http://127.0.0.1:9`` (nothing listens there) makes Wix unreachable."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = httpx.URL(target)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self.target.scheme, host=self.target.host, port=self.target.port)
        return super().handle_request(request)


def wix_client_factory(wix: str | dict[str, str], retry: RetryPolicy = FAST_RETRY):
    """A SiteManager client factory whose Wix is ``wix`` (one address, or one per site ID; a site not
    named finds Wix unreachable). A site at any other address is reached there, as in the app."""
    from labeldesk.api.urls import DEFAULT_BASE_URL

    def make(api_key: str, site) -> WixLabelsClient:
        transport = None
        if site.api_base == DEFAULT_BASE_URL:
            target = wix.get(site.site_id, "http://127.0.0.1:9") if isinstance(wix, dict) else wix
            transport = WixStandIn(target)
        return WixLabelsClient(api_key, site.site_id, base_url=site.api_base, retry=retry, transport=transport)

    return make


@pytest.fixture(autouse=True)
def _test_process_keeps_its_core_limit(monkeypatch):
    """app.run() turns core dumps off for good (the hard limit too); a test that calls it in this
    process would take that from every later test, among them the ones that prove it in a child."""
    import labeldesk.app

    monkeypatch.setattr(labeldesk.app, "forbid_core_dumps", lambda: None)


@pytest.fixture(autouse=True)
def _engines_on_threads(monkeypatch):
    """Tests run the sync engine on a thread of the test process (same wire, same code), so they can
    hand it clients with rigged transports; the tests in tests/engine/ start real engine processes."""
    from labeldesk.engine import host

    monkeypatch.setattr(host, "DEFAULT_MODE", "thread")


@pytest.fixture(autouse=True)
def _no_leaked_threads(request):
    """A test ends with no Python thread it started still running (after 2 s of grace to finish)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    while True:
        leaked = [t for t in set(threading.enumerate()) - before if t.is_alive() and not _kept(t)]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not leaked, f"threads left running: {sorted(t.name for t in leaked)}"


def _kept(thread: threading.Thread) -> bool:
    # A _DummyThread is a thread Python didn't start (a QThreadPool's) that ran Python code: it
    # stays listed, "alive", for ever. Qt's pools are checked by the Qt fixtures instead.
    return isinstance(thread, threading._DummyThread)


@pytest.fixture(autouse=True)
def labeldesk_home(tmp_path, monkeypatch):
    home = tmp_path / "labeldesk-home"
    monkeypatch.setenv("LABELDESK_HOME", str(home))
    return home


@pytest.fixture
def store():
    store = LabelStore()
    seed_empty(store)
    return store


@pytest.fixture
def emulator(store):
    with Emulator(store, rate_limit=None) as running:
        yield running


def make_client(emulator: Emulator, **kwargs) -> WixLabelsClient:
    kwargs.setdefault("retry", FAST_RETRY)
    return WixLabelsClient(
        kwargs.pop("api_key", DEFAULT_API_KEY),
        kwargs.pop("site_id", DEFAULT_SITE_ID),
        base_url=emulator.base_url,
        **kwargs,
    )


@pytest.fixture
def client(emulator):
    with make_client(emulator) as client:
        yield client
