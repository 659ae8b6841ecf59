"""A folder or file LabelDesk may not write to: the window opens, says so once, and works from Wix."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest

from labeldesk.cache import LabelCache, cache_path
from labeldesk.credentials import SERVICE
from labeldesk.domain import Label, LabelType
from labeldesk.emulator import Emulator, LabelStore, seed_demo
from labeldesk.paths import AppPaths
from labeldesk.sites import Site, SiteDirectory
from tests.keyrings import MemoryKeyring
from tests.test_cache import hold_exclusive_lock

SITE = "cafecafe-0000-4000-8000-0000000000cc"


@pytest.fixture
def cafe():
    store = LabelStore()
    seed_demo(store)
    with Emulator(store, api_key="key-for-the-cafe", site_id=SITE, rate_limit=None) as emulator:
        yield emulator


@pytest.fixture
def saved_cafe(cafe):
    """The café saved as the last site, its key in the keyring, its offline copy on disk (3 old labels)."""
    paths = AppPaths.from_environment().ensure()
    SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Café"))
    cache = LabelCache(cache_path(paths.cache, SITE))
    old = [Label(f"custom.old{n}", f"Old {n}", LabelType.USER_DEFINED) for n in range(3)]
    cache.replace_labels(old, datetime(2026, 11, 24, tzinfo=UTC))
    cache.close()
    backend = MemoryKeyring()
    backend.set_password(SERVICE, SITE, "key-for-the-cafe")
    return backend, cache.path


def test_a_locked_cache_is_said_once_and_the_labels_come_from_wix(qtbot, site_window, saved_cafe, cafe):
    backend, path = saved_cafe
    holder = hold_exclusive_lock(path)
    try:
        window, manager = site_window(backend, cache=True, wix=cafe.base_url)  # the café stands in for Wix
        manager.start()
        refused = []
        window.controller.cache_unavailable.connect(refused.append)
        qtbot.waitUntil(lambda: window.model.rowCount() == 45, timeout=10_000)
        qtbot.waitUntil(window.storage_banner.isVisible, timeout=5_000)
        assert "can't save labels on this computer" in window.storage_banner.text()
        assert str(path.parent) in window.storage_banner.text()
        window.refresh_action.trigger()  # another save, refused again: said no more
        qtbot.waitUntil(lambda: not window.controller.busy, timeout=10_000)
        assert len(refused) == 1
        started = time.monotonic()
        window.controller.shutdown()
        manager.shutdown()
        assert time.monotonic() - started < 2.5  # quitting doesn't wait out a locked file
    finally:
        holder.close()


def test_a_cache_that_is_taken_after_it_was_read_is_said_by_the_window(qtbot, site_window, saved_cafe, cafe):
    """The engine's save fails with a KnownError that is no WixError (CacheUnavailableError): it reaches
    the window as itself, and is said. (It used to come wrapped as a WixError, and nothing was said.)"""
    backend, path = saved_cafe
    window, manager = site_window(backend, cache=True, wix=cafe.base_url)  # the café stands in for Wix
    manager.start()
    qtbot.waitUntil(lambda: window.model.rowCount() == 45 and not window.controller.busy, timeout=10_000)
    assert not window.storage_banner.isVisible()
    holder = hold_exclusive_lock(path)  # another program takes the file while LabelDesk runs
    try:
        window.refresh_action.trigger()  # its save is refused
        qtbot.waitUntil(window.storage_banner.isVisible, timeout=10_000)
        assert "can't save labels on this computer" in window.storage_banner.text()
        assert window.model.rowCount() == 45  # the labels still came from Wix
        window.controller.shutdown()
        manager.shutdown()
    finally:
        holder.close()


def test_the_key_lookup_does_not_wait_for_a_slow_saved_copy(qtbot, site_window, saved_cafe, cafe, monkeypatch):
    backend, _ = saved_cafe
    release = threading.Event()
    real_load = LabelCache.load
    monkeypatch.setattr(LabelCache, "load", lambda self: release.wait(30) and real_load(self))
    try:
        window, manager = site_window(backend, cache=True, wix=cafe.base_url)  # the café stands in for Wix
        manager.start()
        qtbot.waitUntil(lambda: window.model.rowCount() == 45, timeout=5_000)  # the saved copy is still being read
        assert not release.is_set()
    finally:
        release.set()


def test_a_home_that_cannot_be_written_opens_the_window_and_says_where(qapp, monkeypatch, tmp_path, capsys):
    from labeldesk.app import run
    from labeldesk.ui.main_window import MainWindow

    (tmp_path / "file").write_text("")
    home = tmp_path / "file" / "home"  # no folder can be made here, even by root
    monkeypatch.setenv("LABELDESK_HOME", str(home))
    said = []
    real = MainWindow.show_storage_problem
    monkeypatch.setattr(MainWindow, "show_storage_problem", lambda self, text: said.append(text) or real(self, text))
    assert run(["--demo", "--selftest", "--demo-latency-ms", "0"]) == 0
    assert capsys.readouterr().out == "selftest: 45 labels shown (source: service)\n"
    assert len(said) == 1 and "can't save anything on this computer" in said[0] and f"write to {home}." in said[0]


def test_a_home_that_cannot_be_written_starts_without_a_traceback(tmp_path):
    (tmp_path / "file").write_text("")
    env = {**os.environ, "LABELDESK_HOME": str(tmp_path / "file" / "home"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "labeldesk", "--demo", "--selftest", "--demo-latency-ms", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stderr
    assert (done.returncode, done.stdout) == (0, "selftest: 45 labels shown (source: service)\n")


def test_planted_links_are_refused_and_the_window_says_so(qapp, monkeypatch, labeldesk_home, tmp_path, capsys):
    from labeldesk.app import run
    from labeldesk.ui.main_window import MainWindow

    theirs = tmp_path / "theirs"
    theirs.mkdir()
    victim = theirs / "notes.txt"
    victim.write_text("theirs\n")
    (labeldesk_home / "logs").mkdir(parents=True)
    (labeldesk_home / "cache").symlink_to(theirs)
    (labeldesk_home / "logs" / "labeldesk.log").symlink_to(victim)
    said = []
    real = MainWindow.show_storage_problem
    monkeypatch.setattr(MainWindow, "show_storage_problem", lambda self, text: said.append(text) or real(self, text))
    assert run(["--demo", "--selftest", "--demo-latency-ms", "0"]) == 0
    assert capsys.readouterr().out == "selftest: 45 labels shown (source: service)\n"
    assert len(said) == 1 and "it is a link to another place" in said[0]
    assert str(labeldesk_home / "cache") in said[0] or str(labeldesk_home / "logs") in said[0]
    assert victim.read_text() == "theirs\n" and sorted(p.name for p in theirs.iterdir()) == ["notes.txt"]


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX modes")
def test_the_crash_marker_is_made_private(qtbot, site_window, saved_cafe, monkeypatch):
    from labeldesk.ui import controller

    kept = []
    monkeypatch.setattr(controller, "remove_marker", kept.append)  # keep the marker, to look at it
    old = os.umask(0o022)
    try:
        backend, path = saved_cafe
        _window, manager = site_window(backend, cache=True)
        manager.start()
        qtbot.waitUntil(lambda: bool(kept), timeout=10_000)
    finally:
        os.umask(old)
    marker = path.with_name(path.name + ".showing")
    assert marker in kept and oct(os.stat(marker).st_mode & 0o777) == "0o600"
