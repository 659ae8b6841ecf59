"""The label index: a site's labels made ready to show (search texts, orders, the near-duplicate
index), Qt-free so that either process can build it.

- ``sorting``: the one definition of each column's order, and the sorts built on it;
- ``searching``: search texts in bulk and the filter's scan;
- ``batch``: labels with all of that done, handed to the table whole;
- ``twins``: the near-duplicate index (over domain's rule);
- ``steps``: strings copied side by side in memory, for the scans a keystroke makes.
"""

from labeldesk.index.batch import LabelBatch, prepare_batch, presorted_batch
from labeldesk.index.searching import KeysWithTexts, matching, search_texts, texts_in_order
from labeldesk.index.sorting import (
    TIES,
    Column,
    SortSpec,
    SortValue,
    insertion_point,
    ordered_keys,
    sort_key_function,
    sort_name,
    sort_value,
    sort_values,
)
from labeldesk.index.twins import CHECKING, Checking, NearDuplicates

__all__ = [
    "CHECKING",
    "TIES",
    "Checking",
    "Column",
    "KeysWithTexts",
    "LabelBatch",
    "NearDuplicates",
    "SortSpec",
    "SortValue",
    "insertion_point",
    "matching",
    "ordered_keys",
    "prepare_batch",
    "presorted_batch",
    "search_texts",
    "sort_key_function",
    "sort_name",
    "sort_value",
    "sort_values",
    "texts_in_order",
]
