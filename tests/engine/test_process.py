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
    return controller.engine._process


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
