"""The New label and Rename dialogs, and the delete confirmation.

The name dialogs send their own request through the controller and stay open until it answers, so a
conflict or a lost connection is shown right where the user is looking, with the name still typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from labeldesk.api.errors import LabelNotFoundError, WixError
from labeldesk.domain import NAME_MAX_LENGTH, Label, clean_name, name_problem, quoted
from labeldesk.ui import icons
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.widgets import plain_label


class LabelNameDialog(QDialog):
    """Asks for a label name, validates it as it is typed, and saves it through the controller.

    Signals: ``saved(object)``: the FindOrCreateResult (new label) or the renamed Label, once the
    service has accepted it; the dialog then closes itself.
    """

    saved = Signal(object)

    def __init__(
        self,
        controller: LabelsController,
        twin_of: Callable[[str, str | None], Label | None],
        label: Label | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._twin_of = twin_of
        self._label = label
        self._in_flight = False
        self._gone = False
        self.setWindowTitle("Rename label" if label else "New label")
        self.setMinimumWidth(440)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("For example: VIP, Newsletter, Wholesale")
        self.name_edit.setMaxLength(NAME_MAX_LENGTH + 50)  # room to paste and then trim; the rule says why
        self.name_edit.setClearButtonEnabled(True)
        if label is not None:
            self.key_edit = QLineEdit(label.key, self)
            self.key_edit.setReadOnly(True)
            self.key_edit.setFrame(False)
            form.addRow(plain_label("Key:", wrap=False), self.key_edit)
            form.addRow(
                plain_label(""),
                plain_label("The key stays the same, so forms and automations that use it keep working."),
            )
            self.name_edit.setText(label.display_name)
            self.name_edit.selectAll()
        name_caption = plain_label("Name:", wrap=False)
        name_caption.setBuddy(self.name_edit)
        form.addRow(name_caption, self.name_edit)

        self.message = plain_label(parent=self)
        self.message.setObjectName("dialogMessage")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.addButton("Rename" if label else "Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.name_edit.textChanged.connect(self._validate)
        self._validate()

    # -- validation as you type -----------------------------------------------------------------------

    def _validate(self) -> None:
        if self._in_flight or self._gone:
            return
        text = self.name_edit.text()
        problem = name_problem(text)
        unchanged = self._label is not None and clean_name(text) == self._label.display_name
        if problem:
            self._show(problem if text else "", kind="error" if text else "info")
        elif unchanged:
            self._show("Type the new name.", kind="info")
        else:
            twin = self._twin_of(text, self._label.key if self._label else None)
            if twin is not None and twin.display_name == clean_name(text):
                if self._label is None:
                    self._show(f"{quoted(twin.display_name)} already exists; Create will select it.", kind="warning")
                else:
                    self._show(f"Another label is already called {quoted(twin.display_name)}.", kind="warning")
            elif twin is not None:
                self._show(
                    f"{quoted(clean_name(text))} looks like the existing {quoted(twin.display_name)}.", kind="warning"
                )
            else:
                self._show("")
        self.ok_button.setEnabled(problem is None and not unchanged)
        self.ok_button.setToolTip(problem or "")

    def _show(self, text: str, *, kind: str = "info") -> None:
        colours = {"error": "#c62828", "warning": "#a15c00", "info": "", "ok": "#2e7d32"}
        self.message.setStyleSheet(f"color: {colours[kind]};" if colours[kind] else "")
        self.message.setText(text)
        self.message.setProperty("kind", kind)

    # -- saving ---------------------------------------------------------------------------------------

    def _submit(self) -> None:
        if self._in_flight or not self.ok_button.isEnabled():
            return
        name = clean_name(self.name_edit.text())
        self._set_in_flight(True)
        self._show("Saving…")
        if self._label is None:
            self._controller.create(name, on_success=self._on_saved, on_failure=self._on_failed)
        else:
            self._controller.rename(self._label, name, on_success=self._on_saved, on_failure=self._on_failed)

    def _set_in_flight(self, in_flight: bool) -> None:
        self._in_flight = in_flight
        self.ok_button.setEnabled(not in_flight)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(not in_flight)
        self.name_edit.setReadOnly(in_flight)

    def reject(self) -> None:
        # While the request is out, closing would hide its answer (and the label may still be saved):
        # Cancel and Esc wait for it.
        if not self._in_flight:
            super().reject()

    def _on_saved(self, result: object) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_in_flight(False)
        self.saved.emit(result)
        self.accept()

    def _on_failed(self, error: WixError) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_in_flight(False)
        if isinstance(error, LabelNotFoundError):
            # Nothing left to rename: say so, and leave only a way out.
            self._show(f"{error.message} It has been removed from the list.", kind="error")
            self.ok_button.setEnabled(False)
            self.name_edit.setReadOnly(True)
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
            self._gone = True
            return
        self._validate()
        self._show(str(error), kind="error")
        self.name_edit.setFocus()


def delete_confirmation_text(labels: Sequence[Label], count_of: Callable[[str], int | None]) -> tuple[str, str]:
    """The question and the honest consequence for deleting ``labels``."""
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
        return question, consequence + " This can't be undone."
    shown = labels[:10]
    lines = []
    for label in shown:
        count = count_of(label.key)
        suffix = "" if count is None else f" ({count:,} contact{'' if count == 1 else 's'})"
        lines.append(f"• {quoted(label.display_name)}{suffix}")
    if len(labels) > len(shown):
        lines.append(f"…and {len(labels) - len(shown)} more")
    question = f"Delete these {len(labels)} labels?"
    consequence = "\n".join(lines) + "\n\nEach is removed from every contact that has it. This can't be undone."
    return question, consequence


class ConfirmDeleteDialog(QDialog):
    """The one confirmation before labels are deleted; Cancel is the default button."""

    def __init__(self, labels: Sequence[Label], count_of: Callable[[str], int | None], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delete labels" if len(labels) > 1 else "Delete label")
        self.setMinimumWidth(420)
        question, consequence = delete_confirmation_text(labels, count_of)
        self.question = plain_label(question, self)
        font = self.question.font()
        font.setBold(True)
        self.question.setFont(font)
        self.consequence = plain_label(consequence, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.delete_button = buttons.addButton("Delete", QDialogButtonBox.ButtonRole.DestructiveRole)
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


def confirm_delete(parent: QWidget, labels: Sequence[Label], count_of: Callable[[str], int | None]) -> bool:
    """Ask before deleting. Tests replace this function: it runs a real modal loop."""
    return ConfirmDeleteDialog(labels, count_of, parent).exec() == QDialog.DialogCode.Accepted


def confirm_sign_out(parent: QWidget, site, keyring_name: str) -> bool:
    """Ask before signing out of a site. Tests replace this function: it runs a real modal loop."""
    box = QDialog(parent)
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
