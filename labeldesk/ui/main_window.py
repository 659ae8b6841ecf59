"""The main window: the labels table with search, a type filter, actions, and an honest status bar.

What it is made of lives beside it: the actions and when they are enabled (actions.py), every
sentence it says (status_texts.py), the site shown and its controller (session.py), the top bar,
the table and the small widgets (top_bar.py, labels_table.py, widgets.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from labeldesk.api.errors import WixError, in_context
from labeldesk.credentials import YOUR_KEYRING
from labeldesk.domain import FindOrCreateResult, Label
from labeldesk.errors import KnownError, UnexpectedError
from labeldesk.sites import Site
from labeldesk.ui import icons, window_geometry
from labeldesk.ui import status_texts as texts
from labeldesk.ui.actions import ActionId, WindowActions, action_states
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.labels_table import LabelsTable
from labeldesk.ui.models import LabelTableModel
from labeldesk.ui.session import ControllerFactory, SiteSession
from labeldesk.ui.site_manager import OpenedSite, SignInRequest, SiteManager
from labeldesk.ui.status_texts import describe_when, locked_reason, stale_hint, unreadable_note
from labeldesk.ui.top_bar import TopBar
from labeldesk.ui.widgets import OfflineBanner, StatusMessage, WorkingBar, banner

if TYPE_CHECKING:
    from labeldesk.api.client import WixLabelsClient
    from labeldesk.ui.dialogs import LabelNameDialog
    from labeldesk.ui.settings import WindowSettings
    from labeldesk.ui.signin import SignInDialog

# Moved out, still importable from here: the table and the status message, and the words.
__all__ = ["LabelsTable", "MainWindow", "StatusMessage", "describe_when", "locked_reason", "stale_hint"]
__all__ += ["ask_quit_while_saving", "unreadable_note"]

log = logging.getLogger(__name__)


def ask_quit_while_saving(parent: QWidget, changes: list[str]) -> bool:
    """Ask whether to quit while ``changes`` ("Deleting ‘VIP’…") are still on their way to Wix.

    True for "Quit anyway"; False for "Wait" (the default, and what Esc or closing the box means).
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("LabelDesk")
    box.setTextFormat(Qt.TextFormat.PlainText)  # label names are plain text
    text, informative = texts.still_saving(changes)
    box.setText(text)
    box.setInformativeText(informative)
    wait = box.addButton("Wait", QMessageBox.ButtonRole.RejectRole)
    quit_anyway = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(wait)
    box.setEscapeButton(wait)
    box.exec()
    return box.clickedButton() is quit_anyway


class MainWindow(QMainWindow):
    """The window for one site at a time; ``attach`` gives it a site's controller.

    ``controller_factory`` makes the controller of a site the ``manager`` opens (see SiteSession).

    Signals:

    - ``message_shown(str, str)``: (text, kind) whenever the status bar says something
    - ``first_load_finished(bool, str)``: the first load of an attached site succeeded or failed (message)
    - ``demo_requested()``: the person asked for the demo site
    """

    message_shown = Signal(str, str)
    first_load_finished = Signal(bool, str)
    demo_requested = Signal()

    def __init__(
        self,
        settings: QSettings | WindowSettings,
        *,
        manager: SiteManager | None = None,
        controller_factory: ControllerFactory = LabelsController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.manager = manager
        self.setWindowTitle("LabelDesk")
        self.setWindowIcon(icons.app_icon())
        self.model = LabelTableModel(self)
        self.commands = WindowActions(
            self,
            {
                ActionId.NEW: self.new_label,
                ActionId.RENAME: self.rename_selected,
                ActionId.DELETE: self.delete_selected,
                ActionId.REFRESH: self.refresh,
                ActionId.COPY: self.copy_keys,
                ActionId.FIND: self.focus_search,
                ActionId.QUIT: self.close,
            },
        )
        self.new_action, self.rename_action, self.delete_action, self.refresh_action, self.copy_action = (
            self.commands[name]
            for name in (ActionId.NEW, ActionId.RENAME, ActionId.DELETE, ActionId.REFRESH, ActionId.COPY)
        )
        self.find_action, self.quit_action = self.commands[ActionId.FIND], self.commands[ActionId.QUIT]
        self._build_top_bar()
        self._build_table()
        self._build_status_bar()
        window_geometry.restore(self, self.table.horizontalHeader(), settings)
        self.session = SiteSession(self.model, self.table, controller_factory=controller_factory, parent=self)
        self._connect_session(self.session)
        if manager is not None:
            manager.sites_changed.connect(self._rebuild_site_menu)
            manager.site_opening.connect(self._on_site_opening)
            manager.site_opened.connect(self.open_site)
            manager.sign_in_needed.connect(self.ask_sign_in)
            manager.signed_out.connect(self._on_signed_out)
            self.session.key_lookups_held.connect(manager.hold_key_lookups)
        self._rebuild_site_menu()
        self._update_actions()
        self._update_count()
        self._focus_table()  # not the first widget in the tab order (the site menu, the type filter)

    @property
    def controller(self) -> LabelsController | None:
        """The controller of the site shown (see SiteSession), or None."""
        return self.session.controller

    # -- building -------------------------------------------------------------------------------------

    def _build_top_bar(self) -> None:
        actions = (self.new_action, self.rename_action, self.delete_action, None, self.refresh_action, self.copy_action)
        top = TopBar(actions, self)
        top.type_filter.currentIndexChanged.connect(lambda: self.model.set_type_filter(top.type_filter.currentData()))
        top.search.textChanged.connect(self.model.set_search)
        top.search.installEventFilter(self)
        top.site_chosen.connect(self._switch_to)
        top.add_site_requested.connect(lambda: self.ask_sign_in(SignInRequest(None)))
        top.sign_out_requested.connect(self.sign_out)
        top.demo_requested.connect(self.demo_requested)
        self.setMenuWidget(top)
        self.top_bar, self.toolbar, self.type_filter, self.search = top, top.toolbar, top.type_filter, top.search
        self.site_button, self.site_menu = top.site_button, top.site_menu

    def _build_table(self) -> None:
        self.table = table = LabelsTable(self, self.model)
        table.customContextMenuRequested.connect(self._show_context_menu)
        table.doubleClicked.connect(self._on_table_double_clicked)
        table.selectionModel().selectionChanged.connect(self._update_actions)
        for signal in (
            self.model.rowsInserted,
            self.model.rowsRemoved,
            self.model.modelReset,
            self.model.layoutChanged,
            self.model.total_changed,
        ):
            signal.connect(self._update_count)
        self.model.dataChanged.connect(self._update_actions)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        # Notes across the window's top, each hidden until it applies: blue for information, amber
        # for what the person should know about how their work is kept.
        self.demo_banner = banner("demoBanner", texts.DEMO_BANNER, central, info=True)
        self.session_banner = banner("sessionBanner", texts.SESSION_ONLY_BANNER, central)
        #: Names the address the window talks to when it isn't Wix (a test server, the emulator).
        self.address_banner = banner("addressBanner", "", central)
        #: Says, once and until LabelDesk closes, that nothing can be saved on this computer.
        self.storage_banner = banner("storageBanner", "", central)
        self.offline_banner = OfflineBanner(central)
        self.offline_text, self.try_again_button = self.offline_banner.text, self.offline_banner.try_again_button
        self.try_again_button.clicked.connect(self._try_again)
        for widget in (
            self.offline_banner,
            self.demo_banner,
            self.address_banner,
            self.session_banner,
            self.storage_banner,
            table,
        ):
            layout.addWidget(widget)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(True)
        self.status = StatusMessage(bar)
        bar.addWidget(self.status, 1)
        self.busy = WorkingBar(bar)
        bar.addPermanentWidget(self.busy)
        self.count_label = QLabel(bar)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        bar.addPermanentWidget(self.count_label)

    def _connect_session(self, session: SiteSession) -> None:
        session.message.connect(self._on_session_message)
        session.quiet_message.connect(lambda text: None if self.status.kind == "error" else self.show_message(text))
        session.empty_table_text.connect(self.table.empty_hint.setText)
        session.offline_note.connect(self.offline_banner.show_note)
        session.rows_changed.connect(self._update_count)
        session.state_changed.connect(self._update_actions)
        session.first_load_finished.connect(self.first_load_finished)
        session.key_refused.connect(self._on_key_refused)
        session.storage_problem.connect(self.show_storage_problem)
        session.busy_changed.connect(self.busy.show_busy)
        session.refresh_progress.connect(self.busy.show_progress)
        session.working.connect(self.busy.show_working)
        session.all_changes_saved.connect(self.close)

    # -- sites ----------------------------------------------------------------------------------------

    def attach(
        self, controller: LabelsController, site: Site, *, demo: bool = False, session_only: bool = False
    ) -> None:
        """Show ``site`` through ``controller``; keeps the rows if it is the site already shown."""
        self.session.attach(controller, site, demo=demo)
        self.setWindowTitle(f"{site.title} — LabelDesk")
        self.demo_banner.setVisible(demo)
        self.session_banner.setVisible(session_only)
        # Say plainly which address the window talks to, when it isn't Wix (the demo says so already).
        self.address_banner.setVisible(not demo and not site.is_wix)
        if not demo and not site.is_wix:
            self.address_banner.setText(texts.address_banner(site.where))
        self._rebuild_site_menu()
        self._update_actions()
        self._update_count()
        self.session.start()

    def show_storage_problem(self, text: str) -> None:
        """Say (in a banner that stays) that LabelDesk can't save on this computer; once is enough."""
        if not self.storage_banner.isVisibleTo(self):
            self.storage_banner.setText(text)
            self.storage_banner.show()

    def _open(self, site: Site, client: WixLabelsClient | None, *, session_only: bool = False) -> None:
        cache = None if self.manager is None else self.manager.cache_for(site)
        self.attach(self.session.make_controller(client, cache), site, session_only=session_only)

    def _on_site_opening(self, site: Site) -> None:
        """Show the site's saved copy while its key is being looked up."""
        if not self.session.is_showing(site):
            self._open(site, None)

    def open_site(self, opened: OpenedSite) -> None:
        if not self.session.is_showing(opened.site):
            self._open(opened.site, opened.client, session_only=opened.session_only)
            return
        self.session.use_client(opened.site, opened.client)
        self.session_banner.setVisible(opened.session_only)
        self.setWindowTitle(f"{opened.site.title} — LabelDesk")
        self._rebuild_site_menu()

    def ask_sign_in(self, request: SignInRequest) -> SignInDialog | None:
        """Show the sign-in dialog (window-modal, not blocking); None without a site manager."""
        if self.manager is None:
            return None
        session = self.session
        if request.replace_key:
            self.show_message(request.reason, "error")
        elif session.rows_from_cache and self.model.total:
            self.show_message(texts.showing_saved(session.synced_at, signed_in=False))
            session.report_first_load_from_cache()
        else:
            self.table.empty_hint.setText(texts.SIGN_IN_HINT)
            session.report_first_load(False, request.reason or texts.NO_SITE_SIGNED_IN)
        from labeldesk.ui.signin import SignInDialog  # loaded on first use: start-up doesn't need it

        dialog = SignInDialog(self.manager, request, self)
        dialog.demo_requested.connect(self.demo_requested)
        dialog.finished.connect(self._focus_table)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.sign_in_dialog = dialog
        return dialog

    def _on_key_refused(self, reason: str, details: str | None) -> None:
        if self.manager is None:
            self.show_message(reason, "error", details)
        elif self.session.site is not None:
            self.ask_sign_in(SignInRequest(self.session.site, reason, replace_key=True))

    def _rebuild_site_menu(self) -> None:
        sites = None if self.manager is None else self.manager.directory.sites
        self.top_bar.show_sites(sites, self.session.site, demo=self.session.demo)

    def _switch_to(self, site: Site) -> None:
        shown = self.session.site
        if self.manager is None or (shown is not None and shown.identity == site.identity and not self.session.demo):
            return
        self.show_message(texts.opening(site.title))
        self.manager.open_site(site)

    def sign_out(self) -> None:
        site = self.session.site
        if self.manager is None or site is None or self.session.demo:
            return
        from labeldesk.ui import dialogs

        confirmed = dialogs.confirm_sign_out(self, site, self.manager.keyring_description or YOUR_KEYRING)
        self._focus_table()
        if not confirmed:
            return
        if self.controller is not None:
            self.controller.forget_cache()
        self.manager.sign_out(site, on_failure=self._on_sign_out_failed)

    def _on_sign_out_failed(self, error: Exception) -> None:
        self.show_message(in_context("Couldn't sign out", error), "error", _details(error))

    def _on_signed_out(self, site: Site) -> None:
        shown = self.session.site
        if shown is not None and shown.identity == site.identity and not self.session.demo:
            self.session.close()
            self.address_banner.hide()
            self.setWindowTitle("LabelDesk")
            self.show_message(texts.signed_out(site.title), "done")
            self._rebuild_site_menu()
            self._update_actions()
            self._update_count()
            if self.manager is not None:
                self.manager.start()

    # -- the window -----------------------------------------------------------------------------------

    def save_settings(self) -> None:
        window_geometry.save(self, self.table.horizontalHeader(), self.settings)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.ApplicationPaletteChange) and hasattr(self, "top_bar"):
            # Light to dark (or back): redraw the icons in the new text colour.
            self.commands.redraw_icons()
            self.top_bar.redraw_icons()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Close, unless changes are still on their way to Wix and the person chooses to wait for them.

        "Wait" keeps the window open and closes it by itself once every change has landed; if one
        fails meanwhile, the window stays open with the failure shown. "Quit anyway" quits, and the
        log says which changes Wix had not confirmed.
        """
        changes = list(self.controller.changes_in_flight) if self.controller is not None else []
        if changes:
            if not ask_quit_while_saving(self, changes):
                event.ignore()
                self._focus_table()
                self.session.wait_for_changes_then_close()
                self.show_message(texts.closing_once_saved(len(changes)))
                return
            log.warning("quit with %d change(s) Wix had not confirmed: %s", len(changes), "; ".join(changes))
        self.session.close_when_saved = False
        self.save_settings()
        super().closeEvent(event)

    def bring_to_front(self) -> None:
        """Another start of LabelDesk handed over to this window: show it to the person, unminimized."""
        if self.isMinimized():
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()
        QApplication.alert(self)  # where the desktop won't move focus, it flags the window

    def show_message(self, text: str, kind: str = "info", details: str | None = None) -> None:
        """Say ``text`` in the status bar; ``details`` (for support) go behind a "Copy details" button."""
        self.status.show_message(text, kind, details)
        self.message_shown.emit(text, kind)

    def _on_session_message(self, text: str, kind: str, details: str | None) -> None:
        if details is None:
            self.show_message(text, kind)
        else:
            self.show_message(text, kind, details)

    # -- selection ------------------------------------------------------------------------------------

    def selected_labels(self) -> list[Label]:
        """The selected labels, in table order.

        Read from the selection's ranges, not selectedRows(): that asks the model (in Python) about
        every selected cell, which Ctrl+A over 100,000 labels makes slow. The table selects whole rows.
        """
        last = self.model.columnCount() - 1
        rows: set[int] = set()
        selection = self.table.selectionModel().selection()
        for span in map(selection.at, range(selection.count())):
            if span.left() == 0 and span.right() == last:
                rows.update(range(span.top(), span.bottom() + 1))
        return self.model.labels_at(sorted(rows))

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

    def _update_actions(self, *_: object) -> None:
        session = self.session
        blocked, refresh_blocked = session.blocked_reason(), session.blocked_reason(write=False)
        self.commands.show_states(action_states(self.selected_labels(), session.pending_keys, blocked, refresh_blocked))

    def why(self, action) -> str:
        """An action's tooltip as words for the status bar (what ``toolTip()`` may hold escaped)."""
        return self.commands.why(action)

    def _update_count(self, *_: object) -> None:
        shown, total = self.model.rowCount(), self.model.total
        self.count_label.setText(texts.label_count(shown, total))
        hint = texts.empty_table_hint(
            site_open=self.controller is not None, loaded_once=self.session.loaded_once, shown=shown, total=total
        )
        if hint is not None:
            self.table.empty_hint.setText(hint)
        self.table.empty_hint.setVisible(shown == 0)
        self._update_actions()

    # -- commands -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.session.blocked_reason(write=False) is None and self.controller is not None:
            self.controller.refresh()

    def _try_again(self) -> None:
        if self.controller is not None:
            self.show_message(texts.TRYING_TO_REACH_WIX)
            self.controller.retry_now()

    def _focus_table(self, *_: object) -> None:
        """Give the keys to the table: at start and whenever a dialog closes, so that the arrow keys
        move through the labels (never change the type filter behind the person's back)."""
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.search and event.type() == event.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.model.rowCount():
                self.table.setFocus()
                if not self.table.selectionModel().hasSelection():
                    self.table.selectRow(0)
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event) -> None:
        """A shortcut of a disabled action (F2 or Del on a locked label) says why, as double-click does.

        Qt drops the shortcut of a disabled action, and the key press comes up to the window instead
        (the search box keeps its own Del).
        """
        pressed = QKeySequence(event.keyCombination())
        for action in (self.rename_action, self.delete_action):
            if not action.isEnabled() and any(
                pressed.matches(shortcut) == QKeySequence.SequenceMatch.ExactMatch for shortcut in action.shortcuts()
            ):
                self.show_message(self.why(action), "info")
                event.accept()
                return
        super().keyPressEvent(event)

    def _name_dialog(self, label: Label | None = None) -> LabelNameDialog:
        from labeldesk.ui.dialogs import LabelNameDialog

        assert self.controller is not None  # (offered only with a site open: see blocked_reason)
        dialog = LabelNameDialog(
            self.controller,
            lambda name, ignore_key: self.model.near_duplicate(name, ignore_key=ignore_key),
            label=label,
            parent=self,
            labels_known=self.session.labels_known,
        )
        dialog.finished.connect(self._focus_table)
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
                self.show_message(self.why(self.rename_action), "info")
            return None
        label = selected[0]
        dialog = self._name_dialog(label)
        dialog.saved.connect(lambda renamed: self._on_renamed_in_dialog(label, renamed))
        dialog.open()
        return dialog

    def delete_selected(self) -> None:
        selected = self.selected_labels()
        if not selected or not self.delete_action.isEnabled():
            return
        from labeldesk.ui import dialogs

        asked_of = self.controller
        confirmed = dialogs.confirm_delete(self, selected, self.model.contact_count)
        self._focus_table()
        if confirmed:
            self.session.delete(selected, asked_of=asked_of)

    def copy_keys(self) -> None:
        # One key a line: every key shown is a valid one (domain.valid_key; checked as it comes from Wix
        # and as the saved copy is read), so none can break a line.
        keys = [label.key for label in self.selected_labels()]
        if keys:
            QGuiApplication.clipboard().setText("\n".join(keys))
            self.show_message(texts.copied_keys(keys), "done")

    def _show_context_menu(self, pos) -> None:
        menu = QMenu(self)
        for action in (self.new_action, None, self.rename_action, self.delete_action, None, self.copy_action):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.refresh_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        label = self.model.label_at(index.row())
        if label.editable:
            self.rename_selected()
        else:
            self.show_message(locked_reason(label), "info")

    def _on_created_in_dialog(self, result: FindOrCreateResult) -> None:
        self.select_key(result.label.key)
        self.show_message(*texts.created(result))

    def _on_renamed_in_dialog(self, before: Label, after: Label) -> None:
        self.select_key(after.key)
        self.show_message(texts.renamed(before, after), "done")


def _details(error: Exception) -> str | None:
    return error.details if isinstance(error, KnownError | UnexpectedError) else None
