"""The labels table as the window shows it: whole-row selection, sortable columns, a hint when empty."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from labeldesk.ui.models import Column, LabelTableModel, never_fatal
from labeldesk.ui.widgets import date_column_width, plain_label

#: How long the table waits after it first appears before it says why it is empty, in milliseconds,
#: unless it has shown rows by then (see LabelsTable.show_empty_hint).
FIRST_HINT_AFTER_MS = 300

#: What an empty table may offer under its hint: (a button's text, what clicking it does).
Offers = Sequence[tuple[str, Callable[[], object]]]


class LabelsTable(QTableView):
    """The table, with a centred hint when there is nothing to show.

    ``model`` (optional, for tests of the bare view) is shown sorted by name, whole rows selected.

    Signals: ``first_rows_painted()``, once, right after the first paint that showed rows (start-up
    measurements use it).
    """

    first_rows_painted = Signal()

    def __init__(
        self, parent: QWidget | None = None, model: LabelTableModel | None = None, *, offers: Offers = ()
    ) -> None:
        super().__init__(parent)
        self._hint: QLabel | None = None  # (see empty_hint)
        self._hint_box: QWidget | None = None
        self._hint_text = ""
        self._offers = offers
        self._offering = False
        #: The buttons under the hint, one per offer (made with the hint).
        self.offer_buttons: list[QPushButton] = []
        self._hint_wanted = False
        self._hint_may_wait = True  # (see show_empty_hint)
        self._rows_painted = False
        self._selected_removed_at: int | None = None  # (where selected rows were just removed)
        self._after_paint: list[Callable[[], object]] = []
        if model is not None:
            self._show(model)

    def _show(self, model: LabelTableModel) -> None:
        # (before setModel: this must see the selection and the current row before the view and its
        # selection model change them for the rows going)
        model.rowsAboutToBeRemoved.connect(self._note_selection)
        self.setModel(model)
        self.setSortingEnabled(True)
        self.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setTabKeyNavigation(False)  # Tab leaves the table for the next control (no cell is edited here)
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
        model.rowsRemoved.connect(self._select_after_removal)

    def _note_selection(self, parent: QModelIndex, first: int, last: int) -> None:
        ranges = self.selectionModel().selection()
        selected = any(ranges.at(n).top() <= last and ranges.at(n).bottom() >= first for n in range(ranges.size()))
        self._selected_removed_at = first if selected else None

    def _select_after_removal(self, *_: object) -> None:
        """The selected labels went (a delete): the row that took their place is selected, as in a file
        manager, so Del or F2 can go on from there; the keys stay where they were."""
        at, self._selected_removed_at = self._selected_removed_at, None
        model, selection = self.model(), self.selectionModel()
        if at is not None and model.rowCount() and not selection.hasSelection():
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            selection.setCurrentIndex(model.index(min(at, model.rowCount() - 1), 0), flags)

    def _show_sorting(self, sorting: bool) -> None:
        if sorting:
            self.viewport().setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.viewport().unsetCursor()

    def after_next_paint(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the table has next been painted."""
        self._after_paint.append(callback)

    @property
    def empty_hint(self) -> QLabel:
        """The words centred over the table while it shows no rows (see set_empty_text, show_empty_hint).

        Made when first wanted, not with the table: the first time Python is handed the viewport (a
        plain QWidget made in C++), PySide loads every widget class it had left for later, and a start
        that shows rows at once would pay for that before its first paint.
        """
        return self._made_hint()[0]

    def _made_hint(self) -> tuple[QLabel, QWidget]:
        """The hint and the box that holds it and its offers over the viewport, made if need be."""
        if self._hint is None or self._hint_box is None:
            viewport = self.viewport()
            self._hint_box = box = QWidget(viewport)
            self._hint = hint = plain_label(self._hint_text, parent=box)
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            hint.setObjectName("emptyHint")
            hint.setStyleSheet("color: palette(placeholder-text); font-size: 13pt; padding: 24px;")
            buttons = QHBoxLayout()
            buttons.addStretch(1)
            for text, act in self._offers:
                button = QPushButton(text, box)
                button.setAutoDefault(True)  # (Enter presses it, as Space does: outside a dialog it wouldn't)
                button.clicked.connect(act)
                buttons.addWidget(button)
                self.offer_buttons.append(button)
            buttons.addStretch(1)
            layout = QVBoxLayout(box)
            layout.addStretch(1)
            layout.addWidget(hint)
            layout.addLayout(buttons)
            layout.addStretch(1)
            previous: QWidget = self  # (Tab goes from the table to the offers)
            for button in self.offer_buttons:
                QWidget.setTabOrder(previous, button)
                previous = button
            self._show_offers()
            box.setGeometry(viewport.rect())
            box.hide()
        return self._hint, self._hint_box

    def set_empty_text(self, text: str, *, offers: bool = False) -> None:
        """What the hint says the next time the table is empty (at once, if it is now), and whether the
        offers given to the table (buttons under it: "Sign in…", say) go with it."""
        self._hint_text, self._offering = text, offers
        if self._hint is not None:
            self._hint.setText(text)
            self._show_offers()

    def _show_offers(self) -> None:
        for button in self.offer_buttons:
            button.setVisible(self._offering)

    def show_empty_hint(self, shown: bool) -> None:
        """Show the hint over the table (or hide it).

        Until the table has first shown rows, the hint waits FIRST_HINT_AFTER_MS after the table
        appears: a start with a saved copy shows its rows a moment after the window, and a
        "Loading labels…" flashed for one frame before them is only noise.
        """
        self._hint_wanted = shown
        if self._hint_may_wait and not self._rows_painted:
            shown = False  # (for now: _end_hint_wait shows it if it is still wanted then)
        if shown or self._hint is not None:
            self._made_hint()[1].setVisible(shown)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._hint_may_wait and not event.spontaneous():
            QTimer.singleShot(FIRST_HINT_AFTER_MS, self, self._end_hint_wait)

    def _end_hint_wait(self) -> None:
        self._hint_may_wait = False
        self.show_empty_hint(self._hint_wanted)

    def focusInEvent(self, event) -> None:
        """Tabbed into with nothing selected: the current row (else the first) is selected, so that F2,
        Del and the others act on what the person sees highlighted, as they would after an arrow key."""
        super().focusInEvent(event)
        reasons = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
        model, selection = self.model(), self.selectionModel()
        if event.reason() in reasons and model is not None and model.rowCount() and not selection.hasSelection():
            current = self.currentIndex()
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            selection.setCurrentIndex(current if current.isValid() else model.index(0, 0), flags)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._hint_box is not None:
            self._hint_box.setGeometry(self.viewport().rect())

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
