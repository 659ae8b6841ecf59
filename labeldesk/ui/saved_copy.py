"""The saved copy's first read, in the window's process, for the first paint.

Every write of the saved copy is the sync engine's; this only reads it once, at start, on a worker,
so the table can show the labels before Wix answers. A marker file guards against a saved copy that
crashes the window: it is written before the copy is handed over and removed once it is painted, so
a start that finds it doesn't show that copy again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import msgspec

from labeldesk.cache import LabelCache
from labeldesk.cache.marker import showing_marker as marker_of
from labeldesk.paths import private_file
from labeldesk.ui.models import LabelBatch, SortSpec, prepare_batch, presorted_batch, sort_name

log = logging.getLogger(__name__)


def showing_marker(cache: LabelCache) -> Path:
    """The marker of ``cache``'s saved copy (see labeldesk.cache.marker)."""
    return marker_of(cache.path)


class SavedCopy(msgspec.Struct, frozen=True):
    """The saved copy as ``cache_loaded`` hands it over: a Snapshot whose labels are a ready LabelBatch."""

    labels: LabelBatch
    counts: dict[str, int | None] | None
    synced_at: datetime | None
    recovered: bool = False


def read_saved_copy(cache: LabelCache, spec: SortSpec | None) -> SavedCopy | None:
    """The saved copy, ready for a table in ``spec``'s order; None if it mustn't be shown (the last
    start ended while it was being shown). For a worker: it reads the disk. Raises what
    LabelCache.load raises (CacheUnavailableError for a file that can't be read)."""
    marker = showing_marker(cache)
    if marker.exists():
        # The last start ended (a crash) between showing this copy and painting it: don't replay it
        # into the same crash. The next refresh replaces it.
        log.warning("the saved copy %s was being shown when LabelDesk last stopped; skipping it", marker)
        return None
    snapshot = cache.load()
    if snapshot.labels:
        try:
            private_file(marker)  # 0600, never through a link, like the copy itself
        except OSError as exc:  # (a read-only folder: nothing can be replayed from it either)
            log.warning("couldn't write %s: %r", marker.name, exc)
    if (
        spec is not None
        and snapshot.ordered_by is not None
        and snapshot.ordered_by == sort_name(spec)
        and snapshot.search_list is not None
        and snapshot.search is not None
    ):  # saved in this order
        batch = presorted_batch(snapshot.labels, snapshot.search_list, spec, snapshot.search)
    else:
        batch = prepare_batch(snapshot.labels, spec, known_search=snapshot.search)
    return SavedCopy(batch, snapshot.counts, snapshot.synced_at, snapshot.recovered)
