"""Recently deleted: the labels LabelDesk deleted in the last 30 days, and Restore.

The list comes from the site's saved copy through the engine (ListDeleted). Restore sends RestoreLabel:
the engine finds or creates the old name (the key may differ: the result says so) and puts it back on
the contacts that carried it and still exist; the dialog shows its progress and the result sentence,
then reads the list again. Closing the dialog doesn't stop a restore: the status bar reports its end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeldesk.api.errors import in_context
from labeldesk.contacts import DeletedLabel
from labeldesk.engine import protocol as p
from labeldesk.errors import Failure
from labeldesk.ui import icons
from labeldesk.ui import operation_texts as words
from labeldesk.ui.text import plain_tooltip
from labeldesk.ui.text_dialog import TextDialog
from labeldesk.ui.widgets import plain_label

if TYPE_CHECKING:
    from labeldesk.ui.label_operations import LabelOperations

INTRO = (
    f"Labels deleted with LabelDesk in the last {words.KEPT_DAYS} days. Restore puts a label back on the "
    "contacts that had it when it was deleted."
)
LOADING = "Loading…"
#: Roles of an entry's row.
EntryRole = Qt.ItemDataRole.UserRole + 1


class DeletedDialog(TextDialog):
    """Lists Recently deleted through ``operations``; Restore restores the selected entry.

    ``restore_blocked()``: why nothing can be restored now (offline, no key), or None.
    """

    def __init__(
        self, operations: LabelOperations, parent: QWidget | None = None, *, restore_blocked=lambda: None
    ) -> None:
        super().__init__(parent)
        self.operations = operations
        self.restore_blocked = restore_blocked
        self.setWindowTitle("Recently deleted")
        self.setMinimumSize(520, 360)
        self.entries: list[DeletedLabel] = []
        self.request: int | None = None
        self.operation: int | None = None
        self.restoring: DeletedLabel | None = None
        self._list_generation = 0

        self.intro = plain_label(INTRO, self)
        self.list = QTreeWidget(self)
        self.list.setObjectName("deletedList")
        self.list.setAccessibleName("Recently deleted labels")
        self.list.setHeaderLabels(["Label", "Deleted", "Contacts"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAlternatingRowColors(True)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemActivated.connect(lambda *_: self.restore_selected())
        self.empty = plain_label(LOADING, self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Restore progress")
        self.progress.hide()
        self.outcome = plain_label("", self)
        self.outcome.setObjectName("restoreResult")
        self.outcome.setAccessibleName("Restore result")
        font = self.outcome.font()
        font.setBold(True)
        self.outcome.setFont(font)
        self.outcome.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.restore_button: QPushButton = self.buttons.addButton("Restore", QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.setIcon(icons.icon("refresh"))
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_button.setEnabled(False)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.progress)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)

        operations.operation_started.connect(self._on_started)
        operations.operation_progress.connect(self._on_progress)
        operations.operation_done.connect(self._on_done)
        operations.operation_failed.connect(self._on_failed)
        operations.request_failed.connect(self._on_refused)
        self.load()

    @property
    def working(self) -> bool:
        """A restore started here is under way (closing the dialog doesn't stop it)."""
        return self.restoring is not None

    # -- the list -------------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the list (again)."""
        self._list_generation += 1
        generation = self._list_generation

        def arrived(answer: p.DeletedList) -> None:
            if generation == self._list_generation:
                self.show_entries(answer.entries)

        def failed(error: Failure) -> None:
            if generation == self._list_generation:
                self.empty.setText(in_context("Couldn't read Recently deleted", error))
                self.empty.show()

        self.operations.list_deleted(arrived, failed)

    def done(self, result: int) -> None:
        self._list_generation += 1  # a list still on its way finds no dialog to show it in
        super().done(result)

    def show_entries(self, entries: list[DeletedLabel]) -> None:
        self.entries = list(entries)
        self.list.clear()
        for entry in entries:
            item = QTreeWidgetItem(
                [entry.display_name, words.deleted_when(entry.deleted_at), f"{len(entry.contact_ids):,}"]
            )
            item.setData(0, EntryRole, entry.entry)
            item.setToolTip(0, plain_tooltip(f"{entry.display_name} (key {entry.key})"))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(item)
        self.empty.setText(words.NOTHING_DELETED)
        self.empty.setVisible(not entries)
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        self.list.setFocus()
        self._update_buttons()

    def selected_entry(self) -> DeletedLabel | None:
        items = self.list.selectedItems()
        if not items:
            return None
        wanted = items[0].data(0, EntryRole)
        return next((entry for entry in self.entries if entry.entry == wanted), None)

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        blocked = self.restore_blocked()
        self.restore_button.setEnabled(entry is not None and self.restoring is None and blocked is None)
        tip = blocked or (words.restore_target(entry.display_name) if entry is not None else "Select a label")
        self.restore_button.setToolTip(plain_tooltip(tip))

    # -- restoring ------------------------------------------------------------------------------------

    def restore_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or self.restoring is not None or self.restore_blocked() is not None:
            return
        self.restoring = entry
        self.operation = None
        self.outcome.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.request = self.operations.restore(entry.entry)
        self._update_buttons()

    def _on_started(self, event: p.OperationStarted) -> None:
        if self.request is not None and event.request == self.request and not event.resumed:
            self.operation = event.operation

    def _on_progress(self, event: p.OperationProgress) -> None:
        if self.operation is None or event.operation != self.operation:
            return
        if event.total:
            self.progress.setRange(0, event.total)
            self.progress.setValue(min(event.done, event.total))
        self.progress.setFormat(words.step_words("restore", event.step, event.done, event.total))

    def _on_done(self, event: p.OperationDone) -> None:
        if self.operation is None or event.operation != self.operation or self.restoring is None:
            return
        entry = self.restoring
        label = event.label
        new_key = label.key if label is not None and (event.key_changed or label.key != entry.key) else None
        name = label.display_name if label is not None else entry.display_name
        said = words.restore_done(
            name, event.changed, event.meant, old_key=entry.key, new_key=new_key, existed=event.existed
        )
        self._end(said, "done")
        self.load()

    def _on_failed(self, event: p.OperationFailed, error: Failure) -> None:
        if self.operation is not None and event.operation == self.operation and self.restoring is not None:
            target = self.restoring.display_name
            self._end(words.operation_failed("restore", error, event.failed, 0, target=target), "error")
            self.load()

    def _on_refused(self, request: int, error: Failure) -> None:
        if self.request is not None and request == self.request:
            self._end(in_context("Couldn't restore the label", error), "error")

    def _end(self, text: str, kind: str) -> None:
        self.restoring = None
        self.request = None
        self.progress.hide()
        self.outcome.setText(text)
        self.outcome.setProperty("kind", kind)  # ("done" or "error", for a style sheet or a test)
        self.outcome.show()
        self._update_buttons()
        self.fit_text()
