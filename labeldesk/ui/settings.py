"""The window's own settings (its size and place, the columns): one small JSON file in the config folder.

Not QSettings: Qt opens files by QString, and a folder whose name is in a legacy 8-bit encoding (a
byte that isn't UTF-8) has no QString spelling, so QSettings wrote to another folder, named with
U+FFFD, outside LABELDESK_HOME. Python opens the path as it is, bytes included, like every other
file LabelDesk writes. The values the window keeps are Qt's byte blobs (saveGeometry, saveState).
"""

from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path

from PySide6.QtCore import QByteArray

from labeldesk.paths import write_private

log = logging.getLogger(__name__)


class WindowSettings:
    """``value``/``setValue``/``sync``, the part of QSettings' interface the window uses.

    Values are QByteArray, str, int, float, bool or None. ``sync`` writes the file whole (a temporary
    file, then a rename): a crash mid-write leaves the old settings, never half of them. A file that
    can't be read or written is logged, never raised: the window then opens at its first size.
    """

    def __init__(self, path: Path, *, legacy_ini: Path | None = None) -> None:
        self.path = path
        self._values: dict[str, object] = self._read()
        if not self._values and legacy_ini is not None:
            self._values = _from_qsettings(legacy_ini)

    def _read(self) -> dict[str, object]:
        try:
            stored = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("couldn't read the window settings, starting afresh: %s", exc)
            return {}
        return {key: _decode(value) for key, value in stored.items()} if isinstance(stored, dict) else {}

    def value(self, key: str, default: object = None) -> object:
        return self._values.get(key, default)

    def setValue(self, key: str, value: object) -> None:
        self._values[key] = value

    def sync(self) -> None:
        text = json.dumps({key: _encode(value) for key, value in self._values.items()}, indent=1, sort_keys=True)
        try:
            write_private(self.path, text)
        except OSError as exc:
            log.warning("couldn't save the window settings: %s", exc)


def _encode(value: object) -> object:
    if isinstance(value, QByteArray | bytes):
        return {"bytes": base64.b64encode(value.data() if isinstance(value, QByteArray) else value).decode("ascii")}
    return value


def _decode(value: object) -> object:
    if isinstance(value, dict) and isinstance(value.get("bytes"), str):
        try:
            return QByteArray(base64.b64decode(value["bytes"]))
        except ValueError:
            return None
    return value


def _from_qsettings(ini: Path) -> dict[str, object]:
    """The window settings an older LabelDesk kept with QSettings, where Qt can spell the path."""
    try:
        os.fsencode(ini).decode("utf-8")
    except UnicodeDecodeError:
        return {}
    if not ini.is_file():
        return {}
    from PySide6.QtCore import QSettings

    old = QSettings(str(ini), QSettings.Format.IniFormat)
    return {key: old.value(key) for key in ("window/geometry", "window/header") if old.value(key) is not None}
