"""The rows of the Contacts panel: the contacts carrying one label, paged in from the engine as needed.

A small QAbstractTableModel over a list of Contact (labeldesk.contacts). Pages are asked of a
PageSource (the site's LabelOperations) when the view wants more rows (``canFetchMore`` /
``fetchMore``, as the person scrolls); a search reads the remaining pages first, so that what it finds
is complete. Answers for another label, or for a label shown before, are dropped.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPalette

from labeldesk.contacts import Contact
from labeldesk.engine.contact_messages import ContactsPage
from labeldesk.ui import operation_texts as words
from labeldesk.ui.text import plain_tooltip

#: Contacts asked for at a time: Wix's largest page (contract 6.3), so a long list costs few requests.
PAGE_SIZE = 1000

Index = QModelIndex | QPersistentModelIndex


class PageSource(Protocol):
    """Where the pages come from (LabelOperations is one)."""

    def list_contacts(
        self, key: str, offset: int, limit: int, on_page: Callable[[Any], None], on_failure: Callable[[Any], None]
    ) -> int: ...


class Column(enum.IntEnum):
    NAME = 0
    EMAIL = 1


HEADERS = {Column.NAME: "Name", Column.EMAIL: "Email"}
MISSING = {Column.NAME: "No name", Column.EMAIL: "No email"}


class Role(enum.IntEnum):
    #: The row's Contact.
    ContactRole = Qt.ItemDataRole.UserRole + 1


class ContactsModel(QAbstractTableModel):
    """The contacts of label ``key`` (None: none shown), in the order Wix sends them.

    Signals: ``state_changed()``: the count, the loading state, the saved-copy note or the error changed.
    """

    state_changed = Signal()

    def __init__(self, parent: QObject | None = None, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self.page_size = page_size
        self.source: PageSource | None = None
        self.key: str | None = None
        #: How many contacts carry the label, as Wix last said (None: it couldn't count them).
        self.total: int | None = None
        self.more = False
        #: The rows come from the saved copy (Wix unreachable), as it was at ``synced_at``.
        self.from_cache = False
        self.synced_at: datetime | None = None
        #: Why the last page couldn't be read (plain words), or None.
        self.error: str | None = None
        self.search = ""
        self._contacts: list[Contact] = []
        #: Each contact read, by id: its name and email casefolded once, not on every key of a search.
        self._folded: dict[str, tuple[str, str]] = {}
        self._visible: list[Contact] = []
        self._generation = 0
        self._waiting = False

    # -- what is shown --------------------------------------------------------------------------------

    def set_source(self, source: PageSource | None) -> None:
        """Ask ``source`` from now on (another site, or none); shows no label."""
        self.source = source
        self.show_label(None)

    def show_label(self, key: str | None) -> None:
        """Show the contacts of label ``key`` (None: none), reading the first page now."""
        self._generation += 1
        self.beginResetModel()
        self.key = key
        self._contacts, self._folded, self._visible = [], {}, []
        self.total, self.from_cache, self.synced_at, self.error = None, False, None, None
        self.more = key is not None and self.source is not None
        self._waiting = False
        self.endResetModel()
        self._ask_next()
        self.state_changed.emit()

    def reload(self) -> None:
        """Read the label shown again from the start (after a merge or restore changed its contacts)."""
        self.show_label(self.key)

    def set_search(self, text: str) -> None:
        """Show only the contacts whose name or email holds ``text`` (any case); reads every page first."""
        self.search = text.strip().casefold()
        self.beginResetModel()
        self._visible = [contact for contact in self._contacts if self._matches(contact)]
        self.endResetModel()
        self._ask_next()
        self.state_changed.emit()

    @property
    def loading(self) -> bool:
        return self._waiting

    @property
    def loaded(self) -> int:
        return len(self._contacts)

    def count_text(self) -> str:
        """'34 contacts', '3 of 34 contacts' while searching, and so on (see operation_texts)."""
        if self.key is None:
            return ""
        if self._waiting and not self._contacts:
            return words.LOADING_CONTACTS
        return words.contacts_count(
            len(self._visible), len(self._contacts), self.total, more=self.more, searching=bool(self.search)
        )

    def contact_at(self, row: int) -> Contact:
        return self._visible[row]

    def contacts_at(self, rows: Sequence[int]) -> list[Contact]:
        return [self._visible[row] for row in rows if 0 <= row < len(self._visible)]

    def _matches(self, contact: Contact) -> bool:
        if not self.search:
            return True
        return any(self.search in part for part in self._folded[contact.id])

    # -- paging ---------------------------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 (Qt's own default)
        return not parent.isValid() and self.more and not self._waiting and self.error is None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._ask(len(self._contacts))

    def _ask_next(self) -> None:
        """A search reads on to the end by itself; so does a first page."""
        if self.more and not self._waiting and self.error is None and (self.search or not self._contacts):
            self._ask(len(self._contacts))

    def _ask(self, offset: int) -> None:
        source, key = self.source, self.key
        if source is None or key is None:
            return
        generation = self._generation
        self._waiting = True

        def arrived(page: ContactsPage) -> None:
            if generation == self._generation:
                self._on_page(page)

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self._waiting = False
                self.error = words.contacts_failed(error)
                self.state_changed.emit()

        source.list_contacts(key, offset, self.page_size, arrived, failed)
        self.state_changed.emit()

    def _on_page(self, page: ContactsPage) -> None:
        self._waiting = False
        fresh = [contact for contact in page.contacts if contact.id not in self._folded]
        self._folded.update((c.id, (c.name.casefold(), (c.email or "").casefold())) for c in fresh)
        self._contacts.extend(fresh)
        self.total = page.total
        # A page shorter than asked for is the last, whatever ``more`` says (never endless).
        self.more = page.more and bool(page.contacts)
        self.from_cache, self.synced_at = page.from_cache, page.synced_at
        shown = [contact for contact in fresh if self._matches(contact)]
        if shown:
            first = len(self._visible)
            self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
            self._visible.extend(shown)
            self.endInsertRows()
        self._ask_next()
        self.state_changed.emit()

    # -- Qt's model -----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 2:
            return HEADERS[Column(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visible) or not 0 <= index.column() < 2:
            return None
        contact = self._visible[index.row()]
        column = Column(index.column())
        value = contact.name if column == Column.NAME else (contact.email or "")
        if role == Qt.ItemDataRole.DisplayRole:
            return value or MISSING[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(value) or None  # (a name may look like HTML: see ui/text.py)
        if role == Qt.ItemDataRole.ForegroundRole and not value:
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == Role.ContactRole:
            return contact
        return None
