"""Logging: a rotating file in the user's log folder, with every known secret blotted out.

The adapter never logs a key in the first place; the redaction filter is the second lock on the door,
for text we don't control (a third-party library's message, an exception from deep inside).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

REDACTED = "[redacted]"
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str) -> None:
    """From now on, ``value`` is replaced by [redacted] in everything our handlers write."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Formats the record's message and blots out registered secrets (in the message and traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


#: The log is set aside (labeldesk.log.1, .2, .3) at start-up once it has grown past this size.
ROTATE_AT_BYTES = 1_000_000
KEEP = 3


def _rotate(path: Path) -> None:
    try:
        if path.stat().st_size < ROTATE_AT_BYTES:
            return
        for number in range(KEEP - 1, 0, -1):
            older = path.with_name(f"{path.name}.{number}")
            if older.exists():
                os.replace(older, path.with_name(f"{path.name}.{number + 1}"))
        os.replace(path, path.with_name(f"{path.name}.1"))
    except OSError:
        pass  # no log yet, or another LabelDesk is using it: keep appending


def setup_logging(log_dir: Path, *, level: int = logging.INFO) -> logging.Handler:
    """Send LabelDesk's log to ``log_dir/labeldesk.log`` (or, if that can't be written, to stderr);
    returns the handler.

    The file is rotated when the app starts, if it has passed 1 MB (three old ones kept), rather
    than mid-session by logging.handlers.RotatingFileHandler: that module costs ~12 ms to import
    (sockets, pickle, queues), on the path to the first window.
    """
    path = log_dir / "labeldesk.log"
    handler: logging.Handler
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        _rotate(path)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        # A folder we may not write to (the window says so): log to the console, if there is one.
        handler = logging.StreamHandler(sys.stderr) if sys.stderr is not None else logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    # httpx logs every request at INFO; that is noise for a desktop log, and our adapter logs its own.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return handler
