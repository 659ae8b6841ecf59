"""The New label and Rename dialogs: the name rule as you type, near-duplicates, errors in plain words,
a layout that never clips, and a request that goes on when the dialog is closed."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton

from labeldesk.ui import dialogs
from labeldesk.ui.name_dialog import LabelNameDialog
from tests.ui.test_window import rename_to_a_name_made_elsewhere, select


def writes(emulator):
    return [(r.method, r.path) for r in emulator.requests if r.method in ("POST", "PATCH", "DELETE")]


def paste(dialog, text):
    QGuiApplication.clipboard().setText(text)
    dialog.name_edit.clear()
    dialog.name_edit.paste()


def assert_nothing_clipped(dialog):
    """Every visible text shows whole: wrapped labels are as tall as their text needs, the rest as wide,
    also when the person makes the dialog as small as it goes."""
    QApplication.sendPostedEvents()  # the layouts' own pending requests (a button's new text)
    dialog.layout().activate()
    assert_texts_whole(dialog)
    size = dialog.size()
    dialog.resize(1, 1)
    QApplication.sendPostedEvents()
    assert_texts_whole(dialog)
    dialog.resize(size)


def assert_texts_whole(dialog):
    dialog.layout().activate()
    for label in dialog.findChildren(QLabel):
        if not label.isVisibleTo(dialog) or not label.text():
            continue
        if label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()), label.text()
        else:
            assert label.width() >= label.sizeHint().width(), label.text()
    for button in dialog.findChildren(QPushButton):
        if button.isVisibleTo(dialog):
            assert button.width() >= button.sizeHint().width(), button.text()


# -- near-duplicates ---------------------------------------------------------------------------------------


@pytest.fixture
def vip_customers(open_app, demo_store):
    demo_store.add_label("VIP Customers", key="custom.vip-customers")
    window, emulator = open_app(demo_store)
    emulator.clear_requests()
    return window, emulator


def test_the_use_button_shows_an_ampersand_as_typed(demo, qtbot):
    """'&' in a button's text underlines the next letter unless doubled: 'Use ‘Bread & Butter’' must
    not read 'Use ‘Bread  Butter’'."""
    from labeldesk.domain import Label, LabelType

    window, _emulator = demo
    window.model.upsert(Label("custom.bread-butter", "Bread & Butter", LabelType.USER_DEFINED))
    dialog = window.new_label()
    qtbot.keyClicks(dialog.name_edit, "bread & butter ")
    assert dialog.use_button.text() == "Use ‘Bread && Butter’"  # shown as "Use ‘Bread & Butter’"
    dialog.reject()


def test_one_enter_never_creates_a_near_duplicate(vip_customers, qtbot):
    window, emulator = vip_customers
    dialog = window.new_label()
    qtbot.keyClicks(dialog.name_edit, "vip customers ")
    assert dialog.message.text().startswith("‘vip customers’ looks like the existing label ‘VIP Customers’.")
    assert dialog.use_button.isDefault() and dialog.use_button.text() == "Use ‘VIP Customers’"
    assert dialog.ok_button.text() == "Create anyway" and not dialog.ok_button.isDefault()
    assert_nothing_clipped(dialog)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert writes(emulator) == []
    assert [label.key for label in window.selected_labels()] == ["custom.vip-customers"]
    assert "VIP Customers" in window.status.text.text()


def test_a_name_that_differs_only_by_punctuation_is_a_near_duplicate(vip_customers, qtbot):
    window, emulator = vip_customers
    dialog = window.new_label()
    qtbot.keyClicks(dialog.name_edit, "V.I.P. Customers")
    assert dialog.message.text().startswith("‘V.I.P. Customers’ looks like the existing label ‘VIP Customers’.")
    assert dialog.use_button.isDefault()
    dialog.reject()
    assert writes(emulator) == []


def test_a_big_tables_dialog_checks_for_similar_names_without_holding_up_the_window(vip_customers, qtbot):
    """A big table's near-duplicate index is made on a worker: the dialog says it is checking, Enter
    and OK wait for it, then the look-alike is offered as usual."""
    import threading

    window, emulator = vip_customers
    window.model.background_sort_from = 10  # the demo's labels count as a big table
    release = threading.Event()
    window.model.worker().read(lambda: release.wait(10), "holding the worker")
    dialog = window.new_label()
    qtbot.keyClicks(dialog.name_edit, "vip customers ")
    assert dialog.message.text() == "Checking for similar names…"
    assert not dialog.ok_button.isEnabled() and not dialog.use_button.isVisibleTo(dialog)
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)  # nothing is sent before the look
    with qtbot.waitSignal(window.model.near_duplicates_ready, timeout=5_000):
        release.set()
    assert dialog.message.text().startswith("‘vip customers’ looks like the existing label ‘VIP Customers’.")
    assert dialog.use_button.isDefault() and dialog.ok_button.isEnabled()
    dialog.reject()
    assert writes(emulator) == []


def test_create_anyway_is_a_separate_deliberate_click(vip_customers, qtbot):
    window, emulator = vip_customers
    dialog = window.new_label()
    dialog.name_edit.setText("vip customers")
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.ok_button.click()
    assert writes(emulator) == [("POST", "/contacts/v4/labels")]
    assert window.status.text.text() == "Created ‘vip customers’."


@pytest.mark.parametrize(
    "typed", ["VIP\u00a0Customers", "ＶＩＰ Customers", "VIP  customers", "VIP\u200b Customers", "\tVIP Customers\n"]
)
def test_look_alike_names_are_near_duplicates(vip_customers, typed):
    window, _ = vip_customers
    dialog = window.new_label()
    dialog.name_edit.setText(typed)
    assert dialog.use_button.isVisibleTo(dialog) and dialog.use_button.isDefault()
    dialog.reject()


def test_decomposed_accents_are_near_duplicates(demo):
    window, _ = demo
    dialog = window.new_label()
    dialog.name_edit.setText("Cafe\u0301 regulars")
    assert dialog.use_button.text() == "Use ‘Café Regulars’" and dialog.use_button.isDefault()
    dialog.reject()


def test_rename_to_another_labels_name_is_refused_before_asking_wix(vip_customers, qtbot):
    window, emulator = vip_customers
    select(window, "Wholesale")
    dialog = window.rename_selected()
    for same in ("vip customers", "  VIP CUSTOMERS "):
        dialog.name_edit.setText(same)
        reason = "Another label is already called ‘VIP Customers’. Choose a different name."
        assert not dialog.ok_button.isEnabled()
        assert dialog.message.text() == reason and dialog.ok_button.toolTip() == reason
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and writes(emulator) == []
    assert_nothing_clipped(dialog)
    dialog.reject()


def test_a_case_only_rename_of_the_label_itself_is_allowed(vip_customers, qtbot):
    window, _ = vip_customers
    select(window, "VIP Customers")
    dialog = window.rename_selected()
    dialog.name_edit.setText("vip customers")
    assert dialog.ok_button.isEnabled() and dialog.ok_button.isDefault() and dialog.message.text() == ""
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert window.model.label("custom.vip-customers").display_name == "vip customers"


def test_rename_to_a_near_duplicate_takes_a_click_not_an_enter(vip_customers, qtbot):
    window, emulator = vip_customers
    select(window, "Wholesale")
    dialog = window.rename_selected()
    dialog.name_edit.setText("VIP\u00a0Customers")
    assert "looks like the existing label ‘VIP Customers’" in dialog.message.text()
    assert dialog.ok_button.text() == "Rename anyway" and dialog.ok_button.isEnabled()
    assert not dialog.ok_button.isDefault() and dialog.use_button.isHidden()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Enter)
    assert dialog.isVisible() and writes(emulator) == []
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.ok_button.click()
    assert window.model.label("custom.wholesale").display_name == "VIP\u00a0Customers"


# -- control characters and long pastes -------------------------------------------------------------------


def test_pasted_line_breaks_and_tabs_become_spaces_with_a_note(demo, qtbot):
    window, emulator = demo
    dialog = window.new_label()
    paste(dialog, "Line one\nLine two\tTabbed")
    assert dialog.name_edit.text() == "Line one Line two Tabbed"  # shown as it will be saved
    assert dialog.note.isVisibleTo(dialog)
    assert dialog.note.text() == "Line breaks and tabs were turned into spaces."
    assert dialog.ok_button.isEnabled()
    assert_nothing_clipped(dialog)
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.ok_button.click()
    (selected,) = window.selected_labels()
    assert selected.display_name == "Line one Line two Tabbed"
    assert emulator.store.get(selected.key)["label"]["displayName"] == "Line one Line two Tabbed"
    assert "\n" not in window.status.text.text()


def test_the_line_breaks_note_stays_while_typing_and_goes_with_the_name(demo, qtbot):
    window, _ = demo
    dialog = window.new_label()
    paste(dialog, "Two\r\nlines")
    qtbot.keyClicks(dialog.name_edit, " more")
    assert dialog.name_edit.text() == "Two lines more" and dialog.note.isVisibleTo(dialog)
    dialog.name_edit.clear()
    assert dialog.note.isHidden()
    dialog.reject()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Nul\x00here", "hidden control character"),
        ("Bell\x07", "hidden control character"),
        ("abc\u202etxt.exe", "reverses the direction of the text"),
        ("\u200b", "only invisible characters"),
    ],
)
def test_hidden_characters_are_refused_with_the_reason(demo, qtbot, text, reason):
    window, emulator = demo
    emulator.clear_requests()
    dialog = window.new_label()
    dialog.name_edit.setText(text)
    assert dialog.name_edit.text() == text
    assert not dialog.ok_button.isEnabled()
    assert reason in dialog.message.text() and reason in dialog.ok_button.toolTip()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and writes(emulator) == []
    assert_nothing_clipped(dialog)
    dialog.reject()


def test_a_long_paste_is_not_cut_and_its_real_length_is_shown(demo):
    window, _ = demo
    dialog = window.new_label()
    paste(dialog, "x" * 300)
    assert len(dialog.name_edit.text()) == 300
    assert dialog.message.text().startswith("This name is 300 characters; the limit is 180.")
    assert not dialog.ok_button.isEnabled()
    dialog.name_edit.setText("x" * 180)
    assert dialog.ok_button.isEnabled()
    dialog.reject()


def test_a_paste_longer_than_the_field_holds_says_so(demo):
    window, _ = demo
    dialog = window.new_label()
    paste(dialog, "x" * 20_000)  # the field keeps 10,000: say so rather than give a wrong length
    assert dialog.message.text() == "This text is longer than 10,000 characters; the limit is 180."
    assert not dialog.ok_button.isEnabled()
    dialog.reject()


def test_180_emoji_are_a_good_name(demo, qtbot):
    window, _ = demo
    dialog = window.new_label()
    paste(dialog, "😀" * 180)
    assert dialog.name_edit.text() == "😀" * 180
    assert dialog.ok_button.isEnabled()
    paste(dialog, "😀" * 181)
    assert dialog.message.text().startswith("This name is 181 characters; the limit is 180.")
    dialog.reject()


# -- a refusal from Wix, in plain words --------------------------------------------------------------------


def test_a_refusal_is_shown_in_plain_words_with_details_to_copy(demo, qtbot):
    window, emulator = demo
    emulator.store.add_label("Trade Customers")  # made elsewhere: the table doesn't know it yet
    select(window, "Wholesale")
    dialog = window.rename_selected()
    dialog.name_edit.setText("Trade Customers")
    assert dialog.details_button.isHidden()
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
    assert dialog.message.text() == "Another label already has this name. Choose a different name."
    assert "request" not in dialog.message.text().lower() and "409" not in dialog.message.text()
    assert dialog.key_help.isVisible() and dialog.details_button.isVisible()
    assert_nothing_clipped(dialog)
    dialog.details_button.click()
    details = QGuiApplication.clipboard().text()
    assert "409" in details and "LABEL_ALREADY_EXISTS" in details and "Wix request ID: " in details
    assert emulator.api_key not in details
    dialog.reject()


def test_after_a_refusal_enter_does_not_resend_it_and_the_table_learns_the_blocking_label(demo, qtbot):
    """A 409 from a label made elsewhere: Rename stayed the default, so Enter sent the same refused change
    again; and the table never learned of the label, so the next try wasn't warned either."""
    window, emulator = demo
    dialog = rename_to_a_name_made_elsewhere(window, emulator)
    qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
    refused = dialog.message.text()
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert writes(emulator).count(("PATCH", "/contacts/v4/labels/custom.wholesale")) == 1
    assert dialog.isVisible() and dialog.message.text() == refused
    dialog.name_edit.setText("Trade Customers 2")
    assert dialog.ok_button.isEnabled()
    dialog.name_edit.setText("Trade Customers")
    assert not dialog.ok_button.isEnabled() and "Change it" in dialog.ok_button.toolTip()
    qtbot.waitUntil(lambda: window.model.near_duplicate("trade customers") is not None, timeout=10_000)
    dialog.reject()
    again = window.new_label()
    again.name_edit.setText("trade customers")
    assert again.use_button.isVisibleTo(again) and again.use_button.isDefault()
    again.reject()


def test_copy_details_sits_apart_on_the_left_and_gives_the_status_bars_format(demo, qtbot):
    window, emulator = demo
    dialog = rename_to_a_name_made_elsewhere(window, emulator)
    qtbot.waitUntil(lambda: dialog.message.property("kind") == "error", timeout=10_000)
    button = dialog.details_button
    assert button.isVisibleTo(dialog) and button not in dialog.buttons.buttons()
    assert not button.isDefault() and not button.autoDefault()
    for action in (dialog.ok_button, dialog.cancel_button):
        assert button.mapTo(dialog, button.rect().topRight()).x() < action.mapTo(dialog, action.rect().topLeft()).x()
    button.click()
    from_dialog = QGuiApplication.clipboard().text()
    from_status_bar = window.status.details
    assert from_status_bar and from_dialog.startswith(from_status_bar)  # one format: error.details
    assert "Kind: ConflictError" in from_dialog and "Error type" not in from_dialog
    assert "Wix's message" not in from_dialog
    dialog.reject()


@pytest.mark.parametrize("renaming", [False, True])
def test_a_look_alike_note_shows_the_typed_names_hidden_characters(demo, renaming):
    window, _ = demo
    if renaming:
        select(window, "Wholesale")
        dialog = window.rename_selected()
    else:
        dialog = window.new_label()
    dialog.name_edit.setText("V\u200bIP")
    text = dialog.message.text()
    assert text.startswith("‘V⟨U+200B⟩IP’ looks like the existing label ‘VIP’."), text
    assert "The name you typed contains a hidden character" in text and "zero-width space" in text
    dialog.reject()


def test_new_label_with_no_labels_loaded_says_it_couldnt_check_and_still_creates(demo, qtbot):
    from labeldesk.api import errors

    window, _ = demo
    window.model.clear()  # a first load that failed: nothing to compare a name with
    window.session.synced_at = None
    window.controller.refresh_failed.emit(errors.ServerError())
    dialog = window.new_label()
    assert dialog is not None
    dialog.name_edit.setText("VIP")
    assert dialog.message.text() == "LabelDesk couldn't check for similar names: the labels aren't loaded."
    assert dialog.ok_button.isEnabled() and dialog.ok_button.isDefault()
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.ok_button.click()
    assert window.model.label("custom.vip") is not None  # Wix's find-or-create found the existing one


def test_the_delete_question_defaults_to_cancel_and_alt_d_deletes(qtbot):
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QDialogButtonBox

    from labeldesk.domain import Label, LabelType

    dialog = dialogs.ConfirmDeleteDialog([Label("custom.vip", "VIP", LabelType.USER_DEFINED)], lambda key: 3)
    qtbot.addWidget(dialog)
    cancel = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
    assert cancel.isDefault() and not dialog.delete_button.isDefault()
    assert QKeySequence.mnemonic(dialog.delete_button.text()).toString() == "Alt+D"


def test_the_other_dialogs_do_not_clip_their_text(qtbot, monkeypatch):
    from labeldesk.domain import Label, LabelType

    labels = [Label(f"custom.l{n}", f"A rather long label name number {n}", LabelType.USER_DEFINED) for n in range(12)]
    for chosen in (labels[:1], labels):
        dialog = dialogs.ConfirmDeleteDialog(chosen, lambda key: 12_345)
        qtbot.addWidget(dialog)
        dialog.show()
        assert_nothing_clipped(dialog)
    shown = []

    def exec_(box):
        box.show()
        shown.append(box)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(QDialog, "exec", exec_)

    class Site:
        title = "A café with a rather long name, to see it wrap"

    dialogs.confirm_sign_out(None, Site(), "GNOME Keyring")
    (box,) = shown
    qtbot.addWidget(box)
    assert_nothing_clipped(box)


# -- closing while the request is out ----------------------------------------------------------------------


@pytest.fixture
def slow(open_app, demo_store):
    window, emulator = open_app(demo_store)
    emulator.faults.latency_ms = 1500
    return window, emulator


def test_esc_closes_a_slow_create_and_the_result_reaches_the_status_bar(slow, qtbot):
    window, _ = slow
    dialog = window.new_label()
    dialog.name_edit.setText("Patience")
    dialog.ok_button.click()
    assert dialog.message.text().startswith("Saving…")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.status.text.text() == "Created ‘Patience’.", timeout=10_000)
    assert [label.display_name for label in window.selected_labels()] == ["Patience"]


def test_the_close_button_closes_a_slow_rename_and_the_result_reaches_the_status_bar(slow, qtbot):
    window, _ = slow
    select(window, "Wholesale")
    dialog = window.rename_selected()
    dialog.name_edit.setText("Trade")
    dialog.ok_button.click()
    assert dialog.close()  # the title bar's close button
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.status.text.text() == "Renamed ‘Wholesale’ to ‘Trade’.", timeout=10_000)
    assert window.model.label("custom.wholesale").display_name == "Trade"


def test_a_failure_after_the_dialog_closed_reaches_the_status_bar(slow, qtbot):
    window, emulator = slow
    emulator.store.quota = 1
    dialog = window.new_label()
    dialog.name_edit.setText("One Too Many")
    dialog.ok_button.click()
    dialog.reject()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=10_000)
    assert "One Too Many" in window.status.text.text() and "limit" in window.status.text.text()


def not_modal(dialog):
    return dialog.windowModality() == Qt.WindowModality.NonModal and QGuiApplication.modalWindow() is not (
        dialog.windowHandle()
    )


def test_a_slow_request_stops_blocking_the_main_window(slow, qtbot):
    window, _ = slow
    window.show()
    dialog = window.new_label()
    qtbot.waitExposed(dialog)
    assert QGuiApplication.modalWindow() is dialog.windowHandle()
    dialog.name_edit.setText("Patience")
    dialog.ok_button.click()
    # The main window can be used, and closed, while the request is out (closing it is asked about there).
    qtbot.waitUntil(lambda: not_modal(dialog), timeout=5_000)
    assert dialog.isVisible() and dialog.message.text().startswith("Saving…")
    assert QApplication.activeModalWidget() is not dialog
    qtbot.waitUntil(lambda: window.status.text.text() == "Created ‘Patience’.", timeout=10_000)
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()


def test_closing_the_main_window_closes_a_saving_dialog_and_the_save_still_lands(slow, qtbot):
    window, emulator = slow
    window.show()
    dialog = window.new_label()
    dialog.name_edit.setText("Patience")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not_modal(dialog), timeout=5_000)
    assert window.close()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.status.text.text() == "Created ‘Patience’.", timeout=10_000)
    assert emulator.store.get("custom.patience")["label"]["displayName"] == "Patience"


def test_a_quick_save_never_changes_the_dialogs_modality(demo, qtbot):
    window, _ = demo
    window.show()
    dialog = window.new_label()
    dialog.name_edit.setText("Quick")
    hidden = []
    dialog.windowHandle().visibleChanged.connect(hidden.append)
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.ok_button.click()
    assert hidden == [False]  # closed once, never hidden and shown again
    assert isinstance(dialog, LabelNameDialog)
