"""The main window: the labels table with search, a type filter, actions, and an honest status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QByteArray,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QRect,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.api.errors import (
    IncompleteReadError,
    LabelNotFoundError,
    PermissionDeniedError,
    WixError,
    in_context,
)
from labeldesk.api.errors import TimeoutError as SlowAnswerError
from labeldesk.credentials import YOUR_KEYRING
from labeldesk.domain import FindOrCreateResult, Label, quoted, shown_name
from labeldesk.errors import KnownError, UnexpectedError
from labeldesk.giveway import gui_busy
from labeldesk.sites import Site
from labeldesk.ui import icons
from labeldesk.ui.controller import LabelsController, SavedCopy
from labeldesk.ui.models import Column, LabelTableModel, TypeFilter, never_fatal
from labeldesk.ui.site_manager import OpenedSite, SignInRequest, SiteManager
from labeldesk.ui.text import literal, plain_tooltip
from labeldesk.ui.widgets import SearchBox, date_column_width, plain_label

if TYPE_CHECKING:
    from labeldesk.ui.dialogs import LabelNameDialog
    from labeldesk.ui.settings import WindowSettings
    from labeldesk.ui.signin import SignInDialog

log = logging.getLogger(__name__)

#: The key lookup waits for the saved copy to be painted first (see _after_saved_copy), at most this long.
KEY_LOOKUP_WAIT_MS = 500
#: The first window's size in logical pixels, when the screen has room for it (no saved geometry)...
FIRST_SIZE = (1100, 680)
#: ...and at most this share of the screen's available width and height when it hasn't.
FIRST_SHARE = 0.9


def describe_when(moment: datetime | None, now: datetime | None = None) -> str:
    """'today 10:42', 'yesterday 18:05', 'Tuesday 10:42' within a week, else '3 Mar 2026 10:42'."""
    if moment is None:
        return "at an unknown time"
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).date()
    days = (today - local.date()).days
    clock = f"{local:%H:%M}"
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"yesterday {clock}"
    if 1 < days < 7:
        return f"{local:%A} {clock}"
    return f"{local.day} {local:%b %Y} {clock}"


def ask_quit_while_saving(parent: QWidget, changes: list[str]) -> bool:
    """Ask whether to quit while ``changes`` ("Deleting ‘VIP’…") are still on their way to Wix.

    True for "Quit anyway"; False for "Wait" (the default, and what Esc or closing the box means).
    """
    count = len(changes)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("LabelDesk")
    box.setTextFormat(Qt.TextFormat.PlainText)  # label names are plain text
    head = "1 change is still being saved:" if count == 1 else f"{count} changes are still being saved:"
    box.setText("\n".join([head, *changes]))
    them, they = ("it", "it") if count == 1 else ("them", "they")
    box.setInformativeText(
        f"Wait, and LabelDesk closes by itself once Wix has {them}. If you quit now, {they} may not be saved."
    )
    wait = box.addButton("Wait", QMessageBox.ButtonRole.RejectRole)
    quit_anyway = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(wait)
    box.setEscapeButton(wait)
    box.exec()
    return box.clickedButton() is quit_anyway


def locked_reason(label: Label) -> str:
    """Why ``label`` can't be renamed or deleted, naming it: the one wording for F2, Del and double-click."""
    return f"{quoted(label.display_name)}: {label.not_editable_reason or ''}"


def _details(error: Exception) -> str | None:
    return error.details if isinstance(error, KnownError | UnexpectedError) else None


def stale_hint(synced_at: datetime | None, now: datetime | None = None) -> str:
    """A warning (with a leading space) when the saved copy is more than a day old; else ''."""
    if synced_at is None:
        return ""
    age = (now or datetime.now().astimezone()) - synced_at
    if age.total_seconds() <= 86_400:
        return ""
    days = int(age.total_seconds() // 86_400)
    return f" They may be out of date: the last sync was {days} day{'s' if days != 1 else ''} ago."


def unreadable_note(count: int) -> str | None:
    """What to say when a refresh left out ``count`` labels that Wix sent but LabelDesk couldn't read."""
    if count <= 0:
        return None
    if count == 1:
        return "1 label from Wix couldn't be read, so it isn't shown."
    return f"{count:,} labels from Wix couldn't be read, so they aren't shown."


class StatusMessage(QWidget):
    """The status bar's message: an icon and plain text, kept until the next message.

    A failure can come with details for support (the kind of error, the HTTP status, Wix's request
    ID): they are never in the text, and a "Copy details" button puts them on the clipboard.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QLabel(self)
        self.icon.setFixedSize(16, 16)
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.copy_details = QToolButton(self)
        self.copy_details.setText("Copy details")
        self.copy_details.setAutoRaise(False)  # a button that looks like one, not more status text
        self.copy_details.setToolTip("Copy what went wrong, with the details support needs")
        self.copy_details.clicked.connect(self._copy_details)
        self.copy_details.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.copy_details)
        self.kind = "info"
        self.details: str | None = None

    def _copy_details(self) -> None:
        if self.details:
            QGuiApplication.clipboard().setText(self.details)
            self.copy_details.setText("Details copied")

    def show_message(self, text: str, kind: str = "info", details: str | None = None) -> None:
        self.kind = kind
        self.details = details
        self.copy_details.setText("Copy details")
        self.copy_details.setVisible(bool(details))
        # Wix's words can be in it (why a name was refused): hidden characters shown, and short enough
        # to lay out at once.
        shown = shown_name(text)
        self.text.setText(shown)
        self.text.setToolTip(plain_tooltip(shown))
        name = {"error": "error", "done": "done"}.get(kind)
        colour = "#c62828" if kind == "error" else None
        self.icon.setPixmap(icons.icon(name, colour).pixmap(16, 16) if name else QPixmap())
        self.text.setStyleSheet(f"color: {colour};" if colour else "")


class LabelsTable(QTableView):
    """The table, with a centred hint when there is nothing to show.

    Signals: ``first_rows_painted()``, once, right after the first paint that showed rows (start-up
    measurements use it).
    """

    first_rows_painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_hint = plain_label(parent=self.viewport())
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setStyleSheet("color: palette(placeholder-text); font-size: 13pt; padding: 24px;")
        self.empty_hint.hide()

        self._rows_painted = False
        self._after_paint: list = []

    def after_next_paint(self, callback) -> None:
        """Call ``callback`` once the table has next been painted."""
        self._after_paint.append(callback)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.empty_hint.setGeometry(self.viewport().rect())

    @never_fatal()
    def paintEvent(self, event) -> None:
        with gui_busy():  # a paint calls into Python for every cell: workers wait their turn
            super().paintEvent(event)
        if not self._rows_painted and self.model() is not None and self.model().rowCount():
            self._rows_painted = True
            self.first_rows_painted.emit()
        if self._after_paint:
            callbacks, self._after_paint = self._after_paint, []
            for callback in callbacks:
                callback()


def _banner(name: str, text: str, parent: QWidget, *, info: bool = False) -> QLabel:
    """A note across the top of the window (plain text), hidden until it applies."""
    banner = plain_label(text, parent)
    banner.setObjectName(name)
    colours = "background: #e8f0fe; color: #1a3d7c;" if info else "background: #fff4e5; color: #663c00;"
    banner.setStyleSheet(f"{colours} padding: 6px 10px;")
    banner.hide()
    return banner


def _again(error: WixError) -> str:
    """The advice after a failed load: press F5, unless only a change elsewhere and a new start can help."""
    return "Press F5 to load them again." if error.asking_again_helps else ""


class MainWindow(QMainWindow):
    """The window for one site at a time; ``attach`` gives it a site's controller.

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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.manager = manager
        self.controller: LabelsController | None = None
        self.site: Site | None = None
        self.demo = False
        self.paused = False
        self.loaded_once = False
        self._first_load_pending = True
        self.last_refreshed: datetime | None = None
        self.synced_at: datetime | None = None
        self.rows_from_cache = False
        self.counts_problem: str | None = None
        #: Said after a refresh that left out labels Wix sent but LabelDesk couldn't read; else None.
        self.unreadable_note: str | None = None
        self._network_trouble = False
        self._cache_settled = False
        self._after_cache: list = []
        #: The person chose to wait for changes in flight before the window closes.
        self._close_when_saved = False
        self.setWindowTitle("LabelDesk")
        self.setWindowIcon(icons.app_icon())

        self._icon_names: dict[QAction, str] = {}
        #: Each action's tooltip as plain words (see _set_tip).
        self._tips: dict[QAction, str] = {}
        self.model = LabelTableModel(self)

        self._build_actions()
        self._build_toolbar()
        self._build_table()
        self._build_status_bar()
        self._restore_settings()
        if manager is not None:
            manager.sites_changed.connect(self._rebuild_site_menu)
            manager.site_opening.connect(self._on_site_opening)
            manager.site_opened.connect(self.open_site)
            manager.sign_in_needed.connect(self.ask_sign_in)
            manager.signed_out.connect(self._on_signed_out)
            manager.defer_key_lookup = self._after_saved_copy
        self._rebuild_site_menu()
        self._update_actions()
        self._update_count()
        self._focus_table()  # not the first widget in the tab order (the site menu, the type filter)

    # -- sites ----------------------------------------------------------------------------------------

    def attach(
        self, controller: LabelsController, site: Site, *, demo: bool = False, session_only: bool = False
    ) -> None:
        """Show ``site`` through ``controller``; keeps the rows if it is the site already shown."""
        same_site = self.site is not None and self.site.identity == site.identity and self.demo == demo
        self._retire_controller()
        self._cache_settled = False
        self._after_cache = []  # lookups waiting for another site's copy no longer apply
        self.controller = controller
        controller.setParent(self)
        self.site = site
        self.demo = demo
        self.paused = False
        if not same_site:
            self.model.clear()
            self.loaded_once = False
            self.last_refreshed = None
            self.synced_at = None
            self.rows_from_cache = False
            self._network_trouble = False
            self._first_load_pending = True
        self.setWindowTitle(f"{site.title} — LabelDesk")
        self.demo_banner.setVisible(demo)
        self.session_banner.setVisible(session_only)
        self._show_address(site, demo)
        self._show_offline(controller.offline)
        self._connect_controller(controller)
        self._rebuild_site_menu()
        self._update_actions()
        self._update_count()
        controller.start()

    def _show_address(self, site: Site, demo: bool) -> None:
        """Say plainly which address the window talks to, when it isn't Wix (the demo says so already)."""
        self.address_banner.setVisible(not demo and not site.is_wix)
        if not demo and not site.is_wix:
            self.address_banner.setText(
                f"{site.where}. The labels shown are that server's; your Wix keys are never sent there, and "
                "LabelDesk doesn't open this address again by itself."
            )

    def _cache_for(self, site: Site):
        return None if self.manager is None else self.manager.cache_for(site)

    def show_storage_problem(self, text: str) -> None:
        """Say (in a banner that stays) that LabelDesk can't save on this computer; once is enough."""
        if not self.storage_banner.isVisibleTo(self):
            self.storage_banner.setText(text)
            self.storage_banner.show()

    def _is_current(self, site: Site) -> bool:
        return (
            self.controller is not None
            and self.site is not None
            and self.site.identity == site.identity
            and not (self.demo)
        )

    def _after_saved_copy(self, lookup) -> None:
        """Run ``lookup`` once the current site's saved copy is on screen (or known to be absent)."""
        if self.controller is None or self._cache_settled:
            lookup()
        else:
            self._after_cache.append(lookup)
            # ...but never for long: a saved copy that is slow to read (a locked file) mustn't hold up the key.
            QTimer.singleShot(KEY_LOOKUP_WAIT_MS, self, self._lookups_after_cache(self.controller))

    def _lookups_after_cache(self, controller):
        def run() -> None:
            if self.controller is not controller:
                return  # another site was attached meanwhile; its own lookups wait for its own copy
            todo, self._after_cache = self._after_cache, []
            for lookup in todo:
                lookup()

        return run

    def _on_cache_settled(self) -> None:
        self._cache_settled = True
        if not self._after_cache:
            return

        run = self._lookups_after_cache(self.controller)

        if self.model.total and self.table.isVisible():
            # Saved rows were just put in the table: let them be painted first. Looking up the key
            # imports keyring and talks to D-Bus on a worker, which would compete with that paint.
            self.table.after_next_paint(run)
            QTimer.singleShot(1000, self, run)  # and don't depend on a paint that may not come
        else:
            run()

    def _on_site_opening(self, site: Site) -> None:
        """Show the site's saved copy while its key is being looked up."""
        if not self._is_current(site):
            self.attach(LabelsController(None, self._cache_for(site)), site)

    def open_site(self, opened: OpenedSite) -> None:
        if self.controller is not None and self._is_current(opened.site):
            # The key became known (or was replaced): same table, same cache, a new client.
            self.site = opened.site
            self.paused = False
            self.session_banner.setVisible(opened.session_only)
            self.setWindowTitle(f"{opened.site.title} — LabelDesk")
            self._rebuild_site_menu()
            self.controller.set_client(opened.client)
            self._update_actions()
        else:
            controller = LabelsController(opened.client, self._cache_for(opened.site))
            self.attach(controller, opened.site, session_only=opened.session_only)

    def _retire_controller(self) -> None:
        old, self.controller = self.controller, None
        if old is not None:
            old.retire()
        self._show_busy(False)

    def ask_sign_in(self, request: SignInRequest) -> SignInDialog | None:
        """Show the sign-in dialog (window-modal, not blocking); None without a site manager."""
        if self.manager is None:
            return None
        if request.replace_key:
            self.show_message(request.reason, "error")
        elif self.rows_from_cache and self.model.total:
            # Not "checking Wix for changes": without a key nothing is being checked.
            self.show_message(
                f"Showing labels saved {describe_when(self.synced_at)}; sign in to check Wix for changes."
            )
            self._report_first_load_from_cache()
        else:
            self.table.empty_hint.setText("Sign in to a Wix site to see its labels.")
            self._report_first_load(False, request.reason or "no site is signed in yet (sign in, or use --demo)")
        from labeldesk.ui.signin import SignInDialog  # loaded on first use: start-up doesn't need it

        dialog = SignInDialog(self.manager, request, self)
        dialog.demo_requested.connect(self.demo_requested)
        dialog.finished.connect(self._focus_table)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.sign_in_dialog = dialog
        return dialog

    def _rebuild_site_menu(self) -> None:
        menu = self.site_menu
        menu.clear()
        current = self.site.identity if self.site is not None and not self.demo else None
        if self.manager is not None:
            for site in self.manager.directory.sites:
                # A test server's site says so, beside the Wix site with the same ID if there is one.
                title = site.title if site.is_wix else f"{site.title} ({site.where})"
                action = menu.addAction(literal(title))
                action.setCheckable(True)
                action.setChecked(site.identity == current)
                action.triggered.connect(lambda _=False, site=site: self._switch_to(site))
            if self.manager.directory.sites:
                menu.addSeparator()
            menu.addAction(icons.icon("new"), "Add a site…", lambda: self.ask_sign_in(SignInRequest(None)))
            sign_out = menu.addAction("Sign out of this site…", self.sign_out)
            sign_out.setEnabled(current is not None)
            menu.addSeparator()
        demo = menu.addAction("Open the demo site", self.demo_requested.emit)
        demo.setCheckable(True)
        demo.setChecked(self.demo)
        if self.site is None:
            self.site_button.setText("No site")
        else:
            self.site_button.setText(literal(self.site.title))
        self.site_button.setToolTip("Switch site, add a site, or sign out")

    def _switch_to(self, site: Site) -> None:
        if self.manager is None or (self.site is not None and self.site.identity == site.identity and not self.demo):
            return
        self.show_message(f"Opening {site.title}…")
        self.manager.open_site(site)

    def sign_out(self) -> None:
        if self.manager is None or self.site is None or self.demo:
            return
        from labeldesk.ui import dialogs

        confirmed = dialogs.confirm_sign_out(self, self.site, self.manager.keyring_description or YOUR_KEYRING)
        self._focus_table()
        if not confirmed:
            return
        if self.controller is not None:
            self.controller.forget_cache()
        self.manager.sign_out(self.site, on_failure=self._on_sign_out_failed)

    def _on_sign_out_failed(self, error: Exception) -> None:
        self.show_message(in_context("Couldn't sign out", error), "error", _details(error))

    def _on_signed_out(self, site: Site) -> None:
        if self.site is not None and self.site.identity == site.identity and not self.demo:
            self._retire_controller()
            self.site = None
            self.address_banner.hide()
            self.model.clear()
            self.loaded_once = False
            self.rows_from_cache = False
            self._show_offline(False)
            self.setWindowTitle("LabelDesk")
            self.show_message(f"Signed out of {site.title}. Its API key was removed.", "done")
            self._rebuild_site_menu()
            self._update_actions()
            self._update_count()
            if self.manager is not None:
                self.manager.start()

    # -- building -------------------------------------------------------------------------------------

    def _action(self, text: str, icon_name: str | None, shortcut, slot, tip: str) -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icons.icon(icon_name))
            self._icon_names[action] = icon_name
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setData(tip)  # the tooltip to show when enabled
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(
            "New label", "new", QKeySequence.StandardKey.New, self.new_label, "Create a label (Ctrl+N)"
        )
        self.rename_action = self._action("Rename", "rename", Qt.Key.Key_F2, self.rename_selected, "Rename (F2)")
        self.delete_action = self._action(
            "Delete", "delete", QKeySequence.StandardKey.Delete, self.delete_selected, "Delete (Del)"
        )
        self.refresh_action = self._action(
            "Refresh", "refresh", Qt.Key.Key_F5, self.refresh, "Load the labels again from Wix (F5)"
        )
        self.copy_action = self._action(
            "Copy key", "copy", QKeySequence.StandardKey.Copy, self.copy_keys, "Copy the selected labels' keys (Ctrl+C)"
        )
        self.find_action = self._action("Find", None, QKeySequence.StandardKey.Find, self.focus_search, "Search")
        self.quit_action = self._action("Quit", None, QKeySequence.StandardKey.Quit, self.close, "Quit LabelDesk")
        for action in (self.copy_action, self.delete_action):
            # In the search box, Ctrl+C and Del belong to the text.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Actions", self)
        toolbar.setObjectName("actions")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(20, 20))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.site_button = QToolButton(toolbar)
        self.site_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.site_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.site_button.setAccessibleName("Site")
        self.site_button.setMaximumWidth(240)
        self.site_menu = QMenu(self.site_button)
        self.site_button.setMenu(self.site_menu)
        toolbar.addWidget(self.site_button)
        toolbar.addSeparator()
        for action in (self.new_action, self.rename_action, self.delete_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.refresh_action)
        toolbar.addAction(self.copy_action)
        toolbar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

        # The type filter and the search sit beside the toolbar, not in it: when the window is
        # narrow the toolbar's own buttons go into its "»" menu, and the search stays in sight.
        top = QWidget(self)
        top.setObjectName("topBar")
        self.type_filter = QComboBox(top)
        self.type_filter.setAccessibleName("Type filter")
        for choice in TypeFilter:
            self.type_filter.addItem(choice.value, choice)
        self.type_filter.setToolTip("Show only labels of one type")
        self.type_filter.currentIndexChanged.connect(lambda: self.model.set_type_filter(self.type_filter.currentData()))

        self.search = SearchBox(top)
        self.search.setPlaceholderText("Search names and keys (Ctrl+F)")
        self.search.setAccessibleName("Search")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.search.textChanged.connect(self.model.set_search)
        self.search.installEventFilter(self)

        layout = QHBoxLayout(top)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(toolbar)
        layout.addStretch(1)
        layout.addWidget(self.type_filter)
        layout.addWidget(self.search)
        self.setMenuWidget(top)
        self.toolbar = toolbar

    def _build_table(self) -> None:
        table = LabelsTable(self)
        table.setModel(self.model)
        table.setSortingEnabled(True)
        table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        # The header gets a selection of its own, which stays empty. Given the table's, it asks
        # whether each column is wholly selected before painting, by asking the model about every
        # row: with 100,000 labels selected (Ctrl+A) that was 600,000 calls into Python, 2.4 s.
        # It shows no selection anyway (above), and header clicks still sort.
        header.setSelectionModel(QItemSelectionModel(self.model, header))
        when = date_column_width(table.fontMetrics())  # the longest date, "UTC" included, never clipped
        widths = {Column.NAME: 280, Column.KEY: 220, Column.TYPE: 80, Column.CONTACTS: 90, Column.CREATED: when}
        for column, width in widths.items():
            table.setColumnWidth(column, width)
        table.setColumnWidth(Column.UPDATED, when)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
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
        # Lay the rows out at once after a reset (a first load) or a new filter, not at Qt's next
        # timer: otherwise the first paint comes with the old scroll bar, and the table is painted
        # again a moment later (~10 ms each at 50,000 rows).
        self.model.modelReset.connect(table.executeDelayedItemsLayout)
        self.model.layoutChanged.connect(table.executeDelayedItemsLayout)
        # A big table is sorted on a worker: the rows keep their old order for that moment.
        self.model.sorting_changed.connect(self._show_sorting)
        self.table = table

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        # Notes across the window's top, each hidden until it applies: blue for information, amber
        # for what the person should know about how their work is kept.
        self.demo_banner = _banner(
            "demoBanner",
            "Demo site: a built-in copy of Wix's Labels API with a café's labels. "
            "Try anything; changes are forgotten when LabelDesk closes.",
            central,
            info=True,
        )
        self.session_banner = _banner(
            "sessionBanner",
            "This site's API key is kept for this session only: you'll need to enter it again next time.",
            central,
        )
        #: Names the address the window talks to when it isn't Wix (a test server, the emulator).
        self.address_banner = _banner("addressBanner", "", central)
        #: Says, once and until LabelDesk closes, that nothing can be saved on this computer.
        self.storage_banner = _banner("storageBanner", "", central)
        self.offline_banner = QWidget(central)
        self.offline_banner.setObjectName("offlineBanner")
        self.offline_banner.setStyleSheet("#offlineBanner { background: #fdecea; } QLabel { color: #611a15; }")
        self.offline_text = plain_label(parent=self.offline_banner)
        self.try_again_button = QPushButton("Try again", self.offline_banner)
        self.try_again_button.clicked.connect(self._try_again)
        banner_layout = QHBoxLayout(self.offline_banner)
        banner_layout.setContentsMargins(10, 4, 6, 4)
        banner_layout.addWidget(self.offline_text, 1)
        banner_layout.addWidget(self.try_again_button)
        self.offline_banner.hide()
        layout.addWidget(self.offline_banner)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.address_banner)
        layout.addWidget(self.session_banner)
        layout.addWidget(self.storage_banner)
        layout.addWidget(table)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(True)
        self.status = StatusMessage(bar)
        bar.addWidget(self.status, 1)
        self.busy = QProgressBar(bar)
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(90)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName("Working")
        self.busy.hide()
        bar.addPermanentWidget(self.busy)
        self.count_label = QLabel(bar)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        bar.addPermanentWidget(self.count_label)

    def _connect_controller(self, c: LabelsController) -> None:
        c.sort_spec = lambda: self.model.target_sort_spec
        c.model_snapshot = self.model.snapshot
        c.auth_failed.connect(self._on_auth_failed)
        c.cache_loaded.connect(self._on_cache_loaded)
        c.cache_settled.connect(self._on_cache_settled)
        c.cache_unavailable.connect(self.show_storage_problem)
        c.saved_copy_skipped.connect(self._on_saved_copy_skipped)
        c.offline_changed.connect(self._on_offline_changed)
        c.write_failed.connect(self._on_write_failed)
        c.pending_changed.connect(self._on_pending_changed)
        c.counts_loaded.connect(self._on_counts_loaded)
        c.retrying.connect(self._on_retrying)
        c.refresh_started.connect(self._on_refresh_started)
        for ended in (c.refresh_started, c.labels_loaded, c.refresh_failed):  # a refresh's own figures only
            ended.connect(self._show_working)
        c.labels_loaded.connect(self._on_labels_loaded)
        c.refresh_failed.connect(self._on_refresh_failed)
        c.counts_loaded.connect(self.model.set_counts)
        c.counts_failed.connect(self._on_counts_failed)
        c.label_created.connect(self._on_label_created)
        c.label_renamed.connect(self.model.upsert)
        c.label_learned.connect(self.model.upsert)
        c.label_deleted.connect(lambda label: self.model.remove(label.key))
        c.label_vanished.connect(self._on_label_vanished)
        c.busy_changed.connect(self._show_busy)
        c.refresh_progress.connect(self._on_refresh_progress)
        c.write_started.connect(self.show_message)

    # -- settings -------------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        # (anything but bytes, from a hand-edited settings file, counts as none saved)
        geometry = self.settings.value("window/geometry")
        if not isinstance(geometry, QByteArray | bytes) or not self.restoreGeometry(geometry):
            self._fit_first_size()
        else:
            self._keep_on_screen()
        header = self.settings.value("window/header")
        if isinstance(header, QByteArray | bytes):
            self.table.horizontalHeader().restoreState(header)

    def _available_area(self) -> QRect:
        """The part of the screen a window may use (without panels and task bars), in logical pixels."""
        screen = QGuiApplication.screenAt(self.frameGeometry().center()) or QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, *FIRST_SIZE)

    def _fit_first_size(self) -> None:
        """1100×680, or less where the screen is smaller (a 1366×768 laptop at 125%), centred on it."""
        area = self._available_area()
        width = min(FIRST_SIZE[0], int(area.width() * FIRST_SHARE))
        height = min(FIRST_SIZE[1], int(area.height() * FIRST_SHARE))
        self.resize(width, height)
        self.move(area.center() - QPoint(width // 2, height // 2))

    def _keep_on_screen(self) -> None:
        """A saved size and place from another screen (unplugged, larger, or at another scale) made to fit."""
        area = self._available_area()
        width, height = min(self.width(), area.width()), min(self.height(), area.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        x = max(area.left(), min(frame.left(), area.right() + 1 - frame.width()))
        y = max(area.top(), min(frame.top(), area.bottom() + 1 - frame.height()))
        if (x, y) != (frame.left(), frame.top()):
            self.move(x, y)

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/header", self.table.horizontalHeader().saveState())
        self.settings.sync()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.ApplicationPaletteChange) and hasattr(
            self, "_icon_names"
        ):
            # Light to dark (or back): redraw the icons in the new text colour.
            for action, name in self._icon_names.items():
                action.setIcon(icons.icon(name))
            self.search.actions()[0].setIcon(icons.icon("search"))

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
                self._close_when_saved = True
                count = len(changes)
                self.show_message(
                    f"LabelDesk will close once {'the change is' if count == 1 else f'{count} changes are'} saved…"
                )
                return
            log.warning("quit with %d change(s) Wix had not confirmed: %s", len(changes), "; ".join(changes))
        self._close_when_saved = False
        self.save_settings()
        super().closeEvent(event)

    def _on_pending_changed(self) -> None:
        self._update_actions()
        if self._close_when_saved and self.controller is not None and not self.controller.changes_in_flight:
            # After this turn of the event loop: a failure is reported after its change left the list.
            QTimer.singleShot(0, self._close_if_all_saved)

    def _close_if_all_saved(self) -> None:
        if self._close_when_saved and (self.controller is None or not self.controller.changes_in_flight):
            self.close()

    def bring_to_front(self) -> None:
        """Another start of LabelDesk handed over to this window: show it to the person, unminimized."""
        if self.isMinimized():
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()
        QApplication.alert(self)  # where the desktop won't move focus, it flags the window

    # -- messages -------------------------------------------------------------------------------------

    def show_message(self, text: str, kind: str = "info", details: str | None = None) -> None:
        """Say ``text`` in the status bar; ``details`` (for support) go behind a "Copy details" button."""
        self.status.show_message(text, kind, details)
        self.message_shown.emit(text, kind)

    def _idle_message(self) -> str:
        parts = []
        if self.last_refreshed is not None:
            parts.append(f"Last refreshed {self.last_refreshed:%H:%M}")
        if self.unreadable_note:
            parts.append(self.unreadable_note)
        if self.counts_problem:
            parts.append(self.counts_problem)
        return " · ".join(parts)

    # -- selection ------------------------------------------------------------------------------------

    def _show_sorting(self, sorting: bool) -> None:
        if sorting:
            self.table.viewport().setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.table.viewport().unsetCursor()

    def selected_labels(self) -> list[Label]:
        """The selected labels, in table order.

        Read from the selection's ranges, not selectedRows(): that asks the model (in Python) about
        every selected cell, and Ctrl+A over 100,000 labels took 3 s. The table selects whole rows.
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
        selection = self.table.selectionModel()
        selection.setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    @property
    def _open_controller(self) -> LabelsController:
        """The open site's controller, where one must be: an action offered only with a site open (see
        _blocked_reason), or a slot of the controller (a retired one says nothing more)."""
        if self.controller is None:
            raise RuntimeError("no site is open")
        return self.controller

    def _blocked_reason(self, *, write: bool = True) -> str | None:
        """Why nothing (or, with ``write``, no change) can be sent right now, or None."""
        if self.controller is None:
            return "Open a site first."
        if self.paused:
            return "Waiting for a new API key: Wix no longer accepts the old one."
        if self.controller.client is None:
            return "Opening the site…"
        if write and self.controller.offline:
            return "You're offline: LabelDesk can't reach Wix. Changes can be made once it's back."
        return None

    def _update_actions(self, *_: object) -> None:
        selected = self.selected_labels()
        locked = next((label for label in selected if not label.editable), None)
        blocked = self._blocked_reason()

        def set_state(action: QAction, enabled: bool, reason: str) -> None:
            action.setEnabled(enabled and blocked is None)
            self._set_tip(action, action.data() if enabled and blocked is None else (blocked or reason))

        set_state(self.new_action, True, "")
        refresh_blocked = self._blocked_reason(write=False)
        self.refresh_action.setEnabled(refresh_blocked is None)
        self._set_tip(self.refresh_action, refresh_blocked or self.refresh_action.data())
        pending = self.controller.pending_keys if self.controller is not None else set()
        busy_label = next((label for label in selected if label.key in pending), None)
        if busy_label is not None:
            reason = f"{quoted(busy_label.display_name)} is being saved; wait a moment."
            set_state(self.rename_action, False, reason)
            set_state(self.delete_action, False, reason)
        elif not selected:
            set_state(self.rename_action, False, "Select a label to rename it.")
            set_state(self.delete_action, False, "Select one or more labels to delete them.")
        else:
            if len(selected) > 1:
                set_state(self.rename_action, False, "Select just one label to rename it.")
            elif locked is not None:
                set_state(self.rename_action, False, locked_reason(locked))
            else:
                set_state(self.rename_action, True, "")
            if locked is not None:
                set_state(self.delete_action, False, locked_reason(locked))
            else:
                set_state(self.delete_action, True, "")
        self.copy_action.setEnabled(bool(selected))
        self._set_tip(self.copy_action, self.copy_action.data() if selected else "Select a label to copy its key.")

    def _set_tip(self, action: QAction, text: str) -> None:
        """Set an action's tooltip (which may quote a name or a Wix app's name) as plain text."""
        self._tips[action] = text
        action.setToolTip(plain_tooltip(text))

    def why(self, action: QAction) -> str:
        """An action's tooltip as words for the status bar (what ``toolTip()`` may hold escaped)."""
        return self._tips.get(action) or action.toolTip()

    def _update_count(self, *_: object) -> None:
        shown, total = self.model.rowCount(), self.model.total
        noun = "label" if total == 1 else "labels"
        self.count_label.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")
        hint = self.table.empty_hint
        if self.controller is None:
            hint.setText("No site is open.\nSign in to your Wix site, or open the demo site from the site menu.")
        elif not self.loaded_once:
            hint.setText("Loading labels…")
        elif total == 0:
            hint.setText("This site has no labels yet.\nClick New label (Ctrl+N) to create the first one.")
        elif shown == 0:
            hint.setText("No labels match your search.\nPress Esc to clear the search, or choose All types.")
        hint.setVisible(shown == 0)
        self._update_actions()

    # -- commands -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self._blocked_reason(write=False) is None:
            self._open_controller.refresh()

    def _try_again(self) -> None:
        if self.controller is not None:
            self.show_message("Trying to reach Wix…")
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

    def _twin_of(self, name: str, ignore_key: str | None) -> Label | None:
        return self.model.near_duplicate(name, ignore_key=ignore_key)

    def _labels_known(self) -> bool:
        """Whether the table holds this site's labels (from Wix or the saved copy, an empty site included)."""
        return self.model.total > 0 or self.synced_at is not None

    def new_label(self) -> LabelNameDialog | None:
        if self._blocked_reason() is not None:
            return None
        from labeldesk.ui.dialogs import LabelNameDialog

        dialog = LabelNameDialog(self._open_controller, self._twin_of, parent=self, labels_known=self._labels_known)
        prefill = self.search.text().strip()
        if prefill and self.model.rowCount() == 0:
            dialog.name_edit.setText(prefill)  # searched for it, didn't find it: offer to create it
        dialog.saved.connect(self._on_created_in_dialog)
        dialog.finished.connect(self._focus_table)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def rename_selected(self) -> LabelNameDialog | None:
        selected = self.selected_labels()
        if self._blocked_reason() is not None:
            return None
        if len(selected) != 1 or not selected[0].editable:
            if selected:
                self.show_message(self.why(self.rename_action), "info")
            return None
        label = selected[0]
        from labeldesk.ui.dialogs import LabelNameDialog

        dialog = LabelNameDialog(
            self._open_controller, self._twin_of, label=label, parent=self, labels_known=self._labels_known
        )
        dialog.saved.connect(lambda renamed: self._on_renamed_in_dialog(label, renamed))
        dialog.finished.connect(self._focus_table)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def delete_selected(self) -> None:
        selected = self.selected_labels()
        if not selected or not self.delete_action.isEnabled():
            return
        from labeldesk.ui import dialogs

        controller = self.controller
        confirmed = dialogs.confirm_delete(self, selected, self.model.contact_count)
        self._focus_table()
        if not confirmed:
            return
        if controller is None or controller is not self.controller:
            # The question waited for an answer while the site was signed out of or another was opened:
            # the labels asked about were that site's, and another site may have the same keys.
            self.show_message("Nothing was deleted: the site changed while LabelDesk was asking.", "info")
            return
        pending = {label.key for label in selected}
        done: list[Label] = []
        failures: list[tuple[Label, WixError]] = []

        def finish_one(label: Label, error: WixError | None = None) -> None:
            pending.discard(label.key)
            if error is None:
                done.append(label)
            else:
                failures.append((label, error))
            if not pending:
                self._report_deletes(done, failures)

        def succeeded(label: Label) -> Callable[[object], None]:
            return lambda _: finish_one(label)

        def failed(label: Label) -> Callable[[WixError], None]:
            return lambda error: finish_one(label, error)

        for label in selected:
            controller.delete(label, on_success=succeeded(label), on_failure=failed(label))
        if len(selected) > 1:
            self.show_message(f"Deleting {len(selected)} labels…")

    def _report_deletes(self, done: list[Label], failures: list[tuple[Label, WixError]]) -> None:
        vanished = [label for label, error in failures if isinstance(error, LabelNotFoundError)]
        real_failures = [(label, error) for label, error in failures if not isinstance(error, LabelNotFoundError)]
        if real_failures:
            label, error = real_failures[0]
            extra = f" ({len(real_failures) - 1} more failed too.)" if len(real_failures) > 1 else ""
            text = in_context(f"Couldn't delete {quoted(label.display_name)}", error) + extra
            self.show_message(text, "error", error.details)
        elif len(done) == 1 and not vanished:
            self.show_message(f"Deleted {quoted(done[0].display_name)}.", "done")
        elif vanished and not done:
            self._on_label_vanished_message(vanished)
        else:
            self.show_message(f"Deleted {len(done) + len(vanished)} labels.", "done")

    def copy_keys(self) -> None:
        # One key a line: every key shown is a valid one (domain.valid_key; checked as it comes from Wix
        # and as the saved copy is read), so none can break a line.
        keys = [label.key for label in self.selected_labels()]
        if not keys:
            return
        QGuiApplication.clipboard().setText("\n".join(keys))
        if len(keys) == 1:
            self.show_message(f"Copied the key {shown_name(keys[0], 80)}.", "done")
        else:
            self.show_message(f"Copied {len(keys)} keys.", "done")

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

    # -- results --------------------------------------------------------------------------------------

    def _show_cached_message(self) -> None:
        self.show_message(f"Showing labels saved {describe_when(self.synced_at)}; checking Wix for changes…")

    def _on_refresh_started(self) -> None:
        if self.rows_from_cache:
            self._show_cached_message()  # keep saying what is on screen, and how old it is, until Wix answers
        else:
            self.show_message("Loading labels…" if not self.loaded_once else "Refreshing…")

    def _on_cache_loaded(self, snapshot: SavedCopy) -> None:
        self.synced_at = snapshot.synced_at
        if snapshot.recovered:
            self.show_message(
                "The saved copy of this site's labels was damaged. LabelDesk set it aside and is rebuilding it "
                "from Wix.",
                "info",
            )
        if not snapshot.labels:
            return
        self.rows_from_cache = True
        self.loaded_once = True
        self.model.apply_labels(snapshot.labels)
        controller = self._open_controller  # (painted for this site, not one attached since)
        self.table.after_next_paint(lambda: controller.saved_copy_shown() if controller is self.controller else None)
        if snapshot.counts is not None:
            self.model.set_counts(snapshot.counts)
        if not snapshot.recovered:
            self._show_cached_message()
        self._update_count()
        self._show_offline(controller.offline)
        if controller.offline or self._network_trouble:
            self._report_first_load_from_cache()

    def _on_saved_copy_skipped(self) -> None:
        self.show_message(
            "LabelDesk closed unexpectedly the last time it showed this site's saved labels, so it doesn't show "
            "them now. It loads them fresh from Wix instead.",
            "info",
        )

    def _on_labels_loaded(self, labels: list[Label]) -> None:
        self.unreadable_note = unreadable_note(getattr(labels, "unreadable", 0))
        self.loaded_once = True
        self.rows_from_cache = False
        self.model.apply_labels(labels)
        self.last_refreshed = datetime.now()
        self.synced_at = datetime.now().astimezone()
        self.show_message(self._idle_message())
        self._update_count()
        self._report_first_load(True, "service")

    def _on_refresh_failed(self, error: WixError) -> None:
        self.loaded_once = True
        shown = self.model.total
        what = "Couldn't load the labels" if shown == 0 else "Couldn't refresh the labels"
        if isinstance(error, SlowAnswerError):  # reachable, just slow: not "can't reach", not offline
            done = "loaded" if shown == 0 else "refreshed"
            self.show_message(
                f"Wix is answering slowly, so the labels couldn't be {done} yet. {self._slow_retry_words()}",
                "error",
                error.details,
            )
        elif error.unreachable:
            self.show_message(in_context("Can't reach Wix", error), "error", error.details)
        elif isinstance(error, IncompleteReadError) and shown:
            # The controller applied none of it: the table and the saved copy are as they were.
            self.show_message(
                f"The refresh was incomplete: {error.message} LabelDesk kept the labels it already had. "
                "Press F5 to try again.",
                "error",
                error.details,
            )
        elif not self.paused:
            stale = stale_hint(self.synced_at)
            self.show_message(in_context(what, error, _again(error)) + stale, "error", error.details)
        self._update_count()
        if shown == 0:
            if isinstance(error, SlowAnswerError):  # (tried again by itself: see the controller)
                hint = f"Wix is answering slowly, so the labels couldn't be loaded yet.\n\n{self._slow_retry_words()}"
            else:
                hint = f"{what}.\n{shown_name(in_context('', error, _again(error)))}"
            self.table.empty_hint.setText(hint)
            self._report_first_load(False, str(error))
        elif self.rows_from_cache:
            self._report_first_load_from_cache()

    def _slow_retry_words(self) -> str:
        """What the background tries of a slow read do next (see LabelsController._lengthen_read_timeout)."""
        controller = self.controller
        if controller is None or not controller.waits_longer:
            return "LabelDesk will keep trying in the background."
        if controller.slow_tries > 1:
            return "LabelDesk is still trying, waiting longer this time."
        return "LabelDesk will try again in a moment, and wait longer for the answer."

    def _show_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        if not busy:
            self._show_working()

    def _show_working(self, *_: object) -> None:
        """The bar says only "working": what runs next may not say how far it got."""
        self.busy.setRange(0, 0)
        self.busy.setToolTip("")
        self.busy.setAccessibleDescription("")

    def _on_refresh_progress(self, read: int, total: int | None) -> None:
        """A site of many pages: show how far the refresh got (a one-page site is done at once)."""
        if total is None or read >= total:
            self._show_working()  # all read: what is left (sorting, counts, saving) has no figures
            return
        self.busy.setRange(0, total)
        self.busy.setValue(read)
        text = f"Read {read:,} of {total:,} labels"
        self.busy.setToolTip(plain_tooltip(text))
        self.busy.setAccessibleDescription(text)

    def _on_retrying(self, error: WixError) -> None:
        if error.unreachable:
            self._network_trouble = True
            if self.rows_from_cache:
                # Don't wait out the retries to say what is on screen.
                self._report_first_load_from_cache()

    def _on_offline_changed(self, offline: bool) -> None:
        self._show_offline(offline)
        self._update_actions()
        if not offline:
            self.show_message("Connected to Wix again.", "done")

    def _show_offline(self, offline: bool) -> None:
        if offline:
            if self.synced_at is not None and self.model.total:
                text = f"Offline — showing labels saved {describe_when(self.synced_at)}.{stale_hint(self.synced_at)}"
            else:
                text = "Offline — LabelDesk can't reach Wix. It keeps trying in the background."
            self.offline_text.setText(text)
        self.offline_banner.setVisible(offline)

    def _report_first_load_from_cache(self) -> None:
        when = self.synced_at.isoformat(timespec="seconds") if self.synced_at else "never"
        self._report_first_load(True, f"cache, synced {when}")

    def _report_first_load(self, ok: bool, message: str) -> None:
        if self._first_load_pending:
            self._first_load_pending = False
            self.first_load_finished.emit(ok, message)

    def _on_auth_failed(self, error: WixError) -> None:
        if self.paused or self.site is None:
            return
        self.paused = True
        self._update_actions()
        # The error says what happened to the key and what to do; the site's name says which key.
        reason = f"{self.site.title}: {error.message}"
        if self.manager is None:
            self.show_message(reason, "error", error.details)
        else:
            self.ask_sign_in(SignInRequest(self.site, reason, replace_key=True))

    def _on_counts_loaded(self, _counts: object) -> None:
        self.counts_problem = None

    def _on_counts_failed(self, error: WixError) -> None:
        if isinstance(error, PermissionDeniedError):
            self.counts_problem = "Contact counts need the “Read Contacts” permission on this API key."
        else:
            self.counts_problem = in_context("Contact counts are unavailable", error)
        if self.status.kind != "error":
            self.show_message(self._idle_message(), "info")

    def _on_write_failed(self, doing: str, error: WixError) -> None:
        self._close_when_saved = False  # stay open: the person should see what wasn't saved
        self.show_message(in_context(f"{doing.rstrip('…')} failed", error), "error", error.details)

    def _on_label_created(self, result: FindOrCreateResult) -> None:
        self.model.upsert(result.label)

    def _on_created_in_dialog(self, result: FindOrCreateResult) -> None:
        self.select_key(result.label.key)
        name = quoted(result.label.display_name)
        if result.created:
            self.show_message(f"Created {name}.", "done")
        elif result.created is None:
            self.show_message(
                f"{name} is saved. The connection dropped on the way, so LabelDesk can't tell whether it was new.",
                "done",
            )
        else:
            self.show_message(f"{name} already existed, so nothing was created. It is selected.", "info")

    def _on_renamed_in_dialog(self, before: Label, after: Label) -> None:
        self.select_key(after.key)
        self.show_message(f"Renamed {quoted(before.display_name)} to {quoted(after.display_name)}.", "done")

    def _on_label_vanished(self, key: str) -> None:
        label = self.model.remove(key)
        if label is not None:
            self._on_label_vanished_message([label])

    def _on_label_vanished_message(self, labels: list[Label]) -> None:
        if len(labels) == 1:
            text = f"{quoted(labels[0].display_name)} was deleted elsewhere, so it has been removed from the list."
        else:
            text = f"{len(labels)} labels were deleted elsewhere, so they have been removed from the list."
        self.show_message(text, "info")
