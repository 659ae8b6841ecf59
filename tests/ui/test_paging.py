"""The window over services that page badly: a change never waits behind a refresh, and a refresh that
got only part of the labels keeps the table and the saved copy as they were."""

from __future__ import annotations

import pytest

from labeldesk.api import RateBudget
from labeldesk.api.client import FACETS_PATH
from labeldesk.api.errors import IncompleteReadError, OversizedResponseError
from labeldesk.app import open_window
from labeldesk.cache import LabelCache, cache_path
from labeldesk.credentials import SERVICE
from labeldesk.emulator import Emulator, LabelStore, seed_demo, seed_many
from labeldesk.paths import AppPaths
from labeldesk.sites import Site, SiteDirectory
from tests.conftest import make_client
from tests.keyrings import MemoryKeyring
from tests.ui.conftest import names_in_view

SITE = "9a61e000-0000-4000-8000-000000000012"
KEY = "paging-test-key"


def facet_requests(emulator) -> int:
    return sum(1 for r in emulator.requests if r.path == FACETS_PATH)


def test_a_rename_during_a_refresh_over_facets_that_ignore_offsets_reaches_wix_within_a_second(qtbot, settings):
    """Issue 12's case: facets that ignore ``paging.offset`` and carry no paging metadata once made the
    counts ask forever, filled the rate budget, and left a rename at "Saving…". A budget of 12 a minute
    stands in for Wix's 200 so that an endless counts loop fills it in a moment."""
    store = LabelStore()
    seed_demo(store)
    emulator = Emulator(store, latency_ms=50, rate_limit=None).start()
    emulator.faults.paging.facets_ignore_offset = True
    client = make_client(emulator, rate_budget=RateBudget(12, 60))
    window, controller = open_window(client, settings, site_name="Test site")
    qtbot.addWidget(window)
    try:
        # Counts come (an endless loop would instead stop only once it had used up the budget).
        qtbot.waitUntil(
            lambda: (
                (window.session.loaded_once and window.model.contact_count("custom.vip") is not None)
                or facet_requests(emulator) >= 11
            ),
            timeout=10_000,
        )
        window.refresh_action.trigger()
        assert controller.busy  # the refresh and its counts are on their way
        label = window.model.label("custom.vip")
        controller.rename(label, "Very Important")
        qtbot.waitUntil(lambda: store.get("custom.vip")["label"]["displayName"] == "Very Important", timeout=1000)
        qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
        assert facet_requests(emulator) <= 4  # two reads of the counts, each a short page and its repeat
        assert window.model.label("custom.vip").display_name == "Very Important"
        assert window.model.contact_count("custom.vip")  # and the counts are shown
    finally:
        controller.shutdown()
        emulator.stop()


@pytest.fixture
def paths():
    return AppPaths.from_environment().ensure()


def open_saved_site(site_window, paths, emulator, qtbot):
    """A saved Wix site (the emulator standing in for Wix), opened by a plain start, with its labels
    loaded and saved: the window."""
    backend = MemoryKeyring()
    backend.set_password(SERVICE, SITE, KEY)
    SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Paging Café"))
    window, manager = site_window(backend, cache=True, wix=emulator.base_url)
    manager.start()
    qtbot.waitUntil(
        lambda: window.controller is not None and window.model.rowCount() > 0 and not window.controller.busy,
        timeout=15_000,
    )
    return window


def saved_copy(paths):
    cache = LabelCache(cache_path(paths.cache, SITE))
    try:
        snapshot = cache.load()
    finally:
        cache.close()
    return [label.key for label in snapshot.labels], snapshot.synced_at


def test_a_refresh_that_gets_only_part_of_the_labels_keeps_the_table_and_the_saved_copy(site_window, paths, qtbot):
    store = LabelStore()
    seed_many(store, 4998)  # 5,000 with the system labels
    with Emulator(store, api_key=KEY, site_id=SITE, rate_limit=None) as emulator:
        window = open_saved_site(site_window, paths, emulator, qtbot)
        assert window.model.rowCount() == 5000
        shown, before = names_in_view(window), saved_copy(paths)
        assert len(before[0]) == 5000

        emulator.faults.paging.list_empty_from = 2000  # pages past the first come back empty
        store.add_label("Only On Wix")
        with qtbot.waitSignal(window.controller.refresh_failed, timeout=15_000) as failed:
            window.refresh_action.trigger()
        qtbot.waitUntil(lambda: not window.controller.busy, timeout=15_000)

        assert isinstance(failed.args[0], IncompleteReadError)
        assert names_in_view(window) == shown  # not the 2,000 that came
        assert saved_copy(paths) == before
        status = window.status.text.text()
        assert status.startswith("The refresh was incomplete: Wix sent only part of your labels (2,000 of 5,001).")
        assert "LabelDesk kept the labels it already had" in status


def test_the_window_sorts_names_case_blind_whatever_order_the_service_uses(open_app, qtbot):
    store = LabelStore()
    for name in ("abc", "XYZ", "Mango"):
        store.add_label(name)
    window, _emulator = open_app(store)
    mine = [name for name in names_in_view(window) if name in ("abc", "XYZ", "Mango")]
    assert mine == ["abc", "Mango", "XYZ"]  # the service would say "Mango", "XYZ", "abc"


def test_a_refresh_stopped_at_a_cap_keeps_the_table_and_the_saved_copy(site_window, paths, qtbot):
    """Issue 13, item 2: an answer past a cap (here a gzip bomb) stops the refresh with plain words, and
    what the window shows and saved stays as it was."""
    store = LabelStore()
    seed_demo(store)
    with Emulator(store, api_key=KEY, site_id=SITE, rate_limit=None) as emulator:
        window = open_saved_site(site_window, paths, emulator, qtbot)
        qtbot.waitUntil(lambda: saved_copy(paths)[0] != [], timeout=5000)
        shown, before = names_in_view(window), saved_copy(paths)

        emulator.faults.bomb_next(2)  # the labels and the contact counts
        store.add_label("Only On Wix")
        with qtbot.waitSignal(window.controller.refresh_failed, timeout=15_000) as failed:
            window.refresh_action.trigger()
        qtbot.waitUntil(lambda: not window.controller.busy, timeout=15_000)
        emulator.faults.clear()

        assert isinstance(failed.args[0], OversizedResponseError)
        assert names_in_view(window) == shown
        assert saved_copy(paths) == before
        status = window.status.text.text()
        assert "Wix sent an answer LabelDesk can't use" in status and "stopped reading" in status
