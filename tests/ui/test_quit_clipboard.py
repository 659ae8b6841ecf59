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


COPY_AND_QUIT = """
from PySide6.QtWidgets import QApplication
import labeldesk.__main__ as entry
app = QApplication([])
app.clipboard().setText("custom.vip")
app.processEvents()
print("owns", app.clipboard().ownsClipboard(), flush=True)
entry._leave_without_waiting_for_the_network(0)
"""
PASTE = """
from PySide6.QtWidgets import QApplication
app = QApplication([])
print(app.clipboard().text(), flush=True)
"""


@pytest.fixture
def x_display(tmp_path):
    """A virtual X screen of its own, with the minimal clipboard manager running on it."""
    import shutil
    import subprocess
    import sys

    if not sys.platform.startswith("linux") or shutil.which("Xvfb") is None:
        pytest.skip("needs Xvfb (see PLATFORM.md)")
    pytest.importorskip("Xlib")
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=[write],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as numbers:
        number = numbers.readline().strip()
    env = {**os.environ, "DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}
    helper = os.path.join(os.path.dirname(__file__), "clipboard_manager.py")
    manager = subprocess.Popen([sys.executable, helper], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert manager.stdout.readline().strip() == "ready"
        yield env, manager
    finally:
        manager.kill()
        manager.wait()
        manager.stdout.close()
        xvfb.kill()
        xvfb.wait()


def test_a_copied_key_survives_quitting_with_a_clipboard_manager(x_display):
    import subprocess
    import sys
    import time

    env, manager = x_display
    started = time.monotonic()
    quit_ = subprocess.run(
        [sys.executable, "-c", COPY_AND_QUIT], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert quit_.returncode == 0, quit_.stderr
    assert quit_.stdout == "owns True\n"
    assert time.monotonic() - started < 15  # start-up included; the hand-over itself takes milliseconds
    import select

    assert select.select([manager.stdout], [], [], 10)[0], "the clipboard manager was never asked to save"
    assert manager.stdout.readline().strip() == "saved custom.vip"
    paste = subprocess.run(
        [sys.executable, "-c", PASTE], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert paste.stdout == "custom.vip\n", paste.stderr
