"""Who runs an operation of the journal: an engine names itself "<pid>:<token>", and an operation whose
engine is gone (its process ended, or, in this process, the engine shut down) is free to be resumed.

An engine given a folder (its saved copy's) also holds an operating-system lock on a file of its own
there, ``<token>.lock``, for as long as it lives: the system lets go of it when the process ends, however
it ends, so another engine tells a live owner from a gone one by trying to take that lock. A process id
alone can't: once the engine's process ended, another program may be given its number, and the
operations it left would wait for that program to end, perhaps for ever. An owner without a lock file
(no folder given, or one that couldn't be written) falls back to its process id: then it is late, never
twice.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import uuid
from pathlib import Path

from labeldesk.paths import open_private, private_folder

_live: set[str] = set()
#: The lock file each live owner of this process holds (its descriptor).
_held: dict[str, int] = {}
_lock = threading.Lock()


def new_owner(folder: Path | None = None) -> str:
    """A name for an engine starting now, alive until :func:`release`; with ``folder``, it holds its
    lock file there (if the folder can't be written, it goes without: see the module's docstring)."""
    token = uuid.uuid4().hex
    owner = f"{os.getpid()}:{token}"
    fd = None
    if folder is not None:
        try:
            private_folder(folder)
            fd = open_private(folder / f"{token}.lock", os.O_RDWR | os.O_CREAT)
            if not _try_lock(fd):  # (a fresh name: nobody else can hold it)
                os.close(fd)
                fd = None
        except OSError:
            fd = None
    with _lock:
        _live.add(owner)
        if fd is not None:
            _held[owner] = fd
    return owner


def release(owner: str) -> None:
    """The engine ``owner`` stopped: what it still ran may be resumed. Its lock file stays, free, so that an
    operation it left is known gone by it whatever its process id becomes (:func:`sweep` removes it later)."""
    with _lock:
        _live.discard(owner)
        fd = _held.pop(owner, None)
    if fd is not None:
        os.close(fd)  # (the lock goes with it)


def sweep(folder: Path, named: set[str]) -> None:
    """Remove the lock files in ``folder`` of gone engines, except those of the owners ``named`` (the
    owners of running operations: their files tell who is gone)."""
    tokens = {_token(owner) for owner in named}
    try:
        paths = [path for path in folder.glob("*.lock") if path.stem not in tokens]
    except OSError:
        return
    for path in paths:
        if _held_elsewhere(path) is False:
            with contextlib.suppress(OSError):
                path.unlink()  # (one made a moment ago, not yet locked, goes too: that engine is then known by its pid)


def alive(owner: str, folder: Path | None = None) -> bool:
    """Whether the engine ``owner`` may still be running: by its lock file in ``folder`` when it has one
    there, else by its process id."""
    pid_text, _, token = owner.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        with _lock:
            return owner in _live
    if folder is not None and token:
        held = _held_elsewhere(folder / f"{token}.lock")
        if held is not None:
            return held
    return _process_alive(pid)


def _token(owner: str) -> str:
    return owner.partition(":")[2]


def _held_elsewhere(path: Path) -> bool | None:
    """Whether another process holds the lock on ``path``; None when there is no such file to tell by."""
    try:
        fd = open_private(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    except OSError:
        return None
    try:
        if not _try_lock(fd):
            return True
    finally:
        os.close(fd)  # (and so our lock, if we took it)
    return False


def _try_lock(fd: int) -> bool:
    """Take the lock on ``fd`` without waiting: False if another process holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # (BlockingIOError, or PermissionError on Windows)
        return False
    return True


def _process_alive(pid: int) -> bool:
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return bool(kernel32.WaitForSingleObject(handle, 0) == 0x102)  # WAIT_TIMEOUT: still running
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, and not ours to resume
        return True
    try:  # a killed child its parent hasn't reaped yet is a zombie: gone all the same
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True
