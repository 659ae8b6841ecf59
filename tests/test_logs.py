"""The log file: rotated at start-up once it has grown, never losing the last three."""

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
