"""View → Sort by: the table's order chosen from the keyboard (a header click does the same with the mouse)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QTableView, QWidget

from labeldesk.ui.models import Column

#: The menu's entry for each column (its title, with a letter of its own to press)...
ENTRIES = {
    Column.NAME: "&Name",
    Column.KEY: "&Key",
    Column.TYPE: "&Type",
    Column.CONTACTS: "&Contacts",
    Column.CREATED: "C&reated",
    Column.UPDATED: "&Updated",
}
#: ...and for the two directions.
ASCENDING, DESCENDING = "&Ascending", "&Descending"


class SortMenu(QMenu):
    """ "Sort by" for ``table``: one entry per column, then the direction, each ticked as the table is
    sorted now (a header click included); choosing one sorts the table as its header would."""

    def __init__(self, table: QTableView, parent: QWidget | None = None) -> None:
        super().__init__("&Sort by", parent)
        self.table = table
        self.columns = QActionGroup(self)
        for column in Column:
            action = self.addAction(ENTRIES[column])
            action.setCheckable(True)
            action.setData(int(column))
            self.columns.addAction(action)
        self.addSeparator()
        self.directions = QActionGroup(self)
        for text, order in ((ASCENDING, Qt.SortOrder.AscendingOrder), (DESCENDING, Qt.SortOrder.DescendingOrder)):
            action = self.addAction(text)
            action.setCheckable(True)
            action.setData(order)
            self.directions.addAction(action)
        self.aboutToShow.connect(self._tick)
        self.triggered.connect(self._sort)

    def _tick(self) -> None:
        header = self.table.horizontalHeader()
        column, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        for action in self.columns.actions():
            action.setChecked(action.data() == column)
        for action in self.directions.actions():
            action.setChecked(action.data() == order)

    def _sort(self, action: QAction) -> None:
        header = self.table.horizontalHeader()
        column, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        if action.actionGroup() is self.columns:
            column = int(action.data())
        else:
            order = action.data()
        self.table.sortByColumn(column, order)
