"""The questions LabelDesk asks on quitting: changes still on their way to Wix, merges or restores under way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from labeldesk.ui import status_texts as texts

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def ask_quit_while_saving(parent: QWidget, changes: list[str]) -> bool:
    """Ask whether to quit while ``changes`` ("Deleting ‘VIP’…") are still on their way to Wix.

    True for "Quit anyway"; False for "Wait" (the default, and what Esc or closing the box means).
    """
    return _ask(parent, texts.still_saving(changes), stay="Wait", leave="Quit anyway")


def ask_quit_while_operating(parent: QWidget, kinds: list[str]) -> bool:
    """Ask whether to quit while merges or restores (``kinds``: "merge", "restore") are under way.

    True for "Quit" (the engine finishes them when the site opens next: they are journaled); False for
    "Keep open" (the default, and what Esc or closing the box means).
    """
    return _ask(parent, texts.still_operating(kinds), stay="Keep open", leave="Quit")


def _ask(parent: QWidget, words: tuple[str, str], *, stay: str, leave: str) -> bool:
    """A plain-text question (``words``: its text and informative text) with ``stay`` (the default, and Esc)
    and ``leave``: True for ``leave``."""
    # (imported here: loading the class costs the window's first paint, and it is needed at a quit only)
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("LabelDesk")
    box.setTextFormat(Qt.TextFormat.PlainText)  # label names are plain text
    box.setText(words[0])
    box.setInformativeText(words[1])
    staying = box.addButton(stay, QMessageBox.ButtonRole.RejectRole)
    leaving = box.addButton(leave, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(staying)
    box.setEscapeButton(staying)
    box.exec()
    return box.clickedButton() is leaving
