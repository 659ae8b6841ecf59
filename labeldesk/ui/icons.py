"""Icons from labeldesk.resources, tinted to the current palette so they read on light and dark themes.

The SVGs draw with ``currentColor``; we put the palette's text colour in its place and render sharp
pixmaps at several sizes, so the icons stay crisp at 200% scaling too.
"""

from __future__ import annotations

import functools
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

_SIZES = (16, 20, 24, 32, 48, 64)


def resource_bytes(name: str) -> bytes:
    return (resources.files("labeldesk.resources") / name).read_bytes()


def _text_colour() -> str:
    app = QGuiApplication.instance()
    if app is None:
        return "#333333"
    return QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()


def icon(name: str, colour: str | None = None) -> QIcon:
    """The icon ``resources/<name>.svg``, drawn in ``colour`` (default: the palette's text colour)."""
    return _icon(name, colour or _text_colour())


@functools.cache
def _icon(name: str, colour: str) -> QIcon:
    svg = resource_bytes(f"{name}.svg").replace(b"currentColor", colour.encode())
    renderer = QSvgRenderer(QByteArray(svg))
    result = QIcon()
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def app_icon() -> QIcon:
    return _icon("labeldesk", QColor("#1d4ed8").name())


@functools.cache
def blank() -> QIcon:
    """A transparent icon, to keep text aligned beside rows that do have one."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    return QIcon(pixmap)
