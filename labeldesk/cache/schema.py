"""The cache file's schema: its tables, the migrations between versions, and how a label is a row.

Qt-free. The schema version is SQLite's ``user_version``; a file from a newer LabelDesk is never
guessed at (NewerSchemaError), and an older one is backed up before it is migrated.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from labeldesk.domain import Label, search_text
from labeldesk.errors import KnownError
from labeldesk.paths import private_file

log = logging.getLogger(__name__)

#: Each entry takes the schema from the version before it (its index) to the next. Never edit one
#: that has shipped: add another.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE labels (
        key TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        label_type TEXT NOT NULL,
        namespace TEXT,
        namespace_display_name TEXT,
        created TEXT,
        updated TEXT,
        position INTEGER NOT NULL,
        synced_at TEXT NOT NULL
    );
    CREATE TABLE counts (key TEXT PRIMARY KEY, count INTEGER NOT NULL, synced_at TEXT NOT NULL);
    """,
    # 2: each label's search text (accent-folded name and key), so start-up needn't recompute it.
    """
    ALTER TABLE labels ADD COLUMN search TEXT;
    """,
    # 3: the whole last sync as one msgpack blob, in the table's order, read at start-up in one go
    # (much quicker than the rows: the benchmark's start-up figure shows it). Dropped by any single
    # change; the rows stay the record.
    """
    CREATE TABLE snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), ordered_by TEXT, data BLOB NOT NULL);
    """,
    # 4: issue 15. The contacts of a label as last read (for browsing offline), in Wix's order; Recently
    # deleted (the contacts a deleted label had, to put it back on them); the operation journal (a merge
    # or a restore, written down before each step's request leaves, so a crash never leaves one half-done).
    """
    CREATE TABLE label_contacts (
        label_key TEXT NOT NULL,
        position INTEGER NOT NULL,
        id TEXT NOT NULL,
        first_name TEXT,
        last_name TEXT,
        email TEXT,
        PRIMARY KEY (label_key, position)
    );
    CREATE TABLE contact_lists (label_key TEXT PRIMARY KEY, total INTEGER, synced_at TEXT NOT NULL);
    CREATE TABLE deleted_labels (
        entry INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        display_name TEXT NOT NULL,
        contact_ids TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        deleted_at TEXT
    );
    CREATE TABLE operations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        record TEXT NOT NULL,
        owner TEXT,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 5: which engine wrote a Recently deleted entry ("<pid>:<token>", see engine/owners.py), so that another
    # engine on the file never settles an entry whose delete a live one still has on its way; and when its
    # label was created, to tell it from a new label given its key (Wix gives a free key again).
    """
    ALTER TABLE deleted_labels ADD COLUMN owner TEXT;
    ALTER TABLE deleted_labels ADD COLUMN label_created TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchemaError(KnownError, sqlite3.DatabaseError):
    """The file was written by a newer LabelDesk; set aside rather than guessed at."""


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether the error means the file itself is unusable (as opposed to busy, full or read-only)."""
    if type(exc) in (sqlite3.DatabaseError, NewerSchemaError):
        return True
    text = str(exc).lower()
    return any(word in text for word in ("malformed", "not a database", "no such table", "no such column"))


INSERT_LABEL = "INSERT OR REPLACE INTO labels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def label_row(label: Label, position: int, stamp: str | None, search: str | None) -> tuple:
    """One label as a row of the labels table (in its column order)."""
    return (
        label.key,
        label.display_name,
        label.label_type.value,
        label.namespace,
        label.namespace_display_name,
        iso(label.created),
        iso(label.updated),
        position,
        stamp,
        search or search_text(label),
    )


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    try:
        return value.astimezone(UTC).isoformat()
    except OverflowError:  # a date whose UTC reading is past year 9999 (or before year 1): kept as sent
        return value.isoformat()


def when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def migrate(connection: sqlite3.Connection, path: Path, version: int) -> None:
    """Bring the database of ``path`` from schema ``version`` to SCHEMA_VERSION in one transaction,
    after backing the file up beside it (``<name>.v<version>.bak``) unless it is new (version 0)."""
    if version > 0:
        backup = path.with_name(f"{path.name}.v{version}.bak")
        private_file(backup)
        with sqlite3.connect(backup) as target:
            connection.backup(target)
        log.info("backed up %s before migrating it from schema %d", path.name, version)
    connection.execute("BEGIN IMMEDIATE")
    try:
        # Another window may have migrated it while we waited for the lock.
        current = connection.execute("PRAGMA user_version").fetchone()[0]
        for step in range(current, SCHEMA_VERSION):
            for statement in MIGRATIONS[step].split(";"):
                if statement.strip():
                    connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
