"""The main window: the labels table with search, a type filter, actions, and an honest status bar.

What it is made of lives beside it: the actions and when they are enabled (actions.py), every
sentence it says (status_texts.py), the site shown and its controller (session.py), the top bar,
the table and the small widgets (top_bar.py, labels_table.py, widgets.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from labeldesk.credentials import YOUR_KEYRING
from labeldesk.domain import Label
from labeldesk.sites import Site
from labeldesk.ui import icons, window_geometry
from labeldesk.ui import status_texts as texts
from labeldesk.ui.actions import ActionId, WindowActions, action_states
from labeldesk.ui.contact_features import ContactFeatures
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.label_commands import LabelCommands
from labeldesk.ui.labels_table import LabelsTable
from labeldesk.ui.models import LabelTableModel
from labeldesk.ui.quit_question import ask_quit_while_saving
from labeldesk.ui.session import ControllerFactory, SiteSession
from labeldesk.ui.site_manager import SignInRequest, SiteManager
from labeldesk.ui.top_bar import TopBar
from labeldesk.ui.widgets import OfflineBanner, StatusMessage, WorkingBar, banner

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from labeldesk.ui.dialogs import LabelNameDialog
    from labeldesk.ui.settings import WindowSettings
    from labeldesk.ui.signin import SignInDialog

__all__ = ["MainWindow", "ask_quit_while_saving"]  # (the quit question is replaced here in tests)

log = logging.getLogger(__name__)


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
        self.window_actions = WindowActions(
            self,
            {
                ActionId.NEW: self.new_label,
                ActionId.RENAME: self.rename_selected,
                ActionId.DELETE: self.delete_selected,
                ActionId.REFRESH: self.refresh,
                ActionId.COPY: self.copy_keys,
                ActionId.FIND: self.focus_search,
                ActionId.QUIT: self.close,
                ActionId.MERGE: lambda: self.features.merge_selected(),  # noqa: PLW0108 (made later)
                ActionId.CONTACTS: lambda: None,  # (the panel follows its checked state: see ContactFeatures)
                ActionId.DELETED: lambda: self.features.show_deleted(),  # noqa: PLW0108
            },
        )
        self.new_action, self.rename_action, self.delete_action, self.refresh_action, self.copy_action = (
            self.window_actions[name]
            for name in (ActionId.NEW, ActionId.RENAME, ActionId.DELETE, ActionId.REFRESH, ActionId.COPY)
        )
        self.find_action, self.quit_action = self.window_actions[ActionId.FIND], self.window_actions[ActionId.QUIT]
        self._build_top_bar()
        self._build_table()
        self._build_status_bar()
        self.session = SiteSession(
            self.model, self.table, manager=manager, controller_factory=controller_factory, parent=self
        )
        self._connect_session(self.session)
        self.commands = LabelCommands(
            self,
            table=self.table,
            model=self.model,
            session=self.session,
            actions=self.window_actions,
            search=self.search,
            type_filter=self.type_filter,
        )
        self.commands.message.connect(self.show_message)
        self.features = ContactFeatures(self)  # the Contacts panel, Merge labels…, Recently deleted
        self.features.message.connect(self.show_message)
        window_geometry.restore(self, self.table.horizontalHeader(), settings)
        self.features.restore(settings)
        if manager is not None:
            manager.sites_changed.connect(self._rebuild_site_menu)
            manager.sign_in_needed.connect(self.ask_sign_in)
        self._rebuild_site_menu()
        self._update_count()  # (which updates the actions too)
        self._focus_table()  # not the first widget in the tab order (the site menu, the type filter)

    @property
    def controller(self) -> LabelsController | None:
        """The controller of the site shown (see SiteSession), or None."""
        return self.session.controller

    # -- building -------------------------------------------------------------------------------------

    def _build_top_bar(self) -> None:
        actions: tuple[QAction | None, ...] = (self.new_action, self.rename_action, self.delete_action)
        actions += (self.window_actions[ActionId.MERGE], None, self.refresh_action, self.copy_action)
        top = TopBar(actions, self)
        top.type_filter.currentIndexChanged.connect(lambda: self.model.set_type_filter(top.type_filter.currentData()))
        top.search.textChanged.connect(self.model.set_search)
        top.add_site_requested.connect(lambda: self.ask_sign_in(SignInRequest(None)))
        top.sign_out_requested.connect(self.sign_out)
        top.demo_requested.connect(self.demo_requested)
        self.setMenuWidget(top)
        self.top_bar, self.toolbar, self.type_filter, self.search = top, top.toolbar, top.type_filter, top.search
        self.site_button, self.site_menu = top.site_button, top.site_menu

    def _build_table(self) -> None:
        offers = (("Sign in…", self.top_bar.add_site_requested.emit), ("Try the demo", self.demo_requested.emit))
        self.table = table = LabelsTable(self, self.model, offers=offers)  # (under the hint while no site is open)
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
        self.top_bar.site_chosen.connect(session.switch_to)
        session.message.connect(self.show_message)
        session.quiet_message.connect(lambda text: None if self.status.kind == "error" else self.show_message(text))
        session.empty_table_text.connect(lambda text: self.table.set_empty_text(text, offers=self.controller is None))
        session.offline_note.connect(self.offline_banner.show_note)
        session.rows_changed.connect(self._update_count)
        session.state_changed.connect(self._update_actions)
        session.first_load_finished.connect(self.first_load_finished)
        session.site_attached.connect(self._on_site_attached)
        session.key_known.connect(self._on_key_known)
        session.signed_out.connect(self._on_signed_out)
        session.sign_in_needed.connect(self.ask_sign_in)
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
        self.session.attach(controller, site, demo=demo, session_only=session_only)

    def _on_site_attached(self, site: Site, demo: bool, session_only: bool) -> None:
        self.setWindowTitle(f"{site.title} — LabelDesk")
        self.demo_banner.setVisible(demo)
        self.session_banner.setVisible(session_only)
        # Say plainly which address the window talks to, when it isn't Wix (the demo says so already).
        self.address_banner.setVisible(not demo and not site.is_wix)
        self.address_banner.setText(texts.address_banner(site.where) if site.where else "")
        self._rebuild_site_menu()
        self._update_count()  # (which updates the actions too)

    def _on_key_known(self, site: Site, session_only: bool) -> None:
        self.session_banner.setVisible(session_only)
        self.setWindowTitle(f"{site.title} — LabelDesk")
        self._rebuild_site_menu()

    def show_storage_problem(self, text: str) -> None:
        """Say (in a banner that stays) that LabelDesk can't save on this computer; once is enough."""
        if not self.storage_banner.isVisibleTo(self):
            self.storage_banner.setText(text)
            self.storage_banner.show()

    def ask_sign_in(self, request: SignInRequest) -> SignInDialog | None:
        """Show the sign-in dialog (window-modal, not blocking); None without a site manager."""
        if self.manager is None:
            return None
        self.session.asking_to_sign_in(request)
        from labeldesk.ui.signin import SignInDialog  # loaded on first use: start-up doesn't need it

        dialog = SignInDialog(self.manager, request, self)
        dialog.demo_requested.connect(self.demo_requested)
        dialog.finished.connect(self._focus_table)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.sign_in_dialog = dialog
        return dialog

    def _rebuild_site_menu(self) -> None:
        sites = None if self.manager is None else self.manager.directory.sites
        self.top_bar.show_sites(sites, self.session.site, demo=self.session.demo)

    def sign_out(self) -> None:
        site = self.session.site
        if self.manager is None or site is None or self.session.demo:
            return
        from labeldesk.ui import dialogs

        confirmed = dialogs.confirm_sign_out(self, site, self.manager.keyring_description or YOUR_KEYRING)
        self._focus_table()
        if confirmed:
            self.session.sign_out()

    def _on_signed_out(self, site: Site) -> None:
        self.address_banner.hide()
        self.setWindowTitle("LabelDesk")
        self.show_message(texts.signed_out(site.title), "done")
        self._rebuild_site_menu()
        self._update_count()  # (which updates the actions too)

    # -- the window -----------------------------------------------------------------------------------

    def save_settings(self) -> None:
        self.features.save(self.settings)
        window_geometry.save(self, self.table.horizontalHeader(), self.settings)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.ApplicationPaletteChange) and hasattr(self, "top_bar"):
            # Light to dark (or back): redraw the icons in the new text colour.
            self.window_actions.redraw_icons()
            self.top_bar.redraw_icons()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Close, unless changes are on their way to Wix (or a merge or restore is under way: see
        ContactFeatures.may_quit) and the person chooses to wait. "Wait" closes the window by itself once
        every change has landed (a failure meanwhile keeps it open, shown); "Quit anyway" quits, and the
        log says which changes Wix had not confirmed."""
        changes = list(self.controller.changes_in_flight) if self.controller is not None else []
        if changes:
            if not ask_quit_while_saving(self, changes):
                event.ignore()
                self._focus_table()
                self.session.wait_for_changes_then_close()
                self.show_message(texts.closing_once_saved(len(changes)))
                return
            log.warning("quit with %d change(s) Wix had not confirmed: %s", len(changes), "; ".join(changes))
        if not self.features.may_quit(self):  # (a merge or restore under way, and the person keeps the window)
            event.ignore()
            self._focus_table()
            return
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

    # -- the labels (see LabelCommands) ---------------------------------------------------------------

    def selected_labels(self) -> list[Label]:
        """The selected labels, in table order."""
        return self.commands.selected_labels()

    def select_key(self, key: str) -> bool:
        """Select and show the row of ``key``, clearing search and filter if they hide it."""
        return self.commands.select_key(key)

    def new_label(self) -> LabelNameDialog | None:
        return self.commands.new_label()

    def rename_selected(self) -> LabelNameDialog | None:
        return self.commands.rename_selected()

    def delete_selected(self) -> None:
        self.commands.delete_selected()

    def copy_keys(self) -> None:
        self.commands.copy_keys()

    def focus_search(self) -> None:
        self.commands.focus_search()

    def _focus_table(self, *_: object) -> None:
        self.commands.focus_table()

    def keyPressEvent(self, event) -> None:
        if self.commands.say_why_disabled(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def _update_actions(self, *_: object) -> None:
        session = self.session
        blocked, refresh_blocked = session.blocked_reason(), session.blocked_reason(write=False)
        kept = self.controller is not None and self.controller.cache is not None  # (where Recently deleted lives)
        states = action_states(
            self.selected_labels(), session.pending_keys, blocked, refresh_blocked, keeps_deleted=kept
        )
        self.window_actions.show_states(states)

    def why(self, action) -> str:
        """An action's tooltip as words for the status bar (what ``toolTip()`` may hold escaped)."""
        return self.window_actions.why(action)

    def _update_count(self, *_: object) -> None:
        shown, total = self.model.rowCount(), self.model.total
        self.count_label.setText(texts.label_count(shown, total))
        hint = texts.empty_table_hint(
            site_open=self.controller is not None, loaded_once=self.session.loaded_once, shown=shown, total=total
        )
        if hint is not None:
            self.table.set_empty_text(hint, offers=self.controller is None)
        self.table.show_empty_hint(shown == 0)
        self._update_actions()

    def refresh(self) -> None:
        if self.session.blocked_reason(write=False) is None and self.controller is not None:
            self.controller.refresh()

    def _try_again(self) -> None:
        if self.controller is not None:
            self.show_message(texts.TRYING_TO_REACH_WIX)
            self.controller.retry_now()
