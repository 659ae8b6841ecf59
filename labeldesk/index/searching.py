"""Searching the labels: their search texts (domain.search_text), made in bulk and scanned in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import compress
from operator import attrgetter

from labeldesk.domain import Label, LabelType, search_text
from labeldesk.index.steps import side_by_side

_TYPE_OF = attrgetter("label_type")


def search_texts(labels: Sequence[Label], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """Search texts for many labels by key (reusing ``known`` ones)."""
    known = known or {}
    return {label.key: known.get(label.key) or search_text(label) for label in labels}


def texts_in_order(search: Mapping[str, str], keys: Iterable[str]) -> list[str]:
    """The search texts of ``keys``, in their order, side by side (what a keystroke scans)."""
    return side_by_side(map(search.__getitem__, keys))


class KeysWithTexts(list):
    """A list of label keys that also carries their search texts, in the same order."""

    __slots__ = ("texts",)

    def __init__(self, keys: Iterable[str], texts: list[str]) -> None:
        super().__init__(keys)
        self.texts = texts


def matching(
    keys: list[str],
    texts: list[str],
    needle: str,
    types: frozenset[LabelType] | None,
    labels: Mapping[str, Label],
) -> KeysWithTexts:
    """The keys (in their order) whose search text holds ``needle`` and whose label's type is one of
    ``types`` (None: any), with their texts. ``texts`` are the search texts of ``keys``, in order.

    One pass over strings and C-speed ``compress``, no Python call per label.
    """
    if types is not None:
        # By the members' ids: hashing an Enum member runs Enum.__hash__, in Python; members are singletons.
        wanted = frozenset(map(id, types))
        mask = list(map(wanted.__contains__, map(id, map(_TYPE_OF, map(labels.__getitem__, keys)))))
        keys, texts = list(compress(keys, mask)), list(compress(texts, mask))
    if needle:
        mask = [needle in text for text in texts]
        if not all(mask):  # (when every row still matches, as after a first common letter, no copies)
            keys, texts = list(compress(keys, mask)), list(compress(texts, mask))
    return KeysWithTexts(keys, texts)
