"""What the service says reaches the log as one short, inert line: no terminal escapes, no forged
records, no 5 MB descriptions (see labeldesk/logs.py)."""

from __future__ import annotations

import logging
import re

from labeldesk.logs import setup_logging
from labeldesk.paths import AppPaths

EVIL = "Evil\x1b[31m red\x1b]0;pwned\x07\nFAKE LINE 2026-01-01 00:00:00,000 ERROR MainThread labeldesk: forged"
RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


def test_a_hostile_answer_to_a_failed_write_reaches_the_log_escaped_and_short(qtbot, open_app, demo_store):
    paths = AppPaths.from_environment().ensure()
    handler = setup_logging(paths.logs, level=logging.DEBUG)
    try:
        evil = demo_store.add_label(EVIL)  # a name made elsewhere (another app, the Wix dashboard)
        window, emulator = open_app(demo_store)
        huge = f"{EVIL} " + "x" * 5_000_000  # a 400 whose description echoes the name, and then some
        emulator.faults.fail_next(1, 400, message=huge)
        failed = []
        window.controller.delete(window.model.label(evil.key), on_failure=failed.append)
        qtbot.waitUntil(lambda: bool(failed), timeout=10_000)

        dialog = window.new_label()
        closed = []
        dialog.finished.connect(closed.append)
        emulator.faults.fail_next(1, 400, message=huge)
        dialog.name_edit.setText("Fresh name")
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
        dialog.reject()
        qtbot.waitUntil(lambda: not window.controller.busy, timeout=10_000)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = (paths.logs / "labeldesk.log").read_bytes().decode("utf-8")
    assert "the name dialog's request failed" in text and "Evil\\x1b[31m red" in text  # there, written out
    assert "\x1b" not in text and "\x07" not in text
    lines = text.splitlines()
    assert [line for line in lines if not RECORD_START.match(line) and not line.startswith("  ")] == []
    assert not any(line.startswith("FAKE LINE") for line in lines)
    assert all(len(line) < 10_000 for line in lines)
    assert len(text) < 100_000
