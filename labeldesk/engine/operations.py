"""Merges, restores and the restorable delete: the engine's long operations, written down before each step.

A merge (MergeLabels) reads the contacts of its sources (kept in Recently deleted, unconfirmed), sends one
bulk job per source that adds the target to every contact carrying it (contract 6.4), waits for each job
(6.5), and deletes the sources only if every job completed with no failure; each delete confirms its
source's Recently deleted entry. A restore (RestoreLabel) finds or creates the entry's name, then puts it
back on the entry's contacts (bulk jobs by 100 ids) and drops the entry.

Each step is written to the journal (labeldesk.cache.journal) in a committed transaction before its request
leaves, and each job id as soon as Wix gives it. An engine that opens a saved copy carries on the operations
of engines that are gone from their step: a job id on record is polled, never sent again; a step whose
request may or may not have left is sent again, safe as every step is idempotent (adding a label twice
changes nothing, deleting a gone label is a 404 that counts as done): each is carried out exactly once.

Operations run one at a time on their own thread, apart from the writes (a merge waits on jobs for a while).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.api.errors import LabelNotFoundError
from labeldesk.cache import CacheUnavailableError, journal, saved_contacts
from labeldesk.cache.journal import CANCELLED, DONE, FAILED, RUNNING, JobEnd, Operation
from labeldesk.contacts import BulkJob, Contact
from labeldesk.domain import Label, LabelType
from labeldesk.engine import owners
from labeldesk.engine import protocol as p
from labeldesk.engine.op_checks import check_merge, holders_job, refused
from labeldesk.engine.op_errors import (
    EntryGoneError,
    JobFailuresError,
    JobOutcomeUnknownError,
    NotRestorableError,
    OperationCancelledError,
    RestoreRefusedError,
)
from labeldesk.errors import KnownError

if TYPE_CHECKING:
    import sqlite3

    from labeldesk.cache import LabelCache
    from labeldesk.engine.core import SyncEngine

log = logging.getLogger(__name__)

#: The longest shutdown waits for an operation to reach its next safe point, in seconds.
STOP_WAIT_SECONDS = 2.0
#: How long a start keeps looking for operations another engine may be about to leave, and how often (seconds).
LATE_CLAIM_SECONDS, LATE_CLAIM_STEP = 2 * STOP_WAIT_SECONDS + 1.0, 0.25


@dataclass
class _Run:
    """An operation under way in this engine."""

    op_id: int
    op: Operation
    resumed: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    cancelled: bool = False
    #: Contacts read on the way (by id), to name the ones a job couldn't label.
    names: dict[str, Contact] = field(default_factory=dict)
    #: A restore's entry: the deleted label's key (to say whether the key changed).
    old_key: str | None = None
    ended: threading.Event = field(default_factory=threading.Event)

    @property
    def request(self) -> int | None:
        """The window's request it answers; None when resumed (that window's request died with its engine)."""
        return None if self.resumed else self.op.request


class Operations:
    """The engine's merges and restores (see the module's docstring). ``engine``: the SyncEngine served."""

    def __init__(self, engine: SyncEngine) -> None:
        self._engine = engine
        self._pool = ThreadPoolExecutor(1, "engine-ops")
        self._runs: dict[int, _Run] = {}
        self._lock = threading.Lock()
        self._memory_ids = 0  # operation ids without a saved copy (not resumable)
        self._resumed = False
        self._closing = threading.Event()  # the engine is stopping: what runs is left to resume
        self._started_at = datetime.now(UTC)
        #: This engine's name in the journal (see owners), made with the saved copy's folder at first use.
        self._owner: str | None = None
        self._owners_folder: Path | None = None

    # -- intents --------------------------------------------------------------------------------------------

    def merge(self, intent: p.MergeLabels) -> None:
        sources = list(dict.fromkeys(intent.sources))
        op = Operation("merge", "reading", request=intent.request, target=intent.target, sources=sources)
        self._engine._submit(self._pool, self._start, op)

    def restore(self, intent: p.RestoreLabel) -> None:
        op = Operation("restore", "creating", request=intent.request, entry=intent.entry)
        self._engine._submit(self._pool, self._start, op)

    def cancel(self, intent: p.CancelOperation) -> None:
        with self._lock:
            run = self._runs.get(intent.operation)
        if run is not None:
            run.cancelled = True
            run.stop.set()

    def resume(self) -> None:
        """Once the saved copy and the client are both known: carry on what gone engines left running."""
        if self._resumed or self._engine.cache is None or self._engine.client is None:
            return
        self._resumed = True
        self._engine._submit(self._pool, self._resume)

    def shutdown(self) -> None:
        """Stop at the next safe point (after the client is closed: no request is waited for), briefly waiting
        for it, so nothing is written after the saved copy closes; what is left running resumes at the next start."""
        with self._lock:
            self._closing.set()
            runs = list(self._runs.values())
        for run in runs:
            run.stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for run in runs:
            run.ended.wait(STOP_WAIT_SECONDS)
        if self._owner is not None:
            owners.release(self._owner)

    def _alive(self, owner: str) -> bool:
        return owners.alive(owner, self._owners_folder)

    def _owner_name(self, cache: LabelCache) -> str:
        """This engine's owner name, holding its lock file beside the saved copy from the first call on."""
        with self._lock:
            if self._owner is None:
                self._owners_folder = cache.path.parent / "owners"
                self._owner = owners.new_owner(self._owners_folder)
                if self._closing.is_set():  # (stopping already: what it starts now is left to the next engine)
                    owners.release(self._owner)
            return self._owner

    # -- the restorable delete (on the engine's write thread) ----------------------------------------------

    def delete_restorably(self, client: Any, label: Label) -> None:
        """Note down who carries ``label`` in Recently deleted (durably), then delete it, then confirm the
        note. Without a saved copy the delete is plain. Raises what the read or the delete raised
        (nothing is deleted if the read failed), NotRestorableError if the note couldn't be written."""
        cache = self._engine.cache
        if cache is None:
            client.delete(label.key)
            return
        ids = [contact.id for contact in client.contacts_with_label(label.key)]
        try:
            owner, name = self._owner_name(cache), label.display_name
            entry = journal.save_deleted(cache, label.key, name, ids, _now(), owner=owner, created=label.created)
        except CacheUnavailableError:
            raise NotRestorableError(label.display_name) from None
        try:
            client.delete(label.key)
        except Exception as exc:
            if refused(exc, had_contacts=bool(ids)):  # not deleted. (Else it may have been: see _settle)
                cache.write(lambda connection: journal.drop_deleted(connection, [entry]))
            raise
        try:
            cache.write(lambda connection: journal.confirm_deleted(connection, entry, _now()))
        except CacheUnavailableError as exc:  # deleted all the same: the next start confirms it (_settle)
            self._engine._send(p.CacheTrouble(self._engine._describe(exc, "note down a delete")))

    # -- running ----------------------------------------------------------------------------------------------

    def _start(self, op: Operation) -> None:
        cache = self._engine.cache
        try:
            if cache is not None:
                op_id = journal.begin(cache, op, self._owner_name(cache), _now())
            else:
                with self._lock:
                    self._memory_ids -= 1
                    op_id = self._memory_ids
        except Exception as exc:
            self._engine._send(p.RequestFailed(op.request or 0, self._engine._describe(exc, f"start a {op.kind}")))
            return
        self._carry_on(_Run(op_id, op))

    def _resume(self) -> None:
        cache = self._engine.cache
        if cache is None:
            return
        try:
            journal.prune(cache, _now())
            taken = self._claim(cache)
            owners.sweep(cache.path.parent / "owners", journal.running_owners(cache))
        except Exception as exc:
            self._engine._send(p.CacheTrouble(self._engine._describe(exc, "read the operation journal")))
            return
        self._carry_on_all(taken)
        self._settle(cache)
        # Another engine may leave what it ran a moment later (the site opened again as it stops): look again.
        deadline = time.monotonic() + LATE_CLAIM_SECONDS
        try:
            while journal.running_others(cache, self._owner_name(cache)) and time.monotonic() < deadline:
                if self._closing.wait(LATE_CLAIM_STEP):
                    return
                self._carry_on_all(self._claim(cache))
        except KnownError as exc:
            log.info("couldn't look at the journal again: %r", exc)

    def _claim(self, cache: LabelCache) -> list[tuple[int, Operation]]:
        return journal.claim_unfinished(cache, self._owner_name(cache), self._alive)

    def _carry_on_all(self, taken: list[tuple[int, Operation]]) -> None:
        for op_id, op in taken:
            log.info("resuming a %s left at step %s", op.kind, op.step)
            self._carry_on(_Run(op_id, op, resumed=True))

    def _carry_on(self, run: _Run) -> None:
        op = run.op
        with self._lock:
            self._runs[run.op_id] = run
            if self._closing.is_set():
                run.stop.set()
        self._engine._send(p.OperationStarted(run.op_id, op.kind, run.request, resumed=run.resumed))
        try:
            if op.kind == "merge":
                self._merge(run)
            else:
                self._restore(run)
        except Exception as exc:
            if run.stop.is_set() and not run.cancelled:
                log.info("a %s stopped with the engine at step %s; it resumes at the next start", op.kind, op.step)
                return
            self._failed(run, OperationCancelledError(op.kind) if run.cancelled else exc)
        finally:
            with self._lock:
                self._runs.pop(run.op_id, None)
            run.ended.set()

    def _failed(self, run: _Run, error: BaseException) -> None:
        op = run.op
        unconfirmed = {key: entry for key, entry in op.entries.items() if key not in op.removed}
        gone: list[int] = []
        if op.step == "deleting":  # a delete that failed may have reached Wix all the same: ask
            gone, unconfirmed = self._still_there(run, unconfirmed)
        op.step = "ended"

        def note(connection: sqlite3.Connection) -> None:
            journal.drop_deleted(connection, unconfirmed.values())
            for entry in gone:
                journal.confirm_deleted(connection, entry, _now())

        try:
            self._save(run, state=CANCELLED if run.cancelled else FAILED, also=note)
        except Exception as exc:
            log.warning("couldn't write down that a %s ended: %r", op.kind, exc)
        failed_ids = error.contact_ids if isinstance(error, JobFailuresError) else []
        self._engine._send(
            p.OperationFailed(
                run.op_id,
                op.kind,
                self._engine._describe(error, f"a {op.kind}"),
                run.request,
                failed=[run.names.get(contact_id) or Contact(contact_id) for contact_id in failed_ids],
                removed=list(op.removed),
            )
        )

    def _still_there(self, run: _Run, entries: dict[str, int]) -> tuple[list[int], dict[str, int]]:
        """Of a failed merge's sources not known deleted (key -> Recently deleted entry), ask Wix which are gone
        (entries to confirm; the source joins ``removed``) and which are there (returned, to drop). One Wix can't
        tell about is in neither: its entry waits for the next start's _settle, never losing its contacts."""
        gone: list[int] = []
        there: dict[str, int] = {}
        for key, entry in entries.items():
            try:
                is_gone = self._gone(key, entry)
            except Exception as exc:
                log.info("couldn't tell whether a merged label is gone: %r", exc)
                continue
            if is_gone:
                gone.append(entry)
                run.op.removed.append(key)
                self._engine._learn(key, None)
            else:
                there[key] = entry
        return gone, there

    def _gone(self, key: str, entry: int) -> bool:
        """Whether Recently deleted entry ``entry``'s label ``key`` is gone from Wix: not found, or the key now
        names a label created at another moment (Wix gave the free key to a new label). Raises as get()."""
        try:
            found = self._client().get(key)
        except LabelNotFoundError:
            return True
        cache = self._engine.cache
        created = journal.label_created(cache, entry) if cache is not None else None
        return created is not None and found.created is not None and found.created != created

    def _save(self, run: _Run, *, state: str = RUNNING, also: journal.Also | None = None) -> None:
        """Write the run's record down, durably, before its next request leaves (nothing without a saved copy)."""
        cache = self._engine.cache
        if cache is not None and run.op_id > 0:
            journal.record(cache, run.op_id, run.op, _now(), state=state, also=also)

    def _progress(self, run: _Run, step: str, done: int, total: int | None) -> None:
        self._engine._send(p.OperationProgress(run.op_id, step, done if total is None else min(done, total), total))

    # -- a merge --------------------------------------------------------------------------------------------

    def _merge(self, run: _Run) -> None:
        op, client = run.op, self._client()
        assert op.target is not None
        if op.step == "reading":
            self._progress(run, "reading", 0, None)
            labels = check_merge(client, op.target, op.sources)
            op.label = labels[op.target]
            holders: dict[str, list[str]] = {}
            for source in op.sources:
                contacts = client.contacts_with_label(source)
                holders[source] = [contact.id for contact in contacts]
                run.names.update((contact.id, contact) for contact in contacts)
            op.meant = len(run.names)
            now = _now()

            def note(connection: sqlite3.Connection) -> None:  # the sources' contacts, for restoring them
                for source in op.sources:
                    name = labels[source].display_name
                    op.entries[source] = journal.add_deleted(
                        connection,
                        source,
                        name,
                        holders[source],
                        now,
                        owner=self._owner,
                        created=labels[source].created,
                    )

            op.step = "labelling"
            self._save(run, also=note)
        if op.step == "labelling":
            target = op.target
            senders: dict[str, Callable[[], list[str]]] = {
                source: functools.partial(holders_job, client, source, target) for source in op.sources
            }
            ends = self._label(run, senders)
            self._check_ends(run, ends, op.label.display_name if op.label else target)
            if run.cancelled:  # (the last safe point: nothing is deleted after a cancel)
                raise OperationCancelledError(op.kind)
            op.step = "deleting"
            self._save(run)
        if op.step == "deleting":
            for n, source in enumerate(op.sources):
                self._progress(run, "deleting", n, len(op.sources))
                entry = op.entries.get(source, 0)
                if source in op.removed:
                    continue
                # Resumed: its delete may have been done before the crash, and its key given to a new label since.
                if not (run.resumed and self._gone(source, entry)):
                    with contextlib.suppress(LabelNotFoundError):  # gone already (our own, before a crash): done
                        client.delete(source)
                op.removed.append(source)
                self._save(run, also=functools.partial(journal.confirm_deleted, entry=entry, now=_now()))
                self._engine._learn(source, None)
            self._finish(run)

    def _check_ends(self, run: _Run, ends: list[JobEnd], name: str, *, merge: bool = True) -> None:
        """Raise unless every job proved it failed on no contact: ``failedTotal`` 0, no error naming one."""
        failed = sum(end.failed or 0 for end in ends)
        ids = list(dict.fromkeys(contact_id for end in ends for contact_id in end.failed_ids))
        if failed or ids:
            raise JobFailuresError(name, max(failed, len(ids)), ids, merge=merge)
        if any(end.failed is None for end in ends):
            raise JobOutcomeUnknownError(name, merge=merge)

    # -- a restore ------------------------------------------------------------------------------------------

    def _restore(self, run: _Run) -> None:
        op, client, cache = run.op, self._client(), self._engine.cache
        entry = journal.deleted_entry(cache, op.entry) if cache is not None and op.entry is not None else None
        if entry is None:
            raise EntryGoneError()
        run.old_key = entry.key
        ids = list(entry.contact_ids)
        op.meant = len(ids)
        if op.step == "creating":
            self._progress(run, "creating", 0, None)
            found = client.find_or_create(entry.display_name)
            label, op.existed = found.label, found.created is False
            if label.label_type is not LabelType.USER_DEFINED:  # (the name is now Wix's or an app's label)
                raise RestoreRefusedError(entry.display_name)
            op.label, op.target = label, label.key
            op.step = "labelling"
            self._save(run)
            self._engine._learn(label.key, label)
        if op.step == "labelling":
            key = op.target
            ends = self._label(run, {"restore": lambda: client.add_labels(ids, [key]) if ids else []})
            self._check_ends(run, ends, entry.display_name, merge=False)
            self._finish(run, also=lambda connection: journal.drop_deleted(connection, [entry.entry]))

    # -- shared steps ---------------------------------------------------------------------------------------

    def _label(self, run: _Run, senders: dict[str, Callable[[], list[str]]]) -> list[JobEnd]:
        """Send each group's jobs unless their ids are on record (each group's ids written down as soon as
        they come), then wait for every job not yet ended (each end written down). Their ends, in order."""
        op, client = run.op, self._client()
        for group, send in senders.items():
            if group in op.jobs:
                continue
            if run.cancelled:
                raise OperationCancelledError(op.kind)
            self._progress(run, "labelling", 0, op.meant)
            op.jobs[group] = send()
            self._save(run)
        job_ids = [job for group in senders for job in op.jobs[group]]
        for job_id in job_ids:
            if job_id in op.ends:
                continue
            before = sum((end.success or 0) + (end.failed or 0) for end in op.ends.values())

            def status(job: BulkJob, before: int = before) -> None:
                self._progress(run, "labelling", before + (job.success_total or 0) + (job.failed_total or 0), op.meant)

            job = client.wait_for_job(job_id, stop=run.stop, on_status=status)
            failed_ids = [error.contact_id for error in job.errors if error.contact_id]
            op.ends[job_id] = JobEnd(job.total_items, job.success_total, job.failed_total, failed_ids)
            self._save(run)
        return [op.ends[job_id] for job_id in job_ids]

    def _finish(self, run: _Run, also: journal.Also | None = None) -> None:
        op = run.op
        op.step = "ended"
        self._save(run, state=DONE, also=also)
        # (A merge's jobs overlap where a contact carried two sources, and count one that had the target
        # already: its contacts labelled are its distinct holders, every one of them, as no job failed.)
        changed = min(sum(end.success or 0 for end in op.ends.values()), op.meant)
        cache = self._engine.cache
        if cache is not None:
            keys = [op.target or "", *op.removed]
            self._engine._save("forget saved contacts", lambda cache, now: saved_contacts.forget(cache, keys))
        self._counts_changed()
        self._engine._send(
            p.OperationDone(
                run.op_id,
                op.kind,
                run.request,
                label=op.label,
                removed=list(op.removed),
                changed=changed,
                meant=op.meant,
                key_changed=run.old_key is not None and op.target != run.old_key,
                resumed=run.resumed,
                existed=op.existed,
            )
        )

    def _counts_changed(self) -> None:
        """The contact counts again (the facets), for the table: a few requests, and exact."""
        try:
            counts = self._client().contact_counts()
        except KnownError as exc:
            log.info("couldn't read the counts after an operation: %r", exc)
            return
        self._engine._send(p.CountsChanged(counts))
        source = getattr(self._engine.client, "base_url", None)
        self._engine._save("save counts", lambda cache, now: cache.replace_counts(counts, now, source=source))

    def _settle(self, cache: LabelCache) -> None:
        """Recently deleted entries of plain deletes cut short (a crash while the delete was on its way): ask
        Wix whether the label is still there. Gone: confirmed; there: the delete never happened."""
        try:
            for entry, key in journal.unsettled(cache, self._alive, self._started_at):
                if self._gone(key, entry):  # (its key may name a new label by now: see _gone)
                    cache.write(functools.partial(journal.confirm_deleted, entry=entry, now=_now()))
                else:
                    cache.write(functools.partial(journal.drop_deleted, entries=[entry]))
        except KnownError as exc:
            log.info("couldn't check the deletes cut short: %r", exc)

    def _client(self) -> Any:
        client = self._engine.client
        if client is None:
            raise RuntimeError("an operation was asked for before the site's key was known")
        return client


def _now() -> datetime:
    return datetime.now(UTC)
