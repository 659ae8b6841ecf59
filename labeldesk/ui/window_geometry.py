"""Where the main window opens: its saved size and place made to fit the screen, or a first size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QPoint, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHeaderView, QWidget

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from labeldesk.ui.settings import WindowSettings

#: The first window's size in logical pixels, when the screen has room for it (no saved geometry)...
FIRST_SIZE = (1100, 680)
#: ...and at most this share of the screen's available width and height when it hasn't.
FIRST_SHARE = 0.9


def restore(window: QWidget, header: QHeaderView, settings: QSettings | WindowSettings) -> None:
    """Put ``window`` where it was and ``header``'s columns as they were (``save`` wrote them)."""
    # (anything but bytes, from a hand-edited settings file, counts as none saved)
    geometry = settings.value("window/geometry")
    if not isinstance(geometry, QByteArray | bytes) or not window.restoreGeometry(geometry):
        fit_first_size(window)
    else:
        keep_on_screen(window)
    state = settings.value("window/header")
    if isinstance(state, QByteArray | bytes):
        header.restoreState(state)


def save(window: QWidget, header: QHeaderView, settings: QSettings | WindowSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/header", header.saveState())
    settings.sync()


def available_area(window: QWidget) -> QRect:
    """The part of the screen a window may use (without panels and task bars), in logical pixels."""
    screen = QGuiApplication.screenAt(window.frameGeometry().center()) or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, *FIRST_SIZE)


def fit_first_size(window: QWidget) -> None:
    """1100×680, or less where the screen is smaller (a 1366×768 laptop at 125%), centred on it."""
    area = available_area(window)
    width = min(FIRST_SIZE[0], int(area.width() * FIRST_SHARE))
    height = min(FIRST_SIZE[1], int(area.height() * FIRST_SHARE))
    window.resize(width, height)
    window.move(area.center() - QPoint(width // 2, height // 2))


def keep_on_screen(window: QWidget) -> None:
    """A saved size and place from another screen (unplugged, larger, or at another scale) made to fit."""
    area = available_area(window)
    width, height = min(window.width(), area.width()), min(window.height(), area.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = max(area.left(), min(frame.left(), area.right() + 1 - frame.width()))
    y = max(area.top(), min(frame.top(), area.bottom() + 1 - frame.height()))
    if (x, y) != (frame.left(), frame.top()):
        window.move(x, y)
