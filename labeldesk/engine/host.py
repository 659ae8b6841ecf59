"""The window's end of the engine: starts it, sends intents, turns its events into a Qt signal.

The engine runs in a process of its own (the app), or on a thread of this one (tests that hand it a
client object they have rigged); either way every intent and event crosses the same encoded pipe.
One reader thread waits on the pipe (a blocking read, which works the same on Windows, where a pipe
is no socket a QSocketNotifier could watch) and queues what arrives; the GUI thread decodes it a few
milliseconds at a time, so a first load of many parts is decoded between paints, never in one go.
A second reader passes the engine's log records to this process's log.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import threading
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from labeldesk.engine import protocol as p

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

#: Where engines run unless asked otherwise: "process" (the app) or "thread" (the test suite sets it,
#: so that tests can hand the engine clients with rigged transports).
DEFAULT_MODE = "process"
#: The longest the GUI thread reads events in one go, in seconds, before it lets Qt paint.
READ_SLICE_SECONDS = 0.004
#: The longest a retired engine (a site switched away from, signed out of) is given to finish its
#: saved copy's writes, in milliseconds, before it is ended.
FINISH_LIMIT_MS = 10_000
#: How long a process that said Stopped is given to be gone, in seconds.
STOPPED_EXIT_SECONDS = 0.5
#: The longest a host being closed waits for its engine process to have started, in seconds.
STARTING_LIMIT_SECONDS = 10.0
#: Hosts finishing in the background (see EngineHost.finish_later), kept alive until they are done.
_finishing: set[EngineHost] = set()

_handles = itertools.count(1)
#: Messages shorter than this are decoded on the reader thread too, to spot Stopped (see shutdown).
_SMALL = 64


class EngineHost(QObject):
    """One engine. Signals: ``event_received(Event)`` for each event, in order; ``died()`` when the
    engine ended without being told to (a crash): whoever owns the host starts a new one."""

    event_received = Signal(object)
    died = Signal()
    _arrived = Signal()  # (from the reader thread: something is queued)
    _gone = Signal()  # (from the reader thread: the pipe closed)

    def __init__(self, mode: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mode = mode or DEFAULT_MODE
        self._clients: dict[int, Any] = {}
        self._stopping = False
        self._ended = False
        self._process: Any = None
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None
        self._log_conn: Connection | None = None
        self._readers: list[threading.Thread] = []
        #: Set once the engine is started (its pipes exist and their readers run), or failed to start.
        self._started = threading.Event()
        self._inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._stopped_seen = threading.Event()
        self._draining = False
        self._arrived.connect(self._read)
        self._gone.connect(self._lost)
        if self.mode != "process":
            import multiprocessing

            from labeldesk.engine import entry

            conn, engine_end = multiprocessing.Pipe(duplex=True)
            self._thread = threading.Thread(
                target=entry.engine_thread, args=(engine_end, self._clients), name="labeldesk-engine", daemon=True
            )
            self._thread.start()
            self._attach(conn, None)
        # (an engine process is started by the writer thread, before it writes: see _write)
        self._writer = threading.Thread(target=self._write, name="labeldesk-engine-writer", daemon=True)
        self._writer.start()

    def _attach(self, conn: Connection, log_conn: Connection | None) -> None:
        """The engine's ends of the pipes are known: their readers start."""
        self._conn, self._log_conn = conn, log_conn
        readers = [(self._receive, conn, "labeldesk-engine-reader")]
        if log_conn is not None:
            readers.append((self._receive_logs, log_conn, "labeldesk-engine-log"))
        self._readers = [threading.Thread(target=fn, args=(end,), name=name, daemon=True) for fn, end, name in readers]
        for reader in self._readers:
            reader.start()
        self._started.set()

    def hand_over(self, client: Any) -> p.ClientSettings | int:
        """How an Open or UseClient names ``client``: its settings (an engine in a process builds its
        own), or (on a thread) a handle to the object itself."""
        if self.mode == "process":
            return p.client_settings(client)
        handle = next(_handles)
        self._clients[handle] = client
        return handle

    def send(self, intent: p.Intent) -> bool:
        """Pass ``intent`` on, in order, without waiting: the writer thread sends it (a pipe holds only
        so much while the engine is busy, and the GUI thread must never wait for it to read). False
        if the engine is gone (then ``died`` was or will be emitted)."""
        if self._ended:
            return False
        self._outbox.put(p.encode(intent))
        return True

    # -- the writer and reader threads ----------------------------------------------------------------

    def _write(self) -> None:
        """On the writer thread: start the engine's process (when it runs in one: loading what starts
        processes, and starting one, would hold the GUI thread for longer than a frame), then send
        what send() queued, in order, until _close (None)."""
        conn = self._conn
        if conn is None:
            try:
                from labeldesk.engine import entry

                started = entry.take_spare()  # (the one started before Qt, when it is still there)
            except Exception:
                log.exception("the sync engine couldn't be started")
                self._started.set()
                with contextlib.suppress(RuntimeError):
                    self._gone.emit()  # as if it had died at once (the window counts such deaths)
                return
            self._process, conn = started.process, started.conn
            self._attach(conn, started.log_conn)
        while (data := self._outbox.get()) is not None:
            try:
                conn.send_bytes(data)
            except Exception:  # (OSError, ValueError, ...) the engine has gone, or this end was closed
                with contextlib.suppress(RuntimeError):  # (the host is gone already)
                    self._gone.emit()  # (the reader sees the pipe close too: _lost happens once)
                return

    def _receive(self, conn: Connection) -> None:
        """On the reader thread: queue each message whole, and say so."""
        while True:
            try:
                data = conn.recv_bytes()
            except (EOFError, OSError, ValueError):  # the engine ended, or this end was closed
                self._inbox.put(None)
                with contextlib.suppress(RuntimeError):  # (the host is gone already)
                    self._gone.emit()
                return
            if len(data) < _SMALL and isinstance(p.decode_event(data), p.Stopped):
                self._stopped_seen.set()
            self._inbox.put(data)
            with contextlib.suppress(RuntimeError):
                self._arrived.emit()

    def _receive_logs(self, conn: Connection) -> None:
        while True:
            try:
                event = p.decode_event(conn.recv_bytes())
            except (EOFError, OSError, ValueError):
                return
            if isinstance(event, p.EngineLog):
                self._log(event)  # (logging is thread-safe)

    # -- on the GUI thread ----------------------------------------------------------------------------

    def _read(self) -> None:
        if self._draining:
            return  # (a slice is already scheduled)
        deadline = time.perf_counter() + READ_SLICE_SECONDS
        while not self._ended:
            try:
                data = self._inbox.get_nowait()
            except queue.Empty:
                return
            if data is None:
                self._lost()
                return
            event = p.decode_event(data)
            if isinstance(event, p.EngineLog):
                self._log(event)
            elif isinstance(event, p.Stopped):
                self._finished(stopped=True)  # (after finish_later)
                return
            elif not self._stopping:
                self.event_received.emit(event)
            if time.perf_counter() > deadline:  # the rest after Qt has had its turn (a paint, a key)
                self._draining = True
                QTimer.singleShot(0, self._next_slice)
                return

    def _next_slice(self) -> None:
        self._draining = False
        self._read()

    @staticmethod
    def _log(event: p.EngineLog) -> None:
        logger = logging.getLogger(event.name)
        if logger.isEnabledFor(event.level):
            record = logger.makeRecord(event.name, event.level, "(engine)", 0, "[engine] %s", (event.message,), None)
            if event.created:
                record.created, record.msecs = event.created, (event.created % 1) * 1000
            logger.handle(record)

    def _lost(self) -> None:
        if self._ended:
            return
        self._ended = True
        if self._stopping:
            self._finished()  # (after finish_later: gone, whether it said Stopped or not)
            return
        code = self._process.exitcode if self._process is not None else None
        log.error("the sync engine stopped unexpectedly (exit code %s)", code)
        self.died.emit()

    def shutdown(self, wait_ms: int = 5000) -> bool:
        """Tell the engine to finish its saved copy's writes and stop; wait ``wait_ms`` at most for it
        (the network is never waited for). What it sends meanwhile is not passed on. True if it
        stopped in time; else a process is ended, and False."""
        if self._stopping:
            return True
        self._stopping = True
        deadline = time.monotonic() + wait_ms / 1000
        stopped = self.send(p.Shutdown()) and self._stopped_seen.wait(max(0.0, wait_ms / 1000))
        self._close(stopped, deadline)
        return stopped

    def finish_later(self, limit_ms: int = FINISH_LIMIT_MS) -> None:
        """Like shutdown, without waiting here: the engine finishes its writes (a sign-out's deletion
        of the saved copy included) while the window goes on; after ``limit_ms`` it is ended. What
        it still sends is not passed on. The host keeps itself alive until then."""
        if self._stopping:
            return
        self._stopping = True
        _finishing.add(self)
        self.setParent(None)  # (its owner may be deleted first; nothing it sends is passed on now)
        if not self.send(p.Shutdown()):
            self._finished()
            return
        QTimer.singleShot(limit_ms, self._finished)

    def _finished(self, stopped: bool = False) -> None:
        if self in _finishing:
            _finishing.discard(self)
            self._close(stopped, time.monotonic())
            self.deleteLater()

    def _close(self, stopped: bool, deadline: float) -> None:
        self._ended = True
        if not self._started.wait(STARTING_LIMIT_SECONDS):  # (an engine process may be starting still)
            log.error("the sync engine took too long to start")
        if self._process is not None:
            # After Stopped nothing can be lost: the process leaves at once (serve.process_main).
            self._process.join(max(STOPPED_EXIT_SECONDS, deadline - time.monotonic()) if stopped else 0)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(1)
        if self._thread is not None:
            self._thread.join(max(STOPPED_EXIT_SECONDS, deadline - time.monotonic()))
        self._outbox.put(None)  # (what is still queued is for an engine that has gone)
        # (the engine's end is closed by now: the reads, and a write it wasn't reading, have ended)
        for thread in (self._writer, *self._readers):
            thread.join(STOPPED_EXIT_SECONDS)
        if self._conn is not None:
            self._conn.close()
        if self._log_conn is not None:
            self._log_conn.close()
            self._log_conn = None
