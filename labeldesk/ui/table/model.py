"""The labels table model: how the labels change (a refresh, one label, new contact counts).

The last of the table model's three layers (``rows``, then ``sorting``, then ``model``); see the
package's docstring for why the model sorts and filters itself. Updates stay targeted: a new label
is inserted at its sorted place, a removed one removed, a renamed one changed (or moved), so
selection and scroll survive refreshes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from PySide6.QtCore import Signal

from labeldesk.domain import Label, search_text
from labeldesk.index import LabelBatch, SortSpec
from labeldesk.ui.table.columns import COLUMNS, Column
from labeldesk.ui.table.pacing import BULK_CHANGES, ROW_BY_ROW_WITHOUT_ORDER
from labeldesk.ui.table.rows import NO_PARENT
from labeldesk.ui.table.sorting import SortedRows


class _Order(NamedTuple):
    """A batch's order as a worker worked it out: the keys, their search texts (or None), and for what."""

    keys: list[str]
    texts: list[str] | None
    spec: SortSpec


class LabelTableModel(SortedRows):
    """All of a site's labels; the rows are those that pass the filter, in the chosen order.

    Signals: ``total_changed(int)`` after labels were added or removed (row signals come earlier,
    while the bookkeeping is still under way); ``sorting_changed(bool)`` when a new order starts
    and stops being worked out off the GUI thread (see BACKGROUND_SORT_FROM).
    """

    total_changed = Signal(int)

    def apply_labels(self, labels: Iterable[Label] | LabelBatch) -> None:
        """Make the model hold exactly ``labels``, touching only the rows that differ.

        A LabelBatch brings its search texts and order along, so little is left to do here.
        """
        batch = labels if isinstance(labels, LabelBatch) else None
        self._version += 1
        new = batch.by_key if batch is not None and batch.by_key is not None else {one.key: one for one in labels}
        known = batch.search if batch is not None else {}
        # A batch comes sorted for the order being worked out, or (prepared before a header click)
        # for the order shown; either spares the GUI thread a sort.
        target = self.target_sort_spec
        order_spec: SortSpec | None = None
        presorted: list[str] | None = None
        order_texts: list[str] | None = None
        if batch is not None and batch.sort_spec is not None and batch.sort_spec in (target, self.sort_spec):
            order_spec, presorted, order_texts = batch.sort_spec, batch.order, batch.order_texts
        sort_again = False
        if (
            presorted is not None
            and order_spec is not None
            and self._counts is not None
            and order_spec[0] == Column.CONTACTS
        ):
            # Sorted without the counts the model has now. A big table shows that order for a moment
            # and is sorted again on a worker; a small one is sorted here.
            sort_again = len(new) >= self.background_sort_from and len(presorted) == len(new)
            presorted = presorted if sort_again else None
        order = None if presorted is None or order_spec is None else _Order(presorted, order_texts, order_spec)
        if not self._by_key:
            if not new:
                return
            self._load(new, known, order, provisional=sort_again)
        else:
            if new == self._by_key:  # (one comparison in C: a refresh that finds nothing new is the usual one)
                gone, changed = [], []
            else:
                gone = [key for key in self._by_key if key not in new]
                changed = [label for key, label in new.items() if self._by_key.get(key) != label]
            # Without an order from a worker (writes were merged into the refresh), one layout change
            # would sort a big table here: then up to ROW_BY_ROW_WITHOUT_ORDER changes go row by row.
            big_unsorted = presorted is None and len(new) >= self.background_sort_from
            if len(gone) + len(changed) <= (ROW_BY_ROW_WITHOUT_ORDER if big_unsorted else BULK_CHANGES):
                self._apply_changes(gone, changed, known)
                return
            self._replace_all(new, known, order, provisional=sort_again)
        if self._provisional:
            self._sort_in_background(target)

    def _load(
        self, new: dict[str, Label], known: Mapping[str, str], order: _Order | None, *, provisional: bool
    ) -> None:
        """Labels into an empty table: one reset."""
        self.beginResetModel()
        self._text_cache = {}
        self._by_key = new
        if len(known) == len(new):
            self._search = known if isinstance(known, dict) else dict(known)
            self._lent = True  # the batch's own: the cache is still saving it
        else:
            self._search = {key: known.get(key) or search_text(label) for key, label in new.items()}
        self._take_order(order, provisional=provisional)
        self._visible = self._filtered(self._all_sorted())
        self._visible_texts = getattr(self._visible, "texts", None)
        self._rows = None
        self.endResetModel()
        self._drop_twins()
        self.total_changed.emit(self.total)

    def _take_order(self, order: _Order | None, *, provisional: bool) -> None:
        """Use a worker's order (and the search texts in it) for the labels just put in, if it names
        them all; else the order is worked out when first needed. ``provisional``: see _now_in_order_of."""
        usable = order if order is not None and len(order.keys) == len(self._by_key) else None
        self._sorted_all = list(usable.keys) if usable is not None else None  # copies: both are changed in place later
        self._sorted_texts = list(usable.texts) if usable is not None and usable.texts is not None else None
        self._provisional = False
        if usable is not None:
            self._now_in_order_of(usable.spec, provisional=provisional)

    def _apply_changes(self, gone: list[str], changed: list[Label], known: Mapping[str, str]) -> None:
        for key in gone:
            self.remove(key)
        for label in changed:
            self.upsert(label, known.get(label.key))
        if gone or changed:
            self.total_changed.emit(self.total)

    def _own(self) -> None:
        """Before a change in place: copies of what a background sort may still be reading."""
        if self._lent:
            self._by_key, self._search = dict(self._by_key), dict(self._search)
            self._counts = None if self._counts is None else dict(self._counts)
            self._lent = False

    def _replace_all(
        self, new: dict[str, Label], known: Mapping[str, str], order: _Order | None, *, provisional: bool
    ) -> None:
        """Many changes at once: rebuild, and tell the view in one layout change (selections kept).

        Announced before anything changes, as Qt asks (views and selections read the rows then),
        and always: the same rows in the same order may still show new names.
        """
        self.layoutAboutToBeChanged.emit()
        search, labels = self._search, self._by_key
        self._search = {  # an unchanged label keeps its text; a changed one takes the batch's, if any
            key: search[key] if labels.get(key) == label else (known.get(key) or search_text(label))
            for key, label in new.items()
        }
        self._text_cache = {
            key: texts for key, texts in self._text_cache.items() if self._by_key.get(key) == new.get(key)
        }
        self._by_key = new
        self._take_order(order, provisional=provisional)
        if self._counts is not None:
            self._counts = {key: count for key, count in self._counts.items() if key in new}
        self._lent = False  # all three are new
        self._relayout(self._filtered(self._all_sorted()), announced=True)
        self._drop_twins()
        self.total_changed.emit(self.total)

    def upsert(self, label: Label, text: str | None = None) -> None:
        """Add one label at its sorted place, or change (and if need be move) its row."""
        key = label.key
        old = self._by_key.get(key)
        if old == label:
            return
        self._version += 1
        self._own()
        old_row = self._row_now(key) if old is not None else None
        if old is not None:
            self._forget_sorted(key)
        self._by_key[key] = label
        self._text_cache.pop(key, None)
        self._twin_moved(key, None if old is None else old.display_name, label.display_name)
        self._search[key] = text or search_text(label)
        self._visible_texts = None
        self._insert_sorted(key)
        if old is None:
            self.total_changed.emit(self.total)  # (also when the filter hides it: the total still grew)
        if not self._accepts(key):
            if old_row is not None:
                self._remove_row(old_row)
            return
        if old_row is None:
            new_row = self._position(self._visible, key)
            self.beginInsertRows(NO_PARENT, new_row, new_row)
            self._visible.insert(new_row, key)
            self._visible_texts = None
            self._rows = None
            self.endInsertRows()
            return
        rest = self._visible[:old_row] + self._visible[old_row + 1 :]
        new_row = self._position(rest, key)
        destination = new_row if new_row <= old_row else new_row + 1  # beginMoveRows counts the row itself
        row = old_row
        if destination not in (old_row, old_row + 1):
            self.beginMoveRows(NO_PARENT, old_row, old_row, NO_PARENT, destination)
            rest.insert(new_row, key)
            self._visible = rest
            self._visible_texts = None
            self._rows = None
            self.endMoveRows()
            row = new_row
        self.dataChanged.emit(self.index(row, 0), self.index(row, COLUMNS - 1))

    def remove(self, key: str) -> Label | None:
        label = self._by_key.get(key)
        if label is None:
            return None
        self._version += 1
        self._own()
        row = self._row_now(key)
        if row is not None:
            self._remove_row(row)
        self._forget_sorted(key)
        self._twin_moved(key, label.display_name, None)
        del self._by_key[key]
        del self._search[key]
        self._text_cache.pop(key, None)
        if self._counts is not None:
            self._counts.pop(key, None)
        self.total_changed.emit(self.total)
        return label

    def set_counts(self, counts: Mapping[str, int | None] | None) -> None:
        self._counts = None if counts is None else dict(counts)
        coming = self.target_sort_spec
        if coming[0] == Column.CONTACTS:
            self._resort(coming)
        if self._visible:  # (a new order may take a moment: show the new counts meanwhile)
            column = Column.CONTACTS
            self.dataChanged.emit(self.index(0, column), self.index(len(self._visible) - 1, column))

    def update_counts(self, changed: Mapping[str, int | None]) -> None:
        """Merge ``changed`` into the counts (a delete, merge or restore: a few keys, perhaps of labels not in
        the table yet); nothing while the table has no counts to merge into."""
        if changed and self._counts is not None:
            self.set_counts({**self._counts, **changed})

    def clear(self) -> None:
        self._version += 1
        if self._pending_sort is not None:  # no rows: they are in the order asked for (the header shows it)
            self._sort_column, self._descending = self._pending_sort[1]
        self._drop_pending_sort()
        self._provisional = False
        self.beginResetModel()
        self._by_key, self._search, self._visible, self._text_cache = {}, {}, [], {}
        self._lent = False
        self._visible_texts = None
        self._rows, self._sorted_all, self._counts = {}, [], None
        self._sorted_texts = None
        self.endResetModel()
        self._drop_twins()
        self.total_changed.emit(0)
