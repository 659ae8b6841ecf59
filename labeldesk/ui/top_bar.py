"""The window's top bar: the site menu, the main actions, the type filter and the search box."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

from labeldesk.sites import Site
from labeldesk.ui import icons
from labeldesk.ui.models import TypeFilter
from labeldesk.ui.text import literal
from labeldesk.ui.widgets import SearchBox


class TopBar(QWidget):
    """The toolbar with the site menu and ``actions`` (None for a separator), then the type filter and
    the search box beside it.

    Signals (from the site menu):

    - ``site_chosen(Site)``: a saved site was picked
    - ``add_site_requested()``, ``sign_out_requested()``, ``demo_requested()``
    """

    site_chosen = Signal(object)
    add_site_requested = Signal()
    sign_out_requested = Signal()
    demo_requested = Signal()

    def __init__(self, actions: Iterable[QAction | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("topBar")
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
        for action in actions:
            if action is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(action)
        toolbar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

        # The type filter and the search sit beside the toolbar, not in it: when the window is
        # narrow the toolbar's own buttons go into its "»" menu, and the search stays in sight.
        self.type_filter = QComboBox(self)
        self.type_filter.setAccessibleName("Type filter")
        for choice in TypeFilter:
            self.type_filter.addItem(choice.value, choice)
        self.type_filter.setToolTip("Show only labels of one type")

        self.search = SearchBox(self)
        self.search.setPlaceholderText("Search names and keys (Ctrl+F)")
        self.search.setAccessibleName("Search")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(toolbar)
        layout.addStretch(1)
        layout.addWidget(self.type_filter)
        layout.addWidget(self.search)
        self.toolbar = toolbar

    def show_sites(self, sites: Sequence[Site] | None, shown: Site | None, *, demo: bool) -> None:
        """List ``sites`` (None: no saved sites are kept, so no adding or signing out) in the site menu,
        ticking ``shown`` (or the demo), and name ``shown`` on its button."""
        menu = self.site_menu
        menu.clear()
        current = shown.identity if shown is not None and not demo else None
        if sites is not None:
            for site in sites:
                # A test server's site says so, beside the Wix site with the same ID if there is one.
                title = site.title if site.is_wix else f"{site.title} ({site.where})"
                action = menu.addAction(literal(title))
                action.setCheckable(True)
                action.setChecked(site.identity == current)
                action.triggered.connect(lambda _=False, site=site: self.site_chosen.emit(site))
            if sites:
                menu.addSeparator()
            menu.addAction(icons.icon("new"), "Add a site…", self.add_site_requested.emit)
            sign_out = menu.addAction("Sign out of this site…", self.sign_out_requested.emit)
            sign_out.setEnabled(current is not None)
            menu.addSeparator()
        demo_entry = menu.addAction("Open the demo site", self.demo_requested.emit)
        demo_entry.setCheckable(True)
        demo_entry.setChecked(demo)
        self.site_button.setText("No site" if shown is None else literal(shown.title))
        self.site_button.setToolTip("Switch site, add a site, or sign out")

    def redraw_icons(self) -> None:
        self.search.actions()[0].setIcon(icons.icon("search"))
