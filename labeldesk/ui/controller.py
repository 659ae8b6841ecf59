"""Between the window and the service: starts every call on a worker and reports back as signals.

The window never calls the adapter itself, and workers never touch the model: the controller hands
results to the window through queued signals. Reads (refresh, contact counts) may overlap; writes
(create, rename, delete) are serialized. A refresh that was overtaken by a newer one is dropped, and
writes that finished while a refresh was in flight are replayed onto its result, so the table never
jumps back to an older state.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from labeldesk.api.client import WixLabelsClient
from labeldesk.api.errors import AuthError, LabelNotFoundError, WixError
from labeldesk.domain import FindOrCreateResult, Label, quoted
from labeldesk.ui.workers import TaskRunner

log = logging.getLogger(__name__)

Callback = Callable[[object], None] | None


@dataclass(frozen=True, slots=True)
class _Mutation:
    seq: int
    label: Label | None  # the label as it now is, or None when it was deleted
    key: str


class LabelsController(QObject):
    """Signals:

    - ``refresh_started()``; then ``labels_loaded(list[Label])`` or ``refresh_failed(WixError)``
    - ``counts_loaded(dict[str, int])`` or ``counts_failed(WixError)``
    - ``label_created(FindOrCreateResult)``, ``label_renamed(Label)``, ``label_deleted(Label)``
    - ``label_vanished(str)``: a rename or delete found the label gone from the service (404)
    - ``auth_failed(AuthError)``: Wix refused the key (401/403) on any call; work should pause
    - ``write_started(str)``: a create, rename or delete was sent; the text says which, for people
    - ``busy_changed(bool)``: whether any call is in flight
    """

    refresh_started = Signal()
    labels_loaded = Signal(object)
    refresh_failed = Signal(object)
    counts_loaded = Signal(object)
    counts_failed = Signal(object)
    label_created = Signal(object)
    label_renamed = Signal(object)
    label_deleted = Signal(object)
    label_vanished = Signal(str)
    write_started = Signal(str)
    auth_failed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, client: WixLabelsClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.runner = TaskRunner(self)
        self.runner.busy_changed.connect(self.busy_changed)
        self._generation = 0
        self._seq = itertools.count(1)
        self._last_seq = 0
        self._mutations: list[_Mutation] = []
        self._writes_in_flight = 0

    @property
    def busy(self) -> bool:
        return self.runner.busy

    @property
    def writing(self) -> bool:
        return self._writes_in_flight > 0

    # -- reads ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Fetch every label and, separately, the contact counts. Only the newest refresh is applied."""
        self._generation += 1
        generation = self._generation
        started_at = self._last_seq
        self.refresh_started.emit()
        self.runner.read(
            self.client.fetch_all,
            "refresh labels",
            on_success=lambda labels: self._on_labels(generation, started_at, labels),
            on_failure=lambda error: self._on_refresh_failed(generation, error),
        )
        self.runner.read(
            self.client.contact_counts,
            "contact counts",
            on_success=lambda counts: self._on_counts(generation, counts),
            on_failure=lambda error: self._on_counts_failed(generation, error),
        )

    def _on_labels(self, generation: int, started_at: int, labels: list[Label]) -> None:
        if generation != self._generation:
            log.debug("dropping a stale refresh (%d, newest %d)", generation, self._generation)
            return
        merged = {label.key: label for label in labels}
        for mutation in self._mutations:
            if mutation.seq > started_at:
                if mutation.label is None:
                    merged.pop(mutation.key, None)
                else:
                    merged[mutation.key] = mutation.label
        self._mutations = [m for m in self._mutations if m.seq > started_at]
        self.labels_loaded.emit(list(merged.values()))

    def _on_refresh_failed(self, generation: int, error: WixError) -> None:
        self._check_auth(error)
        if generation == self._generation:
            self.refresh_failed.emit(error)

    def _check_auth(self, error: WixError) -> None:
        if isinstance(error, AuthError):
            self.auth_failed.emit(error)

    def _on_counts(self, generation: int, counts: dict[str, int]) -> None:
        if generation == self._generation:
            self.counts_loaded.emit(counts)

    def _on_counts_failed(self, generation: int, error: WixError) -> None:
        self._check_auth(error)
        if generation == self._generation:
            self.counts_failed.emit(error)

    # -- writes ---------------------------------------------------------------------------------------

    def create(self, name: str, on_success: Callback = None, on_failure: Callback = None) -> None:
        self._write(
            lambda: self.client.find_or_create(name),
            f"Saving {quoted(name)}…",
            self._on_created,
            on_success,
            on_failure,
            key=None,
        )

    def rename(self, label: Label, name: str, on_success: Callback = None, on_failure: Callback = None) -> None:
        self._write(
            lambda: self.client.rename(label.key, name),
            f"Renaming {quoted(label.display_name)}…",
            self._on_renamed,
            on_success,
            on_failure,
            key=label.key,
        )

    def delete(self, label: Label, on_success: Callback = None, on_failure: Callback = None) -> None:
        def call() -> Label:
            self.client.delete(label.key)
            return label

        self._write(
            call, f"Deleting {quoted(label.display_name)}…", self._on_deleted, on_success, on_failure, key=label.key
        )

    def _write(self, fn, doing: str, handler, on_success: Callback, on_failure: Callback, *, key: str | None) -> None:
        self._writes_in_flight += 1

        def succeeded(result: object) -> None:
            self._writes_in_flight -= 1
            handler(result)
            if on_success is not None:
                on_success(result)

        def failed(error: WixError) -> None:
            self._writes_in_flight -= 1
            self._check_auth(error)
            if isinstance(error, LabelNotFoundError) and key is not None:
                self._remember(None, key)
                self.label_vanished.emit(key)
            if on_failure is not None:
                on_failure(error)

        # The controller's own handlers run first, so the model has changed before a dialog looks at it.
        self.runner.write(fn, doing, on_success=succeeded, on_failure=failed)
        self.write_started.emit(doing)

    def _remember(self, label: Label | None, key: str) -> None:
        self._last_seq = next(self._seq)
        self._mutations.append(_Mutation(self._last_seq, label, key))

    def _on_created(self, result: FindOrCreateResult) -> None:
        self._remember(result.label, result.label.key)
        self.label_created.emit(result)

    def _on_renamed(self, label: Label) -> None:
        self._remember(label, label.key)
        self.label_renamed.emit(label)

    def _on_deleted(self, label: Label) -> None:
        self._remember(None, label.key)
        self.label_deleted.emit(label)

    # -- lifetime -------------------------------------------------------------------------------------

    def shutdown(self, wait_ms: int = 5000) -> None:
        """Stop waiting on the network and let the workers end."""
        self.client.close()
        self.runner.wait_for_done(wait_ms)
