"""One LabelDesk per folder: a second start hands over to the first window and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from labeldesk.app import run
from labeldesk.instance import SingleInstance, server_name
from labeldesk.paths import AppPaths


def start(*args: str, env_home) -> subprocess.Popen:
    env = {**os.environ, "LABELDESK_HOME": str(env_home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-m", "labeldesk", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.fixture
def first(labeldesk_home):
    """This process as the first LabelDesk on the test's home."""
    instance = SingleInstance(AppPaths.from_environment().ensure().config)
    assert instance.claim()
    yield instance
    instance.release()


def test_a_folder_can_be_claimed_once_at_a_time(first, tmp_path):
    again = SingleInstance(first.folder)
    assert not again.claim()
    elsewhere = SingleInstance(tmp_path / "other")
    (tmp_path / "other").mkdir()
    assert elsewhere.claim()
    assert server_name(first.folder) != server_name(elsewhere.folder)
    elsewhere.release()
    first.release()
    assert again.claim()  # given up at quit: the next start has it
    again.release()


#: The first copy claims the folder, forks (as it starts its sync engine: see engine.entry) and then
#: quits while the fork runs on: the folder must be free for the next start at once.
FORKS_AND_QUITS = """
import os, sys, time
from pathlib import Path
from labeldesk.instance import SingleInstance
folder = Path(sys.argv[1])
first = SingleInstance(folder)
assert first.claim()
running, ready = os.pipe()
child = os.fork()
if child == 0:  # (its at-fork handlers have run by now)
    os.write(ready, b"x")
    time.sleep(10)
    os._exit(0)
os.read(running, 1)
first.release()
print(SingleInstance(folder).claim(), flush=True)
os.kill(child, 9)
os.waitpid(child, 0)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_process_forked_from_the_first_copy_doesnt_keep_the_folder_locked(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", FORKS_AND_QUITS, str(tmp_path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out == "True\n"


def test_a_second_start_hands_over_to_the_first_and_exits_0(first, labeldesk_home, qtbot):
    activated = []
    assert first.listen(lambda: activated.append(1))
    second = start("--demo", env_home=labeldesk_home)
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=20_000)  # the event loop answers meanwhile
    out, err = second.communicate()
    assert (second.returncode, err) == (0, b""), err
    assert b"brought to the front" in out
    assert activated == [1]
    assert not (labeldesk_home / "logs" / "labeldesk.log").exists()  # the second start wrote nothing


def test_a_copy_that_crashed_leaves_no_lock_behind(labeldesk_home):
    config = AppPaths.from_environment().ensure().config
    crash = (
        "import os, signal, sys; from pathlib import Path; from labeldesk.instance import SingleInstance;"
        "i = SingleInstance(Path(sys.argv[1])); assert i.claim(); print('claimed', flush=True);"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    crashed = subprocess.run([sys.executable, "-c", crash, str(config)], check=False, capture_output=True, timeout=60)
    assert crashed.stdout == b"claimed\n" and crashed.returncode == -9
    assert (config / "labeldesk.lock").exists()  # the file is still there; its lock is not
    instance = SingleInstance(config)
    assert instance.claim()
    assert instance.listen(lambda: None)  # and no socket is left in the way
    instance.release()


def test_selftest_is_never_turned_away(first, qapp, capsys):
    assert run(["--demo", "--selftest", "--demo-latency-ms", "0"]) == 0
    assert capsys.readouterr().out == "selftest: 45 labels shown (source: service)\n"


def test_the_app_hands_over_end_to_end(qapp, labeldesk_home, monkeypatch):
    """The real start-up as the first copy; a real second start, in its own process."""
    from labeldesk.ui.main_window import MainWindow

    raised, seen = [], {}
    original = MainWindow.bring_to_front
    monkeypatch.setattr(MainWindow, "bring_to_front", lambda self: raised.append(1) or original(self))

    def second_start() -> None:
        seen["process"] = start("--demo", env_home=labeldesk_home)
        poll.start(50)

    def check() -> None:
        process = seen["process"]
        if process.poll() is not None:
            poll.stop()
            seen["code"], seen["err"] = process.returncode, process.communicate()[1]
            QApplication.closeAllWindows()

    poll = QTimer()
    poll.timeout.connect(check)
    QTimer.singleShot(200, second_start)
    guard = QTimer(singleShot=True, interval=30_000)  # never hang the suite
    guard.timeout.connect(QApplication.closeAllWindows)
    guard.start()
    try:
        assert run(["--demo", "--demo-latency-ms", "0"]) == 0
    finally:
        guard.stop()
        poll.stop()
    assert (seen.get("code"), seen.get("err")) == (0, b"")
    assert raised == [1]
    log = (labeldesk_home / "logs" / "labeldesk.log").read_text()
    assert "another start handed over to this window" in log


def test_without_qtnetwork_the_lock_still_holds_and_nothing_crashes(first, monkeypatch):
    monkeypatch.setitem(sys.modules, "PySide6.QtNetwork", None)  # a system library it needs is missing
    assert not first.listen(lambda: None)
    second = SingleInstance(first.folder)
    assert not second.claim()
    assert not second.hand_over(timeout=0)
