"""Signing in, several sites, signing out, a revoked key: the window with a real SiteManager."""

from __future__ import annotations

import json

import keyring.backends.null
import pytest

from labeldesk.credentials import SERVICE
from labeldesk.emulator import Emulator, LabelStore, seed_demo, seed_empty
from labeldesk.sites import Site, SiteDirectory
from labeldesk.ui import dialogs
from tests.keyrings import LockedKeyring, MemoryKeyring

SITE_A = "aaaaaaaa-0000-4000-8000-000000000001"
SITE_B = "bbbbbbbb-0000-4000-8000-000000000002"


@pytest.fixture
def emulators():
    """Two sites, each behind its own emulator with its own key."""
    running = {}
    for site_id, key, seed in ((SITE_A, "key-for-a", seed_demo), (SITE_B, "key-for-b", seed_empty)):
        store = LabelStore()
        seed(store)
        running[site_id] = Emulator(store, api_key=key, site_id=site_id, rate_limit=None).start()
    yield running
    for emulator in running.values():
        emulator.stop()


@pytest.fixture
def backend():
    return MemoryKeyring()


@pytest.fixture
def make_app(qtbot, site_window, backend):
    def maker(keyring_backend=None, api_base="https://www.wixapis.com"):
        window, manager = site_window(keyring_backend or backend, api_base=api_base)
        manager.check_keyring()
        qtbot.waitUntil(lambda: manager.keyring_description is not None)
        return window, manager

    return maker


def start_and_get_dialog(qtbot, window, manager):
    manager.start()
    qtbot.waitUntil(lambda: getattr(window, "sign_in_dialog", None) is not None and window.sign_in_dialog.isVisible())
    return window.sign_in_dialog


def fill(dialog, key, site_id, name=""):
    dialog.key_edit.setText(key)
    if not dialog.site_edit.isReadOnly():
        dialog.site_edit.setText(site_id)
    dialog.name_edit.setText(name)


def sign_in(dialog, key, emulator, name="", button=None):
    fill(dialog, key, emulator.site_id, name)
    (button or dialog.sign_in_button).click()


def test_first_run_asks_to_sign_in_and_says_where_the_key_goes(qtbot, make_app):
    window, manager = make_app()
    dialog = start_and_get_dialog(qtbot, window, manager)
    assert "Your API key will be kept in" in dialog.where.text()
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.where)))
    assert "Manage Contact Labels" in texts and "/dashboard/" in texts
    assert dialog.demo_button.isVisible()
    assert not dialog.sign_in_button.isEnabled()


def test_sign_in_checks_the_key_then_saves_it_only_in_the_keyring(qtbot, make_app, emulators, backend, labeldesk_home):
    window, manager = make_app(api_base=emulators[SITE_A].base_url)
    emulator = emulators[SITE_A]
    dialog = start_and_get_dialog(qtbot, window, manager)
    emulator.clear_requests()
    sign_in(dialog, "key-for-a", emulator, name="Harbour")
    qtbot.waitUntil(lambda: window.loaded_once and window.model.rowCount() == 45, timeout=10_000)
    assert backend.items == {(SERVICE, SITE_A): "key-for-a"}
    saved = json.loads((labeldesk_home / "config" / "sites.json").read_text())
    assert saved["last_used"] == SITE_A and saved["sites"][0]["name"] == "Harbour"
    assert window.windowTitle() == "Harbour — LabelDesk"
    assert window.site_button.text() == "Harbour"
    first = emulator.requests[0]
    assert first.path == "/contacts/v4/labels" and "paging.limit=1" in first.query  # one cheap check first


def test_a_wrong_key_points_at_the_key_field(qtbot, make_app, emulators, backend):
    window, manager = make_app(api_base=emulators[SITE_A].base_url)
    dialog = start_and_get_dialog(qtbot, window, manager)
    sign_in(dialog, "not-the-key", emulators[SITE_A])
    qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
    assert "didn't accept this API key" in dialog.message.text()
    assert "c62828" in dialog.key_edit.styleSheet() and dialog.site_edit.styleSheet() == ""
    assert backend.items == {}
    assert dialog.isVisible() and dialog.sign_in_button.isEnabled()


def test_a_wrong_site_id_points_at_the_site_field(qtbot, make_app, emulators):
    window, manager = make_app(api_base=emulators[SITE_A].base_url)
    dialog = start_and_get_dialog(qtbot, window, manager)
    dialog.key_edit.setText("key-for-a")
    dialog.site_edit.setText("https://manage.wix.com/dashboard/cccccccc-0000-4000-8000-000000000003/home")
    dialog.sign_in_button.click()
    assert dialog.site_edit.text() == "cccccccc-0000-4000-8000-000000000003"  # the ID, taken out of the address
    qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
    assert "doesn't know this site ID" in dialog.message.text()
    assert "c62828" in dialog.site_edit.styleSheet()


def test_without_a_keyring_the_key_can_be_used_for_this_session_only(qtbot, make_app, emulators, labeldesk_home):
    window, manager = make_app(keyring.backends.null.Keyring(), api_base=emulators[SITE_A].base_url)
    dialog = start_and_get_dialog(qtbot, window, manager)
    assert "no keyring" in dialog.where.text()
    assert dialog.session_button.isVisible() and not dialog.sign_in_button.isVisible()
    sign_in(dialog, "key-for-a", emulators[SITE_A], button=dialog.session_button)
    qtbot.waitUntil(lambda: window.model.rowCount() == 45, timeout=10_000)
    assert window.session_banner.isVisible()
    for path in labeldesk_home.rglob("*"):
        if path.is_file():
            assert b"key-for-a" not in path.read_bytes(), path


def test_a_locked_keyring_says_so_and_offers_session_only(qtbot, make_app, emulators):
    window, manager = make_app(LockedKeyring(), api_base=emulators[SITE_A].base_url)
    dialog = start_and_get_dialog(qtbot, window, manager)
    sign_in(dialog, "key-for-a", emulators[SITE_A])
    qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
    assert "locked" in dialog.message.text()
    assert dialog.session_button.isVisible()
    dialog.session_button.click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 45, timeout=10_000)


def open_saved_site_a(qtbot, make_app, emulators, backend, labeldesk_home):
    """Site A saved with its key in the keyring, opened the way a normal start opens the last site."""
    emulator = emulators[SITE_A]
    backend.set_password(SERVICE, SITE_A, "key-for-a")
    SiteDirectory(labeldesk_home / "config" / "sites.json").remember(Site(SITE_A, "Harbour", emulator.base_url))
    window, manager = make_app()
    manager.start()
    qtbot.waitUntil(lambda: window.model.rowCount() == 45, timeout=10_000)
    return window, emulator


def test_the_last_site_opens_with_its_key_from_the_keyring(qtbot, make_app, emulators, backend, labeldesk_home):
    window, _ = open_saved_site_a(qtbot, make_app, emulators, backend, labeldesk_home)
    assert getattr(window, "sign_in_dialog", None) is None


def test_switching_sites_reloads_and_sign_out_removes_the_key(
    qtbot, make_app, emulators, backend, labeldesk_home, monkeypatch
):
    for site_id, emulator in emulators.items():
        backend.set_password(SERVICE, site_id, emulator.api_key)
    directory = SiteDirectory(labeldesk_home / "config" / "sites.json")
    directory.remember(Site(SITE_B, "Bookshop", emulators[SITE_B].base_url))
    directory.remember(Site(SITE_A, "Harbour", emulators[SITE_A].base_url))
    window, manager = make_app()
    manager.start()
    qtbot.waitUntil(lambda: window.model.rowCount() == 45, timeout=10_000)
    titles = [action.text() for action in window.site_menu.actions() if action.isCheckable()]
    assert titles[:2] == ["Bookshop", "Harbour"]
    bookshop = next(a for a in window.site_menu.actions() if a.text() == "Bookshop")
    bookshop.trigger()
    qtbot.waitUntil(
        lambda: window.site is not None and window.site.site_id == SITE_B and window.loaded_once, timeout=10_000
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)  # only the system labels on the bookshop site
    assert window.windowTitle() == "Bookshop — LabelDesk"

    monkeypatch.setattr(dialogs, "confirm_sign_out", lambda *args: True)
    window.sign_out()
    qtbot.waitUntil(lambda: (SERVICE, SITE_B) not in backend.items, timeout=10_000)
    qtbot.waitUntil(lambda: window.site is not None and window.site.site_id == SITE_A, timeout=10_000)
    assert SiteDirectory(labeldesk_home / "config" / "sites.json").get(SITE_B) is None
    assert (SERVICE, SITE_A) in backend.items
    assert next(a.text() for a in window.site_menu.actions() if a.isCheckable()) == "Harbour"


def test_a_key_revoked_during_use_pauses_and_asks_for_a_new_one_in_place(
    qtbot, make_app, emulators, backend, labeldesk_home
):
    window, emulator = open_saved_site_a(qtbot, make_app, emulators, backend, labeldesk_home)
    emulator.api_key = "rotated-key"  # the owner revoked the key in Wix
    window.refresh_action.trigger()
    qtbot.waitUntil(lambda: window.paused, timeout=10_000)
    dialog = window.sign_in_dialog
    assert dialog.isVisible() and dialog.site_edit.isReadOnly() and not dialog.demo_button.isVisible()
    assert window.model.rowCount() == 45  # the table stays
    assert not window.new_action.isEnabled() and "new API key" in window.new_action.toolTip()
    dialog.key_edit.setText("rotated-key")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.paused and window.new_action.isEnabled(), timeout=10_000)
    assert backend.items[(SERVICE, SITE_A)] == "rotated-key"
    assert window.model.rowCount() == 45


def test_try_the_demo_instead(qtbot, make_app):
    window, manager = make_app()
    opened = []
    window.demo_requested.connect(lambda: opened.append(True))
    dialog = start_and_get_dialog(qtbot, window, manager)
    dialog.demo_button.click()
    assert opened == [True] and not dialog.isVisible()
