"""Every file LabelDesk writes stays under LABELDESK_HOME, also when its path isn't UTF-8."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import QByteArray, QSettings

from labeldesk.paths import AppPaths
from labeldesk.ui.settings import WindowSettings


def everything_under(folder: bytes) -> set[bytes]:
    found = set()
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            found.add(os.path.join(root, name))
    return found


def test_a_home_in_a_legacy_8_bit_encoding_keeps_every_file_inside_it(tmp_path):
    parent = os.fsencode(tmp_path)
    home = os.path.join(parent, b"Caf\xe9 labels")  # 'Café' in Latin-1: not UTF-8
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LABELDESK_HOME": os.fsdecode(home)}
    result = subprocess.run(
        [sys.executable, "-m", "labeldesk", "--demo", "--selftest", "--demo-latency-ms", "0"],
        capture_output=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outside = {path for path in everything_under(parent) if not path.startswith(home + b"/")} - {home}
    assert outside == set()
    assert os.path.isfile(os.path.join(home, b"config", b"window.json"))  # the settings were saved, inside


def test_window_settings_round_trip_bytes_and_survive_a_damaged_file(tmp_path):
    path = tmp_path / "config" / "window.json"
    settings = WindowSettings(path)
    assert settings.value("window/geometry") is None
    settings.setValue("window/geometry", QByteArray(b"\x01\xd9\xd0\xcb\x00"))
    settings.setValue("window/header", QByteArray(b"header"))
    settings.sync()
    again = WindowSettings(path)
    assert again.value("window/geometry") == QByteArray(b"\x01\xd9\xd0\xcb\x00")
    assert again.value("window/header") == QByteArray(b"header")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    path.write_text("{not json")
    assert WindowSettings(path).value("window/geometry") is None  # a fresh start, not a crash


def test_the_size_and_columns_an_older_version_kept_are_taken_over(labeldesk_home):
    paths = AppPaths.from_environment().ensure()
    old = QSettings(str(paths.config / "labeldesk.ini"), QSettings.Format.IniFormat)
    old.setValue("window/geometry", QByteArray(b"geometry"))
    old.setValue("window/header", QByteArray(b"header"))
    old.sync()
    settings = WindowSettings(paths.settings_file, legacy_ini=paths.config / "labeldesk.ini")
    assert settings.value("window/geometry") == QByteArray(b"geometry")
    assert settings.value("window/header") == QByteArray(b"header")


def test_a_size_and_columns_of_the_wrong_kind_open_the_window_at_its_first_size(tmp_path, qtbot):
    """A hand-edited file may hold text or a number where bytes belong: the window opens, as for none."""
    from labeldesk.ui.main_window import MainWindow

    path = tmp_path / "config" / "window.json"
    path.parent.mkdir()
    path.write_text('{"window/geometry": "wide", "window/header": 3}')
    window = MainWindow(WindowSettings(path))
    qtbot.addWidget(window)
    assert window.width() > 0
