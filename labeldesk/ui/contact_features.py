"""The window's part of issue 15: the Contacts panel, Merge labels…, Recently deleted, and what the
operations they start (or that resume at start-up) do to the table and the status bar.

ContactFeatures is built by the window, which hands it what it needs (its actions, table, model and
session) and shows what it says (``message``). It follows the site shown: each new controller's
LabelOperations is connected here, the Contacts panel reads through it, and its operations' ends
change the table (labels gone, a label back, new contact counts) and are said in the status bar,
whichever dialog started them, or none (an operation resumed when the site opened).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from labeldesk.domain import Label
from labeldesk.engine import protocol as p
from labeldesk.errors import Failure
from labeldesk.ui import operation_texts as words
from labeldesk.ui.actions import ActionId
from labeldesk.ui.quit_question import ask_quit_while_operating
from labeldesk.ui.sort_menu import SortMenu

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from labeldesk.ui.actions import WindowActions
    from labeldesk.ui.contacts import ContactsPanel
    from labeldesk.ui.deleted_dialog import DeletedDialog
    from labeldesk.ui.label_commands import LabelCommands
    from labeldesk.ui.label_operations import LabelOperations
    from labeldesk.ui.main_window import MainWindow
    from labeldesk.ui.merge_dialog import MergeDialog
    from labeldesk.ui.models import LabelTableModel
    from labeldesk.ui.session import SiteSession
    from labeldesk.ui.settings import WindowSettings
    from labeldesk.ui.widgets import WorkingBar

log = logging.getLogger(__name__)


#: The Contacts panel's first width, in widths of "M".
PANEL_WIDTH_EMS = 30
#: Whether the Contacts panel was open when the window last closed (it opens so again).
PANEL_SHOWN_KEY = "window/contactsPanel"


class ContactFeatures(QObject):
    """The Contacts panel (``panel``), the View menu (``view_button``, put in ``window``'s toolbar), and
    the merge and restore flows, for ``window``: its actions, commands, model, session and working bar.

    Signals: ``message(str, str, object)``: (text, kind, details or None) for the status bar.
    """

    message = Signal(str, str, object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.actions: WindowActions = window.window_actions
        self.commands: LabelCommands = window.commands
        self.model: LabelTableModel = window.model
        self.session: SiteSession = window.session
        self.busy: WorkingBar = window.busy
        actions, commands, model, session = self.actions, self.commands, self.model, self.session
        self.operations: LabelOperations | None = None
        #: The names of the labels an operation under way involves (its end may come after they left the table).
        self._names: dict[str, str] = {}
        self.merge_dialog: MergeDialog | None = None
        self.deleted_dialog: DeletedDialog | None = None

        self._panel: ContactsPanel | None = None  # (see panel)
        self._panel_sized = False
        toggle = actions[ActionId.CONTACTS]
        toggle.toggled.connect(self._show_panel)
        commands.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        model.modelReset.connect(self._on_selection_changed)
        model.dataChanged.connect(self._on_selection_changed)  # (a rename: the panel's heading names it anew)

        self.view_menu = QMenu("View", window)
        self.view_menu.addAction(toggle)
        self.view_menu.addAction(actions[ActionId.DELETED])
        self.view_menu.addSeparator()
        self.sort_menu = SortMenu(commands.table, self.view_menu)  # (the table's order, from the keyboard)
        self.view_menu.addMenu(self.sort_menu)
        self.view_button = QToolButton(window)
        self.view_button.setText("&View")  # (Alt+V opens it)
        self.view_button.setAccessibleName("View")
        self.view_button.setToolTip("Show the contacts of a label or the labels deleted recently, or sort the table")
        self.view_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.view_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.view_button.setMenu(self.view_menu)
        # Beside the site menu, as a menu bar would have it (the toolbar's end folds away in a narrow window).
        window.toolbar.insertWidget(window.toolbar.actions()[1], self.view_button)

        session.site_attached.connect(lambda *_: self._follow(session.controller))
        session.signed_out.connect(lambda *_: self._follow(None))

    @property
    def panel(self) -> ContactsPanel:
        """The Contacts panel, made when first wanted (opened, or asked for): a start with it closed
        doesn't load its classes or build it before the window's first paint."""
        if self._panel is None:
            from labeldesk.ui.contacts import ContactsPanel

            window, toggle = self.window, self.actions[ActionId.CONTACTS]
            self._panel = panel = ContactsPanel(window)
            panel.hide()
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
            panel.message.connect(lambda text, kind: self.message.emit(text, kind, None))
            panel.leave_requested.connect(self.commands.focus_table)
            panel.visibilityChanged.connect(lambda _: toggle.setChecked(panel.isVisibleTo(window)))
            panel.set_source(self.operations)
            self._on_selection_changed()
        return self._panel

    def restore(self, settings: QSettings | WindowSettings) -> None:
        """Open the Contacts panel if it was open when the window last closed."""
        if settings.value(PANEL_SHOWN_KEY) in (True, "true"):  # (QSettings may give back "true")
            self.actions[ActionId.CONTACTS].setChecked(True)

    def save(self, settings: QSettings | WindowSettings) -> None:
        settings.setValue(PANEL_SHOWN_KEY, self._panel is not None and self._panel.isVisibleTo(self.window))

    def _show_panel(self, shown: bool) -> None:
        panel = self.panel
        first = shown and not self._panel_sized
        had_keys = not shown and panel.has_keys()
        panel.setVisible(shown)
        if had_keys:  # (F9 from inside the panel: the keys go back to the table, not to the next widget)
            self.commands.focus_table()
        if first:  # room for a name and an email side by side (the person may make it narrower)
            self._panel_sized = True
            width = panel.fontMetrics().horizontalAdvance("M") * PANEL_WIDTH_EMS
            self.window.resizeDocks([panel], [width], Qt.Orientation.Horizontal)

    # -- the site shown -------------------------------------------------------------------------------

    def _follow(self, controller: object | None) -> None:
        operations: LabelOperations | None = getattr(controller, "operations", None)
        if operations is self.operations:
            return
        old, self.operations = self.operations, operations
        for dialog in (self.merge_dialog, self.deleted_dialog):
            if dialog is not None and not dialog.working:
                dialog.reject()  # (it was about the site shown before; one at work reports its end itself)
        if old is not None:
            for signal, slot in self._links(old):
                with contextlib.suppress(RuntimeError, TypeError):  # (already gone with its controller)
                    signal.disconnect(slot)
        if self._panel is not None:
            self._panel.set_source(operations)
        if operations is not None:
            for signal, slot in self._links(operations):
                signal.connect(slot)
        self._on_selection_changed()

    def _links(self, operations: LabelOperations) -> list[tuple[SignalInstance, Callable[..., None]]]:
        return [
            (operations.operation_started, self._on_started),
            (operations.operation_progress, self._on_progress),
            (operations.operation_done, self._on_done),
            (operations.operation_failed, self._on_failed),
            (operations.counts_changed, self._on_counts_changed),
        ]

    def _on_selection_changed(self, *_: object) -> None:
        if self._panel is None:
            return  # (made later, it asks then)
        # (only whether one label is selected, and which: Ctrl+A over a big table is not read row by row)
        one = self.commands.only_selected() if self.operations is not None else None
        self._panel.show_labels([] if one is None else [one])

    # -- the commands ---------------------------------------------------------------------------------

    def merge_selected(self) -> MergeDialog | None:
        """Merge labels… (Ctrl+M): the dialog for the selected labels, or None when it can't be offered."""
        selected = self.commands.selected_labels()
        action = self.actions[ActionId.MERGE]
        if not action.isEnabled() or self.operations is None:
            if selected:
                self.message.emit(self.actions.why(action), "info", None)
            return None
        from labeldesk.ui.merge_dialog import MergeDialog  # loaded on first use: start-up doesn't need it

        self._remember(selected)
        dialog = MergeDialog(selected, self.model.contact_count, self.operations, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self.commands.focus_table)
        dialog.finished.connect(lambda *_: self._forget(dialog))
        dialog.open()
        self.merge_dialog = dialog
        return dialog

    def show_deleted(self) -> DeletedDialog | None:
        """Recently deleted (View menu)."""
        if self.operations is None or not self.actions[ActionId.DELETED].isEnabled():
            return None
        from labeldesk.ui.deleted_dialog import DeletedDialog

        dialog = DeletedDialog(self.operations, self.window, restore_blocked=self.session.blocked_reason)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self.commands.focus_table)
        # (the label just brought back is selected: the table and the panel show it, not nothing)
        dialog.finished.connect(
            lambda *_: dialog.restored_key is not None and self.window.select_key(dialog.restored_key)
        )
        dialog.finished.connect(lambda *_: self._forget(dialog))
        dialog.open()
        self.deleted_dialog = dialog
        return dialog

    def _forget(self, dialog: object) -> None:
        """A dialog closed (and is deleted): it is no longer offered news."""
        if self.merge_dialog is dialog:
            self.merge_dialog = None
        if self.deleted_dialog is dialog:
            self.deleted_dialog = None

    def _remember(self, labels: list[Label]) -> None:
        self._names.update((label.key, label.display_name) for label in labels)

    def _name(self, key: str) -> str:
        label = self.model.label(key)
        return label.display_name if label is not None else self._names.get(key, key)

    # -- operations (whoever started them) ------------------------------------------------------------

    def _on_started(self, event: p.OperationStarted) -> None:
        self.busy.show_busy(True)
        self.message.emit(words.operation_started(event.kind, resumed=event.resumed), "info", None)

    def _on_progress(self, event: p.OperationProgress) -> None:
        self.busy.show()
        if event.total:
            self.busy.setRange(0, event.total)
            self.busy.setValue(min(event.done, event.total))
        kind = self.operations.running.get(event.operation, "merge") if self.operations is not None else "merge"
        text = words.step_words(kind, event.step, event.done, event.total)
        self.busy.setToolTip(text)
        self.busy.setAccessibleDescription(text)

    def _on_done(self, event: p.OperationDone) -> None:
        removed = [self._name(key) for key in event.removed]
        for key in event.removed:
            self.model.remove(key)
        if event.label is not None:
            self.model.upsert(event.label)
        self._settle()
        label_name = event.label.display_name if event.label is not None else ""
        if event.kind == "merge":
            said = words.merge_done(label_name, removed, event.changed, restore_note=False)
        else:
            new_key = event.label.key if event.label is not None and event.key_changed else None
            said = words.restore_done(
                label_name, event.changed, event.meant, old_key=None, new_key=new_key, existed=event.existed
            )
        self.message.emit(said, "done", None)
        touched = list(event.removed) + ([event.label.key] if event.label is not None else [])
        if self._panel is not None:
            self._panel.reload(touched)

    def _on_failed(self, event: p.OperationFailed, error: Failure) -> None:
        for key in event.removed:
            self.model.remove(key)
        self._settle()
        dialog = self.merge_dialog
        mine = event.kind == "merge" and dialog is not None and dialog.operation == event.operation
        target = self._name(dialog.target) if mine and dialog is not None else None
        said = words.operation_failed(event.kind, error, event.failed, len(event.removed), target=target)
        self.message.emit(said, "error", getattr(error, "details", None))

    def _settle(self) -> None:
        if self.operations is not None and not self.operations.running:
            self.busy.show_working()
            self.busy.show_busy(self.session.controller is not None and self.session.controller.busy)

    def may_quit(self, window: QWidget) -> bool:
        """At quit: True unless merges or restores are under way and the person chooses to keep ``window`` open
        (they are journaled: the engine finishes them when the site opens next, and the person should know)."""
        running = list(self.operations.running.values()) if self.operations is not None else []
        if not running:
            return True
        if not ask_quit_while_operating(window, running):
            return False
        log.info("quit with %d operation(s) under way, to finish at the next start", len(running))
        return True

    def _on_counts_changed(self, changed: dict[str, int | None]) -> None:
        """Merge ``changed`` into the table's counts (only when the table has counts to merge into).

        A key not in the table yet is kept too: a restore's counts come before its OperationDone puts
        the label back, and dropping them showed the restored label with 0 contacts."""
        self.model.update_counts(changed)
        if changed and self._panel is not None:
            self._panel.reload(list(changed))
