"""The offline copy of a site's labels: one SQLite file per site, written one whole sync at a time.

Qt-free. ``store.py`` holds LabelCache (opening, recovering, reading and writing the file) and where the
file lives; ``schema.py`` the tables and their migrations; ``snapshot.py`` the start-up snapshot's
encoding and the Snapshot the cache hands back; ``saved_contacts.py`` the contacts of a label kept for
offline, ``journal.py`` Recently deleted and the operation journal (issue 15). What other code uses is
importable from here.
"""

from labeldesk.cache.schema import MIGRATIONS, SCHEMA_VERSION, NewerSchemaError
from labeldesk.cache.snapshot import SNAPSHOT_PART, Snapshot
from labeldesk.cache.store import (
    BUSY_TIMEOUT_SECONDS,
    CacheUnavailableError,
    ForeignAnswerError,
    LabelCache,
    cache_path,
)

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SNAPSHOT_PART",
    "CacheUnavailableError",
    "ForeignAnswerError",
    "LabelCache",
    "NewerSchemaError",
    "Snapshot",
    "cache_path",
]
