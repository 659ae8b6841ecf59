"""The engine in its own process, as the app runs it: the window works through it, the key never
shows on the engine's command line or in its environment, and a dead engine is replaced."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from labeldesk.emulator import Emulator, LabelStore, seed_demo
from labeldesk.engine import host
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.engine_link import EngineStoppedError
from tests.conftest import make_client

KEY = "engine-test-key-0f3a9"


@pytest.fixture(autouse=True)
def _engines_in_processes(monkeypatch):
    monkeypatch.setattr(host, "DEFAULT_MODE", "process")


@pytest.fixture
def served(qtbot, tmp_path):
    store = LabelStore()
    seed_demo(store)
    with Emulator(store, rate_limit=None, api_key=KEY) as emulator:
        controller = LabelsController(make_client(emulator, api_key=KEY))
        loaded: list = []
        controller.labels_loaded.connect(loaded.append)
        yield controller, loaded, emulator
        controller.shutdown()


def _process(controller: LabelsController):
    """The engine's process, once started (its host starts it on a thread of its own)."""
    host = controller.engine
    assert host._started.wait(10)
    return host._process


def test_the_labels_come_through_an_engine_in_its_own_process(served, qtbot):
    controller, loaded, emulator = served
    assert controller.engine.mode == "process" and _process(controller).pid != os.getpid()
    controller.refresh()
    qtbot.waitUntil(lambda: bool(loaded) and not controller.busy, timeout=20_000)
    assert {label.key for label in loaded[-1]} == {row["key"] for row in emulator.store.snapshot()}
    renamed = []
    vip = next(label for label in loaded[-1] if label.key == "custom.vip")
    controller.rename(vip, "Very Important", on_success=renamed.append)
    qtbot.waitUntil(lambda: bool(renamed), timeout=10_000)
    assert renamed[0].display_name == "Very Important"


def test_the_key_is_not_on_the_engines_command_line_or_in_its_environment(served, qtbot):
    controller, loaded, _emulator = served
    controller.refresh()
    qtbot.waitUntil(lambda: bool(loaded), timeout=20_000)  # it has the key by now: it used it
    proc = Path(f"/proc/{_process(controller).pid}")
    assert KEY.encode() not in (proc / "cmdline").read_bytes()
    assert KEY.encode() not in (proc / "environ").read_bytes()


def test_the_engine_process_ends_with_the_window(served, qtbot):
    controller, _loaded, _emulator = served
    process = _process(controller)
    controller.shutdown()
    process.join(5)
    assert not process.is_alive() and process.exitcode == 0


def test_a_dead_engine_is_replaced_and_a_change_it_had_is_reported_as_unknown(served, qtbot):
    controller, loaded, emulator = served
    controller.refresh()
    qtbot.waitUntil(lambda: bool(loaded) and not controller.busy, timeout=20_000)
    first = _process(controller)
    emulator.faults.latency_ms = 2_000  # the delete is still on its way when the engine dies
    failures: list = []
    vip = next(label for label in loaded[-1] if label.key == "custom.vip")
    controller.delete(vip, on_failure=failures.append)
    os.kill(first.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    assert isinstance(failures[0], EngineStoppedError) and "refresh" in str(failures[0]).lower()
    assert _process(controller) is not first and _process(controller).is_alive()
    emulator.faults.latency_ms = 0
    loaded.clear()
    controller.refresh()
    qtbot.waitUntil(lambda: bool(loaded), timeout=20_000)  # the new engine works


@pytest.fixture
def with_cache(qtbot, tmp_path):
    from labeldesk.cache import LabelCache

    store = LabelStore()
    seed_demo(store)
    with Emulator(store, rate_limit=None, api_key=KEY) as emulator:
        path = tmp_path / "site.sqlite3"
        controller = LabelsController(make_client(emulator, api_key=KEY), LabelCache(path))
        loaded: list = []
        controller.labels_loaded.connect(loaded.append)
        controller.refresh()
        qtbot.waitUntil(lambda: bool(loaded) and not controller.busy, timeout=20_000)
        yield controller, loaded, path


def test_a_site_switched_away_from_still_saves_its_last_change_and_ends_in_good_order(with_cache, qtbot):
    from labeldesk.cache import LabelCache
    from labeldesk.ui.saved_copy import showing_marker

    controller, loaded, path = with_cache
    process = _process(controller)
    showing_marker(controller.cache).write_text("")  # as if its saved copy were on its way to the screen
    renamed: list = []
    vip = next(label for label in loaded[-1] if label.key == "custom.vip")
    controller.rename(vip, "Renamed VIP", on_success=renamed.append)
    qtbot.waitUntil(lambda: bool(renamed), timeout=10_000)
    controller.retire()  # (the window goes on at once: the engine finishes in its own time)
    qtbot.waitUntil(lambda: not process.is_alive(), timeout=15_000)
    assert process.exitcode == 0  # it finished; it wasn't ended
    saved = {label.key: label.display_name for label in LabelCache(path).load().labels}
    assert saved["custom.vip"] == "Renamed VIP"
    assert not path.with_name(path.name + ".showing").exists()  # closed in good order


def test_signing_out_deletes_the_saved_copy_after_the_engines_last_write(with_cache, qtbot):
    controller, _loaded, path = with_cache
    process = _process(controller)
    controller.refresh()  # a save of its answer is on its way as the person signs out
    controller.forget_cache()
    controller.retire()
    qtbot.waitUntil(lambda: not process.is_alive(), timeout=15_000)
    assert not path.exists() and not path.with_name(path.name + "-journal").exists()


def test_engines_that_keep_dying_are_not_started_for_ever_and_the_window_is_told(qtbot, monkeypatch):
    """A broken install (a module missing from the bundle, say) kills every engine at its start."""
    from labeldesk.engine import entry
    from labeldesk.ui import engine_link

    monkeypatch.setattr(entry, "engine_process", _dies_at_once)
    store = LabelStore()
    seed_demo(store)
    with Emulator(store, rate_limit=None) as emulator:
        controller = LabelsController(make_client(emulator))
        failures: list = []
        controller.refresh_failed.connect(failures.append)
        try:
            controller.refresh()
            qtbot.waitUntil(lambda: controller._link.gave_up, timeout=20_000)
            assert len(controller._link._deaths) == engine_link.MAX_RESTARTS + 1
            qtbot.waitUntil(lambda: bool(failures), timeout=5_000)
            controller.refresh()
            assert "keeps stopping" in str(failures[-1])
        finally:
            controller.shutdown()


def _dies_at_once(conn, log_conn, level) -> None:
    import os

    os._exit(3)
