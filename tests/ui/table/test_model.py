"""The table model on its own: Qt's model rules, targeted updates, plain text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QCoreApplication, QModelRoleData, QModelRoleDataSpan, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from labeldesk.domain import Label, LabelType
from labeldesk.index import CHECKING, NearDuplicates
from labeldesk.ui.models import Column, LabelTableModel, Role, TypeFilter


def label(key, name, kind=LabelType.USER_DEFINED, day=1):
    created = None if kind is LabelType.SYSTEM else datetime(2025, 1, day, tzinfo=UTC)
    return Label(key, name, kind, key.split(".")[0], "Labels", created, created)


LABELS = [
    label("contacts.customers", "Customers", LabelType.SYSTEM),
    label("custom.vip", "VIP", day=3),
    label("custom.cafe", "Café", day=2),
    label("shop.bought", "Bought", LabelType.WIX_APP_DEFINED, day=5),
]


def test_the_model_passes_qt_model_tester(qtmodeltester):
    model = LabelTableModel()
    model.apply_labels(LABELS)
    model.set_counts({"custom.vip": 3})
    qtmodeltester.check(model, force_py=True)


def test_counts_that_changed_are_merged_in_and_kept_for_a_label_not_shown_yet():
    model = LabelTableModel()
    model.apply_labels(LABELS)
    model.update_counts({"custom.vip": 9})
    assert model.contact_count("custom.vip") is None  # no counts yet: nothing to merge into
    model.set_counts({"custom.vip": 3, "custom.cafe": 2})
    model.update_counts({"custom.vip": 0, "custom.back": 24})  # (a restore's count comes before its label)
    assert [model.contact_count(key) for key in ("custom.vip", "custom.cafe", "custom.back")] == [0, 2, 24]


def test_the_model_passes_qt_model_tester_while_it_changes(qtmodeltester):
    model = LabelTableModel()
    model.sort(Column.NAME)
    qtmodeltester.check(model, force_py=True)
    model.apply_labels(LABELS)
    model.set_search("ca")
    model.upsert(label("custom.cab", "Cab"))
    model.remove("custom.cafe")
    model.set_type_filter(TypeFilter.CUSTOM)
    model.apply_labels([*LABELS[:2], label("custom.new", "New")])
    assert [model.label_at(r).key for r in range(model.rowCount())] == []
    model.set_search("")
    assert sorted(model.label_at(r).key for r in range(model.rowCount())) == ["custom.new", "custom.vip"]


def test_apply_labels_inserts_removes_and_changes_only_what_differs():
    model = LabelTableModel()
    model.apply_labels(LABELS)
    events = []
    model.modelReset.connect(lambda: events.append("reset"))
    model.rowsInserted.connect(lambda parent, first, last: events.append(("insert", first, last)))
    model.rowsRemoved.connect(lambda parent, first, last: events.append(("remove", first, last)))
    model.dataChanged.connect(lambda tl, br, roles: events.append(("changed", tl.row(), br.row())))
    renamed = label("custom.cafe", "Café Regulars", day=2)
    model.apply_labels([LABELS[0], LABELS[1], renamed, label("custom.z", "Zed")])
    # Sorted by name: Bought, Café, Customers, VIP. Bought goes, Café changes in place, Zed comes last.
    assert events == [("remove", 0, 0), ("changed", 0, 0), ("insert", 3, 3)]
    model.apply_labels([LABELS[0], LABELS[1], renamed, label("custom.z", "Zed")])
    assert len(events) == 3  # nothing differs, nothing is announced


def test_the_first_load_is_one_reset():
    model = LabelTableModel()
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    model.apply_labels(LABELS)
    assert resets == [1] and model.rowCount() == 4


def test_roles_give_display_text_native_sort_values_and_the_label():
    model = LabelTableModel()
    model.apply_labels(LABELS)
    vip = model.index(model.row_of("custom.vip"), Column.CREATED)
    assert vip.data(Role.SORT) == datetime(2025, 1, 3, tzinfo=UTC).timestamp()
    assert vip.data(Role.LABEL).key == "custom.vip"
    customers = model.index(model.row_of("contacts.customers"), Column.CREATED)
    assert customers.data() is None and customers.data(Role.SORT) == float("-inf")
    counts = model.index(model.row_of("contacts.customers"), Column.CONTACTS)
    assert counts.data() is None and counts.data(Role.SORT) == -1  # unknown until the counts arrive
    model.set_counts({"contacts.customers": 1234})
    assert counts.data() == "1,234" and counts.data(Role.SORT) == 1234
    assert model.index(model.row_of("custom.vip"), Column.CONTACTS).data() == "0"
    assert model.index(0, 99).data() is None
    assert model.index(0, 0).data(Qt.ItemDataRole.UserRole + 50) is None


def test_one_call_answers_every_role_of_a_cell_as_data_does():
    """multiData (one call per cell on each paint) must say exactly what data() says, filtered too."""
    model = LabelTableModel()
    model.apply_labels(LABELS)
    model.set_counts({"custom.vip": 3})
    roles = [*range(0, 15), Role.SORT, Role.LABEL, Qt.ItemDataRole.UserRole + 50]
    items = {role: QModelRoleData(role) for role in roles}  # reused from cell to cell, as the view does
    for needle in ("", "c"):
        model.set_search(needle)
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                index = model.index(row, column)
                for role, item in items.items():
                    model.multiData(index, QModelRoleDataSpan(item))
                    got, expected = item.data(), index.data(role)
                    if isinstance(expected, QIcon):  # no == for icons: the same icon has the same key
                        got, expected = got.cacheKey(), expected.cacheKey()
                    assert got == expected, (needle, row, column, role)
    assert model.rowCount() == 3


def test_cells_are_enabled_and_selectable_without_asking_python():
    """flags() is QAbstractTableModel's own (C++): a paint asks it of every cell."""
    model = LabelTableModel()
    model.apply_labels(LABELS)
    assert "flags" not in LabelTableModel.__dict__
    expected = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
    assert model.flags(model.index(0, 0)) == expected
    assert model.flags(model.index(99, 0)) == Qt.ItemFlag.NoItemFlags


@pytest.mark.parametrize("name", ["<b>x</b>", "<img src=x>", "مرحبا بالعالم", "🎉🐶 Party", "&amp; &lt;", "W" * 180])
def test_names_are_returned_exactly_as_typed(name):
    model = LabelTableModel()
    model.apply_labels([label("custom.x", name)])
    assert model.index(0, Column.NAME).data() == name


def names(model):
    return [model.label_at(row).display_name for row in range(model.rowCount())]


def test_new_labels_land_at_their_sorted_place_and_renames_move():
    model = LabelTableModel()
    model.apply_labels(LABELS)
    moves = []
    model.rowsMoved.connect(lambda *args: moves.append((args[1], args[4])))
    model.upsert(label("custom.bee", "Bee"))
    assert names(model) == ["Bee", "Bought", "Café", "Customers", "VIP"]
    model.upsert(label("custom.bee", "Zebra"))
    assert names(model) == ["Bought", "Café", "Customers", "VIP", "Zebra"]
    assert moves == [(0, 5)]
    model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)
    model.upsert(label("custom.a", "Aardvark"))
    assert names(model) == ["Zebra", "VIP", "Customers", "Café", "Bought", "Aardvark"]


def test_names_sort_without_case_or_accents_in_every_path():
    """Émile beside Emile and before Zoë, as a person expects (Wix's own order is by code point)."""
    given = ["Zoë", "émile", "Eve", "Ölbar", "abc", "Emile", "Oliven"]
    expected = ["abc", "émile", "Emile", "Eve", "Ölbar", "Oliven", "Zoë"]
    model = LabelTableModel()
    model.apply_labels([label(f"custom.n{i}", name) for i, name in enumerate(given)])
    by_load = names(model)
    assert [name.casefold() for name in by_load] == [name.casefold() for name in expected]
    model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)
    model.sort(Column.NAME, Qt.SortOrder.AscendingOrder)  # the header click path
    assert names(model) == by_load
    model.upsert(label("custom.new", "Éclair"))  # one row lands at its place
    assert names(model).index("Éclair") == names(model).index("émile") - 1
    values = [model.index(row, Column.NAME).data(Role.SORT) for row in range(model.rowCount())]
    assert values == sorted(values)  # the sort role agrees


def test_filter_and_sort_keep_the_selection_through_persistent_indexes():
    model = LabelTableModel()
    model.apply_labels(LABELS)
    vip = QPersistentModelIndex(model.index(model.row_of("custom.vip"), 0))
    model.sort(Column.CREATED, Qt.SortOrder.DescendingOrder)
    assert vip.row() == model.row_of("custom.vip") and vip.data() == "VIP"
    model.set_search("v")
    assert names(model) == ["VIP"] and vip.row() == 0
    model.set_search("caf")
    assert not vip.isValid()  # filtered out: the selection lets go of it


def test_many_changes_at_once_are_one_layout_change():
    model = LabelTableModel()
    model.apply_labels([label(f"custom.l{n}", f"L{n:04d}") for n in range(1000)])
    kept = QPersistentModelIndex(model.index(model.row_of("custom.l999"), 0))
    events = []
    model.layoutChanged.connect(lambda *args: events.append("layout"))
    model.rowsInserted.connect(lambda *args: events.append("insert"))
    model.apply_labels([label(f"custom.l{n}", f"M{n:04d}") for n in range(500, 1500)])
    assert events == ["layout"]
    assert model.rowCount() == 1000 and kept.data() == "M0999"


def test_near_duplicates_are_found_through_an_index():
    model = LabelTableModel()
    model.apply_labels(LABELS)
    assert model.near_duplicate("  CAFE\u0301 ").key == "custom.cafe"
    assert model.near_duplicate("vip").key == "custom.vip"
    assert model.near_duplicate("VIPs") is None
    assert model.near_duplicate("   ") is None
    assert model.near_duplicate("cafe", ignore_key="custom.cafe") is None
    assert model.near_duplicate("cafe") is None  # an accent makes a different word
    model.upsert(label("custom.cafe", "Bistro"))
    assert model.near_duplicate("café") is None


def test_the_closest_near_duplicate_comes_first():
    model = LabelTableModel()
    model.apply_labels([label("custom.a", "ＶＩＰ"), label("custom.b", "vip"), label("custom.c", "VIP")])
    assert model.near_duplicate("VIP").key == "custom.c"  # the very name
    assert model.near_duplicate("Vip").key == "custom.b"  # the same but for case, before the lowest key
    assert model.near_duplicate("Vip", ignore_key="custom.b").key == "custom.c"
    assert model.near_duplicate("V I P") is None


def test_search_after_many_single_changes_matches_a_plain_scan():
    """The full order and its search texts are patched in place on each change, never rebuilt:
    after a run of adds, renames and removes, searching must still find exactly the right rows."""
    import random

    from labeldesk.domain import name_order, search_text

    rng = random.Random(3)
    model = LabelTableModel()
    words = ["Spring", "Café", "VIP", "Online", "Trade", "Ärger", "Local"]
    labels = {f"custom.l{n}": label(f"custom.l{n}", f"{rng.choice(words)} {n}") for n in range(300)}
    model.apply_labels(list(labels.values()))
    for step in range(200):
        model.set_search(rng.choice(["", "a", "ca", "spr", "l1", "e"]))  # keep the texts in use
        key = f"custom.l{rng.randrange(400)}"
        if key in labels and rng.random() < 0.3:
            model.remove(key)
            del labels[key]
        else:
            labels[key] = label(key, f"{rng.choice(words)} {step}")
            model.upsert(labels[key])
        needle = rng.choice(["ca", "spr", "l2", "e 1", "arg"])
        model.set_search(needle)
        shown = [model.label_at(row).key for row in range(model.rowCount())]
        by_name = sorted(labels, key=lambda k: (name_order(labels[k].display_name), k))
        expected = [key for key in by_name if needle in search_text(labels[key])]
        assert shown == expected, step


def test_the_table_paints_exactly_as_it_would_through_data(qtbot):
    """The one-call-per-cell path must draw what Qt's own per-role path draws, pixel for pixel."""
    from PySide6.QtCore import QSortFilterProxyModel
    from PySide6.QtWidgets import QTableView

    model = LabelTableModel()
    model.apply_labels([*LABELS, label("custom.long", "A long name " * 5), label("custom.e", "Éclair", day=9)])
    model.set_counts({"custom.vip": 3, "contacts.customers": 1200})
    plain = QSortFilterProxyModel()  # asks data() role by role
    plain.setSourceModel(model)
    images = []
    for shown in (plain, model):
        view = QTableView()
        qtbot.addWidget(view)
        view.setModel(shown)
        view.resize(900, 300)
        view.show()
        qtbot.waitExposed(view)
        images.append(view.grab().toImage())
    assert images[0] == images[1]


def test_rows_are_laid_out_before_the_first_paint_after_a_load_or_a_filter(qtbot, settings):
    """The scroll range is right at once, so the first paint isn't followed by a second one."""
    from labeldesk.ui.main_window import MainWindow

    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(900, 500)
    window.show()
    qtbot.waitExposed(window)
    bar = window.table.verticalScrollBar()
    window.model.apply_labels([label(f"custom.l{n:04d}", f"Label {n:04d}") for n in range(2000)])
    assert bar.maximum() > 1000  # no event processed yet: laid out right after the reset
    window.model.set_search("label 00")
    assert 0 < bar.maximum() < 100  # 100 rows left: laid out right after the layout change


# -- sorting a big table on a worker ------------------------------------------------------------------


def many(count=300):
    return [label(f"custom.l{n:04d}", f"Label {(n * 7919) % count:04d}", day=1 + n % 28) for n in range(count)]


def keys_shown(model):
    return [model.label_at(row).key for row in range(model.rowCount())]


def sorted_here(labels, column, order=Qt.SortOrder.AscendingOrder, counts=None):
    """The order the same labels get when the model sorts them on the spot."""
    model = LabelTableModel()
    model.apply_labels(labels)
    if counts is not None:
        model.set_counts(counts)
    model.sort(column, order)
    return keys_shown(model)


@pytest.fixture
def big_model(qtbot):
    model = LabelTableModel()
    model.background_sort_from = 100  # "big" from 100 labels on, so the test stays quick
    model.apply_labels(many())
    return model


def test_a_big_table_keeps_its_rows_while_a_worker_sorts_them(qtbot, big_model):
    model = big_model
    before = keys_shown(model)
    kept = QPersistentModelIndex(model.index(model.row_of("custom.l0042"), 0))
    with qtbot.waitSignal(model.sorting_changed, timeout=5000) as started:
        model.sort(Column.KEY, Qt.SortOrder.DescendingOrder)
        assert keys_shown(model) == before  # the GUI thread did not sort
        assert model.sorting and model.sort_spec == (Column.NAME, False)  # the order shown
    assert started.args == [True]
    with qtbot.waitSignal(model.sorting_changed, timeout=5000) as done:
        pass
    assert done.args == [False] and not model.sorting
    assert model.sort_spec == (Column.KEY, True)
    assert keys_shown(model) == sorted_here(many(), Column.KEY, Qt.SortOrder.DescendingOrder)
    assert model.label_at(kept.row()).key == "custom.l0042"  # selections follow their rows
    model.set_search("label 01")  # the search texts came with the order
    assert keys_shown(model) == [
        key for key in sorted_here(many(), Column.KEY, Qt.SortOrder.DescendingOrder) if "label 01" in model._search[key]
    ]


def test_labels_changed_while_a_worker_sorts_are_sorted_in_too(qtbot, big_model):
    model = big_model
    added = label("custom.l9999", "Label 0150b", day=4)
    model.sort(Column.CREATED)
    model.upsert(added)  # before the worker's answer: that answer lacks it
    model.remove("custom.l0001")
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    expected = sorted_here([*(one for one in many() if one.key != "custom.l0001"), added], Column.CREATED)
    assert keys_shown(model) == expected


def test_only_the_last_order_asked_for_is_shown(qtbot, big_model):
    model = big_model
    shown = []
    model.layoutChanged.connect(lambda: shown.append(model.sort_spec))
    model.sort(Column.KEY)
    model.sort(Column.CREATED, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    assert shown == [(Column.CREATED, True)]  # the first answer, when it came, was dropped
    assert keys_shown(model) == sorted_here(many(), Column.CREATED, Qt.SortOrder.DescendingOrder)


def test_new_counts_resort_a_big_table_sorted_by_them_on_a_worker(qtbot, big_model):
    model = big_model
    model.sort(Column.CONTACTS)
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    counts = {one.key: (n * 31) % 17 for n, one in enumerate(many())}
    model.set_counts(counts)
    assert model.sorting  # not sorted on the GUI thread
    assert model.contact_count("custom.l0003") == counts["custom.l0003"]  # shown meanwhile
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    assert keys_shown(model) == sorted_here(many(), Column.CONTACTS, counts=counts)


def test_clearing_a_table_drops_the_work_but_keeps_the_order_asked_for(qtbot, big_model):
    model = big_model
    with qtbot.waitSignals([model.sorting_changed, model.sorting_changed], timeout=5000):
        model.sort(Column.KEY, Qt.SortOrder.DescendingOrder)
        model.clear()  # (another site opened): the header still shows key, descending
    assert not model.sorting and model.sort_spec == (Column.KEY, True)
    assert model.worker().wait_for_done()
    QCoreApplication.processEvents()  # the worker's late answer arrives, and changes nothing
    assert model.rowCount() == 0 and not model.sorting
    model.apply_labels(many())
    assert keys_shown(model) == sorted_here(many(), Column.KEY, Qt.SortOrder.DescendingOrder)


@pytest.fixture
def sorts_by_thread(monkeypatch):
    """Which threads worked out an order (ordered_keys)."""
    import threading

    from labeldesk.ui.table import pacing

    real, threads = pacing.ordered_keys, []

    def recording(*args):
        threads.append("gui" if threading.current_thread() is threading.main_thread() else "worker")
        return real(*args)

    monkeypatch.setattr(pacing, "ordered_keys", recording)  # (every sort of the table's goes through it)
    return threads


def test_the_big_sort_runs_on_a_worker_not_here(qtbot, big_model, sorts_by_thread):
    big_model.sort(Column.CREATED)
    qtbot.waitUntil(lambda: not big_model.sorting, timeout=5000)
    assert sorts_by_thread == ["worker"]


def test_a_refresh_prepared_in_the_order_coming_is_shown_in_it_at_once(qtbot, big_model, sorts_by_thread):
    """The window prepares refreshes in the order being worked out, so applying one needs no sort here."""
    from labeldesk.ui.models import prepare_batch

    model = big_model
    model.sort(Column.KEY, Qt.SortOrder.DescendingOrder)
    assert model.target_sort_spec == (Column.KEY, True) and model.sort_spec == (Column.NAME, False)
    renamed = [label(one.key, one.display_name + " x", day=2) for one in many()]  # more than BULK_CHANGES
    batch = prepare_batch(renamed, model.target_sort_spec)
    sorts_by_thread.clear()
    model.apply_labels(batch)
    assert "gui" not in sorts_by_thread
    assert not model.sorting and model.sort_spec == (Column.KEY, True)
    assert keys_shown(model) == sorted_here(renamed, Column.KEY, Qt.SortOrder.DescendingOrder)


@pytest.fixture
def sort_thread_held(big_model):
    """The model's one sort thread kept busy until ``set()``: sorts asked for meanwhile wait in line."""
    import threading

    release = threading.Event()
    big_model.worker().read(lambda: release.wait(10), "holding the sort thread")
    yield release
    release.set()


def test_orders_asked_for_since_are_not_worked_out_in_vain(qtbot, big_model, sorts_by_thread, sort_thread_held):
    model = big_model
    model.sort(Column.KEY)
    model.sort(Column.CREATED)
    model.sort(Column.TYPE, Qt.SortOrder.DescendingOrder)  # three quick clicks: the sorts wait in line
    sort_thread_held.set()
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    assert model.worker().wait_for_done()
    assert sorts_by_thread == ["worker"]  # only the last was worked out
    assert keys_shown(model) == sorted_here(many(), Column.TYPE, Qt.SortOrder.DescendingOrder)


def test_asking_for_the_order_shown_again_stops_the_work(qtbot, big_model, sorts_by_thread, sort_thread_held):
    model = big_model
    before = keys_shown(model)
    with qtbot.waitSignals([model.sorting_changed, model.sorting_changed], timeout=5000):
        model.sort(Column.KEY)
        model.sort(Column.NAME)  # changed one's mind at once
    assert not model.sorting and model.sort_spec == (Column.NAME, False)
    sort_thread_held.set()
    assert model.worker().wait_for_done()
    QCoreApplication.processEvents()
    assert sorts_by_thread == []  # the sort waiting in line was dropped, not worked out
    assert keys_shown(model) == before and not model.sorting


def test_a_big_refresh_sorted_by_contacts_is_sorted_by_the_counts_on_a_worker(qtbot, big_model, sorts_by_thread):
    """A refresh is prepared without the contact counts: a table sorted by them is sorted again, off here."""
    from labeldesk.ui.models import prepare_batch

    model = big_model
    counts = {one.key: (n * 31) % 17 for n, one in enumerate(many())}
    model.set_counts(counts)
    model.sort(Column.CONTACTS)
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    renamed = [label(one.key, one.display_name + " x", day=2) for one in many()]  # more than BULK_CHANGES
    batch = prepare_batch(renamed, model.target_sort_spec)  # (as a refresh's worker does)
    sorts_by_thread.clear()
    model.apply_labels(batch)
    assert model.rowCount() == len(renamed) and model.sorting  # shown at once, sorted by counts soon
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    assert sorts_by_thread == ["worker"]
    assert keys_shown(model) == sorted_here(renamed, Column.CONTACTS, counts=counts)


def contacts_table(qtbot, counts):
    """A big table sorted by contacts (descending), with ``counts`` known."""
    model = LabelTableModel()
    model.background_sort_from = 100
    model.set_counts(counts)
    model.sort(Column.CONTACTS, Qt.SortOrder.DescendingOrder)
    return model


def test_a_first_load_sorted_by_contacts_is_sorted_by_the_counts_on_a_worker(qtbot, sorts_by_thread):
    """Another site opened while sorted by contacts: its counts come first (one request), its labels
    later (many pages), in an order prepared without the counts."""
    from labeldesk.ui.models import prepare_batch

    counts = {one.key: (n * 31) % 17 for n, one in enumerate(many())}
    model = contacts_table(qtbot, counts)
    batch = prepare_batch(many(), model.target_sort_spec)
    sorts_by_thread.clear()
    model.apply_labels(batch)
    assert model.rowCount() == 300 and model.sorting
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    assert sorts_by_thread == ["worker"]
    assert keys_shown(model) == sorted_here(many(), Column.CONTACTS, Qt.SortOrder.DescendingOrder, counts=counts)


def test_clicking_away_and_back_while_a_refresh_is_sorted_by_the_counts(qtbot):
    from labeldesk.ui.models import prepare_batch

    counts = {one.key: (n * 31) % 17 for n, one in enumerate(many())}
    model = contacts_table(qtbot, counts)
    model.apply_labels(many())
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    renamed = [label(one.key, one.display_name + " x", day=2) for one in many()]  # more than BULK_CHANGES
    model.apply_labels(prepare_batch(renamed, model.target_sort_spec))  # shown in a counts-less order
    model.sort(Column.NAME)
    model.sort(Column.CONTACTS, Qt.SortOrder.DescendingOrder)  # back: the rows still need sorting
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    assert keys_shown(model) == sorted_here(renamed, Column.CONTACTS, Qt.SortOrder.DescendingOrder, counts=counts)


def test_counts_that_arrive_while_a_worker_sorts_by_them_are_sorted_by(qtbot, big_model):
    model = big_model
    model.set_counts({})
    first = {one.key: n % 5 for n, one in enumerate(many())}
    newer = {one.key: (n * 13) % 7 for n, one in enumerate(many())}
    model.sort(Column.CONTACTS, Qt.SortOrder.DescendingOrder)
    model.set_counts(first)
    model.set_counts(newer)  # before the worker answered
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    assert keys_shown(model) == sorted_here(many(), Column.CONTACTS, Qt.SortOrder.DescendingOrder, counts=newer)


def test_a_sort_that_fails_on_the_worker_is_done_here_instead(qtbot, big_model, monkeypatch):
    import threading

    from labeldesk.ui.table import pacing

    real = pacing.ordered_keys

    def broken_off_the_gui_thread(*args):
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("a bug")
        return real(*args)

    monkeypatch.setattr(pacing, "ordered_keys", broken_off_the_gui_thread)
    big_model.sort(Column.KEY, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: not big_model.sorting, timeout=5000)
    assert keys_shown(big_model) == sorted_here(many(), Column.KEY, Qt.SortOrder.DescendingOrder)


def test_the_table_shows_a_busy_cursor_while_it_is_sorted(qtbot, settings):
    from labeldesk.ui.main_window import MainWindow

    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.model.background_sort_from = 100
    window.model.apply_labels(many())
    viewport = window.table.viewport()
    window.table.sortByColumn(Column.KEY, Qt.SortOrder.AscendingOrder)  # as a header click does
    assert viewport.cursor().shape() == Qt.CursorShape.BusyCursor
    qtbot.waitUntil(lambda: not window.model.sorting, timeout=5000)
    assert viewport.cursor().shape() == Qt.CursorShape.ArrowCursor
    assert keys_shown(window.model) == sorted_here(many(), Column.KEY)


def test_a_small_table_is_sorted_at_once():
    model = LabelTableModel()
    model.apply_labels(many(50))
    model.sort(Column.KEY, Qt.SortOrder.DescendingOrder)
    assert not model.sorting
    assert keys_shown(model) == sorted(keys_shown(model), reverse=True)


def test_a_refresh_batch_being_saved_is_not_changed_by_the_table():
    """A first load takes the batch's search texts as they are; the cache may still be saving them."""
    from labeldesk.ui.models import prepare_batch

    model = LabelTableModel()
    batch = prepare_batch(LABELS, model.sort_spec)
    saved = dict(batch.search)
    model.apply_labels(batch)
    model.upsert(label("custom.new", "New"))
    model.remove("custom.vip")
    assert batch.search == saved


def test_a_moved_row_is_reported_changed_where_it_now_is():
    model = LabelTableModel()
    model.apply_labels(LABELS)
    changed = []
    model.dataChanged.connect(lambda top, bottom, roles=(): changed.append((top.row(), bottom.row())))
    model.upsert(label("custom.vip", "Aardvark", day=3))  # from the bottom to the top
    row = model.row_of("custom.vip")
    assert changed[-1] == (row, row) and model.label_at(row).display_name == "Aardvark"
    model.upsert(label("custom.cafe", "Café", day=9))  # changed in place
    row = model.row_of("custom.cafe")
    assert changed[-1] == (row, row) and model.label_at(row).created.day == 9
    model.remove("custom.vip")
    assert model.row_of("custom.vip") is None and model.rowCount() == len(LABELS) - 1


@pytest.mark.parametrize(
    ("choice", "shown_types"),
    [
        (TypeFilter.ALL, set(LabelType)),
        (TypeFilter.CUSTOM, {LabelType.USER_DEFINED}),
        (TypeFilter.SYSTEM, {LabelType.SYSTEM}),
        (TypeFilter.APP, {LabelType.WIX_APP_DEFINED}),
        (TypeFilter.OTHER, {LabelType.UNKNOWN}),  # a type Wix adds later: "Other", as in the Type column
    ],
)
def test_each_type_filter_shows_exactly_the_types_it_names(choice, shown_types):
    kinds = [LabelType.USER_DEFINED, LabelType.SYSTEM, LabelType.WIX_APP_DEFINED, LabelType.UNKNOWN]
    labels = [label(f"custom.k{n}", f"Label {n}", kinds[n % 4]) for n in range(40)]
    model = LabelTableModel()
    model.apply_labels(labels)
    model.set_type_filter(choice)
    shown = {model.label_at(row).key for row in range(model.rowCount())}
    assert shown == {one.key for one in labels if one.label_type in shown_types}
    assert all(choice.accepts(kind) == (kind in shown_types) for kind in LabelType)


def test_the_near_duplicate_index_follows_changes_instead_of_being_made_anew():
    model = LabelTableModel()
    model.apply_labels(LABELS)
    assert model.near_duplicate("vip").key == "custom.vip"  # the index is made here, once
    index = model._twins
    model.upsert(label("custom.vip", "Very Important", day=3))  # renamed
    model.upsert(label("custom.vip2", "  VIP ", day=4))  # a new one with the old name
    model.upsert(label("custom.cafe2", "CAFÉ", day=6))  # a twin of Café
    model.remove("custom.cafe")
    assert model._twins is index  # kept up to date, not dropped
    assert model.near_duplicate("VIP").key == "custom.vip2"
    assert model.near_duplicate("very  important").key == "custom.vip"
    assert model.near_duplicate("café").key == "custom.cafe2"
    assert model.near_duplicate("café", ignore_key="custom.cafe2") is None
    model._twins = None  # made anew from scratch, it says the same
    assert model.near_duplicate("VIP").key == "custom.vip2" and model._twins == index


def test_a_big_tables_near_duplicate_index_is_made_on_a_worker_not_here(qtbot, big_model):
    """The first look at a big table's names never holds up the GUI thread: it says CHECKING, a
    worker makes the index, and ``near_duplicates_ready`` says when to ask again."""
    import threading

    model = big_model
    made_on = []
    real_of = NearDuplicates.of

    def recording_of(labels):
        made_on.append(threading.current_thread() is threading.main_thread())
        return real_of(labels)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(NearDuplicates, "of", staticmethod(recording_of))
        with qtbot.waitSignal(model.near_duplicates_ready, timeout=5000):
            assert model.near_duplicate("label 0007") is CHECKING
            assert model.near_duplicate("label 0007") is CHECKING  # (one worker, not one per question)
    assert made_on == [False]
    assert model.near_duplicate("LABEL  0007").display_name == "Label 0007"
    assert model.near_duplicate("label 0007b") is None


def test_a_near_duplicate_index_that_fails_on_the_worker_is_made_here_instead(qtbot, big_model, monkeypatch):
    """A bug on the worker (it logs it) still ends a dialog's wait, with an index made here."""
    import threading

    real_of = NearDuplicates.of

    def broken_off_the_gui_thread(labels):
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("a bug")
        return real_of(labels)

    monkeypatch.setattr(NearDuplicates, "of", staticmethod(broken_off_the_gui_thread))
    with qtbot.waitSignal(big_model.near_duplicates_ready, timeout=5000):
        assert big_model.near_duplicate("label 0007") is CHECKING
    assert big_model.near_duplicate("LABEL  0007").display_name == "Label 0007"


def test_changes_while_a_worker_makes_the_near_duplicate_index_are_kept(qtbot, big_model, sort_thread_held):
    model = big_model
    gone = model.label_at(0)
    assert model.near_duplicate("anything") is CHECKING  # waits behind the held worker
    model.upsert(label("custom.new", "Brand New", day=3))
    model.upsert(label("custom.l0007", "Renamed Seven", day=3))
    model.remove(gone.key)
    with qtbot.waitSignal(model.near_duplicates_ready, timeout=5000):
        sort_thread_held.set()
    assert model.near_duplicate("brand new").key == "custom.new"
    assert model.near_duplicate("renamed seven").key == "custom.l0007"
    assert model.near_duplicate(gone.display_name) is None
    assert model._twins == NearDuplicates.of({one.key: one for one in model.labels})


def test_labels_replaced_while_a_dialog_waits_for_the_index_still_end_the_wait(qtbot, big_model, sort_thread_held):
    model = big_model
    assert model.near_duplicate("label 0001") is CHECKING
    with qtbot.waitSignal(model.near_duplicates_ready, timeout=5000):
        model.apply_labels([label("custom.only", "Only One")])  # a small table now: made at once
    assert model.near_duplicate("only one").key == "custom.only"
    sort_thread_held.set()
    assert model.worker().wait_for_done()
    QCoreApplication.processEvents()  # the old worker's index, made for labels now gone, is dropped
    assert model.near_duplicate("label 0001") is None


def test_labels_replaced_by_another_big_set_while_the_index_is_made_take_only_the_new_index(
    qtbot, big_model, sort_thread_held
):
    model = big_model
    assert model.near_duplicate("label 0001") is CHECKING
    model.apply_labels([label(f"custom.n{n:04d}", f"Name {n:04d}") for n in range(150)])  # still big: anew
    assert model.near_duplicate("name 0001") is CHECKING
    sort_thread_held.set()
    assert model.worker().wait_for_done()
    QCoreApplication.processEvents()  # the first worker's index, made for labels now gone, is dropped
    assert model.near_duplicate("label 0001") is None
    assert model.near_duplicate("NAME 0001").key == "custom.n0001"


def test_a_refresh_applied_in_one_go_keeps_the_texts_of_labels_it_did_not_change():
    """A batch's text for a label it doesn't change may be stale (a rename merged into a refresh):
    the table keeps its own."""
    from labeldesk.domain import search_text
    from labeldesk.ui.models import LabelBatch

    model = LabelTableModel()
    model.apply_labels(many(100))
    kept = model.label_at(0)
    changed = [label(one.key, one.display_name + " new", day=2) for one in many(100) if one.key != kept.key]
    stale = {kept.key: "an old name\n" + kept.key}  # as a merged batch could carry it
    model.apply_labels(LabelBatch([kept, *changed], stale))  # more than BULK_CHANGES: one layout change
    assert model._search[kept.key] == search_text(kept)
    model.set_search("an old name")
    assert model.rowCount() == 0


def test_a_new_label_the_filter_hides_still_counts_in_the_total():
    model = LabelTableModel()
    model.apply_labels(LABELS)
    totals = []
    model.total_changed.connect(totals.append)
    model.set_search("vip")
    model.upsert(label("custom.banana", "Banana"))
    assert totals == [len(LABELS) + 1] and model.rowCount() == 1


def test_a_refresh_prepared_before_a_header_click_needs_no_sort_here(
    qtbot, big_model, sorts_by_thread, sort_thread_held
):
    from labeldesk.ui.models import prepare_batch

    model = big_model
    renamed = [label(one.key, one.display_name + " x", day=2) for one in many()]  # more than BULK_CHANGES
    batch = prepare_batch(renamed, model.sort_spec)  # prepared in the order shown...
    model.sort(Column.KEY, Qt.SortOrder.DescendingOrder)  # ...then a header click, sorted on a worker
    sorts_by_thread.clear()
    model.apply_labels(batch)
    assert "gui" not in sorts_by_thread and model.sorting
    sort_thread_held.set()
    qtbot.waitUntil(lambda: not model.sorting, timeout=5000)
    assert keys_shown(model) == sorted_here(renamed, Column.KEY, Qt.SortOrder.DescendingOrder)


def test_a_big_refresh_without_an_order_goes_row_by_row_rather_than_sort_here(qtbot, big_model, sorts_by_thread):
    """Writes merged into a refresh leave it without the worker's order (see LabelsController)."""
    from labeldesk.ui.models import LabelBatch

    model = big_model
    fresh = [label(one.key, one.display_name + " x", day=2) if n < 40 else one for n, one in enumerate(many())]
    sorts_by_thread.clear()
    model.apply_labels(LabelBatch(fresh, {}))
    assert sorts_by_thread == []
    assert keys_shown(model) == sorted_here(fresh, Column.NAME)


def test_the_model_passes_qt_model_tester_through_a_refresh_applied_in_one_go(qtmodeltester):
    """Qt's rule: nothing changes before layoutAboutToBeChanged (the tester reads rows then)."""
    model = LabelTableModel()
    model.apply_labels(many(100))
    qtmodeltester.check(model, force_py=True)
    model.apply_labels([label(f"custom.n{n:03d}", f"New {n}") for n in range(80)])  # all different
    assert model.rowCount() == 80


def test_renames_in_a_refresh_applied_in_one_go_reach_the_view_though_no_row_moves():
    model = LabelTableModel()
    model.apply_labels(many(100))
    model.sort(Column.KEY)  # renames don't move rows in this order
    before = keys_shown(model)
    told = []
    model.layoutChanged.connect(lambda *_: told.append("layout"))
    model.dataChanged.connect(lambda *_: told.append("data"))
    model.apply_labels([label(one.key, one.display_name + " renamed") for one in many(100)])
    assert keys_shown(model) == before
    assert told  # the view repaints the new names
    assert model.index(0, Column.NAME).data().endswith(" renamed")


def test_an_order_that_rests_on_contact_counts_is_never_named_for_saving():
    """Counts change between saves, so a saved 'contacts' order could not be trusted at start-up."""
    from labeldesk.ui.models import sort_name

    names = {sort_name((column, descending)) for column in Column for descending in (False, True)}
    assert sort_name((Column.CONTACTS, False)) is None and sort_name((Column.CONTACTS, True)) is None
    assert len(names - {None}) == 2 * (len(Column) - 1)  # every other order has a name of its own


def test_names_made_elsewhere_with_hidden_controls_are_shown_safely():
    model = LabelTableModel()
    model.apply_labels([label("custom.a", "abc\u202etxt.exe"), label("custom.b", "Line one\nLine two")])
    shown = {model.data(model.index(row, Column.NAME)) for row in range(model.rowCount())}
    assert shown == {"abc⟨U+202E⟩txt.exe", "Line one Line two"}
    tip = model.index(model.row_of("custom.a"), Column.NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert "a right-to-left override (U+202E) at position 4" in tip
    assert model.index(model.row_of("custom.b"), Column.NAME).data(Qt.ItemDataRole.ToolTipRole) is None
    assert model.label("custom.a").display_name == "abc\u202etxt.exe"  # kept as Wix has it
