"""The labels table as the window shows it: whole-row selection, sortable columns, a hint when empty."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from labeldesk.ui.models import Column, LabelTableModel, never_fatal
from labeldesk.ui.widgets import date_column_width, plain_label


class LabelsTable(QTableView):
    """The table, with a centred hint when there is nothing to show.

    ``model`` (optional, for tests of the bare view) is shown sorted by name, whole rows selected.

    Signals: ``first_rows_painted()``, once, right after the first paint that showed rows (start-up
    measurements use it).
    """

    first_rows_painted = Signal()

    def __init__(self, parent: QWidget | None = None, model: LabelTableModel | None = None) -> None:
        super().__init__(parent)
        self.empty_hint = plain_label(parent=self.viewport())
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setStyleSheet("color: palette(placeholder-text); font-size: 13pt; padding: 24px;")
        self.empty_hint.hide()

        self._rows_painted = False
        self._after_paint: list[Callable[[], object]] = []
        if model is not None:
            self._show(model)

    def _show(self, model: LabelTableModel) -> None:
        self.setModel(model)
        self.setSortingEnabled(True)
        self.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        # The header gets a selection of its own, which stays empty. Given the table's, it asks
        # whether each column is wholly selected before painting, by asking the model about every
        # row: with 100,000 labels selected (Ctrl+A) every paint called into Python for each of them.
        # It shows no selection anyway (above), and header clicks still sort.
        header.setSelectionModel(QItemSelectionModel(model, header))
        when = date_column_width(self.fontMetrics())  # the longest date, "UTC" included, never clipped
        widths = {Column.NAME: 280, Column.KEY: 220, Column.TYPE: 80, Column.CONTACTS: 90, Column.CREATED: when}
        for column, width in widths.items():
            self.setColumnWidth(column, width)
        self.setColumnWidth(Column.UPDATED, when)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        # Lay the rows out at once after a reset (a first load) or a new filter, not at Qt's next
        # timer: otherwise the first paint comes with the old scroll bar, and the table is painted
        # again a moment later.
        model.modelReset.connect(self.executeDelayedItemsLayout)
        model.layoutChanged.connect(self.executeDelayedItemsLayout)
        # A big table is sorted on a worker: the rows keep their old order for that moment.
        model.sorting_changed.connect(self._show_sorting)

    def _show_sorting(self, sorting: bool) -> None:
        if sorting:
            self.viewport().setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.viewport().unsetCursor()

    def after_next_paint(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the table has next been painted."""
        self._after_paint.append(callback)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.empty_hint.setGeometry(self.viewport().rect())

    @never_fatal()
    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._rows_painted and self.model() is not None and self.model().rowCount():
            self._rows_painted = True
            self.first_rows_painted.emit()
        if self._after_paint:
            callbacks, self._after_paint = self._after_paint, []
            for callback in callbacks:
                callback()
