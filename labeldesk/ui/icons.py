"""Icons from labeldesk.resources, tinted to the current palette so they read on light and dark themes.

The SVGs draw with ``currentColor``; we put the palette's text colour in its place. Each icon renders
itself at whatever size is asked for, when it is asked (a QIconEngine), so icons stay crisp at 200%
scaling and start-up doesn't pay for sizes nobody uses.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

#: The sizes an icon offers (up to 64 px: a 32 px icon at 200%).
SIZES = (16, 20, 24, 32, 48, 64)


def resource_bytes(name: str) -> bytes:
    """The bytes of ``resources/<name>`` (installed as the package labeldesk.resources).

    Read from the package's folder (its ``__path__``), not through importlib.resources: the package
    is always a folder on disk (a checkout, an installed wheel, a PyInstaller bundle's data), and
    loading that module and the readers it brings would add to start-up before the first paint.
    """
    folder = importlib.import_module("labeldesk.resources").__path__[0]
    return (Path(folder) / name).read_bytes()


def _text_colour() -> str:
    app = QGuiApplication.instance()
    if app is None:
        return "#333333"
    return QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()


class _SvgEngine(QIconEngine):
    """Renders one SVG at the size asked for, and keeps each size it has made."""

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._renderer = QSvgRenderer(QByteArray(svg))
        self._made: dict[tuple[int, int, int], QPixmap] = {}

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.save()
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(0.35)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer.render(painter, QRectF(rect))
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        key = (size.width(), size.height(), int(mode.value))
        pixmap = self._made.get(key)
        if pixmap is None:
            pixmap = QPixmap(size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
            painter.end()
            self._made[key] = pixmap
        return pixmap

    def availableSizes(self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off):
        return [QSize(size, size) for size in SIZES]

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._svg)


def icon(name: str, colour: str | None = None) -> QIcon:
    """The icon ``resources/<name>.svg``, drawn in ``colour`` (default: the palette's text colour)."""
    return _icon(name, colour or _text_colour())


@functools.cache
def _icon(name: str, colour: str) -> QIcon:
    svg = resource_bytes(f"{name}.svg").replace(b"currentColor", colour.encode())
    return QIcon(_SvgEngine(svg))


def app_icon() -> QIcon:
    return _icon("labeldesk", QColor("#1d4ed8").name())


@functools.cache
def blank() -> QIcon:
    """A transparent icon, to keep text aligned beside rows that do have one."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    return QIcon(pixmap)
