"""``labeldesk --demo --selftest``, as packaging and smoke tests run it: a real process."""

from __future__ import annotations

import os
import subprocess
import sys


def test_demo_selftest_prints_one_line_and_exits_0(labeldesk_home):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LABELDESK_HOME": str(labeldesk_home)}
    result = subprocess.run(
        [sys.executable, "-m", "labeldesk", "--demo", "--selftest"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["selftest: 45 labels shown (source: service)"]
    assert (labeldesk_home / "logs" / "labeldesk.log").exists()
    assert (labeldesk_home / "config" / "window.json").exists()


def test_quitting_does_not_wait_for_a_request_stuck_on_the_network(tmp_path):
    """After run() returns (window closed, settings saved, cache closed) the process ends at once,
    even with a thread still waiting on the network (here: on a socket that never answers)."""
    import time

    code = """
import socket, sys, threading
import labeldesk.app, labeldesk.__main__ as entry
server = socket.create_server(("127.0.0.1", 0))
def stuck():
    client = socket.create_connection(server.getsockname())
    client.recv(1)  # never answered
def run(argv):
    threading.Thread(target=stuck).start()  # not a daemon: Python would wait for it at exit
    print("window closed", flush=True)
    return 3
labeldesk.app.run = run
sys.exit(entry.main([]))
"""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    assert result.stdout == "window closed\n"
    assert result.returncode == 3
    assert time.monotonic() - started < 10
