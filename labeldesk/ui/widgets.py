"""Small widgets the window needs at start-up (kept apart from the dialogs, which load on first use)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget


def plain_label(text: str = "", parent: QWidget | None = None, *, wrap: bool = True) -> QLabel:
    """A QLabel that never interprets its text as HTML (and, by default, wraps)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setText(text)
    return label


class SearchBox(QLineEdit):
    """A line edit that asks for room for its whole placeholder, and makes do with about two thirds."""

    def _placeholder_width(self) -> int:
        # The text, the leading search icon and the clear button, with the frame's margins.
        return self.fontMetrics().horizontalAdvance(self.placeholderText()) + 3 * self.height() // 2 + 16

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(max(hint.width(), self._placeholder_width()), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self._placeholder_width() * 2 // 3), hint.height())
