"""One definition of each column's order: every path that orders the table agrees with it.

The paths: a refresh prepared off the GUI thread (labeldesk.index.prepare_batch), a header click
sorted here or on a worker, labels put in one at a time, and the sort role the view can read. The
definition: labeldesk.index.sort_values (value, then ties).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from labeldesk import index
from labeldesk.domain import Label, LabelType
from labeldesk.index import Column, sort_value, sort_values
from labeldesk.ui.table.columns import Role
from labeldesk.ui.table.model import LabelTableModel

MOMENT = datetime(2025, 3, 14, 9, 5, tzinfo=UTC)
#: (key, name, type, created, updated): names that differ only by case or accents, equal names,
#: no dates, dates before 1970, and moments 10 microseconds apart (the later with the lower key).
ROWS = [
    ("custom.a1", "Émile", LabelType.USER_DEFINED, MOMENT, MOMENT),
    ("custom.a2", "emile", LabelType.USER_DEFINED, MOMENT, None),
    ("custom.a3", "Emile", LabelType.SYSTEM, None, MOMENT),
    ("custom.b1", "Zoë", LabelType.WIX_APP_DEFINED, datetime(1950, 6, 1, tzinfo=UTC), None),
    ("custom.b2", "zoe", LabelType.USER_DEFINED, None, None),
    ("custom.c1", "Same", LabelType.USER_DEFINED, MOMENT + timedelta(microseconds=10), MOMENT),
    ("custom.c0", "Same", LabelType.USER_DEFINED, MOMENT + timedelta(microseconds=20), MOMENT),
    ("custom.c2", "SAME", LabelType.UNKNOWN, datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)),
    ("custom.d1", "Ölbar", LabelType.USER_DEFINED, datetime(1969, 12, 31, 23, tzinfo=UTC), MOMENT),
    ("custom.d2", "Oliven", LabelType.SYSTEM, MOMENT - timedelta(days=400), MOMENT),
    ("custom.e1", "abc", LabelType.USER_DEFINED, MOMENT, MOMENT + timedelta(microseconds=1)),
]
LABELS = [Label(key, name, kind, "custom", "Labels", created, updated) for key, name, kind, created, updated in ROWS]
BY_KEY = {label.key: label for label in LABELS}
#: Equal counts, a zero, a count Wix sent that can't be believed (None), and labels left out (0).
COUNTS = {"custom.a1": 5, "custom.a2": 5, "custom.a3": 0, "custom.b1": None, "custom.c1": 7, "custom.c0": 7}
SPECS = [(column, descending) for column in Column for descending in (False, True)]


def by_definition(spec, counts):
    """The order the definition gives: Python's sort over the full tuples of native values."""
    column, descending = spec

    def count_of(key):
        return None if counts is None else counts.get(key, 0)

    ordered = sorted(LABELS, key=lambda label: sort_values(label, column, count_of(label.key)), reverse=descending)
    return [label.key for label in ordered]


def shown(model):
    return [model.label_at(row).key for row in range(model.rowCount())]


def qt_order(descending):
    return Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder


@pytest.mark.parametrize("counts", [COUNTS, None], ids=["counts", "no-counts"])
@pytest.mark.parametrize("spec", SPECS, ids=[f"{c.name}-{'desc' if d else 'asc'}" for c, d in SPECS])
def test_every_path_orders_the_table_as_the_one_definition_does(qtbot, spec, counts):
    column, descending = spec
    expected = by_definition(spec, counts)
    # A refresh prepared off the GUI thread (in the engine, or the saved copy's first read).
    assert index.prepare_batch(LABELS, spec, counts).order == expected
    assert index.ordered_keys(BY_KEY, counts, spec) == expected
    # A header click, sorted here.
    model = LabelTableModel()
    model.apply_labels(LABELS)
    model.set_counts(counts)
    model.sort(column, qt_order(descending))
    assert shown(model) == expected
    # The sort role agrees with the rows, value by value.
    values = [model.index(row, column).data(Role.SORT) for row in range(model.rowCount())]
    count_of = model.contact_count
    assert values == [sort_value(BY_KEY[key], column, count_of(key)) for key in expected]
    assert values == sorted(values, reverse=descending)
    # Labels put in one at a time each land at their place.
    one_by_one = LabelTableModel()
    one_by_one.set_counts(counts)
    one_by_one.sort(column, qt_order(descending))
    for label in LABELS:
        one_by_one.upsert(label)
    assert shown(one_by_one) == expected
    # A big table's header click, sorted on a worker.
    big = LabelTableModel()
    big.background_sort_from = 1
    big.apply_labels(LABELS)
    big.set_counts(counts)
    qtbot.waitUntil(lambda: not big.sorting, timeout=5000)
    big.sort(column, qt_order(descending))
    qtbot.waitUntil(lambda: not big.sorting, timeout=5000)
    assert shown(big) == expected


def test_moments_closer_than_a_millisecond_sort_by_time_not_by_key():
    """Dates were written as text with less precision than their values have: two moments 10 µs
    apart tied, and the tie went to the key, against the sort role's order."""
    earlier, later = BY_KEY["custom.c1"], BY_KEY["custom.c0"]  # the later one has the lower key
    model = LabelTableModel()
    model.apply_labels([earlier, later])
    model.sort(Column.CREATED)
    assert shown(model) == ["custom.c1", "custom.c0"]
    values = [model.index(row, Column.CREATED).data(Role.SORT) for row in range(model.rowCount())]
    assert values[0] < values[1]
