"""Keeping Python's cycle collector out of the GUI thread's way while many labels are made.

A refresh of a big site makes hundreds of thousands of objects (JSON dicts, Labels, search texts).
The cycle collector counts them and runs passes that hold the interpreter lock for 10-60 ms, so the
GUI thread stops, and those passes find nothing to free: the dicts die by reference counting and
the Labels are meant to live. So the collector is paused while they are made, and what was made is
then moved out of its sight (``gc.freeze``): later passes don't walk 50,000 long-lived labels
again, and the labels are still freed as usual when nothing refers to them any more.

Anything frozen is given back to the collector (``gc.unfreeze``, into its oldest generation) when
the next pause begins, so a reference cycle that did become garbage meanwhile is still found.
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

    A collector that someone else switched off is left alone (and nothing is frozen).
    """
    global _pauses  # noqa: PLW0603 - one process-wide switch needs one process-wide count
    with _lock:
        ours = _pauses > 0 or gc.isenabled()
        if ours:
            if _pauses == 0:
                gc.unfreeze()
            _pauses += 1
            gc.disable()
    try:
        yield
    finally:
        if ours:
            with _lock:
                _pauses -= 1
                if _pauses == 0:
                    gc.freeze()
                    gc.enable()
