"""The New label and Rename dialogs: one dialog that asks for a label name and saves it.

It sends its own request through the controller and stays open until it answers, so a conflict or a
lost connection is shown right where the user is looking, with the name still typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from labeldesk.api.errors import LabelNotFoundError, WixError
from labeldesk.domain import (
    LINES_JOINED_NOTE,
    NAME_MAX_LENGTH,
    FindOrCreateResult,
    Label,
    clean_name,
    name_problem,
    one_line,
    quoted,
    reveal_name,
    same_name_form,
    shown_name,
)
from labeldesk.index import CHECKING, Checking
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.text import literal, plain_tooltip
from labeldesk.ui.text_dialog import TextDialog
from labeldesk.ui.widgets import button_row, plain_label

log = logging.getLogger(__name__)


class LabelNameDialog(TextDialog):
    """Asks for a label name, validates it as it is typed, and saves it through the controller.

    A name that looks like an existing label's (domain.near_duplicate_form) takes a deliberate step: New
    label offers "Use ‘the existing one’" as the default button and "Create anyway" beside it; Rename
    says so and renames only on a click of "Rename anyway", never on Enter. Renaming to another label's
    very name (domain.same_name_form) is refused before asking Wix.

    Once the request is out, the dialog can still be closed (Esc, its close button; after a moment it no
    longer blocks the main window either): the request goes on, and ``saved`` still tells the window.

    Signals: ``saved(object)``: the FindOrCreateResult (new label) or the renamed Label, once the
    service has accepted it; or ``FindOrCreateResult(existing, created=False)`` when the person chose
    to use an existing label instead (nothing is sent). The dialog then closes itself.
    """

    saved = Signal(object)

    #: After this long, a request still out stops blocking the main window (quicker saves never blink).
    NON_MODAL_AFTER_MS = 600

    def __init__(
        self,
        controller: LabelsController,
        twin_of: Callable[[str, str | None], Label | Checking | None],
        label: Label | None = None,
        parent: QWidget | None = None,
        *,
        labels_known: Callable[[], bool] | None = None,
        twins_ready: SignalInstance | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._twin_of = twin_of
        #: Whether the window holds the site's labels (from Wix or the saved copy): without them there is
        #: nothing to compare a name with. None: always.
        self._labels_known = labels_known
        #: The name Wix refused last (an existing name, an invalid one): Enter must not send it again.
        self._refused_name: str | None = None
        self._label = label
        self._twin: Label | None = None
        self._in_flight = False
        self._gone = False
        self._closed_while_saving = False
        self._lines_joined = False
        self._enter_needs_a_click = False
        self._details = ""
        self.setWindowTitle("Rename label" if label else "New label")
        self.setMinimumWidth(460)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("For example: VIP, Newsletter, Wholesale")
        # No maxLength of NAME_MAX_LENGTH: Qt counts UTF-16 units (an emoji is 2) and cuts a paste
        # silently. The whole paste stays, and the rule says how long it is and what the limit is.
        self.name_edit.setMaxLength(_EDIT_MAX_LENGTH)
        self.name_edit.setClearButtonEnabled(True)
        #: The current name with its hidden characters shown, and what they are (a rename of such a name only).
        self.current_name: QLabel | None = None
        self.hidden_note: QLabel | None = None
        if label is not None:
            self.key_edit = QLineEdit(shown_name(label.key), self)
            self.key_edit.setReadOnly(True)
            self.key_edit.setFrame(False)
            form.addRow(plain_label("Key:", wrap=False), self.key_edit)
            self.key_help = plain_label("The key stays the same, so forms and automations that use it keep working.")
            form.addRow(plain_label(""), self.key_help)
            revealed = reveal_name(label.display_name)
            if revealed.hidden:
                # The field would show the name as it looks, not as it is: say what it holds, and offer it
                # without the hidden characters.
                self.current_name = plain_label(revealed.text)
                self.current_name.setObjectName("currentName")
                self.current_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                form.addRow(plain_label("Current name:", wrap=False), self.current_name)
                self.hidden_note = plain_label(f"{revealed.hidden} The name below leaves out what was hidden.")
                self.hidden_note.setObjectName("hiddenNote")
                self.hidden_note.setStyleSheet("color: #a15c00;")
                for text in (self.current_name, self.hidden_note):  # as wide as the field, wrapped to fit it
                    text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
                form.addRow(plain_label(""), self.hidden_note)
                self.name_edit.setText(revealed.without_hidden)
            else:
                self.name_edit.setText(label.display_name)
            self.name_edit.selectAll()
        name_caption = plain_label("Name:", wrap=False)
        name_caption.setBuddy(self.name_edit)
        form.addRow(name_caption, self.name_edit)

        self.note = plain_label(parent=self)
        self.note.setObjectName("dialogNote")
        self.note.hide()
        self.message = plain_label(parent=self)
        self.message.setObjectName("dialogMessage")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        # A secondary button, on the left apart from the dialog's actions (as the sign-in's demo
        # button), and never the default.
        self.details_button = QPushButton("Copy details", self)
        self.details_button.setAutoDefault(False)
        self.details_button.setToolTip("Copy what went wrong, for Wix or LabelDesk support")
        self.details_button.hide()
        self.ok_button = self.buttons.addButton("Rename" if label else "Create", QDialogButtonBox.ButtonRole.AcceptRole)
        #: "Use ‘the existing label’" when the name looks like one (New label only).
        self.use_button = self.buttons.addButton("Use", QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button.hide()
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self._submit)
        self.use_button.clicked.connect(self._use_twin)
        self.details_button.clicked.connect(self._copy_details)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(button_row(self.details_button, right=self.buttons))

        self._non_modal_timer = QTimer(self)
        self._non_modal_timer.setSingleShot(True)
        self._non_modal_timer.setInterval(self.NON_MODAL_AFTER_MS)
        self._non_modal_timer.timeout.connect(self._stop_blocking)

        self.name_edit.textChanged.connect(self._validate)
        if twins_ready is not None:  # (``twin_of`` said CHECKING: it can answer now)
            twins_ready.connect(self._validate)
        self._validate()
        if parent is not None:
            parent.installEventFilter(self)  # to close with the main window (see eventFilter)

    @property
    def cancel_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    # -- validation as you type -----------------------------------------------------------------------

    def _validate(self) -> None:
        if self._in_flight or self._gone:
            return
        text = self.name_edit.text()
        if one_line(text) != text:
            # A pasted line break or tab: show the name as it will be saved, on one line, and say why.
            self._lines_joined = True
            position = len(one_line(text[: self.name_edit.cursorPosition()]))
            self.name_edit.setText(one_line(text))  # validates again, with the new text
            self.name_edit.setCursorPosition(position)
            return
        cleaned = clean_name(text)
        problem = name_problem(text)
        if len(text.encode("utf-16-le")) // 2 >= self.name_edit.maxLength():
            problem = (
                f"This text is longer than {self.name_edit.maxLength():,} characters; the limit is {NAME_MAX_LENGTH}."
            )
        self._lines_joined = self._lines_joined and bool(text)
        self._set_note(LINES_JOINED_NOTE if self._lines_joined else None)
        unchanged = self._label is not None and cleaned == self._label.display_name
        found = None if problem or unchanged else self._twin_of(cleaned, self._label.key if self._label else None)
        checking = found is CHECKING
        twin = found if isinstance(found, Label) else None
        refusal = problem
        ok_text = "Rename" if self._label else "Create"
        self._enter_needs_a_click = False
        typed = reveal_name(cleaned)
        # What a look-alike note says of a typed name with hidden characters: it looks like the other
        # label *because* of them.
        hidden = ""
        if typed.hidden:
            hidden = " " + typed.hidden.splitlines()[0].replace("This name contains", "The name you typed contains", 1)
        if problem:
            self._show(problem if text else "", kind="error" if text else "info")
        elif unchanged:
            self._show("Type the new name.", kind="info")
        elif self._refused_name is not None and cleaned == self._refused_name:
            refusal = "Wix refused this name. Change it, then try again."
            self._show(refusal, kind="error")
        elif checking:
            # Never Enter past a similar name not yet looked for: OK waits for the look (a moment).
            refusal = "LabelDesk is checking for similar names. This takes a moment."
            self._show("Checking for similar names…", kind="info")
        elif twin is None and self._labels_known is not None and not self._labels_known():
            # Wix's find-or-create is safe (an existing name gives back that label): creating stays possible.
            self._show("LabelDesk couldn't check for similar names: the labels aren't loaded.", kind="warning")
        elif twin is None:
            self._show("")
        elif self._label is not None and same_name_form(twin.display_name) == same_name_form(cleaned):
            refusal = f"Another label is already called {quoted(twin.display_name)}. Choose a different name."
            self._show(refusal, kind="error")
        elif self._label is not None:
            self._show(
                f"{quoted(cleaned)} looks like the existing label {quoted(twin.display_name)}.{hidden} "
                "If you mean a different label, click Rename anyway.",
                kind="warning",
            )
            ok_text = "Rename anyway"
            self._enter_needs_a_click = True
        elif twin.display_name == cleaned:
            self._show(f"{quoted(twin.display_name)} already exists.", kind="info")
        else:
            self._show(
                f"{quoted(cleaned)} looks like the existing label {quoted(twin.display_name)}.{hidden} "
                "Use that one, or create a separate label anyway.",
                kind="warning",
            )
            ok_text = "Create anyway"
        self._twin = twin if twin is not None and self._label is None and problem is None else None
        offer_twin = self._twin is not None
        self.use_button.setVisible(offer_twin)
        if twin is not None and offer_twin:
            self.use_button.setText(literal(f"Use {quoted(twin.display_name, 32)}"))
            self.use_button.setToolTip(
                plain_tooltip(f"Select the existing label {quoted(twin.display_name)}; nothing is created.")
            )
        # Creating the very name that exists would only find the same label: "Use" says it plainly.
        self.ok_button.setVisible(not (twin is not None and offer_twin and twin.display_name == cleaned))
        self.ok_button.setText(ok_text)
        self.ok_button.setEnabled(refusal is None and not unchanged)
        self.ok_button.setToolTip(plain_tooltip(refusal or ""))
        # The default button (Enter) is never the one that makes a near-duplicate.
        default = self.use_button if offer_twin else None if self._enter_needs_a_click else self.ok_button
        for button in (self.ok_button, self.use_button):
            button.setDefault(button is default)
        self.fit_text()

    def _set_note(self, note: str | None) -> None:
        self.note.setText(note or "")
        self.note.setVisible(note is not None)

    def _show(self, text: str, *, kind: str = "info") -> None:
        colours = {"error": "#c62828", "warning": "#a15c00", "info": "", "ok": "#2e7d32"}
        self.message.setStyleSheet(f"color: {colours[kind]};" if colours[kind] else "")
        self.message.setText(text)
        self.message.setProperty("kind", kind)
        self.fit_text()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The main window was closed (not minimized, which is spontaneous) while this dialog no longer
        # blocked it: close too. A request still out goes on, as after Esc.
        closed = watched is self.parent() and event.type() == QEvent.Type.Hide and not event.spontaneous()
        if closed and self.isVisible():
            self.reject()
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._enter_needs_a_click:
            # A rename to a near-duplicate takes a click on "Rename anyway" (a focused button takes its
            # own Enter before it gets here).
            event.accept()
            return
        super().keyPressEvent(event)

    # -- saving ---------------------------------------------------------------------------------------

    def _use_twin(self) -> None:
        twin = self._twin
        if twin is None or self._in_flight or self.use_button.isHidden():
            return
        self.saved.emit(FindOrCreateResult(twin, created=False))
        self.accept()

    def _submit(self) -> None:
        if self._in_flight or not self.ok_button.isEnabled() or self.ok_button.isHidden():
            return
        name = clean_name(self.name_edit.text())
        self._set_in_flight(True)
        self._show("Saving… You can close this window: the main window will say when it's done.")
        self._non_modal_timer.start()
        if self._label is None:
            self._controller.create(name, on_success=self._on_saved, on_failure=self._on_failed)
        else:
            self._controller.rename(self._label, name, on_success=self._on_saved, on_failure=self._on_failed)

    def _set_in_flight(self, in_flight: bool) -> None:
        self._in_flight = in_flight
        if in_flight:
            self.details_button.hide()
            self.ok_button.setEnabled(False)
            self.use_button.setEnabled(False)
        else:
            self._non_modal_timer.stop()
            self.use_button.setEnabled(True)
        self.cancel_button.setText("Close" if in_flight else "Cancel")
        self.cancel_button.setToolTip(
            "The change is still sent; the main window will say how it went." if in_flight else ""
        )
        self.name_edit.setReadOnly(in_flight)

    def _stop_blocking(self) -> None:
        """A slow request: let the main window be used (and closed) while it is out."""
        if self._in_flight and self.isVisible() and self.windowModality() != Qt.WindowModality.NonModal:
            geometry = self.geometry()
            self.hide()  # Qt applies a new modality on the next show
            self.setWindowModality(Qt.WindowModality.NonModal)
            self.setGeometry(geometry)
            self.show()

    def reject(self) -> None:
        if self._in_flight:
            # Closed while the request is out: it goes on, and its answer still reaches the window
            # through ``saved`` (and the status bar), so keep this object until it comes.
            self._closed_while_saving = True
            self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        super().reject()

    def _finish_after_close(self) -> bool:
        if not self._closed_while_saving:
            return False
        self.deleteLater()
        return True

    def _on_saved(self, result: object) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_in_flight(False)
        self.saved.emit(result)
        if not self._finish_after_close():
            self.accept()

    def _on_failed(self, error: WixError) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_in_flight(False)
        log.info("the name dialog's request failed: %r (%s)", error, error.server_message or "no message from Wix")
        if self._finish_after_close():
            return  # the window's status bar says what went wrong (controller.write_failed)
        self._details = _error_details(self.windowTitle(), clean_name(self.name_edit.text()), error)
        if not error.retryable:
            # Refused, not lost on the way: sending the same name again would only be refused again.
            self._refused_name = clean_name(self.name_edit.text())
        if isinstance(error, LabelNotFoundError):
            # Nothing left to rename: say so, and leave only a way out.
            self._show(f"{shown_name(error.message)} It has been removed from the list.", kind="error")
            self.ok_button.setEnabled(False)
            self.name_edit.setReadOnly(True)
            self.cancel_button.setText("Close")
            self._gone = True
            return
        self._validate()
        self._show(shown_name(error.message), kind="error")  # (Wix's words can be in it)
        self.details_button.setVisible(bool(error.request_id or error.code or error.status))
        self.fit_text()
        self.name_edit.setFocus()

    def _copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self._details)
        self.details_button.setText("Copied")


#: What the name field holds at most: far past any name, so nothing anyone pastes by mistake is cut
#: without a word (the rule says the length); a bound all the same, so a huge paste stays quick.
_EDIT_MAX_LENGTH = 10_000


def _error_details(doing: str, name: str, error: WixError) -> str:
    """A plain-text report for support: ``error.details`` (the one format, as the status bar's Copy
    details gives it) and what was tried (never the API key)."""
    return f"{error.details}\nLabelDesk was doing: {doing} {name!r}"
