"""The "Something went wrong" window: a bug in LabelDesk (an exception nothing caught) said in plain words.

It says that LabelDesk hit a problem it didn't expect, that the labels on Wix are safe and the app
goes on, where the log file is, and holds the details (the traceback, every registered secret blotted
out) behind "Show details", with "Copy details" for support. It never blocks: it is shown, not
``exec()``-ed, and the window behind it keeps working. One at a time: a bug that comes while it is
open adds to it (or, the same one again, is counted) instead of opening another.

:class:`CrashReporter` is what app.py hands to ``install_excepthook``: callable from any thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from labeldesk.logs import redact
from labeldesk.ui.widgets import button_row, plain_label

log = logging.getLogger(__name__)

TITLE = "Something went wrong"
EXPLANATION = (
    "LabelDesk hit a problem it didn't expect. Your labels on Wix are safe, and LabelDesk keeps running, "
    "so you can go on working. If something in the window looks wrong, press F5 to load the labels again, "
    "or close LabelDesk and open it again."
)
TO_REPORT = "To report it, click Copy details and paste them into your message to LabelDesk support."
LOG_IS_HERE = "The details are also in LabelDesk's log file, in this folder:"
NO_LOG = "LabelDesk couldn't keep a log file on this computer: copy the details before you close this window."
#: How many different reports the details keep; later ones are only counted.
KEPT_REPORTS = 5


def times_words(count: int) -> str:
    """What the dialog says when the problem came more than once ('' for once)."""
    return "" if count <= 1 else f"This has happened {count:,} times so far."


class CrashDialog(QDialog):
    """The "Something went wrong" window. Non-modal: show it with ``show()``, never ``exec()``.

    ``log_folder``: the folder of the log file, or None when there is none. ``add_problem(report)``
    adds a bug's report (plain text); Esc or Close hides the window and forgets what it held.
    """

    def __init__(self, log_folder: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"LabelDesk: {TITLE.lower()}")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAccessibleName(TITLE)
        self.setAccessibleDescription(EXPLANATION)
        self.log_folder = log_folder
        self.reports: list[str] = []
        self.count = 0

        icon = QLabel(self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(48, 48))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        icon.setAccessibleName("Warning")
        self.heading = plain_label(TITLE, self)
        self.heading.setObjectName("crashHeading")
        heading_font = QFont(self.heading.font())
        heading_font.setBold(True)
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.25)
        self.heading.setFont(heading_font)
        self.explanation = plain_label(EXPLANATION, self)
        self.times = plain_label("", self)
        self.times.setObjectName("crashTimes")
        self.times.hide()
        self.to_report = plain_label(TO_REPORT, self)

        self.log_note = plain_label(LOG_IS_HERE if log_folder is not None else NO_LOG, self)
        self.log_path = plain_label(str(log_folder) if log_folder is not None else "", self, wrap=True)
        self.log_path.setObjectName("crashLogFolder")
        self.log_path.setAccessibleName("Log folder")
        self.log_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_log_button = QPushButton("Open log folder", self)
        self.open_log_button.setAccessibleName("Open log folder")
        self.open_log_button.setAutoDefault(False)
        self.open_log_button.clicked.connect(self._open_log_folder)
        for widget in (self.log_path, self.open_log_button):
            widget.setVisible(log_folder is not None)

        self.details = QPlainTextEdit(self)
        self.details.setObjectName("crashDetails")
        self.details.setAccessibleName("Details of the problem")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumHeight(180)
        self.details.hide()

        self.details_button = QPushButton("Show details", self)
        self.details_button.setAccessibleName("Show details")
        self.details_button.setCheckable(True)
        self.details_button.setAutoDefault(False)
        self.details_button.toggled.connect(self._show_details)
        self.copy_button = QPushButton("Copy details", self)
        self.copy_button.setAccessibleName("Copy details")
        self.copy_button.setToolTip("Copy what went wrong, for LabelDesk support")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self._copy_details)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAccessibleName("Close")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.reject)
        self.finished.connect(self._forget)

        text = QVBoxLayout()
        for widget in (self.heading, self.explanation, self.times):
            text.addWidget(widget)
        text.addSpacing(6)
        text.addWidget(self.log_note)
        log_row = QHBoxLayout()
        log_row.addWidget(self.log_path, 1)
        log_row.addWidget(self.open_log_button, 0, Qt.AlignmentFlag.AlignTop)
        text.addLayout(log_row)
        text.addSpacing(6)
        text.addWidget(self.to_report)
        text.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)
        buttons = button_row(self.details_button, self.copy_button, right=self.close_button)
        layout = self._layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details, 1)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        for label in (self.explanation, self.times, self.to_report, self.log_note, self.log_path):
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self.setTabOrder(self.close_button, self.details_button)
        self.setTabOrder(self.details_button, self.copy_button)
        self.setTabOrder(self.copy_button, self.open_log_button)

    def add_problem(self, report: str) -> None:
        """One more bug: its report (plain text) joins the details, up to KEPT_REPORTS different ones;
        the same report again, or one past them, is only counted. Blotted out as the log is."""
        self.count += 1
        report = redact(report)
        if report not in self.reports and len(self.reports) < KEPT_REPORTS:
            self.reports.append(report)
            self.details.setPlainText("\n\n".join(self.reports))
        self.times.setText(times_words(self.count))
        if self.count > 1 and self.times.isHidden():
            self.times.show()
            self._fit_height()
        self.copy_button.setText("Copy details")

    def details_text(self) -> str:
        """What Copy details copies: each different report, and how many times it all happened."""
        parts = [*self.reports]
        if self.count > len(self.reports):
            parts.append(f"(Problems in all, counting repeats: {self.count:,}.)")
        return "\n\n".join(parts)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fit_height(self) -> None:
        """Taller if what it says now needs more room at its width (the words wrap), never narrower."""
        layout = self._layout
        layout.activate()
        if layout.hasHeightForWidth():
            needed = layout.totalHeightForWidth(self.width())
        else:
            needed = layout.totalSizeHint().height()
        if needed > self.height():
            self.resize(self.width(), needed)

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")
        self.details_button.setAccessibleName(self.details_button.text())
        self.adjustSize()

    def _copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())
        self.copy_button.setText("Details copied")

    def _open_log_folder(self) -> None:
        if self.log_folder is not None and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_folder))):
            self.log_note.setText(f"{LOG_IS_HERE} (LabelDesk couldn't open it: open it from your file manager.)")

    def _forget(self) -> None:
        """Closed: the next problem starts afresh."""
        self.reports.clear()
        self.count = 0
        self.details.clear()
        self.details_button.setChecked(False)
        self.times.hide()


class CrashReporter(QObject):
    """Shows bugs in one :class:`CrashDialog` over ``window``; ``report(text, report)`` may be called
    from any thread (a queued signal carries it to the GUI thread).

    Signals: ``problem_reported(str, str)``: the text and report, as handed to ``report``.
    """

    problem_reported = Signal(str, str)

    def __init__(self, window: QWidget, log_folder: Path | None) -> None:
        super().__init__(window)
        self._window = window
        self._log_folder = log_folder
        self.dialog: CrashDialog | None = None
        self._broken = False
        self.problem_reported.connect(self._on_problem_reported, Qt.ConnectionType.QueuedConnection)

    def report(self, text: str, report: str) -> None:
        """For ``install_excepthook``: show the bug (``text`` is the hook's one-line summary)."""
        if shiboken6.isValid(self):
            self.problem_reported.emit(text, report)

    @Slot(str, str)
    def _on_problem_reported(self, text: str, report: str) -> None:
        if self._broken:
            return
        try:
            if self.dialog is None:
                self.dialog = CrashDialog(self._log_folder, self._window)
            self.dialog.add_problem(report)
            if not self.dialog.isVisible():  # (once: later ones must not take the focus from the window)
                self.dialog.show()
                self.dialog.raise_()
                self.dialog.activateWindow()
        except Exception:  # a bug in the crash dialog itself must not feed itself through the hook
            self._broken = True
            log.exception("the crash dialog failed; further problems go to the log only")
