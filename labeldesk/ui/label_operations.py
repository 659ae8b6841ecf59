"""The contacts of a label, merging labels and Recently deleted, through the sync engine.

A part of the site's controller (labeldesk.ui.controller), beside LabelWrites: it sends the intents of
labeldesk/engine/contact_messages.py and turns their answers into callbacks (reads) and signals
(operations, which may outlive the dialog that started them, and may be resumed by the engine at
start-up with no request of the window's at all).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from labeldesk.engine import protocol as p
from labeldesk.errors import Failure
from labeldesk.ui.engine_link import EngineLink, error_from

log = logging.getLogger(__name__)

#: What a read calls back with: its answer (ContactsPage, MergePreview, DeletedList), or the error.
Answer = Callable[[Any], None]


class LabelOperations(QObject):
    """Signals (every operation's, whoever started it; ``operation`` ids are the engine's):

    - ``operation_started(OperationStarted)``: a merge or restore began (``resumed``: from the journal)
    - ``operation_progress(OperationProgress)``
    - ``operation_done(OperationDone)``
    - ``operation_failed(OperationFailed, error)``: the event, and its error rebuilt (a KnownError, or
      UnexpectedError for a bug)
    - ``request_failed(int, error)``: a merge or restore was refused before it began (request id, error)
    - ``counts_changed(dict)``: contact counts that changed outside a refresh (key -> count or None)

    ``after_failure(error)``: called after any request failed (the controller pauses on a refused key,
    goes offline when Wix can't be reached).
    """

    operation_started = Signal(object)
    operation_progress = Signal(object)
    operation_done = Signal(object)
    operation_failed = Signal(object, object)
    request_failed = Signal(int, object)
    counts_changed = Signal(object)

    def __init__(
        self, link: EngineLink, after_failure: Callable[[Failure], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._link = link
        self._after_failure = after_failure
        #: Operations begun and not yet ended: id -> kind ("merge", "restore").
        self.running: dict[int, str] = {}
        link.news.connect(self._on_news)

    # -- reads ----------------------------------------------------------------------------------------

    def list_contacts(self, key: str, offset: int, limit: int, on_page: Answer, on_failure: Answer) -> int:
        """Ask for ``limit`` contacts of label ``key`` from ``offset``; the ContactsPage goes to
        ``on_page``. Returns the request id."""
        return self._read(p.ListContacts(self._link.next_request(), key, offset, limit), on_page, on_failure)

    def preview_merge(self, target: str, sources: list[str], on_preview: Answer, on_failure: Answer) -> int:
        """A dry run of merging ``sources`` into ``target``: the MergePreview goes to ``on_preview``."""
        return self._read(p.PreviewMerge(self._link.next_request(), target, list(sources)), on_preview, on_failure)

    def list_deleted(self, on_list: Answer, on_failure: Answer) -> int:
        """Recently deleted: the DeletedList goes to ``on_list``."""
        return self._read(p.ListDeleted(self._link.next_request()), on_list, on_failure)

    def _read(
        self, intent: p.ListContacts | p.PreviewMerge | p.ListDeleted, on_answer: Answer, on_failure: Answer
    ) -> int:
        def failed(error: Failure) -> None:
            self._after_failure(error)
            on_failure(error)

        self._link.request(intent, on_answer, failed)
        return intent.request

    # -- operations -----------------------------------------------------------------------------------

    def merge(self, target: str, sources: list[str]) -> int:
        """Merge ``sources`` into ``target`` (see MergeLabels). Returns the request id, which the
        ``operation_started`` that follows names (or ``request_failed``, if the engine refused it)."""
        return self._operate(p.MergeLabels(self._link.next_request(), target, list(sources)))

    def restore(self, entry: int) -> int:
        """Bring Recently deleted entry ``entry`` back (see RestoreLabel). Returns the request id."""
        return self._operate(p.RestoreLabel(self._link.next_request(), entry))

    def cancel(self, operation: int) -> None:
        """Stop ``operation`` at its next safe point; its end is reported as usual."""
        self._link.send(p.CancelOperation(operation))

    def _operate(self, intent: p.MergeLabels | p.RestoreLabel) -> int:
        def refused(error: Failure) -> None:
            self._after_failure(error)
            self.request_failed.emit(intent.request, error)

        self._link.request(intent, self._on_started, refused)
        return intent.request

    def _on_started(self, event: p.OperationStarted) -> None:
        self.running[event.operation] = event.kind
        self.operation_started.emit(event)

    def _on_news(self, event: p.Event) -> None:
        match event:
            case p.OperationStarted():  # (one the window asked for is an answer: see EngineLink)
                self._on_started(event)
            case p.OperationProgress():
                self.operation_progress.emit(event)
            case p.OperationDone():
                self.running.pop(event.operation, None)
                self.operation_done.emit(event)
            case p.OperationFailed():
                self.running.pop(event.operation, None)
                error = error_from(event.error)
                log.info("a %s stopped: %r", event.kind, error)
                self._after_failure(error)
                self.operation_failed.emit(event, error)
            case p.CountsChanged():
                self.counts_changed.emit(event.counts)
