"""Small widgets the window needs at start-up (kept apart from the dialogs, which load on first use)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_column_width(metrics: QFontMetrics) -> int:
    """Pixels a date column needs for its longest form (models.format_when's "31 Dec 9999, 23:59 UTC",
    the UTC form shown for moments with no local time), with the cell's margins and a sort arrow."""
    text = max(
        (
            f"{digit * 2} {month} {digit * 4}, {digit * 2}:{digit * 2} UTC"
            for month in _MONTHS
            for digit in "0123456789"
        ),
        key=metrics.horizontalAdvance,
    )
    return metrics.horizontalAdvance(text) + 2 * metrics.height()


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
