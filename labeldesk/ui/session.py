"""One site's life in the window: its controller, what the table shows of it, and what is known about it.

The window owns a SiteSession and talks to it through its methods and signals; the session never
reaches up into the window. It makes each controller with the factory it is given, connects it,
retires it when another site is shown, and shuts it down at quit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from labeldesk.api.errors import WixError, in_context
from labeldesk.domain import FindOrCreateResult, Label
from labeldesk.errors import KnownError, UnexpectedError
from labeldesk.index import LabelBatch
from labeldesk.sites import Site
from labeldesk.ui import actions
from labeldesk.ui import status_texts as texts
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.models import LabelTableModel
from labeldesk.ui.saved_copy import SavedCopy
from labeldesk.ui.site_manager import OpenedSite, SignInRequest, SiteManager

if TYPE_CHECKING:
    from labeldesk.api.client import WixLabelsClient
    from labeldesk.cache import LabelCache

#: Makes a site's controller from its client (None until the key is known) and its saved copy (or None).
ControllerFactory = Callable[["WixLabelsClient | None", "LabelCache | None"], LabelsController]
#: A site's key lookup waits for the site's saved copy to be painted first, at most this long (a copy
#: slow to read, a locked file, or a paint that doesn't come, mustn't hold up the key).
KEY_LOOKUP_WAIT_MS = 500


class PaintedView(Protocol):
    """The table the session's rows are painted in (LabelsTable)."""

    def after_next_paint(self, callback: Callable[[], object]) -> None: ...

    def isVisible(self) -> bool: ...


class SiteSession(QObject):
    """The site shown in the window (``site``, or None), through ``controller``, into ``model``.

    Collaborators: ``model`` (the table's), ``view`` (where it is painted: the saved copy counts as
    shown once painted), ``manager`` (opens sites and finds their keys; without one, only sites
    given to ``attach`` are shown), ``controller_factory`` (makes the controller of a site it opens).

    Signals:

    - ``message(str, str, object)``: (text, kind, details or None) for the status bar
    - ``quiet_message(str)``: for the status bar, unless it is showing an error
    - ``empty_table_text(str)``: what the empty table says instead of its usual hint
    - ``offline_note(str)``: the offline banner's text; '' hides it
    - ``rows_changed()``: the rows or what is known about them changed (the count, the hint)
    - ``state_changed()``: what the actions depend on changed (paused, offline, changes in flight)
    - ``first_load_finished(bool, str)``: the first load of a site succeeded or failed (message)
    - ``site_attached(Site, bool, bool)``: a site is shown (the site, demo, its key kept for this
      session only), just before its controller starts
    - ``key_known(Site, bool)``: the key of the site shown became known (the site, session only)
    - ``signed_out(Site)``: the site shown was signed out of: no site is shown
    - ``sign_in_needed(SignInRequest)``: Wix refused the key; ask for a new one
    - ``storage_problem(str)``: nothing can be saved on this computer (plain words)
    - ``busy_changed(bool)``, ``refresh_progress(int, object)``, ``working()``: for the working bar
    - ``all_changes_saved()``: the person chose to wait for the changes in flight, and they all landed
    """

    message = Signal(str, str, object)
    quiet_message = Signal(str)
    empty_table_text = Signal(str)
    offline_note = Signal(str)
    rows_changed = Signal()
    state_changed = Signal()
    first_load_finished = Signal(bool, str)
    site_attached = Signal(object, bool, bool)
    key_known = Signal(object, bool)
    signed_out = Signal(object)
    sign_in_needed = Signal(object)
    storage_problem = Signal(str)
    busy_changed = Signal(bool)
    refresh_progress = Signal(int, object)
    working = Signal()
    all_changes_saved = Signal()

    def __init__(
        self,
        model: LabelTableModel,
        view: PaintedView,
        *,
        manager: SiteManager | None = None,
        controller_factory: ControllerFactory = LabelsController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.view = view
        self.manager = manager
        self.controller_factory = controller_factory
        self.controller: LabelsController | None = None
        self.site: Site | None = None
        self.demo = False
        #: Wix refused the key: nothing is sent until a new one is known.
        self.paused = False
        #: The table holds this site's labels (from Wix or its saved copy), or a load of them failed.
        self.loaded_once = False
        self.last_refreshed: datetime | None = None
        self.synced_at: datetime | None = None
        #: The rows shown are the saved copy's, not yet confirmed by Wix.
        self.rows_from_cache = False
        self.counts_problem: str | None = None
        #: Said after a refresh that left out labels Wix sent but LabelDesk couldn't read; else None.
        self.unreadable_note: str | None = None
        #: The person chose to wait for changes in flight before the window closes.
        self.close_when_saved = False
        self._first_load_pending = True
        self._network_trouble = False
        #: The controller whose site's key lookups are held until its saved copy is painted, or None.
        self._lookups_held_by: LabelsController | None = None
        if manager is not None:
            manager.site_opening.connect(self._on_site_opening)
            manager.site_opened.connect(self.open_site)
            manager.signed_out.connect(self._on_signed_out)

    # -- a site's life --------------------------------------------------------------------------------

    def attach(
        self, controller: LabelsController, site: Site, *, demo: bool = False, session_only: bool = False
    ) -> None:
        """Show ``site`` through ``controller``, and start it; keeps the rows if it is the site already
        shown. ``session_only``: the site's key is kept for this session only."""
        same_site = self.site is not None and self.site.identity == site.identity and self.demo == demo
        self.retire()
        self.controller = controller
        controller.setParent(self)
        self.site = site
        self.demo = demo
        self.paused = False
        if not same_site:
            self.model.clear()
            self.loaded_once = False
            self.last_refreshed = None
            self.synced_at = None
            self.rows_from_cache = False
            self._network_trouble = False
            self._first_load_pending = True
        self._connect(controller)
        self._hold_key_lookups(controller)
        self.offline_note.emit(self._offline_text() if controller.offline else "")
        self.site_attached.emit(site, demo, session_only)
        controller.start()

    def _managed_site(self) -> Site | None:
        """The site shown if it is one of the manager's; None for the demo, or when no site is shown."""
        return None if self.demo else self.site

    def _shows(self, site: Site) -> bool:
        """Whether ``site`` (one of the manager's) is the site shown."""
        shown = self._managed_site()
        return shown is not None and shown.identity == site.identity

    def _is_showing(self, site: Site) -> bool:
        return self.controller is not None and self._shows(site)

    def _open(self, site: Site, client: WixLabelsClient | None, *, session_only: bool = False) -> None:
        cache = None if self.manager is None else self.manager.cache_for(site)
        self.attach(self.controller_factory(client, cache), site, session_only=session_only)

    def _on_site_opening(self, site: Site) -> None:
        """Show the site's saved copy while its key is being looked up."""
        if not self._is_showing(site):
            self._open(site, None)

    def open_site(self, opened: OpenedSite) -> None:
        """Show a site whose key is known; the site shown keeps its table and its cache, with a new client."""
        if not self._is_showing(opened.site):
            self._open(opened.site, opened.client, session_only=opened.session_only)
            return
        self.site = opened.site
        self.paused = False
        self.key_known.emit(opened.site, opened.session_only)
        if self.controller is not None:
            self.controller.set_client(opened.client)
        self.state_changed.emit()

    def switch_to(self, site: Site) -> None:
        """Open another of the manager's sites (not the one shown)."""
        if self.manager is None or self._shows(site):
            return
        self._say(texts.opening(site.title))
        self.manager.open_site(site)

    def sign_out(self) -> None:
        """Forget the site shown: its saved copy, its key and its place in the site list (not the demo)."""
        site = self._managed_site()
        if self.manager is None or site is None:
            return
        if self.controller is not None:
            self.controller.forget_cache()
        self.manager.sign_out(site, on_failure=self._on_sign_out_failed)

    def _on_sign_out_failed(self, error: Exception) -> None:
        details = error.details if isinstance(error, KnownError | UnexpectedError) else None
        self._say(in_context("Couldn't sign out", error), "error", details)

    def _on_signed_out(self, site: Site) -> None:
        if self._shows(site):
            self.close()
            self.signed_out.emit(site)
            if self.manager is not None:
                self.manager.start()

    def retire(self) -> None:
        """Let the controller go (it finishes its last saves by itself); the table stays as it is."""
        old, self.controller = self.controller, None
        self._lookups_held_by = None  # (its timers and paints no longer let lookups go)
        if old is not None:
            old.retire()
        self.busy_changed.emit(False)

    def close(self) -> None:
        """The site shown was signed out of: show no site."""
        self.retire()
        self.site = None
        self.model.clear()
        self.loaded_once = False
        self.rows_from_cache = False
        self.offline_note.emit("")

    def shutdown(self) -> None:
        """At quit: the controller finishes its saves to the saved copy, and closes it."""
        if self.controller is not None:
            self.controller.shutdown()

    # -- what can be done -----------------------------------------------------------------------------

    def blocked_reason(self, *, write: bool = True) -> str | None:
        """Why nothing (or, with ``write``, no change) can be sent right now, or None."""
        controller = self.controller
        return actions.blocked_reason(
            site_open=controller is not None,
            paused=self.paused,
            has_client=controller is not None and controller.client is not None,
            offline=controller is not None and controller.offline,
            write=write,
        )

    @property
    def pending_keys(self) -> set[str]:
        return self.controller.pending_keys if self.controller is not None else set()

    def labels_known(self) -> bool:
        """Whether the table holds this site's labels (from Wix or the saved copy, an empty site included)."""
        return self.model.total > 0 or self.synced_at is not None

    def slow_retry_words(self) -> str:
        controller = self.controller
        if controller is None:
            return texts.slow_retry_words(waits_longer=False, slow_tries=0)
        return texts.slow_retry_words(waits_longer=controller.waits_longer, slow_tries=controller.slow_tries)

    def delete(self, labels: Sequence[Label], *, asked_of: LabelsController | None) -> None:
        """Delete ``labels``, which the person agreed to while ``asked_of`` was the controller; one
        message says how it went once every answer is in."""
        controller = self.controller
        if asked_of is None or controller is not asked_of:
            # The question waited for an answer while the site was signed out of or another was opened:
            # the labels asked about were that site's, and another site may have the same keys.
            self._say(texts.SITE_CHANGED_WHILE_ASKING, "info")
            return
        pending = {label.key for label in labels}
        done: list[Label] = []
        failures: list[tuple[Label, WixError]] = []

        def finish_one(label: Label, outcome: object) -> None:  # (the answer: a WixError, or a success's value)
            pending.discard(label.key)
            if isinstance(outcome, WixError):
                failures.append((label, outcome))
            else:
                done.append(label)
            if not pending:
                self._say(*texts.deletes_done(done, failures))

        for label in labels:
            controller.delete(label, on_success=partial(finish_one, label), on_failure=partial(finish_one, label))
        if len(labels) > 1:
            self._say(texts.deleting(len(labels)))

    def wait_for_changes_then_close(self) -> None:
        """The person chose to wait for the changes in flight: ``all_changes_saved`` once they land."""
        self.close_when_saved = True

    def asking_to_sign_in(self, request: SignInRequest) -> None:
        """Say why a sign-in is asked for, and what the table shows meanwhile."""
        if request.replace_key:
            self._say(request.reason, "error")
        elif self.rows_from_cache and self.model.total:
            self._say(texts.showing_saved(self.synced_at, signed_in=False))
            self.report_first_load_from_cache()
        else:
            self.empty_table_text.emit(texts.SIGN_IN_HINT)
            self.report_first_load(False, request.reason or texts.NO_SITE_SIGNED_IN)

    # -- the first load -------------------------------------------------------------------------------

    def report_first_load(self, ok: bool, message: str) -> None:
        if self._first_load_pending:
            self._first_load_pending = False
            self.first_load_finished.emit(ok, message)

    def report_first_load_from_cache(self) -> None:
        when = self.synced_at.isoformat(timespec="seconds") if self.synced_at else "never"
        self.report_first_load(True, f"cache, synced {when}")

    # -- the controller's news ------------------------------------------------------------------------

    def _connect(self, c: LabelsController) -> None:
        c.show_in(self.model)  # (the controller reads the table's order and size when it refreshes)
        c.auth_failed.connect(self._on_auth_failed)
        c.cache_loaded.connect(self._on_cache_loaded)
        c.cache_settled.connect(self._on_cache_settled)
        c.cache_unavailable.connect(self.storage_problem)
        c.saved_copy_skipped.connect(lambda: self._say(texts.SAVED_COPY_SKIPPED, "info"))
        c.offline_changed.connect(self._on_offline_changed)
        c.write_failed.connect(self._on_write_failed)
        c.pending_changed.connect(self._on_pending_changed)
        c.counts_loaded.connect(self._on_counts_loaded)
        c.retrying.connect(self._on_retrying)
        c.refresh_started.connect(self._on_refresh_started)
        for ended in (c.refresh_started, c.labels_loaded, c.refresh_failed):  # a refresh's own figures only
            ended.connect(self._working)
        c.labels_loaded.connect(self._on_labels_loaded)
        c.refresh_failed.connect(self._on_refresh_failed)
        c.counts_loaded.connect(self.model.set_counts)
        c.counts_failed.connect(self._on_counts_failed)
        c.label_created.connect(self._on_label_created)
        c.label_renamed.connect(self.model.upsert)
        c.label_learned.connect(self.model.upsert)
        c.label_deleted.connect(lambda label: self.model.remove(label.key))
        c.label_vanished.connect(self._on_label_vanished)
        c.busy_changed.connect(self.busy_changed)
        c.refresh_progress.connect(self.refresh_progress)
        c.write_started.connect(self._say)

    def _say(self, text: str, kind: str = "info", details: str | None = None) -> None:
        self.message.emit(text, kind, details)

    def _working(self, *_: object) -> None:
        self.working.emit()

    def _hold_key_lookups(self, controller: LabelsController) -> None:
        """Hold key lookups (keyring, D-Bus: they would compete with the first paint) until this site's
        saved copy is on screen (one held for another site's copy no longer applies), and never longer
        than KEY_LOOKUP_WAIT_MS. Let go once, by whichever comes first (see _on_cache_settled)."""
        if self.manager is None:
            return
        self.manager.hold_key_lookups(True)
        self._lookups_held_by = controller
        QTimer.singleShot(KEY_LOOKUP_WAIT_MS, self, lambda: self._release_key_lookups(controller))

    def _release_key_lookups(self, controller: LabelsController) -> None:
        """Let key lookups run, if ``controller``'s hold is the one in force (another site's is its own)."""
        if self._lookups_held_by is controller and self.manager is not None:
            self._lookups_held_by = None
            self.manager.hold_key_lookups(False)

    def _offline_text(self) -> str:
        return texts.offline_banner(self.synced_at, rows_shown=bool(self.model.total))

    def _show_cached_message(self) -> None:
        self._say(texts.showing_saved(self.synced_at))

    def _on_cache_settled(self) -> None:
        controller = self.controller
        if controller is None:
            return
        if self.model.total and self.view.isVisible():
            # Saved rows were just put in the table: let them be painted first (see _hold_key_lookups).
            self.view.after_next_paint(lambda: self._release_key_lookups(controller))
        else:
            self._release_key_lookups(controller)

    def _on_refresh_started(self) -> None:
        if self.rows_from_cache:
            self._show_cached_message()  # keep saying what is on screen, and how old it is, until Wix answers
        else:
            self._say(texts.refreshing(loaded_once=self.loaded_once))

    def _on_cache_loaded(self, snapshot: SavedCopy) -> None:
        self.synced_at = snapshot.synced_at
        if snapshot.recovered:
            self._say(texts.SAVED_COPY_DAMAGED, "info")
        controller = self.controller
        if not snapshot.labels or controller is None:
            return
        self.rows_from_cache = True
        self.loaded_once = True
        self.model.apply_labels(snapshot.labels)
        # (painted for this site, not one attached since)
        self.view.after_next_paint(lambda: controller.saved_copy_shown() if controller is self.controller else None)
        if snapshot.counts is not None:
            self.model.set_counts(snapshot.counts)
        if not snapshot.recovered:
            self._show_cached_message()
        self.rows_changed.emit()
        self.offline_note.emit(self._offline_text() if controller.offline else "")
        if controller.offline or self._network_trouble:
            self.report_first_load_from_cache()

    def _on_labels_loaded(self, batch: LabelBatch) -> None:
        self.unreadable_note = texts.unreadable_note(batch.unreadable)
        self.loaded_once = True
        self.rows_from_cache = False
        self.model.apply_labels(batch)
        self.last_refreshed = datetime.now()
        self.synced_at = datetime.now().astimezone()
        self._say(self._idle_message())
        self.rows_changed.emit()
        self.report_first_load(True, "service")

    def _idle_message(self) -> str:
        return texts.idle_message(self.last_refreshed, self.unreadable_note, self.counts_problem)

    def _on_refresh_failed(self, error: WixError) -> None:
        self.loaded_once = True
        shown = self.model.total
        slow_words = self.slow_retry_words()
        said = texts.refresh_failed(
            error, shown=shown, paused=self.paused, synced_at=self.synced_at, slow_words=slow_words
        )
        if said is not None:
            self._say(said, "error", error.details)
        self.rows_changed.emit()
        if shown == 0:
            self.empty_table_text.emit(texts.first_load_failed_hint(error, slow_words=slow_words))
            self.report_first_load(False, str(error))
        elif self.rows_from_cache:
            self.report_first_load_from_cache()

    def _on_retrying(self, error: WixError) -> None:
        if error.unreachable:
            self._network_trouble = True
            if self.rows_from_cache:
                # Don't wait out the retries to say what is on screen.
                self.report_first_load_from_cache()

    def _on_offline_changed(self, offline: bool) -> None:
        self.offline_note.emit(self._offline_text() if offline else "")
        self.state_changed.emit()
        if not offline:
            self._say(texts.CONNECTED_AGAIN, "done")

    def _on_auth_failed(self, error: WixError) -> None:
        if self.paused or self.site is None:
            return
        self.paused = True
        self.state_changed.emit()
        reason = texts.key_refused(self.site.title, error)
        if self.manager is None:
            self._say(reason, "error", error.details)
        else:
            self.sign_in_needed.emit(SignInRequest(self.site, reason, replace_key=True))

    def _on_counts_loaded(self, _counts: object) -> None:
        self.counts_problem = None

    def _on_counts_failed(self, error: WixError) -> None:
        self.counts_problem = texts.counts_problem(error)
        self.quiet_message.emit(self._idle_message())

    def _on_write_failed(self, doing: str, error: WixError) -> None:
        self.close_when_saved = False  # stay open: the person should see what wasn't saved
        self._say(texts.write_failed(doing, error), "error", error.details)

    def _on_pending_changed(self) -> None:
        self.state_changed.emit()
        if self.close_when_saved and self.controller is not None and not self.controller.changes_in_flight:
            # After this turn of the event loop: a failure is reported after its change left the list.
            QTimer.singleShot(0, self._close_if_all_saved)

    def _close_if_all_saved(self) -> None:
        if self.close_when_saved and (self.controller is None or not self.controller.changes_in_flight):
            self.all_changes_saved.emit()

    def _on_label_created(self, result: FindOrCreateResult) -> None:
        self.model.upsert(result.label)

    def _on_label_vanished(self, key: str) -> None:
        label = self.model.remove(key)
        if label is not None:
            self._say(texts.vanished([label]), "info")
