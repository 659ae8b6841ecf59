"""Where an engine begins: how its process is started, and the first thing it does there.

Qt-free and light, so that the window's process can start an engine before it loads Qt (see
:func:`prestart`), and so that a spawned engine, which imports the module its target lives in, loads
nothing here it doesn't need. On a first start (no saved copy to show) the engine's first request
to Wix is the start's longest wait, so the engine process sends it before anything else: it reads
the key and builds the client (the keyring and the client's modules only), sets the site reading,
and only then imports the rest of the engine (serve, core, the saved copy, the index).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labeldesk.engine.early import Prefetched

log = logging.getLogger(__name__)

#: How an engine process is started: "fork" (Linux, only while the window's process has no thread
#: but its main one and no Qt loaded: see _start_method), else "spawn" (Windows, macOS, and every
#: engine started once the window is up). Setting the variable to "spawn" forces spawn (tests of
#: the bundle use it).
START_METHOD_VARIABLE = "LABELDESK_ENGINE_START"
#: The longest the engine process waits, in seconds, for the early read to have its key and client
#: before it imports the rest of itself (a keyring may be waiting for the person to unlock it).
EARLY_KEY_WAIT = 1.0


@dataclass(frozen=True, slots=True)
class FirstRead:
    """The site a first start opens, for its engine to read before being asked: the site, its API
    address and the keyring account its key is saved under (see credentials.key_account). Never the
    key itself: the engine reads it from the keyring."""

    site_id: str
    base_url: str
    account: str


class Started:
    """An engine process and the window's ends of its pipes (Qt-free, so it can start before Qt).

    ``first_read``: the site the engine reads at once (see FirstRead), or None.
    """

    def __init__(self, first_read: FirstRead | None = None) -> None:
        self.conn, engine_end = multiprocessing.Pipe(duplex=True)
        self.log_conn, log_end = multiprocessing.Pipe(duplex=False)
        self.method = _start_method()
        fork = self.method == "fork"
        context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        level = logging.getLogger().getEffectiveLevel()
        args: tuple[Any, ...] = (engine_end, log_end, level)
        if first_read is not None:
            args += (first_read,)
        if fork:  # (its copies of the window's ends go first: see _forked)
            target: Callable[..., None] = _forked
            args = ((self.conn, self.log_conn), *args)
        else:
            target = engine_process
        self.process = context.Process(target=target, args=args, name="labeldesk-engine", daemon=True)
        self.process.start()
        engine_end.close()
        log_end.close()


def _start_method() -> str:
    """Fork where it is safe and quickest: on Linux, in a process with no other thread (a fork copies
    only the thread that calls it, so a lock another thread held would stay locked for good) and
    without Qt (which starts threads of its own). Everywhere else spawn: a fresh interpreter, the same
    from the source tree and in the PyInstaller bundle (see packaging/entry.py)."""
    if os.environ.get(START_METHOD_VARIABLE) == "spawn":
        return "spawn"
    if sys.platform.startswith("linux") and threading.active_count() == 1 and "PySide6.QtCore" not in sys.modules:
        return "fork"
    return "spawn"


#: An engine started ahead of need (at most one), for the next EngineHost in a process to take.
_spare: list[Started] = []


def prestart(first_read: FirstRead | None = None) -> bool:
    """Start an engine process now, for the first EngineHost to take: at start-up, before Qt is loaded
    and the window built, so that the engine starts (and reads ``first_read``'s site) meanwhile. True
    if it did; nothing once Qt is loaded (the window is then built or being built: its engine starts
    when it asks for one, as in tests that run the app in their own process) or with one waiting."""
    if _spare or "PySide6.QtCore" in sys.modules:
        return False
    _spare.append(Started(first_read))
    return True


def take_spare() -> Started:
    """The engine prestart() started, if it is still running; else one started now."""
    while _spare:
        started = _spare.pop()
        if started.process.is_alive():
            return started
    return Started()


# -- in the engine's process -------------------------------------------------------------------------------


def engine_process(conn: Connection, log_conn: Connection, level: int, first_read: FirstRead | None = None) -> None:
    """The target of the engine's own process: ``first_read``'s site set reading first, then the
    engine (see labeldesk.engine.serve.process_main)."""
    held = _Held()
    root = logging.getLogger()
    root.handlers[:] = [held]  # (forked: not the window's log file; the engine's go through log_conn)
    root.setLevel(level)
    early = _begin(first_read) if first_read is not None else None
    from labeldesk.engine.serve import process_main

    process_main(conn, log_conn, level, early, held.records)


def _forked(window_ends: tuple[Connection, ...], *args: Any) -> None:
    """engine_process in a forked process, which starts with copies of everything the window's
    process had open: its copies of the window's ends of the pipes are closed first, or the engine
    would never see the window go (a pipe ends when every copy of the other end is closed)."""
    for end in window_ends:
        end.close()
    engine_process(*args)


def engine_thread(conn: Connection, clients: dict[int, Any]) -> None:
    """The target of an engine on a thread of the window's process (tests)."""
    from labeldesk.engine.serve import serve

    serve(conn, clients)


class _Held(logging.Handler):
    """Keeps what the engine logs before it can send it to the window (see serve.process_main)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _begin(first: FirstRead) -> Future[Prefetched | None]:
    """Read ``first``'s key and start reading its site, on a thread; the answer: the read under way
    (as the engine keeps a Prefetch's), or None when there is no key (the window asks for one) or the
    keyring failed (it says so, as the window finds out for itself). Waits EARLY_KEY_WAIT at most
    for the requests to be on their way."""
    ready: Future[Prefetched | None] = Future()
    threading.Thread(target=_read_early, args=(first, ready), name="engine-early", daemon=True).start()
    with contextlib.suppress(TimeoutError):  # (the keyring is slow: the engine starts meanwhile)
        ready.result(timeout=EARLY_KEY_WAIT)
    return ready


def _read_early(first: FirstRead, ready: Future[Prefetched | None]) -> None:
    try:
        found: Future[str | None] = Future()
        lookup = functools.partial(_saved_key, first.account)
        # (a keyring may answer over D-Bus: the client's modules load meanwhile)
        threading.Thread(target=_settle, args=(found, lookup), name="engine-early-key", daemon=True).start()
        from labeldesk.api.client import WixLabelsClient
        from labeldesk.logs import register_secret

        key = found.result()
        if not key:
            ready.set_result(None)
            return
        register_secret(key)  # this process's logs and bug reports never show it either
        client = WixLabelsClient(key, first.site_id, base_url=first.base_url)  # as the window's own are
    except Exception as exc:  # the window looks the key up too, and says what is wrong
        log.info("no early read of the site: %r", exc)
        ready.set_result(None)
        return
    labels: Future[Any] = Future()
    counts: Future[dict[str, int | None]] = Future()
    for future, read in ((labels, client.fetch_all), (counts, client.contact_counts)):
        threading.Thread(target=_settle, args=(future, read), name="engine-early", daemon=True).start()
    log.info("reading the site's labels while the window opens")
    from labeldesk.engine.early import Prefetched  # (the protocol comes with it: once the requests are out)

    ready.set_result(Prefetched(first.site_id, client.base_url, key, client, labels, counts))


def _saved_key(account: str) -> str | None:
    from labeldesk.credentials import CredentialStore

    return CredentialStore().get(account)


def _settle(future: Future[Any], fn: Callable[[], Any]) -> None:
    try:
        future.set_result(fn())
    except BaseException as exc:  # handed to whoever takes the answer, which says what it was
        future.set_exception(exc)
