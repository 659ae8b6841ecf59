"""The window with keys and counts no real Wix sends (issue 13, item 5): Copy key never puts a line
break (or any control character) on the clipboard, and a count that can't be believed is shown as
unknown, sorted as unknown, and never as a number."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from labeldesk.domain import Label, LabelType
from labeldesk.ui.models import Column
from tests.ui.test_window import select

#: As a copy saved by an older LabelDesk may hold it (keys from Wix are checked as they come).
TWO_LINES = Label("custom.vip\nrm -rf ~", "Two Lines", LabelType.USER_DEFINED, "custom", "Labels")


def test_copy_key_never_puts_a_line_break_on_the_clipboard(demo, qtbot):
    window, _ = demo
    window.model.upsert(TWO_LINES)
    QGuiApplication.clipboard().setText("before")

    select(window, "Two Lines")
    window.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == "before"  # nothing it could copy

    select(window, "VIP", "Two Lines")
    window.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == "custom.vip"  # one key, one line
    assert window.status.text.text() == "Copied the key custom.vip."


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
