"""Long loops over a site's labels, in steps, with a call (``pause``) between them.

The label index is built in whichever process holds the labels. Where worker threads share an
interpreter with a GUI thread, the caller passes a ``pause`` that lets the GUI thread run between
steps; elsewhere nothing needs to pause, and the default does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

#: Called between two steps of a long loop.
Pause = Callable[[], object]
#: Items per step: a few hundred microseconds to a millisecond of work for the loops that use it.
STEP = 2000


def no_pause() -> None:
    """The default ``pause``: nothing waits."""


def in_steps(items: Sequence[T], pause: Pause = no_pause, size: int = STEP) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size``, calling ``pause`` before each."""
    for start in range(0, len(items), size):
        pause()
        yield items[start : start + size]


def side_by_side(strings: Iterable[str], pause: Pause = no_pause) -> list[str]:
    """New copies of ``strings``, made one after another so they sit side by side in memory.

    Each keystroke scans the search texts (and copies the keys) in the table's order. The labels'
    own strings were made in the service's order and lie scattered in that order; scanning them
    sorted by name costs a cache miss each, where copies made in order are read straight through.
    """
    copies: list[str] = []
    source = iter(strings)
    while part := list(islice(source, STEP)):  # strings may be a lazy map: consume it in steps too
        copies.extend([(text + "\0")[:-1] for text in part])
        pause()
    return copies
