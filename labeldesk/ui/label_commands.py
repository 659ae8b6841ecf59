"""What the person does to the labels in the table: select, create, rename, delete, copy keys, search.

LabelCommands acts on the table it is given and asks the site's session to send changes; the
window triggers it through its actions and shows what it says (``message``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLineEdit, QMenu, QWidget

from labeldesk.domain import FindOrCreateResult, Label
from labeldesk.ui import status_texts as texts
from labeldesk.ui.actions import ActionId, WindowActions

if TYPE_CHECKING:
    from labeldesk.ui.dialogs import LabelNameDialog
    from labeldesk.ui.labels_table import LabelsTable
    from labeldesk.ui.models import LabelTableModel
    from labeldesk.ui.session import SiteSession


class LabelCommands(QObject):
    """The commands on ``table``'s labels (its ``model``), for ``session``'s site.

    ``dialogs_parent`` is the window the dialogs belong to; ``search`` and ``type_filter`` are the top
    bar's (a search that found nothing offers its text as a new name; a label to show is unhidden).

    Signals: ``message(str, str)``: (text, kind) for the status bar.
    """

    message = Signal(str, str)

    def __init__(
        self,
        dialogs_parent: QWidget,
        *,
        table: LabelsTable,
        model: LabelTableModel,
        session: SiteSession,
        actions: WindowActions,
        search: QLineEdit,
        type_filter: QComboBox,
    ) -> None:
        super().__init__(dialogs_parent)
        self.dialogs_parent = dialogs_parent
        self.table = table
        self.model = model
        self.session = session
        self.actions = actions
        self.search = search
        self.type_filter = type_filter
        table.customContextMenuRequested.connect(self._show_context_menu)
        # Shift+F10 opens that menu too, as the Menu key does (which many laptops lack), at the current row.
        menu_key = QAction(table)
        menu_key.setShortcut(QKeySequence("Shift+F10"))
        menu_key.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        menu_key.triggered.connect(lambda: self._show_context_menu(table.visualRect(table.currentIndex()).center()))
        table.addAction(menu_key)
        table.doubleClicked.connect(self._on_table_double_clicked)
        search.installEventFilter(self)

    # -- selection ------------------------------------------------------------------------------------

    def selected_labels(self) -> list[Label]:
        """The selected labels, in table order.

        Read from the selection's ranges, not selectedRows(): that asks the model (in Python) about
        every selected cell, which Ctrl+A over 100,000 labels makes slow. The table selects whole rows.
        """
        rows: set[int] = set()
        for span in self._selected_spans():
            rows.update(span)
        return self.model.labels_at(sorted(rows))

    def only_selected(self) -> Label | None:
        """The label selected when exactly one is, else None: what the Contacts panel follows on each
        selection or data change, read without going through a big selection row by row."""
        rows: set[int] = set()
        for span in self._selected_spans():
            rows.update(span[:2])
            if len(rows) > 1:
                return None
        return self.model.label_at(rows.pop()) if rows else None

    def _selected_spans(self) -> Iterator[range]:
        """The rows of each of the selection's ranges (the table selects whole rows)."""
        last = self.model.columnCount() - 1
        selection = self.table.selectionModel().selection()
        for span in map(selection.at, range(selection.count())):
            if span.left() == 0 and span.right() == last:
                yield range(span.top(), span.bottom() + 1)

    def select_key(self, key: str) -> bool:
        """Select and show the row of ``key``, clearing search and filter if they hide it."""
        if self.model.label(key) is None:
            return False
        if self.model.row_of(key) is None:  # hidden by the search or the type filter
            self.search.clear()
            self.type_filter.setCurrentIndex(0)
        row = self.model.row_of(key)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def focus_table(self, *_: object) -> None:
        """Give the keys to the table: at start and whenever a dialog closes, so that the arrow keys
        move through the labels (never change the type filter behind the person's back)."""
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            key = cast(QKeyEvent, event).key()
            if key == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.model.rowCount():
                self.table.setFocus()
                if not self.table.selectionModel().hasSelection():
                    self.table.selectRow(0)
                return True
        return super().eventFilter(watched, event)

    def say_why_disabled(self, event: QKeyEvent) -> bool:
        """A shortcut of a disabled action (F2 or Del on a locked label, Ctrl+M with one label selected)
        says why, as double-click does; True if ``event`` was one.

        Qt drops the shortcut of a disabled action, and the key press comes up to the window instead
        (the search box keeps its own Del).
        """
        pressed = QKeySequence(event.keyCombination())
        for action in map(self.actions.__getitem__, ActionId):
            if not action.isEnabled() and any(
                pressed.matches(shortcut) == QKeySequence.SequenceMatch.ExactMatch for shortcut in action.shortcuts()
            ):
                self.message.emit(self.actions.why(action), "info")
                return True
        return False

    # -- commands -------------------------------------------------------------------------------------

    def _name_dialog(self, label: Label | None = None) -> LabelNameDialog:
        from labeldesk.ui.dialogs import LabelNameDialog  # loaded on first use: start-up doesn't need it

        controller = self.session.controller
        assert controller is not None  # (offered only with a site open: see SiteSession.blocked_reason)
        dialog = LabelNameDialog(
            controller,
            lambda name, ignore_key: self.model.near_duplicate(name, ignore_key=ignore_key),
            label=label,
            parent=self.dialogs_parent,
            labels_known=self.session.labels_known,
            twins_ready=self.model.near_duplicates_ready,
        )
        self.model.prepare_near_duplicates()  # (a big table's: on a worker, while the dialog opens)
        dialog.finished.connect(self.focus_table)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return dialog

    def new_label(self) -> LabelNameDialog | None:
        if self.session.blocked_reason() is not None:
            return None
        dialog = self._name_dialog()
        prefill = self.search.text().strip()
        if prefill and self.model.rowCount() == 0:
            dialog.name_edit.setText(prefill)  # searched for it, didn't find it: offer to create it
        dialog.saved.connect(self._on_created_in_dialog)
        dialog.open()
        return dialog

    def rename_selected(self) -> LabelNameDialog | None:
        selected = self.selected_labels()
        if self.session.blocked_reason() is not None:
            return None
        if len(selected) != 1 or not selected[0].editable:
            if selected:
                self.message.emit(self.actions.why(self.actions[ActionId.RENAME]), "info")
            return None
        label = selected[0]
        dialog = self._name_dialog(label)
        dialog.saved.connect(lambda renamed: self._on_renamed_in_dialog(label, renamed))
        dialog.open()
        return dialog

    def delete_selected(self) -> None:
        selected = self.selected_labels()
        if not selected or not self.actions[ActionId.DELETE].isEnabled():
            return
        from labeldesk.ui import dialogs

        asked_of = self.session.controller
        restorable = asked_of is not None and asked_of.cache is not None  # (Recently deleted lives in the saved copy)
        confirmed = dialogs.confirm_delete(
            self.dialogs_parent, selected, self.model.contact_count, restorable=restorable
        )
        self.focus_table()
        if confirmed:
            self.session.delete(selected, asked_of=asked_of)

    def copy_keys(self) -> None:
        # One key a line: every key shown is a valid one (domain.valid_key; checked as it comes from Wix
        # and as the saved copy is read), so none can break a line.
        keys = [label.key for label in self.selected_labels()]
        if keys:
            QGuiApplication.clipboard().setText("\n".join(keys))
            self.message.emit(texts.copied_keys(keys), "done")

    def _show_context_menu(self, pos: QPoint) -> QMenu:
        """The right-click menu, at ``pos`` in the table's viewport."""
        menu = QMenu(self.dialogs_parent)
        for action_id in (
            ActionId.NEW,
            None,
            ActionId.RENAME,
            ActionId.DELETE,
            ActionId.MERGE,
            None,
            ActionId.COPY,
            None,
        ):
            if action_id is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions[action_id])
        menu.addAction(self.actions[ActionId.REFRESH])
        menu.popup(self.table.viewport().mapToGlobal(pos))
        return menu

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        label = self.model.label_at(index.row())
        if label.editable:
            self.rename_selected()
        else:
            self.message.emit(texts.locked_reason(label), "info")

    def _on_created_in_dialog(self, result: FindOrCreateResult) -> None:
        self.select_key(result.label.key)
        self.message.emit(*texts.created(result))

    def _on_renamed_in_dialog(self, before: Label, after: Label) -> None:
        self.select_key(after.key)
        self.message.emit(texts.renamed(before, after), "done")
