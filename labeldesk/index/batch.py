"""A batch: labels with the slow parts of showing them already done (search texts, an order), made
off the GUI thread and handed over whole."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import msgspec

from labeldesk.domain import Label
from labeldesk.index.searching import search_texts, texts_in_order
from labeldesk.index.sorting import KEY_OF, SortSpec, ordered_keys


class LabelBatch(msgspec.Struct, frozen=True):
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
) -> LabelBatch:
    """Search texts (reusing ``known_search``) and, given the table's order, the sorted keys, so the
    GUI thread has little left to do."""
    listed = list(labels)
    by_key = dict(zip(map(KEY_OF, listed), listed, strict=True))
    search = search_texts(listed, known_search)
    order = order_texts = None
    if sort_spec is not None:
        order = ordered_keys(by_key, counts, sort_spec)
        order_texts = texts_in_order(search, order)
    return LabelBatch(listed, search, order, sort_spec, by_key, order_texts=order_texts)


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
