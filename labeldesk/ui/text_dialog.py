"""The shared part of LabelDesk's dialogs: a dialog that keeps its wrapped text whole."""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QDialog


class TextDialog(QDialog):
    """A dialog that stays tall enough for its wrapped text at whatever width it has.

    Qt sizes a window to its text once, when it is shown: a message that grows later, or a window made
    narrower, would otherwise clip the text under it. Call :meth:`fit_text` after changing a text.
    """

    def fit_text(self) -> None:
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = max(layout.totalHeightForWidth(self.width()), layout.totalMinimumSize().height())
        self.setMinimumHeight(needed)
        if self.height() < needed:
            self.resize(self.width(), needed)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_text()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_text()
