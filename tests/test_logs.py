"""The log file: set aside at start-up and while running once it has grown, never losing the last three."""

from __future__ import annotations

import logging

from labeldesk import logs


def test_a_big_log_is_set_aside_at_start_up_keeping_three(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "ROTATE_AT_BYTES", 100)
    log_file = tmp_path / "labeldesk.log"
    for start in range(5):
        log_file.write_text(f"session {start}\n" + "x" * 200)
        handler = logs.setup_logging(tmp_path)
        logging.getLogger("labeldesk.test").warning("started %d", start)
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert "started 4" in log_file.read_text()
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert kept == ["labeldesk.log", "labeldesk.log.1", "labeldesk.log.2", "labeldesk.log.3"]
    assert (tmp_path / "labeldesk.log.1").read_text().startswith("session 4")
    assert (tmp_path / "labeldesk.log.3").read_text().startswith("session 2")


def test_a_small_log_is_appended_to(tmp_path):
    (tmp_path / "labeldesk.log").write_text("earlier\n")
    handler = logs.setup_logging(tmp_path)
    logging.getLogger("labeldesk.test").warning("later")
    logging.getLogger().removeHandler(handler)
    handler.close()
    text = (tmp_path / "labeldesk.log").read_text()
    assert text.startswith("earlier\n") and "later" in text
    assert sorted(path.name for path in tmp_path.iterdir()) == ["labeldesk.log"]


def test_a_log_folder_that_cannot_be_written_falls_back_to_the_console(tmp_path):
    (tmp_path / "file").write_text("")
    handler = logs.setup_logging(tmp_path / "file" / "logs")  # no folder can be made here, even by root
    try:
        assert not isinstance(handler, logging.FileHandler)
        assert any(isinstance(f, logs.RedactingFilter) for f in handler.filters)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def _logging_to(folder, monkeypatch, cap: int) -> logging.Handler:
    monkeypatch.setattr(logs, "ROTATE_AT_BYTES", cap)
    return logs.setup_logging(folder)


def test_the_log_never_passes_its_cap_by_more_than_a_record_while_running(tmp_path, monkeypatch):
    cap = 20_000
    handler = _logging_to(tmp_path, monkeypatch, cap)
    log = logging.getLogger("labeldesk.test")
    largest = 0
    try:
        for n in range(200):
            size = (0, 50, 500, 5_000_000)[n % 4]  # a 5 MB description now and then
            log.warning("answer %d: %s", n, "é" * size)
            largest = max(largest, (tmp_path / "labeldesk.log").stat().st_size)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    one_record = 2 * (logs.MAX_MESSAGE_CHARS + 200)  # é is two bytes in UTF-8
    assert cap / 2 < largest <= cap + one_record
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert kept == ["labeldesk.log", "labeldesk.log.1", "labeldesk.log.2", "labeldesk.log.3"]
    assert sum(path.stat().st_size for path in tmp_path.iterdir()) <= 4 * (cap + one_record)


def test_a_5_mb_message_is_cut_and_says_so(tmp_path):
    handler = logs.setup_logging(tmp_path)
    try:
        logging.getLogger("labeldesk.test").warning("Wix said: %s", "y" * 5_000_000)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = (tmp_path / "labeldesk.log").read_text(encoding="utf-8")
    assert len(text) < logs.MAX_MESSAGE_CHARS + 200
    assert f"… [{5_000_010 - logs.MAX_MESSAGE_CHARS:,} more characters]" in text


def test_controls_are_written_out_and_no_line_can_be_forged(tmp_path):
    handler = logs.setup_logging(tmp_path)
    log = logging.getLogger("labeldesk.test")
    forged = "2026-01-01 00:00:00,000 ERROR MainThread labeldesk: forged"
    try:
        log.warning("renaming %s failed", f"\x1b[31mRed\x1b[0m\nFAKE LINE\r\u2028{forged}\u202eexe.pdf")
        try:
            raise ValueError(f"bad name\n{forged}\x1b[2J")
        except ValueError:
            log.exception("a write failed")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = (tmp_path / "labeldesk.log").read_text(encoding="utf-8")
    assert "\\x1b[31mRed\\x1b[0m\\x0aFAKE LINE\\x0d\\u2028" in text and "\\u202eexe.pdf" in text
    assert not any(ch in text for ch in "\x1b\r\u2028\u202e")
    lines = text.splitlines()
    assert [line for line in lines if line.startswith(("FAKE", "2026-01-01"))] == []
    assert "  ValueError: bad name" in lines and f"  {forged}\\x1b[2J" in lines  # the traceback, indented


def test_a_key_at_the_cut_is_redacted_not_halved(tmp_path):
    secret = "IST.CANARY-at-the-cut-DO-NOT-LEAK"
    logs.register_secret(secret)
    handler = logs.setup_logging(tmp_path)
    try:
        logging.getLogger("labeldesk.test").warning("%s%s tail", "z" * (logs.MAX_MESSAGE_CHARS - 10), secret)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = (tmp_path / "labeldesk.log").read_text(encoding="utf-8")
    assert "IST.CANARY" not in text and secret[:10] not in text


def test_a_held_log_writes_nothing_until_opened_then_everything_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "HELD_RECORDS", 3)
    handler = logs.setup_logging(tmp_path, hold=True)
    log = logging.getLogger("labeldesk.test")
    try:
        for n in range(5):
            log.warning("early %d", n)
        assert not (tmp_path / "labeldesk.log").exists()  # (nothing written, nothing loaded yet)
        assert isinstance(handler, logs.HeldLog) and handler.log_folder == tmp_path
        handler.open()
        log.warning("later")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    lines = (tmp_path / "labeldesk.log").read_text().splitlines()
    assert "WARNING MainThread labeldesk.logs: (2 start-up" in lines[3]
    assert [line.split(": ", 1)[1] for line in lines] == [
        "early 0",
        "early 1",
        "early 2",
        "(2 start-up records left out)",  # (a WARNING of labeldesk.logs, not "Level None")
        "later",
    ]


def test_a_held_log_closed_before_it_was_opened_still_writes_what_it_held(tmp_path):
    handler = logs.setup_logging(tmp_path, hold=True)
    logging.getLogger("labeldesk.test").warning("said before the window painted")
    logging.getLogger().removeHandler(handler)
    handler.close()  # (an exit before the first paint: logging.shutdown flushes and closes it)
    assert "said before the window painted" in (tmp_path / "labeldesk.log").read_text()


def test_a_held_record_says_what_its_arguments_were_when_it_was_logged(tmp_path):
    handler = logs.setup_logging(tmp_path, hold=True)
    names = ["first"]
    try:
        logging.getLogger("labeldesk.test").warning("names: %s", names)
        names.append("added after")
        assert isinstance(handler, logs.HeldLog)
        handler.open()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = (tmp_path / "labeldesk.log").read_text()
    assert "names: ['first']" in text and "added after" not in text
