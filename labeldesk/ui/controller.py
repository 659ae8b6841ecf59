"""Between the window and the sync engine: sends it intents, and reports its events as signals.

The window never calls the adapter or the cache itself: the engine (labeldesk.engine, in a process
of its own) does every network call and every write of the saved copy, and the controller turns what
it sends back into the signals below. Only the first read of the saved copy, for the first paint, is
done in this process, on a worker.

- Reads (refresh, contact counts) may overlap; writes (create, rename, delete) are serialized; the
  engine replays writes that finished while a refresh was in flight onto its result, so the table
  never jumps back to an older state. A refresh overtaken by a newer one is dropped.
- When Wix can't be reached the controller goes offline: it says so, and keeps trying again in the
  background with growing pauses until a refresh gets through. A slow answer (a read timeout) is
  not "offline": Wix is there; it is tried again the same way, without the offline state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from labeldesk.api.errors import (
    AuthError,
    PermissionDeniedError,
    WixError,
)
from labeldesk.api.errors import TimeoutError as SlowAnswerError
from labeldesk.cache import CacheUnavailableError, LabelCache
from labeldesk.cache.marker import remove_marker
from labeldesk.domain import Label
from labeldesk.engine import protocol as p
from labeldesk.engine.host import EngineHost
from labeldesk.errors import Failure
from labeldesk.ui.engine_link import ENGINE_GONE, ArrivingLabels, EngineLink, EngineStoppedError, error_from
from labeldesk.ui.label_operations import LabelOperations
from labeldesk.ui.label_writes import Callback, FailureCallback, LabelWrites
from labeldesk.ui.models import LabelBatch, SortSpec
from labeldesk.ui.saved_copy import SavedCopy, read_saved_copy, showing_marker
from labeldesk.ui.workers import TaskRunner

if TYPE_CHECKING:
    from labeldesk.api.client import WixLabelsClient

log = logging.getLogger(__name__)

_WRITE_SIGNALS: tuple[str, ...] = ("write_started", "write_failed", "pending_changed", "label_created", "label_renamed")
_WRITE_SIGNALS += ("label_deleted", "label_vanished", "label_learned")
#: Seconds between background tries while offline; the last one repeats.
OFFLINE_RETRY_SECONDS: tuple[float, ...] = (5, 10, 20, 40, 80, 160, 300)
#: The longest a background try of a slow read waits for Wix's answer (seconds): each slow try doubles
#: the client's read timeout up to this, so a service that answers in 25 s is read at last.
SLOW_READ_TIMEOUT_MAX = 120.0


class ShownTable(Protocol):
    """What the controller reads of the table it fills (LabelTableModel is one)."""

    @property
    def target_sort_spec(self) -> SortSpec: ...

    @property
    def total(self) -> int: ...


class LabelsController(QObject):
    """One site's labels: the service through ``client`` (None until its key is known) and ``cache``.

    Signals:

    - ``cache_loaded(SavedCopy)``: the saved copy, if it arrives before the service's answer
    - ``cache_settled()``: the saved copy is shown, or there was none (sent once, also without a cache)
    - ``cache_unavailable(str)``: the saved copy can't be read or written (read-only, locked); the text
      says so in plain words. Sent once; labels then come from the service only
    - ``saved_copy_skipped()``: the saved copy was not shown, because the last start ended while it
      was being shown (see showing_marker); before ``cache_settled``
    - ``refresh_started()``; then ``labels_loaded(LabelBatch)`` or ``refresh_failed(WixError)``; the
      batch's ``unreadable`` says how many labels Wix sent that couldn't be read (left out)
    - ``counts_loaded(dict[str, int])`` or ``counts_failed(WixError)``
    - ``label_created(FindOrCreateResult)``, ``label_renamed(Label)``, ``label_deleted(Label)``
    - ``label_vanished(str)``: a rename or delete found the label gone from the service (404)
    - ``label_learned(Label)``: a label made elsewhere that the table didn't know, found when it blocked
      a rename (409): the near-duplicate check knows it from then on
    - ``auth_failed(AuthError)``: Wix refused the key (401/403) on any call; work should pause
    - ``offline_changed(bool)``: Wix became unreachable, or reachable again
    - ``retrying(WixError)``: a call failed and the adapter is trying again (early news of trouble)
    - ``write_started(str)``: a create, rename or delete was sent; the text says which, for people
    - ``write_failed(str, WixError)``: that write failed (the text as in ``write_started``)
    - ``pending_changed()``: the set of labels with a rename or delete in flight, or the list of
      changes in flight (``changes_in_flight``), changed
    - ``busy_changed(bool)``: whether any call is in flight
    - ``refresh_progress(int, object)``: labels read so far by the refresh under way, and the total
      the service gives (or None); after each page of a site of many pages
    """

    cache_loaded = Signal(object)
    cache_settled = Signal()
    cache_unavailable = Signal(str)
    saved_copy_skipped = Signal()
    refresh_started = Signal()
    labels_loaded = Signal(object)
    refresh_failed = Signal(object)
    counts_loaded = Signal(object)
    counts_failed = Signal(object)
    label_created = Signal(object)
    label_renamed = Signal(object)
    label_deleted = Signal(object)
    label_vanished = Signal(str)
    label_learned = Signal(object)
    auth_failed = Signal(object)
    offline_changed = Signal(bool)
    retrying = Signal(object)
    write_started = Signal(str)
    write_failed = Signal(str, object)
    pending_changed = Signal()
    busy_changed = Signal(bool)
    refresh_progress = Signal(int, object)
    _page_read = Signal(int, int, object)  # (generation, labels read, total), from the worker

    def __init__(
        self,
        client: WixLabelsClient | None,
        cache: LabelCache | None = None,
        *,
        retry_seconds: Sequence[float] | None = None,
        engine: EngineHost | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``engine``: a started EngineHost to use (the app starts one early); else one is started
        here, in a process of its own, or on a thread for a client that can't leave this process
        (one with a rigged transport, in tests)."""
        super().__init__(parent)
        self.client: WixLabelsClient | None = None
        self.cache = cache
        self.runner = TaskRunner(self)  # the first read of the saved copy, for the first paint
        self.runner.busy_changed.connect(self._update_busy)
        self.offline = False
        self.service_loaded = False
        #: Refreshes in a row that failed because Wix answered too slowly, and whether the next
        #: background try waits longer than the last (see _lengthen_read_timeout).
        self.slow_tries = 0
        self.waits_longer = False
        self._retry_seconds = tuple(retry_seconds or OFFLINE_RETRY_SECONDS)
        self._offline_tries = 0
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self.refresh)
        self._said_cache_unavailable = False
        self._generation = 0
        self._arriving: ArrivingLabels | None = None
        self._was_busy = False
        self._shut_down = False
        self._refreshing = False
        self._refresh_again = False
        self._page_read.connect(self._on_page_read)
        self._table: ShownTable | None = None
        self.client = client
        self._link = EngineLink(str(cache.path) if cache is not None else None, self)
        self._link.client = client
        self._link.news.connect(self._on_event)
        self._link.busy_changed.connect(self._update_busy)
        self._link.restarted.connect(self._on_engine_restarted)
        self.writes = LabelWrites(self._link, lambda: self.client is not None, self._after_write_failure, self)
        for name in _WRITE_SIGNALS:
            getattr(self.writes, name).connect(getattr(self, name))  # the writes' news is the controller's
        #: The contacts of a label, merges, Recently deleted and restores (their signals are its own).
        self.operations = LabelOperations(self._link, self._after_write_failure, self)
        if engine is not None or client is not None:
            self._link.start(engine)
        # (else the engine starts when the key is known: a saved copy is shown first, and an engine
        # starting meanwhile would only compete with that first paint)

    @property
    def busy(self) -> bool:
        return self.runner.busy or self._link.busy

    @property
    def next_retry_in(self) -> float | None:
        """Seconds until the next background try while offline, or None."""
        return self._retry_timer.remainingTime() / 1000 if self._retry_timer.isActive() else None

    # -- the engine -----------------------------------------------------------------------------------

    @property
    def engine(self) -> EngineHost:
        """The site's sync engine (started now if it wasn't yet)."""
        return self._link.host

    def _update_busy(self, *_: object) -> None:
        busy = self.busy
        if busy != self._was_busy:
            self._was_busy = busy
            self.busy_changed.emit(busy)

    def _on_event(self, event: p.Event) -> None:
        match event:
            case p.RefreshProgress():
                self._on_page_read(event.generation, event.read, event.total)
            case p.LabelsPart():
                self._on_labels_part(event)
            case p.LabelsDone():
                self._on_labels_done(event)
            case p.RefreshFailed():
                self._on_refresh_failed(event.generation, error_from(event.error))
            case p.CountsLoaded():
                self._on_counts(event.generation, event.counts)
            case p.CountsFailed():
                self._on_counts_failed(event.generation, error_from(event.error))
            case p.Retrying():
                self.retrying.emit(error_from(event.error))
            case p.CacheTrouble():
                error = error_from(event.error)
                log.warning("couldn't save the offline copy: %r", error)
                self._cache_refused(error)

    def _on_engine_restarted(self) -> None:
        if self._refreshing:
            words = ENGINE_GONE if self._link.gave_up else "The refresh stopped. Press F5 to try again."
            self._on_refresh_failed(self._generation, EngineStoppedError(words))

    # -- lifetime -------------------------------------------------------------------------------------

    def show_in(self, table: ShownTable) -> None:
        """The table this site's labels are shown in: its order is the one the engine sorts a refresh
        in (so the GUI thread needn't), and its size lets a refresh ask for every page at once."""
        self._table = table

    def _spec(self) -> SortSpec | None:
        return self._table.target_sort_spec if self._table is not None else None

    def start(self) -> None:
        """Show the saved copy (if any) at once, and ask the service (if the key is known yet)."""
        if self.cache is not None:
            cache, spec = self.cache, self._spec()
            self.runner.disk(
                lambda: read_saved_copy(cache, spec),
                "load the cache",
                on_success=self._on_cache,
                on_failure=self._on_cache_failed,
            )
        else:
            QTimer.singleShot(0, self.cache_settled.emit)
        if self.client is not None:
            self.refresh()

    def set_client(self, client: WixLabelsClient) -> None:
        """Use ``client`` from now on (the key became known, or was replaced) and refresh."""
        old, self.client = self.client, client
        if old is not None and old is not client:
            old.close()  # (the engine closes its own; this is the window's, which checked the key)
        self._link.use_client(client)
        self.refresh(force=True)

    def retire(self) -> None:
        """Stop without waiting: say nothing more, and close the cache once the engine is done."""
        self.blockSignals(True)
        self._retry_timer.stop()
        if self.client is not None:
            self.client.close()
        self._link.finish_later()  # the engine finishes its writes (in its own time), then closes the copy

        def finish() -> None:
            if self.cache is not None:
                self.cache.close()
                remove_marker(showing_marker(self.cache))  # closed in good order: that copy did no harm
            self.deleteLater()

        if self.runner.busy:
            self.runner.busy_changed.connect(lambda busy: None if busy else finish())
        else:
            finish()

    def forget_cache(self) -> None:
        """Delete the saved copy (on sign-out), after any save already queued, and keep no more."""
        cache, self.cache = self.cache, None
        if cache is None:
            return
        cache.close()
        if not self._link.send_if_started(p.ForgetCache()):  # (its writes come first, then the file goes)
            # no engine has written it: delete it here

            def destroy() -> None:
                cache.destroy()
                remove_marker(showing_marker(cache))

            self.runner.disk(destroy, "delete the cache")

    def shutdown(self, wait_ms: int = 5000) -> None:
        """Stop waiting on the network, let the engine finish the saved copy's writes (``wait_ms`` at
        most) and close it.

        Calls still out on the network are not waited for: their answers go nowhere now (a change
        in flight was confirmed as "Quit anyway"), and a slow network must not hold up the quit.
        """
        if self._shut_down:
            return
        self._shut_down = True
        self._retry_timer.stop()
        self.runner.stop()  # answers still on their way go nowhere now
        if self.client is not None:
            self.client.close()  # (a call still out is cut short: nobody waits for it now)
        self._link.close(wait_ms)
        self.runner.wait_for_disk(wait_ms)
        if self.cache is not None:
            self.cache.close()
            remove_marker(showing_marker(self.cache))  # closed in good order: the copy shown did no harm

    def _on_cache(self, snapshot: SavedCopy | None) -> None:
        if snapshot is None:
            self.saved_copy_skipped.emit()
        elif not self.service_loaded:  # the service was quicker: its answer is newer
            self.cache_loaded.emit(snapshot)
        elif snapshot.labels:
            self.saved_copy_shown()  # never shown: nothing to guard
        self.cache_settled.emit()

    def saved_copy_shown(self, *, at_once: bool = False) -> None:
        """The window has painted the saved copy: it is safe to show it again on the next start.
        ``at_once``: on this thread, now (the process is about to end without cleaning up)."""
        if self.cache is not None:
            marker = showing_marker(self.cache)
            if at_once:
                remove_marker(marker)
            else:
                self.runner.disk(lambda: remove_marker(marker), "saved copy shown")

    def _on_cache_failed(self, error: object) -> None:
        log.warning("couldn't read the offline copy: %r", error)
        self._cache_refused(error)
        self.cache_settled.emit()

    def _cache_refused(self, error: object) -> None:
        if isinstance(error, CacheUnavailableError) and not self._said_cache_unavailable:
            self._said_cache_unavailable = True
            self.cache_unavailable.emit(str(error))

    # -- reads ----------------------------------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> None:
        """Fetch every label and, separately, the contact counts. Only the newest refresh is applied.

        While one refresh runs, asking again just books one more for when it ends, so pressing F5 ten
        times costs two refreshes, not ten. ``force`` starts one at once (a new client).
        """
        if self.client is None:
            return
        if self._refreshing and not force:
            self._refresh_again = True
            return
        if self._link.gave_up:  # no engine to ask: say so rather than wait for ever
            self.refresh_failed.emit(EngineStoppedError(ENGINE_GONE))
            return
        self._refreshing = True
        self._refresh_again = False
        self._retry_timer.stop()
        self._generation += 1
        self._arriving = None
        self.refresh_started.emit()
        spec = self._spec()
        # How many labels the table holds (from the cache or the last refresh) lets the client ask
        # for every page at once.
        expected = (self._table.total or None) if self._table is not None else None
        order = None if spec is None else (int(spec[0]), spec[1])
        self._link.send(p.Refresh(self._generation, order, expected))

    def _on_page_read(self, generation: int, read: int, total: int | None) -> None:
        if generation == self._generation:
            self.refresh_progress.emit(read, total)

    def _refresh_done(self, generation: int) -> None:
        if generation != self._generation:
            return
        self._refreshing = False
        if self._refresh_again:
            self.refresh()

    def _on_labels_part(self, event: p.LabelsPart) -> None:
        if event.generation == self._generation:
            if self._arriving is None or self._arriving.generation != event.generation:
                self._arriving = ArrivingLabels(event.generation)
            self._arriving.add(event)

    def _on_labels_done(self, event: p.LabelsDone) -> None:
        if event.generation != self._generation:
            log.debug("dropping a stale refresh (%d, newest %d)", event.generation, self._generation)
            return
        arriving, self._arriving = self._arriving or ArrivingLabels(event.generation), None
        try:
            self._apply_labels(arriving.batch(event))
        finally:
            self._refresh_done(event.generation)  # last: it may start the next refresh, a newer generation

    def _apply_labels(self, batch: LabelBatch) -> None:
        self.service_loaded = True
        self._set_offline(False)
        self._offline_tries = 0  # (also after slow answers, which are tried again without going offline)
        self.slow_tries = 0
        self._retry_timer.stop()
        self.labels_loaded.emit(batch)

    def _on_refresh_failed(self, generation: int, error: Failure) -> None:
        self._check_auth(error)
        if generation == self._generation:
            self._arriving = None
            if isinstance(error, SlowAnswerError):
                # Wix answered the call, just too slowly: it is reachable, so no offline state
                # (and no banner); the background tries go on all the same, each waiting longer
                # (the same limit every time would fail the same way for ever).
                self._set_offline(False)
                self.slow_tries += 1
                self.waits_longer = self._lengthen_read_timeout()
                self._schedule_retry()
            elif error.unreachable:
                self._set_offline(True)
                self._schedule_retry()
            self.refresh_failed.emit(error)
        self._refresh_done(generation)

    def _on_counts(self, generation: int, counts: dict[str, int | None]) -> None:
        if generation == self._generation:
            self.counts_loaded.emit(counts)

    def _on_counts_failed(self, generation: int, error: Failure) -> None:
        # A 403 here means the key may not read contacts; labels still work, so don't pause for it.
        if not isinstance(error, PermissionDeniedError):
            self._check_auth(error)
        if generation == self._generation:
            self.counts_failed.emit(error)

    def _check_auth(self, error: Failure) -> None:
        if isinstance(error, AuthError):
            self.auth_failed.emit(error)

    # -- offline --------------------------------------------------------------------------------------

    def _set_offline(self, offline: bool) -> None:
        if offline == self.offline:
            return
        self.offline = offline
        if not offline:
            self._offline_tries = 0
            self._retry_timer.stop()
        log.info("Wix is %s", "unreachable: working offline" if offline else "reachable again")
        self.offline_changed.emit(offline)

    def _lengthen_read_timeout(self) -> bool:
        """Double the client's read timeout for the next tries, up to SLOW_READ_TIMEOUT_MAX (kept for
        the session: Wix was slow today). False when it can't wait any longer."""
        client = self.client
        if client is None or client.read_timeout is None or client.read_timeout >= SLOW_READ_TIMEOUT_MAX:
            return False
        client.read_timeout = min(client.read_timeout * 2, SLOW_READ_TIMEOUT_MAX)
        self._link.send_if_started(p.SetReadTimeout(client.read_timeout))
        log.info("Wix is answering slowly: reads now wait up to %g s", client.read_timeout)
        return True

    def _schedule_retry(self) -> None:
        delay = self._retry_seconds[min(self._offline_tries, len(self._retry_seconds) - 1)]
        self._offline_tries += 1
        self._retry_timer.start(int(delay * 1000))

    def retry_now(self) -> None:
        """The "Try again" button: don't wait for the next background try."""
        self.refresh()

    # -- writes (see LabelWrites) ---------------------------------------------------------------------

    @property
    def pending_keys(self) -> set[str]:
        """Keys of labels with a rename or delete on its way: don't offer to change them again."""
        return self.writes.pending_keys

    @property
    def changes_in_flight(self) -> list[str]:
        """What each create, rename or delete sent and not yet answered is doing, for people."""
        return self.writes.changes_in_flight

    def create(self, name: str, on_success: Callback = None, on_failure: FailureCallback = None) -> None:
        self.writes.create(name, on_success, on_failure)

    def rename(self, label: Label, name: str, on_success: Callback = None, on_failure: FailureCallback = None) -> None:
        self.writes.rename(label, name, on_success, on_failure)

    def delete(self, label: Label, on_success: Callback = None, on_failure: FailureCallback = None) -> None:
        self.writes.delete(label, on_success, on_failure)

    def _after_write_failure(self, error: Failure) -> None:
        if isinstance(error, WixError):
            self._check_auth(error)
            if error.unreachable and not self.offline:
                self._set_offline(True)
                self._schedule_retry()
