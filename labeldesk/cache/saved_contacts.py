"""The contacts of a label as LabelDesk last read them, kept in the saved copy for browsing offline.

Qt-free. Pages are saved as they are read, at their place in Wix's order (contract 6.3: createdDate
ascending), each replacing what was saved in its place; the last page drops anything saved after it.
Every function may touch the disk (CacheUnavailableError, see LabelCache).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

import msgspec

from labeldesk.cache.schema import iso, when
from labeldesk.cache.store import LabelCache
from labeldesk.contacts import Contact


class SavedContacts(msgspec.Struct, frozen=True):
    """Some of a label's saved contacts, from ``offset``: ``more`` when saved ones follow; ``total``: how
    many Wix said carry it (None when it couldn't count); ``synced_at``: when the list was read (UTC)."""

    contacts: list[Contact]
    total: int | None
    more: bool
    synced_at: datetime | None


def save_page(
    cache: LabelCache,
    key: str,
    offset: int,
    contacts: Sequence[Contact],
    *,
    limit: int,
    last: bool,
    total: int | None,
    synced_at: datetime,
) -> None:
    """Save one page of label ``key``'s contacts, asked for at ``offset`` with ``limit``, in one transaction:
    it takes the place of what was saved there (pages read side by side may be saved in any order); the
    ``last`` page also drops whatever was saved after it (the list got shorter)."""
    rows = [(key, offset + n, c.id, c.first_name, c.last_name, c.email) for n, c in enumerate(contacts)]
    end = -1 if last else offset + limit

    def write(connection: sqlite3.Connection) -> None:
        connection.execute(
            "DELETE FROM label_contacts WHERE label_key = ? AND position >= ? AND (? < 0 OR position < ?)",
            (key, offset, end, end),
        )
        connection.executemany("INSERT INTO label_contacts VALUES (?, ?, ?, ?, ?, ?)", rows)
        connection.execute("INSERT OR REPLACE INTO contact_lists VALUES (?, ?, ?)", (key, total, iso(synced_at)))

    cache.write(write)


def load_page(cache: LabelCache, key: str, offset: int, limit: int) -> SavedContacts | None:
    """Up to ``limit`` saved contacts of label ``key`` from ``offset`` on; None when none was ever saved."""

    def read(connection: sqlite3.Connection) -> SavedContacts | None:
        listed = connection.execute("SELECT total, synced_at FROM contact_lists WHERE label_key = ?", (key,)).fetchone()
        if listed is None:
            return None
        rows = connection.execute(
            "SELECT id, first_name, last_name, email FROM label_contacts "
            "WHERE label_key = ? AND position >= ? ORDER BY position LIMIT ?",
            (key, offset, limit + 1),  # (one more: whether more follow)
        ).fetchall()
        contacts = [Contact(ident, first, last, email) for ident, first, last, email in rows[:limit]]
        return SavedContacts(contacts, listed[0], len(rows) > limit, when(listed[1]))

    return cache.read(read)


def forget(cache: LabelCache, keys: Iterable[str]) -> None:
    """Forget the saved contacts of labels ``keys`` (a merge or restore changed who carries them)."""
    keyed = [(key,) for key in keys]

    def write(connection: sqlite3.Connection) -> None:
        connection.executemany("DELETE FROM label_contacts WHERE label_key = ?", keyed)
        connection.executemany("DELETE FROM contact_lists WHERE label_key = ?", keyed)

    cache.write(write)
