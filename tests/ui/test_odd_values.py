"""One odd value from the service never takes the table down: dates at the ends of the calendar, in
any time zone, and any exception inside a Qt override (issue 12, item 10)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan, Qt

from labeldesk.domain import Label, LabelType
from labeldesk.ui.models import Column, LabelTableModel, Role, format_when, ordered_keys

LAST_MOMENT = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
FIRST_MOMENT = datetime(1, 1, 1, tzinfo=UTC)
#: (time zone, date) pairs that have no local time: converting them raised OverflowError inside the paint.
EDGES = [("Asia/Tokyo", LAST_MOMENT), ("America/New_York", FIRST_MOMENT), ("Europe/London", FIRST_MOMENT)]
ALL_ROLES = [*range(0, 15), int(Role.SORT), int(Role.LABEL)]


@pytest.fixture
def local_zone():
    """Sets the process's local time zone (TZ and time.tzset), and puts the old one back afterwards."""
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def odd(moment: datetime) -> list[Label]:
    return [
        Label("custom.odd", "Odd", LabelType.USER_DEFINED, created=moment, updated=moment),
        Label("custom.fine", "Fine", LabelType.USER_DEFINED, created=datetime(2025, 1, 1, tzinfo=UTC)),
    ]


@pytest.mark.parametrize(("zone", "moment"), EDGES)
def test_a_date_with_no_local_time_is_shown_in_utc_for_every_role(local_zone, zone, moment, caplog):
    local_zone(zone)
    model = LabelTableModel()
    model.apply_labels(odd(moment))
    row = model.row_of("custom.odd")
    expected = f"{moment.day} {moment:%b %Y, %H:%M} UTC"
    # First straight from Python: before the fix this raised OverflowError (through Qt, it crashed).
    assert model.value(row, Column.CREATED, int(Qt.ItemDataRole.DisplayRole)) == expected
    with caplog.at_level(logging.ERROR):
        for column in Column:
            index = model.index(row, column)
            for role in ALL_ROLES:
                index.data(role)  # raised OverflowError for the date columns
                item = QModelRoleData(role)
                model.multiData(index, QModelRoleDataSpan(item))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # handled, not merely survived
    assert model.index(row, Column.CREATED).data() == expected
    assert model.index(row, Column.UPDATED).data() == expected
    assert model.index(model.row_of("custom.fine"), Column.CREATED).data() == format_when(
        datetime(2025, 1, 1, tzinfo=UTC)
    )


def test_a_date_that_cant_be_shown_at_all_is_left_blank(local_zone):
    local_zone("Asia/Tokyo")
    # Neither local time nor UTC exist for this one (UTC would be in the year 10000).
    beyond = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(-timedelta(hours=5)))
    assert format_when(beyond) is None
    model = LabelTableModel()
    model.apply_labels(odd(beyond))
    assert model.index(model.row_of("custom.odd"), Column.CREATED).data() is None


@pytest.mark.parametrize(("zone", "moment"), EDGES)
def test_the_table_paints_a_date_with_no_local_time(zone, moment):
    """A real paint, in a process of its own: before the fix this was a segmentation fault."""
    script = textwrap.dedent(
        f"""
        from datetime import datetime, UTC
        from PySide6.QtWidgets import QApplication, QTableView
        from labeldesk.domain import Label, LabelType
        from labeldesk.ui.models import LabelTableModel
        app = QApplication([])
        model = LabelTableModel()
        moment = datetime.fromisoformat({moment.isoformat()!r})
        model.apply_labels([Label("custom.odd", "Odd", LabelType.USER_DEFINED, created=moment, updated=moment)])
        view = QTableView()
        view.setModel(model)
        view.resize(900, 200)
        view.show()
        view.grab()
        view.sortByColumn(4, __import__("PySide6.QtCore").QtCore.Qt.SortOrder.DescendingOrder)
        view.grab()
        print("painted")
        """
    )
    env = {**os.environ, "TZ": zone, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "painted" in done.stdout


class _Broken(LabelTableModel):
    """A model whose every cell raises, as a bug (or a value nobody foresaw) would."""

    def value(self, row, column, role):
        raise RuntimeError("a bug in a cell")


def test_an_exception_inside_a_qt_override_is_logged_once_and_never_fatal(caplog):
    model = _Broken()
    model.apply_labels(odd(datetime(2025, 1, 1, tzinfo=UTC)))
    item = QModelRoleData(int(Qt.ItemDataRole.DisplayRole))
    item.setData("left over from the previous cell")
    with caplog.at_level(logging.DEBUG, logger="labeldesk.ui.overrides"):
        for _ in range(3):
            assert model.data(model.index(0, 0)) is None
            model.multiData(model.index(0, 0), QModelRoleDataSpan(item))
            assert item.data() is None  # cleared, not the previous cell's value
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2  # data() once and multiData() once, with their tracebacks
    assert all(r.exc_info for r in errors)


def test_a_failing_sort_or_header_is_logged_not_raised(monkeypatch, caplog):
    model = LabelTableModel()
    model.apply_labels(odd(datetime(2025, 1, 1, tzinfo=UTC)))

    def broken(*args, **kwargs):
        raise ValueError("a bug in sorting")

    monkeypatch.setattr(model, "_resort", broken)
    monkeypatch.setattr("labeldesk.ui.models.Column.title", property(lambda self: 1 / 0))
    with caplog.at_level(logging.ERROR):
        model.sort(Column.CREATED)
        assert model.headerData(0, Qt.Orientation.Horizontal) is None
    assert len(caplog.records) == 2


def test_dates_before_1970_sort_in_time_order():
    moments = {
        "custom.y2024": datetime(2024, 5, 1, tzinfo=UTC),
        "custom.y0001": FIRST_MOMENT,
        "custom.y1969": datetime(1969, 12, 31, 23, 0, tzinfo=UTC),
        "custom.y1950": datetime(1950, 6, 1, tzinfo=UTC),
        "custom.none": None,
    }
    labels = [Label(key, key[-4:], LabelType.USER_DEFINED, created=m, updated=m) for key, m in moments.items()]
    in_time_order = ["custom.none", "custom.y0001", "custom.y1950", "custom.y1969", "custom.y2024"]
    by_key = {label.key: label for label in labels}
    for column in (Column.CREATED, Column.UPDATED):
        assert ordered_keys(by_key, None, (column, False)) == in_time_order  # the worker's order
        assert ordered_keys(by_key, None, (column, True)) == in_time_order[::-1]
        model = LabelTableModel()
        model.apply_labels(labels[:2])
        model.sort(column)
        for label in labels[2:]:
            model.upsert(label)  # each goes to its place by the same order, one at a time
        shown = [model.label_at(row).key for row in range(model.rowCount())]
        assert shown == in_time_order
        # The sort role (native values) agrees with the order the table uses.
        values = [model.index(row, column).data(Role.SORT) for row in range(model.rowCount())]
        assert values == sorted(values)


def test_the_window_shows_the_good_labels_and_says_once_that_one_couldnt_be_read(qtbot, open_app, demo_store):
    from tests.api.test_unreadable_labels import BAD_LABELS, plant

    good = len(demo_store)
    plant(demo_store, {**BAD_LABELS["no display name"], "key": "custom.bad1"}, key="custom.bad1")
    window, _emulator = open_app(demo_store)
    assert window.model.total == good  # every good label, none hidden by the bad one
    said = window.status.text.text()
    assert said.count("1 label from Wix couldn't be read") == 1, said
    assert window.status.kind != "error"
    plant(demo_store, {**BAD_LABELS["type sent as an object"], "key": "custom.bad2"}, key="custom.bad2")
    messages = []
    window.message_shown.connect(lambda text, kind: messages.append(text))
    with qtbot.waitSignal(window.controller.labels_loaded, timeout=10_000):
        window.refresh()
    assert window.model.total == good
    assert "2 labels from Wix couldn't be read" in window.status.text.text()
    assert sum("couldn't be read" in text for text in messages) == 1


SAVED_SITE = "deadbeef-0000-4000-8000-0000000000bb"

#: Starts LabelDesk on SAVED_SITE (no key: only its saved copy can show) and prints every status
#: message. With CRASH_AT_PAINT set, painting any cell ends the process at once, as the segmentation
#: fault did: no guard can catch that, so only not painting the same copy again avoids it.
_START = f"""
import os, sys
from labeldesk.ui import main_window, models
if os.environ.get("CRASH_AT_PAINT"):
    models.LabelTableModel.multiData = lambda self, index, span: os.abort()
shown = main_window.MainWindow.show_message
def show_message(self, text, kind="info"):
    print("message:", text, flush=True)
    shown(self, text, kind)
main_window.MainWindow.show_message = show_message
import labeldesk.__main__ as entry
entry.main(["--site-id", "{SAVED_SITE}", "--selftest"])
"""


def _save_a_copy(count: int = 12):
    from labeldesk.cache import LabelCache, cache_path
    from labeldesk.paths import AppPaths
    from labeldesk.sites import Site, SiteDirectory
    from labeldesk.ui.saved_copy import showing_marker

    paths = AppPaths.from_environment().ensure()
    cache = LabelCache(cache_path(paths.cache, SAVED_SITE))
    labels = [Label(f"custom.l{n}", f"L{n}", LabelType.USER_DEFINED) for n in range(count)]
    cache.replace_labels(labels, datetime(2026, 11, 24, 10, 42, tzinfo=UTC))
    cache.close()
    SiteDirectory(paths.config / "sites.json").remember(Site(SAVED_SITE, "Café"))  # no key: it opens from its copy
    return cache, showing_marker(cache)


def _start(crash: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if crash:
        env["CRASH_AT_PAINT"] = "1"
    return subprocess.run(
        [sys.executable, "-c", _START], check=False, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_saved_copy_that_crashed_the_window_is_not_shown_again():
    _cache, marker = _save_a_copy()
    first = _start(crash=True)
    assert first.returncode < 0, first.stdout  # killed by the crash at the first paint of the saved copy
    assert marker.exists()
    second = _start(crash=True)  # the same copy, the same crash waiting: it must not be painted
    assert second.returncode >= 0, second.stderr[-2000:]
    assert "selftest: failed" in second.stdout
    assert "message: LabelDesk closed unexpectedly the last time it showed this site's saved labels" in second.stdout


def test_a_saved_copy_that_was_shown_in_good_order_is_shown_next_time():
    _cache, marker = _save_a_copy()
    first = _start(crash=False)
    assert "selftest: 12 labels shown (source: cache" in first.stdout, first.stderr[-2000:]
    assert not marker.exists()  # painted, and closed in good order
    second = _start(crash=False)
    assert "selftest: 12 labels shown (source: cache" in second.stdout


def test_after_a_skipped_copy_a_fresh_refresh_replaces_it_and_clears_the_mark(qtbot, settings, store):
    from labeldesk.emulator import Emulator
    from labeldesk.sites import Site
    from labeldesk.ui.controller import LabelsController
    from labeldesk.ui.main_window import MainWindow
    from tests.conftest import make_client

    cache, marker = _save_a_copy()
    marker.touch()  # the last start crashed while showing it
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    messages = []
    window.message_shown.connect(lambda text, kind: messages.append(text))
    with Emulator(store, rate_limit=None) as emulator:
        controller = LabelsController(make_client(emulator), cache)
        replayed = []
        controller.cache_loaded.connect(replayed.append)
        try:
            window.attach(controller, Site(SAVED_SITE, "Café", emulator.base_url))
            qtbot.waitUntil(lambda: window.session.loaded_once and not marker.exists(), timeout=10_000)
            assert not window.session.rows_from_cache and not replayed
            assert sorted(label.key for label in window.model.labels) == sorted(
                label["key"] for label in store.snapshot()
            )  # the service's labels; none of the saved copy's was ever shown
            assert any("closed unexpectedly" in text for text in messages)
        finally:
            controller.shutdown()


def test_a_date_with_no_utc_reading_does_not_stop_the_saved_copy_being_saved(tmp_path):
    """9999-12-31T23:00-05:00 is a valid date whose UTC reading is in the year 10000: saving it
    raised OverflowError, so the saved copy of every label stopped being updated."""
    from labeldesk.cache import LabelCache

    edge = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(-timedelta(hours=5)))
    labels = [*odd(edge), Label("custom.early", "Early", LabelType.USER_DEFINED, created=FIRST_MOMENT)]
    cache = LabelCache(tmp_path / "site.sqlite3")
    try:
        cache.replace_labels(labels, datetime(2026, 11, 29, tzinfo=UTC), order=[label.key for label in labels])
        saved = {label.key: label for label in cache.load().labels}
    finally:
        cache.close()
    assert saved["custom.odd"].created == edge
    assert saved["custom.fine"] == labels[1]
    assert saved["custom.early"].created == FIRST_MOMENT


@pytest.mark.parametrize(("zone", "moment"), EDGES)
def test_the_date_columns_show_the_longest_date_whole(demo, local_zone, zone, moment):
    """'31 Dec 9999, 23:59 UTC' in Tokyo was clipped to '… U…' at the window's first column widths."""
    window, _ = demo
    local_zone(zone)
    window.model.apply_labels(odd(moment))
    for column in (Column.CREATED, Column.UPDATED):
        shown = window.model.index(window.model.row_of("custom.odd"), column).data()
        assert shown.endswith(" UTC")
        assert window.table.sizeHintForColumn(column) <= window.table.columnWidth(column), shown


def test_the_emulator_writes_every_year_with_four_digits():
    """ISO-8601 (contract section 3): glibc's %Y wrote year 1 as "1-01-01T…"."""
    from labeldesk.emulator.state import StoredLabel

    stored = StoredLabel("custom.odd", "Odd", created=FIRST_MOMENT, updated=datetime(999, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert stored.to_json()["createdDate"] == "0001-01-01T00:00:00.000Z"
    assert stored.to_json()["updatedDate"] == "0999-03-04T05:06:07.000Z"
    assert StoredLabel("custom.x", "X", created=LAST_MOMENT).to_json()["createdDate"] == "9999-12-31T23:59:59.000Z"
