"""The table's orders: one definition of how each column sorts, and the sorts built on it.

Every path that orders labels (a refresh prepared off the GUI thread, a header click, one label
put in its place, the table's sort role) goes through :func:`sort_value` and :data:`TIES`.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from operator import attrgetter

from labeldesk.domain import Label, name_order
from labeldesk.index.steps import side_by_side


class Column(enum.IntEnum):
    """The table's columns, each also an order."""

    NAME = 0
    KEY = 1
    TYPE = 2
    CONTACTS = 3
    CREATED = 4
    UPDATED = 5

    @property
    def title(self) -> str:
        return self.name.title()


SortSpec = tuple[Column, bool]  # (column, descending)
#: A sort value: a name without case or accents, a key or a type's title (str), a contact count
#: (int, -1 while unknown) or a moment in seconds since 1970 (float, -inf for none).
SortValue = str | int | float


def when(value: datetime | None) -> float:
    """A time as seconds since 1970 (negative before); none is -inf (sorts first)."""
    if value is None:
        return -math.inf
    # (A time without a zone, never sent by the service, is taken as UTC: its local reading may not exist.)
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).timestamp()


#: The one definition of each column's order (but Contacts, below): label -> its value in the column.
_VALUE_OF: dict[Column, Callable[[Label], SortValue]] = {
    Column.NAME: lambda label: name_order(label.display_name),
    Column.KEY: attrgetter("key"),
    Column.TYPE: lambda label: label.label_type.title,
    Column.CREATED: lambda label: when(label.created),
    Column.UPDATED: lambda label: when(label.updated),
}


def count_value(count: int | None) -> int:
    """The Contacts column's order: a label's contact count, -1 (first) while unknown."""
    return -1 if count is None else count


#: Equal values in a column are ordered by these columns' values, in turn (the key is last: no two equal).
TIES: dict[Column, tuple[Column, ...]] = {
    Column.NAME: (Column.KEY,),
    Column.KEY: (),
    Column.TYPE: (Column.NAME, Column.KEY),
    Column.CONTACTS: (Column.NAME, Column.KEY),
    Column.CREATED: (Column.KEY,),
    Column.UPDATED: (Column.KEY,),
}


def sort_value(label: Label, column: Column, count: int | None = None) -> SortValue:
    """What ``label`` is sorted by in ``column`` (see SortValue); ``count``: its contacts, None if unknown."""
    return count_value(count) if column == Column.CONTACTS else _VALUE_OF[column](label)


def sort_values(label: Label, column: Column, count: int | None = None) -> tuple[SortValue, ...]:
    """The full order of ``column`` for one label, ties included: sorting by these tuples gives the
    same order as :func:`ordered_keys`."""
    return tuple(sort_value(label, one, count) for one in (column, *TIES[column]))


_DOUBLE = struct.Struct(">d")
_ALL_BITS = (1 << 64) - 1
_SIGN_BIT = 1 << 63


def _float_text(value: float) -> str:
    """Fixed-width text that sorts exactly as ``value`` does: equal for equal floats only (-inf first)."""
    if value == _NEVER:
        return _NEVER_TEXT  # (no date: common, and quicker so)
    bits = int.from_bytes(_DOUBLE.pack(value + 0.0), "big")  # (+ 0.0: -0.0 is 0.0, as == says)
    return f"{bits ^ _ALL_BITS if bits & _SIGN_BIT else bits | _SIGN_BIT:016x}"


_NEVER = -math.inf
_NEVER_TEXT = f"{(int.from_bytes(_DOUBLE.pack(_NEVER), 'big') ^ _ALL_BITS):016x}"


def _count_text(count: int | None) -> str:
    """Fixed-width text that sorts as count_value does; 16 digits hold domain.MAX_COUNT + 1."""
    return f"{count_value(count) + 1:016d}"


def _as_text(column: Column, counts: Mapping[str, int | None] | None) -> Callable[[Label], str]:
    """label -> ``column``'s sort value as text that sorts the same way, with the contact counts bound in."""
    if column == Column.CONTACTS:
        known = counts is not None
        table = counts or {}
        # (A label missing from known counts has none: 0. Unknown counts are None.)
        return lambda label: _count_text(table.get(label.key, 0) if known else None)
    value = _VALUE_OF[column]
    if column in (Column.CREATED, Column.UPDATED):
        return lambda label: _float_text(value(label))  # type: ignore[arg-type]
    return value  # type: ignore[return-value]  # (strings are their own text)


def sort_key_function(
    labels: Mapping[str, Label], counts: Mapping[str, int | None] | None, column: Column
) -> Callable[[str], str]:
    """The key (label key -> string) that orders ``labels`` by ``column``, ties as :data:`TIES` says.

    Made from :func:`sort_values`: the values as texts that sort the same way, joined by NUL, which
    sorts before every other character (keys, titles, counts and dates never hold it; a name that
    does, made elsewhere, may sort out of turn among names that begin the same). Strings, not
    tuples: a list of strings sorts in a fraction of the time the same list of tuples takes.
    """
    texts = [_as_text(one, counts) for one in (column, *TIES[column])]
    if len(texts) == 1:
        (only,) = texts
        return lambda key: only(labels[key])
    if len(texts) == 2:
        first, second = texts
        return lambda key: f"{first(label := labels[key])}\0{second(label)}"
    first, second, third = texts
    return lambda key: f"{first(label := labels[key])}\0{second(label)}\0{third(label)}"


def ordered_keys(
    by_key: Mapping[str, Label],
    counts: Mapping[str, int | None] | None,
    spec: SortSpec,
) -> list[str]:
    """The keys of ``by_key`` in ``spec``'s order, as copies side by side in memory."""
    column, descending = spec
    keys = list(by_key)
    sortable = list(map(sort_key_function(by_key, counts, column), keys))
    key_of = dict(zip(sortable, keys, strict=True))  # each sort string is distinct and names its key
    # (the strings are distinct, so the reverse order is the descending sort)
    return side_by_side(map(key_of.__getitem__, sorted(sortable, reverse=descending)))


def insertion_point(keys: Sequence[str], key: str, sort_key: Callable[[str], str], descending: bool) -> int:
    """Where ``key`` goes in ``keys`` (sorted by ``sort_key``, descending or not), by binary search."""
    target = sort_key(key)
    lo, hi = 0, len(keys)
    while lo < hi:
        mid = (lo + hi) // 2
        here = sort_key(keys[mid])
        if (here > target) if descending else (here < target):
            lo = mid + 1
        else:
            hi = mid
    return lo


def sort_name(spec: SortSpec) -> str | None:
    """A name for a table order, to know a saved order again; None for an order that depends on
    contact counts (those change between saves)."""
    column, descending = spec
    if column == Column.CONTACTS:
        return None
    return f"{column.name}:{'desc' if descending else 'asc'}:{_DEFINITION_VERSION.get(column, 2)}"


#: The version at the end of a saved order's name changes with the column's sort definition, so an
#: order saved by an older one is sorted again rather than trusted. Names were once ordered by case
#: alone (2); dates were once written as text with less precision than their values have (3).
_DEFINITION_VERSION = {Column.CREATED: 3, Column.UPDATED: 3}


KEY_OF = attrgetter("key")
