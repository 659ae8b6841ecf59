"""The window, driven as a user would, against the emulator."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox

from labeldesk.domain import LabelType
from labeldesk.emulator import LabelStore, seed_many
from labeldesk.ui import dialogs
from labeldesk.ui.models import Column, Role, TypeFilter
from tests.ui.conftest import names_in_view


def writes(emulator):
    return [r for r in emulator.requests if r.method != "GET"]


def select(window, *names):
    window.table.clearSelection()
    for name in names:
        key = next(label.key for label in window.model.labels if label.display_name == name)
        row = window.model.row_of(key)
        window.table.selectionModel().select(
            window.model.index(row, 0),
            window.table.selectionModel().SelectionFlag.Select | window.table.selectionModel().SelectionFlag.Rows,
        )


def rename_to_a_name_made_elsewhere(window, emulator):
    """Open the rename dialog on 'Wholesale' with a name another label has on Wix, which the table
    doesn't know yet (so nothing stops it before Wix refuses it with a 409), and press Rename."""
    emulator.store.add_label("Trade Customers")
    select(window, "Wholesale")
    dialog = window.rename_selected()
    dialog.name_edit.setText("Trade Customers")
    assert dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    return dialog


# -- loading, counts, status -------------------------------------------------------------------------------


def test_the_first_load_fills_the_table_with_counts_and_a_status(demo):
    window, emulator = demo
    assert window.model.rowCount() == len(emulator.store) == 45
    assert window.count_label.text() == "45 labels"
    assert window.status.text.text().startswith("Last refreshed ")
    customers = window.model.row_of("contacts.customers")
    shown = window.model.index(customers, Column.CONTACTS).data()
    assert shown and int(shown.replace(",", "")) > 0
    assert window.model.index(customers, Column.CREATED).data() is None
    assert window.model.index(customers, Column.NAME).data(Qt.ItemDataRole.ToolTipRole)


def test_contacts_are_blank_until_the_counts_arrive(open_app, demo_store, qtbot, monkeypatch):
    import threading

    release = threading.Event()
    original = demo_store.facets
    monkeypatch.setattr(demo_store, "facets", lambda params: release.wait(10) and original(params))
    window, _ = open_app(demo_store, wait=False)
    qtbot.waitUntil(lambda: window.model.rowCount() == 45, timeout=10_000)
    customers = window.model.row_of("contacts.customers")
    assert window.model.index(customers, Column.CONTACTS).data() is None
    release.set()
    qtbot.waitUntil(lambda: window.model.index(customers, Column.CONTACTS).data() is not None, timeout=10_000)
    assert int(window.model.index(customers, Column.CONTACTS).data().replace(",", "")) > 0


def test_contact_counts_refused_for_permission_keep_the_labels_working(open_app, demo_store, qtbot, monkeypatch):
    from labeldesk.emulator import ApiError

    def refuse(params):
        raise ApiError(403, "Missing permission", code="PERMISSION_DENIED")

    monkeypatch.setattr(demo_store, "facets", refuse)
    window, _ = open_app(demo_store, wait=False)
    qtbot.waitUntil(lambda: window.model.rowCount() == 45 and window.session.counts_problem is not None, timeout=10_000)
    qtbot.waitUntil(lambda: "Read Contacts" in window.status.text.text(), timeout=10_000)
    assert window.status.text.text().startswith("Last refreshed ")
    assert not window.session.paused and window.new_action.isEnabled()


def test_a_failed_load_says_what_happened_and_what_to_do(open_app, demo_store, qtbot):
    from labeldesk.emulator import Emulator  # noqa: F401 - the fixture's emulator is reused

    window, emulator = open_app(demo_store, wait=False)
    qtbot.waitUntil(lambda: window.session.loaded_once)
    emulator.faults.fail_next(20, status=500)
    window.refresh_action.trigger()
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=10_000)
    text = window.status.text.text()
    assert text.startswith("Couldn't refresh the labels: Wix is having trouble")
    assert "F5" in text
    assert window.model.rowCount() == 45  # what was shown stays shown


def test_a_failed_first_load_shows_the_reason_in_the_empty_table(demo_store, qtbot, settings):
    from labeldesk.app import open_window
    from labeldesk.emulator import Emulator
    from tests.conftest import make_client

    with Emulator(demo_store, rate_limit=None) as emulator:
        emulator.faults.fail_next(50, status=503)  # before the window asks anything
        window, controller = open_window(make_client(emulator), settings, site_name="Test site")
        qtbot.addWidget(window)
        try:
            qtbot.waitUntil(lambda: window.session.loaded_once and not controller.busy, timeout=10_000)
            assert window.model.total == 0
            qtbot.waitUntil(window.table.empty_hint.isVisible)  # (see LabelsTable.show_empty_hint)
            assert window.table.empty_hint.text().startswith("Couldn't load the labels.\nWix is having trouble")
            assert window.status.kind == "error"
        finally:
            controller.shutdown()


# -- search, filter, sort ----------------------------------------------------------------------------------


def test_search_ignores_case_and_accents_on_name_and_key(demo, qtbot):
    window, _ = demo
    qtbot.keyClicks(window.search, "creme brulee")
    assert names_in_view(window) == ["Crème Brûlée Fans"]
    assert window.count_label.text() == "1 of 45 labels"
    window.search.setText("CUSTOM.VIP")
    assert names_in_view(window) == ["VIP"]
    window.search.setText("zzz")
    assert window.model.rowCount() == 0
    assert window.table.empty_hint.isVisible()
    assert "No labels match" in window.table.empty_hint.text()
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == ""
    assert window.model.rowCount() == 45


def test_ctrl_f_focuses_the_search(demo, qtbot):
    window, _ = demo
    window.table.setFocus()
    window.find_action.trigger()
    assert window.search.hasFocus() or QGuiApplication.focusObject() is window.search


@pytest.mark.parametrize(
    ("choice", "types"),
    [
        (TypeFilter.CUSTOM, {LabelType.USER_DEFINED}),
        (TypeFilter.SYSTEM, {LabelType.SYSTEM}),
        (TypeFilter.APP, {LabelType.WIX_APP_DEFINED}),
    ],
)
def test_the_type_filter_shows_one_kind(demo, choice, types):
    window, _ = demo
    window.type_filter.setCurrentIndex(window.type_filter.findData(choice))
    shown = {window.model.label_at(row).label_type for row in range(window.model.rowCount())}
    assert shown == types
    assert window.count_label.text().endswith("of 45 labels")


@pytest.mark.parametrize("column", list(Column))
@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_clicking_a_header_sorts_by_the_real_value(demo, qtbot, column, order):
    window, _ = demo
    window.table.sortByColumn(column, order)
    values = [window.model.index(row, column).data(Role.SORT) for row in range(window.model.rowCount())]
    assert values == sorted(values, reverse=order == Qt.SortOrder.DescendingOrder)
    if column == Column.CREATED:
        rows = [window.model.label_at(row) for row in range(window.model.rowCount())]
        dated = [label.created for label in rows if label.created]
        assert dated == sorted(dated, reverse=order == Qt.SortOrder.DescendingOrder)


# -- create ------------------------------------------------------------------------------------------------


def submit(qtbot, dialog, text=None):
    if text is not None:
        dialog.name_edit.setText(text)
    with qtbot.waitSignal(dialog.finished, timeout=10_000, raising=False):
        dialog.ok_button.click()


def test_new_label_creates_selects_and_says_so(demo, qtbot):
    window, emulator = demo
    emulator.clear_requests()
    dialog = window.new_label()
    assert not dialog.ok_button.isEnabled()
    submit(qtbot, dialog, "  Early Birds ")
    assert window.status.text.text() == "Created ‘Early Birds’."
    (selected,) = window.selected_labels()
    assert selected.display_name == "Early Birds" and selected.key == "custom.early-birds"
    assert window.model.rowCount() == 46
    assert [(r.method, r.path) for r in emulator.requests] == [("POST", "/contacts/v4/labels")]


def test_new_label_that_exists_offers_to_use_it(demo, qtbot):
    window, emulator = demo
    emulator.clear_requests()
    dialog = window.new_label()
    dialog.name_edit.setText("VIP")
    assert "already exists" in dialog.message.text()
    assert dialog.use_button.isDefault() and dialog.use_button.text() == "Use ‘VIP’"
    assert dialog.ok_button.isHidden()  # creating it would only find the same label
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert window.status.text.text().startswith("‘VIP’ already existed")
    assert [label.key for label in window.selected_labels()] == ["custom.vip"]
    assert window.model.rowCount() == 45
    assert emulator.requests == []


def test_new_label_warns_about_a_near_duplicate(demo, qtbot):
    window, _ = demo
    dialog = window.new_label()
    qtbot.keyClicks(dialog.name_edit, "vip ")
    assert dialog.message.text().startswith("‘vip’ looks like the existing label ‘VIP’.")
    assert dialog.ok_button.isEnabled() and dialog.ok_button.text() == "Create anyway"
    dialog.name_edit.setText("café  REGULARS")
    assert "looks like the existing label ‘Café Regulars’" in dialog.message.text()
    dialog.reject()


@pytest.mark.parametrize(("text", "reason"), [("   ", "Type a name"), ("x" * 181, "181 characters; the limit is 180")])
def test_invalid_names_disable_ok_with_the_reason(demo, text, reason):
    window, _emulator = demo
    dialog = window.new_label()
    dialog.name_edit.setText(text)
    assert not dialog.ok_button.isEnabled()
    assert reason in dialog.message.text()
    assert reason in dialog.ok_button.toolTip()
    dialog.name_edit.setText("x" * 180)
    assert dialog.ok_button.isEnabled()
    dialog.reject()


def test_ok_is_disabled_while_the_request_is_in_flight(open_app, demo_store, qtbot):
    window, _emulator = open_app(demo_store, latency_ms=300)
    dialog = window.new_label()
    dialog.name_edit.setText("Slow Label")
    dialog.ok_button.click()
    assert not dialog.ok_button.isEnabled()
    assert dialog.message.text().startswith("Saving…")
    assert window.status.text.text() == "Saving ‘Slow Label’…"
    assert window.busy.isVisible() or window.controller.busy
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        pass
    assert window.status.text.text() == "Created ‘Slow Label’."


def test_quota_reached_is_shown_in_the_dialog(demo, qtbot):
    window, emulator = demo
    emulator.store.quota = 1
    dialog = window.new_label()
    dialog.name_edit.setText("One Too Many")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
    assert "limit of 1 labels" in dialog.message.text()
    assert dialog.isVisible() and dialog.name_edit.text() == "One Too Many"
    dialog.reject()


# -- rename ------------------------------------------------------------------------------------------------


def test_rename_changes_one_row_and_keeps_the_key(demo, qtbot):
    window, emulator = demo
    select(window, "Wholesale")
    emulator.clear_requests()
    resets = []
    window.model.modelReset.connect(lambda: resets.append(1))
    dialog = window.rename_selected()
    assert dialog.key_edit.text() == "custom.wholesale" and dialog.key_edit.isReadOnly()
    assert not dialog.ok_button.isEnabled()  # nothing changed yet
    submit(qtbot, dialog, "Trade Customers")
    assert window.status.text.text() == "Renamed ‘Wholesale’ to ‘Trade Customers’."
    assert window.model.label("custom.wholesale").display_name == "Trade Customers"
    assert [label.key for label in window.selected_labels()] == ["custom.wholesale"]
    assert [(r.method, r.path) for r in emulator.requests] == [("PATCH", "/contacts/v4/labels/custom.wholesale")]
    assert resets == []


def test_f2_and_double_click_open_rename(demo, qtbot):
    from labeldesk.ui.dialogs import LabelNameDialog

    window, _ = demo
    window.activateWindow()
    select(window, "VIP")
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F2)
    (dialog,) = [d for d in window.findChildren(LabelNameDialog) if d.isVisible()]
    assert dialog.key_edit.text() == "custom.vip"
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    index = window.model.index(window.table.selectionModel().selectedRows()[0].row(), Column.KEY)
    where = window.table.visualRect(index).center()
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=where)  # a real double-click
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=where)  # starts with a click
    visible = [d for d in window.findChildren(LabelNameDialog) if d.isVisible()]
    assert len(visible) == 1 and visible[0].key_edit.text() == "custom.vip"
    visible[0].reject()


def test_closing_while_a_save_is_in_flight_still_reports_it(open_app, demo_store, qtbot):
    window, _ = open_app(demo_store, latency_ms=300)
    dialog = window.new_label()
    dialog.name_edit.setText("Patience")
    dialog.ok_button.click()
    close = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert close.isEnabled() and close.text() == "Close"
    close.click()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.status.text.text() == "Created ‘Patience’.", timeout=10_000)
    assert [label.display_name for label in window.selected_labels()] == ["Patience"]


def test_a_label_being_deleted_cannot_be_deleted_again(open_app, demo_store, qtbot, monkeypatch):
    window, emulator = open_app(demo_store, latency_ms=300)
    monkeypatch.setattr(dialogs, "confirm_delete", lambda *args, **_: True)
    select(window, "VIP")
    window.delete_action.trigger()
    assert not window.delete_action.isEnabled() and not window.rename_action.isEnabled()
    assert "being saved" in window.delete_action.toolTip()
    window.delete_action.trigger()
    qtbot.waitUntil(lambda: window.model.row_of("custom.vip") is None, timeout=10_000)
    assert [r.method for r in emulator.requests].count("DELETE") == 1


def test_a_failed_save_replaces_saving_in_the_status_bar(demo, qtbot):
    window, emulator = demo
    dialog = rename_to_a_name_made_elsewhere(window, emulator)
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=10_000)
    assert window.status.text.text().startswith("Renaming ‘Wholesale’ failed: Another label already has this name.")
    dialog.reject()


def test_rename_conflict_is_shown_in_the_dialog(demo, qtbot):
    window, emulator = demo
    dialog = rename_to_a_name_made_elsewhere(window, emulator)
    qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
    assert dialog.message.text() == "Another label already has this name. Choose a different name."
    assert dialog.isVisible() and not dialog.ok_button.isEnabled()  # the refused name isn't sent again
    assert window.model.label("custom.wholesale").display_name == "Wholesale"
    dialog.reject()


def test_rename_of_a_label_deleted_elsewhere_removes_the_row(demo, qtbot):
    window, emulator = demo
    select(window, "Wholesale")
    dialog = window.rename_selected()
    emulator.store.delete("custom.wholesale")  # someone else deletes it in Wix meanwhile
    dialog.name_edit.setText("Trade")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.model.row_of("custom.wholesale") is None, timeout=10_000)
    assert "deleted elsewhere" in window.status.text.text()
    assert "removed from the list" in dialog.message.text()
    assert not dialog.ok_button.isEnabled()
    dialog.reject()


# -- delete ------------------------------------------------------------------------------------------------


@pytest.fixture
def confirmations(monkeypatch):
    asked = []

    def confirm(parent, labels, count_of, **options):
        asked.append(dialogs.delete_confirmation_text(labels, count_of, **options))
        return True

    monkeypatch.setattr(dialogs, "confirm_delete", confirm)
    return asked


def test_delete_one_after_an_honest_warning(demo, qtbot, confirmations):
    window, emulator = demo
    count = window.model.contact_count("custom.vip")
    select(window, "VIP")
    emulator.clear_requests()
    window.delete_action.trigger()
    qtbot.waitUntil(lambda: window.model.row_of("custom.vip") is None, timeout=10_000)
    ((question, consequence),) = confirmations
    assert question == "Delete the label ‘VIP’?"
    # (this window keeps no saved copy, so there is no Recently deleted to restore from: see test_contacts_e2e)
    assert consequence == f"Removes ‘VIP’ from {count} contacts. This can't be undone."
    qtbot.waitUntil(lambda: window.status.text.text() == "Deleted ‘VIP’.")
    assert [(r.method, r.path) for r in emulator.requests] == [("DELETE", "/contacts/v4/labels/custom.vip")]
    assert window.count_label.text() == "44 labels"


def test_delete_several_names_them_and_removes_each_row(demo, qtbot, confirmations):
    window, _ = demo
    select(window, "VIP", "Vegan", "Staff")
    window.delete_action.trigger()
    qtbot.waitUntil(lambda: window.status.text.text() == "Deleted 3 labels.", timeout=10_000)
    ((question, consequence),) = confirmations
    assert question == "Delete these 3 labels?"
    assert consequence.endswith("This can't be undone.")
    for name in ("VIP", "Vegan", "Staff"):
        assert f"‘{name}’" in consequence
        assert name not in names_in_view(window)


def test_cancelling_the_confirmation_deletes_nothing(demo, monkeypatch):
    window, emulator = demo
    monkeypatch.setattr(dialogs, "confirm_delete", lambda *args, **_: False)
    select(window, "VIP")
    emulator.clear_requests()
    window.delete_action.trigger()
    assert writes(emulator) == []
    assert window.model.row_of("custom.vip") is not None


def test_rename_and_delete_are_disabled_for_system_and_app_labels_with_the_reason(demo):
    window, _ = demo
    select(window, "Customers")
    assert not window.rename_action.isEnabled() and not window.delete_action.isEnabled()
    assert "Wix creates this label itself" in window.rename_action.toolTip()
    select(window, "VIP", "Abandoned Cart")
    assert not window.delete_action.isEnabled()
    assert "Wix Stores" in window.delete_action.toolTip()
    window.table.clearSelection()
    assert not window.rename_action.isEnabled()
    assert window.rename_action.toolTip() == "Select a label to rename it."
    assert not window.copy_action.isEnabled()


def test_a_refused_system_delete_is_reported_plainly(demo, qtbot):
    window, _ = demo
    errors_seen = []
    window.controller.delete(window.model.label("contacts.customers"), on_failure=errors_seen.append)
    qtbot.waitUntil(lambda: bool(errors_seen), timeout=10_000)
    assert "doesn't allow this label to be renamed or deleted" in str(errors_seen[0])
    assert window.model.row_of("contacts.customers") is not None


# -- copy, selection, refresh ------------------------------------------------------------------------------


def test_copy_key_puts_the_keys_on_the_clipboard(demo):
    window, _ = demo
    select(window, "VIP", "Vegan")
    window.copy_action.trigger()
    assert sorted(QGuiApplication.clipboard().text().splitlines()) == ["custom.vegan", "custom.vip"]
    assert window.status.text.text() == "Copied 2 keys."


def test_refresh_keeps_the_selection_and_applies_only_the_differences(demo, qtbot):
    window, emulator = demo
    select(window, "Vegan")
    emulator.store.add_label("Added Elsewhere")
    emulator.store.rename("custom.vip", {"label": {"key": "custom.vip", "displayName": "VIPs"}})
    emulator.store.delete("custom.staff")
    resets = []
    window.model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(window.controller.labels_loaded, timeout=10_000):
        window.refresh_action.trigger()
    assert resets == []
    assert [label.key for label in window.selected_labels()] == ["custom.vegan"]
    assert window.model.label("custom.vip").display_name == "VIPs"
    assert window.model.row_of("custom.staff") is None
    assert window.model.row_of("custom.added-elsewhere") is not None


def test_the_shortcuts_are_the_documented_ones(demo):
    window, _ = demo
    shortcuts = {a.text(): a.shortcut().toString() for a in window.actions()}
    assert shortcuts["New label"] == "Ctrl+N"
    assert shortcuts["Rename"] == "F2"
    assert shortcuts["Delete"] == "Del"
    assert shortcuts["Refresh"] == "F5"
    assert shortcuts["Copy key"] == "Ctrl+C"
    assert shortcuts["Find"] == "Ctrl+F"


def test_size_columns_and_sort_order_are_remembered(demo, settings, qtbot, open_app, demo_store):
    window, _ = demo
    window.resize(700, 450)  # within the offscreen screen's 800x600, which restoreGeometry respects
    window.table.setColumnWidth(Column.KEY, 333)
    window.table.sortByColumn(Column.CONTACTS, Qt.SortOrder.DescendingOrder)
    window.close()
    again, _ = open_app(demo_store)
    header = again.table.horizontalHeader()
    assert header.sectionSize(Column.KEY) == 333
    assert header.sortIndicatorSection() == Column.CONTACTS
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert again.model.sort_spec == (Column.CONTACTS, True)  # the rows really are in that order
    counts = [again.model.index(row, Column.CONTACTS).data(Role.SORT) for row in range(again.model.rowCount())]
    assert counts == sorted(counts, reverse=True)
    assert (again.width(), again.height()) == (700, 450)


def test_dialog_cancel_button_closes(demo):
    window, _ = demo
    dialog = window.new_label()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert not dialog.isVisible()


def test_refresh_keeps_the_scroll_position(open_app, demo_store, qtbot):
    window, emulator = open_app(demo_store)
    window.resize(700, 300)
    bar = window.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum() // 2)
    top = window.table.indexAt(window.table.viewport().rect().topLeft()).data()
    emulator.store.add_label("Zzz Added Elsewhere")
    with qtbot.waitSignal(window.controller.labels_loaded, timeout=10_000):
        window.refresh_action.trigger()
    assert window.table.indexAt(window.table.viewport().rect().topLeft()).data() == top


def test_a_site_name_with_an_ampersand_is_shown_as_typed(open_app, demo_store):
    window, _ = open_app(demo_store)
    from labeldesk.sites import Site

    window.session.site = Site("x", "Harbour & Hive")
    window._rebuild_site_menu()
    assert window.site_button.text() == "Harbour && Hive"  # Qt shows '&&' as one '&', not a mnemonic


def test_a_refresh_of_many_pages_shows_how_far_it_got(open_app, qtbot):
    store = LabelStore()
    seed_many(store, 4998)  # three pages of 2,000
    window, _ = open_app(store, latency_ms=50, wait=False)
    bar, seen, at_load = window.busy, [], []
    controller = window.controller
    controller.refresh_progress.connect(
        lambda read, total: seen.append((read, total, bar.value(), bar.maximum(), bar.toolTip()))
    )
    controller.labels_loaded.connect(lambda _: at_load.append((bar.maximum(), bar.toolTip())))
    qtbot.waitUntil(lambda: window.session.loaded_once and not controller.busy, timeout=10_000)
    reads = [read for read, *_ in seen]
    assert reads[0] == 2000 and reads[-1] == 5000 and len(reads) == 3 and reads == sorted(reads)
    # Until the last page, the bar showed how far the refresh got, not just "working", in words too.
    for read, total, value, maximum, tip in seen[:-1]:
        assert (total, value, maximum, tip) == (5000, read, 5000, f"Read {read:,} of 5,000 labels")
    # Once the labels are in, what is left (counts, saving) has no figures: the bar says "working".
    assert at_load == [(0, "")]
    assert bar.isHidden() and bar.maximum() == 0 and not bar.toolTip()
    # A report from a refresh that a newer one overtook is not shown.
    reported = []
    controller.refresh_progress.connect(lambda *args: reported.append(args))
    controller._page_read.emit(controller._generation - 1, 1000, 5000)
    assert reported == []


def test_a_refresh_that_fails_half_way_leaves_no_figures_on_the_bar(demo):
    from labeldesk.api.errors import ConnectionDroppedError

    window, _ = demo
    controller, bar = window.controller, window.busy
    controller.refresh_progress.emit(2000, 5000)  # as a big site's refresh does after its first page
    assert (bar.maximum(), bar.value(), bar.toolTip()) == (5000, 2000, "Read 2,000 of 5,000 labels")
    controller.refresh_failed.emit(ConnectionDroppedError())  # while contact counts may still run
    assert (bar.maximum(), bar.toolTip(), bar.accessibleDescription()) == (0, "", "")


def test_refreshes_are_prepared_in_the_order_the_table_is_about_to_show(demo, qtbot, monkeypatch):
    from labeldesk.engine import protocol

    window, _ = demo
    window.model.background_sort_from = 10  # the demo's 45 labels are sorted on a worker
    window.table.sortByColumn(Column.KEY, Qt.SortOrder.DescendingOrder)
    assert window.model.sorting and window.model.sort_spec == (Column.NAME, False)
    engine, sent = window.controller.engine, []
    send = engine.send
    monkeypatch.setattr(engine, "send", lambda intent: sent.append(intent) or send(intent))
    window.controller.refresh(force=True)
    refresh = next(intent for intent in sent if isinstance(intent, protocol.Refresh))
    assert refresh.order == (Column.KEY, True)  # what a refresh started now sorts for
    assert refresh.expected == window.model.total
    qtbot.waitUntil(lambda: not window.model.sorting and not window.controller.busy, timeout=5000)


def test_select_all_and_scattered_rows_give_the_selected_labels_in_table_order(demo, qtbot):
    window, _ = demo
    window.table.selectAll()
    assert [one.key for one in window.selected_labels()] == [
        window.model.label_at(row).key for row in range(window.model.rowCount())
    ]
    select(window, "Gluten-Free", "Birthday Club", "Customers")  # picked out of order
    assert [one.display_name for one in window.selected_labels()] == ["Birthday Club", "Customers", "Gluten-Free"]


def test_the_header_keeps_out_of_the_selection_and_still_sorts_on_a_click(demo, qtbot):
    """Given the table's selection, the header scanned every row of every column on Ctrl+A."""
    from PySide6.QtTest import QTest

    window, _ = demo
    header = window.table.horizontalHeader()
    assert header.selectionModel() is not window.table.selectionModel()
    window.table.selectAll()
    assert not header.selectionModel().hasSelection()
    x = header.sectionViewportPosition(Column.KEY) + header.sectionSize(Column.KEY) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    assert window.model.sort_spec == (Column.KEY, False)
    keys = [window.model.label_at(row).key for row in range(window.model.rowCount())]
    assert keys == sorted(keys)


def test_a_delete_confirmed_after_another_site_was_opened_deletes_nothing(qtbot, settings, demo_store, monkeypatch):
    """The question waits for an answer while events run: a site opened meanwhile (a key found in the
    background) must not receive the delete of the labels asked about, which were the other site's."""
    from labeldesk.emulator import Emulator
    from labeldesk.sites import Site
    from labeldesk.ui.controller import LabelsController
    from labeldesk.ui.main_window import MainWindow
    from tests.conftest import make_client

    with Emulator(demo_store, rate_limit=None) as emulator:
        window = MainWindow(settings)
        qtbot.addWidget(window)
        window.show()
        first = LabelsController(make_client(emulator))
        second = LabelsController(make_client(emulator))
        sent: list[str] = []
        second.write_started.connect(sent.append)
        messages: list[str] = []
        window.message_shown.connect(lambda text, kind: messages.append(text))
        try:
            window.attach(first, Site("site-one", "One", emulator.base_url))
            qtbot.waitUntil(lambda: window.session.loaded_once, timeout=10_000)
            select(window, "VIP")
            key = window.selected_labels()[0].key

            def confirm(parent, labels, count_of, **_):
                window.attach(second, Site("site-two", "Two", emulator.base_url))
                return True

            monkeypatch.setattr(dialogs, "confirm_delete", confirm)
            window.delete_selected()
            assert not sent and not second.changes_in_flight
            assert key in {label["key"] for label in demo_store.snapshot()}
            assert any("Nothing was deleted" in text for text in messages)
        finally:
            second.shutdown()
