"""Offline-friendly: the saved copy opens at once, stays browsable offline, and catches up when back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtGui import QGuiApplication

from labeldesk.cache import LabelCache, cache_path
from labeldesk.credentials import SERVICE
from labeldesk.domain import Label, LabelType
from labeldesk.emulator import Emulator, LabelStore, seed_many
from labeldesk.paths import AppPaths
from labeldesk.sites import Site, SiteDirectory
from labeldesk.ui import controller as controller_module
from labeldesk.ui import saved_copy as saved_copy_module
from labeldesk.ui.models import Column, sort_name
from tests.keyrings import MemoryKeyring

SITE = "0ff11e00-0000-4000-8000-000000000001"
KEY = "offline-test-key"


def cached_labels(count: int, prefix: str = "Cached") -> list[Label]:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        Label(f"custom.label-{n:06d}", f"{prefix} {n:06d}", LabelType.USER_DEFINED, "custom", "Labels", when, when)
        for n in range(1, count + 1)
    ]


@pytest.fixture
def paths():
    return AppPaths.from_environment().ensure()


@pytest.fixture
def site_store():
    store = LabelStore()
    seed_many(store, 9998)
    return store


@pytest.fixture
def app(site_window, paths, monkeypatch):
    """Opens the window on a saved site whose key (KEY) is in a memory keyring, with short offline pauses."""
    monkeypatch.setattr(controller_module, "OFFLINE_RETRY_SECONDS", (0.2,))

    def maker(emulator_base: str):
        backend = MemoryKeyring()
        backend.set_password(SERVICE, SITE, KEY)
        SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Offline Café"))
        window, manager = site_window(backend, cache=True, wix=emulator_base)  # the emulator stands in for Wix
        manager.start()
        return window

    return maker


def save_cache(paths, labels, synced_at):
    cache = LabelCache(cache_path(paths.cache, SITE))
    cache.replace_labels(labels, synced_at)
    cache.close()


def test_a_cold_start_shows_10000_cached_labels_before_the_service_answers(app, paths, site_store, qtbot):
    save_cache(paths, cached_labels(10_000), datetime.now(UTC) - timedelta(hours=2))
    with Emulator(site_store, api_key=KEY, site_id=SITE, latency_ms=2000, rate_limit=None) as emulator:
        window = app(emulator.base_url)
        qtbot.waitUntil(lambda: window.model.rowCount() == 10_000, timeout=10_000)
        assert emulator.requests == []  # nothing has come back from the service yet
        assert window.session.rows_from_cache
        assert window.model.label_at(0).display_name.startswith("Cached")
        assert "Showing labels saved today" in window.status.text.text()
        # Then the service's answer replaces what differs, without a reset.
        resets = []
        window.model.modelReset.connect(lambda: resets.append(1))
        qtbot.waitUntil(lambda: not window.session.rows_from_cache, timeout=15_000)
        assert window.model.rowCount() == 10_000 and resets == []
        assert not window.model.label("custom.label-000001").display_name.startswith("Cached")


def test_going_offline_keeps_browsing_and_coming_back_catches_up(app, paths, site_store, qtbot):
    emulator = Emulator(site_store, api_key=KEY, site_id=SITE, rate_limit=None).start()
    port = emulator.base_url.rsplit(":", 1)[1]
    window = app(emulator.base_url)
    qtbot.waitUntil(lambda: window.model.rowCount() == 10_000 and not window.controller.busy, timeout=15_000)

    emulator.stop()  # the train enters a tunnel
    window.refresh_action.trigger()
    qtbot.waitUntil(window.offline_banner.isVisible, timeout=15_000)
    assert window.offline_text.text().startswith("Offline — showing labels saved today")
    assert window.try_again_button.isVisible()
    # Browsing goes on: search, sort, copy a key.
    window.search.setText("label-000042")
    assert window.model.rowCount() == 1
    window.table.selectRow(0)
    window.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == "custom.label-000042"
    window.table.sortByColumn(0, window.table.horizontalHeader().sortIndicatorOrder())
    for action in (window.new_action, window.rename_action, window.delete_action):
        assert not action.isEnabled()
        assert "offline" in action.toolTip()

    site_store.add_label("Added While You Were Away")
    back = Emulator(site_store, api_key=KEY, site_id=SITE, port=int(port), rate_limit=None).start()
    try:
        qtbot.waitUntil(lambda: not window.offline_banner.isVisible(), timeout=15_000)
        qtbot.waitUntil(lambda: window.model.label("custom.added-while-you-were-away") is not None, timeout=15_000)
        assert window.status.text.text().startswith("Last refreshed") or "again" in window.status.text.text()
        window.search.clear()
        window.table.selectRow(0)
        assert window.new_action.isEnabled() and window.rename_action.isEnabled()
    finally:
        back.stop()


def test_an_old_cache_and_a_failed_refresh_say_it_may_be_out_of_date(app, paths, qtbot):
    save_cache(paths, cached_labels(50), datetime.now(UTC) - timedelta(days=3, hours=1))
    window = app("http://127.0.0.1:9")  # nothing listens there
    qtbot.waitUntil(window.offline_banner.isVisible, timeout=15_000)
    assert window.model.rowCount() == 50
    assert "They may be out of date: the last sync was 3 days ago." in window.offline_text.text()


def test_a_corrupt_cache_is_set_aside_rebuilt_and_reported_once(app, paths, site_store, qtbot):
    path = cache_path(paths.cache, SITE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\\x00garbage" * 500)
    with Emulator(site_store, api_key=KEY, site_id=SITE, rate_limit=None) as emulator:
        window = app(emulator.base_url)
        messages = []
        window.message_shown.connect(lambda text, kind: messages.append(text))
        qtbot.waitUntil(lambda: window.model.rowCount() == 10_000, timeout=15_000)
        qtbot.waitUntil(lambda: not window.controller.busy, timeout=15_000)
    assert len(list(path.parent.glob("*.corrupt-*"))) == 1
    damaged = [m for m in messages if "damaged" in m]
    assert len(damaged) <= 1
    rebuilt = LabelCache(path).load()
    assert len(rebuilt.labels) == 10_000 and not rebuilt.recovered


def test_signing_out_deletes_the_saved_copy(app, paths, site_store, qtbot, monkeypatch):
    from labeldesk.ui import dialogs

    with Emulator(site_store, api_key=KEY, site_id=SITE, rate_limit=None) as emulator:
        window = app(emulator.base_url)
        qtbot.waitUntil(lambda: window.model.rowCount() == 10_000 and not window.controller.busy, timeout=15_000)
        path = cache_path(paths.cache, SITE)
        qtbot.waitUntil(lambda: path.exists() and len(LabelCache(path).load().labels) == 10_000, timeout=15_000)
        monkeypatch.setattr(dialogs, "confirm_sign_out", lambda *args: True)
        window.sign_out()
        qtbot.waitUntil(lambda: not path.exists(), timeout=15_000)


def test_a_refresh_saves_a_start_up_snapshot_that_the_next_start_uses_without_sorting(
    app, paths, site_store, qtbot, monkeypatch
):
    with Emulator(site_store, api_key=KEY, site_id=SITE, rate_limit=None) as emulator:
        window = app(emulator.base_url)
        qtbot.waitUntil(lambda: window.model.rowCount() == 10_000 and not window.controller.busy, timeout=15_000)
        shown = [window.model.label_at(row).key for row in range(window.model.rowCount())]
    saved = LabelCache(cache_path(paths.cache, SITE)).load()
    assert saved.ordered_by == sort_name((Column.NAME, False))
    assert [label.key for label in saved.labels] == shown

    # Started again (the service is slow to answer): the saved order is used as it is.
    sorted_here = []
    original = saved_copy_module.prepare_batch
    monkeypatch.setattr(saved_copy_module, "prepare_batch", lambda *a, **k: sorted_here.append(1) or original(*a, **k))
    with Emulator(site_store, api_key=KEY, site_id=SITE, latency_ms=2000, rate_limit=None) as emulator:
        window = app(emulator.base_url)
        qtbot.waitUntil(lambda: window.model.rowCount() == 10_000, timeout=10_000)
        assert window.session.rows_from_cache and sorted_here == []
        assert [window.model.label_at(row).key for row in range(window.model.rowCount())] == shown
        window.search.setText("label-00004")
        assert window.model.rowCount() == 10


def test_a_snapshot_saved_in_another_order_is_sorted_again(app, paths, site_store, qtbot):
    labels = cached_labels(50)
    cache = LabelCache(cache_path(paths.cache, SITE))
    by_key_descending = sorted((label.key for label in labels), reverse=True)
    cache.replace_labels(labels, datetime.now(UTC), order=by_key_descending, ordered_by="KEY:desc")
    cache.close()
    with Emulator(site_store, api_key=KEY, site_id=SITE, latency_ms=2000, rate_limit=None) as emulator:
        window = app(emulator.base_url)
        qtbot.waitUntil(lambda: window.model.rowCount() == 50, timeout=10_000)
        names = [window.model.label_at(row).display_name for row in range(50)]
        assert names == sorted(names)  # the window's own order (by name), not the saved one


def test_a_snapshot_saved_in_the_old_case_only_name_order_is_sorted_again(app, paths, site_store, qtbot):
    """Names were once ordered by case alone ('Zoë' before 'émile'); a start-up snapshot saved so says
    'NAME:asc' without the sort's version, and is sorted again rather than shown in that order."""
    labels = [Label(f"custom.n{i}", name, LabelType.USER_DEFINED) for i, name in enumerate(["Eve", "Zoë", "émile"])]
    cache = LabelCache(cache_path(paths.cache, SITE))
    cache.replace_labels(labels, datetime.now(UTC), order=[label.key for label in labels], ordered_by="NAME:asc")
    cache.close()
    with Emulator(site_store, api_key=KEY, site_id=SITE, latency_ms=2000, rate_limit=None) as emulator:
        window = app(emulator.base_url)
        qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10_000)
        assert [window.model.label_at(row).display_name for row in range(3)] == ["émile", "Eve", "Zoë"]


def test_the_key_is_looked_up_only_once_the_saved_rows_are_painted(paths, site_store, site_window, qtbot):
    save_cache(paths, cached_labels(2000), datetime.now(UTC))
    painted = []
    asked_when_painted = []

    class WatchingKeyring(MemoryKeyring):
        def get_password(self, service, username):
            asked_when_painted.append(bool(painted))  # on a worker: was the table painted yet?
            return super().get_password(service, username)

    backend = WatchingKeyring()
    backend.set_password(SERVICE, SITE, KEY)
    with Emulator(site_store, api_key=KEY, site_id=SITE, rate_limit=None) as emulator:
        SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Offline Café"))
        window, manager = site_window(backend, cache=True, wix=emulator.base_url)
        window.table.first_rows_painted.connect(lambda: painted.append(1))
        manager.start()

        def served() -> bool:  # the service's labels replaced the saved ones
            label = window.model.label("custom.label-000001")
            return label is not None and not label.display_name.startswith("Cached")

        qtbot.waitUntil(served, timeout=15_000)
    assert painted and asked_when_painted[:1] == [True]


def test_switching_sites_while_a_key_lookup_waits_opens_the_new_site(paths, site_window, qtbot):
    """A's saved copy is on screen and its key is being looked up (slowly); the person picks B then.
    A's key arrives after B is open: it must not take the window back to A."""
    import threading

    site_a, site_b = "0ff11e00-0000-4000-8000-00000000000a", "0ff11e00-0000-4000-8000-00000000000b"
    for site in (site_a, site_b):
        cache = LabelCache(cache_path(paths.cache, site))
        cache.replace_labels(cached_labels(500, prefix=site[-1]), datetime.now(UTC))
        cache.close()
    store = LabelStore()
    seed_many(store, 50)
    slow_a, asked = threading.Event(), []

    class SlowForA(MemoryKeyring):
        def get_password(self, service, username):
            asked.append(username)
            if username == site_a:
                slow_a.wait(10)
            return super().get_password(service, username)

    backend = SlowForA()
    backend.set_password(SERVICE, site_a, "key-a")
    backend.set_password(SERVICE, site_b, "key-b")
    with Emulator(store, rate_limit=None) as emulator:
        directory = SiteDirectory(paths.config / "sites.json")
        directory.remember(Site(site_b, "Site B"))
        directory.remember(Site(site_a, "Site A"))
        window, manager = site_window(backend, cache=True, wix=emulator.base_url)
        manager.start()
        qtbot.waitUntil(lambda: site_a in asked, timeout=10_000)  # A's lookup is under way
        opened = []
        manager.site_opened.connect(lambda result: opened.append(result.site.site_id))
        with qtbot.waitSignal(manager.site_opening, timeout=5000):
            window.session.switch_to(Site(site_b, "Site B"))
        slow_a.set()  # now A's key arrives, after B was asked for (B's lookup waits behind it)
        qtbot.waitUntil(
            lambda: window.session.site.site_id == site_b and window.controller.client is not None, timeout=10_000
        )
        qtbot.waitUntil(lambda: not manager.runner.busy, timeout=10_000)
        assert opened == [site_b]  # A's late answer was dropped, not opened on the way
        assert window.controller.client.site_id == site_b


def test_saved_rows_without_a_key_say_signing_in_is_what_checks_wix(paths, site_window, qtbot):
    save_cache(paths, cached_labels(30), datetime.now(UTC))
    SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Offline Café", "https://www.wixapis.com"))
    window, manager = site_window(MemoryKeyring(), cache=True)  # no key saved for the site
    manager.start()
    qtbot.waitUntil(lambda: getattr(window, "sign_in_dialog", None) is not None, timeout=10_000)
    assert window.model.rowCount() == 30
    assert window.status.text.text().endswith("sign in to check Wix for changes.")


def test_copy_key_never_puts_a_line_break_on_the_clipboard(app, paths, site_store, qtbot):
    """A copy saved by an older LabelDesk holds a key with a line break: the label is left out as the
    copy is read (as Wix's are as they come), so it is never shown, and Ctrl+A, Ctrl+C copies one key
    a line."""
    when = datetime(2026, 11, 1, tzinfo=UTC)
    two_lines = Label("custom.vip\nrm -rf ~", "Two Lines", LabelType.USER_DEFINED, "custom", "Labels")
    vip = Label("custom.vip", "VIP", LabelType.USER_DEFINED, "custom", "Labels", when, when)
    save_cache(paths, [vip, two_lines], when)
    with Emulator(site_store, api_key=KEY, site_id=SITE, latency_ms=2000, rate_limit=None) as emulator:
        window = app(emulator.base_url)
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
        assert [label.key for label in window.model.labels] == ["custom.vip"]
        window.table.selectAll()
        window.copy_action.trigger()
        assert QGuiApplication.clipboard().text() == "custom.vip"  # one key, one line
        assert window.status.text.text() == "Copied the key custom.vip."
