"""Long jobs on worker threads give way to the GUI thread.

Python runs one thread at a time. While a worker is busy in Python, the GUI thread waits for its
turn (up to the switch interval) each time Qt calls into Python, and a paint makes hundreds of
those calls, so a busy worker turns a 10 ms paint into 50-200 ms. So long jobs (parsing a
refresh, preparing search texts and the sort order, writing the cache) run in small steps and
call :func:`give_way` between them, and the GUI thread wraps its heavy moments (painting the
table, filtering, applying a refresh) in :func:`gui_busy`: meanwhile the workers wait at their next
step, and they go on as soon as it ends. Without a GUI, nothing ever waits.

(Qt's event dispatcher signals, awake and aboutToBlock, looked like the way to know when the GUI
thread is busy, but with the GLib dispatcher used on Linux timers and paints run between
aboutToBlock and awake, so the GUI side says it explicitly.)

Waiting is bounded: workers wait at most :data:`MAX_WAIT` for one busy stretch of the GUI thread
(a long job of its own), then go on regardless.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

#: The longest a worker waits for one busy stretch of the GUI thread, in seconds.
MAX_WAIT = 0.05
#: Items per step: a few hundred microseconds to a millisecond of work for the loops that use it.
STEP = 2000

_gui_waiting = threading.Event()
_gui_waiting.set()
_busy_since = 0.0
_depth = 0
_busy_thread: int | None = None
_usual_interval = 0.005
#: The interpreter's switch interval while the GUI thread is busy (seconds; Python's default is 5 ms).
#: Measured with a worker spinning in Python: a 6 ms table paint took 35-48 ms at 1 ms, 10-13 ms here.
BUSY_SWITCH_INTERVAL = 0.0001


def give_way() -> None:
    """Wait while the GUI thread is busy (at most until its busy stretch is MAX_WAIT old).

    The GUI thread itself never waits: the same steps run there too (say, sorting on a header
    click), and it would be waiting for its own busy stretch to end.
    """
    if not _gui_waiting.is_set() and threading.get_ident() != _busy_thread:
        remaining = _busy_since + MAX_WAIT - time.monotonic()
        if remaining > 0:
            _gui_waiting.wait(remaining)


@contextlib.contextmanager
def gui_busy() -> Iterator[None]:
    """For the GUI thread only: workers hold back while the block runs (nested blocks count once)."""
    global _busy_since, _depth, _busy_thread, _usual_interval  # noqa: PLW0603 - one GUI thread, one state
    if _depth == 0:
        _busy_since = time.monotonic()
        _busy_thread = threading.get_ident()
        _gui_waiting.clear()
        # A paint calls into Python hundreds of times, and each call may have to wait for a worker
        # to let go of the interpreter: at most one switch interval, so make it short meanwhile.
        # (A worker between two give_way() steps, or an HTTP thread, can't be stopped otherwise.)
        _usual_interval = sys.getswitchinterval()
        sys.setswitchinterval(BUSY_SWITCH_INTERVAL)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            sys.setswitchinterval(_usual_interval)
            _gui_waiting.set()


def in_steps(items: Sequence[T], size: int = STEP) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size``, giving way before each."""
    for start in range(0, len(items), size):
        give_way()
        yield items[start : start + size]
