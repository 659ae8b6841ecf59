"""Quitting is quick, whatever the network is doing, and a second start is never turned away in silence."""

from __future__ import annotations

import logging
import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from labeldesk.app import run
from labeldesk.instance import SingleInstance
from labeldesk.paths import AppPaths
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.main_window import MainWindow

#: The demo's network delay in these tests: far longer than a quit may take.
SLOW_MS = 15_000
#: How long a quit may take, from the click to run() returning, in seconds.
QUIT_SECONDS = 1.5


def _drive(step, *, every_ms: int = 20, guard_ms: int = 30_000) -> list[QTimer]:
    """Call ``step(window)`` on a timer inside run()'s event loop until it returns True."""
    timer = QTimer()
    guard = QTimer(singleShot=True, interval=guard_ms)  # never hang the suite
    guard.timeout.connect(QApplication.closeAllWindows)

    def tick() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows and step(windows[0]):
            timer.stop()

    timer.timeout.connect(tick)
    timer.start(every_ms)
    guard.start()
    return [timer, guard]


@pytest.fixture
def lock_at_shutdown(monkeypatch):
    """Whether the folder's lock was free when the controller began to shut down (records True/False)."""
    seen: list[bool] = []
    original = LabelsController.shutdown

    def shutdown(self, *args, **kwargs):
        other = SingleInstance(AppPaths.from_environment().config)
        seen.append(other.claim())
        other.release()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LabelsController, "shutdown", shutdown)
    return seen


def test_quit_anyway_during_a_slow_create_ends_at_once_and_frees_the_folder_first(
    qapp, labeldesk_home, lock_at_shutdown, caplog
):
    """The reviewer's case: a create waiting on a 15 s network, the window closed, "Quit anyway"
    (the suite's stand-in for the question answers that)."""
    closed_at: list[float] = []

    def step(window) -> bool:
        controller = window.controller
        if controller is None or controller.client is None:
            return False
        if not controller.changes_in_flight:
            controller.create("Slow three")
            return False
        closed_at.append(time.monotonic())
        window.close()
        assert not window.isVisible()  # the window goes at once
        return True

    timers = _drive(step)
    with caplog.at_level(logging.WARNING, logger="labeldesk.ui.main_window"):
        code = run(["--demo", "--demo-latency-ms", str(SLOW_MS)])
    left_at = time.monotonic()
    for timer in timers:
        timer.stop()
    assert code == 0
    assert closed_at, "the create was never sent"
    assert left_at - closed_at[0] < QUIT_SECONDS
    assert "quit with 1 change(s) Wix had not confirmed: Saving ‘Slow three’…" in caplog.text
    assert lock_at_shutdown == [True]  # a new start could have the folder before anything waited


def test_ctrl_q_during_a_slow_refresh_ends_at_once(qapp, labeldesk_home, lock_at_shutdown):
    quit_at: list[float] = []

    def step(window) -> bool:
        controller = window.controller
        if controller is None or not controller.busy:  # the first refresh is out, and slow
            return False
        quit_at.append(time.monotonic())
        window.quit_action.trigger()
        return True

    timers = _drive(step)
    code = run(["--demo", "--demo-latency-ms", str(SLOW_MS)])
    left_at = time.monotonic()
    for timer in timers:
        timer.stop()
    assert code == 0
    assert quit_at
    assert left_at - quit_at[0] < QUIT_SECONDS
    assert lock_at_shutdown == [True]


def test_quitting_during_a_slow_sign_in_check_does_not_wait_for_it(qtbot, labeldesk_home):
    from labeldesk.credentials import CredentialStore
    from labeldesk.emulator import Emulator, LabelStore, seed_demo
    from labeldesk.sites import Site, SiteDirectory
    from labeldesk.ui.site_manager import SiteManager
    from tests.keyrings import MemoryKeyring
    from tests.ui.conftest import fast_client

    store = LabelStore()
    seed_demo(store)
    with Emulator(store, latency_ms=SLOW_MS, rate_limit=None) as emulator:
        paths = AppPaths.from_environment().ensure()
        manager = SiteManager(
            SiteDirectory(paths.config / "sites.json"), CredentialStore(MemoryKeyring()), client_factory=fast_client
        )
        site = Site(emulator.site_id, "Slow", emulator.base_url)
        manager.sign_in(site, emulator.api_key, session_only=False, on_success=print, on_failure=print)
        qtbot.waitUntil(lambda: manager.runner.busy)
        started = time.monotonic()
        manager.shutdown()
        assert time.monotonic() - started < QUIT_SECONDS
    assert manager.runner.wait_for_done(5000)  # (the emulator gone, the abandoned check ends)


def test_a_second_start_the_first_does_not_answer_says_so_in_a_box(qapp, labeldesk_home, monkeypatch, capsys):
    """A start from the desktop has no console: "didn't answer" must reach the screen too."""
    from labeldesk import instance as instance_module

    first = SingleInstance(AppPaths.from_environment().ensure().config)
    assert first.claim()  # ...and never listens: a copy that is busy, or still closing
    monkeypatch.setattr(instance_module, "HAND_OVER_SECONDS", 0.2)
    shown = []

    def fake_exec(box):
        shown.append((box.text(), box.informativeText(), box.textFormat(), [b.text() for b in box.buttons()]))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    try:
        assert run(["--demo", "--demo-latency-ms", "0"]) == 1
    finally:
        first.release()
    assert shown == [
        (
            "LabelDesk is already open, but it didn't answer.",
            "It may still be starting or closing. Try again in a moment; if this keeps happening, "
            "close the other LabelDesk window first.",
            Qt.TextFormat.PlainText,
            ["OK"],
        )
    ]
    assert "didn't answer" in capsys.readouterr().err
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


def test_quitting_a_saved_site_during_a_slow_refresh_does_not_wait_for_wix(qapp, labeldesk_home, lock_at_shutdown):
    """Not the demo: here the slow service stays up after the quit (nothing ends its requests for us)."""
    import keyring

    from labeldesk.credentials import SERVICE, key_account
    from labeldesk.emulator import Emulator, LabelStore, seed_demo
    from tests.keyrings import MemoryKeyring

    store = LabelStore()
    seed_demo(store)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    quit_at: list[float] = []

    def step(window) -> bool:
        if window.controller is None or window.controller.client is None or not window.controller.busy:
            return False
        quit_at.append(time.monotonic())
        window.quit_action.trigger()
        return True

    try:
        with Emulator(store, latency_ms=SLOW_MS, rate_limit=None) as emulator:
            backend.set_password(SERVICE, key_account(emulator.site_id, emulator.base_url), emulator.api_key)
            timers = _drive(step)
            code = run(["--site-id", emulator.site_id, "--api-base", emulator.base_url])
            left_at = time.monotonic()
            for timer in timers:
                timer.stop()
            assert code == 0
            assert quit_at
            assert left_at - quit_at[0] < QUIT_SECONDS
    finally:
        keyring.set_keyring(previous)
    assert lock_at_shutdown == [True]
