"""View → Sort by: the table's order from the keyboard, ticked as the table is sorted (header clicks included)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.ui.models import Column
from labeldesk.ui.sort_menu import ASCENDING, DESCENDING, ENTRIES


def entry(menu, text):
    return next(action for action in menu.actions() if action.text() == text)


def ticked(menu) -> list[str]:
    menu.aboutToShow.emit()  # (as when it opens)
    return [action.text() for action in menu.actions() if action.isChecked()]


def test_sort_by_sorts_the_table_and_ticks_how_it_is_sorted(demo, qtbot):
    window, _ = demo
    menu = window.features.sort_menu
    assert menu.menuAction() in window.features.view_menu.actions()
    assert ticked(menu) == [ENTRIES[Column.NAME], ASCENDING]
    entry(menu, ENTRIES[Column.CONTACTS]).trigger()
    entry(menu, DESCENDING).trigger()
    in_view = window.model.labels_at(range(window.model.rowCount()))
    counts = [window.model.contact_count(label.key) or 0 for label in in_view]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    header = window.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        Column.CONTACTS,
        Qt.SortOrder.DescendingOrder,
    )
    assert ticked(menu) == [ENTRIES[Column.CONTACTS], DESCENDING]
    window.table.sortByColumn(Column.KEY, Qt.SortOrder.AscendingOrder)  # (a header click)
    assert ticked(menu) == [ENTRIES[Column.KEY], ASCENDING]


def test_every_entry_has_a_letter_of_its_own():
    letters = [text[text.index("&") + 1].lower() for text in [*ENTRIES.values(), ASCENDING, DESCENDING]]
    assert len(ENTRIES) == len(Column)
    assert len(letters[: len(ENTRIES)]) == len(set(letters[: len(ENTRIES)]))
    assert letters[-2] != letters[-1]


def test_the_view_menus_entries_each_have_a_letter_of_their_own(demo):
    window, _ = demo
    texts = [action.text() for action in window.features.view_menu.actions() if action.text()]
    letters = [text[text.index("&") + 1].lower() for text in texts]
    assert len(texts) == 3 and len(set(letters)) == 3, texts
