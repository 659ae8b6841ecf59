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
    assert (labeldesk_home / "config" / "labeldesk.ini").exists()
