"""Who runs an operation of the journal: an engine names itself "<pid>:<token>", and an operation whose
engine is gone (its process ended, or, in this process, the engine shut down) is free to be resumed.

A process id can be reused by another program after the engine's process ended: the operation then
waits for the next start, which is late but never twice.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid

_live: set[str] = set()
_lock = threading.Lock()


def new_owner() -> str:
    """A name for an engine starting now, alive until :func:`release`."""
    owner = f"{os.getpid()}:{uuid.uuid4().hex}"
    with _lock:
        _live.add(owner)
    return owner


def release(owner: str) -> None:
    """The engine ``owner`` stopped: what it still ran may be resumed."""
    with _lock:
        _live.discard(owner)


def alive(owner: str) -> bool:
    """Whether the engine ``owner`` may still be running."""
    pid_text, _, _token = owner.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        with _lock:
            return owner in _live
    return _process_alive(pid)


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
