"""The engine's loop: intents in from a connection, events out, until Shutdown or the window goes.

:func:`serve` runs wherever the engine lives: :func:`process_main` is the engine's own process,
once labeldesk.engine.entry has started it (and perhaps set a first read going); tests may run
:func:`serve` on a thread.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

import msgspec

from labeldesk.engine import protocol as p
from labeldesk.engine.core import SyncEngine

log = logging.getLogger(__name__)


def serve(conn: Connection, clients: dict[int, Any] | None = None, early: Future[Any] | None = None) -> None:
    """Answer intents from ``conn`` until Shutdown, or until the other end closes (then stop as if
    told to). ``clients``: client objects handed over in this process (see SyncEngine). ``early``: a
    first read begun before the engine (entry.EarlyRead, or None for none), for the first Open."""
    lock = threading.Lock()
    gone = threading.Event()

    def send(event: p.Event) -> None:
        data = p.encode(event)
        with lock:
            if gone.is_set():
                return
            try:
                conn.send_bytes(data)
            except (OSError, ValueError):  # the window has gone: nobody to tell
                gone.set()

    engine = SyncEngine(send, clients)
    if early is not None:
        # Taken as the engine takes a Prefetch's read (see SyncEngine._take_prefetched). The slot is
        # private to core.py, which is at its size limit; a public way in belongs there.
        engine._early_read = early
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            gone.set()
            engine.shutdown(in_good_order=False)  # the window is gone: maybe it crashed
            break
        try:
            intent = p.decode_intent(data)
        except msgspec.DecodeError:
            log.error("the engine got a message it can't read (%d bytes)", len(data))
            continue
        try:
            if not engine.handle(intent):
                break
        except Exception:
            log.exception("the engine couldn't act on %s", type(intent).__name__)
    conn.close()


class _ToWindow(logging.Handler):
    """Sends the engine process's log records to the window, which writes the one log file."""

    def __init__(self, conn: Connection, lock: threading.Lock) -> None:
        super().__init__(logging.DEBUG)
        self._conn = conn
        self._lock = lock

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
            data = p.encode(p.EngineLog(record.levelno, record.name, message, record.created))
            with self._lock:
                self._conn.send_bytes(data)
        except Exception:  # never let logging break the engine (the window may be gone)
            pass


def process_main(
    conn: Connection,
    log_conn: Connection,
    level: int,
    early: Future[Any] | None = None,
    held: list[logging.LogRecord] | None = None,
) -> None:
    """The engine process: log through ``log_conn`` (``held``: records logged before it could, sent
    first), serve ``conn`` (``early``: see serve). Ctrl+C in a terminal is the window's to handle:
    the engine stops when the window tells it, or when the window is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger()
    to_window = _ToWindow(log_conn, threading.Lock())
    root.handlers[:] = [to_window]
    root.setLevel(level)
    log.info("the sync engine started in its own process (%d)", os.getpid())
    for record in held or ():
        to_window.handle(record)
    serve(conn, early=early)
    # Everything is said and saved (Stopped was sent after the disk's last write); what is left are
    # pool threads waiting on the network for answers nobody wants, which a normal exit would wait
    # for. This is the engine's process, not the window's: nothing of Qt's needs a clean exit here.
    log_conn.close()
    os._exit(0)
