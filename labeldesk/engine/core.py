"""The sync engine: one site's client, its saved copy's writes, and the order of changes. Qt-free.

The window sends intents (:mod:`labeldesk.engine.protocol`) and gets events back through ``send``;
the engine never waits on the window. Inside, ``concurrent.futures`` pools do the slow work: reads (a
refresh's labels and its contact counts, side by side), writes (one at a time, so they reach Wix in the
order the person made them) and the disk (one writer of the saved copy, one whole sync per transaction).

Changes and refreshes meet here, so this is where a refresh that was overtaken by a write is made
right: every write that finished after a refresh started is replayed onto that refresh's answer
before it is sent, so the table never jumps back to an older state. Issue 15's work sits beside it:
merges, restores and the restorable delete in operations.py, the contacts reads in contact_reads.py.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labeldesk.api.errors import LabelNotFoundError
from labeldesk.cache import LabelCache
from labeldesk.cache.marker import remove_marker, showing_marker
from labeldesk.domain import Label, search_text
from labeldesk.engine import protocol as p
from labeldesk.engine.contact_reads import ContactReads
from labeldesk.engine.early import Prefetched, close_unused
from labeldesk.engine.operations import Operations
from labeldesk.errors import KnownError, UnexpectedError, bug_report
from labeldesk.index import Column, LabelBatch, prepare_batch, sort_name

log = logging.getLogger(__name__)

#: Labels in one LabelsPart: small enough that the window decodes one between two paints.
PART_SIZE = 2_000
#: The longest an Open waits for an early read that is still getting its key (seconds).
PREFETCH_KEY_WAIT = 2.0


def describe(error: BaseException, doing: str) -> p.ErrorInfo:
    """``error`` for the wire. Expected failures (KnownErrors) are said in plain words by the window;
    anything else is a bug, logged with its traceback, that crosses as an UnexpectedError with it."""
    if isinstance(error, KnownError):
        log.info("%s failed: %r", doing, error)
        return p.error_info(error)
    log.error("%s crashed", doing, exc_info=error)
    return p.error_info(UnexpectedError(report=bug_report(error)))


@dataclass(frozen=True, slots=True)
class _Change:
    seq: int
    key: str
    label: Label | None  # as it now is; None when it is gone


class SyncEngine:
    """Serves one site. ``send(event)`` may be called from any of the engine's threads.

    ``clients``: client objects handed over in the same process (an engine on a thread, in tests),
    by id; an engine in its own process builds its client from ClientSettings.
    """

    def __init__(self, send: Callable[[p.Event], None], clients: dict[int, Any] | None = None) -> None:
        self._send = send
        self._clients = clients if clients is not None else {}
        self._reads = ThreadPoolExecutor(2, "engine-read")
        self._writes = ThreadPoolExecutor(1, "engine-write")
        self._disk = ThreadPoolExecutor(1, "engine-disk")
        self._lock = threading.Lock()
        #: Held while a refresh's answer or a write's result is said and saved, so the two never
        #: interleave (a write's news between a refresh's check and its parts would be undone).
        self._publish = threading.Lock()
        self.client: Any = None
        self.cache: LabelCache | None = None
        self._generation = 0
        self._seq = 0
        self._changes: list[_Change] = []
        self._jobs = 0
        self._handled = 0
        self._stopped = threading.Event()
        self._early = ThreadPoolExecutor(2, "engine-early")
        #: A Prefetch's read once it has its key and client (None: no key), for the next Open.
        self._early_read: Future[Prefetched | None] | None = None
        #: That read, taken by an Open of the same site and key, for its first Refresh.
        self._prefetched: Prefetched | None = None
        #: How many refreshes are reading: changes are kept for replaying only while one is.
        self._reading = 0
        self._ops = Operations(self)  # merges, restores, the restorable delete (issue 15)
        self._contacts = ContactReads(self)

    # -- intents ----------------------------------------------------------------------------------------

    def handle(self, intent: p.Intent) -> bool:
        """Act on one intent (quickly: slow work goes to a pool). False after Shutdown."""
        if isinstance(intent, p.WORK):
            with self._lock:
                self._handled += 1
                self._jobs += 1  # until this intent is handed to its pools
            try:
                return self._act(intent)
            finally:
                self._job_done()
        return self._act(intent)

    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on ``pool``, counted as work under way (see Idle)."""
        with self._lock:
            self._jobs += 1

        def run() -> None:
            try:
                fn(*args)
            finally:
                self._job_done()

        try:
            pool.submit(run)
        except RuntimeError:  # shut down: nothing more is done
            self._job_done()

    def _job_done(self) -> None:
        with self._lock:
            self._jobs -= 1
            if self._jobs == 0:
                self._send(p.Idle(self._handled))

    def _act(self, intent: p.Intent) -> bool:
        match intent:
            case p.Prefetch():
                self._early_read = Future()
                self._early.submit(self._prefetch, intent, self._early_read)
            case p.Open():
                self._use_client(intent.client, intent.in_process_client)
                self.cache = LabelCache(Path(intent.cache_path)) if intent.cache_path else None
                self._ops.resume()
            case p.UseClient():
                self._use_client(intent.client, intent.in_process_client)
                self._ops.resume()
            case p.Refresh():
                self._refresh(intent)
            case p.CreateLabel():
                self._write(intent.request, "create a label", lambda c: self._created(intent.request, c, intent.name))
            case p.RenameLabel():
                self._write(intent.request, "rename a label", lambda c: self._renamed(intent, c), key=intent.key)
            case p.DeleteLabel():
                self._write(intent.request, "delete a label", lambda c: self._deleted(intent, c), key=intent.label.key)
            case p.FindLabelsNamed():
                self._find(intent)
            case p.ListContacts():
                self._contacts.list_contacts(intent)
            case p.PreviewMerge():
                self._contacts.preview_merge(intent)
            case p.ListDeleted():
                self._contacts.list_deleted(intent)
            case p.MergeLabels():
                self._ops.merge(intent)
            case p.RestoreLabel():
                self._ops.restore(intent)
            case p.CancelOperation():
                self._ops.cancel(intent)
            case p.SetReadTimeout():
                if self.client is not None:
                    self.client.read_timeout = intent.seconds
            case p.ForgetCache():
                cache, self.cache = self.cache, None
                if cache is not None:
                    self._submit(self._disk, self._destroy, cache)
            case p.Shutdown():
                self.shutdown()
                return False
        return True

    def shutdown(self, *, in_good_order: bool = True) -> None:
        """Stop waiting on the network, finish the saved copy's writes, close it; then Stopped.
        ``in_good_order``: the window asked (else it is gone, perhaps crashed: the marker of a saved
        copy on its way to the screen stays, so the next start doesn't show it again)."""
        self._stopped.set()
        if self.client is not None:
            self.client.close()
        self._ops.shutdown()
        for unused in self._clients.values():  # handed over, never taken: closed all the same
            unused.close()
        self._clients.clear()
        self._drop_early_read()
        for pool in (self._reads, self._writes, self._early):
            pool.shutdown(wait=False, cancel_futures=True)
        self._disk.shutdown(wait=True)
        if self.cache is not None:
            self.cache.close()
            if in_good_order:
                remove_marker(showing_marker(self.cache.path))  # the copy shown did no harm
        self._send(p.Stopped())

    def _describe(self, error: BaseException, doing: str) -> p.ErrorInfo:
        """As describe(); after shutdown, quietly: the calls it cut short fail, and nobody is listening
        (the window may already have closed its log)."""
        if self._stopped.is_set():
            return p.error_info(error)
        return describe(error, doing)

    def _use_client(self, settings: p.ClientSettings | None, handed: int | None) -> None:
        prefetched = self._take_prefetched()
        if handed is not None:
            client = self._clients.pop(handed)
        elif prefetched is not None and prefetched.serves(settings):
            client = prefetched.client  # already reading this site, with this key
            self._prefetched = prefetched  # (for the first Refresh)
        elif settings is not None:
            client = _build_client(settings)
        else:
            return
        if prefetched is not None and prefetched.client is not client:
            prefetched.client.close()
        old, self.client = self.client, client
        if old is not None and old is not client:
            old.close()
        client.on_retry = lambda error, attempt, delay: self._send(p.Retrying(p.error_info(error)))

    # -- reads --------------------------------------------------------------------------------------------

    def _prefetch(self, intent: p.Prefetch, ready: Future[Prefetched | None]) -> None:
        found = self._early_client(intent)
        if found is None:
            ready.set_result(None)
            return
        client, key = found
        labels: Future[Any] = Future()
        counts = self._early.submit(client.contact_counts)
        ready.set_result(Prefetched(intent.site_id, client.base_url, key, client, labels, counts))
        log.info("reading the site's labels while the window opens")
        try:
            labels.set_result(client.fetch_all())
        except BaseException as exc:  # handed to the Refresh that takes it, which says what it was
            labels.set_exception(exc)

    def _early_client(self, intent: p.Prefetch) -> tuple[Any, str] | None:
        """A client for the site and the key saved for it, or None (no key: the window asks)."""
        from labeldesk.api.client import WixLabelsClient
        from labeldesk.credentials import CredentialStore

        try:
            key = CredentialStore().get(intent.account)
            if not key or self._stopped.is_set():
                return None
            from labeldesk.logs import register_secret

            register_secret(key)  # this process's logs and bug reports never show it either
            client = WixLabelsClient(key, intent.site_id, base_url=intent.base_url)  # as the app's own are
        except Exception as exc:  # the window looks the key up too, and says what is wrong
            log.info("no early read of the site: %r", exc)
            return None
        return client, key

    def _take_prefetched(self) -> Prefetched | None:
        """The early read, once it has its client (waiting a moment for a keyring still answering);
        None if there was none, or it found no key, or the keyring took too long."""
        ready, self._early_read = self._early_read, None
        if ready is None:
            return None
        try:
            return ready.result(timeout=PREFETCH_KEY_WAIT)
        except TimeoutError:
            ready.add_done_callback(close_unused)  # (its client, when it comes, is nobody's)
            return None

    def _drop_early_read(self) -> None:
        """Close the client of an early read nobody took (at shutdown)."""
        early, self._prefetched = self._prefetched, None
        if early is not None and early.client is not self.client:
            early.client.close()
        ready, self._early_read = self._early_read, None
        if ready is not None:
            ready.add_done_callback(close_unused)

    def _refresh(self, intent: p.Refresh) -> None:
        client = self.client
        if client is None:
            return
        with self._lock:
            self._generation = generation = intent.generation
            started_at = self._seq
            self._reading += 1
            early, self._prefetched = self._prefetched, None
        if early is not None and early.client is not client:
            early = None
        source = getattr(client, "base_url", None)
        self._submit(self._reads, self._read_labels, client, intent, started_at, source, early)
        self._submit(self._reads, self._read_counts, client, generation, source, early)

    def _read_labels(
        self, client: Any, intent: p.Refresh, started_at: int, source: str, early: Prefetched | None = None
    ) -> None:
        generation = intent.generation
        spec = (Column(intent.order[0]), intent.order[1]) if intent.order is not None else None
        try:
            if early is not None:
                log.debug("the first refresh takes the early read")
                labels = early.labels.result()  # read since before the window opened the site
            else:
                labels = client.fetch_all(
                    expected_total=intent.expected,
                    on_progress=lambda read, total: self._send(p.RefreshProgress(generation, read, total)),
                )
            batch = prepare_batch(labels, spec)
            # One at a time with the writes' results (see _publish): a change is either replayed
            # onto this answer or said after it, never between its check and its parts.
            with self._publish:
                self._publish_labels(intent, started_at, source, batch, labels.unreadable)
        except Exception as exc:
            self._send(p.RefreshFailed(generation, self._describe(exc, "refresh labels")))
        finally:
            with self._lock:
                self._reading -= 1

    def _publish_labels(
        self, intent: p.Refresh, started_at: int, source: str, batch: LabelBatch, unreadable: int
    ) -> None:
        generation, spec = intent.generation, batch.sort_spec
        with self._lock:
            stale = generation != self._generation
            if not stale:
                self._changes = changes = [change for change in self._changes if change.seq > started_at]
        if stale:
            log.debug("dropping a stale refresh (%d)", generation)
            return
        if changes:  # writes that finished while this refresh was reading: its answer is older than they are
            merged = {label.key: label for label in batch}
            search = dict(batch.search)
            for change in changes:
                if change.label is None:
                    merged.pop(change.key, None)
                    search.pop(change.key, None)
                else:
                    merged[change.key] = change.label
                    search[change.key] = search_text(change.label)
            batch = prepare_batch(list(merged.values()), spec, known_search=search)  # (in order again)
        # In the table's order (nothing to sort there), with the texts prepare_batch put in that order.
        by_key, search = batch.by_key or {}, batch.search
        in_order = batch.labels if batch.order is None else list(map(by_key.__getitem__, batch.order))
        texts = batch.order_texts if batch.order_texts is not None else [search[label.key] for label in in_order]
        for first in range(0, max(len(in_order), 1), PART_SIZE):
            self._send(p.LabelsPart(generation, in_order[first : first + PART_SIZE], texts[first : first + PART_SIZE]))
        wire_spec = None if batch.sort_spec is None else (int(batch.sort_spec[0]), batch.sort_spec[1])
        self._send(p.LabelsDone(generation, unreadable, wire_spec))
        ordered_by = sort_name(batch.sort_spec) if batch.sort_spec else None
        order = batch.order if ordered_by is not None else None
        self._save(
            "save labels",
            lambda cache, now: cache.replace_labels(
                batch.labels, now, batch.search, order=order, ordered_by=ordered_by, source=source
            ),
            after=lambda cache: remove_marker(showing_marker(cache.path)),  # a copy that made a start fail is gone
        )

    def _read_counts(self, client: Any, generation: int, source: str, early: Prefetched | None = None) -> None:
        try:
            counts = early.counts.result() if early is not None else client.contact_counts()
        except Exception as exc:
            self._send(p.CountsFailed(generation, self._describe(exc, "contact counts")))
            return
        with self._lock:
            if generation != self._generation:
                return
        self._send(p.CountsLoaded(generation, counts))
        self._save("save counts", lambda cache, now: cache.replace_counts(counts, now, source=source))

    def _find(self, intent: p.FindLabelsNamed) -> None:
        client = self.client
        if client is None:
            return

        def find() -> None:
            try:
                found = list(client.query_labels(filter={"displayName": intent.name}, limit=10).labels)
            except Exception as exc:
                self._send(p.RequestFailed(intent.request, self._describe(exc, "find the label that has the name")))
                return
            with self._publish:
                for label in found:
                    self._remember(label.key, label)
                self._send(p.Found(intent.request, found))

        self._submit(self._reads, find)

    # -- writes -------------------------------------------------------------------------------------------

    def _write(
        self,
        request: int,
        doing: str,
        call: Callable[[Any], tuple[str, Label | None, p.Event]],
        *,
        key: str | None = None,
    ) -> None:
        client = self.client

        def run() -> None:
            try:
                if client is None:
                    raise RuntimeError("a write was asked for before the site's key was known")
                changed, label, event = call(client)
            except Exception as exc:
                with self._publish:
                    if isinstance(exc, LabelNotFoundError) and key is not None:
                        self._remember(key, None)  # gone from Wix: gone from the table and the copy
                    self._send(p.RequestFailed(request, self._describe(exc, doing)))
            else:
                with self._publish:  # (see _read_labels)
                    self._remember(changed, label)
                    self._send(event)

        self._submit(self._writes, run)

    def _created(self, request: int, client: Any, name: str) -> tuple[str, Label | None, p.Event]:
        result = client.find_or_create(name)
        if result.created:  # a new label carries nobody: contacts saved under its key were a gone label's
            self._contacts.forget(result.label.key)
        return result.label.key, result.label, p.Created(request, result.label, result.created)

    def _renamed(self, intent: p.RenameLabel, client: Any) -> tuple[str, Label | None, p.Event]:
        label = client.rename(intent.key, intent.name)
        return label.key, label, p.Renamed(intent.request, label)

    def _deleted(self, intent: p.DeleteLabel, client: Any) -> tuple[str, Label | None, p.Event]:
        self._ops.delete_restorably(client, intent.label)  # (its contacts noted down first, in Recently deleted)
        self._send(p.CountsChanged({intent.label.key: 0}))
        return intent.label.key, None, p.Deleted(intent.request, intent.label)

    def _learn(self, key: str, label: Label | None) -> None:
        """An operation's change Wix confirmed (a source deleted, a label restored): as a write's."""
        with self._publish:
            self._remember(key, label)

    def _remember(self, key: str, label: Label | None) -> None:
        """A change Wix confirmed: saved, and (while a refresh is reading, whose answer it would be
        newer than) kept for replaying onto that answer."""
        with self._lock:
            self._seq += 1
            if self._reading:
                self._changes.append(_Change(self._seq, key, label))
        source = getattr(self.client, "base_url", None)
        if label is None:
            self._save("forget label", lambda cache, now: cache.remove(key, source=source))
        else:
            self._save("save label", lambda cache, now: cache.upsert(label, now, source=source))

    # -- the saved copy -----------------------------------------------------------------------------------

    def _save(
        self,
        doing: str,
        write: Callable[[LabelCache, datetime], None],
        after: Callable[[LabelCache], None] | None = None,
    ) -> None:
        cache = self.cache
        if cache is None:
            return
        now = datetime.now(UTC)

        def run() -> None:
            try:
                write(cache, now)
                if after is not None:
                    after(cache)
            except Exception as exc:
                self._send(p.CacheTrouble(self._describe(exc, doing)))

        self._submit(self._disk, run)

    @staticmethod
    def _destroy(cache: LabelCache) -> None:
        cache.destroy()
        remove_marker(showing_marker(cache.path))


def _build_client(settings: p.ClientSettings) -> Any:
    import httpx

    from labeldesk.api.client import WixLabelsClient
    from labeldesk.logs import register_secret

    register_secret(settings.api_key)  # this process's logs and bug reports never show it either
    connect, read, write, pool = settings.timeout
    return WixLabelsClient(
        settings.api_key,
        settings.site_id,
        base_url=settings.base_url,
        retry=settings.retry_policy(),
        timeout=httpx.Timeout(connect=connect, read=read, write=write, pool=pool),
        max_in_flight=settings.max_in_flight,
        max_body_bytes=settings.max_body_bytes,
        requests_per_minute=settings.requests_per_minute,
    )
