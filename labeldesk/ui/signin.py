"""The sign-in dialog: an API key and a site ID, checked with Wix before anything is saved."""

from __future__ import annotations

import difflib
import itertools
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.api.urls import is_wix
from labeldesk.domain import shown_name
from labeldesk.sites import Site, extract_site_id, site_id_problem
from labeldesk.ui import icons
from labeldesk.ui.site_manager import Field, OpenedSite, SignInError, SignInRequest, SiteManager
from labeldesk.ui.text import plain_tooltip
from labeldesk.ui.widgets import button_row, plain_label

KEY_HELP = (
    "Create one in Wix: Account Settings → API Keys → Generate API Key, with the “Manage Contact Labels” "
    "permission for this site."
)
SITE_HELP = (
    "Open your site's dashboard: the ID is the part after /dashboard/ in the address. You can paste the whole address."
)


SESSION_ONLY_OFFER = "You can still use the key for this session only."


def _sentences(text: str) -> list[str]:
    return [sentence for sentence in re.split(r"(?<=[.!?])\s+", text.strip()) if sentence]


def not_yet_said(text: str, *shown: str) -> str:
    """``text`` without the sentences one of ``shown`` already says, word for word or nearly: the
    dialog's intro, its keyring note and its message are composed from separate answers (the key
    lookup, the keyring check, the sign-in), which share their advice ("unlock it and try again…",
    the session-only offer) and word the same fact a little differently ("can't keep your API key
    there" and "can't save your API key there")."""
    said = [_words(sentence) for other in shown for sentence in _sentences(other)]
    return " ".join(sentence for sentence in _sentences(text) if not _said_already(_words(sentence), said))


def _words(sentence: str) -> list[str]:
    return re.findall(r"[\w’']+", sentence.casefold())


def _said_already(words: list[str], said: list[list[str]]) -> bool:
    """Whether a sentence of ``said`` has the same words as ``words``, but for a word or two."""
    return any(difflib.SequenceMatcher(None, words, other).ratio() >= 0.85 for other in said)


class SignInDialog(QDialog):
    """Signals: ``signed_in(OpenedSite)``; ``demo_requested()`` when the person picks the demo instead."""

    signed_in = Signal(object)
    demo_requested = Signal()

    def __init__(self, manager: SiteManager, request: SignInRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self.request = request
        self._in_flight = False
        replacing = request.replace_key
        # Where the key will be sent: Wix, or a test server (--api-base), which the dialog then names.
        api_base = request.site.api_base if request.site is not None else manager.default_api_base
        title = "Sign in to your Wix site" if is_wix(api_base) else "Sign in to a test server"
        self.setWindowTitle("Enter a new API key" if replacing else title)
        self.setMinimumWidth(560)

        heading = plain_label("Enter a new API key" if replacing else title, self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        intro = plain_label(
            shown_name(request.reason)
            or "LabelDesk needs an API key and your site's ID to show the site's labels. You only do this once.",
            self,
        )
        self.intro = intro

        self.key_edit = QLineEdit(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste the API key")
        self.key_edit.setAccessibleName("API key")
        self.show_key = QPushButton(self)
        self.show_key.setCheckable(True)
        self.show_key.setAutoDefault(False)
        # Not a stop for Tab (which goes from the key to the site ID, where the next thing is typed): Alt+S.
        self.show_key.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.show_key.setToolTip("Show or hide the key (Alt+S)")
        self.show_key.toggled.connect(self._toggle_key_visible)
        self._toggle_key_visible(False)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.show_key)

        self.site_edit = QLineEdit(self)
        self.site_edit.setPlaceholderText("For example 1a2b3c4d-…, or the dashboard address")
        self.site_edit.setAccessibleName("Site ID")
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("Optional: a name you'll recognise, e.g. My Bakery")
        self.name_edit.setAccessibleName("Site name")
        if request.site is not None:
            self.site_edit.setText(request.site.site_id)
            self.name_edit.setText(request.site.name)
        if replacing or request.site is not None:
            self.site_edit.setReadOnly(True)
        #: Why the site field holds no site ID (shown under it as soon as it is clear).
        self.site_problem = plain_label(parent=self)
        self.site_problem.setObjectName("siteIdProblem")
        self.site_problem.setStyleSheet("color: #c62828;")

        form = QFormLayout()
        self._form = form
        form.addRow(plain_label("API key:", wrap=False), key_row)
        form.addRow(plain_label("", wrap=False), self._help(KEY_HELP))
        form.addRow(plain_label("Site ID:", wrap=False), self.site_edit)
        form.addRow(plain_label("", wrap=False), self.site_problem)
        form.setRowVisible(self.site_problem, False)  # a hidden row leaves no gap; a hidden widget would
        form.addRow(plain_label("", wrap=False), self._help(SITE_HELP))
        if replacing:
            self.name_edit.hide()  # not in the form: without this it would sit on top of the heading
        else:
            form.addRow(plain_label("Site name:", wrap=False), self.name_edit)

        self.where = plain_label(parent=self)
        #: Where the key will be sent, when that isn't Wix (a test server given with --api-base).
        self.address_note = plain_label(
            "" if is_wix(api_base) else f"This key is sent to the test server at {api_base}, not to Wix.", self
        )
        self.address_note.setObjectName("signInAddress")
        self.address_note.setVisible(not is_wix(api_base))
        self.message = plain_label(parent=self)
        self.message.setObjectName("signInMessage")
        self.message.hide()  # (until there is something to say: an empty line would leave a gap)

        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = self.buttons.addButton(
            "Save key" if replacing else "Sign in", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_in_button.setDefault(True)
        self.session_button = self.buttons.addButton("Use for this session only", QDialogButtonBox.ButtonRole.ApplyRole)
        self.session_button.setToolTip("Keep the key in memory until LabelDesk closes; nothing is written anywhere.")
        self.session_button.hide()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        # Out of the way: apart from the dialog's buttons (whose order varies by desktop), last in the tab
        # order, and never the default, so Enter or a stray Tab can't throw away a typed key.
        self.demo_button = QPushButton("Try the demo instead", self)
        self.demo_button.setAutoDefault(False)
        self.demo_button.setToolTip("Open a made-up café's labels to look around; nothing is sent to Wix.")
        self.demo_button.setVisible(not replacing)
        for button in (self.session_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter in the form means the main button, whatever has focus
        self.sign_in_button.clicked.connect(lambda: self._submit(session_only=False))
        self.session_button.clicked.connect(lambda: self._submit(session_only=True))
        self.cancel_button.clicked.connect(self.reject)
        self.demo_button.clicked.connect(self._on_demo)

        icon = QLabel(self)
        icon.setPixmap(icons.app_icon().pixmap(48, 48))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        top = QHBoxLayout()
        top.addWidget(icon)
        text = QVBoxLayout()
        text.addWidget(heading)
        text.addWidget(intro)
        top.addLayout(text, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.where)
        layout.addWidget(self.address_note)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(button_row(self.demo_button, right=self.buttons))
        chain = (
            self.key_edit,
            self.site_edit,
            self.name_edit,
            self.sign_in_button,
            self.session_button,
            self.cancel_button,
            self.demo_button,
        )
        for first, second in itertools.pairwise(chain):
            self.setTabOrder(first, second)

        for edit in (self.key_edit, self.site_edit):
            edit.textChanged.connect(self._update_buttons)
        manager.keyring_checked.connect(self._show_keyring)
        manager.check_keyring()
        self._show_keyring()
        if request.keyring_failed:
            self._offer_session_only()
        self._update_buttons()
        self.key_edit.setFocus()

    def _help(self, text: str) -> QLabel:
        label = plain_label(text, self)
        label.setStyleSheet("color: palette(placeholder-text);")
        return label

    def _toggle_key_visible(self, visible: bool) -> None:
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password)
        self.show_key.setText("Hide" if visible else "Show")
        self.show_key.setShortcut(QKeySequence("Alt+S"))  # (after the text, which sets one of its own)

    def _show_keyring(self) -> None:
        problem = self.manager.keyring_problem
        if self.manager.keyring_description is None:
            self.where.setText("")
        elif problem:
            self.where.setText(not_yet_said(f"{problem} {SESSION_ONLY_OFFER}", self.intro.text(), self.message.text()))
            self.where.setStyleSheet("color: #a15c00;")
            self._offer_session_only()
        else:
            self.where.setText(f"Your API key will be kept in {self.manager.keyring_description}, not in a file.")
            self.where.setStyleSheet("")

    def _offer_session_only(self) -> None:
        """No keyring to save to: the only way in is a key kept in memory, so make that the main button."""
        self.session_button.show()
        self.sign_in_button.hide()
        self.session_button.setDefault(True)
        self._update_buttons()

    def _update_buttons(self) -> None:
        problem = site_id_problem(self.site_edit.text())
        self.site_problem.setText(problem or "")
        self._form.setRowVisible(self.site_problem, problem is not None)
        ready = bool(self.key_edit.text().strip()) and bool(extract_site_id(self.site_edit.text()))
        for button in (self.sign_in_button, self.session_button):
            button.setEnabled(ready and not self._in_flight)

        if not ready and not self._in_flight:
            missing = "the API key" if not self.key_edit.text().strip() else "the site ID"
            self.sign_in_button.setToolTip(plain_tooltip(problem or f"Enter {missing} first."))
        else:
            self.sign_in_button.setToolTip("")

    def _site(self) -> Site:
        base = self.request.site
        site_id = extract_site_id(self.site_edit.text())
        api_base = base.api_base if base is not None else self.manager.default_api_base
        return Site(site_id, self.name_edit.text().strip(), api_base)

    def _submit(self, *, session_only: bool) -> None:
        if self._in_flight:
            return
        self.site_edit.setText(extract_site_id(self.site_edit.text()))
        self._in_flight = True
        self._update_buttons()
        self._say("Checking the key with Wix…" if is_wix(self._site().api_base) else "Checking the key…", "info")
        self.manager.sign_in(
            self._site(),
            self.key_edit.text().strip(),
            session_only=session_only,
            on_success=self._on_signed_in,
            on_failure=self._on_failed,
        )

    def _on_signed_in(self, opened: OpenedSite) -> None:
        self._in_flight = False
        self.key_edit.clear()
        self.signed_in.emit(opened)
        self.accept()

    def _on_failed(self, error: SignInError) -> None:
        self._in_flight = False
        text = f"{error.message} {SESSION_ONLY_OFFER}" if error.field is Field.KEYRING else error.message
        # Said once: what the intro or the keyring note already say is left out (a second failure of
        # the same kind, with nothing new to say, still answers the button press).
        self._say(not_yet_said(text, self.intro.text(), self.where.text()) or "That didn't work either.", "error")
        if error.field is Field.KEYRING:
            self._offer_session_only()
        target = {Field.API_KEY: self.key_edit, Field.SITE_ID: self.site_edit}.get(error.field)
        for edit in (self.key_edit, self.site_edit):
            edit.setStyleSheet("border: 1px solid #c62828;" if edit is target else "")
        if target is not None and not target.isReadOnly():
            target.setFocus()
            target.selectAll()
        self._update_buttons()

    def _say(self, text: str, kind: str) -> None:
        self.message.setText(shown_name(text))  # (Wix's words can be in it)
        self.message.setVisible(bool(text))
        self.message.setProperty("kind", kind)
        self.message.setStyleSheet("color: #c62828;" if kind == "error" else "")

    def _on_demo(self) -> None:
        self.demo_requested.emit()
        self.reject()
