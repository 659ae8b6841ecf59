"""Logging: a rotating file in the user's log folder, with every known secret blotted out.

The adapter never logs a key in the first place; the redaction filter is the second lock on the door,
for text we don't control (a third-party library's message, an exception from deep inside).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from io import TextIOWrapper
from pathlib import Path
from typing import cast

from labeldesk.paths import open_private, private_folder

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


#: The longest message a record keeps, in characters; the rest is cut, and the cut said. Messages
#: carry text from the service (a label name, an error's description of any size).
MAX_MESSAGE_CHARS = 2_000
#: The longest traceback a record keeps, in characters.
MAX_TRACEBACK_CHARS = 20_000

# Characters that would act in a terminal (escape sequences), start a line of their own (and so
# forge a record) or turn text around: C0 and C1 controls, DEL, the Unicode line and paragraph
# separators and the direction marks.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` for one line of the log: controls written out (ESC as ``\\x1b``, a line break as
    ``\\x0a``), and cut to ``limit`` characters with the cut said."""
    if len(text) > limit:
        text = f"{text[:limit]}… [{len(text) - limit:,} more characters]"
    return _CONTROLS.sub(_visible, text)


def _traceback(text: str) -> str:
    """A traceback under its record: each line indented (so none can pass for a record of its own),
    controls written out, long lines and a long whole cut."""
    if len(text) > MAX_TRACEBACK_CHARS:
        text = f"{text[:MAX_TRACEBACK_CHARS]}… [{len(text) - MAX_TRACEBACK_CHARS:,} more characters]"
    return "\n".join("  " + one_line(line) for line in text.split("\n"))


class RedactingFilter(logging.Filter):
    """Makes each record safe to write, once, for every call site: registered secrets blotted out
    (in the message and traceback), then control characters written out and long texts cut, so a
    name from the service can neither forge a line nor send escapes to a terminal, nor fill the disk.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_labeldesk_safe", False):  # already done (a second handler of ours)
            return True
        message = record.getMessage()
        cleaned = one_line(redact(message))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _traceback(redact(record.exc_text))
        if record.stack_info:
            record.stack_info = _traceback(redact(record.stack_info))
        record._labeldesk_safe = True
        return True


#: The log is set aside (labeldesk.log.1, .2, .3) when the next record would take it past this size,
#: while LabelDesk runs, so one session can't fill the disk: at most (1 + KEEP) × this, plus a record.
ROTATE_AT_BYTES = 1_000_000
KEEP = 3


#: The most records a held log (see setup_logging) keeps until its file is open; more are counted.
HELD_RECORDS = 1_000


def _log_file(log_dir: Path) -> logging.Handler:
    """The handler writing ``log_dir/labeldesk.log`` (see setup_logging), or the console's."""
    import logging.handlers  # (here: with its sockets, pickle and queues, it would cost the first paint)

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        """The standard rotating handler, its files made for this user alone (0600) and never opened
        through a link (see paths.open_private): the stock one opens with the default mode, 0644."""

        def _open(self) -> TextIOWrapper:
            # A text stream: this handler's mode is the default "a" (typeshed can't tell that from a str mode).
            return cast(
                TextIOWrapper,
                open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors, opener=open_private),
            )

    try:
        private_folder(log_dir)
        path = log_dir / "labeldesk.log"
        return PrivateRotatingFileHandler(path, maxBytes=ROTATE_AT_BYTES, backupCount=KEEP, encoding="utf-8")
    except OSError:
        # A folder we may not write to (the window says so): log to the console, if there is one.
        return logging.StreamHandler(sys.stderr) if sys.stderr is not None else logging.NullHandler()


class HeldLog(logging.Handler):
    """The log file's handler, holding what is logged until ``open()`` (at most HELD_RECORDS records;
    more are counted, and the count written when it opens). Flushing or closing it opens it first, so
    nothing held is lost at an ordinary exit."""

    def __init__(self, log_dir: Path) -> None:
        super().__init__()
        self.log_dir = log_dir
        self.target: logging.Handler | None = None
        self._held: list[logging.LogRecord] = []
        self._dropped = 0

    def open(self) -> None:
        """Open the file (or fall back to the console: see setup_logging) and write what was held."""
        self.acquire()  # (records may come from any thread meanwhile)
        try:
            if self.target is not None:
                return
            self.target = target = _log_file(self.log_dir)
            target.setFormatter(self.formatter)
            if self._dropped:
                note = f"({self._dropped} start-up records left out)"
                self._held.append(
                    logging.makeLogRecord(
                        {"msg": note, "name": __name__, "levelno": logging.WARNING, "levelname": "WARNING"}
                    )
                )
            held, self._held, self._dropped = self._held, [], 0
            for record in held:
                target.emit(record)
        finally:
            self.release()

    def emit(self, record: logging.LogRecord) -> None:
        if self.target is not None:
            self.target.emit(record)
        elif len(self._held) < HELD_RECORDS:
            # Its words as they are now (as QueueHandler.prepare does): an argument may change, or be
            # gone, by the time the file opens.
            record.msg, record.args = record.getMessage(), None
            self._held.append(record)
        else:
            self._dropped += 1

    def flush(self) -> None:
        self.open()
        assert self.target is not None
        self.target.flush()

    def close(self) -> None:
        self.open()
        assert self.target is not None
        self.target.close()
        super().close()

    @property
    def log_folder(self) -> Path | None:
        """Where the file is (or will be); None once it fell back to the console."""
        if self.target is None or isinstance(self.target, logging.FileHandler):
            return self.log_dir
        return None


def setup_logging(log_dir: Path, *, level: int = logging.INFO, hold: bool = False) -> logging.Handler:
    """Send LabelDesk's log to ``log_dir/labeldesk.log`` (or, if that can't be written, to stderr);
    returns the handler. ``hold``: a HeldLog, which keeps the records in memory until its ``open()``
    (the app opens it once the window has first painted).

    The file is set aside when it would pass ROTATE_AT_BYTES (KEEP old ones kept), at start-up and
    while running. Its folder and files are this user's alone; a link or another user's file in their
    place is refused (the console gets the log then; AppPaths.ensure_writable says why in the window).
    """
    handler = HeldLog(log_dir) if hold else _log_file(log_dir)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    # httpx logs every request at INFO; that is noise for a desktop log, and our adapter logs its own.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return handler
