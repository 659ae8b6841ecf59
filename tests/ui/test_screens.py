"""The window on real screens: a first size that fits, a saved place that is still on a screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QApplication

from labeldesk.ui.main_window import MainWindow


@pytest.fixture
def make_window(qtbot, settings):
    def make():
        window = MainWindow(settings)
        qtbot.addWidget(window)
        return window

    return make


def inside(window, area: QRect) -> bool:
    return area.contains(window.frameGeometry())


def test_the_first_window_fits_the_screen_it_opens_on(make_window, qapp):
    area = qapp.primaryScreen().availableGeometry()  # offscreen: 800×800
    window = make_window()
    assert window.width() <= 0.9 * area.width() and window.height() <= 0.9 * area.height()
    assert inside(window, area)


def test_a_small_laptop_screen_at_125_percent_gets_a_window_that_fits(make_window, monkeypatch):
    # 1366×768 at 125% is 1093×614 logical pixels, less a 40-pixel task bar.
    laptop = QRect(0, 0, 1093, 574)
    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(laptop))
    window = make_window()
    assert window.width() <= 984 and window.height() <= 517
    assert inside(window, laptop)
    window.show()
    assert inside(window, laptop)
    assert window.search.isVisible()


def test_a_big_screen_keeps_the_usual_first_size(make_window, monkeypatch):
    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(0, 0, 2560, 1400))
    window = make_window()
    assert (window.width(), window.height()) == (1100, 680)


def test_a_saved_place_on_a_screen_that_is_gone_is_brought_back(make_window, settings, monkeypatch):
    big = QRect(0, 0, 3840, 2100)
    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(big))
    first = make_window()
    first.setGeometry(QRect(2600, 1200, 1200, 850))  # far right and low on a 4K screen
    first.save_settings()
    small = QRect(0, 0, 800, 600)
    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(small))
    again = make_window()
    assert again.width() <= 800 and again.height() <= 600
    assert inside(again, small)


@pytest.mark.parametrize("width", [1100, 900, 700, 560])
def test_the_search_box_stays_in_sight_at_any_usable_width(demo, qtbot, width):
    window, _ = demo
    window.resize(width, 500)
    qtbot.waitUntil(lambda: window.width() == width)
    QApplication.processEvents()  # the layouts settle
    search = window.search
    assert search.isVisible() and window.type_filter.isVisible()
    where = QRect(search.mapTo(window, search.rect().topLeft()), search.size())
    assert window.rect().contains(where), (where, window.rect())
    assert search.width() >= search.fontMetrics().horizontalAdvance("Search names") + search.height()
    window.find_action.trigger()
    assert search.hasFocus()


def test_the_contacts_panel_opens_as_it_was_when_the_window_last_closed(make_window, settings):
    from labeldesk.ui.actions import ActionId

    first = make_window()
    assert not first.features.panel.isVisibleTo(first)
    first.window_actions[ActionId.CONTACTS].trigger()
    first.save_settings()
    again = make_window()
    assert again.features.panel.isVisibleTo(again)
    assert again.window_actions[ActionId.CONTACTS].isChecked()
    again.window_actions[ActionId.CONTACTS].trigger()  # closed this time
    again.save_settings()
    third = make_window()
    assert not third.features.panel.isVisibleTo(third)
