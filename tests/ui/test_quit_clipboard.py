"""Keys copied with Ctrl+C survive quitting: the quick exit first lets Qt hand the clipboard over."""

from __future__ import annotations

import os
import threading

import pytest
import shiboken6
from PySide6.QtGui import QClipboard

import labeldesk.__main__ as entry


class LeftError(Exception):
    """os._exit, as the tests see it."""


@pytest.fixture
def quitting(monkeypatch, qapp):
    """The quit path with os._exit and shiboken6.delete stood in for: returns what happened, in order."""
    happened: list[object] = []

    def exit_(code):
        happened.append(("exit", code))
        raise LeftError

    monkeypatch.setattr(os, "_exit", exit_)
    monkeypatch.setattr(shiboken6, "delete", lambda obj: happened.append(("delete", obj)))
    return happened


def test_owning_the_clipboard_hands_it_over_before_the_exit(quitting, qapp, monkeypatch):
    monkeypatch.setattr(QClipboard, "ownsClipboard", lambda self: True)
    with pytest.raises(LeftError):
        entry._leave_without_waiting_for_the_network(3)
    assert quitting == [("delete", qapp), ("exit", 3)]  # the application's destructor hands it over


def test_without_a_copy_of_ours_the_exit_is_immediate(quitting, qapp, monkeypatch):
    monkeypatch.setattr(QClipboard, "ownsClipboard", lambda self: False)
    with pytest.raises(LeftError):
        entry._leave_without_waiting_for_the_network(0)
    assert quitting == [("exit", 0)]


def test_a_clipboard_manager_that_never_answers_does_not_hold_the_quit(qapp, monkeypatch):
    monkeypatch.setattr(QClipboard, "ownsClipboard", lambda self: True)
    left = threading.Event()
    monkeypatch.setattr(shiboken6, "delete", lambda obj: left.wait(10))  # Qt waiting on the manager
    assert entry._hand_over_the_clipboard(left.set, limit=0.05)
    assert left.is_set()  # the watchdog called the exit instead of waiting on
