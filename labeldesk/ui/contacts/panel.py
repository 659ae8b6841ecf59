"""The Contacts panel: a dock beside the labels table listing the contacts of the selected label.

Toggled with F9 (the window's "Contacts of Label" action). It reads only while it is shown: a label
selected while it is hidden is read when it opens. Keyboard: F6 moves the keys from the table into the
panel (its list, or its search box) and back, and so does Esc; Tab moves between the search box and
the list; Ctrl+Shift+C copies the selected contacts' emails, one a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.domain import Label
from labeldesk.ui import icons
from labeldesk.ui import operation_texts as words
from labeldesk.ui.contacts.model import ContactsModel, PageSource
from labeldesk.ui.widgets import plain_label

COPY_EMAILS_KEYS = "Ctrl+Shift+C"
#: Moves the keys between the labels table and the panel (the table keeps Tab for its cells).
SWITCH_KEYS = "F6"
#: The most of the list's width the name column takes when it fits its names (the emails get the rest).
NAME_SHARE = 0.45


class ContactsPanel(QDockWidget):
    """The dock; ``model`` holds its rows.

    Signals: ``message(str, str)``: (text, kind) for the status bar; ``leave_requested()``: the person
    asked to give the keys back to the labels table (F6 or Esc in the panel).
    """

    message = Signal(str, str)
    leave_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, page_size: int | None = None) -> None:
        super().__init__("Contacts of Label", parent)
        self.setObjectName("contactsPanel")
        self.setAccessibleName("Contacts of Label")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.model = ContactsModel(self) if page_size is None else ContactsModel(self, page_size=page_size)
        self.model.state_changed.connect(self._show_state)
        self._label: Label | None = None
        self._wanted: Label | None = None
        self._why_none = words.NO_SITE_FOR_CONTACTS

        body = QWidget(self)
        self.heading = plain_label(words.NO_SITE_FOR_CONTACTS, body)
        self.heading.setObjectName("contactsHeading")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.search = QLineEdit(body)
        self.search.setPlaceholderText("Search names and emails")
        self.search.setAccessibleName("Search contacts")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.model.set_search)
        self.search.installEventFilter(self)
        self.view = QTableView(body)
        self.view.setObjectName("contactsList")
        self.view.setAccessibleName("Contacts")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)  # (as the labels table)
        # Names are short and emails long: the name column fits its names (up to NAME_SHARE of the
        # width) and the email column takes the rest (two equal columns cut emails off beside empty room).
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.model.rowsInserted.connect(self._fit_name_column)
        self.model.modelReset.connect(self._fit_name_column)
        self.view.setTabKeyNavigation(False)
        self.view.installEventFilter(self)
        self.count_label = plain_label("", body, wrap=False)
        self.count_label.setObjectName("contactsCount")
        self.note = plain_label("", body)
        self.note.setObjectName("contactsNote")
        self.note.setStyleSheet("background: #fff4e5; color: #663c00; padding: 4px 8px;")
        self.note.hide()

        self.copy_action = QAction(icons.icon("copy"), "Copy emails", self)
        self.copy_action.setShortcut(QKeySequence(COPY_EMAILS_KEYS))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.copy_action.setToolTip(f"Copy the selected contacts' emails ({COPY_EMAILS_KEYS})")
        self.copy_action.triggered.connect(self.copy_emails)
        self.addAction(self.copy_action)
        self.switch_action = QAction("Move between the labels and the contacts", self)
        self.switch_action.setShortcut(QKeySequence(SWITCH_KEYS))
        self.switch_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # (only while it is shown)
        self.switch_action.triggered.connect(self._switch_focus)
        self.addAction(self.switch_action)
        self.setToolTip(f"{SWITCH_KEYS} or Esc moves between the labels and their contacts")
        copy_button = QToolButton(body)
        copy_button.setDefaultAction(self.copy_action)
        copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        copy_button.setAccessibleName("Copy emails")
        self.copy_button = copy_button

        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(copy_button)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(self.search)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self.setWidget(body)
        self.visibilityChanged.connect(lambda shown: self._load_wanted() if shown else None)
        self.view.selectionModel().selectionChanged.connect(self._update_copy)
        self._show_state()

    # -- what it shows --------------------------------------------------------------------------------

    def set_source(self, source: PageSource | None) -> None:
        """Read from ``source`` from now on (the site's operations; None with no site open)."""
        self._label = self._wanted = None
        self._why_none = words.NO_SITE_FOR_CONTACTS if source is None else words.SELECT_ONE_FOR_CONTACTS
        self.model.set_source(source)

    def show_labels(self, labels: Sequence[Label]) -> None:
        """The labels selected in the table: one is shown (read now if the panel is open), more or none
        say to select one."""
        if self.model.source is not None:
            self._why_none = words.SELECT_ONE_FOR_CONTACTS
        self._wanted = labels[0] if len(labels) == 1 else None
        if self.isVisible() or self._wanted is None:
            self._load_wanted()

    def _load_wanted(self) -> None:
        wanted = self._wanted
        same = wanted is not None and self._label is not None and wanted.key == self._label.key
        if same and self.model.error is None:  # (after a failed read, selecting it again tries again)
            self._label = wanted  # (renamed, perhaps: the heading says its name now)
            self._show_state()
            return
        self._label = wanted
        self.model.show_label(None if wanted is None else wanted.key)

    def reload(self, keys: Sequence[str] | None = None) -> None:
        """Read the label shown again (its contacts changed: a merge, a restore), if it is among ``keys``."""
        if self._label is not None and (keys is None or self._label.key in keys):
            if self.isVisible():
                self.model.reload()
            else:  # (hidden: read when it opens again; its old rows would show what was before)
                self._label = None

    def _show_state(self) -> None:
        model = self.model
        label = self._label
        self.heading.setText(self._why_none if label is None else words.contacts_title(label.display_name))
        self.search.setEnabled(label is not None)
        self.count_label.setText(model.count_text())
        note = model.error or (words.saved_copy_note(model.synced_at) if model.from_cache else "")
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self._update_copy()

    def _fit_name_column(self, *_: object) -> None:
        if not self.isVisible():  # (done when shown: see showEvent)
            return
        width = max(self.view.sizeHintForColumn(0), self.view.horizontalHeader().sectionSizeHint(0))
        self.view.setColumnWidth(0, min(width, int(self.view.viewport().width() * NAME_SHARE)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_name_column()

    def showEvent(self, event: QShowEvent) -> None:
        # Not while hidden: the viewport's width is needed, and the first time Python is handed a
        # viewport PySide loads every widget class it had left for later (see LabelsTable.empty_hint),
        # which a start with the panel closed need not pay for before its first paint.
        super().showEvent(event)
        self._fit_name_column()

    # -- copying --------------------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.view.selectionModel().selectedRows()})

    def _update_copy(self, *_: object) -> None:
        # (enabled with nothing selected too: Ctrl+Shift+C then says what to do, where a greyed action is silent)
        self.copy_action.setToolTip(
            f"Copy the selected contacts' emails ({COPY_EMAILS_KEYS})"
            if self.selected_rows()
            else f"Select contacts first, then copy their emails ({COPY_EMAILS_KEYS})"
        )

    def copy_emails(self) -> None:
        """Put the selected contacts' emails on the clipboard, one a line."""
        chosen = self.model.contacts_at(self.selected_rows())
        if not chosen:  # (a key pressed for nothing is never silent)
            self.message.emit(
                words.SELECT_CONTACTS_FIRST if self.model.rowCount() else words.NO_CONTACTS_TO_COPY, "info"
            )
            return
        emails = [contact.email for contact in chosen if contact.email]
        if emails:
            QGuiApplication.clipboard().setText("\n".join(emails))
        self.message.emit(words.copied_emails(len(emails), len(chosen) - len(emails)), "done" if emails else "info")

    # -- the keys -------------------------------------------------------------------------------------

    def has_keys(self) -> bool:
        focused = QApplication.focusWidget()
        return focused is not None and self.isAncestorOf(focused)

    def take_focus(self) -> None:
        """Give the keys to the list (its first row selected if none was), or to the search box when
        the list is empty."""
        if self.model.rowCount():
            self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
            if not self.view.selectionModel().hasSelection():
                self.view.selectRow(0)
        elif self.search.isEnabled():
            self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _switch_focus(self) -> None:
        if self.has_keys():
            self.leave_requested.emit()
        else:
            self.take_focus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        pressed = event.type() == QEvent.Type.KeyPress
        if watched is self.view and pressed and cast(QKeyEvent, event).key() == Qt.Key.Key_Escape:
            self.leave_requested.emit()
            return True
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            key = cast(QKeyEvent, event).key()
            if key == Qt.Key.Key_Escape:
                if self.search.text():
                    self.search.clear()
                else:
                    self.leave_requested.emit()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.model.rowCount():
                self.view.setFocus()
                if not self.view.selectionModel().hasSelection():
                    self.view.selectRow(0)
                return True
        return super().eventFilter(watched, event)
