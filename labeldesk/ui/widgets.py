"""Small widgets the window needs at start-up (kept apart from the dialogs, which load on first use)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from labeldesk.domain import shown_name
from labeldesk.ui import icons
from labeldesk.ui.text import plain_tooltip

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


def button_row(*left: QWidget, right: QWidget) -> QHBoxLayout:
    """A dialog's bottom row: ``left`` (a side button or two) at the start, ``right`` (its main
    buttons) at the end."""
    row = QHBoxLayout()
    for widget in left:
        row.addWidget(widget)
    row.addStretch(1)
    row.addWidget(right)
    return row


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


def banner(name: str, text: str, parent: QWidget, *, info: bool = False) -> QLabel:
    """A note across the top of the window (plain text), hidden until it applies."""
    note = plain_label(text, parent)
    note.setObjectName(name)
    colours = "background: #e8f0fe; color: #1a3d7c;" if info else "background: #fff4e5; color: #663c00;"
    note.setStyleSheet(f"{colours} padding: 6px 10px;")
    note.hide()
    return note


class StatusMessage(QWidget):
    """The status bar's message: an icon and plain text, kept until the next message.

    A failure can come with details for support (the kind of error, the HTTP status, Wix's request
    ID): they are never in the text, and a "Copy details" button puts them on the clipboard.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QLabel(self)
        self.icon.setFixedSize(16, 16)
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.copy_details = QToolButton(self)
        self.copy_details.setText("Copy details")
        self.copy_details.setAutoRaise(False)  # a button that looks like one, not more status text
        self.copy_details.setToolTip("Copy what went wrong, with the details support needs")
        self.copy_details.clicked.connect(self._copy_details)
        self.copy_details.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.copy_details)
        self.kind = "info"
        self.details: str | None = None

    def _copy_details(self) -> None:
        if self.details:
            QGuiApplication.clipboard().setText(self.details)
            self.copy_details.setText("Details copied")

    def show_message(self, text: str, kind: str = "info", details: str | None = None) -> None:
        self.kind = kind
        self.details = details
        self.copy_details.setText("Copy details")
        self.copy_details.setVisible(bool(details))
        # Wix's words can be in it (why a name was refused): hidden characters shown, and short enough
        # to lay out at once.
        shown = shown_name(text)
        self.text.setText(shown)
        self.text.setToolTip(plain_tooltip(shown))
        name = {"error": "error", "done": "done"}.get(kind)
        colour = "#c62828" if kind == "error" else None
        self.icon.setPixmap(icons.icon(name, colour).pixmap(16, 16) if name else QPixmap())
        self.text.setStyleSheet(f"color: {colour};" if colour else "")


class WorkingBar(QProgressBar):
    """The status bar's "working" bar: shown while any call is in flight, with how far a refresh of
    many pages got when it knows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 0)
        self.setFixedWidth(90)
        self.setMaximumHeight(12)
        self.setTextVisible(False)
        self.setAccessibleName("Working")
        self.hide()

    def show_busy(self, busy: bool) -> None:
        self.setVisible(busy)
        if not busy:
            self.show_working()

    def show_working(self, *_: object) -> None:
        """The bar says only "working": what runs next may not say how far it got."""
        self.setRange(0, 0)
        self.setToolTip("")
        self.setAccessibleDescription("")

    def show_progress(self, read: int, total: int | None) -> None:
        """A site of many pages: show how far the refresh got (a one-page site is done at once)."""
        if total is None or read >= total:
            self.show_working()  # all read: what is left (sorting, counts, saving) has no figures
            return
        self.setRange(0, total)
        self.setValue(read)
        text = f"Read {read:,} of {total:,} labels"
        self.setToolTip(plain_tooltip(text))
        self.setAccessibleDescription(text)


class OfflineBanner(QWidget):
    """The red note across the top while Wix can't be reached, with a "Try again" button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        # A QWidget subclass paints its style sheet's background only when asked to (a plain QWidget does).
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#offlineBanner { background: #fdecea; } QLabel { color: #611a15; }")
        self.text = plain_label(parent=self)
        self.try_again_button = QPushButton("Try again", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.try_again_button)
        self.hide()

    def show_note(self, text: str) -> None:
        """Show ``text`` in it, or hide it for ''."""
        if text:
            self.text.setText(text)
        self.setVisible(bool(text))
