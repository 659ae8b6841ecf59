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
    dialog.start()
    (merge,) = fake.operated
    fake.operation_started.emit(p.OperationStarted(3, "merge", merge.request))
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
    dialog.start()
    (merge,) = fake.operated
    fake.operation_started.emit(p.OperationStarted(4, "merge", merge.request))
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


def test_recently_deleted_lists_entries_and_restore_reports_contacts_that_are_gone(qtbot):
    fake = FakeOperations()
    dialog = DeletedDialog(fake)
    qtbot.addWidget(dialog)
    dialog.show()
    intent, answer, _ = fake.last(p.ListDeleted)
    answer(p.DeletedList(intent.request, [entry(2, "Newsletter", 24), entry(1, "<i>Old</i>", 1_200)]))
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
    dialog = DeletedDialog(fake)
    qtbot.addWidget(dialog)
    intent, answer, _ = fake.last(p.ListDeleted)
    answer(p.DeletedList(intent.request, [entry(5, "Newsletter", 2)]))
    dialog.restore_selected()
    (restore,) = fake.operated
    fake.operation_started.emit(p.OperationStarted(1, "restore", restore.request))
    back = Label("custom.newsletter-2", "Newsletter", LabelType.USER_DEFINED)
    fake.operation_done.emit(p.OperationDone(1, "restore", restore.request, back, changed=2, meant=2, key_changed=True))
    assert dialog.outcome.text() == (
        "Restored ‘Newsletter’ on all 2 contacts that had it. Wix gave it a new key, custom.newsletter-2 "
        "(it was custom.newsletter): anything that used the old key needs the new one."
    )


def test_an_empty_recently_deleted_says_so_and_offline_restore_is_refused(qtbot):
    fake = FakeOperations()
    dialog = DeletedDialog(fake, restore_blocked=lambda: "You're offline.")
    qtbot.addWidget(dialog)
    dialog.show()
    intent, answer, _ = fake.last(p.ListDeleted)
    answer(p.DeletedList(intent.request, []))
    assert dialog.empty.text() == "Nothing was deleted in the last 30 days."
    answer(p.DeletedList(intent.request, [entry(1, "VIP", 3)]))
    assert not dialog.restore_button.isEnabled() and dialog.restore_button.toolTip() == "You're offline."
    dialog.restore_selected()
    assert fake.operated == []
