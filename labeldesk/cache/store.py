"""The offline copy of a site's labels: one SQLite file per site, written one whole sync at a time.

Qt-free. Every method may touch the disk, so the UI calls them from worker threads. One connection
per cache, guarded by a lock, so any worker thread may use it. A rollback journal and a busy timeout
let two LabelDesk processes share a site's file; a sync is one transaction, so a crash (even SIGKILL)
halfway leaves the previous snapshot whole. Not WAL: its index is a shared memory map of a -shm file,
and where that map is not coherent (network home folders, FUSE, virtiofs, sandboxes) touching it kills
the process with SIGBUS, which no ``except`` can catch. A file that isn't a readable database is moved aside, never
deleted, and a fresh one takes its place.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import msgspec

from labeldesk.api.urls import DEFAULT_BASE_URL, is_wix
from labeldesk.cache.schema import (
    INSERT_LABEL,
    SCHEMA_VERSION,
    NewerSchemaError,
    is_damage,
    iso,
    label_row,
    migrate,
    when,
)
from labeldesk.cache.snapshot import Snapshot, decode_snapshot, encode_snapshot, without_invalid_keys
from labeldesk.domain import Label, believable_count, label_type_named
from labeldesk.errors import KnownError
from labeldesk.paths import open_private, private_file, private_folder

log = logging.getLogger(__name__)
#: What a piece of work on the database gives back (see LabelCache._run).
_T = TypeVar("_T")

#: How long a call waits for a file another program holds locked before giving up. Short: the window
#: mustn't wait on it (quitting waits for the last save), and our own writes are brief transactions.
BUSY_TIMEOUT_SECONDS = 1.0


class CacheUnavailableError(KnownError):
    """The offline copy can't be read or saved: its folder or file is read-only, locked by another
    program, or the disk refused. Not the file's fault, so it is left as it is. The message is plain
    words for the person and names the folder; after a failed save, later saves fail at once."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"LabelDesk can't save labels on this computer: it isn't allowed to write to {path.parent}, or "
            "another program is holding the file. The labels still come from Wix and your changes still reach "
            "it, but no copy is kept for when you are offline."
        )
        self.path = path


class _Preload:
    """``read()`` running on a daemon thread; ``result()`` waits for it (and raises what it raised)."""

    def __init__(self, read: Callable[[], Snapshot]) -> None:
        self._read = read
        self._value: Snapshot | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="labeldesk-cache-preload", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._read()
        except BaseException as exc:  # handed to whoever asks for the result
            self._error = exc

    def result(self) -> Snapshot:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        assert self._value is not None
        return self._value


def cache_path(cache_dir: Path, site_id: str, api_base: str = DEFAULT_BASE_URL) -> Path:
    """The file of the saved copy of site ``site_id`` at ``api_base``: one file per site and address,
    so that what a test server answers for a site ID never lands in (or wipes) that site's Wix copy."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", site_id)[:120] or "site"
    if not is_wix(api_base):
        import hashlib  # (here: a start on Wix needn't load OpenSSL before its first paint)

        safe += "@" + hashlib.sha256(api_base.encode("utf-8")).hexdigest()[:16]
    return cache_dir / "sites" / f"{safe}.sqlite3"


class ForeignAnswerError(KnownError):
    """An answer from another API address than the one the saved copy came from: it is not saved
    (the copy is kept as it was). Says so in plain words."""

    def __init__(self, saved_from: str, answered_by: str) -> None:
        super().__init__(f"The saved labels came from {saved_from}; what {answered_by} sent doesn't replace them.")
        self.saved_from = saved_from
        self.answered_by = answered_by


class LabelCache:
    """The saved copy of one site's labels, in the SQLite file ``path``.

    ``source`` is the API address the copy is of (Wix, or a test server); the file records the
    address of the answers it holds. A copy recorded from another address is not shown, and a save
    from another address than the file's (a write's ``source``) raises ForeignAnswerError and
    changes nothing: a server that now answers in its place never wipes it. A file saved before
    addresses were recorded takes the address of its next save. None checks nothing (tests, tools).
    """

    def __init__(self, path: Path, source: str | None = None) -> None:
        self.path = path
        self.source = source
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._recovered = False
        self._preload: _Preload | None = None
        #: Set once the file has refused us (read-only, locked, no folder): saves then fail at once.
        self.unavailable = False

    def preload(self) -> None:
        """Start reading the saved copy now, on a thread of its own; the next ``load()`` takes it.

        For start-up: the app calls this before it builds its window, so the reading overlaps that
        work instead of following it.
        """
        with self._lock:
            if self._preload is None:
                self._preload = _Preload(self._read_snapshot)

    # -- opening, migrating, recovering ---------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self._make_private()
            try:
                self._connection = self._open()
            except sqlite3.DatabaseError as exc:
                if not is_damage(exc):
                    raise
                self._set_aside(exc)
                self._make_private()
                self._connection = self._open()
        return self._connection

    def _make_private(self) -> None:
        """The file and its folders for this user alone, before SQLite opens it: SQLite makes the
        database 0644 (less the umask), and its -wal, -shm and -journal files with the database's own
        mode, so a database made 0600 here keeps all of them 0600. Raises OSError (UnsafePathError for
        a link or another user's file or folder, which is never opened)."""
        private_folder(self.path.parent.parent)  # the cache folder (checked again: it may be a link)
        private_folder(self.path.parent)
        private_file(self.path)
        for suffix in ("-wal", "-shm", "-journal"):  # left by an older LabelDesk, readable by others
            with contextlib.suppress(FileNotFoundError):
                os.close(open_private(f"{self.path}{suffix}", os.O_RDONLY))

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False, isolation_level=None
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            # DELETE also turns a WAL file of an older LabelDesk back, once its log is checkpointed.
            mode = connection.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if mode != "delete":  # another process still has the old WAL file open: it stays WAL
                log.info("the label cache %s stays in %s mode while another process has it open", self.path.name, mode)
            connection.execute("PRAGMA synchronous = FULL")  # in a rollback journal: durable on power loss
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise NewerSchemaError(f"written by a newer LabelDesk (schema {version})")
            if version < SCHEMA_VERSION:
                migrate(connection, self.path, version)
            connection.execute("SELECT count(*) FROM labels").fetchone()
        except BaseException:
            connection.close()
            raise
        return connection

    def _set_aside(self, error: Exception) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        log.warning("the label cache %s is unreadable (%s); moving it to %s", self.path, error, aside.name)
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                shutil.move(source, Path(f"{aside}{suffix}"))
        self._recovered = True

    def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work(connection)``; if the file turns out to be damaged, set it aside and start afresh.

        Raises CacheUnavailableError when the file or its folder refuses us (read-only, locked,
        missing permission, disk full): not the file's fault, so it is left be.
        """
        with self._lock:
            try:
                try:
                    return work(self._connect())
                except sqlite3.DatabaseError as exc:
                    if not is_damage(exc):
                        raise
                    self.close()
                    self._set_aside(exc)
                    return work(self._connect())
            except (sqlite3.OperationalError, OSError) as exc:
                self.unavailable = True
                log.warning("the label cache %s is unavailable: %s: %s", self.path, type(exc).__name__, exc)
                raise CacheUnavailableError(self.path) from None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # -- reading --------------------------------------------------------------------------------------

    def load(self) -> Snapshot:
        with self._lock:
            preload, self._preload = self._preload, None
        return preload.result() if preload is not None else self._read_snapshot()

    def _read_snapshot(self) -> Snapshot:
        def read(connection: sqlite3.Connection) -> Snapshot:
            meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
            if self.source is not None and meta.get("source", self.source) != self.source:
                log.warning("the saved copy %s came from another API address; not showing it", self.path.name)
                return Snapshot((), None, None)
            counts = None
            if "counts_synced_at" in meta:
                # (-1 is how an unknown count is saved; anything else out of range was saved by hand)
                counts = {key: believable_count(n) for key, n in connection.execute("SELECT key, count FROM counts")}
            blob = connection.execute("SELECT ordered_by, data FROM snapshot").fetchone()
            if blob is not None:
                try:
                    saved, texts = decode_snapshot(blob[1])
                except msgspec.DecodeError as exc:  # damaged, or saved before it came in parts
                    log.warning("the saved snapshot of %s is unreadable (%s); reading the rows", self.path.name, exc)
                else:
                    keys = [label.key for label in saved]
                    return Snapshot(
                        tuple(saved),
                        counts,
                        when(meta.get("synced_at")),
                        search=dict(zip(keys, texts, strict=True)),
                        ordered_by=blob[0],
                        search_list=texts,
                    )
            rows = connection.execute(
                "SELECT key, display_name, label_type, namespace, namespace_display_name, created, updated, search "
                "FROM labels ORDER BY position"
            ).fetchall()
            labels: list[Label] = []
            search: dict[str, str] = {}
            labels.extend(
                Label(key, name, label_type_named(kind), ns, ns_name, when(created), when(updated))
                for key, name, kind, ns, ns_name, created, updated, _ in rows
            )
            search.update((row[0], row[7]) for row in rows if row[7])
            return Snapshot(tuple(labels), counts, when(meta.get("synced_at")), search=search)

        snapshot = without_invalid_keys(self._run(read))
        if self._recovered:
            self._recovered = False
            return msgspec.structs.replace(snapshot, recovered=True)
        return snapshot

    # -- writing --------------------------------------------------------------------------------------

    def _transaction(self, work: Callable[[sqlite3.Connection], None], source: str | None = None) -> None:
        """``work(connection)`` in one transaction, after checking that an answer from ``source``
        (None: unchecked) may be saved here; raises ForeignAnswerError if not."""
        if self.unavailable:
            raise CacheUnavailableError(self.path)  # it refused already: don't wait on it again
        source = source or self.source
        if source is not None and self.source is not None and source != self.source:
            raise ForeignAnswerError(self.source, source)

        def wrapped(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            try:
                if source is not None:
                    saved = connection.execute("SELECT value FROM meta WHERE name = 'source'").fetchone()
                    if saved is not None and saved[0] != source:
                        raise ForeignAnswerError(saved[0], source)
                    connection.execute("INSERT OR REPLACE INTO meta VALUES ('source', ?)", (source,))
                work(connection)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

        self._run(wrapped)

    def read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """``work(connection)`` for reading, for the saved copy's other tables (cache.saved_contacts,
        cache.journal). Raises CacheUnavailableError (see _run)."""
        return self._run(work)

    def write(self, work: Callable[[sqlite3.Connection], None]) -> None:
        """``work(connection)`` in one committed transaction (durable once this returns: synchronous=FULL),
        for the saved copy's other tables. Raises CacheUnavailableError (see _run)."""
        self._transaction(work)

    def replace_labels(
        self,
        labels: Iterable[Label],
        synced_at: datetime,
        search: Mapping[str, str] | None = None,
        *,
        order: Sequence[str] | None = None,
        ordered_by: str | None = None,
        source: str | None = None,
    ) -> None:
        """Make the cache hold exactly ``labels``, as of ``synced_at``: one transaction. The contacts
        saved for labels not among them are forgotten.

        ``order`` (their keys in a table's order, which the caller calls ``ordered_by``) lets the
        start-up snapshot be saved in that order, so a window sorted the same way needn't sort.
        ``source``: the API address that sent them; ForeignAnswerError (nothing changed) if the copy
        is another address's (see LabelCache).
        """
        stamp = iso(synced_at)
        search = search or {}
        listed = list(labels)
        rows = [label_row(label, position, stamp, search.get(label.key)) for position, label in enumerate(listed)]

        blob, in_order = self._blob(listed, rows, order)

        def write(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM labels")
            connection.executemany(INSERT_LABEL, rows)
            # The contacts saved for a label that is gone (deleted elsewhere) go with it: its key may be
            # given to a new label, which must never show them as its own.
            for table in ("label_contacts", "contact_lists"):
                connection.execute(f"DELETE FROM {table} WHERE label_key NOT IN (SELECT key FROM labels)")
            connection.execute("DELETE FROM snapshot")
            if blob is not None:
                connection.execute("INSERT INTO snapshot VALUES (1, ?, ?)", (ordered_by if in_order else None, blob))
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('synced_at', ?)", (stamp,))

        self._transaction(write, source)

    @staticmethod
    def _blob(labels: list[Label], rows: list[tuple], order: Sequence[str] | None) -> tuple[bytes | None, bool]:
        """The start-up snapshot, and whether it is in ``order`` (only if that names each label once)."""
        texts = [row[9] for row in rows]  # the search texts, as the rows will hold them
        in_order = False
        if order is not None and len(order) == len(labels):
            position = {label.key: n for n, label in enumerate(labels)}
            picked = [position.get(key) for key in order]
            if None not in picked and len(set(picked)) == len(picked):
                labels, texts = [labels[n] for n in picked], [texts[n] for n in picked]  # type: ignore[index]
                in_order = True
        try:
            return encode_snapshot(labels, texts), in_order
        except (msgspec.EncodeError, TypeError, ValueError, OverflowError) as exc:  # e.g. a date without a zone
            log.warning("couldn't make the start-up snapshot (%s); start-up will read the rows", exc)
            return None, False

    def replace_counts(
        self, counts: Mapping[str, int | None], synced_at: datetime, *, source: str | None = None
    ) -> None:
        """Save the contact counts (label key -> count). A count that is None or can't be believed
        (domain.believable_count) is saved as unknown, never as a number."""
        stamp = iso(synced_at)
        rows = [(key, -1 if believable_count(n) is None else n, stamp) for key, n in counts.items()]

        def write(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM counts")
            connection.executemany("INSERT INTO counts VALUES (?, ?, ?)", rows)
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('counts_synced_at', ?)", (stamp,))

        self._transaction(write, source)

    def upsert(self, label: Label, synced_at: datetime, *, source: str | None = None) -> None:
        """Save one created or renamed label (it goes last if it is new)."""

        def write(connection: sqlite3.Connection) -> None:
            position = connection.execute("SELECT position FROM labels WHERE key = ?", (label.key,)).fetchone()
            if position is None:
                position = connection.execute("SELECT coalesce(max(position) + 1, 0) FROM labels").fetchone()
            connection.execute(INSERT_LABEL, label_row(label, position[0], iso(synced_at), None))
            connection.execute("DELETE FROM snapshot")  # the rows are the record until the next sync

        self._transaction(write, source)

    def remove(self, key: str, *, source: str | None = None) -> None:
        def write(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM labels WHERE key = ?", (key,))
            connection.execute("DELETE FROM counts WHERE key = ?", (key,))
            connection.execute("DELETE FROM label_contacts WHERE label_key = ?", (key,))
            connection.execute("DELETE FROM contact_lists WHERE label_key = ?", (key,))
            connection.execute("DELETE FROM snapshot")

        self._transaction(write, source)

    def destroy(self) -> None:
        """Delete the file (sign-out): the labels of a site you left shouldn't linger on disk."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
