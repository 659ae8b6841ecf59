"""The file that says a site's saved copy is on its way to the screen for the first time.

The window writes it before it hands the copy to the table and removes it once the copy is painted;
the engine removes it too, when a refresh replaces the copy or when it closes the copy in good order.
Found at start-up, it means the last start ended (crashed) in between: that copy is not shown again.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def showing_marker(cache_path: Path) -> Path:
    """The marker of the saved copy at ``cache_path``."""
    return cache_path.with_name(cache_path.name + ".showing")


def remove_marker(marker: Path) -> None:
    """Remove ``marker`` if it is there; a failure is logged, never raised."""
    try:
        marker.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("couldn't remove %s: %r", marker.name, exc)
