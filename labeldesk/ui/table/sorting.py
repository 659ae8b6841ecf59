"""New orders for the table: at once for a small site, on a worker thread for a big one.

The second of the table model's three layers (``rows``, then ``sorting``, then ``model``). While a
worker sorts, the rows keep their old order; only the newest order asked for is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal

from labeldesk.index import SortSpec
from labeldesk.ui.overrides import never_fatal
from labeldesk.ui.table import pacing
from labeldesk.ui.table.columns import COLUMNS, Column
from labeldesk.ui.table.rows import TableRows


class SortedRows(TableRows):
    """TableRows that sort themselves when asked (a header click).

    Signals: ``sorting_changed(bool)`` when a new order starts and stops being worked out off the
    GUI thread (see BACKGROUND_SORT_FROM).
    """

    sorting_changed = Signal(bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        #: The order being worked out on a worker, as (generation, spec), or None.
        self._pending_sort: tuple[int, SortSpec] | None = None
        self._sort_generation = 0
        #: The rows are in a refresh's order, not quite in sort_spec's: sorted without the contact
        #: counts, shown so until a worker has sorted them by the counts (see apply_labels).
        self._provisional = False

    @never_fatal()
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        column = Column(column) if 0 <= column < COLUMNS else Column.NAME
        spec = (column, order == Qt.SortOrder.DescendingOrder)
        if spec == self.target_sort_spec and self._sorted_all is not None:
            return
        if spec == self.sort_spec and self._sorted_all is not None and not self._provisional:
            self._drop_pending_sort()  # back to the order shown: nothing to work out
            return
        self._resort(spec)

    @property
    def target_sort_spec(self) -> SortSpec:
        """The order the rows are in, or are about to be in (a worker is sorting them): the order a
        refresh should be prepared in."""
        return self._pending_sort[1] if self._pending_sort is not None else self.sort_spec

    def _now_in_order_of(self, spec: SortSpec, *, provisional: bool = False) -> None:
        """The rows were just put in ``spec``'s order (a batch sorted by a worker): if that is the
        order being worked out, it is here already. ``provisional``: sorted without the contact
        counts, so the caller has a worker sort them again (meanwhile ``spec`` is what they show)."""
        self._provisional = provisional
        if provisional:
            self._sort_column, self._descending = spec  # (a pending sort is superseded by the caller's)
        elif self._pending_sort is not None and self._pending_sort[1] == spec:
            self._sort_column, self._descending = spec
            self._drop_pending_sort()

    @property
    def sorting(self) -> bool:
        """True while a new order is being worked out on a worker (the rows show the old one)."""
        return self._pending_sort is not None

    def _resort(self, spec: SortSpec) -> None:
        """Show the rows in ``spec``'s order: at once for a small site, else when a worker has sorted them."""
        if len(self._by_key) < self.background_sort_from:
            self._sort_now(spec)
        else:
            self._sort_in_background(spec)

    def _sort_now(self, spec: SortSpec) -> None:
        self._drop_pending_sort()
        self._provisional = False
        self._sort_column, self._descending = spec
        self._sorted_all = None
        self._relayout(self._filtered(self._all_sorted()))

    def _sort_in_background(self, spec: SortSpec) -> None:
        """Sort the labels on a worker (lent to it: see _own); a change meanwhile means sorting again."""
        self._sort_generation += 1
        generation, version = self._sort_generation, self._version
        was_sorting = self.sorting
        self._pending_sort = (generation, spec)
        self._lent = True  # the worker reads them as they are now (see _own)
        labels, search, counts = self._by_key, self._search, self._counts

        def superseded() -> bool:  # (another click since: its sort waits behind this one)
            return self._sort_generation != generation

        def work() -> tuple[list[str], list[str]] | None:
            if superseded():
                return None
            order = pacing.ordered_keys(labels, counts, spec)
            if superseded():
                return None
            return order, pacing.texts_in_order(search, order)

        self.worker().read(
            work,
            "sorting the table",
            on_success=lambda result: self._sorted(generation, version, result),
            on_failure=lambda error: self._sort_failed(generation),
        )
        if not was_sorting:
            self.sorting_changed.emit(True)

    def _sorted(self, generation: int, version: int, result: tuple[list[str], list[str]] | None) -> None:
        if result is None or self._pending_sort is None or self._pending_sort[0] != generation:
            return  # another order was asked for since (or the labels were cleared)
        spec = self._pending_sort[1]
        if version != self._version:
            # Labels changed while the worker sorted: that order is missing them. Sort again from
            # what there is now. (New counts start a sort of their own: see set_counts.)
            self._sort_in_background(spec)
            return
        self._apply_sorted(spec, *result)

    def _apply_sorted(self, spec: SortSpec, order: list[str], texts: list[str]) -> None:
        self._pending_sort = None
        self._provisional = False
        self._sort_column, self._descending = spec
        self._sorted_all, self._sorted_texts = order, texts
        self._relayout(self._filtered(order))
        self.sorting_changed.emit(False)

    def _sort_failed(self, generation: int) -> None:
        # A bug (the worker logged it), not the user's doing: sort here instead, slow as it is.
        if self._pending_sort is not None and self._pending_sort[0] == generation:
            self._sort_now(self._pending_sort[1])

    def _drop_pending_sort(self) -> None:
        self._sort_generation += 1  # a sort queued or under way is no longer wanted
        if self._pending_sort is not None:
            self._pending_sort = None
            self.sorting_changed.emit(False)
