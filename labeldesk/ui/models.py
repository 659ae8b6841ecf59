"""The labels table: a model over domain Labels that searches, filters and sorts in bulk.

Why the model does the sorting and filtering itself: a QSortFilterProxyModel sorts and filters by
calling ``data()`` once per comparison and ``filterAcceptsRow()`` once per row, and each of those is a
call from C++ into Python. At 100,000 labels that is a 12-second sort and a 170 ms keystroke on the GUI
thread. Here the same work is a handful of Python list operations over precomputed keys (tens of
milliseconds), and the view is told with one layout change.

Nor is there a proxy model between this model and the table: the view asks it directly. Even one
that only passed rows through cost the paint calls into Python: to map a cell to the model,
QSortFilterProxyModel asks the model's (Python) ``index()``, ``rowCount()`` and ``columnCount()``, or a
Python ``flags()`` in their place. Each such call waits for the interpreter lock, which a worker
thread may hold. The table's cells now call into Python once each (``multiData``), and ``flags()`` is
QAbstractTableModel's own, in C++ (enabled, selectable, no children). Measured with two threads busy
in Python, a paint of 26 rows took 26-30 ms through the proxy and 21-24 ms without it (medians of
three runs of 160 paints).

Updates stay targeted: a new label is inserted at its sorted place, a removed one removed, a renamed
one changed (or moved), so selection and scroll survive refreshes.
"""

from __future__ import annotations

import enum
import functools
import logging
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import compress, islice
from operator import attrgetter, ne
from typing import TYPE_CHECKING, NamedTuple, ParamSpec, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from labeldesk.domain import (
    Label,
    LabelType,
    clean_name,
    comparable_name,
    name_order,
    near_duplicate_form,
    reveal_name,
    same_name_form,
    search_text,
    shown_name,
)
from labeldesk.giveway import STEP, give_way, gui_busy, in_steps
from labeldesk.ui import icons
from labeldesk.ui.text import plain_tooltip

if TYPE_CHECKING:
    from labeldesk.ui.workers import TaskRunner

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
_Index = QModelIndex | QPersistentModelIndex
_NO_PARENT = QModelIndex()
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
#: Past this many differences a refresh is applied as one layout change instead of row by row.
#: A change applied row by row costs time in proportion to the table (finding its rows, moving it:
#: ~0.4 ms at 10,000 labels, ~3.4 ms at 100,000), and so does one layout change (5.5 ms at 10,000,
#: 108 ms at 100,000, with the order sorted by the worker), so the break-even is a number of
#: changes whatever the size: 14 at 10,000 and 30 at 100,000, measured. (It was 200: a refresh with
#: 150 renames took 515 ms row by row at 100,000 labels.)
BULK_CHANGES = 30
#: ...but a refresh that comes without an order (writes merged into it) would have a big table
#: sorted on the GUI thread (155-320 ms at 100,000): up to this many changes go row by row instead.
ROW_BY_ROW_WITHOUT_ORDER = 200
#: From this many labels on, a new order (a header click; new contact counts while sorted by them)
#: is worked out on a worker thread, and the rows keep their old order until it is ready. Below
#: it, sorting on the GUI thread is quicker than a trip to a worker and back. Measured here, a
#: sort on the GUI thread takes 12 ms at 10,000 labels (26 at worst), 20 at 20,000 (53 at worst),
#: and 155 at 100,000 (320 at worst).
BACKGROUND_SORT_FROM = 10_000
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)


class Column(enum.IntEnum):
    NAME = 0
    KEY = 1
    TYPE = 2
    CONTACTS = 3
    CREATED = 4
    UPDATED = 5

    @property
    def title(self) -> str:
        return self.name.title()


class Role(enum.IntEnum):
    #: Native values for sorting: casefolded names, timestamps, counts.
    SORT = Qt.ItemDataRole.UserRole
    #: The row's domain Label.
    LABEL = Qt.ItemDataRole.UserRole + 1


_SORT = int(Role.SORT)
_LABEL = int(Role.LABEL)
_HANDLED_ROLES = frozenset({_DISPLAY, _DECORATION, _TOOLTIP, _ALIGNMENT, _ACCESSIBLE, _SORT, _LABEL})
_COLUMNS = len(Column)


class TypeFilter(enum.Enum):
    """The type filter's choices, each (but "All types") named as the Type column names its labels."""

    ALL = "All types"
    CUSTOM = LabelType.USER_DEFINED.title
    SYSTEM = LabelType.SYSTEM.title
    APP = LabelType.WIX_APP_DEFINED.title
    OTHER = LabelType.UNKNOWN.title  # a type Wix adds later: "Other" in the column, so here too

    @property
    def types(self) -> frozenset[LabelType]:
        """The label types this choice shows."""
        return _FILTER_TYPES[self]

    def accepts(self, label_type: LabelType) -> bool:
        return label_type in _FILTER_TYPES[self]


_FILTER_TYPES = {
    TypeFilter.ALL: frozenset(LabelType),
    TypeFilter.CUSTOM: frozenset({LabelType.USER_DEFINED}),
    TypeFilter.SYSTEM: frozenset({LabelType.SYSTEM}),
    TypeFilter.APP: frozenset({LabelType.WIX_APP_DEFINED}),
    TypeFilter.OTHER: frozenset({LabelType.UNKNOWN}),
}
_TYPE_OF = attrgetter("label_type")


def format_when(value: datetime | None) -> str | None:
    """Local time, the way people write it: '14 Mar 2025, 09:05'.

    A moment that has no local time (a service's 9999-12-31T23:59:59Z seen from Tokyo, or
    0001-01-01T00:00:00Z from New York, is past the ends of the calendar Python knows) is shown in
    UTC, with "UTC" after it; one that can't be shown at all is left blank (None). Never raises: this
    runs inside a paint.
    """
    if value is None:
        return None
    try:
        local = value.astimezone()
        return f"{local.day} {local:%b %Y, %H:%M}"
    except (OverflowError, ValueError, OSError):  # (OSError: Windows has no local time before 1970)
        pass
    try:
        utc = value.astimezone(UTC) if value.tzinfo is not None else value
        return f"{utc.day} {utc:%b %Y, %H:%M} UTC"
    except (OverflowError, ValueError, OSError):
        return None


_seen_failures: set[tuple[str, str]] = set()


def log_override_failure(where: str) -> None:
    """Log the exception being handled, raised inside a Qt override (a bug, or data we didn't foresee).

    The full traceback once for each place and kind of error, so a paint that meets the same bad
    value in every cell doesn't fill the log; later ones at debug level.
    """
    kind = type(sys.exc_info()[1]).__name__
    if (where, kind) in _seen_failures:
        log.debug("%s failed again (%s)", where, kind)
        return
    _seen_failures.add((where, kind))
    log.exception("%s failed; carrying on without it", where)


def never_fatal(fallback: object = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """For a Qt override (data, headerData, sort, a paint...): an exception is logged and ``fallback``
    returned instead. An exception escaping into Qt's C++ from a virtual call can take the whole
    process down (a segmentation fault at the first paint), and every later start with it when the
    offending value is in the saved copy."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        where = method.__qualname__

        @functools.wraps(method)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except Exception:
                log_override_failure(where)
                return fallback  # type: ignore[return-value]

        return guarded

    return decorate


def search_texts(labels: Sequence[Label], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """Search texts for many labels (reusing ``known`` ones); workers call this, in steps."""
    known = known or {}
    texts: dict[str, str] = {}
    for part in in_steps(labels):
        texts.update((label.key, known.get(label.key) or search_text(label)) for label in part)
    return texts


def sorted_in_steps(texts: list[str], *, descending: bool = False) -> list[str]:
    """``sorted(texts)`` for distinct strings, as many short C calls instead of one long one.

    One ``sorted()`` of 50,000 strings holds the interpreter lock for ~25 ms, and the GUI thread
    can't run meanwhile. Here slices are sorted, then merged pairwise (a merge of two sorted runs is
    one linear pass), giving way to the GUI thread between calls; the longest call is the last
    merge, a few milliseconds.
    """
    runs = [sorted(part) for part in in_steps(texts)]
    while len(runs) > 1:
        merged = []
        for first in range(0, len(runs), 2):
            give_way()
            merged.append(sorted(runs[first] + runs[first + 1]) if first + 1 < len(runs) else runs[first])
        runs = merged
    result = runs[0] if runs else []
    if descending:
        result.reverse()  # the strings are distinct: the reverse order is the descending sort
    return result


_KEY_OF = attrgetter("key")


def _holding_workers_back(method: Callable[P, R]) -> Callable[P, R]:
    """Run a model method inside giveway.gui_busy(): the heavier ones (filtering, sorting, applying a
    refresh) go faster when worker threads aren't taking turns with them for the interpreter."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gui_busy():
            return method(*args, **kwargs)

    return wrapper


def _side_by_side(strings: Iterable[str]) -> list[str]:
    """New copies of ``strings``, made one after another so they sit side by side in memory.

    Each keystroke scans the search texts (and copies the keys) in the table's order. The labels'
    own strings were made in the service's order and lie scattered in that order; scanning them
    sorted by name costs a cache miss each: 21 ms against 3.4 ms for 100,000 copies made in order.
    """
    copies: list[str] = []
    source = iter(strings)
    while part := list(islice(source, STEP)):  # strings may be a lazy map: consume it in steps too
        copies.extend([(text + "\0")[:-1] for text in part])
        give_way()
    return copies


def _texts_in_order(search: Mapping[str, str], keys: Iterable[str]) -> list[str]:
    """The search texts of ``keys``, in their order, side by side (what a keystroke scans)."""
    return _side_by_side(map(search.__getitem__, keys))


def _when(value: datetime | None) -> float:
    """A time as seconds since 1970 (negative before), for sorting; none is -inf (sorts first).
    The one definition of the date columns' order: the text sort keys are made from it (_stamp)."""
    if value is None:
        return -math.inf
    # (A time without a zone, never sent by the service, is taken as UTC: its local reading may not exist.)
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).timestamp()


SortSpec = tuple["Column", bool]  # (column, descending)


def sort_key_function(
    labels: Mapping[str, Label], counts: Mapping[str, int | None] | None, column: Column
) -> Callable[[str], str]:
    """The key (label key -> string) that orders ``labels`` by ``column``; ties by name, then key.

    Strings, not tuples: sorting 50,000 tuples is one long C call that holds the interpreter lock for
    ~80 ms (the GUI thread waits); the same order as strings sorts in a third of that.
    """
    if column == Column.NAME:
        return lambda key: f"{name_order(labels[key].display_name)}\0{key}"
    if column == Column.KEY:
        return lambda key: key
    if column == Column.TYPE:
        return lambda key: f"{labels[key].label_type.title}\0{name_order(labels[key].display_name)}\0{key}"
    if column == Column.CONTACTS:
        known = counts is not None
        table = counts or {}

        def by_count(key: str) -> str:
            # Unknown counts (-1 in the sort role) sort first; 16 digits hold domain.MAX_COUNT + 1.
            count = table.get(key, 0) if known else None
            return f"{0 if count is None else count + 1:016d}\0{name_order(labels[key].display_name)}\0{key}"

        return by_count
    if column == Column.CREATED:
        return lambda key: f"{_stamp(labels[key].created)}\0{key}"
    return lambda key: f"{_stamp(labels[key].updated)}\0{key}"


#: Added to every timestamp before it is written as text, so that none is negative: a minus sign
#: (and the digits after it) would sort dates before 1970 backwards. Times run from year 1
#: (-62,135,596,800 s) to year 9999 (253,402,300,799 s); all of them plus this fit in 13 digits.
_STAMP_SHIFT = 10**12


def _stamp(value: datetime | None) -> str:
    """A time as fixed-width text that sorts like ``_when`` does; none ("") sorts first."""
    return "" if value is None else f"{_when(value) + _STAMP_SHIFT:020.6f}"


@dataclass(frozen=True, slots=True)
class LabelBatch:
    """Labels with the slow parts of showing them already done (on a worker): search texts, order.

    Iterates and counts like the list of labels it holds.
    """

    labels: list[Label]
    search: dict[str, str]
    #: The keys sorted by ``sort_spec``, or None.
    order: list[str] | None = None
    sort_spec: SortSpec | None = None
    #: The labels by key (built anyway; the model may take it over).
    by_key: dict[str, Label] | None = None
    #: What differs from the model as it was at ``base_version``: keys gone, labels new or changed.
    base_version: int | None = None
    gone: list[str] | None = None
    changed: list[Label] | None = None
    #: The search texts in ``order``'s order (what the first keystroke scans), or None.
    order_texts: list[str] | None = None
    #: How many labels the service sent that couldn't be read (left out of ``labels``).
    unreadable: int = 0

    def __iter__(self) -> Iterator[Label]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self.labels)


def prepare_batch(
    labels: Iterable[Label],
    sort_spec: SortSpec | None = None,
    counts=None,
    known_search=None,
    base: tuple[int, Mapping[str, Label], Mapping[str, str]] | None = None,
) -> LabelBatch:
    """For worker threads: search texts, (given the table's order) the sorted keys and (given a
    snapshot of the model, ``base``) what differs from it, so the GUI thread has little left to do.

    When the model already holds nearly the same labels, only the differences are worked out: no
    sort, and search texts only for what changed (the rest come from the snapshot). Everything runs
    in steps that give way to the GUI thread (see labeldesk.giveway).
    """
    listed = list(labels)
    keys = list(map(_KEY_OF, listed))
    by_key: dict[str, Label] = {}
    for start in range(0, len(listed), STEP):
        give_way()
        by_key.update(zip(keys[start : start + STEP], listed[start : start + STEP], strict=True))
    gone: list[str] | None = None
    changed: list[Label] | None = None
    if base is not None:
        version, before, before_search = base
        same_keys = len(before) == len(by_key) and before.keys() == by_key.keys()  # one C-level compare
        gone = [] if same_keys else [key for key in before if key not in by_key]
        changed = []
        for part in in_steps(listed):
            changed.extend(compress(part, map(ne, map(before.get, map(_KEY_OF, part)), part)))
        if before and len(gone) + len(changed) <= BULK_CHANGES:
            search = dict(before_search)
            for key in gone:
                search.pop(key, None)
            search.update(search_texts(changed, known_search))
            return LabelBatch(listed, search, None, sort_spec, by_key, version, gone, changed)
    search = search_texts(listed, known_search)
    order = order_texts = None
    if sort_spec is not None:
        order = ordered_keys(by_key, counts, sort_spec)
        order_texts = _texts_in_order(search, order)
    return LabelBatch(
        listed,
        search,
        order,
        sort_spec,
        by_key,
        order_texts=order_texts,
        base_version=None if base is None else base[0],
        gone=gone,
        changed=changed,
    )


def ordered_keys(by_key: Mapping[str, Label], counts: Mapping[str, int | None] | None, spec: SortSpec) -> list[str]:
    """The keys of ``by_key`` in ``spec``'s order, as copies side by side in memory.

    In steps that give way to the GUI thread (workers preparing a refresh); the GUI thread itself
    uses it too (a header click), and never waits there.
    """
    column, descending = spec
    keys = list(by_key)
    sort_key = sort_key_function(by_key, counts, column)
    sortable: list[str] = []
    for part in in_steps(keys):
        sortable.extend(map(sort_key, part))
    key_of: dict[str, str] = {}  # each sort string is distinct and names its key
    for first in range(0, len(keys), STEP):
        give_way()
        key_of.update(zip(sortable[first : first + STEP], keys[first : first + STEP], strict=True))
    return _side_by_side(map(key_of.__getitem__, sorted_in_steps(sortable, descending=descending)))


def sort_name(spec: SortSpec) -> str | None:
    """A name for a table order, to know a saved order again; None for an order that depends on
    contact counts (those change between saves)."""
    column, descending = spec
    # The version at the end changes with the sort definition, so an order saved by an older one
    # (names were once ordered by case alone) is sorted again rather than trusted.
    return None if column == Column.CONTACTS else f"{column.name}:{'desc' if descending else 'asc'}:2"


def presorted_batch(
    labels: Sequence[Label], texts: list[str], sort_spec: SortSpec, search: dict[str, str]
) -> LabelBatch:
    """A batch from labels already in ``sort_spec``'s order, with their search texts in that order
    and by key (a saved start-up snapshot): nothing to sort, and the strings are already side by side."""
    listed = list(labels)
    keys = list(map(_KEY_OF, listed))
    return LabelBatch(
        listed,
        search,
        keys,
        sort_spec,
        dict(zip(keys, listed, strict=True)),
        order_texts=texts,
    )


class _Order(NamedTuple):
    """A batch's order as a worker worked it out: the keys, their search texts (or None), and for what."""

    keys: list[str]
    texts: list[str] | None
    spec: SortSpec


class _Keys(list):
    """A list of label keys that also carries their search texts, in the same order."""

    __slots__ = ("texts",)

    def __init__(self, keys: Iterable[str], texts: list[str]) -> None:
        super().__init__(keys)
        self.texts = texts


class LabelTableModel(QAbstractTableModel):
    """All of a site's labels; the rows are those that pass the filter, in the chosen order.

    Signals: ``total_changed(int)`` after labels were added or removed (row signals come earlier,
    while the bookkeeping is still under way); ``sorting_changed(bool)`` when a new order starts
    and stops being worked out off the GUI thread (see BACKGROUND_SORT_FROM).
    """

    total_changed = Signal(int)
    sorting_changed = Signal(bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._by_key: dict[str, Label] = {}
        self._search: dict[str, str] = {}
        self._text_cache: dict[str, tuple[str | None, ...]] = {}
        self._counts: dict[str, int | None] | None = None
        #: True while _by_key, _search and _counts may be being read by a worker (lent by snapshot(),
        #: to a background sort, or taken from a batch still being saved): they are then copied
        #: before their first change (_own), never changed in place.
        self._lent = False
        #: Goes up with every change, so a worker's comparison can be known to be still true.
        self._version = 0
        self._visible: list[str] = []
        #: Search texts of the visible keys, same order; None when a row change made it stale.
        self._visible_texts: list[str] | None = None
        self._rows: dict[str, int] | None = {}
        self._sorted_all: list[str] | None = []
        #: Search texts in the order of ``_sorted_all``, made when a full scan needs them.
        self._sorted_texts: list[str] | None = None
        self._twins: dict[str, set[str]] | None = None
        self._needle = ""
        self._type_filter = TypeFilter.ALL
        #: The order shown (and kept by targeted updates)...
        self._sort_column = Column.NAME
        self._descending = False
        #: ...and the one being worked out on a worker, as (generation, spec), or None.
        self._pending_sort: tuple[int, SortSpec] | None = None
        self._sort_generation = 0
        self._sorter: TaskRunner | None = None  # made for the first background sort
        self.background_sort_from = BACKGROUND_SORT_FROM
        #: The rows are in a refresh's order, not quite in sort_spec's: sorted without the contact
        #: counts, shown so until a worker has sorted them by the counts (see apply_labels).
        self._provisional = False

    # -- Qt's model interface ---------------------------------------------------------------------------

    @never_fatal(0)
    def rowCount(self, parent: _Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._visible)

    @never_fatal(0)
    def columnCount(self, parent: _Index = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(Column)

    @never_fatal()
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            column = Column(section)
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.CONTACTS:
                return _RIGHT
        return None

    @never_fatal()
    def data(self, index: _Index, role: int = _DISPLAY):
        return self.value(index.row(), index.column(), role) if role in _HANDLED_ROLES else None

    @never_fatal()
    def multiData(self, index: _Index, span: QModelRoleDataSpan | QModelRoleData) -> None:
        self.fill(index.row(), index.column(), span)

    def fill(self, row: int, column: int, span: QModelRoleDataSpan | QModelRoleData) -> None:
        """Every role the view asks for about one cell, in one call from C++.

        A paint asks each visible cell for seven roles; answered one ``data()`` call at a time, that
        is seven calls into Python per cell, each needing the interpreter lock, which a busy worker
        thread holds.
        """
        # Qt always hands a QModelRoleDataSpan here; PySide6's stub widens the argument to QModelRoleData
        # too (a span converts from one) and gives QModelRoleDataSpan no __iter__, though it iterates.
        for item in span:  # type: ignore[union-attr]
            # Every entry is set, the unanswered ones to "no value": the view hands the same span
            # from cell to cell, so anything left alone would show the previous cell's value.
            role = item.role()
            try:
                value = self.value(row, column, role) if role in _HANDLED_ROLES else None
            except Exception:  # (this cell's other roles are still answered)
                log_override_failure("LabelTableModel.multiData")
                value = None
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def value(self, row: int, column: int, role: int):
        """``data()`` by row and column."""
        if row < 0 or row >= len(self._visible) or not 0 <= column < _COLUMNS:
            return None
        key = self._visible[row]
        if role in (_DISPLAY, _ACCESSIBLE):
            return self._texts(key)[column]
        label = self._by_key[key]
        if role == _DECORATION:
            if column != Column.NAME:
                return None
            # Editable rows get a blank of the same size, so every name starts at the same place.
            return icons.icon("lock") if not label.editable else icons.blank()
        if role == _ALIGNMENT:
            return _RIGHT if column == Column.CONTACTS else None
        if role == _TOOLTIP:
            return self._tooltip(label, column)
        if role == _SORT:
            return self._sort_value(label, column)
        return label  # _LABEL

    def _texts(self, key: str) -> tuple[str | None, ...]:
        """The display text of each column for one label, made once and kept (dates are slow to format)."""
        texts = self._text_cache.get(key)
        if texts is None:
            label = self._by_key[key]
            texts = (
                shown_name(label.display_name),
                shown_name(label.key),
                label.label_type.title,
                None,
                format_when(label.created),
                format_when(label.updated),
            )
            self._text_cache[key] = texts
        if self._counts is not None:
            count = self._counts.get(key, 0)  # (None: a count Wix sent that can't be believed)
            return (*texts[:3], "" if count is None else f"{count:,}", *texts[4:])
        return texts

    @staticmethod
    def _tooltip(label: Label, column: int) -> str | None:
        """Why the row is locked, and (on its name) what the name hides; plain text (see ui.text)."""
        hidden = reveal_name(label.display_name).hidden if column == Column.NAME else None
        parts = [part for part in (hidden, label.not_editable_reason) if part]
        return plain_tooltip("\n\n".join(parts)) if parts else None

    def _sort_value(self, label: Label, column: int):
        if column == Column.NAME:
            return name_order(label.display_name)
        if column == Column.KEY:
            return label.key
        if column == Column.TYPE:
            return label.label_type.title
        if column == Column.CONTACTS:
            count = self.contact_count(label.key)
            return -1 if count is None else count
        return _when(label.created if column == Column.CREATED else label.updated)

    @never_fatal()
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        column = Column(column) if 0 <= column < len(Column) else Column.NAME
        spec = (column, order == Qt.SortOrder.DescendingOrder)
        if spec == self.target_sort_spec and self._sorted_all is not None:
            return
        if spec == self.sort_spec and self._sorted_all is not None and not self._provisional:
            self._drop_pending_sort()  # back to the order shown: nothing to work out
            return
        self._resort(spec)

    @property
    def target_sort_spec(self) -> SortSpec:
        """The order the rows are in, or are about to be in (a worker is sorting them): the order a
        refresh should be prepared in."""
        return self._pending_sort[1] if self._pending_sort is not None else self.sort_spec

    def _now_in_order_of(self, spec: SortSpec, *, provisional: bool = False) -> None:
        """The rows were just put in ``spec``'s order (a batch sorted by a worker): if that is the
        order being worked out, it is here already. ``provisional``: sorted without the contact
        counts, so the caller has a worker sort them again (meanwhile ``spec`` is what they show)."""
        self._provisional = provisional
        if provisional:
            self._sort_column, self._descending = spec  # (a pending sort is superseded by the caller's)
        elif self._pending_sort is not None and self._pending_sort[1] == spec:
            self._sort_column, self._descending = spec
            self._drop_pending_sort()

    @property
    def sorting(self) -> bool:
        """True while a new order is being worked out on a worker (the rows show the old one)."""
        return self._pending_sort is not None

    def _resort(self, spec: SortSpec) -> None:
        """Show the rows in ``spec``'s order: at once for a small site, else when a worker has sorted them."""
        if len(self._by_key) < self.background_sort_from:
            self._sort_now(spec)
        else:
            self._sort_in_background(spec)

    @_holding_workers_back
    def _sort_now(self, spec: SortSpec) -> None:
        self._drop_pending_sort()
        self._provisional = False
        self._sort_column, self._descending = spec
        self._sorted_all = None
        self._relayout(self._filtered(self._all_sorted()))

    def _sort_in_background(self, spec: SortSpec) -> None:
        """Sort the labels on a worker (lent to it: see _own); a change meanwhile means sorting again."""
        from labeldesk.ui.workers import TaskRunner

        self._sort_generation += 1
        generation, version = self._sort_generation, self._version
        was_sorting = self.sorting
        self._pending_sort = (generation, spec)
        self._lent = True  # the worker reads them as they are now (see _own)
        labels, search, counts = self._by_key, self._search, self._counts

        def superseded() -> bool:  # (another click since: its sort waits behind this one)
            return self._sort_generation != generation

        def work() -> tuple[list[str], list[str]] | None:
            if superseded():
                return None
            order = ordered_keys(labels, counts, spec)
            if superseded():
                return None
            return order, _texts_in_order(search, order)

        if self._sorter is None:
            self._sorter = TaskRunner(self, read_threads=1)
        self._sorter.read(
            work,
            "sorting the table",
            on_success=lambda result: self._sorted(generation, version, result),
            on_failure=lambda error: self._sort_failed(generation),
        )
        if not was_sorting:
            self.sorting_changed.emit(True)

    def _sorted(self, generation: int, version: int, result: tuple[list[str], list[str]] | None) -> None:
        if result is None or self._pending_sort is None or self._pending_sort[0] != generation:
            return  # another order was asked for since (or the labels were cleared)
        spec = self._pending_sort[1]
        if version != self._version:
            # Labels changed while the worker sorted: that order is missing them. Sort again from
            # what there is now. (New counts start a sort of their own: see set_counts.)
            self._sort_in_background(spec)
            return
        self._apply_sorted(spec, *result)

    @_holding_workers_back
    def _apply_sorted(self, spec: SortSpec, order: list[str], texts: list[str]) -> None:
        self._pending_sort = None
        self._provisional = False
        self._sort_column, self._descending = spec
        self._sorted_all, self._sorted_texts = order, texts
        self._relayout(self._filtered(order))
        self.sorting_changed.emit(False)

    def _sort_failed(self, generation: int) -> None:
        # A bug (the worker logged it), not the user's doing: sort here instead, slow as it is.
        if self._pending_sort is not None and self._pending_sort[0] == generation:
            self._sort_now(self._pending_sort[1])

    def _drop_pending_sort(self) -> None:
        self._sort_generation += 1  # a sort queued or under way is no longer wanted
        if self._pending_sort is not None:
            self._pending_sort = None
            self.sorting_changed.emit(False)

    # -- reading ----------------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """How many labels the site has, whether or not the filter shows them."""
        return len(self._by_key)

    @property
    def labels(self) -> Sequence[Label]:
        return list(self._by_key.values())

    def label(self, key: str) -> Label | None:
        return self._by_key.get(key)

    def label_at(self, row: int) -> Label:
        return self._by_key[self._visible[row]]

    def labels_at(self, rows: Iterable[int]) -> list[Label]:
        """``label_at`` for many rows at C speed (all 100,000 selected: ~15 ms, not ~90)."""
        return list(map(self._by_key.__getitem__, map(self._visible.__getitem__, rows)))

    def row_of(self, key: str) -> int | None:
        """The row showing ``key``, or None if it is filtered out or unknown."""
        if self._rows is None:
            self._rows = {k: row for row, k in enumerate(self._visible)}
        return self._rows.get(key)

    def contact_count(self, key: str) -> int | None:
        """How many contacts have the label; None while unknown (or when Wix sent an unbelievable count)."""
        if self._counts is None:
            return None
        return self._counts.get(key, 0)

    def near_duplicate(self, name: str, *, ignore_key: str | None = None) -> Label | None:
        """A label whose name looks like ``name`` (domain.near_duplicate_form), via an index; None if none.

        Of several, the closest: the very same name, then the same but for case, then the lowest key.
        """
        if self._twins is None:
            # One rule for building, keeping and asking the index (near_duplicate_form, which has its
            # own quick path for ASCII names): never a form borrowed from the search texts.
            twins: dict[str, set[str]] = {}
            for key, label in self._by_key.items():
                twins.setdefault(near_duplicate_form(label.display_name), set()).add(key)
            self._twins = twins
        found = [self._by_key[key] for key in self._twins.get(near_duplicate_form(name), ()) if key != ignore_key]
        if not found:
            return None
        cleaned, same = clean_name(name), same_name_form(name)

        def closeness(label: Label) -> tuple[bool, bool, str]:
            return label.display_name != cleaned, same_name_form(label.display_name) != same, label.key

        return min(found, key=closeness)

    def _twin_forget(self, key: str, name: str) -> None:
        """Keep the near-duplicate index (if made) as the labels change, rather than make it anew:
        that took ~160 ms at 100,000 labels, on the first keystroke in a dialog after each change."""
        if self._twins is not None:
            form = near_duplicate_form(name)
            keys = self._twins.get(form)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._twins[form]

    def _twin_add(self, key: str) -> None:
        if self._twins is not None:
            self._twins.setdefault(near_duplicate_form(self._by_key[key].display_name), set()).add(key)

    # -- filtering and sorting ----------------------------------------------------------------------------

    @_holding_workers_back
    def set_search(self, text: str) -> None:
        needle = comparable_name(text)
        if needle == self._needle:
            return
        # Typing one more letter can only narrow the rows: filter what is shown, not everything
        # (unless nothing is filtered yet: then everything, whose search texts are kept ready).
        narrowing = self._needle in needle and (self._needle or self._type_filter is not TypeFilter.ALL)
        self._needle = needle
        self._relayout(self._filtered(self._visible if narrowing else self._all_sorted()))

    @_holding_workers_back
    def set_type_filter(self, type_filter: TypeFilter) -> None:
        if type_filter is not self._type_filter:
            self._type_filter = type_filter
            self._relayout(self._filtered(self._all_sorted()))

    @property
    def sort_spec(self) -> SortSpec:
        return self._sort_column, self._descending

    def _sort_key(self) -> Callable[[str], str]:
        return sort_key_function(self._by_key, self._counts, self._sort_column)

    def _all_sorted(self) -> list[str]:
        if self._sorted_all is None:
            self._sorted_all = ordered_keys(self._by_key, self._counts, self.sort_spec)
            self._sorted_texts = None
        return self._sorted_all

    def _accepts(self, key: str) -> bool:
        return (self._type_filter is TypeFilter.ALL or self._type_filter.accepts(self._by_key[key].label_type)) and (
            not self._needle or self._needle in self._search[key]
        )

    def _filtered(self, keys: list[str]) -> list[str]:
        """The keys that pass the filter, in their order, as a new list (carrying their search texts).

        The search texts come as a list in the same order as ``keys`` (kept for the full order and for
        what is shown), so the scan is one pass over strings and C-speed ``compress``, not a dict
        lookup per label: ~5 ms over 100,000 labels.
        """
        needle, kind, labels, search = self._needle, self._type_filter, self._by_key, self._search
        if not needle and kind is TypeFilter.ALL:
            return list(keys)  # nothing to filter: don't build the texts until a search needs them
        if keys is self._sorted_all:
            if self._sorted_texts is None:
                self._sorted_texts = _texts_in_order(search, keys)
            texts = self._sorted_texts
        elif keys is self._visible and self._visible_texts is not None:
            texts = self._visible_texts
        else:
            texts = [search[key] for key in keys]
        if kind is not TypeFilter.ALL:
            # C-speed maps, no Python per label: ~15 ms over 100,000 labels instead of ~120. (By the
            # members' ids: hashing an Enum member runs Enum.__hash__, in Python; members are singletons.)
            wanted = frozenset(map(id, kind.types))
            mask = list(map(wanted.__contains__, map(id, map(_TYPE_OF, map(labels.__getitem__, keys)))))
            keys, texts = list(compress(keys, mask)), list(compress(texts, mask))
        if needle:
            mask = [needle in text for text in texts]
            if not all(mask):  # (when every row still matches, as after a first common letter, no copies)
                keys, texts = list(compress(keys, mask)), list(compress(texts, mask))
        return _Keys(keys, texts)

    def _row_now(self, key: str) -> int | None:
        """``row_of`` for one change among many: the row index if it is up to date, else one C-speed
        scan. Rebuilding the index after every move cost ~10 ms at 100,000 labels, so a refresh
        bringing 150 renames took 3.2 s on the GUI thread."""
        return self._rows.get(key) if self._rows is not None else self._scan_for_row(key)

    def _scan_for_row(self, key: str) -> int | None:
        """The row of ``key`` by a C-speed list scan: for a few lookups, cheaper than a 100k-entry dict."""
        try:
            return self._visible.index(key)
        except ValueError:
            return None

    def _relayout(self, visible: list[str], *, announced: bool = False) -> None:
        """Show ``visible`` (new filter or order) as one layout change that keeps selections.
        ``announced``: the caller emitted layoutAboutToBeChanged itself, before changing labels."""
        texts = getattr(visible, "texts", None)
        if visible == self._visible and not announced:
            self._visible_texts = texts if texts is not None else self._visible_texts
            return  # e.g. a first letter that every label contains: nothing for the view to redo
        self._visible_texts = texts
        if not announced:
            self.layoutAboutToBeChanged.emit()
        old_visible = self._visible
        self._visible = visible
        self._rows = None
        persistent = self.persistentIndexList()
        if persistent:
            keys = [old_visible[index.row()] if 0 <= index.row() < len(old_visible) else None for index in persistent]
            where = self.row_of if len(persistent) > 16 else self._scan_for_row
            moved = []
            for index, key in zip(persistent, keys, strict=True):
                new_row = None if key is None else where(key)
                moved.append(QModelIndex() if new_row is None else self.index(new_row, index.column()))
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    # -- changing the labels ------------------------------------------------------------------------------

    @_holding_workers_back
    def apply_labels(self, labels: Iterable[Label] | LabelBatch) -> None:
        """Make the model hold exactly ``labels``, touching only the rows that differ.

        A LabelBatch brings its search texts and order along, so little is left to do here.
        """
        batch = labels if isinstance(labels, LabelBatch) else None
        self._version += 1
        if batch is not None and batch.base_version == self._version - 1 and self._by_key:
            # The worker already compared with the model as it still is: just apply the differences.
            gone, changed = batch.gone or [], batch.changed or []
            if len(gone) + len(changed) <= BULK_CHANGES:
                self._apply_changes(gone, changed, batch.search)
                return
        new = batch.by_key if batch is not None and batch.by_key is not None else {one.key: one for one in labels}
        known = batch.search if batch is not None else {}
        # A batch comes sorted for the order being worked out, or (prepared before a header click)
        # for the order shown; either spares the GUI thread a sort.
        target = self.target_sort_spec
        order_spec: SortSpec | None = None
        presorted: list[str] | None = None
        order_texts: list[str] | None = None
        if batch is not None and batch.sort_spec is not None and batch.sort_spec in (target, self.sort_spec):
            order_spec, presorted, order_texts = batch.sort_spec, batch.order, batch.order_texts
        sort_again = False
        if (
            presorted is not None
            and order_spec is not None
            and self._counts is not None
            and order_spec[0] == Column.CONTACTS
        ):
            # Sorted without the counts the model has now. A big table shows that order for a moment
            # and is sorted again on a worker; a small one is sorted here.
            sort_again = len(new) >= self.background_sort_from and len(presorted) == len(new)
            presorted = presorted if sort_again else None
        order = None if presorted is None or order_spec is None else _Order(presorted, order_texts, order_spec)
        if not self._by_key:
            if not new:
                return
            self._load(new, known, order, provisional=sort_again)
        else:
            gone = [key for key in self._by_key if key not in new]
            changed = [label for key, label in new.items() if self._by_key.get(key) != label]
            # Without an order from a worker (writes were merged into the refresh), one layout change
            # would sort a big table here: then up to ROW_BY_ROW_WITHOUT_ORDER changes go row by row.
            big_unsorted = presorted is None and len(new) >= self.background_sort_from
            if len(gone) + len(changed) <= (ROW_BY_ROW_WITHOUT_ORDER if big_unsorted else BULK_CHANGES):
                self._apply_changes(gone, changed, known)
                return
            self._replace_all(new, known, order, provisional=sort_again)
        if self._provisional:
            self._sort_in_background(target)

    def _load(
        self, new: dict[str, Label], known: Mapping[str, str], order: _Order | None, *, provisional: bool
    ) -> None:
        """Labels into an empty table: one reset."""
        self.beginResetModel()
        self._text_cache = {}
        self._by_key = new
        if len(known) == len(new):
            self._search = known if isinstance(known, dict) else dict(known)
            self._lent = True  # the batch's own: the cache is still saving it
        else:
            self._search = {key: known.get(key) or search_text(label) for key, label in new.items()}
        self._twins = None
        self._take_order(order, provisional=provisional)
        self._visible = self._filtered(self._all_sorted())
        self._visible_texts = getattr(self._visible, "texts", None)
        self._rows = None
        self.endResetModel()
        self.total_changed.emit(self.total)

    def _take_order(self, order: _Order | None, *, provisional: bool) -> None:
        """Use a worker's order (and the search texts in it) for the labels just put in, if it names
        them all; else the order is worked out when first needed. ``provisional``: see _now_in_order_of."""
        usable = order if order is not None and len(order.keys) == len(self._by_key) else None
        self._sorted_all = list(usable.keys) if usable is not None else None  # copies: both are changed in place later
        self._sorted_texts = list(usable.texts) if usable is not None and usable.texts is not None else None
        self._provisional = False
        if usable is not None:
            self._now_in_order_of(usable.spec, provisional=provisional)

    def _apply_changes(self, gone: list[str], changed: list[Label], known: Mapping[str, str]) -> None:
        for key in gone:
            self.remove(key)
        for label in changed:
            self.upsert(label, known.get(label.key))
        if gone or changed:
            self.total_changed.emit(self.total)

    def snapshot(self) -> tuple[int, dict[str, Label], dict[str, str]]:
        """The labels (and their search texts) as they are now, with a version: a worker compares a
        refresh with it. Not copies: the model copies them before it next changes (see _lent), so a
        refresh that finds nothing new copies nothing (copying took ~5 ms at 50,000 labels)."""
        self._lent = True
        return self._version, self._by_key, self._search

    def _own(self) -> None:
        """Before a change in place: copies of what a worker may still be reading."""
        if self._lent:
            with gui_busy():
                self._by_key, self._search = dict(self._by_key), dict(self._search)
                self._counts = None if self._counts is None else dict(self._counts)
            self._lent = False

    def _replace_all(
        self, new: dict[str, Label], known: Mapping[str, str], order: _Order | None, *, provisional: bool
    ) -> None:
        """Many changes at once: rebuild, and tell the view in one layout change (selections kept).

        Announced before anything changes, as Qt asks (views and selections read the rows then),
        and always: the same rows in the same order may still show new names.
        """
        self.layoutAboutToBeChanged.emit()
        search, labels = self._search, self._by_key
        self._search = {  # an unchanged label keeps its text; a changed one takes the batch's, if any
            key: search[key] if labels.get(key) == label else (known.get(key) or search_text(label))
            for key, label in new.items()
        }
        self._text_cache = {
            key: texts for key, texts in self._text_cache.items() if self._by_key.get(key) == new.get(key)
        }
        self._by_key = new
        self._twins = None
        self._take_order(order, provisional=provisional)
        if self._counts is not None:
            self._counts = {key: count for key, count in self._counts.items() if key in new}
        self._lent = False  # all three are new
        self._relayout(self._filtered(self._all_sorted()), announced=True)
        self.total_changed.emit(self.total)

    def upsert(self, label: Label, text: str | None = None) -> None:
        """Add one label at its sorted place, or change (and if need be move) its row."""
        key = label.key
        old = self._by_key.get(key)
        if old == label:
            return
        self._version += 1
        self._own()
        old_row = self._row_now(key) if old is not None else None
        if old is not None:
            self._forget_sorted(key)
        self._by_key[key] = label
        self._text_cache.pop(key, None)
        if old is not None:
            self._twin_forget(key, old.display_name)
        self._search[key] = text or search_text(label)
        self._twin_add(key)
        self._visible_texts = None
        self._insert_sorted(key)
        if old is None:
            self.total_changed.emit(self.total)  # (also when the filter hides it: the total still grew)
        if not self._accepts(key):
            if old_row is not None:
                self._remove_row(old_row)
            return
        if old_row is None:
            new_row = self._position(self._visible, key)
            self.beginInsertRows(_NO_PARENT, new_row, new_row)
            self._visible.insert(new_row, key)
            self._visible_texts = None
            self._rows = None
            self.endInsertRows()
            return
        rest = self._visible[:old_row] + self._visible[old_row + 1 :]
        new_row = self._position(rest, key)
        destination = new_row if new_row <= old_row else new_row + 1  # beginMoveRows counts the row itself
        row = old_row
        if destination not in (old_row, old_row + 1):
            self.beginMoveRows(_NO_PARENT, old_row, old_row, _NO_PARENT, destination)
            rest.insert(new_row, key)
            self._visible = rest
            self._visible_texts = None
            self._rows = None
            self.endMoveRows()
            row = new_row
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def remove(self, key: str) -> Label | None:
        label = self._by_key.get(key)
        if label is None:
            return None
        self._version += 1
        self._own()
        row = self._row_now(key)
        if row is not None:
            self._remove_row(row)
        self._forget_sorted(key)
        self._twin_forget(key, label.display_name)
        del self._by_key[key]
        del self._search[key]
        self._text_cache.pop(key, None)
        if self._counts is not None:
            self._counts.pop(key, None)
        self.total_changed.emit(self.total)
        return label

    @_holding_workers_back
    def set_counts(self, counts: Mapping[str, int | None] | None) -> None:
        self._counts = None if counts is None else dict(counts)
        coming = self.target_sort_spec
        if coming[0] == Column.CONTACTS:
            self._resort(coming)
        if self._visible:  # (a new order may take a moment: show the new counts meanwhile)
            column = Column.CONTACTS
            self.dataChanged.emit(self.index(0, column), self.index(len(self._visible) - 1, column))

    def clear(self) -> None:
        self._version += 1
        if self._pending_sort is not None:  # no rows: they are in the order asked for (the header shows it)
            self._sort_column, self._descending = self._pending_sort[1]
        self._drop_pending_sort()
        self._provisional = False
        self.beginResetModel()
        self._by_key, self._search, self._visible, self._text_cache = {}, {}, [], {}
        self._lent = False
        self._visible_texts = None
        self._rows, self._sorted_all, self._twins, self._counts = {}, [], None, None
        self._sorted_texts = None
        self.endResetModel()
        self.total_changed.emit(0)

    # -- internals ----------------------------------------------------------------------------------------

    def _remove_row(self, row: int) -> None:
        self.beginRemoveRows(_NO_PARENT, row, row)
        del self._visible[row]
        self._visible_texts = None
        self._rows = None
        self.endRemoveRows()

    def _position(self, keys: list[str], key: str) -> int:
        """Where ``key`` goes in ``keys`` (sorted in the current order), by binary search."""
        sort_key = self._sort_key()
        target, descending = sort_key(key), self._descending
        lo, hi = 0, len(keys)
        while lo < hi:
            mid = (lo + hi) // 2
            here = sort_key(keys[mid])
            if (here > target) if descending else (here < target):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _insert_sorted(self, key: str) -> None:
        """Put ``key`` (whose search text is already known) at its place in the full order."""
        if self._sorted_all is None:
            return
        position = self._position(self._sorted_all, key)
        self._sorted_all.insert(position, key)
        if self._sorted_texts is not None:
            self._sorted_texts.insert(position, self._search[key])

    def _forget_sorted(self, key: str) -> None:
        if self._sorted_all is None:
            return
        position = self._sorted_all.index(key)
        del self._sorted_all[position]
        if self._sorted_texts is not None:
            del self._sorted_texts[position]
