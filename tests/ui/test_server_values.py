"""The window with counts no real Wix sends (issue 13, item 5): a count that can't be believed is shown
as unknown, sorted as unknown, and never as a number. (Keys: tests/ui/test_offline.py, Copy key.)"""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.ui.models import Column


def test_a_count_that_cant_be_believed_is_shown_and_sorted_as_unknown(demo):
    window, _ = demo
    model = window.model
    model.set_counts({"custom.vip": None, "custom.vegan": 7})
    row = model.row_of("custom.vip")
    assert model.index(row, Column.CONTACTS).data(Qt.ItemDataRole.DisplayRole) == ""
    assert model.contact_count("custom.vip") is None
    assert model.index(model.row_of("custom.vegan"), Column.CONTACTS).data(Qt.ItemDataRole.DisplayRole) == "7"
    window.table.sortByColumn(Column.CONTACTS, Qt.SortOrder.AscendingOrder)
    assert model.label_at(0).key == "custom.vip"  # unknown first, like counts not loaded yet
