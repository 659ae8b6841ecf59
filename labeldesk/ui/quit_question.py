"""The one question LabelDesk asks on quitting: changes are still on their way to Wix."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from labeldesk.ui import status_texts as texts


def ask_quit_while_saving(parent: QWidget, changes: list[str]) -> bool:
    """Ask whether to quit while ``changes`` ("Deleting ‘VIP’…") are still on their way to Wix.

    True for "Quit anyway"; False for "Wait" (the default, and what Esc or closing the box means).
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("LabelDesk")
    box.setTextFormat(Qt.TextFormat.PlainText)  # label names are plain text
    text, informative = texts.still_saving(changes)
    box.setText(text)
    box.setInformativeText(informative)
    wait = box.addButton("Wait", QMessageBox.ButtonRole.RejectRole)
    quit_anyway = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(wait)
    box.setEscapeButton(wait)
    box.exec()
    return box.clickedButton() is quit_anyway


def ask_quit_while_operating(parent: QWidget, kinds: list[str]) -> bool:
    """Ask whether to quit while merges or restores (``kinds``: "merge", "restore") are under way.

    True for "Quit" (the engine finishes them when the site opens next: they are journaled); False for
    "Keep open" (the default, and what Esc or closing the box means).
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("LabelDesk")
    box.setTextFormat(Qt.TextFormat.PlainText)
    text, informative = texts.still_operating(kinds)
    box.setText(text)
    box.setInformativeText(informative)
    keep = box.addButton("Keep open", QMessageBox.ButtonRole.RejectRole)
    quit_anyway = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is quit_anyway
