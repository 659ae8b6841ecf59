"""What the table shows: the rows that pass the filter, in the chosen order, and what each cell says.

The first of the table model's three layers (``rows``, then ``sorting``, then ``model``): it holds
the labels and answers Qt's questions about them; the layers above change them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from labeldesk.domain import Label, comparable_name
from labeldesk.index import (
    CHECKING,
    Checking,
    NearDuplicates,
    SortSpec,
    insertion_point,
    matching,
    sort_key_function,
    sort_value,
)
from labeldesk.ui import icons
from labeldesk.ui.overrides import log_override_failure, never_fatal
from labeldesk.ui.table import pacing
from labeldesk.ui.table.columns import COLUMNS, RIGHT, Column, Role, TypeFilter, cell_texts, count_text, tooltip
from labeldesk.ui.table.pacing import BACKGROUND_SORT_FROM

if TYPE_CHECKING:
    from labeldesk.ui.workers import TaskRunner

_Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_SORT = int(Role.SORT)
_LABEL = int(Role.LABEL)
_HANDLED_ROLES = frozenset({_DISPLAY, _DECORATION, _TOOLTIP, _ALIGNMENT, _ACCESSIBLE, _SORT, _LABEL})


class TableRows(QAbstractTableModel):
    """All of a site's labels; the rows are those that pass the filter, in the order shown.

    Signals: ``near_duplicates_ready()`` when the near-duplicate index a worker was making is ready
    (a :meth:`near_duplicate` that answered CHECKING can be asked again).
    """

    near_duplicates_ready = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._by_key: dict[str, Label] = {}
        self._search: dict[str, str] = {}
        self._text_cache: dict[str, tuple[str | None, ...]] = {}
        self._counts: dict[str, int | None] | None = None
        #: True while _by_key, _search and _counts may be being read by a worker (lent by snapshot(),
        #: to a background sort, or taken from a batch still being saved): they are then copied
        #: before their first change (_own), never changed in place.
        self._lent = False
        #: Goes up with every change, so a worker's comparison can be known to be still true.
        self._version = 0
        self._visible: list[str] = []
        #: Search texts of the visible keys, same order; None when a row change made it stale.
        self._visible_texts: list[str] | None = None
        self._rows: dict[str, int] | None = {}
        self._sorted_all: list[str] | None = []
        #: Search texts in the order of ``_sorted_all``, made when a full scan needs them.
        self._sorted_texts: list[str] | None = None
        self._twins: NearDuplicates | None = None
        #: While a worker makes the near-duplicate index: the changes since it started, to replay onto
        #: it, as (key, old name or None, new name or None); else None. The list is also that worker's
        #: ticket: a result is taken only while its list is still this one.
        self._twin_changes: list[tuple[str, str | None, str | None]] | None = None
        #: From this many labels on, whole-table work (a new order, the near-duplicate index) is done
        #: on a worker (see BACKGROUND_SORT_FROM).
        self.background_sort_from = BACKGROUND_SORT_FROM
        self._worker: TaskRunner | None = None  # made for the first whole-table work on a worker
        self._needle = ""
        self._type_filter = TypeFilter.ALL
        #: The order shown (and kept by targeted updates).
        self._sort_column = Column.NAME
        self._descending = False

    # -- Qt's model interface ---------------------------------------------------------------------------

    @never_fatal(0)
    def rowCount(self, parent: _Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._visible)

    @never_fatal(0)
    def columnCount(self, parent: _Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else COLUMNS

    @never_fatal()
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < COLUMNS:
            column = Column(section)
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.CONTACTS:
                return RIGHT
        return None

    @never_fatal()
    def data(self, index: _Index, role: int = _DISPLAY):
        return self.value(index.row(), index.column(), role) if role in _HANDLED_ROLES else None

    @never_fatal()
    def multiData(self, index: _Index, span: QModelRoleDataSpan | QModelRoleData) -> None:
        self.fill(index.row(), index.column(), span)

    def fill(self, row: int, column: int, span: QModelRoleDataSpan | QModelRoleData) -> None:
        """Every role the view asks for about one cell, in one call from C++.

        A paint asks each visible cell for seven roles; answered one ``data()`` call at a time, that
        is seven calls into Python per cell, each needing the interpreter lock, which a busy worker
        thread holds.
        """
        # Qt always hands a QModelRoleDataSpan here; PySide6's stub widens the argument to QModelRoleData
        # too (a span converts from one) and gives QModelRoleDataSpan no __iter__, though it iterates.
        for item in span:  # type: ignore[union-attr]
            # Every entry is set, the unanswered ones to "no value": the view hands the same span
            # from cell to cell, so anything left alone would show the previous cell's value.
            role = item.role()
            try:
                value = self.value(row, column, role) if role in _HANDLED_ROLES else None
            except Exception:  # (this cell's other roles are still answered)
                log_override_failure("LabelTableModel.multiData")
                value = None
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def value(self, row: int, column: int, role: int):
        """``data()`` by row and column."""
        if row < 0 or row >= len(self._visible) or not 0 <= column < COLUMNS:
            return None
        key = self._visible[row]
        if role in (_DISPLAY, _ACCESSIBLE):
            return self._texts(key)[column]
        label = self._by_key[key]
        if role == _DECORATION:
            if column != Column.NAME:
                return None
            # Editable rows get a blank of the same size, so every name starts at the same place.
            return icons.icon("lock") if not label.editable else icons.blank()
        if role == _ALIGNMENT:
            return RIGHT if column == Column.CONTACTS else None
        if role == _TOOLTIP:
            return tooltip(label, column)
        if role == _SORT:
            return sort_value(label, Column(column), self.contact_count(key))
        return label  # _LABEL

    def _texts(self, key: str) -> tuple[str | None, ...]:
        """The display text of each column for one label, made once and kept (dates are slow to format)."""
        texts = self._text_cache.get(key)
        if texts is None:
            texts = self._text_cache[key] = cell_texts(self._by_key[key])
        if self._counts is not None:
            count = self._counts.get(key, 0)  # (None: a count Wix sent that can't be believed)
            return (*texts[:3], count_text(count), *texts[4:])
        return texts

    # -- reading ----------------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """How many labels the site has, whether or not the filter shows them."""
        return len(self._by_key)

    @property
    def labels(self) -> Sequence[Label]:
        return list(self._by_key.values())

    def label(self, key: str) -> Label | None:
        return self._by_key.get(key)

    def label_at(self, row: int) -> Label:
        return self._by_key[self._visible[row]]

    def labels_at(self, rows: Iterable[int]) -> list[Label]:
        """``label_at`` for many rows at C speed (all of a big table selected, say)."""
        return list(map(self._by_key.__getitem__, map(self._visible.__getitem__, rows)))

    def row_of(self, key: str) -> int | None:
        """The row showing ``key``, or None if it is filtered out or unknown."""
        if self._rows is None:
            self._rows = {k: row for row, k in enumerate(self._visible)}
        return self._rows.get(key)

    def contact_count(self, key: str) -> int | None:
        """How many contacts have the label; None while unknown (or when Wix sent an unbelievable count)."""
        if self._counts is None:
            return None
        return self._counts.get(key, 0)

    def near_duplicate(self, name: str, *, ignore_key: str | None = None) -> Label | Checking | None:
        """A label whose name looks like ``name`` (domain.near_duplicate_form), via an index; None if
        none; CHECKING while a worker makes the index (ask again on ``near_duplicates_ready``).

        Of several, the closest: the very same name, then the same but for case, then the lowest key.
        """
        twins = self.prepare_near_duplicates()
        return CHECKING if twins is None else twins.closest(name, self._by_key, ignore_key)

    def prepare_near_duplicates(self) -> NearDuplicates | None:
        """The near-duplicate index, or None while it is being made.

        Made on first use (it runs the rule over every label): at once for a small table, on a worker
        for a big one (``near_duplicates_ready`` says when), so a dialog's first look never holds up
        the window. Then kept up to date as labels change (see _twin_moved).
        """
        if self._twins is None and self._twin_changes is None:
            if len(self._by_key) < self.background_sort_from:
                self._twins = NearDuplicates.of(self._by_key)
            else:
                self._make_twins_in_background()
        return self._twins

    def _make_twins_in_background(self) -> None:
        changes: list[tuple[str, str | None, str | None]] = []
        self._twin_changes = changes
        self._lent = True  # the worker reads them as they are now (see _own)
        labels = self._by_key
        self.worker().read(
            lambda: NearDuplicates.of(labels),
            "finding similar names",
            on_success=lambda twins: self._twins_made(changes, twins),
            on_failure=lambda error: self._twins_made(changes, None),
        )

    def _twins_made(self, changes: list[tuple[str, str | None, str | None]], twins: NearDuplicates | None) -> None:
        if changes is not self._twin_changes:
            return  # the labels were replaced since: their index is being made anew
        if twins is None:  # a bug (the worker logged it): make it here instead, slow as it is
            self._twins, self._twin_changes = NearDuplicates.of(self._by_key), None
        else:
            self._twins, self._twin_changes = twins, None
            for key, old, new in changes:
                self._twin_moved(key, old, new)
        self.near_duplicates_ready.emit()

    def _twin_moved(self, key: str, old: str | None, new: str | None) -> None:
        """Keep the near-duplicate index up to date: ``key`` was named ``old`` and is now ``new``
        (None: it wasn't there; it is gone)."""
        if self._twins is not None:
            if old is not None:
                self._twins.forget(key, old)
            if new is not None:
                self._twins.add(key, new)
        elif self._twin_changes is not None:
            self._twin_changes.append((key, old, new))

    def _drop_twins(self) -> None:
        """All the labels were replaced: their index is made anew when next asked for, or now if a
        dialog is waiting for it."""
        waiting = self._twin_changes is not None
        self._twins = self._twin_changes = None  # (a worker still making the old one: its result is dropped)
        if waiting and self.prepare_near_duplicates() is not None:
            self.near_duplicates_ready.emit()

    def worker(self) -> TaskRunner:
        """The one worker thread for whole-table work (sorts, the near-duplicate index): one at a time."""
        if self._worker is None:
            from labeldesk.ui.workers import TaskRunner

            self._worker = TaskRunner(self, read_threads=1)
        return self._worker

    # -- filtering ----------------------------------------------------------------------------------------

    def set_search(self, text: str) -> None:
        needle = comparable_name(text)
        if needle == self._needle:
            return
        # Typing one more letter can only narrow the rows: filter what is shown, not everything
        # (unless nothing is filtered yet: then everything, whose search texts are kept ready).
        narrowing = self._needle in needle and (self._needle or self._type_filter is not TypeFilter.ALL)
        self._needle = needle
        self._relayout(self._filtered(self._visible if narrowing else self._all_sorted()))

    def set_type_filter(self, type_filter: TypeFilter) -> None:
        if type_filter is not self._type_filter:
            self._type_filter = type_filter
            self._relayout(self._filtered(self._all_sorted()))

    @property
    def sort_spec(self) -> SortSpec:
        return self._sort_column, self._descending

    def _sort_key(self) -> Callable[[str], str]:
        return sort_key_function(self._by_key, self._counts, self._sort_column)

    def _all_sorted(self) -> list[str]:
        if self._sorted_all is None:
            self._sorted_all = pacing.ordered_keys(self._by_key, self._counts, self.sort_spec)
            self._sorted_texts = None
        return self._sorted_all

    def _accepts(self, key: str) -> bool:
        return (self._type_filter is TypeFilter.ALL or self._type_filter.accepts(self._by_key[key].label_type)) and (
            not self._needle or self._needle in self._search[key]
        )

    def _filtered(self, keys: list[str]) -> list[str]:
        """The keys that pass the filter, in their order, as a new list (carrying their search texts).

        The search texts come as a list in the same order as ``keys`` (kept for the full order and for
        what is shown), so the scan is one pass over strings (index.matching), not a dict lookup per label.
        """
        needle, kind, search = self._needle, self._type_filter, self._search
        if not needle and kind is TypeFilter.ALL:
            return list(keys)  # nothing to filter: don't build the texts until a search needs them
        if keys is self._sorted_all:
            if self._sorted_texts is None:
                self._sorted_texts = pacing.texts_in_order(search, keys)
            texts = self._sorted_texts
        elif keys is self._visible and self._visible_texts is not None:
            texts = self._visible_texts
        else:
            texts = [search[key] for key in keys]
        return matching(keys, texts, needle, None if kind is TypeFilter.ALL else kind.types, self._by_key)

    # -- rows -------------------------------------------------------------------------------------------

    def _row_now(self, key: str) -> int | None:
        """``row_of`` for one change among many: the row index if it is up to date, else one C-speed
        scan. Rebuilding the index after every move costs time in proportion to the table, so a
        refresh bringing many renames would take seconds on the GUI thread."""
        return self._rows.get(key) if self._rows is not None else self._scan_for_row(key)

    def _scan_for_row(self, key: str) -> int | None:
        """The row of ``key`` by a C-speed list scan: for a few lookups, cheaper than a 100k-entry dict."""
        try:
            return self._visible.index(key)
        except ValueError:
            return None

    def _relayout(self, visible: list[str], *, announced: bool = False) -> None:
        """Show ``visible`` (new filter or order) as one layout change that keeps selections.
        ``announced``: the caller emitted layoutAboutToBeChanged itself, before changing labels."""
        texts = getattr(visible, "texts", None)
        if visible == self._visible and not announced:
            self._visible_texts = texts if texts is not None else self._visible_texts
            return  # e.g. a first letter that every label contains: nothing for the view to redo
        self._visible_texts = texts
        if not announced:
            self.layoutAboutToBeChanged.emit()
        old_visible = self._visible
        self._visible = visible
        self._rows = None
        persistent = self.persistentIndexList()
        if persistent:
            keys = [old_visible[index.row()] if 0 <= index.row() < len(old_visible) else None for index in persistent]
            where = self.row_of if len(persistent) > 16 else self._scan_for_row
            moved = []
            for index, key in zip(persistent, keys, strict=True):
                new_row = None if key is None else where(key)
                moved.append(QModelIndex() if new_row is None else self.index(new_row, index.column()))
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _remove_row(self, row: int) -> None:
        self.beginRemoveRows(NO_PARENT, row, row)
        del self._visible[row]
        self._visible_texts = None
        self._rows = None
        self.endRemoveRows()

    def _position(self, keys: list[str], key: str) -> int:
        """Where ``key`` goes in ``keys`` (sorted in the current order), by binary search."""
        return insertion_point(keys, key, self._sort_key(), self._descending)

    def _insert_sorted(self, key: str) -> None:
        """Put ``key`` (whose search text is already known) at its place in the full order."""
        if self._sorted_all is None:
            return
        position = self._position(self._sorted_all, key)
        self._sorted_all.insert(position, key)
        if self._sorted_texts is not None:
            self._sorted_texts.insert(position, self._search[key])

    def _forget_sorted(self, key: str) -> None:
        if self._sorted_all is None:
            return
        position = self._sorted_all.index(key)
        del self._sorted_all[position]
        if self._sorted_texts is not None:
            del self._sorted_texts[position]
