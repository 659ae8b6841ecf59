"""The composition root, in-process: the command line opens the right site without a dialog."""

from __future__ import annotations

import json

import keyring
import pytest

from labeldesk.app import run
from labeldesk.credentials import SERVICE, key_account
from labeldesk.emulator import Emulator, LabelStore, seed_demo
from tests.conftest import wix_client_factory
from tests.keyrings import MemoryKeyring

SITE = "deadbeef-0000-4000-8000-0000000000aa"


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def site_emulator():
    store = LabelStore()
    seed_demo(store)
    with Emulator(store, api_key="key-for-the-cafe", site_id=SITE) as emulator:
        yield emulator


@pytest.fixture
def wix_is(monkeypatch):
    """Serve Wix's own address from a local server for the app's clients (see wix_client_factory)."""
    from labeldesk.ui import site_manager

    def use(target: str, **kwargs) -> None:
        monkeypatch.setattr(site_manager, "default_client_factory", wix_client_factory(target, **kwargs))

    return use


def test_site_id_opens_an_unsaved_site_from_the_keyring_and_saves_it(
    qapp, memory_keyring, site_emulator, capsys, labeldesk_home, wix_is
):
    wix_is(site_emulator.base_url)
    memory_keyring.set_password(SERVICE, SITE, "key-for-the-cafe")
    code = run(["--site-id", SITE, "--selftest"])
    assert (code, capsys.readouterr().out) == (0, "selftest: 45 labels shown (source: service)\n")
    saved = json.loads((labeldesk_home / "config" / "sites.json").read_text())
    assert saved["last_used"] == SITE
    assert saved["sites"][0]["api_base"] == "https://www.wixapis.com"
    # Next time, no arguments: the last site opens again.
    assert run(["--selftest"]) == 0
    assert capsys.readouterr().out == "selftest: 45 labels shown (source: service)\n"


def test_site_id_at_a_test_server_uses_that_address_own_key_and_is_not_remembered(
    qapp, memory_keyring, site_emulator, capsys, labeldesk_home
):
    memory_keyring.set_password(SERVICE, SITE, "the-real-wix-key")
    memory_keyring.set_password(SERVICE, key_account(SITE, site_emulator.base_url), "key-for-the-cafe")
    code = run(["--site-id", SITE, "--api-base", site_emulator.base_url, "--selftest"])
    assert (code, capsys.readouterr().out) == (0, "selftest: 45 labels shown (source: service)\n")
    sites = labeldesk_home / "config" / "sites.json"
    assert not sites.exists() or json.loads(sites.read_text())["sites"] == []


def test_site_id_without_a_saved_key_fails_the_selftest_plainly(qapp, memory_keyring, site_emulator, capsys):
    memory_keyring.set_password(SERVICE, SITE, "the-real-wix-key")  # for Wix: never for a test server
    code = run(["--site-id", SITE, "--api-base", site_emulator.base_url, "--selftest"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("selftest: failed: LabelDesk has no API key saved for")
    assert f"at the test server {site_emulator.base_url}" in out
    assert site_emulator.requests == []


def test_demo_selftest_in_process(qapp, capsys):
    assert run(["--demo", "--selftest", "--demo-latency-ms", "0"]) == 0
    assert capsys.readouterr().out == "selftest: 45 labels shown (source: service)\n"


def test_an_unsafe_api_base_is_refused_before_anything_starts(capsys):
    with pytest.raises(SystemExit) as caught:
        run(["--site-id", SITE, "--api-base", "http://192.168.1.10"])
    assert caught.value.code == 2
    assert "only sends your API key over https" in capsys.readouterr().err


def test_offline_selftest_reports_the_cached_rows_without_waiting_out_the_retries(
    qapp, memory_keyring, capsys, labeldesk_home, monkeypatch
):
    from datetime import UTC, datetime

    from labeldesk.api import RetryPolicy
    from labeldesk.cache import LabelCache, cache_path
    from labeldesk.domain import Label, LabelType
    from labeldesk.paths import AppPaths
    from labeldesk.sites import Site, SiteDirectory
    from labeldesk.ui import site_manager

    # Retries that would take minutes: the selftest (30 s at most) only passes if it doesn't wait for them.
    slow = RetryPolicy(max_attempts=5, max_total_seconds=600, base_delay=60, max_delay=60)
    # Wix can't be reached: nothing listens where its requests go.
    monkeypatch.setattr(site_manager, "default_client_factory", wix_client_factory("http://127.0.0.1:9", retry=slow))
    paths = AppPaths.from_environment().ensure()
    synced = datetime(2026, 11, 24, 10, 42, tzinfo=UTC)
    cache = LabelCache(cache_path(paths.cache, SITE))
    cache.replace_labels([Label(f"custom.l{n}", f"L{n}", LabelType.USER_DEFINED) for n in range(37)], synced)
    cache.close()
    SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Café"))
    memory_keyring.set_password(SERVICE, SITE, "key-for-the-cafe")
    code = run(["--site-id", SITE, "--selftest"])
    assert (code, capsys.readouterr().out) == (
        0,
        f"selftest: 37 labels shown (source: cache, synced {synced.isoformat()})\n",
    )


def test_the_saved_copy_is_read_once_on_its_own_thread_before_the_window_exists(
    qapp, memory_keyring, site_emulator, capsys, monkeypatch, wix_is
):
    import threading

    from labeldesk.cache import LabelCache

    wix_is(site_emulator.base_url)
    memory_keyring.set_password(SERVICE, SITE, "key-for-the-cafe")
    assert run(["--site-id", SITE, "--selftest"]) == 0  # saves a copy
    capsys.readouterr()
    readers = []
    original = LabelCache._read_snapshot

    def spy(self):
        readers.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(LabelCache, "_read_snapshot", spy)
    from labeldesk.ui.main_window import MainWindow

    windows, preloads = [], []
    real_init, real_preload = MainWindow.__init__, LabelCache.preload
    monkeypatch.setattr(MainWindow, "__init__", lambda self, *a, **k: windows.append(1) or real_init(self, *a, **k))
    monkeypatch.setattr(LabelCache, "preload", lambda self: preloads.append(len(windows)) or real_preload(self))
    assert run(["--selftest"]) == 0  # the last site again, with its saved copy
    assert preloads == [0]  # started before any window was built
    assert readers == ["labeldesk-cache-preload"]  # read once, ahead, and that read was used


#: A start that shows a saved copy, as people start it (a process of its own): which of these it has
#: loaded when that copy's first rows are painted.
LOADED_AT_FIRST_PAINT = """
import os, sys
import labeldesk.app

def report(window):
    names = ("multiprocessing", "labeldesk.engine.entry", "PySide6.QtNetwork")
    # What this start needn't pay for before it: the rotating log handler (sockets, pickle), the
    # Contacts panel (closed), importlib.resources, OpenSSL, and PySide making every widget class (it
    # does when Python is first handed a viewport: QCalendarWidget is one that nothing here uses).
    names += ("logging.handlers", "labeldesk.ui.contacts", "importlib.resources", "hashlib")
    loaded = [name for name in names if name in sys.modules]
    if "QCalendarWidget" in vars(sys.modules["PySide6.QtWidgets"]):
        loaded.append("every widget class")
    print(sorted(loaded), flush=True)
    os._exit(0)

labeldesk.app._report_first_paint = report
from labeldesk.__main__ import main
main(["--report-first-paint"])
"""


def test_a_saved_copy_is_painted_before_anything_it_needn_t_wait_for_is_loaded(tmp_path):
    """The engine process, the single-instance socket, the log file's handler and the rest (see
    LOADED_AT_FIRST_PAINT): none helps show the saved copy, and each costs the first paint its import."""
    out = _start_with_a_saved_copy(tmp_path, LOADED_AT_FIRST_PAINT)
    assert out.stdout == "[]\n", out.stderr[-2000:]


#: Like LOADED_AT_FIRST_PAINT: what the log file holds a moment after the first rows are painted.
LOGGED_AFTER_FIRST_PAINT = """
import os
import labeldesk.app
from PySide6.QtCore import QTimer

def report(window):
    log = os.path.join(os.environ["LABELDESK_HOME"], "logs", "labeldesk.log")
    def look():
        if os.path.exists(log) and "starting" in open(log, encoding="utf-8").read():
            print("written", flush=True)
            os._exit(0)
        QTimer.singleShot(20, window, look)
    look()
    QTimer.singleShot(5000, window, lambda: (print("not written", flush=True), os._exit(0)))

labeldesk.app._report_first_paint = report
from labeldesk.__main__ import main
main(["--report-first-paint"])
"""


def test_the_log_file_is_opened_once_the_first_rows_are_painted_with_what_was_held(tmp_path):
    out = _start_with_a_saved_copy(tmp_path, LOGGED_AFTER_FIRST_PAINT)
    assert out.stdout == "written\n", out.stderr[-2000:]


def _start_with_a_saved_copy(tmp_path, script: str):
    """Run ``script`` (one of the above) in a process of its own, with a saved copy of SITE to show."""
    import os
    import subprocess
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from labeldesk.cache import LabelCache, cache_path
    from labeldesk.domain import Label, LabelType
    from labeldesk.paths import AppPaths
    from labeldesk.sites import Site, SiteDirectory

    paths = AppPaths.from_environment({"LABELDESK_HOME": str(tmp_path)}).ensure()
    cache = LabelCache(cache_path(paths.cache, SITE))
    labels = [Label(f"custom.l{n}", f"L{n}", LabelType.USER_DEFINED) for n in range(37)]
    cache.replace_labels(labels, datetime(2026, 11, 24, 10, 42, tzinfo=UTC))
    cache.close()
    SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Café"))
    env = {**os.environ, "LABELDESK_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # (never the real one)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
