"""Merge labels…: choose the label that stays, see a dry run, merge, and watch it to the end.

The dialog asks the site's LabelOperations for a dry run (PreviewMerge) whenever the label that stays
changes; Merge sends MergeLabels and shows its progress; Cancel while it runs sends CancelOperation
(the engine stops before any delete). Closing the dialog doesn't stop a merge: the status bar reports
its end (see SiteSession). Everything it shows is plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.api.errors import in_context
from labeldesk.domain import Label, shown_name
from labeldesk.engine import protocol as p
from labeldesk.errors import Failure
from labeldesk.ui import operation_texts as words
from labeldesk.ui.text_dialog import TextDialog
from labeldesk.ui.widgets import plain_label

if TYPE_CHECKING:
    from labeldesk.ui.label_operations import LabelOperations

LOCKED_STAYS = "System and app labels can't be merged away: the one selected is the label that stays."


def merge_choices(labels: Sequence[Label], count_of: Callable[[str], int | None]) -> tuple[list[Label], Label]:
    """The labels that may stay (a system or app label can stay, never go), and the one offered first:
    the one with most contacts (the first in table order on a tie, or when counts are unknown)."""
    locked = [label for label in labels if not label.editable]
    choices = locked if locked else list(labels)
    best = max(choices, key=lambda label: count_of(label.key) or 0)
    return choices, best


class MergeDialog(TextDialog):
    """Merges ``labels`` (two or more, see can_merge) through ``operations``.

    States: choosing (with a dry run), running (progress, Cancel sends CancelOperation), ended (the
    result in words, Close).
    """

    def __init__(
        self,
        labels: Sequence[Label],
        count_of: Callable[[str], int | None],
        operations: LabelOperations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.labels = list(labels)
        self.operations = operations
        self.setWindowTitle(words.merge_title(len(labels)))
        self.setMinimumWidth(480)
        self._names = {label.key: label.display_name for label in labels}
        self._preview_generation = 0
        self.request: int | None = None
        self.operation: int | None = None
        self.running = False
        self.ended = False
        #: Cancel was asked before the engine named the operation: sent as soon as it does.
        self._stop_wanted = False

        choices, best = merge_choices(labels, count_of)
        self.target_box = QComboBox(self)
        self.target_box.setAccessibleName("Label that stays")
        for label in choices:
            count = count_of(label.key)
            suffix = "" if count is None else f" ({words.contacts(count)})"
            # (plain text; shown_name: a newline or a hidden character in a name is shown, not obeyed)
            self.target_box.addItem(shown_name(label.display_name) + suffix, label.key)
        self.target_box.setCurrentIndex(choices.index(best))
        self.target_box.setEnabled(len(choices) > 1)
        self.help = plain_label(LOCKED_STAYS if len(choices) == 1 else words.MERGE_HELP, self)
        self.preview = plain_label(words.CHECKING_MERGE, self)
        self.preview.setObjectName("mergePreview")
        self.preview.setAccessibleName("What the merge will do")
        font = self.preview.font()
        font.setBold(True)
        self.preview.setFont(font)
        self.note = plain_label("", self)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Merge progress")
        self.progress.hide()
        self.step = plain_label("", self)
        self.step.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        # Alt+M or Tab then Space: Enter is Cancel's, as in the delete question (a merge deletes labels, and a
        # slip of Enter after Ctrl+M mustn't merge whatever happened to be selected).
        self.merge_button: QPushButton = self.buttons.addButton("&Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setEnabled(False)
        self.merge_button.clicked.connect(self.start)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.clicked.connect(self.reject)

        self.choice = QWidget(self)
        form = QFormLayout(self.choice)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Label that stays:", self.target_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.choice)
        layout.addWidget(self.help)
        layout.addSpacing(6)
        layout.addWidget(self.preview)
        layout.addWidget(self.note)
        layout.addWidget(self.progress)
        layout.addWidget(self.step)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        operations.operation_started.connect(self._on_started)
        operations.operation_progress.connect(self._on_progress)
        operations.operation_done.connect(self._on_done)
        operations.operation_failed.connect(self._on_failed)
        operations.request_failed.connect(self._on_refused)
        self.target_box.currentIndexChanged.connect(self._ask_preview)
        self.target_box.setFocus()
        self._ask_preview()

    @property
    def working(self) -> bool:
        """A merge started here is under way (closing the dialog doesn't stop it)."""
        return self.running

    @property
    def target(self) -> str:
        return str(self.target_box.currentData())

    @property
    def sources(self) -> list[str]:
        return [label.key for label in self.labels if label.key != self.target]

    # -- the dry run ----------------------------------------------------------------------------------

    def _ask_preview(self) -> None:
        self._preview_generation += 1
        generation = self._preview_generation
        target, sources = self.target, self.sources
        self.merge_button.setEnabled(False)
        self.preview.setText(words.CHECKING_MERGE)
        self.note.setText("")

        def arrived(preview: p.MergePreview) -> None:
            if generation == self._preview_generation and not self.running and not self.ended:
                self._show_preview(preview)

        def failed(error: Failure) -> None:
            if generation == self._preview_generation and not self.running and not self.ended:
                self.preview.setText(in_context("Couldn't check the contacts", error))
                self.fit_text()

        self.operations.preview_merge(target, sources, arrived, failed)

    def _show_preview(self, preview: p.MergePreview) -> None:
        names = [self._names.get(key, key) for key in preview.sources]
        known = all(key in preview.holders for key in preview.sources)
        held = sum(preview.holders[key] for key in preview.sources) if known else None
        target = self._names.get(preview.target, preview.target)
        self.preview.setText(words.merge_preview(target, names, preview.adds, held, preview.carriers))
        self.note.setText(words.merge_preview_note(names))
        stays = next((label for label in self.labels if label.key == preview.target), None)
        if stays is not None and not stays.editable:  # (Wix's or an app's: it may act on the contacts that get it)
            self.note.setText(words.merge_onto_managed(target) + "\n\n" + self.note.text())
        self.merge_button.setEnabled(True)
        self.cancel_button.setDefault(True)
        self.fit_text()

    # -- the merge ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Merge (the Merge button)."""
        if self.running or self.ended:
            return
        self.running = True
        self.target_box.setEnabled(False)
        self.merge_button.hide()
        # Enter must not reach Cancel: a second Enter (a double press on Merge) would stop the merge just begun.
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setDefault(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.step.setText(words.operation_started("merge", resumed=False))
        self.step.show()
        self.request = self.operations.merge(self.target, self.sources)
        self.fit_text()

    def reject(self) -> None:
        """Cancel: before the merge, close; while it runs, ask it to stop (it reports how it ended)."""
        if not self.running:
            super().reject()
            return
        # (asked before the engine named the operation: sent when it does, not dropped)
        self._stop_wanted = True
        if self.operation is not None:
            self.operations.cancel(self.operation)
        self.cancel_button.setEnabled(False)
        self.step.setText(words.STOPPING_MERGE)

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's close button: while a merge runs, the dialog goes and the merge goes on (the
        status bar reports its end); Qt's own closeEvent called reject, which stopped it."""
        if self.running:
            event.accept()
            self.done(QDialog.DialogCode.Rejected)
            return
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self._preview_generation += 1  # a dry run still on its way finds no dialog to show it in
        super().done(result)

    def _mine(self, operation: int) -> bool:
        return self.operation is not None and operation == self.operation

    def _on_started(self, event: p.OperationStarted) -> None:
        if self.request is not None and event.request == self.request and not event.resumed:
            self.operation = event.operation
            if self._stop_wanted:
                self.operations.cancel(event.operation)

    def _on_progress(self, event: p.OperationProgress) -> None:
        if not self._mine(event.operation):
            return
        if event.total:
            self.progress.setRange(0, event.total)
            self.progress.setValue(min(event.done, event.total))
        else:
            self.progress.setRange(0, 0)
        if self.cancel_button.isEnabled():  # (else it says it is stopping)
            self.step.setText(words.step_words("merge", event.step, event.done, event.total))

    def _on_done(self, event: p.OperationDone) -> None:
        if self._mine(event.operation):
            removed = [self._names.get(key, key) for key in event.removed]
            self._end(words.merge_done(self._names.get(self.target, self.target), removed, event.changed))

    def _on_failed(self, event: p.OperationFailed, error: Failure) -> None:
        if self._mine(event.operation):
            target = self._names.get(self.target, self.target)
            self._end(words.operation_failed("merge", error, event.failed, len(event.removed), target=target))

    def _on_refused(self, request: int, error: Failure) -> None:
        if self.request is not None and request == self.request:
            self._end(in_context("Couldn't merge the labels", error))

    def _end(self, text: str) -> None:
        self.running = False
        self.ended = True
        for done_with in (self.choice, self.progress, self.step, self.help, self.note):
            done_with.hide()  # (the result names the label that stayed)
        self.preview.setText(text)
        self.cancel_button.setText("Close")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setDefault(True)  # (the merge is over: Enter closes)
        self.cancel_button.setFocus()
        self.setMinimumHeight(0)  # as tall as the result needs, no taller (the progress has gone)
        self.fit_text()
        self.resize(self.width(), self.minimumHeight())
