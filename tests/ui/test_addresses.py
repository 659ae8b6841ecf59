"""A key goes only to the address it was saved for, a plain start only ever goes to Wix, and an answer
from another address never wipes the saved copy (issue 13, item 1: a local "port squatter")."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import keyring
import pytest

from labeldesk.app import run
from labeldesk.cache import LabelCache, cache_path
from labeldesk.credentials import SERVICE
from labeldesk.domain import Label, LabelType
from labeldesk.emulator import Emulator, LabelStore, seed_demo, seed_empty
from labeldesk.paths import AppPaths
from labeldesk.sites import Site, SiteDirectory
from tests.conftest import wix_client_factory
from tests.keyrings import MemoryKeyring

SITE = "5917e000-0000-4000-8000-0000000000aa"
WIX = "https://www.wixapis.com"
#: The site's real key. In these tests the test server accepts it too (a recording proxy, say).
REAL_KEY = "IST.real-key-of-the-cafe"
SYNCED = datetime(2026, 11, 24, 10, 42, tzinfo=UTC)


class Squatter:
    """Another local user's program on a port LabelDesk once used: records each request's
    Authorization header and answers every call with an empty list of labels."""

    def __init__(self, port: int = 0) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                received.append(self.headers.get("Authorization"))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps(
                    {
                        "labels": [],
                        "contacts": [],
                        "metadata": {"count": 0, "offset": 0, "total": 0},
                        "pagingMetadata": {"count": 0, "offset": 0, "total": 0},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_DELETE = answer  # noqa: N815 (http.server names)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def clients_made(monkeypatch):
    """The API address of every client the app makes. Wix can't be reached in these tests (nothing
    leaves this computer): what a start shows then comes from the saved copy."""
    from labeldesk.ui import site_manager

    made: list[str] = []
    factory = wix_client_factory("http://127.0.0.1:9")
    monkeypatch.setattr(
        site_manager, "default_client_factory", lambda key, site: made.append(site.api_base) or factory(key, site)
    )
    return made


def save_wix_copy(paths, count: int = 37) -> None:
    cache = LabelCache(cache_path(paths.cache, SITE))
    cache.replace_labels([Label(f"custom.l{n}", f"L{n}", LabelType.USER_DEFINED) for n in range(count)], SYNCED)
    cache.close()


def wix_copy(paths) -> int:
    cache = LabelCache(cache_path(paths.cache, SITE))
    try:
        return len(cache.load().labels)
    finally:
        cache.close()


FROM_THE_COPY = f"selftest: 37 labels shown (source: cache, synced {SYNCED.isoformat()})\n"


def test_a_port_squatter_never_gets_the_key_and_the_saved_labels_stay(
    qapp, memory_keyring, clients_made, capsys, labeldesk_home
):
    paths = AppPaths.from_environment().ensure()
    # A Wix site, its key in the keyring, a saved copy of its 37 labels.
    memory_keyring.set_password(SERVICE, SITE, REAL_KEY)
    SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Café"))
    save_wix_copy(paths)
    # Opened once at a test server, with a key saved for that address.
    store = LabelStore()
    seed_demo(store)
    with Emulator(store, api_key=REAL_KEY, site_id=SITE, rate_limit=None) as test_server:
        base = test_server.base_url
        memory_keyring.set_password(SERVICE, f"{SITE} at {base}", REAL_KEY)
        assert run(["--site-id", SITE, "--api-base", base, "--selftest"]) == 0
    assert capsys.readouterr().out == "selftest: 45 labels shown (source: service)\n"
    # The test server is gone; another local user's program listens on its port now.
    squatter = Squatter(int(base.rsplit(":", 1)[1]))
    try:
        outcomes = []
        for argv in (["--selftest"], ["--site-id", SITE, "--selftest"]):  # plain starts, by habit
            outcomes.append((run(argv), capsys.readouterr().out))
    finally:
        squatter.stop()
    assert squatter.received == []  # not the key, not anything
    assert clients_made == [base, WIX, WIX]
    assert outcomes == [(0, FROM_THE_COPY), (0, FROM_THE_COPY)]
    assert wix_copy(paths) == 37  # the saved labels are still there


def test_an_address_saved_by_an_older_labeldesk_is_dropped_and_its_key_goes_to_wix_only(
    qapp, memory_keyring, clients_made, capsys, labeldesk_home
):
    paths = AppPaths.from_environment().ensure()
    squatter = Squatter()
    try:
        # As LabelDesk saved a site opened with --api-base before: the address in sites.json, the key
        # under the site ID alone.
        (paths.config / "sites.json").write_text(
            json.dumps({"last_used": SITE, "sites": [{"site_id": SITE, "name": "Café", "api_base": squatter.base_url}]})
        )
        memory_keyring.set_password(SERVICE, SITE, REAL_KEY)
        save_wix_copy(paths)
        assert run(["--selftest"]) == 0
    finally:
        squatter.stop()
    assert squatter.received == []
    assert clients_made == [WIX]
    assert capsys.readouterr().out == FROM_THE_COPY
    saved = json.loads((paths.config / "sites.json").read_text())
    assert saved == {"last_used": SITE, "sites": [{"site_id": SITE, "name": "Café", "api_base": WIX}]}
    assert wix_copy(paths) == 37


def test_a_test_server_is_named_in_the_window_and_never_touches_the_wix_copy(qtbot, site_window, labeldesk_home):
    paths = AppPaths.from_environment().ensure()
    wix_store, test_store = LabelStore(), LabelStore()
    seed_demo(wix_store)  # 45 labels
    seed_empty(test_store)  # the 2 system labels
    backend = MemoryKeyring()
    backend.set_password(SERVICE, SITE, REAL_KEY)
    with (
        Emulator(wix_store, api_key=REAL_KEY, site_id=SITE, rate_limit=None) as wix,
        Emulator(test_store, api_key="test-key", site_id=SITE, rate_limit=None) as test_server,
    ):
        backend.set_password(SERVICE, f"{SITE} at {test_server.base_url}", "test-key")
        SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Café"))
        window, manager = site_window(backend, cache=True, wix=wix.base_url)
        manager.start()
        qtbot.waitUntil(lambda: window.model.rowCount() == 45 and not window.controller.busy, timeout=10_000)
        qtbot.waitUntil(lambda: wix_copy(paths) == 45, timeout=10_000)

        # The same site ID at a test server: another site, said plainly, with its own key and copy.
        manager.open_site(Site(SITE, "Café", test_server.base_url))
        qtbot.waitUntil(lambda: window.model.rowCount() == 2 and not window.controller.busy, timeout=10_000)
        assert wix_copy(paths) == 45
        assert window.address_banner.isVisible()
        assert f"Test server at {test_server.base_url}, not Wix" in window.address_banner.text()
        titles = [action.text() for action in window.site_menu.actions() if action.isCheckable()]
        assert f"Café (Test server at {test_server.base_url}, not Wix)" in titles
        assert all(request.path.startswith("/contacts") for request in test_server.requests)

        # Back to the Wix site from the menu.
        next(a for a in window.site_menu.actions() if a.text() == "Café").trigger()
        qtbot.waitUntil(lambda: window.model.rowCount() == 45 and not window.controller.busy, timeout=10_000)
        assert not window.address_banner.isVisible()
    # Only Wix sites are remembered for the next start.
    assert [site.api_base for site in SiteDirectory(paths.config / "sites.json").sites] == [WIX]
    assert wix_copy(paths) == 45


def test_a_key_entered_for_a_test_server_is_kept_for_that_address_only(qtbot, site_window, labeldesk_home):
    store = LabelStore()
    seed_demo(store)
    backend = MemoryKeyring()
    with Emulator(store, api_key="test-key", site_id=SITE, rate_limit=None) as test_server:
        base = test_server.base_url
        window, manager = site_window(backend, api_base=base)
        manager.start()
        qtbot.waitUntil(lambda: getattr(window, "sign_in_dialog", None) is not None, timeout=10_000)
        dialog = window.sign_in_dialog
        assert (
            dialog.address_note.text() == f"This key is sent to the test server at {test_server.base_url}, not to Wix."
        )
        dialog.key_edit.setText("test-key")
        dialog.site_edit.setText(SITE)
        dialog.sign_in_button.click()
        qtbot.waitUntil(lambda: window.model.rowCount() == 45, timeout=10_000)
        assert window.address_banner.isVisible()
    assert backend.items == {(SERVICE, f"{SITE} at {base}"): "test-key"}
    assert SiteDirectory(labeldesk_home / "config" / "sites.json").sites == []


def test_a_refresh_from_another_address_is_shown_but_never_saved_over_the_copy(qtbot, tmp_path, caplog):
    from labeldesk.api import WixLabelsClient
    from labeldesk.ui.controller import LabelsController
    from tests.conftest import FAST_RETRY

    path = tmp_path / "site.sqlite3"
    cache = LabelCache(path, source=WIX)
    cache.replace_labels([Label(f"custom.l{n}", f"L{n}", LabelType.USER_DEFINED) for n in range(37)], SYNCED)
    store = LabelStore()
    seed_empty(store)
    with Emulator(store, api_key="k", site_id=SITE, rate_limit=None) as elsewhere:
        controller = LabelsController(WixLabelsClient("k", SITE, base_url=elsewhere.base_url, retry=FAST_RETRY), cache)
        with qtbot.waitSignal(controller.labels_loaded, timeout=10_000) as loaded:
            controller.start()
        qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
        controller.shutdown()
    assert len(loaded.args[0]) == 2  # shown: it is what that server says
    assert len(LabelCache(path).load().labels) == 37  # but the copy is Wix's, and stays
    # A refusal on purpose, not a crash: no traceback, no "unexpected problem".
    assert not [r for r in caplog.records if "crashed" in r.getMessage()]
