"""Core dumps are off for LabelDesk's process from the start: a core file would hold the API key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

resource = pytest.importorskip("resource", reason="core limits are POSIX")

CHILD = """
import resource, sys
print("before:", resource.getrlimit(resource.RLIMIT_CORE))
from labeldesk.app import run
try:
    run(["--version"])  # parses the command line and leaves: the limit is set before that
except SystemExit:
    pass
print("limit:", resource.getrlimit(resource.RLIMIT_CORE))
if sys.platform == "linux":
    print(open("/proc/self/limits").read())
"""


def _allow_cores() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def test_labeldesk_turns_core_dumps_off_for_good_at_start():
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        preexec_fn=_allow_cores,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    if "before: (0, 0)\n" in done.stdout:
        pytest.skip("core dumps are off for the tests already: nothing to prove")
    assert "limit: (0, 0)\n" in done.stdout
    if sys.platform == "linux":
        line = next(line for line in done.stdout.splitlines() if line.startswith("Max core file size"))
        assert line.split()[4:6] == ["0", "0"]
