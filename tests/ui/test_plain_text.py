"""Label names full of HTML, right-to-left text, emoji and 180 characters stay plain text everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

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
