"""Merge labels… and Recently deleted, fed the engine's answers directly by a stand-in for it."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import QLabel

from labeldesk.contacts import Contact, DeletedLabel
from labeldesk.domain import Label, LabelType
from labeldesk.engine import protocol as p
from labeldesk.engine.error_info import ErrorInfo
from labeldesk.errors import KnownError
from labeldesk.ui.deleted_dialog import DeletedDialog
from labeldesk.ui.merge_dialog import MergeDialog, merge_choices
from tests.ui.fake_operations import FakeOperations

VIP = Label("custom.vip", "VIP", LabelType.USER_DEFINED)
VIP_LOWER = Label("custom.vip-2", "vip", LabelType.USER_DEFINED)
VIP_DOTS = Label("custom.v-i-p", "V.I.P.", LabelType.USER_DEFINED)
CUSTOMERS = Label("contacts.customers", "Customers", LabelType.SYSTEM)
#: (the event's error as it crossed the wire: the window reads the rebuilt one, given beside it)
INFO = ErrorInfo("KnownError", "")
COUNTS = {"custom.vip": 12, "custom.vip-2": 30, "custom.v-i-p": 4, "contacts.customers": 2}


def texts_of(dialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel) if label.isVisibleTo(dialog))


def merge_dialog(qtbot, fake, labels=(VIP, VIP_LOWER, VIP_DOTS), counts=COUNTS) -> MergeDialog:
    dialog = MergeDialog(list(labels), counts.get, fake)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def merge_started(dialog: MergeDialog, fake, operation: int) -> p.MergeLabels:
    """Start ``dialog``'s merge, and have the engine say it started as ``operation``; the intent sent."""
    dialog.start()
    return engine_started(fake, "merge", operation)


def engine_started(fake, kind: str, operation: int):
    """The one operation asked of ``fake``, said started (as ``operation``) by the engine."""
    (intent,) = fake.operated
    fake.operation_started.emit(p.OperationStarted(operation, kind, intent.request))
    return intent


def test_the_label_with_most_contacts_stays_by_default_and_the_dry_run_says_what_happens(qtbot):
    fake = FakeOperations()
    dialog = merge_dialog(qtbot, fake)
    assert dialog.target == "custom.vip-2"
    intent, answer, _ = fake.last(p.PreviewMerge)
    assert (intent.target, intent.sources) == ("custom.vip-2", ["custom.vip", "custom.v-i-p"])
    assert not dialog.merge_button.isEnabled()
    dialog.target_box.setCurrentIndex(0)  # VIP stays
    intent, answer, _ = fake.last(p.PreviewMerge)
    assert (intent.target, intent.sources) == ("custom.vip", ["custom.vip-2", "custom.v-i-p"])
    answer(p.MergePreview(intent.request, intent.target, intent.sources, 41, {"custom.vip-2": 30, "custom.v-i-p": 4}))
    assert (
        dialog.preview.text()
        == "Adds ‘VIP’ to 41 contacts that have ‘vip’ or ‘V.I.P.’; then deletes ‘vip’ and ‘V.I.P.’."
    )
    assert dialog.merge_button.isEnabled()


def test_a_dry_run_for_a_choice_no_longer_made_is_dropped(qtbot):
    fake = FakeOperations()
    dialog = merge_dialog(qtbot, fake)
    stale_intent, stale_answer, _ = fake.last(p.PreviewMerge)
    dialog.target_box.setCurrentIndex(0)
    stale_answer(p.MergePreview(stale_intent.request, stale_intent.target, stale_intent.sources, 5, {}))
    assert not dialog.merge_button.isEnabled() and dialog.preview.text().startswith("Checking")


def test_a_system_label_can_only_be_the_one_that_stays(qtbot):
    choices, best = merge_choices([VIP, CUSTOMERS, VIP_LOWER], COUNTS.get)
    assert choices == [CUSTOMERS] and best == CUSTOMERS
    dialog = merge_dialog(qtbot, FakeOperations(), labels=(VIP, CUSTOMERS))
    assert dialog.target == "contacts.customers" and not dialog.target_box.isEnabled()
    assert dialog.sources == ["custom.vip"]
    assert "System and app labels can't be merged away" in texts_of(dialog)


def test_merging_shows_progress_and_cancel_asks_the_engine_to_stop(qtbot):
    fake = FakeOperations()
    dialog = merge_dialog(qtbot, fake)
    intent, answer, _ = fake.last(p.PreviewMerge)
    answer(p.MergePreview(intent.request, intent.target, intent.sources, 16, {}))
    dialog.merge_button.click()
    (merge,) = fake.operated
    assert (merge.target, merge.sources) == ("custom.vip-2", ["custom.vip", "custom.v-i-p"])
    fake.operation_started.emit(p.OperationStarted(7, "merge", merge.request))
    fake.operation_progress.emit(p.OperationProgress(7, "labelling", 8, 16))
    assert dialog.progress.isVisibleTo(dialog) and dialog.progress.value() == 8
    assert dialog.step.text() == "Labelling contacts: 8 of 16…"
    fake.operation_progress.emit(p.OperationProgress(99, "labelling", 1, 2))  # another operation's
    assert dialog.progress.value() == 8
    dialog.reject()  # Esc or Cancel while it runs
    assert fake.cancelled == [7] and dialog.isVisible()
    error = KnownError("The merge was stopped before anything was deleted.")
    fake.operation_failed.emit(p.OperationFailed(7, "merge", INFO), error)
    assert dialog.preview.text() == "The merge was stopped before anything was deleted."
    assert dialog.cancel_button.text() == "Close"
    dialog.reject()
    assert not dialog.isVisible()


def test_a_merge_with_failures_names_the_contacts_and_deletes_nothing(qtbot):
    fake = FakeOperations()
    dialog = merge_dialog(qtbot, fake)
    merge_started(dialog, fake, 3)
    failed = [Contact("a", "Ana", "Costa"), Contact("b", email="bob@example.com"), Contact("c")]
    error = KnownError("‘vip’ couldn't be added to 3 contacts, so nothing was deleted.")
    fake.operation_failed.emit(p.OperationFailed(3, "merge", INFO, failed=failed), error)
    assert dialog.preview.text() == (
        "The merge stopped: ‘vip’ couldn't be added to 3 contacts, so nothing was deleted. The contacts that "
        "couldn't be given ‘vip’: Ana Costa, bob@example.com, a contact without a name or email."
    )


def test_a_finished_merge_says_what_it_did(qtbot):
    fake = FakeOperations()
    dialog = merge_dialog(qtbot, fake)
    merge = merge_started(dialog, fake, 4)
    done = p.OperationDone(4, "merge", merge.request, VIP_LOWER, ["custom.vip", "custom.v-i-p"], 16, 16)
    fake.operation_done.emit(done)
    assert dialog.preview.text() == (
        "Merged ‘VIP’ and ‘V.I.P.’ into ‘vip’: the 16 contacts that had them have ‘vip’ now. "
        "You can restore them from Recently deleted for 30 days."
    )


# -- Recently deleted ----------------------------------------------------------------------------------------


def entry(n: int, name: str, ids: int, key: str | None = None) -> DeletedLabel:
    when = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    return DeletedLabel(n, key or f"custom.{name.lower()}", name, tuple(f"id-{i}" for i in range(ids)), when)


def deleted_dialog(qtbot, fake, entries, **options) -> DeletedDialog:
    """Recently deleted over ``fake``, on screen, its list read and answered with ``entries``."""
    dialog = DeletedDialog(fake, **options)
    qtbot.addWidget(dialog)
    dialog.show()
    intent, answer, _ = fake.last(p.ListDeleted)
    answer(p.DeletedList(intent.request, list(entries)))
    return dialog


def restore_started(dialog, fake, operation: int) -> p.RestoreLabel:
    """Restore the entry selected in ``dialog``; the engine names it ``operation``."""
    dialog.restore_selected()
    return engine_started(fake, "restore", operation)


def test_recently_deleted_lists_entries_and_restore_reports_contacts_that_are_gone(qtbot):
    fake = FakeOperations()
    dialog = deleted_dialog(qtbot, fake, [entry(2, "Newsletter", 24), entry(1, "<i>Old</i>", 1_200)])
    rows = [[dialog.list.topLevelItem(r).text(c) for c in range(3)] for r in range(2)]
    assert rows[0][0] == "Newsletter" and rows[0][2] == "24"
    assert rows[1][0] == "<i>Old</i>" and rows[1][2] == "1,200"
    assert dialog.restore_button.isEnabled()
    dialog.restore_button.click()
    (restore,) = fake.operated
    assert restore.entry == 2
    assert not dialog.restore_button.isEnabled()  # one at a time
    fake.operation_started.emit(p.OperationStarted(9, "restore", restore.request))
    back = Label("custom.newsletter", "Newsletter", LabelType.USER_DEFINED)
    fake.operation_done.emit(p.OperationDone(9, "restore", restore.request, back, changed=23, meant=24))
    assert dialog.outcome.text() == "Restored ‘Newsletter’ on 23 of 24 contacts (1 contact no longer exists)."
    assert isinstance(fake.asked[-1][0], p.ListDeleted)  # the list is read again


def test_a_restore_under_a_new_key_says_so(qtbot):
    fake = FakeOperations()
    dialog = deleted_dialog(qtbot, fake, [entry(5, "Newsletter", 2)])
    restore = restore_started(dialog, fake, 1)
    back = Label("custom.newsletter-2", "Newsletter", LabelType.USER_DEFINED)
    fake.operation_done.emit(p.OperationDone(1, "restore", restore.request, back, changed=2, meant=2, key_changed=True))
    assert dialog.outcome.text() == (
        "Restored ‘Newsletter’ on all 2 contacts that had it. Wix gave it a new key, custom.newsletter-2 "
        "(it was custom.newsletter): anything that used the old key needs the new one."
    )


def test_an_empty_recently_deleted_says_so_and_offline_restore_is_refused(qtbot):
    fake = FakeOperations()
    dialog = deleted_dialog(qtbot, fake, [], restore_blocked=lambda: "You're offline.")
    assert dialog.empty.text() == "No deleted labels to restore."
    intent, answer, _ = fake.last(p.ListDeleted)
    answer(p.DeletedList(intent.request, [entry(1, "VIP", 3)]))
    assert not dialog.restore_button.isEnabled() and dialog.restore_button.toolTip() == "You're offline."
    assert dialog.outcome.isVisibleTo(dialog) and dialog.outcome.text() == "You're offline."  # (not only a tooltip)
    dialog.restore_selected()
    assert fake.operated == []


def _ready_merge(qtbot, fake) -> MergeDialog:
    dialog = merge_dialog(qtbot, fake)
    intent, answer, _ = fake.last(p.PreviewMerge)
    answer(p.MergePreview(intent.request, intent.target, intent.sources, 16, {}))
    return dialog


def test_a_double_enter_on_merge_starts_it_once_and_does_not_cancel_it(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    fake = FakeOperations()
    dialog = _ready_merge(qtbot, fake)
    dialog.activateWindow()
    dialog.merge_button.setFocus()  # (Tab to it: Enter on a focused button presses it)
    QTest.keyClick(dialog.merge_button, Qt.Key.Key_Return)
    (merge,) = fake.operated
    fake.operation_started.emit(p.OperationStarted(7, "merge", merge.request))
    QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
    QTest.keyClick(dialog, Qt.Key.Key_Enter)
    assert len(fake.operated) == 1 and fake.cancelled == []
    assert dialog.cancel_button.isEnabled() and dialog.isVisible()


def test_cancel_pressed_before_the_engine_names_the_merge_still_stops_it(qtbot):
    fake = FakeOperations()
    dialog = _ready_merge(qtbot, fake)
    dialog.merge_button.click()
    (merge,) = fake.operated
    dialog.reject()  # Esc at once, before OperationStarted came back
    assert not dialog.cancel_button.isEnabled() and dialog.step.text().startswith("Stopping")
    fake.operation_started.emit(p.OperationStarted(7, "merge", merge.request))
    assert fake.cancelled == [7]


def test_after_the_dry_run_cancel_is_the_default_and_merge_has_its_own_key(qtbot):
    fake = FakeOperations()
    dialog = _ready_merge(qtbot, fake)
    assert dialog.cancel_button.isDefault() and not dialog.merge_button.isDefault()
    assert dialog.merge_button.shortcut().toString() == "Alt+M"  # (Qt's offscreen tests can't press mnemonics)
    dialog.merge_button.click()
    assert len(fake.operated) == 1 and dialog.isVisible()


def test_a_slip_of_enter_merges_nothing_and_a_system_label_that_stays_is_warned_about(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    fake = FakeOperations()
    dialog = merge_dialog(qtbot, fake, labels=(VIP, CUSTOMERS))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    intent, answer, _ = fake.last(p.PreviewMerge)
    answer(p.MergePreview(intent.request, intent.target, intent.sources, 3, {}))
    assert "managed by Wix or an app" in dialog.note.text()
    QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
    assert fake.operated == [] and not dialog.isVisible()


def test_a_name_with_markup_and_a_newline_is_shown_as_one_plain_line_in_both_dialogs(qtbot):
    odd = Label("custom.odd", "<b>x</b>\nline two", LabelType.USER_DEFINED)
    fake = FakeOperations()
    dialog = merge_dialog(qtbot, fake, labels=(odd, VIP), counts={"custom.odd": 50, "custom.vip": 1})
    shown = dialog.target_box.itemText(0)
    assert shown.startswith("<b>x</b>") and "\n" not in shown
    deleted = deleted_dialog(qtbot, fake, [entry(1, odd.display_name, 3)])
    item = deleted.list.topLevelItem(0)
    assert item.text(0).startswith("<b>x</b>") and "\n" not in item.text(0)


def test_closing_the_merge_dialog_while_it_runs_lets_the_merge_go_on(qtbot):
    fake = FakeOperations()
    dialog = _ready_merge(qtbot, fake)
    merge_started(dialog, fake, 7)
    dialog.close()  # the title bar's close button, not Cancel
    assert not dialog.isVisible() and fake.cancelled == []


def test_recently_deleted_follows_its_own_restore_not_another_operation_started_meanwhile(qtbot):
    fake = FakeOperations()
    dialog = deleted_dialog(qtbot, fake, [entry(1, "Newsletter", 2)])
    restore = restore_started(dialog, fake, 4)
    fake.operation_started.emit(p.OperationStarted(9, "merge", None, resumed=True))  # a merge left last time
    fake.operation_done.emit(p.OperationDone(4, "restore", restore.request, None, [], 2, 2))
    assert dialog.outcome.isVisibleTo(dialog) and dialog.outcome.text().startswith("Restored ‘Newsletter’")


def test_the_dry_run_of_a_label_no_contact_carries_says_only_the_delete_happens(qtbot):
    fake = FakeOperations()
    dialog = merge_dialog(qtbot, fake, labels=(VIP, VIP_LOWER))
    intent, answer, _ = fake.last(p.PreviewMerge)
    answer(p.MergePreview(intent.request, intent.target, intent.sources, 0, {"custom.vip": 0}))
    assert dialog.preview.text() == "No contact has ‘VIP’, so no contact changes; the merge only deletes ‘VIP’."
