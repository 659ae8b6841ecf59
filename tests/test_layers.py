"""The core stays Qt-free, so it can be tested and reused without a GUI."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "labeldesk.domain",
    "labeldesk.api",
    "labeldesk.api.client",  # (labeldesk.api loads its modules only when used: name the client, which loads them)
    "labeldesk.emulator",
    "labeldesk.paths",
    "labeldesk.logs",
    "labeldesk.errors",
    "labeldesk.index",
    "labeldesk.cache",
    "labeldesk.engine.core",  # the engine's process never loads Qt
    "labeldesk.engine.entry",  # (the window's process starts an engine from here before it loads Qt)
    "labeldesk.engine.protocol",
    "labeldesk.engine.serve",
]


def test_the_core_never_imports_qt():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + ("print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))")
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_labeldesk_home_moves_every_path(tmp_path, monkeypatch):
    from labeldesk.paths import AppPaths

    monkeypatch.setenv("LABELDESK_HOME", str(tmp_path))
    paths = AppPaths.from_environment()
    for folder in (paths.config, paths.cache, paths.logs):
        assert folder.is_relative_to(tmp_path)


def test_the_gui_process_plays_no_interpreter_games():
    """No switch-interval or garbage-collector settings anywhere in the app: the engine's process
    keeps the network and the disk away from the GUI thread instead (issue 14)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "labeldesk"
    games = re.compile(r"setswitchinterval|\bgc\.(disable|freeze|set_threshold)|give_way|gui_busy")
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if games.search(line)
    ]
    assert found == []
