"""The labels table: a model over domain Labels, and the proxy that searches, filters and sorts it."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from labeldesk.domain import Label, LabelType, comparable_name
from labeldesk.ui import icons

_Index = QModelIndex | QPersistentModelIndex
_NO_PARENT = QModelIndex()


class Column(enum.IntEnum):
    NAME = 0
    KEY = 1
    TYPE = 2
    CONTACTS = 3
    CREATED = 4
    UPDATED = 5

    @property
    def title(self) -> str:
        return self.name.title()


class Role(enum.IntEnum):
    #: Native values for sorting: casefolded names, timestamps, counts.
    SORT = Qt.ItemDataRole.UserRole
    #: The row's domain Label.
    LABEL = Qt.ItemDataRole.UserRole + 1


class TypeFilter(enum.Enum):
    ALL = "All types"
    CUSTOM = "Custom"
    SYSTEM = "System"
    APP = "App"

    def accepts(self, label_type: LabelType) -> bool:
        if self is TypeFilter.ALL:
            return True
        if self is TypeFilter.CUSTOM:
            return label_type is LabelType.USER_DEFINED
        if self is TypeFilter.SYSTEM:
            return label_type is LabelType.SYSTEM
        return label_type in (LabelType.WIX_APP_DEFINED, LabelType.UNKNOWN)


def format_when(value: datetime | None) -> str | None:
    """Local time, the way people write it: '14 Mar 2025, 09:05'."""
    if value is None:
        return None
    local = value.astimezone()
    return f"{local.day} {local:%b %Y, %H:%M}"


def search_text(label: Label) -> str:
    return comparable_name(label.display_name) + "\n" + label.key.casefold()


class LabelTableModel(QAbstractTableModel):
    """One row per label, in the order they arrived; sorting is the proxy's job.

    Updates are targeted: ``apply_labels`` inserts, removes and changes only the rows that differ, so
    the view keeps its selection and scroll position; a reset happens only when the model was empty.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._labels: list[Label] = []
        self._search: list[str] = []
        self._rows: dict[str, int] = {}
        self._counts: dict[str, int] | None = None

    # -- Qt's model interface ---------------------------------------------------------------------------

    def rowCount(self, parent: _Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._labels)

    def columnCount(self, parent: _Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            column = Column(section)
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.CONTACTS:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._labels) or index.column() >= len(Column):
            return None
        label = self._labels[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(label, column)
        if role == Role.SORT:
            return self._sort_value(label, column)
        if role == Role.LABEL:
            return label
        if role == Qt.ItemDataRole.ToolTipRole:
            return label.not_editable_reason
        if role == Qt.ItemDataRole.DecorationRole and column == Column.NAME:
            # Editable rows get a blank of the same size, so every name starts at the same place.
            return icons.icon("lock") if not label.editable else icons.blank()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.CONTACTS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._display(label, column)
        return None

    def _display(self, label: Label, column: int) -> str | None:
        if column == Column.NAME:
            return label.display_name
        if column == Column.KEY:
            return label.key
        if column == Column.TYPE:
            return label.label_type.title
        if column == Column.CONTACTS:
            count = self.contact_count(label.key)
            return None if count is None else f"{count:,}"
        if column == Column.CREATED:
            return format_when(label.created)
        return format_when(label.updated)

    def _sort_value(self, label: Label, column: int):
        if column == Column.NAME:
            return label.display_name.casefold()
        if column == Column.KEY:
            return label.key
        if column == Column.TYPE:
            return label.label_type.title
        if column == Column.CONTACTS:
            count = self.contact_count(label.key)
            return -1 if count is None else count
        when = label.created if column == Column.CREATED else label.updated
        return -math.inf if when is None else when.timestamp()

    # -- what the rest of the app uses ------------------------------------------------------------------

    @property
    def labels(self) -> Sequence[Label]:
        return self._labels

    def label_at(self, row: int) -> Label:
        return self._labels[row]

    def row_of(self, key: str) -> int | None:
        return self._rows.get(key)

    def label(self, key: str) -> Label | None:
        row = self._rows.get(key)
        return None if row is None else self._labels[row]

    def search_text_at(self, row: int) -> str:
        return self._search[row]

    def contact_count(self, key: str) -> int | None:
        """How many contacts have the label; None while unknown."""
        if self._counts is None:
            return None
        return self._counts.get(key, 0)

    def apply_labels(self, labels: Iterable[Label]) -> None:
        """Make the model hold exactly ``labels``, touching only the rows that differ."""
        new = {label.key: label for label in labels}
        if not self._labels:
            if new:
                self.beginResetModel()
                self._set_all(list(new.values()))
                self.endResetModel()
            return
        gone = [row for row, label in enumerate(self._labels) if label.key not in new]
        self._remove_rows(gone)
        changed: list[int] = []
        for row, old in enumerate(self._labels):
            fresh = new.pop(old.key)
            if fresh != old:
                self._labels[row] = fresh
                self._search[row] = search_text(fresh)
                changed.append(row)
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
        if new:
            self._insert(list(new.values()))

    def upsert(self, label: Label) -> None:
        """Add one label, or change its row if the key is already here."""
        row = self._rows.get(label.key)
        if row is None:
            self._insert([label])
        elif self._labels[row] != label:
            self._labels[row] = label
            self._search[row] = search_text(label)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def remove(self, key: str) -> Label | None:
        row = self._rows.get(key)
        if row is None:
            return None
        label = self._labels[row]
        self._remove_rows([row])
        if self._counts is not None:
            self._counts.pop(key, None)
        return label

    def set_counts(self, counts: dict[str, int] | None) -> None:
        self._counts = None if counts is None else dict(counts)
        if self._labels:
            column = Column.CONTACTS
            self.dataChanged.emit(self.index(0, column), self.index(len(self._labels) - 1, column))

    def clear(self) -> None:
        self.beginResetModel()
        self._set_all([])
        self._counts = None
        self.endResetModel()

    # -- internals --------------------------------------------------------------------------------------

    def _set_all(self, labels: list[Label]) -> None:
        self._labels = labels
        self._search = [search_text(label) for label in labels]
        self._rows = {label.key: row for row, label in enumerate(labels)}

    def _insert(self, labels: list[Label]) -> None:
        first = len(self._labels)
        self.beginInsertRows(_NO_PARENT, first, first + len(labels) - 1)
        for offset, label in enumerate(labels):
            self._labels.append(label)
            self._search.append(search_text(label))
            self._rows[label.key] = first + offset
        self.endInsertRows()

    def _remove_rows(self, rows: list[int]) -> None:
        if not rows:
            return
        for first, last in reversed(list(_runs(rows))):
            self.beginRemoveRows(_NO_PARENT, first, last)
            del self._labels[first : last + 1]
            del self._search[first : last + 1]
            self.endRemoveRows()
        self._rows = {label.key: row for row, label in enumerate(self._labels)}


def _runs(rows: list[int]) -> Iterable[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    start = prev = None
    for row in rows:
        if start is None:
            start = prev = row
        elif row == prev + 1:
            prev = row
        else:
            yield start, prev
            start = prev = row
    if start is not None:
        yield start, prev


class LabelFilterProxy(QSortFilterProxyModel):
    """Search (case- and accent-blind, on name and key) and a type filter, over a LabelTableModel."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._type_filter = TypeFilter.ALL
        self.setSortRole(Role.SORT)
        self.setDynamicSortFilter(True)

    def setSourceModel(self, model: LabelTableModel) -> None:  # type: ignore[override]
        super().setSourceModel(model)
        self._source = model

    @property
    def search(self) -> str:
        return self._needle

    def set_search(self, text: str) -> None:
        needle = comparable_name(text)
        if needle != self._needle:
            self.beginFilterChange()
            self._needle = needle
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def type_filter(self) -> TypeFilter:
        return self._type_filter

    def set_type_filter(self, type_filter: TypeFilter) -> None:
        if type_filter is not self._type_filter:
            self.beginFilterChange()
            self._type_filter = type_filter
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self._source
        if self._type_filter is not TypeFilter.ALL and not self._type_filter.accepts(
            model.label_at(source_row).label_type
        ):
            return False
        return not self._needle or self._needle in model.search_text_at(source_row)

    def label_at(self, proxy_row: int) -> Label:
        return self._source.label_at(self.mapToSource(self.index(proxy_row, 0)).row())
