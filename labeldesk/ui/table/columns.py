"""What the table shows in each column: the columns, the model's roles, the type filter's choices,
and how a label reads in a cell (display text, dates, tooltips, alignment)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from PySide6.QtCore import Qt

from labeldesk.domain import Label, LabelType, reveal_name, shown_name
from labeldesk.index.sorting import Column
from labeldesk.ui.text import plain_tooltip

__all__ = ["COLUMNS", "RIGHT", "Column", "Role", "TypeFilter", "cell_texts", "count_text", "format_when", "tooltip"]

COLUMNS = len(Column)
#: How numbers sit in their cells (and the Contacts header over them).
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class Role(enum.IntEnum):
    #: Native values for sorting: casefolded names, timestamps, counts (labeldesk.index.sort_value).
    SORT = Qt.ItemDataRole.UserRole
    #: The row's domain Label.
    LABEL = Qt.ItemDataRole.UserRole + 1


class TypeFilter(enum.Enum):
    """The type filter's choices, each (but "All types") named as the Type column names its labels."""

    ALL = "All types"
    CUSTOM = LabelType.USER_DEFINED.title
    SYSTEM = LabelType.SYSTEM.title
    APP = LabelType.WIX_APP_DEFINED.title
    OTHER = LabelType.UNKNOWN.title  # a type Wix adds later: "Other" in the column, so here too

    @property
    def types(self) -> frozenset[LabelType]:
        """The label types this choice shows."""
        return _FILTER_TYPES[self]

    def accepts(self, label_type: LabelType) -> bool:
        return label_type in _FILTER_TYPES[self]


_FILTER_TYPES = {
    TypeFilter.ALL: frozenset(LabelType),
    TypeFilter.CUSTOM: frozenset({LabelType.USER_DEFINED}),
    TypeFilter.SYSTEM: frozenset({LabelType.SYSTEM}),
    TypeFilter.APP: frozenset({LabelType.WIX_APP_DEFINED}),
    TypeFilter.OTHER: frozenset({LabelType.UNKNOWN}),
}


def format_when(value: datetime | None) -> str | None:
    """Local time, the way people write it: '14 Mar 2025, 09:05'.

    A moment that has no local time (a service's 9999-12-31T23:59:59Z seen from Tokyo, or
    0001-01-01T00:00:00Z from New York, is past the ends of the calendar Python knows) is shown in
    UTC, with "UTC" after it; one that can't be shown at all is left blank (None). Never raises: this
    runs inside a paint.
    """
    if value is None:
        return None
    try:
        local = value.astimezone()
        return f"{local.day} {local:%b %Y, %H:%M}"
    except (OverflowError, ValueError, OSError):  # (OSError: Windows has no local time before 1970)
        pass
    try:
        utc = value.astimezone(UTC) if value.tzinfo is not None else value
        return f"{utc.day} {utc:%b %Y, %H:%M} UTC"
    except (OverflowError, ValueError, OSError):
        return None


def cell_texts(label: Label) -> tuple[str | None, ...]:
    """The display text of each column for one label, the Contacts cell left None (see count_text)."""
    return (
        shown_name(label.display_name),
        shown_name(label.key),
        label.label_type.title,
        None,
        format_when(label.created),
        format_when(label.updated),
    )


def count_text(count: int | None) -> str:
    """A contact count as the Contacts cell shows it; blank for None (a count Wix sent that can't be believed)."""
    return "" if count is None else f"{count:,}"


def tooltip(label: Label, column: int) -> str | None:
    """Why the row is locked, and (on its name) what the name hides; plain text (see ui.text)."""
    hidden = reveal_name(label.display_name).hidden if column == Column.NAME else None
    parts = [part for part in (hidden, label.not_editable_reason) if part]
    return plain_tooltip("\n\n".join(parts)) if parts else None
