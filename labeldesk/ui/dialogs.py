"""The confirmations (delete, sign out), and where the other dialogs are found.

The New label and Rename dialog lives in name_dialog.py, the shared TextDialog in text_dialog.py; both
are re-exported here. Each ``confirm_*`` function runs a real modal loop: tests replace it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QStyle, QVBoxLayout, QWidget

from labeldesk.domain import Label, quoted, reveal_name
from labeldesk.ui import icons
from labeldesk.ui.name_dialog import LabelNameDialog
from labeldesk.ui.operation_texts import RESTORABLE, RESTORABLE_MANY
from labeldesk.ui.text_dialog import TextDialog
from labeldesk.ui.widgets import plain_label

__all__ = [
    "ConfirmDeleteDialog",
    "LabelNameDialog",
    "TextDialog",
    "confirm_delete",
    "confirm_sign_out",
    "delete_confirmation_text",
]


def delete_confirmation_text(
    labels: Sequence[Label], count_of: Callable[[str], int | None], *, restorable: bool = False
) -> tuple[str, str]:
    """The question and the honest consequence for deleting ``labels``; names that hide characters
    (domain.reveal_name) are shown with them marked, and the text says what they hide. ``restorable``:
    the site keeps a saved copy, so the engine notes the label's contacts in Recently deleted first."""
    if len(labels) == 1:
        (label,) = labels
        count = count_of(label.key)
        question = f"Delete the label {quoted(label.display_name)}?"
        if count is None:
            consequence = f"Removes {quoted(label.display_name)} from every contact that has it."
        elif count == 0:
            consequence = "No contacts have this label."
        else:
            contacts = "1 contact" if count == 1 else f"{count:,} contacts"
            consequence = f"Removes {quoted(label.display_name)} from {contacts}."
        hidden = reveal_name(label.display_name).hidden
        after = RESTORABLE if restorable else "This can't be undone."
        return question, f"{consequence} {after}" + (f"\n\n{hidden}" if hidden else "")
    shown = labels[:10]
    lines = []
    hiding = 0
    for label in shown:
        count = count_of(label.key)
        suffix = "" if count is None else f" ({count:,} contact{'' if count == 1 else 's'})"
        if reveal_name(label.display_name).hidden:
            suffix += " (has hidden characters)"
            hiding += 1
        lines.append(f"• {quoted(label.display_name)}{suffix}")
    if len(labels) > len(shown):
        lines.append(f"…and {len(labels) - len(shown)} more")
    question = f"Delete these {len(labels)} labels?"
    after = RESTORABLE_MANY if restorable else "This can't be undone."
    consequence = "\n".join(lines) + f"\n\nEach is removed from every contact that has it. {after}"
    if hiding:
        consequence += (
            "\n\nHidden characters can make a name look like a different one, so LabelDesk shows each as ⟨U+…⟩."
        )
    return question, consequence


class ConfirmDeleteDialog(TextDialog):
    """The one confirmation before labels are deleted; Cancel is the default button."""

    def __init__(
        self, labels: Sequence[Label], count_of: Callable[[str], int | None], parent=None, *, restorable: bool = False
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delete labels" if len(labels) > 1 else "Delete label")
        self.setMinimumWidth(420)
        question, consequence = delete_confirmation_text(labels, count_of, restorable=restorable)
        self.question = plain_label(question, self)
        font = self.question.font()
        font.setBold(True)
        self.question.setFont(font)
        self.consequence = plain_label(consequence, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        # Alt+D or Tab then Space: Enter is Cancel's (the default), as in Merge labels….
        self.delete_button = buttons.addButton("&Delete", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.delete_button.setIcon(icons.icon("delete"))
        self.delete_button.clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        cancel.setFocus()

        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(self.question)
        text.addWidget(self.consequence)
        row = QHBoxLayout()
        row.addWidget(icon)
        row.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)


def confirm_delete(
    parent: QWidget, labels: Sequence[Label], count_of: Callable[[str], int | None], *, restorable: bool = False
) -> bool:
    """Ask before deleting. Tests replace this function: it runs a real modal loop."""
    dialog = ConfirmDeleteDialog(labels, count_of, parent, restorable=restorable)
    return dialog.exec() == QDialog.DialogCode.Accepted


def confirm_sign_out(parent: QWidget, site, keyring_name: str) -> bool:
    """Ask before signing out of a site. Tests replace this function: it runs a real modal loop."""
    box = TextDialog(parent)
    box.setWindowTitle("Sign out")
    question = plain_label(f"Sign out of {site.title}?", box)
    font = question.font()
    font.setBold(True)
    question.setFont(font)
    detail = plain_label(
        f"LabelDesk will remove this site's API key from {keyring_name} and forget its settings. "
        "The labels on Wix are not touched. To come back, you'll need the API key again.",
        box,
    )
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, box)
    buttons.addButton("Sign out", QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.accepted.connect(box.accept)
    buttons.rejected.connect(box.reject)
    layout = QVBoxLayout(box)
    layout.addWidget(question)
    layout.addWidget(detail)
    layout.addWidget(buttons)
    return box.exec() == QDialog.DialogCode.Accepted
