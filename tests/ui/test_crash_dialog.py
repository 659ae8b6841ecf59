"""The "Something went wrong" window: a bug in a slot, said plainly, with the details to copy and where
the log is; one window however many bugs come, and it never holds up the window behind it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QMainWindow, QPlainTextEdit

from labeldesk.app import install_excepthook
from labeldesk.logs import REDACTED, register_secret
from labeldesk.ui.crash_dialog import EXPLANATION, KEPT_REPORTS, NO_LOG, CrashDialog, CrashReporter

SECRET = "IST.crash-dialog-canary-0123456789"


class BoomError(Exception):
    pass


class Sender(QObject):
    fired = Signal(str)


@pytest.fixture
def window(qtbot):
    main = QMainWindow()
    main.setCentralWidget(QLineEdit(main))
    qtbot.addWidget(main)
    main.show()
    return main


@pytest.fixture
def reporter(window, tmp_path):
    """What the app hands to install_excepthook: the crash dialog over ``window``."""
    made = CrashReporter(window, tmp_path / "logs")
    yield made
    if made.dialog is not None:
        made.dialog.close()


def crash_dialogs() -> list[CrashDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]


def test_a_slot_that_raises_opens_the_crash_dialog_and_the_window_goes_on(qtbot, window, reporter, tmp_path):
    register_secret(SECRET)
    sender = Sender()
    edit = window.centralWidget()
    assert isinstance(edit, QLineEdit)

    def slot(name: str) -> None:
        raise BoomError(f"{name} went wrong with {SECRET}")

    sender.fired.connect(slot)
    with qtbot.captureExceptions() as captured:  # (our hook hands it on to pytest-qt's, as in the app)
        restore = install_excepthook(reporter.report)
        try:
            sender.fired.emit("the rename")
            qtbot.waitUntil(lambda: len(crash_dialogs()) == 1)
        finally:
            restore()
    assert [type(value) for _, value, _ in captured] == [BoomError]
    dialog = crash_dialogs()[0]
    assert dialog.heading.text() == "Something went wrong"
    assert "didn't expect" in EXPLANATION and "labels on Wix are safe" in EXPLANATION
    assert "keeps running" in EXPLANATION and dialog.explanation.text() == EXPLANATION
    assert dialog.log_path.text() == str(tmp_path / "logs") and dialog.log_path.isVisible()
    assert not dialog.isModal() and dialog.windowModality() == Qt.WindowModality.NonModal
    assert QApplication.activeModalWidget() is not dialog  # (another test may leave one of its own open)
    # The details: hidden until asked for, plain text, read-only, the key blotted out.
    assert dialog.details.isHidden()
    dialog.details_button.click()
    assert dialog.details.isVisible() and dialog.details.isReadOnly()
    assert dialog.details_button.text() == "Hide details"
    report = dialog.details.toPlainText()
    assert "BoomError" in report and "in slot" in report and report.startswith("LabelDesk ")
    assert SECRET not in report and REDACTED in report
    # The window behind it still answers: a key press, and another signal to a slot that works.
    qtbot.keyClicks(edit, "still here")
    assert edit.text() == "still here"
    answered = []
    sender.fired.disconnect(slot)
    sender.fired.connect(answered.append)
    sender.fired.emit("again")
    assert answered == ["again"]


def test_copy_details_copies_the_report_scrubbed_as_the_log_is(qtbot, tmp_path):
    register_secret(SECRET)
    dialog = CrashDialog(tmp_path)
    qtbot.addWidget(dialog)
    # (even a report that reached it unscrubbed: the dialog blots out what the log would)
    dialog.add_problem(f"Traceback (most recent call last):\nKeyError: '{SECRET}'")
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "KeyError" in copied and SECRET not in copied and REDACTED in copied
    assert dialog.copy_button.text() == "Details copied"


def test_fifty_bugs_make_one_dialog_that_counts_them(qtbot, window, reporter):
    for number in range(50):
        reporter.report("unexpected", f"Traceback\nKeyError: {number % 7}")
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.count == 50)
    assert len(crash_dialogs()) == 1
    dialog = reporter.dialog
    assert dialog.times.isVisible() and dialog.times.text() == "This has happened 50 times so far."
    assert len(dialog.reports) == KEPT_REPORTS  # (the details keep a few; the rest are counted)
    assert "(Problems in all, counting repeats: 50.)" in dialog.details_text()


def test_a_bug_reported_from_another_thread_reaches_the_dialog_on_the_gui_thread(qtbot, window, reporter):
    thread = threading.Thread(target=reporter.report, args=("unexpected", "Traceback\nKeyError: 'from a thread'"))
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1)
    assert reporter.dialog is not None and reporter.dialog.thread() is QApplication.instance().thread()


def test_esc_closes_it_focus_starts_on_close_and_the_next_bug_starts_afresh(qtbot, window, reporter):
    reporter.report("unexpected", "Traceback\nKeyError: 'first'")
    reporter.report("unexpected", "Traceback\nKeyError: 'second'")
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1)
    dialog = crash_dialogs()[0]
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.close_button)
    assert dialog.close_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert crash_dialogs() == []
    reporter.report("unexpected", "Traceback\nKeyError: 'third'")
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1)
    assert dialog.count == 1 and dialog.times.isHidden() and "third" in dialog.details_text()
    assert "first" not in dialog.details_text()


def test_open_log_folder_asks_the_desktop_to_open_it_and_says_so_when_it_cannot(qtbot, tmp_path, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or False)
    dialog = CrashDialog(tmp_path / "logs")
    qtbot.addWidget(dialog)
    dialog.open_log_button.click()
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "logs"))]
    assert "couldn't open it" in dialog.log_note.text()


def test_without_a_log_file_it_says_to_copy_the_details_first(qtbot):
    dialog = CrashDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.log_note.text() == NO_LOG
    assert not dialog.open_log_button.isVisible() and not dialog.log_path.isVisible()


def test_every_control_has_a_name_and_every_text_is_plain(qtbot, tmp_path):
    dialog = CrashDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.add_problem("Traceback\nKeyError: '<b>custom.vip</b>'")
    assert dialog.accessibleName() == "Something went wrong"
    for control in [*dialog.findChildren(QAbstractButton), *dialog.findChildren(QPlainTextEdit)]:
        assert control.accessibleName(), control
    for label in dialog.findChildren(QLabel):
        if label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_it_never_opens_as_a_modal_exec(qtbot, window, reporter, monkeypatch):
    """exec() would stop the window behind it (and block a test): the reporter only ever shows it."""
    monkeypatch.setattr(CrashDialog, "exec", lambda self: pytest.fail("exec() called"))
    reporter.report("unexpected", "Traceback\nKeyError: 'x'")
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1)


def test_a_failing_crash_dialog_does_not_feed_itself_through_the_hook(qtbot, window, reporter, monkeypatch, caplog):
    def broken(self, report):
        raise BoomError("in the crash dialog itself")

    monkeypatch.setattr(CrashDialog, "add_problem", broken)
    reporter.report("unexpected", "Traceback\nKeyError: 'x'")
    qtbot.waitUntil(lambda: any("the crash dialog failed" in r.getMessage() for r in caplog.records))
    reporter.report("unexpected", "Traceback\nKeyError: 'y'")
    QApplication.processEvents()
    assert sum("the crash dialog failed" in r.getMessage() for r in caplog.records) == 1


def test_the_log_folder_path_is_where_the_app_log_goes(tmp_path):
    """app.py finds the folder from the log handler it set up (none for a console-only log)."""
    import logging

    from labeldesk.app import _log_folder

    handler = logging.FileHandler(tmp_path / "labeldesk.log", delay=True)
    assert _log_folder(handler) == Path(tmp_path)
    assert _log_folder(logging.NullHandler()) is None


def test_a_problem_before_the_log_file_opened_opens_it_for_the_folder_the_dialog_shows(tmp_path):
    import logging

    from labeldesk.app import _log_folder
    from labeldesk.logs import HeldLog

    handler = HeldLog(tmp_path)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.handle(logging.makeLogRecord({"msg": "an unexpected problem", "levelno": logging.ERROR}))
    try:
        assert _log_folder(handler) == tmp_path
        assert "an unexpected problem" in (tmp_path / "labeldesk.log").read_text()
    finally:
        handler.close()
