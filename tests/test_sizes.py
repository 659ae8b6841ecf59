"""The layout's size rules (issue 14): no module in labeldesk/ over 500 lines; the table model and the main window
under 400. They slipped once unnoticed (engine/core.py reached 507): this makes them a test, not a habit."""

from __future__ import annotations

from pathlib import Path

import labeldesk

PACKAGE = Path(labeldesk.__file__).parent
SMALLER = {"ui/table/model.py": 400, "ui/main_window.py": 400}


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_five_hundred_lines():
    over = {str(path.relative_to(PACKAGE)): _lines(path) for path in PACKAGE.rglob("*.py") if _lines(path) > 500}
    assert over == {}


def test_the_table_model_and_the_main_window_are_under_four_hundred_lines():
    sizes = {name: _lines(PACKAGE / name) for name in SMALLER}
    assert all(sizes[name] < limit for name, limit in SMALLER.items()), sizes
