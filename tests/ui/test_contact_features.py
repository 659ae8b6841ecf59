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
    assert window.features.view_menu.actions() == [toggle, window.window_actions[ActionId.DELETED]]
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
