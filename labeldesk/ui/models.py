"""The old home of the labels table, kept so that existing imports still work.

The table now lives in labeldesk.ui.table (columns, rows, sorting, model, pacing) and the label
index in labeldesk.index (Qt-free).
"""

from labeldesk.index import LabelBatch, SortSpec, presorted_batch, sort_key_function, sort_name
from labeldesk.ui.overrides import log_override_failure, never_fatal
from labeldesk.ui.table.columns import Column, Role, TypeFilter, format_when
from labeldesk.ui.table.model import LabelTableModel
from labeldesk.ui.table.pacing import (
    BACKGROUND_SORT_FROM,
    BULK_CHANGES,
    ROW_BY_ROW_WITHOUT_ORDER,
    ordered_keys,
    prepare_batch,
    search_texts,
)

__all__ = [
    "BACKGROUND_SORT_FROM",
    "BULK_CHANGES",
    "ROW_BY_ROW_WITHOUT_ORDER",
    "Column",
    "LabelBatch",
    "LabelTableModel",
    "Role",
    "SortSpec",
    "TypeFilter",
    "format_when",
    "log_override_failure",
    "never_fatal",
    "ordered_keys",
    "prepare_batch",
    "presorted_batch",
    "search_texts",
    "sort_key_function",
    "sort_name",
]
