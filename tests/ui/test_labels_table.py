"""The labels table's hint over an empty table: when it waits, and when it shows at once."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from labeldesk.ui.labels_table import FIRST_HINT_AFTER_MS, LabelsTable
from labeldesk.ui.models import LabelTableModel
from tests.ui.table.test_model import LABELS


def shown_table(qtbot) -> tuple[LabelsTable, LabelTableModel]:
    model = LabelTableModel()
    table = LabelsTable(model=model)
    qtbot.addWidget(table)
    table.resize(600, 300)
    table.set_empty_text("Loading labels…")
    table.show_empty_hint(True)  # (as the window does while it has no rows yet)
    table.show()
    qtbot.waitExposed(table)
    return table, model


def test_a_start_whose_rows_come_in_time_never_flashes_the_hint(qtbot):
    table, model = shown_table(qtbot)
    assert table._hint is None  # not even made (see LabelsTable.empty_hint)
    model.apply_labels(LABELS)
    table.show_empty_hint(False)
    qtbot.waitUntil(lambda: table._rows_painted)
    qtbot.waitUntil(lambda: not table._hint_may_wait)  # (past the moment it would have appeared)
    assert table._hint is None


def test_with_no_rows_the_hint_shows_once_the_moment_is_over(qtbot):
    started = time.monotonic()
    table, _ = shown_table(qtbot)
    assert table._hint is None
    qtbot.waitUntil(lambda: table._hint is not None and table.empty_hint.isVisible())
    assert time.monotonic() - started >= FIRST_HINT_AFTER_MS / 1000 * 0.9
    assert table.empty_hint.text() == "Loading labels…"
    box = table.empty_hint.parentWidget()
    assert box.parentWidget() is table.viewport() and box.geometry() == table.viewport().rect()  # over the rows
    assert abs(table.empty_hint.geometry().center().y() - box.rect().center().y()) <= 2  # centred
    assert not any(button.isVisibleTo(table) for button in table.offer_buttons)  # (no offers given)


def test_once_rows_were_shown_an_empty_table_says_why_at_once(qtbot):
    table, model = shown_table(qtbot)
    model.apply_labels(LABELS)
    table.show_empty_hint(False)
    qtbot.waitUntil(lambda: table._rows_painted)
    model.set_search("nothing has this name")
    table.set_empty_text("No labels match.")
    table.show_empty_hint(True)
    assert table.empty_hint.isVisible() and table.empty_hint.text() == "No labels match."


def test_with_no_site_the_empty_table_offers_its_ways_on_and_tab_reaches_them(qtbot):
    chosen: list[str] = []
    table = LabelsTable(
        model=LabelTableModel(), offers=(("Sign in…", lambda: chosen.append("sign in")), ("Try the demo", list))
    )
    qtbot.addWidget(table)
    table.resize(600, 300)
    table.set_empty_text("Sign in to a Wix site to see its labels.", offers=True)
    table.show_empty_hint(True)
    table.show()
    qtbot.waitUntil(lambda: table._hint_box is not None and table.empty_hint.isVisible())
    sign_in, demo = table.offer_buttons
    assert [sign_in.text(), demo.text()] == ["Sign in…", "Try the demo"]
    assert sign_in.isVisible() and demo.isVisible()
    table.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is table)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is sign_in
    qtbot.keyClick(sign_in, Qt.Key.Key_Return)  # (Enter presses it, as Space and a click do)
    assert chosen == ["sign in"]
    table.set_empty_text("Loading labels…")  # (a site opened: no offers with its hints)
    assert not sign_in.isVisible() and table.empty_hint.text() == "Loading labels…"


def test_the_hint_stays_over_the_rows_when_the_table_is_resized(qtbot):
    table, _ = shown_table(qtbot)
    qtbot.waitUntil(lambda: table._hint is not None and table.empty_hint.isVisible())
    table.resize(800, 450)
    qtbot.waitUntil(lambda: table.viewport().width() > 600)
    assert table.empty_hint.parentWidget().geometry() == table.viewport().rect()  # (its box)


def test_the_hint_waits_its_moment_even_once_it_was_made(qtbot):
    table, _ = shown_table(qtbot)
    hint = table.empty_hint  # (reading it makes it; that mustn't change when it shows)
    table.show_empty_hint(True)
    assert not hint.isVisible()
    qtbot.waitUntil(hint.isVisible)
