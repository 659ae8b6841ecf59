"""The keys go to the table: at start, after every dialog, and after "Use …" picked a label.

Before, the first widget in the tab order had them (the type filter, or the site menu), and so did it
again after a dialog closed: Down then changed the filter ("Custom", "System") and hid labels.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from labeldesk.sites import Site
from labeldesk.ui import dialogs
from labeldesk.ui.models import TypeFilter
from labeldesk.ui.site_manager import SignInRequest
from tests.keyrings import MemoryKeyring
from tests.ui.test_window import select


def active(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def focus_elsewhere(window, qtbot):
    """Where the keys were in the reviewer's session: on the type filter."""
    window.type_filter.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.type_filter)


def table_has_the_keys(window, qtbot):
    """After a dialog: the desktop gives the window back the keys (offscreen, the test does), and they
    go where the window says."""
    if QApplication.activeWindow() is not window:
        active(window, qtbot)
    return QApplication.focusWidget() is window.table


def assert_keys_move_through_the_table(window, qtbot):
    assert table_has_the_keys(window, qtbot)
    row = window.table.currentIndex().row()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert window.type_filter.currentData() is TypeFilter.ALL  # the filter stayed
    assert window.table.currentIndex().row() == (row + 1 if row >= 0 else 0)


def test_the_table_has_the_keys_at_start(demo, qtbot):
    window, _ = demo
    active(window, qtbot)
    assert QApplication.focusWidget() is window.table
    assert_keys_move_through_the_table(window, qtbot)


def test_tab_and_shift_tab_leave_the_table_for_the_other_controls(demo, qtbot):
    window, _ = demo
    active(window, qtbot)
    select(window, "VIP")
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() not in (window.table, None)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() not in (window.table, None)
    assert [label.display_name for label in window.selected_labels()] == ["VIP"]  # the row stayed chosen


def test_tabbing_into_the_table_with_nothing_selected_selects_the_current_row(demo, qtbot):
    window, _ = demo
    active(window, qtbot)
    window.table.clearSelection()
    window.search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.search)
    qtbot.keyClick(window.search, Qt.Key.Key_Tab)  # (the search box is the last control before the table)
    assert QApplication.focusWidget() is window.table
    current = window.model.label_at(window.table.currentIndex().row())
    assert window.selected_labels() == [current]  # what Rename, Delete and the panel act on


def test_shift_f10_opens_the_right_click_menu_at_the_current_row(demo, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMenu

    from labeldesk.ui.actions import ActionId

    window, _ = demo
    active(window, qtbot)
    shown = []
    monkeypatch.setattr(QMenu, "popup", lambda menu, at, *rest: shown.append((menu.actions(), at)))
    select(window, "VIP")
    qtbot.keyClick(window.table, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    ((offered, at),) = shown
    assert window.window_actions[ActionId.RENAME] in offered
    row = window.table.visualRect(window.table.currentIndex())
    assert window.table.viewport().mapFromGlobal(at) == row.center()


def test_a_disabled_actions_shortcut_says_why_merge_included(demo, qtbot):
    from labeldesk.ui import actions

    window, _ = demo
    active(window, qtbot)
    select(window, "VIP")  # (one label: nothing to merge it with)
    said = []
    window.message_shown.connect(lambda text, kind: said.append(text))
    qtbot.keyClick(window.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert said == [actions.SELECT_TO_MERGE]


@pytest.fixture
def vip_customers(open_app, demo_store, qtbot):
    demo_store.add_label("VIP Customers", key="custom.vip-customers")
    window, _ = open_app(demo_store)
    return active(window, qtbot)


def test_use_the_existing_label_gives_the_table_the_keys_on_its_row(vip_customers, qtbot):
    window = vip_customers
    focus_elsewhere(window, qtbot)
    dialog = window.new_label()
    qtbot.keyClicks(dialog.name_edit, "vip customers ")
    assert dialog.use_button.isDefault()
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert table_has_the_keys(window, qtbot)
    assert window.table.currentIndex().row() == window.model.row_of("custom.vip-customers")
    assert_keys_move_through_the_table(window, qtbot)


def test_a_created_label_and_a_cancelled_dialog_leave_the_keys_with_the_table(vip_customers, qtbot):
    window = vip_customers
    focus_elsewhere(window, qtbot)
    dialog = window.new_label()
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert_keys_move_through_the_table(window, qtbot)

    focus_elsewhere(window, qtbot)
    dialog = window.new_label()
    qtbot.keyClicks(dialog.name_edit, "Brand new")
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.status.kind == "done")
    created = next(label.key for label in window.model.labels if label.display_name == "Brand new")
    assert table_has_the_keys(window, qtbot)
    assert window.table.currentIndex().row() == window.model.row_of(created)


def test_rename_gives_the_keys_back_to_the_table(vip_customers, qtbot):
    window = vip_customers
    select(window, "Wholesale")
    focus_elsewhere(window, qtbot)
    dialog = window.rename_selected()
    dialog.name_edit.setText("Wholesale buyers")
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert table_has_the_keys(window, qtbot)
    assert window.table.currentIndex().row() == window.model.row_of("custom.wholesale")


@pytest.mark.parametrize("answer", [True, False])
def test_the_delete_question_gives_the_keys_back_to_the_table(vip_customers, qtbot, monkeypatch, answer):
    window = vip_customers
    select(window, "Wholesale")

    def confirm(parent, labels, count_of, **_):
        focus_elsewhere(window, qtbot)  # (a real modal box takes the keys, and Qt gives them back)
        return answer

    monkeypatch.setattr(dialogs, "confirm_delete", confirm)
    window.delete_action.trigger()
    assert QApplication.focusWidget() is window.table


def test_after_a_delete_the_next_row_is_selected(vip_customers, qtbot, monkeypatch):
    window = vip_customers
    names = [window.model.label_at(row).display_name for row in range(window.model.rowCount())]
    select(window, "Wholesale")
    following = names[names.index("Wholesale") + 1]
    monkeypatch.setattr(dialogs, "confirm_delete", lambda *args, **_: True)
    window.delete_action.trigger()
    qtbot.waitUntil(lambda: window.model.row_of("custom.wholesale") is None, timeout=10_000)
    assert [label.display_name for label in window.selected_labels()] == [following]


def test_the_sign_in_and_sign_out_dialogs_give_the_keys_back_to_the_table(site_window, qtbot, monkeypatch):
    window, _manager = site_window(MemoryKeyring())
    active(window, qtbot)
    focus_elsewhere(window, qtbot)
    dialog = window.ask_sign_in(SignInRequest(None))
    qtbot.waitUntil(dialog.isVisible)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        dialog.reject()
    assert table_has_the_keys(window, qtbot)

    window.session.site = Site("deadbeef-0000-4000-8000-0000000000aa", "Harbour")

    def confirm(parent, site, where):
        focus_elsewhere(window, qtbot)
        return False

    monkeypatch.setattr(dialogs, "confirm_sign_out", confirm)
    window.sign_out()
    assert QApplication.focusWidget() is window.table


def test_wait_in_the_quit_question_gives_the_keys_back_to_the_table(vip_customers, qtbot, monkeypatch):
    from labeldesk.ui import main_window

    window = vip_customers

    def ask(parent, changes):
        focus_elsewhere(window, qtbot)
        return False  # "Wait"

    monkeypatch.setattr(main_window, "ask_quit_while_saving", ask)
    monkeypatch.setattr(window.controller.writes, "changes_in_flight", ["Saving ‘X’…"])
    window.close()
    assert window.isVisible()
    assert QApplication.focusWidget() is window.table
    monkeypatch.setattr(window.session, "close_when_saved", False)


def test_an_empty_table_with_a_site_open_offers_no_sign_in_or_demo(demo, qtbot):
    from labeldesk.ui import status_texts

    window, _ = demo
    qtbot.waitUntil(lambda: window.model.rowCount() > 0)
    window.search.setText("no label is called this")
    qtbot.waitUntil(lambda: window.table._hint is not None and window.table.empty_hint.isVisible())
    assert window.table.empty_hint.text() == status_texts.NO_MATCH_HINT
    assert window.table.offer_buttons and not any(button.isVisibleTo(window) for button in window.table.offer_buttons)
