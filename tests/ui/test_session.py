"""One site's life in the window (SiteSession), and how it talks to the site manager: down, never back up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from labeldesk.cache import LabelCache
from labeldesk.credentials import CredentialStore
from labeldesk.domain import Label, LabelType
from labeldesk.sites import Site, SiteDirectory
from labeldesk.ui import session as session_module
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.models import LabelTableModel
from labeldesk.ui.session import SiteSession
from labeldesk.ui.site_manager import SiteManager
from tests.keyrings import MemoryKeyring

SITE_A = Site("deadbeef-0000-4000-8000-0000000000aa", "Harbour")
SITE_B = Site("deadbeef-0000-4000-8000-0000000000bb", "Bookshop")
VIP = Label("custom.vip", "VIP", LabelType.USER_DEFINED)
NEWS = Label("custom.news", "News", LabelType.USER_DEFINED)


class View:
    """The table as the session sees it: painted when the test says so."""

    def __init__(self) -> None:
        self.waiting: list[Callable[[], object]] = []

    def after_next_paint(self, callback: Callable[[], object]) -> None:
        self.waiting.append(callback)

    def isVisible(self) -> bool:
        return True

    def paint(self) -> None:
        waiting, self.waiting = self.waiting, []
        for callback in waiting:
            callback()


@pytest.fixture
def manager(tmp_path):
    made = SiteManager(SiteDirectory(tmp_path / "sites.json"), CredentialStore(MemoryKeyring()))
    yield made
    made.shutdown()


@pytest.fixture
def dispose(qtbot):
    """Deletes a session at the end (its pending timers go with it), after shutting its controller down."""
    sessions: list[SiteSession] = []
    yield sessions.append
    for session in sessions:
        session.shutdown()
        with qtbot.waitSignal(session.destroyed):
            session.deleteLater()


def test_a_held_key_lookup_waits_and_a_new_hold_drops_it(qtbot, manager):
    asked_for = []
    manager.sign_in_needed.connect(lambda request: asked_for.append(request.site.site_id))
    manager.hold_key_lookups(True)
    manager.open_site(SITE_A)
    assert not manager.runner.busy and asked_for == []  # not even started
    manager.hold_key_lookups(True)  # another site is being shown: A's lookup no longer applies
    manager.open_site(SITE_B)
    manager.hold_key_lookups(False)
    qtbot.waitUntil(lambda: asked_for == [SITE_B.site_id], timeout=5_000)
    qtbot.waitUntil(lambda: not manager.runner.busy, timeout=5_000)
    assert asked_for == [SITE_B.site_id]  # (no key saved: it asks to sign in)
    manager.open_site(SITE_A)  # released: a lookup now runs at once
    qtbot.waitUntil(lambda: asked_for == [SITE_B.site_id, SITE_A.site_id], timeout=5_000)
    qtbot.waitUntil(lambda: not manager.runner.busy, timeout=5_000)


def attach_with_a_saved_copy(tmp_path, manager, monkeypatch, dispose, *, wait_ms):
    """A session showing SITE_A, whose saved copy holds two labels; key lookups let go after ``wait_ms``
    at the latest. Returns the session, its model and view, and the holds the manager was told."""
    monkeypatch.setattr(session_module, "KEY_LOOKUP_WAIT_MS", wait_ms)
    cache = LabelCache(tmp_path / "site.sqlite3")
    cache.replace_labels([VIP, NEWS], datetime(2026, 11, 24, 10, 42, tzinfo=UTC))
    holds: list[bool] = []
    monkeypatch.setattr(manager, "hold_key_lookups", holds.append)
    model, view = LabelTableModel(), View()
    session = SiteSession(model, view, manager=manager)
    dispose(session)
    session.attach(LabelsController(None, cache), SITE_A)
    return session, model, view, holds


def test_a_site_holds_key_lookups_until_its_saved_copy_is_painted(qtbot, tmp_path, manager, monkeypatch, dispose):
    # (the time limit that releases them anyway is not what this test is about)
    session, model, view, holds = attach_with_a_saved_copy(tmp_path, manager, monkeypatch, dispose, wait_ms=600_000)
    assert holds == [True]
    qtbot.waitUntil(lambda: model.total == 2 and len(view.waiting) == 2, timeout=5_000)  # shown, not painted
    assert holds == [True] and session.rows_from_cache and session.loaded_once
    view.paint()
    assert holds == [True, False]


def test_key_lookups_are_let_go_once_by_the_paint_or_the_time_limit_whichever_comes_first(
    qtbot, tmp_path, manager, monkeypatch, dispose
):
    _session, model, view, holds = attach_with_a_saved_copy(tmp_path, manager, monkeypatch, dispose, wait_ms=1)
    qtbot.waitUntil(lambda: model.total == 2 and len(view.waiting) == 2, timeout=5_000)  # shown, not painted
    qtbot.waitUntil(lambda: holds == [True, False], timeout=5_000)  # the time limit came first
    view.paint()
    assert holds == [True, False]  # the paint has nothing left to let go


def test_the_same_site_keeps_its_rows_and_another_site_starts_afresh(qtbot, dispose):
    model = LabelTableModel()
    session = SiteSession(model, View())
    dispose(session)
    shown = []
    session.site_attached.connect(lambda site, demo, session_only: shown.append((site.title, demo, session_only)))
    session.attach(LabelsController(None), SITE_A)
    model.apply_labels([VIP])
    session.loaded_once = True
    session.attach(LabelsController(None), SITE_A, session_only=True)  # its key, replaced
    assert model.total == 1 and session.loaded_once and session.site == SITE_A
    session.attach(LabelsController(None), SITE_B, demo=True)
    assert model.total == 0 and not session.loaded_once and session.demo
    assert shown == [("Harbour", False, False), ("Harbour", False, True), ("Bookshop", True, False)]


def test_the_window_sets_nothing_on_the_site_manager(qtbot, settings, manager):
    from labeldesk.ui.main_window import MainWindow

    before = {name: id(value) for name, value in vars(manager).items()}
    window = MainWindow(settings, manager=manager)
    qtbot.addWidget(window)
    assert {name: id(value) for name, value in vars(manager).items()} == before
