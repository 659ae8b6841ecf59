"""An exception nothing caught (in a slot, a key press, an event filter) reaches the log and the person
(the crash dialog), never only a console a windowed app doesn't have; and pytest-qt still sees it in tests."""

from __future__ import annotations

import logging
import sys
import time

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

from labeldesk.app import UNEXPECTED_PROBLEM, install_excepthook, run
from labeldesk.logs import REDACTED, register_secret
from labeldesk.ui.crash_dialog import CrashDialog
from labeldesk.ui.main_window import MainWindow

SECRET = "IST.canary-in-a-traceback-0123456789"


class BoomError(Exception):
    pass


@pytest.fixture
def hooked():
    """Our hook over whatever was there; what it showed, as (text, report)."""
    shown: list[tuple[str, str]] = []
    restore = install_excepthook(lambda text, report: shown.append((text, report)))
    yield shown
    restore()


@pytest.mark.qt_no_exception_capture  # (this test is about our hook alone; the next one about both)
def test_a_slot_that_raises_is_logged_and_shown(qtbot, hooked, caplog):
    register_secret(SECRET)
    button = QPushButton("Go")
    qtbot.addWidget(button)

    def slot() -> None:
        raise BoomError(f"the key {SECRET} must never be shown")

    button.clicked.connect(slot)
    with caplog.at_level(logging.ERROR, logger="labeldesk.app"):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert [record.exc_info[0] for record in caplog.records] == [BoomError]
    assert len(hooked) == 1
    text, report = hooked[0]
    assert text == UNEXPECTED_PROBLEM
    assert "BoomError" in report and "in slot" in report  # enough for support to find it
    assert SECRET not in report and REDACTED in report


@pytest.mark.qt_no_exception_capture
def test_a_key_press_and_an_event_filter_that_raise_are_caught_too(qtbot, hooked, caplog):
    class Edit(QLineEdit):
        def keyPressEvent(self, event) -> None:
            raise BoomError("in a key press")

    class Filter(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.User:
                raise BoomError("in an event filter")
            return False

    edit = Edit()
    qtbot.addWidget(edit)
    spy = Filter(edit)
    edit.installEventFilter(spy)
    with caplog.at_level(logging.ERROR, logger="labeldesk.app"):
        # Posted, as the desktop's events are: delivered by the event loop, not called from Python.
        key = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
        QApplication.postEvent(edit, key)
        QApplication.postEvent(edit, QEvent(QEvent.Type.User))
        qtbot.waitUntil(lambda: len(hooked) == 2)
    messages = sorted(str(record.exc_info[1]) for record in caplog.records)
    assert len(messages) == 2
    assert messages[0].endswith("in a key press") and messages[1].endswith("in an event filter")
    assert [text for text, _ in hooked] == [UNEXPECTED_PROBLEM, UNEXPECTED_PROBLEM]


@pytest.mark.qt_no_exception_capture
def test_the_same_problem_again_and_again_does_not_fill_the_log(qtbot, hooked, caplog):
    button = QPushButton("Go")
    qtbot.addWidget(button)
    button.clicked.connect(lambda: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="labeldesk.app"):
        for _ in range(10):
            button.click()
    assert len(caplog.records) == 3 and len(hooked) == 10


def test_pytest_qt_still_captures_what_our_hook_reports(qtbot, caplog):
    """pytest-qt's own hook (what a test sees) is called after ours: a test still fails on it."""
    button = QPushButton("Go")
    qtbot.addWidget(button)
    button.clicked.connect(lambda: (_ for _ in ()).throw(BoomError("from a slot")))
    shown = []
    with qtbot.captureExceptions() as captured:
        restore = install_excepthook(lambda text, report: shown.append(text))
        try:
            with caplog.at_level(logging.ERROR, logger="labeldesk.app"):
                button.click()
        finally:
            restore()
    assert [str(value) for _, value, _ in captured] == ["from a slot"]
    assert shown == [UNEXPECTED_PROBLEM] and len(caplog.records) == 1


def test_restoring_puts_the_previous_hook_back():
    before = sys.excepthook
    restore = install_excepthook()
    assert sys.excepthook is not before
    restore()
    assert sys.excepthook is before


def test_the_app_shows_a_failing_command_in_the_crash_dialog_and_keeps_working(
    qapp, labeldesk_home, monkeypatch, qtbot
):
    """The composition root installs it: a slot that raises in the real window opens the crash dialog
    (not a modal exec: the window behind it still filters on a key press and still refreshes)."""
    monkeypatch.setattr(MainWindow, "copy_keys", lambda self: 1 / 0)
    monkeypatch.setattr(CrashDialog, "exec", lambda self: pytest.fail("the crash dialog must never block"))
    seen: dict[str, object] = {}
    stage = ["load"]

    def step() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows or not windows[0].session.loaded_once:
            return
        window = windows[0]
        if stage[0] == "load":
            stage[0] = "crash"
            window.table.selectRow(0)
            window.copy_action.trigger()  # raises in the slot; the dialog comes through a queued signal
        elif stage[0] == "crash":
            dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]
            if not dialogs:
                return
            stage[0] = "refresh"
            seen["dialogs"] = len(dialogs)
            seen["heading"] = dialogs[0].heading.text()
            seen["details"] = dialogs[0].details_text()
            seen["log folder"] = dialogs[0].log_path.text()
            seen["status"] = window.status.kind
            rows = window.model.rowCount()
            QTest.keyClicks(window.search, "vip")  # a key press in the window: the table filters
            seen["filtered"] = 0 < window.model.rowCount() < rows
            window.controller.labels_loaded.connect(lambda batch: stage.__setitem__(0, "refreshed"))
            window.refresh_action.trigger()
        elif stage[0] == "refreshed":
            timer.stop()
            window.close()

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(20)
    guard = QTimer(singleShot=True, interval=30_000)
    guard.timeout.connect(QApplication.closeAllWindows)
    guard.start()
    before = sys.excepthook
    started = time.monotonic()
    try:
        with qtbot.captureExceptions() as captured:  # (what ours hands on to: pytest-qt's hook)
            assert run(["--demo", "--demo-latency-ms", "0"]) == 0
    finally:
        timer.stop()
        guard.stop()
    assert time.monotonic() - started < 30
    assert sys.excepthook is before  # put back as the app ended
    assert [kind for kind, _, _ in captured] == [ZeroDivisionError]
    assert stage == ["refreshed"]  # the refresh after the crash finished
    assert seen["dialogs"] == 1 and seen["heading"] == "Something went wrong" and seen["filtered"]
    assert "ZeroDivisionError" in seen["details"] and "in <lambda>" in seen["details"]
    assert seen["log folder"] == str(labeldesk_home / "logs")
    assert seen["status"] != "error"  # the dialog says it, not the status bar as well
    log = (labeldesk_home / "logs" / "labeldesk.log").read_text()
    assert "an unexpected problem nothing else caught" in log and "ZeroDivisionError" in log
