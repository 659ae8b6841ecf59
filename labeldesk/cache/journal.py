"""Recently deleted and the operation journal, in the saved copy: what makes a delete restorable and a
merge or restore safe to resume.

Qt-free. Each write is one committed transaction (durable when it returns: see LabelCache.write), so a
step written down here before its request leaves survives a crash, even SIGKILL, of the engine. Every
function may touch the disk (CacheUnavailableError, see LabelCache).

Recently deleted keeps, for each label LabelDesk deleted, its name and the ids of the contacts that
carried it just before (read before the delete was sent). An entry is written unconfirmed
(``deleted_at`` NULL) before the delete leaves and confirmed when Wix said it was done; entries are
kept :data:`KEEP_DAYS` days.

The journal holds one row per operation: its :class:`Operation` record (the step it is at, the job
ids it sent) and its state, ``running`` until it ends ``done``, ``failed`` or ``cancelled``. ``owner``
names the engine running it ("<pid>:<token>"), so that a second engine on the same file never resumes
an operation that a live one is still running.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar

import msgspec

from labeldesk.cache.schema import iso, when
from labeldesk.cache.store import LabelCache
from labeldesk.contacts import DeletedLabel
from labeldesk.domain import Label

_T = TypeVar("_T")

#: How long Recently deleted keeps an entry (and the journal an ended operation), in days.
KEEP_DAYS = 30

RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"


class JobEnd(msgspec.Struct, frozen=True):
    """How a bulk job ended (contract 6.5): its counts, and the contacts it couldn't label."""

    total: int | None = None
    success: int | None = None
    failed: int | None = None
    failed_ids: list[str] = []


class Operation(msgspec.Struct):
    """A merge or a restore as the journal records it: enough to carry on from any step.

    ``step``: "reading" (a merge reads its sources' contacts), "creating" (a restore finds or creates its
    label), "labelling" (bulk jobs), "deleting" (a merge's sources), "ended". ``jobs``: what each group of
    jobs is for (a merge's source key; "restore") -> the job ids Wix gave, written as soon as they came
    back (a group with no ids yet may have been sent: it is sent again, which changes nothing, see
    contract 6.4/11). ``ends``: job id -> how it ended. ``entries``: a merge's source key -> its Recently
    deleted entry. ``removed``: the source keys deleted so far. ``existed``: see below.
    """

    kind: str  # "merge" or "restore"
    step: str
    request: int | None = None
    target: str | None = None
    sources: list[str] = []
    entry: int | None = None
    label: Label | None = None
    meant: int = 0
    jobs: dict[str, list[str]] = {}
    ends: dict[str, JobEnd] = {}
    entries: dict[str, int] = {}
    removed: list[str] = []
    #: A restore's find-or-create found a label of that name already there (its contacts keep it too).
    existed: bool = False


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Operation)
_ids = msgspec.json.Decoder(tuple[str, ...])

log = logging.getLogger(__name__)


def _readable(text: str, decoder: msgspec.json.Decoder[_T], what: str) -> _T | None:
    """``text`` decoded, or None (said in the log) when it can't be: a row damaged on disk, or written by
    a LabelDesk whose records differ. One such row must not stop the journal's other rows being read."""
    try:
        return decoder.decode(text)
    except msgspec.DecodeError as exc:  # (a ValidationError is a DecodeError)
        log.warning("a %s in the saved copy can't be read, and is left aside: %s", what, exc)
        return None


#: Extra work done in the same transaction as a journal write (Recently deleted's rows, say).
Also = Callable[[sqlite3.Connection], None]


# -- the operation journal ------------------------------------------------------------------------------


def begin(cache: LabelCache, operation: Operation, owner: str, now: datetime) -> int:
    """Write ``operation`` down as running under ``owner``; its id (the wire's ``operation``)."""
    made: list[int] = []

    def write(connection: sqlite3.Connection) -> None:
        cursor = connection.execute(
            "INSERT INTO operations (kind, state, record, owner, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (operation.kind, RUNNING, _encoder.encode(operation).decode(), owner, iso(now), iso(now)),
        )
        made.append(int(cursor.lastrowid or 0))

    cache.write(write)
    return made[0]


def record(
    cache: LabelCache,
    op_id: int,
    operation: Operation,
    now: datetime,
    *,
    state: str = RUNNING,
    also: Also | None = None,
) -> None:
    """Write operation ``op_id``'s record (and ``also``'s rows) in one committed transaction."""

    def write(connection: sqlite3.Connection) -> None:
        if also is not None:  # (first: it may fill the record in, with the entries it made)
            also(connection)
        connection.execute(
            "UPDATE operations SET record = ?, state = ?, updated_at = ? WHERE id = ?",
            (_encoder.encode(operation).decode(), state, iso(now), op_id),
        )

    cache.write(write)


def claim_unfinished(cache: LabelCache, owner: str, alive: Callable[[str], bool]) -> list[tuple[int, Operation]]:
    """Take over the running operations whose owner is gone (``alive(owner)`` False), oldest first: they
    are ``owner``'s from now on, in one transaction, so two engines never both take one."""
    taken: list[tuple[int, Operation]] = []

    def write(connection: sqlite3.Connection) -> None:
        rows = connection.execute(
            "SELECT id, record, owner FROM operations WHERE state = ? ORDER BY id", (RUNNING,)
        ).fetchall()
        for op_id, text, was in rows:
            if was is not None and alive(was):
                continue
            op = _readable(text, _decoder, f"merge or restore (journal row {op_id})")
            if op is None:  # it can't be carried on: ended, so that it holds nothing back (see _entries_in_use)
                connection.execute("UPDATE operations SET state = ? WHERE id = ?", (FAILED, op_id))
                continue
            connection.execute("UPDATE operations SET owner = ? WHERE id = ?", (owner, op_id))
            taken.append((op_id, op))

    cache.write(write)
    return taken


def running_owners(cache: LabelCache) -> set[str]:
    """The owners of the running operations and of the unconfirmed Recently deleted entries."""

    def read(connection: sqlite3.Connection) -> set[str]:
        rows = connection.execute(
            "SELECT owner FROM operations WHERE state = ? AND owner IS NOT NULL "
            "UNION SELECT owner FROM deleted_labels WHERE deleted_at IS NULL AND owner IS NOT NULL",
            (RUNNING,),
        )
        return {owner for (owner,) in rows}

    return cache.read(read)


def running_others(cache: LabelCache, owner: str) -> int:
    """How many operations are running under another owner than ``owner``."""
    return cache.read(
        lambda connection: connection.execute(
            "SELECT count(*) FROM operations WHERE state = ? AND owner IS NOT ?", (RUNNING, owner)
        ).fetchone()[0]
    )


def _entries_in_use(connection: sqlite3.Connection) -> set[int] | None:
    """The Recently deleted entries that running operations (any engine's) still use; None when one of
    them can't be read, so that any entry may be in use."""
    used: set[int] = set()
    for op_id, text in connection.execute("SELECT id, record FROM operations WHERE state = ?", (RUNNING,)):
        op = _readable(text, _decoder, f"merge or restore (journal row {op_id})")
        if op is None:
            return None
        used.update(op.entries.values())
        if op.entry is not None:
            used.add(op.entry)
    return used


def operation(cache: LabelCache, op_id: int) -> tuple[str, Operation] | None:
    """Operation ``op_id``'s state and record, or None."""

    def read(connection: sqlite3.Connection) -> tuple[str, Operation] | None:
        row = connection.execute("SELECT state, record FROM operations WHERE id = ?", (op_id,)).fetchone()
        return None if row is None else (row[0], _decoder.decode(row[1]))

    return cache.read(read)


# -- Recently deleted ------------------------------------------------------------------------------------


def add_deleted(
    connection: sqlite3.Connection,
    key: str,
    name: str,
    contact_ids: Iterable[str],
    now: datetime,
    *,
    owner: str | None = None,
    created: datetime | None = None,
) -> int:
    """(Inside a transaction) an unconfirmed entry for label ``key``, before its delete leaves; ``owner``:
    the engine sending it (see :func:`unsettled`); ``created``: when the label was created (see
    :func:`label_created`)."""
    ids = _encoder.encode(list(contact_ids)).decode()
    cursor = connection.execute(
        "INSERT INTO deleted_labels (key, display_name, contact_ids, saved_at, owner, label_created) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (key, name, ids, iso(now), owner, iso(created)),
    )
    return int(cursor.lastrowid or 0)


def confirm_deleted(connection: sqlite3.Connection, entry: int, now: datetime) -> None:
    """(Inside a transaction) Wix said the entry's label is deleted."""
    connection.execute("UPDATE deleted_labels SET deleted_at = ? WHERE entry = ?", (iso(now), entry))


def drop_deleted(connection: sqlite3.Connection, entries: Iterable[int]) -> None:
    """(Inside a transaction) forget entries: a delete that didn't happen, or a label restored."""
    connection.executemany("DELETE FROM deleted_labels WHERE entry = ?", [(entry,) for entry in entries])


def save_deleted(
    cache: LabelCache,
    key: str,
    name: str,
    contact_ids: Iterable[str],
    now: datetime,
    *,
    owner: str | None = None,
    created: datetime | None = None,
) -> int:
    """An unconfirmed entry for label ``key``, durably written (see :func:`add_deleted`); its number."""
    made: list[int] = []
    cache.write(
        lambda connection: made.append(
            add_deleted(connection, key, name, contact_ids, now, owner=owner, created=created)
        )
    )
    return made[0]


def deleted_entries(cache: LabelCache, *, confirmed: bool = True) -> list[DeletedLabel]:
    """Recently deleted, newest first: the confirmed entries (or, ``confirmed`` False, the unconfirmed)."""
    test = "deleted_at IS NOT NULL" if confirmed else "deleted_at IS NULL"

    def read(connection: sqlite3.Connection) -> list[DeletedLabel]:
        rows = connection.execute(
            "SELECT entry, key, display_name, contact_ids, deleted_at FROM deleted_labels "
            f"WHERE {test} ORDER BY coalesce(deleted_at, saved_at) DESC, entry DESC"
        ).fetchall()
        listed = []
        for entry, key, name, ids, at in rows:
            contact_ids = _readable(ids, _ids, f"Recently deleted entry ({entry})")
            if contact_ids is not None:
                listed.append(DeletedLabel(entry, key, name, contact_ids, when(at)))
        return listed

    return cache.read(read)


def unsettled(cache: LabelCache, alive: Callable[[str], bool], moment: datetime) -> list[tuple[int, str]]:
    """(entry, label key) of the unconfirmed entries whose deletes were cut short: their engine is gone
    (``alive(owner)`` False), or, for an entry that names none, it was written before ``moment``. Never
    one a running operation uses (it settles its own), and none while one of those can't be read."""

    def read(connection: sqlite3.Connection) -> list[tuple[int, str]]:
        busy = _entries_in_use(connection)
        if busy is None:
            return []
        rows = connection.execute(
            "SELECT entry, key, owner, saved_at FROM deleted_labels WHERE deleted_at IS NULL ORDER BY entry"
        ).fetchall()
        return [
            (int(entry), str(key))
            for entry, key, owner, saved_at in rows
            if entry not in busy and (not alive(owner) if owner is not None else saved_at < iso(moment))
        ]

    return cache.read(read)


def label_created(cache: LabelCache, entry: int) -> datetime | None:
    """When entry ``entry``'s label was created (None if unknown). A label Wix now has under its key but
    created at another moment is another label, given the key after this one was deleted."""

    def read(connection: sqlite3.Connection) -> datetime | None:
        row = connection.execute("SELECT label_created FROM deleted_labels WHERE entry = ?", (entry,)).fetchone()
        return None if row is None else when(row[0])

    return cache.read(read)


def deleted_entry(cache: LabelCache, entry: int) -> DeletedLabel | None:
    """Recently deleted entry ``entry`` (confirmed or not), or None."""

    def read(connection: sqlite3.Connection) -> DeletedLabel | None:
        row = connection.execute(
            "SELECT entry, key, display_name, contact_ids, deleted_at FROM deleted_labels WHERE entry = ?", (entry,)
        ).fetchone()
        if row is None:
            return None
        contact_ids = _readable(row[3], _ids, f"Recently deleted entry ({entry})")
        return None if contact_ids is None else DeletedLabel(row[0], row[1], row[2], contact_ids, when(row[4]))

    return cache.read(read)


def prune(cache: LabelCache, now: datetime) -> None:
    """Forget the entries and ended operations older than KEEP_DAYS, except the entries a running
    operation still uses (a restore or a merge cut short resumes on them, however late)."""
    cutoff = iso(now - timedelta(days=KEEP_DAYS))

    def write(connection: sqlite3.Connection) -> None:
        old = connection.execute(
            "SELECT entry FROM deleted_labels WHERE coalesce(deleted_at, saved_at) < ?", (cutoff,)
        ).fetchall()
        used = _entries_in_use(connection)
        if used is not None:  # (else any of them may be in use: none is forgotten this time)
            drop_deleted(connection, {entry for (entry,) in old} - used)
        connection.execute("DELETE FROM operations WHERE state != ? AND updated_at < ?", (RUNNING, cutoff))

    cache.write(write)
