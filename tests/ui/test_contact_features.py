"""The window's part of issue 15 on the real window: the actions, the View menu, the panel's toggle, and
what the engine's operation news (CountsChanged, a resumed merge) does to the table and the status bar."""

from __future__ import annotations

from labeldesk.engine import protocol as p
from labeldesk.ui import actions
from labeldesk.ui.actions import ActionId
from labeldesk.ui.merge_dialog import MergeDialog
from tests.ui.test_window import select


def news(window, event) -> None:
    """As if the site's engine had sent ``event``."""
    window.controller._link.news.emit(event)


def test_merge_is_offered_for_two_labels_with_at_most_one_system_label(demo):
    window, _ = demo
    merge = window.window_actions[ActionId.MERGE]
    select(window, "VIP")
    assert not merge.isEnabled() and window.why(merge) == actions.SELECT_TO_MERGE
    select(window, "VIP", "Vegan")
    assert merge.isEnabled()
    assert merge.shortcut().toString() == "Ctrl+M"
    select(window, "VIP", "Customers")
    assert merge.isEnabled()
    select(window, "Customers", "Contacted Me", "VIP")
    assert not merge.isEnabled() and window.why(merge) == actions.TWO_LOCKED_TO_MERGE
    assert merge in window.toolbar.actions()


def test_ctrl_m_opens_the_merge_dialog_with_the_most_used_label_staying(demo, qtbot):
    window, _ = demo
    select(window, "VIP", "Vegan", "Staff")
    window.window_actions[ActionId.MERGE].trigger()
    dialog = window.features.merge_dialog
    assert isinstance(dialog, MergeDialog) and dialog.isVisible()
    in_table_order = [label.key for label in window.selected_labels()]
    counts = {key: window.model.contact_count(key) or 0 for key in in_table_order}
    assert dialog.target == max(in_table_order, key=counts.__getitem__)  # (the first of the most, on a tie)
    dialog.reject()


def test_f9_and_the_view_menu_show_and_hide_the_contacts_panel(demo, qtbot):
    window, _ = demo
    window.show()
    qtbot.waitExposed(window)
    toggle = window.window_actions[ActionId.CONTACTS]
    assert toggle.shortcut().toString() == "F9" and toggle.isCheckable()
    assert window.features.view_menu.actions()[:2] == [toggle, window.window_actions[ActionId.DELETED]]
    assert not window.features.panel.isVisible()
    toggle.trigger()
    assert window.features.panel.isVisible() and toggle.isChecked()
    select(window, "VIP")
    assert window.features.panel.heading.text() == "Contacts with ‘VIP’"
    window.features.panel.close()  # its own close button
    assert not toggle.isChecked()


def test_counts_changed_updates_only_those_counts_in_the_table(demo, qtbot):
    window, _ = demo
    before = window.model.contact_count("custom.vegan")
    news(window, p.CountsChanged({"custom.vip": 1234, "custom.gone-already": 5}))
    assert window.model.contact_count("custom.vip") == 1234
    assert window.model.contact_count("custom.vegan") == before
    assert window.model.label("custom.gone-already") is None


def test_a_merge_resumed_at_start_up_is_shown_and_its_end_reported(demo, qtbot):
    window, _ = demo
    vip = window.model.label("custom.vip")
    news(window, p.OperationStarted(5, "merge", None, resumed=True))
    assert window.status.text.text() == "Finishing a merge that was interrupted when LabelDesk last closed…"
    assert window.busy.isVisibleTo(window)
    news(window, p.OperationProgress(5, "labelling", 2, 4))
    assert window.busy.maximum() == 4 and window.busy.value() == 2
    news(window, p.OperationDone(5, "merge", None, vip, ["custom.vegan"], 3, 3, resumed=True))
    assert window.model.label("custom.vegan") is None
    assert window.status.text.text() == "Merged ‘Vegan’ into ‘VIP’: the 3 contacts that had it have ‘VIP’ now."
    assert window.status.kind == "done"


def test_a_resumed_restore_that_failed_is_reported_as_an_error(demo, qtbot):
    window, _ = demo
    news(window, p.OperationStarted(6, "restore", None, resumed=True))
    error = p.ErrorInfo("KnownError", "Wix couldn't be reached.")
    news(window, p.OperationFailed(6, "restore", error))
    assert window.status.text.text().startswith("The restore stopped:")
    assert window.status.kind == "error"


def test_recently_deleted_says_why_it_is_unavailable_without_a_saved_copy(demo):
    window, _ = demo  # (this window keeps no saved copy)
    deleted = window.window_actions[ActionId.DELETED]
    assert not deleted.isEnabled() and window.why(deleted) == actions.NO_SAVED_COPY
    assert window.features.show_deleted() is None


def test_the_right_click_menu_offers_merge(demo, monkeypatch):
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QMenu

    window, _ = demo
    shown = []
    monkeypatch.setattr(QMenu, "popup", lambda menu, *args: shown.append(menu.actions()))
    select(window, "VIP", "Vegan")
    window.commands._show_context_menu(QPoint(5, 5))
    (offered,) = shown
    assert window.window_actions[ActionId.MERGE] in offered


def test_the_panel_heading_follows_a_rename(demo, qtbot):
    window, _ = demo
    window.show()
    window.window_actions[ActionId.CONTACTS].trigger()
    select(window, "VIP")
    vip = window.model.label("custom.vip")
    window.model.upsert(type(vip)(vip.key, "Very Important", vip.label_type))
    assert window.features.panel.heading.text() == "Contacts with ‘Very Important’"


def test_another_site_shown_closes_the_merge_question_empties_the_panel_and_drops_the_old_news(demo, qtbot):
    from labeldesk.sites import Site
    from labeldesk.ui.controller import LabelsController
    from tests.conftest import make_client

    window, emulator = demo
    window.show()
    window.window_actions[ActionId.CONTACTS].trigger()
    select(window, "VIP", "Vegan")
    asked_about_the_first = window.features.merge_selected()
    first = window.controller
    second = LabelsController(make_client(emulator))
    try:
        window.attach(second, Site("site-two", "Two", emulator.base_url))
        assert not asked_about_the_first.isVisible() and window.features.merge_dialog is None
        panel = window.features.panel
        assert panel.model.source is second.operations and panel.model.key is None
        assert panel.heading.text() == "Select one label to see its contacts."
        before = window.status.text.text()
        first.operations.operation_started.emit(p.OperationStarted(1, "merge", None, resumed=True))
        assert window.status.text.text() == before
    finally:
        second.shutdown()


def test_closing_while_a_merge_runs_says_so_and_keep_open_keeps_the_window(demo, qtbot, monkeypatch):
    from labeldesk.ui import contact_features, status_texts

    window, _ = demo
    asked: list[list[str]] = []
    replies = [False, True]  # "Keep open", then "Quit"

    def ask(parent, kinds):
        asked.append(list(kinds))
        return replies.pop(0)

    monkeypatch.setattr(contact_features, "ask_quit_while_operating", ask)
    window.close()  # nothing running: no question
    assert asked == []
    window.show()
    news(window, p.OperationStarted(5, "merge", None, resumed=True))
    window.close()
    assert asked == [["merge"]] and window.isVisible()
    window.close()
    assert asked == [["merge"], ["merge"]] and not window.isVisible()
    text, informative = status_texts.still_operating(["merge"])
    assert text == "A merge is still running."
    assert "finishes it the next time you open this site" in informative
    assert status_texts.still_operating(["merge", "restore", "merge"])[0] == "2 merges and 1 restore are still running."


def test_a_restored_label_shows_the_count_that_came_before_it_was_back_in_the_table(demo, qtbot):
    from labeldesk.domain import Label, LabelType

    window, _ = demo
    back = Label("custom.newsletter-2", "Newsletter", LabelType.USER_DEFINED)
    news(window, p.OperationStarted(8, "restore", None, resumed=True))
    news(window, p.CountsChanged({"custom.newsletter-2": 23}))  # (the engine reads the counts, then says done)
    news(window, p.OperationDone(8, "restore", None, back, [], 23, 24, resumed=True))
    assert window.model.label("custom.newsletter-2") is not None
    assert window.model.contact_count("custom.newsletter-2") == 23


def test_f6_and_esc_move_the_keys_between_the_table_and_the_contacts_panel(demo, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    window, _ = demo
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    panel = window.features.panel
    select(window, "VIP")
    window.window_actions[ActionId.CONTACTS].trigger()
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    window.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)
    qtbot.keyClick(window.table, Qt.Key.Key_F6)
    assert QApplication.focusWidget() is panel.view and panel.selected_rows() == [0]
    qtbot.keyClick(panel.view, Qt.Key.Key_F6)
    assert QApplication.focusWidget() is window.table
    qtbot.keyClick(window.table, Qt.Key.Key_F6)
    qtbot.keyClick(panel.view, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.table
    panel.search.setFocus()
    qtbot.keyClick(panel.search, Qt.Key.Key_F9)  # closing the panel from inside it
    assert not panel.isVisible() and QApplication.focusWidget() is window.table


def test_an_operation_that_ended_leaves_nothing_running_and_the_working_bar_goes(demo, qtbot):
    window, _ = demo
    vip = window.model.label("custom.vip")
    news(window, p.OperationStarted(5, "merge", None, resumed=True))
    assert window.features.operations.running == {5: "merge"}
    news(window, p.OperationProgress(5, "labelling", 2, 4))
    news(window, p.OperationDone(5, "merge", None, vip, ["custom.vegan"], 3, 3, resumed=True))
    assert window.features.operations.running == {}
    assert not window.busy.isVisibleTo(window) and window.busy.maximum() == 0  # (no figures left behind)


def test_a_failed_merge_takes_the_labels_it_had_deleted_out_of_the_table(demo, qtbot):
    window, _ = demo
    news(window, p.OperationStarted(6, "merge", None, resumed=True))
    error = p.ErrorInfo("KnownError", "Wix couldn't be reached.")
    news(window, p.OperationFailed(6, "merge", error, removed=["custom.vegan"]))
    assert window.model.label("custom.vegan") is None
    assert window.features.operations.running == {}


def test_an_operation_that_failed_for_want_of_wix_takes_the_window_offline(demo, qtbot):
    window, _ = demo
    news(window, p.OperationStarted(6, "restore", None, resumed=True))
    from labeldesk.api.errors import NetworkError

    news(window, p.OperationFailed(6, "restore", p.error_info(NetworkError())))
    assert window.controller.offline


def test_the_panel_reads_the_label_that_stayed_again_when_a_merge_ends(demo, qtbot):
    window, _ = demo
    panel = window.features.panel
    window.window_actions[ActionId.CONTACTS].trigger()
    select(window, "VIP")
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0 and not panel.model.loading)
    vip = window.model.label("custom.vip")
    news(window, p.OperationDone(5, "merge", None, vip, ["custom.vegan"], 3, 3, resumed=True))
    assert panel.model.loading and panel.model.rowCount() == 0  # (read again from the start)
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0 and not panel.model.loading)


def test_an_operation_the_engine_could_not_write_down_is_reported_stopped_when_the_engine_dies(demo, qtbot):
    window, _ = demo
    link = window.controller._link
    news(window, p.OperationStarted(-1, "merge", None, resumed=True))  # (no saved copy: a negative id)
    news(window, p.OperationStarted(4, "restore", None, resumed=True))  # (written down: the new engine resumes it)
    link.restarted.emit()
    assert window.features.operations.running == {4: "restore"}
    assert window.status.kind == "error"
    assert window.status.text.text() == (
        "The merge stopped: LabelDesk's connection to Wix stopped during the merge. With no saved copy to note "
        "its steps in, it can't be finished: press F5 to see what it changed, and what it deleted."
    )
    link.gave_up = True  # (and when no new engine was started, every one is reported)
    link.restarted.emit()
    assert window.features.operations.running == {}
    assert window.status.text.text().endswith("the restore finishes the next time you open this site.")
    assert not window.busy.isVisibleTo(window)
    link.gave_up = False


def test_the_panel_follows_only_a_single_selected_label(demo, qtbot):
    window, _ = demo
    window.show()
    window.window_actions[ActionId.CONTACTS].trigger()
    panel = window.features.panel
    select(window, "VIP", "Vegan")
    assert window.commands.only_selected() is None
    assert panel.heading.text() == "Select one label to see its contacts."
    select(window, "Vegan")
    assert window.commands.only_selected() == window.model.label("custom.vegan")
    assert panel.heading.text() == "Contacts with ‘Vegan’"
    window.table.selectAll()
    assert window.commands.only_selected() is None
    assert panel.heading.text() == "Select one label to see its contacts."
    window.table.clearSelection()
    assert window.commands.only_selected() is None


def test_the_panel_lets_go_of_a_label_the_table_no_longer_has_after_a_reset(demo, qtbot):
    window, _ = demo
    window.show()
    window.window_actions[ActionId.CONTACTS].trigger()
    select(window, "VIP")
    assert window.features.panel.heading.text() == "Contacts with ‘VIP’"
    window.model.clear()  # (a reset: Qt drops the selection without a selectionChanged)
    assert window.features.panel.heading.text() == "Select one label to see its contacts."


def test_the_panel_is_made_when_first_opened_and_shows_the_label_already_selected(demo, qtbot):
    window, _ = demo
    window.show()
    features = window.features
    select(window, "Vegan")
    features.save(window.settings)  # (a closed panel is saved as closed, without being made)
    assert features._panel is None  # start-up doesn't build it (see ContactFeatures.panel)
    window.window_actions[ActionId.CONTACTS].trigger()
    panel = features.panel
    assert panel.isVisible() and panel.heading.text() == "Contacts with ‘Vegan’"
    qtbot.waitUntil(lambda: panel.model.rowCount() == window.model.contact_count("custom.vegan"))


def test_what_the_contacts_panel_says_shows_in_the_window_status_bar(demo, qtbot):
    from labeldesk.ui import operation_texts as words

    window, _ = demo
    window.show()
    select(window, "Vegan")
    window.window_actions[ActionId.CONTACTS].trigger()  # (the panel is made now: see ContactFeatures.panel)
    panel = window.features.panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    panel.copy_action.trigger()  # Ctrl+Shift+C with no contact selected
    assert window.status.text.text() == words.SELECT_CONTACTS_FIRST
