"""How the table shares one interpreter with worker threads: the give-way calls and the size
thresholds that pick between ways of applying a change.

All of it goes when the sync engine runs in a process of its own (issue 14); until then, the
label index (labeldesk.index, which knows nothing of threads) is called through these, with
``giveway.give_way`` as its pause.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import ParamSpec, TypeVar

from labeldesk import index
from labeldesk.domain import Label
from labeldesk.giveway import give_way, gui_busy
from labeldesk.index import SortSpec

P = ParamSpec("P")
R = TypeVar("R")

#: Past this many differences a refresh is applied as one layout change instead of row by row.
#: A change applied row by row costs time in proportion to the table (finding its rows, moving it),
#: and so does one layout change (with the order sorted by the worker), so the break-even is a
#: number of changes whatever the size (measured; the benchmark shows it).
BULK_CHANGES = 30
#: ...but a refresh that comes without an order (writes merged into it) would have a big table
#: sorted on the GUI thread: up to this many changes go row by row instead.
ROW_BY_ROW_WITHOUT_ORDER = 200
#: From this many labels on, a new order (a header click; new contact counts while sorted by them)
#: is worked out on a worker thread, and the rows keep their old order until it is ready. Below
#: it, sorting on the GUI thread is quicker than a trip to a worker and back.
BACKGROUND_SORT_FROM = 10_000


def holding_workers_back(method: Callable[P, R]) -> Callable[P, R]:
    """Run a model method inside giveway.gui_busy(): the heavier ones (filtering, sorting, applying a
    refresh) go faster when worker threads aren't taking turns with them for the interpreter."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gui_busy():
            return method(*args, **kwargs)

    return wrapper


#: index.prepare_batch for worker threads: giving way to the GUI thread between steps, and only the
#: differences when a refresh brings at most BULK_CHANGES of them (see index.prepare_batch).
prepare_batch = functools.partial(index.prepare_batch, diff_up_to=BULK_CHANGES, pause=give_way)


def ordered_keys(by_key: Mapping[str, Label], counts: Mapping[str, int | None] | None, spec: SortSpec) -> list[str]:
    """index.ordered_keys, giving way to the GUI thread between steps (the GUI thread itself, on a
    header click, never waits there)."""
    return index.ordered_keys(by_key, counts, spec, give_way)


def search_texts(labels: Sequence[Label], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """index.search_texts, giving way to the GUI thread between steps."""
    return index.search_texts(labels, known, give_way)


def texts_in_order(search: Mapping[str, str], keys: Iterable[str]) -> list[str]:
    """index.texts_in_order, giving way to the GUI thread between steps."""
    return index.texts_in_order(search, keys, give_way)
