"""Fixtures for the window: the real MainWindow over the emulator, over real sockets."""

from __future__ import annotations

import pytest

from labeldesk.api import WixLabelsClient
from labeldesk.app import open_window
from labeldesk.credentials import CredentialStore
from labeldesk.emulator import Emulator, LabelStore, seed_demo
from labeldesk.paths import AppPaths
from labeldesk.sites import Site, SiteDirectory
from labeldesk.ui.main_window import MainWindow
from labeldesk.ui.settings import WindowSettings
from labeldesk.ui.site_manager import SiteManager
from tests.conftest import FAST_RETRY, make_client, wix_client_factory


@pytest.fixture
def demo_store():
    store = LabelStore()
    seed_demo(store)
    return store


@pytest.fixture
def settings():
    paths = AppPaths.from_environment().ensure()
    return WindowSettings(paths.settings_file)


@pytest.fixture
def open_app(qtbot, settings):
    """Opens the window over an emulator; waits for the first load. Cleans everything up afterwards."""
    opened = []

    def opener(store, *, latency_ms=0, wait=True, **emulator_kwargs):
        emulator = Emulator(store, latency_ms=latency_ms, rate_limit=None, **emulator_kwargs).start()
        client = make_client(emulator)
        window, controller = open_window(client, settings, site_name="Test site")
        qtbot.addWidget(window)
        opened.append((window, controller, emulator))
        if wait:
            qtbot.waitUntil(
                lambda: window.session.loaded_once and window.model.contact_count("x") is not None, timeout=10_000
            )
        return window, emulator

    yield opener
    for _window, controller, emulator in opened:
        controller.shutdown()
        emulator.stop()


@pytest.fixture
def demo(open_app, demo_store):
    return open_app(demo_store)


def names_in_view(window) -> list[str]:
    return [window.model.label_at(row).display_name for row in range(window.model.rowCount())]


@pytest.fixture(autouse=True)
def _app(qapp):
    """Every UI test has the one QApplication (pixmaps and fonts need it)."""
    return qapp


@pytest.fixture(autouse=True)
def _no_real_quit_question(monkeypatch):
    """Closing a window with a change in flight asks in a modal box: never a real one in a test.
    Unless a test says otherwise, the answer is "Quit anyway" (what closing a test's window means)."""
    from labeldesk.ui import contact_features, main_window

    monkeypatch.setattr(main_window, "ask_quit_while_saving", lambda parent, changes: True, raising=False)
    monkeypatch.setattr(contact_features, "ask_quit_while_operating", lambda parent, kinds: True)


def fast_client(api_key: str, site: Site) -> WixLabelsClient:
    return WixLabelsClient(api_key, site.site_id, base_url=site.api_base, retry=FAST_RETRY)


@pytest.fixture
def site_window(qtbot, settings):
    """Makes a shown MainWindow with a real SiteManager (sites.json under LABELDESK_HOME, the given
    keyring backend, fast retries); shuts each one down after the test."""
    made = []

    def maker(keyring_backend, *, api_base="https://www.wixapis.com", cache=False, wix=None):
        """``wix``: where Wix's own address is served for this test (see wix_client_factory)."""
        paths = AppPaths.from_environment().ensure()
        manager = SiteManager(
            SiteDirectory(paths.config / "sites.json"),
            CredentialStore(keyring_backend),
            client_factory=fast_client if wix is None else wix_client_factory(wix),
            default_api_base=api_base,
            cache_dir=paths.cache if cache else None,
        )
        window = MainWindow(settings, manager=manager)
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        return window, manager

    yield maker
    for window in made:
        if window.controller is not None:
            window.controller.shutdown()
        window.manager.shutdown()
