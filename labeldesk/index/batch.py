"""A batch: labels with the slow parts of showing them already done (search texts, an order, the
differences from what the table holds), made off the GUI thread and handed over whole."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import ne

from labeldesk.domain import Label
from labeldesk.index.searching import search_texts, texts_in_order
from labeldesk.index.sorting import KEY_OF, SortSpec, ordered_keys
from labeldesk.index.steps import STEP, Pause, in_steps, no_pause


@dataclass(frozen=True, slots=True)
class LabelBatch:
    """Labels with the slow parts of showing them already done: search texts, order.

    Iterates and counts like the list of labels it holds.
    """

    labels: list[Label]
    search: dict[str, str]
    #: The keys sorted by ``sort_spec``, or None.
    order: list[str] | None = None
    sort_spec: SortSpec | None = None
    #: The labels by key (built anyway; the model may take it over).
    by_key: dict[str, Label] | None = None
    #: What differs from the model as it was at ``base_version``: keys gone, labels new or changed.
    base_version: int | None = None
    gone: list[str] | None = None
    changed: list[Label] | None = None
    #: The search texts in ``order``'s order (what the first keystroke scans), or None.
    order_texts: list[str] | None = None
    #: How many labels the service sent that couldn't be read (left out of ``labels``).
    unreadable: int = 0

    def __iter__(self) -> Iterator[Label]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self.labels)


def prepare_batch(
    labels: Iterable[Label],
    sort_spec: SortSpec | None = None,
    counts: Mapping[str, int | None] | None = None,
    known_search: Mapping[str, str] | None = None,
    base: tuple[int, Mapping[str, Label], Mapping[str, str]] | None = None,
    *,
    diff_up_to: int = 0,
    pause: Pause = no_pause,
) -> LabelBatch:
    """Search texts, (given the table's order) the sorted keys and (given a snapshot of the table,
    ``base``: its version, labels and search texts) what differs from it, so the GUI thread has
    little left to do.

    When at most ``diff_up_to`` labels differ from a non-empty ``base``, only the differences are
    worked out: no sort, and search texts only for what changed (the rest come from the snapshot).
    Everything runs in steps, calling ``pause`` between them.
    """
    listed = list(labels)
    keys = list(map(KEY_OF, listed))
    by_key: dict[str, Label] = {}
    for start in range(0, len(listed), STEP):
        pause()
        by_key.update(zip(keys[start : start + STEP], listed[start : start + STEP], strict=True))
    gone: list[str] | None = None
    changed: list[Label] | None = None
    if base is not None:
        version, before, before_search = base
        same_keys = len(before) == len(by_key) and before.keys() == by_key.keys()  # one C-level compare
        gone = [] if same_keys else [key for key in before if key not in by_key]
        changed = []
        for part in in_steps(listed, pause):
            changed.extend(compress(part, map(ne, map(before.get, map(KEY_OF, part)), part)))
        if before and len(gone) + len(changed) <= diff_up_to:
            search = dict(before_search)
            for key in gone:
                search.pop(key, None)
            search.update(search_texts(changed, known_search, pause))
            return LabelBatch(listed, search, None, sort_spec, by_key, version, gone, changed)
    search = search_texts(listed, known_search, pause)
    order = order_texts = None
    if sort_spec is not None:
        order = ordered_keys(by_key, counts, sort_spec, pause)
        order_texts = texts_in_order(search, order, pause)
    return LabelBatch(
        listed,
        search,
        order,
        sort_spec,
        by_key,
        order_texts=order_texts,
        base_version=None if base is None else base[0],
        gone=gone,
        changed=changed,
    )


def presorted_batch(
    labels: Sequence[Label], texts: list[str], sort_spec: SortSpec, search: dict[str, str]
) -> LabelBatch:
    """A batch from labels already in ``sort_spec``'s order, with their search texts in that order
    and by key (a saved start-up snapshot): nothing to sort, and the strings are already side by side."""
    listed = list(labels)
    keys = list(map(KEY_OF, listed))
    return LabelBatch(
        listed,
        search,
        keys,
        sort_spec,
        dict(zip(keys, listed, strict=True)),
        order_texts=texts,
    )
