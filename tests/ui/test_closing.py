"""Closing the window while a change is on its way to Wix asks first, and does what was chosen."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtWidgets import QApplication

from labeldesk.ui import dialogs, main_window
from tests.ui.test_window import select

#: The real question, taken before the suite's autouse stand-in replaces it in each test.
REAL_ASK = main_window.ask_quit_while_saving


@pytest.fixture
def answers(monkeypatch):
    """The quit question, patched: records what was asked and answers from the list ("wait"/"quit")."""
    asked: list[list[str]] = []
    replies: list[str] = []

    def ask(parent, changes):
        asked.append(list(changes))
        return replies.pop(0) == "quit"

    monkeypatch.setattr(main_window, "ask_quit_while_saving", ask, raising=False)
    return asked, replies


@pytest.fixture
def held_delete(open_app, demo_store, monkeypatch):
    """The demo window, with the emulator holding every delete until ``release`` is set."""
    release = threading.Event()
    original = demo_store.delete

    def delete(key, *args, **kwargs):
        release.wait(10)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(demo_store, "delete", delete)
    monkeypatch.setattr(dialogs, "confirm_delete", lambda *args, **_: True)
    window, emulator = open_app(demo_store)
    yield window, emulator, release
    release.set()


def start_delete(window, qtbot, name="VIP"):
    select(window, name)
    window.delete_action.trigger()
    qtbot.waitUntil(lambda: bool(window.controller.changes_in_flight))


def test_closing_during_a_delete_asks_and_wait_closes_once_it_landed(held_delete, answers, qtbot):
    window, emulator, release = held_delete
    asked, replies = answers
    start_delete(window, qtbot)
    replies.append("wait")
    window.close()
    assert asked == [["Deleting ‘VIP’…"]]
    assert window.isVisible()  # still open, and says why
    assert window.status.text.text() == "LabelDesk will close once the change is saved…"
    release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert len(emulator.store) == 44  # the delete landed
    assert len(asked) == 1  # the close after the change landed did not ask again


def test_quit_anyway_closes_at_once_and_logs_what_was_not_confirmed(held_delete, answers, qtbot, caplog):
    window, _, _ = held_delete
    asked, replies = answers
    start_delete(window, qtbot)
    replies.append("quit")
    with caplog.at_level(logging.WARNING, logger="labeldesk.ui.main_window"):
        window.close()
    assert not window.isVisible()
    assert asked == [["Deleting ‘VIP’…"]]
    assert "quit with 1 change(s) Wix had not confirmed: Deleting ‘VIP’…" in caplog.text


def test_a_change_that_fails_while_waiting_keeps_the_window_open_with_the_reason(open_app, demo_store, answers, qtbot):
    asked, replies = answers
    window, _ = open_app(demo_store, latency_ms=300)
    select(window, "Wholesale")
    window.controller.rename(window.model.label("custom.wholesale"), "VIP")  # a name that is taken
    replies.append("wait")
    window.close()
    assert window.isVisible() and asked == [["Renaming ‘Wholesale’…"]]
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=10_000)
    for _ in range(3):  # the turns of the event loop in which the window would have closed
        QApplication.processEvents()
    assert window.isVisible()
    assert window.status.text.text().startswith("Renaming ‘Wholesale’ failed")


def test_closing_with_nothing_in_flight_does_not_ask(demo, answers):
    window, _ = demo
    asked, _ = answers
    window.close()
    assert not window.isVisible() and asked == []


def answered_by_default(monkeypatch) -> dict:
    """Quit questions answered with their default button; what each asked, as the dict returned shows it."""
    from PySide6.QtWidgets import QMessageBox

    seen: dict = {}

    def fake_exec(box):
        seen["text"], seen["format"], seen["more"] = box.text(), box.textFormat(), box.informativeText()
        seen["buttons"] = [button.text() for button in box.buttons()]
        seen["default"], seen["escape"] = box.defaultButton().text(), box.escapeButton().text()
        box.defaultButton().click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return seen


def test_the_question_names_the_changes_as_plain_text(qtbot, monkeypatch):
    from PySide6.QtWidgets import QWidget

    seen = answered_by_default(monkeypatch)
    parent = QWidget()
    qtbot.addWidget(parent)
    assert REAL_ASK(parent, ["Deleting ‘<b>VIP</b>’…"]) is False
    assert seen["text"] == "1 change is still being saved:\nDeleting ‘<b>VIP</b>’…"
    assert seen["format"] == main_window.Qt.TextFormat.PlainText
    assert seen["buttons"] == ["Wait", "Quit anyway"] and seen["default"] == seen["escape"] == "Wait"
    assert seen["more"] == "Wait, and LabelDesk closes by itself once Wix has it. If you quit now, it may not be saved."


def test_the_question_on_quitting_mid_merge_defaults_to_keep_open(qtbot, monkeypatch):
    from PySide6.QtWidgets import QWidget

    from labeldesk.ui.quit_question import ask_quit_while_operating

    seen = answered_by_default(monkeypatch)
    parent = QWidget()
    qtbot.addWidget(parent)
    assert ask_quit_while_operating(parent, ["merge"]) is False
    assert seen["text"] == "A merge is still running."
    assert seen["format"] == main_window.Qt.TextFormat.PlainText
    assert seen["buttons"] == ["Keep open", "Quit"] and seen["default"] == seen["escape"] == "Keep open"
    assert seen["more"] == (
        "If you quit now, LabelDesk finishes it the next time you open this site. Keep LabelDesk open to see it end."
    )
