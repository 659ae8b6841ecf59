"""Keeping Python's cycle collector out of the GUI thread's way while many labels are made.

A refresh of a big site makes many objects at once; the cycle collector counts them and runs
passes that hold the interpreter lock (the GUI thread waits) and find nothing to free: the
temporary objects die by reference counting, and the Labels (msgspec Structs with gc=False) are
never tracked at all. So the collector is paused while a refresh is read and prepared, and runs
normally again afterwards, when anything that did become cyclic garbage is found as usual.
(An earlier version also froze what was made, gc.freeze; that kept such garbage forever.)
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_pauses = 0


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block; nested and concurrent uses are counted.

    A collector that someone else switched off is left alone.
    """
    global _pauses  # noqa: PLW0603 - one process-wide switch needs one process-wide count
    with _lock:
        ours = _pauses > 0 or gc.isenabled()
        if ours:
            _pauses += 1
            gc.disable()
    try:
        yield
    finally:
        if ours:
            with _lock:
                _pauses -= 1
                if _pauses == 0:
                    gc.enable()
