"""Label names full of HTML, right-to-left text, emoji and 180 characters stay plain text everywhere;
so do the names of Wix apps and Wix's own words, tooltips included; and names that hide characters
show them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QFont, QHelpEvent, QTextDocument, QTextFormat
from PySide6.QtWidgets import QApplication, QLabel, QToolTip, QWidget

from labeldesk.emulator import LabelStore, seed_empty
from labeldesk.ui import dialogs
from labeldesk.ui.models import Column

NASTY = ["<b>x</b>", "<img src=x>", "مرحبا بالعالم", "🎉🐶 Party time", "&amp; <i>not italic</i>", "W" * 180]


@pytest.fixture
def nasty(open_app):
    store = LabelStore()
    seed_empty(store)
    for name in NASTY:
        store.add_label(name)
    return open_app(store)


def rich_labels(widget) -> list[QLabel]:
    return [
        label for label in widget.findChildren(QLabel) if label.text() and label.textFormat() != Qt.TextFormat.PlainText
    ]


def test_the_table_shows_names_exactly(nasty):
    window, _ = nasty
    shown = {window.model.index(row, Column.NAME).data() for row in range(window.model.rowCount())}
    assert set(NASTY) <= shown


def test_dialogs_and_messages_keep_names_as_plain_text(nasty, qtbot, monkeypatch, tmp_path):
    window, _ = nasty
    window.select_key(next(label.key for label in window.model.labels if label.display_name == "<b>x</b>"))
    dialog = window.rename_selected()
    dialog.name_edit.setText("<img src=x>")
    assert "‘<img src=x>’" in dialog.message.text()
    assert rich_labels(dialog) == []
    dialog.reject()

    every = [label for label in window.model.labels if label.editable]
    confirm = dialogs.ConfirmDeleteDialog(every, window.model.contact_count, window)
    assert rich_labels(confirm) == []
    assert "‘<b>x</b>’" in confirm.consequence.text()
    long_name = "W" * 180
    assert "W" * 59 + "…" in confirm.consequence.text() and long_name not in confirm.consequence.text()
    confirm.resize(confirm.sizeHint())
    assert confirm.width() < 900  # a 180-character name doesn't stretch the dialog off the screen
    confirm.grab().save(str(tmp_path / "confirm.png"))
    confirm.reject()

    window.select_key(next(label.key for label in window.model.labels if label.display_name == long_name))
    window.copy_action.trigger()
    assert rich_labels(window) == []
    window.resize(1000, 600)
    window.grab().save(str(Path(tmp_path) / "window.png"))
    assert window.width() <= 1000


def test_icons_follow_a_dark_palette_and_stay_sharp_at_200_percent(demo_store, open_app, qapp):
    from PySide6.QtGui import QColor, QPalette

    from labeldesk.ui import icons

    window, _ = open_app(demo_store)
    light = window.new_action.icon().pixmap(32, 32).toImage().pixelColor(16, 16)
    old = qapp.palette()
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#f0f0f0"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    try:
        qapp.setPalette(dark)
        window.close()
        in_the_dark, _ = open_app(demo_store)  # a window opened under a dark theme
        centre = in_the_dark.new_action.icon().pixmap(32, 32).toImage().pixelColor(16, 16)
    finally:
        qapp.setPalette(old)
    assert light.lightness() < 100  # the plus sign: dark on the light palette...
    assert centre.lightness() > 180  # ...and light on the dark one
    sizes = {size.width() for size in icons.icon("delete").availableSizes()}
    assert {32, 48, 64} <= sizes  # pixmaps for 200% scaling are there, not upscaled


# -- text from the service in tooltips ------------------------------------------------------------------

#: Names of Wix apps as a hostile server could send them: each would be rendered as HTML in a tooltip.
HOSTILE = [
    "<h1 style=color:red>X</h1>",
    "<a href='https://example.com/steal'>Click here</a>",
    "<img src=file:///etc/passwd>",
    "&lt;b&gt;escaped&lt;/b&gt;",
    "<table><tr><td>cell</td></tr></table>",
]
HUGE = "<b>Big</b> " + "N" * 1_000_000


def rendered_markup(text: str | None) -> list[str]:
    """What markup Qt would apply showing ``text`` where it guesses the format (a tooltip, a QLabel
    left at AutoText): headings, links, images, tables, colours, bold, italics; [] for none."""
    if not text or not QtGui.Qt.mightBeRichText(text):
        return []  # shown as plain text
    document = QTextDocument()
    document.setHtml(text)
    found = []
    if document.rootFrame().childFrames():
        found.append("table or frame")
    block = document.begin()
    while block.isValid():
        if block.blockFormat().headingLevel():
            found.append("heading")
        fragments = block.begin()
        while not fragments.atEnd():
            char_format = fragments.fragment().charFormat()
            if char_format.isAnchor():
                found.append("link")
            if char_format.isImageFormat():
                found.append("image")
            if char_format.hasProperty(QTextFormat.Property.ForegroundBrush):
                found.append("colour")
            if char_format.fontWeight() > QFont.Weight.Normal or char_format.fontItalic():
                found.append("bold or italic")
            fragments += 1
        block = block.next()
    return found


def as_read(text: str) -> str:
    """The words a person reads where Qt shows ``text`` guessing its format (a tooltip)."""
    if not QtGui.Qt.mightBeRichText(text):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def markup_anywhere(*tops: QWidget) -> dict[str, list[str]]:
    """Every tooltip (widgets and actions) and every QLabel text under ``tops`` that Qt would render as HTML."""
    found = {}
    for top in tops:
        for widget in [top, *top.findChildren(QWidget)]:
            if markup := rendered_markup(widget.toolTip()):
                found[f"tooltip of {widget.objectName() or type(widget).__name__}"] = markup
            guessed = isinstance(widget, QLabel) and widget.textFormat() != Qt.TextFormat.PlainText
            if guessed and (markup := rendered_markup(widget.text())):
                found[f"text of {widget.objectName() or 'a QLabel'}"] = markup
        for action in top.findChildren(QAction):
            if markup := rendered_markup(action.toolTip()):
                found[f"tooltip of {action.text()}"] = markup
    return found


@pytest.fixture
def hostile(open_app):
    store = LabelStore()
    seed_empty(store)
    for number, namespace in enumerate([*HOSTILE, HUGE]):
        store.add_label(
            f"App label {number}",
            label_type="WIX_APP_DEFINED",
            namespace=f"app{number}",
            namespace_display_name=namespace,
        )
    for name in HOSTILE:
        store.add_label(name)
    return open_app(store)


def hover(view, row: int, column: int) -> str:
    """Hover over a cell as a person would: the tooltip Qt shows (then hidden again)."""
    position = view.visualRect(view.model().index(row, column)).center()
    event = QHelpEvent(QEvent.Type.ToolTip, position, view.viewport().mapToGlobal(position))
    QApplication.sendEvent(view.viewport(), event)
    shown = QToolTip.text()
    QToolTip.hideText()
    return shown


def test_no_tooltip_or_label_anywhere_renders_the_html_in_a_wix_apps_name(hostile, qtbot, monkeypatch):
    window, _ = hostile
    model = window.model
    assert model.rowCount() == 2 + 2 * len(HOSTILE) + 1
    for row in range(model.rowCount()):
        for column in Column:
            tip = model.index(row, column).data(Qt.ItemDataRole.ToolTipRole)
            assert rendered_markup(tip) == [], (row, column, tip)
            assert tip is None or len(tip) < 1_000

    for label in model.labels:  # each selected: the Rename and Delete buttons say why not, naming the app
        window.select_key(label.key)
        window.table.doubleClicked.emit(model.index(model.row_of(label.key), 0))  # the status bar says it too
        assert markup_anywhere(window) == {}, label.namespace_display_name[:40]
        assert len(window.status.text.toolTip()) < 1_000 and len(window.status.text.text()) <= 1_000
    window.select_key(next(label.key for label in model.labels if label.namespace_display_name == HOSTILE[0]))
    assert "<h1 style=color:red>X</h1>" in window.why(window.delete_action)  # the words, as written

    # Dialogs: a rename naming another label, a new label that looks like one, the delete confirmation.
    user_labels = [label for label in model.labels if label.editable]
    window.select_key(user_labels[0].key)
    rename = window.rename_selected()
    rename.name_edit.setText(user_labels[1].display_name)
    new = window.new_label()
    new.name_edit.setText(HOSTILE[0].upper())
    assert new.use_button.isVisible()
    confirm = dialogs.ConfirmDeleteDialog(user_labels, model.contact_count, window)
    assert markup_anywhere(rename, new, confirm) == {}
    for dialog in (rename, new, confirm):
        dialog.reject()


def test_hovering_over_a_wix_apps_megabyte_name_shows_a_short_plain_tooltip(hostile, qtbot):
    window, _ = hostile
    key = next(label.key for label in window.model.labels if label.namespace_display_name == HUGE)
    window.select_key(key)
    shown = hover(window.table, window.model.row_of(key), Column.NAME)
    assert 0 < len(shown) < 1_000 and rendered_markup(shown) == []
    assert as_read(shown).startswith("This label belongs to <b>Big</b> NNN")
    assert len(window.delete_action.toolTip()) < 1_000 and len(window.rename_action.toolTip()) < 1_000


# -- names that hide what they are -------------------------------------------------------------------------


@pytest.fixture
def hiding(open_app):
    store = LabelStore()
    seed_empty(store)
    store.add_label("invoice\u202efdp.exe", key="custom.invoice")
    store.add_label("V\u200bI\u200bP", key="custom.vip-lookalike")
    store.add_label("VIP", key="custom.vip")
    return open_app(store)


def test_the_table_shows_hidden_characters_and_its_tooltip_says_what_they_are(hiding):
    window, _ = hiding
    model = window.model
    invoice = model.index(model.row_of("custom.invoice"), Column.NAME)
    assert invoice.data() == "invoice⟨U+202E⟩fdp.exe"
    assert "a right-to-left override (U+202E) at position 8" in invoice.data(Qt.ItemDataRole.ToolTipRole)
    lookalike = model.index(model.row_of("custom.vip-lookalike"), Column.NAME)
    assert lookalike.data() == "V⟨U+200B⟩I⟨U+200B⟩P"
    assert "2 zero-width spaces (U+200B) at positions 2 and 4" in as_read(hover(window.table, lookalike.row(), 0))
    assert model.index(model.row_of("custom.vip"), Column.NAME).data(Qt.ItemDataRole.ToolTipRole) is None


def test_the_rename_dialog_shows_the_current_name_as_it_is_and_offers_it_without_the_hidden_characters(hiding):
    window, _ = hiding
    window.select_key("custom.invoice")
    dialog = window.rename_selected()
    assert dialog.current_name.text() == "invoice⟨U+202E⟩fdp.exe"
    assert "a right-to-left override (U+202E)" in dialog.hidden_note.text()
    assert dialog.name_edit.text() == "invoicefdp.exe" and dialog.ok_button.isEnabled()
    dialog.reject()

    window.select_key("custom.vip-lookalike")
    dialog = window.rename_selected()
    assert dialog.current_name.text() == "V⟨U+200B⟩I⟨U+200B⟩P"
    assert "already called ‘VIP’" in dialog.message.text()  # without them, it is the other label's name
    dialog.reject()

    window.select_key("custom.vip")
    dialog = window.rename_selected()
    assert dialog.current_name is None and dialog.name_edit.text() == "VIP"
    dialog.reject()


def test_the_delete_confirmation_shows_hidden_characters_and_says_what_they_are(hiding):
    window, _ = hiding
    invoice = window.model.label("custom.invoice")
    question, consequence = dialogs.delete_confirmation_text([invoice], window.model.contact_count)
    assert "‘invoice⟨U+202E⟩fdp.exe’" in question and "\u202e" not in question + consequence
    assert "a right-to-left override (U+202E) at position 8" in consequence
    both = [invoice, window.model.label("custom.vip-lookalike"), window.model.label("custom.vip")]
    _, consequence = dialogs.delete_confirmation_text(both, window.model.contact_count)
    assert "• ‘V⟨U+200B⟩I⟨U+200B⟩P’ (0 contacts) (has hidden characters)" in consequence
    assert "• ‘VIP’ (0 contacts)\n" in consequence
