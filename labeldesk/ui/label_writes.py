"""Creating, renaming and deleting labels through the sync engine, and what is on its way.

A part of the site's controller (labeldesk.ui.controller), which forwards these signals as its own
and passes in what a write needs to know of the rest: whether the site's key is known, and what to
do after any write failed (pause on a refused key, go offline when Wix can't be reached).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from labeldesk.api.errors import ConflictError, LabelNotFoundError
from labeldesk.domain import Label, quoted
from labeldesk.engine import protocol as p
from labeldesk.errors import Failure
from labeldesk.ui.engine_link import EngineLink

log = logging.getLogger(__name__)

#: What a create, rename or delete calls back with: its result (FindOrCreateResult, or the Label),
#: or the error it failed with (a KnownError, or UnexpectedError for a bug).
Callback = Callable[[Any], None] | None
FailureCallback = Callable[[Any], None] | None


class LabelWrites(QObject):
    """Signals (the controller's, see LabelsController): ``write_started(str)``,
    ``write_failed(str, error)``, ``pending_changed()``, ``label_created(FindOrCreateResult)``,
    ``label_renamed(Label)``, ``label_deleted(Label)``, ``label_vanished(str)``, ``label_learned(Label)``.

    ``key_known()``: whether the site's key is known (no write is offered before); ``after_failure(error)``:
    called after a write failed and ``write_failed`` was said, before the asker's own ``on_failure``.
    """

    write_started = Signal(str)
    write_failed = Signal(str, object)
    pending_changed = Signal()
    label_created = Signal(object)
    label_renamed = Signal(object)
    label_deleted = Signal(object)
    label_vanished = Signal(str)
    label_learned = Signal(object)

    def __init__(
        self,
        link: EngineLink,
        key_known: Callable[[], bool],
        after_failure: Callable[[Failure], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._link = link
        self._key_known = key_known
        self._after_failure = after_failure
        #: Keys of labels with a rename or delete on its way: don't offer to change them again.
        self.pending_keys: set[str] = set()
        #: What each create, rename or delete sent and not yet answered is doing, for people ("Deleting ‘VIP’…").
        self.changes_in_flight: list[str] = []

    def _check_key(self) -> None:
        """The window offers no write until the key is known (see SiteSession.blocked_reason), so a
        write without one is a bug, said at once."""
        if not self._key_known():
            raise RuntimeError("a write was asked for before the site's key was known")

    def create(self, name: str, on_success: Callback = None, on_failure: FailureCallback = None) -> None:
        self._check_key()
        intent = p.CreateLabel(self._link.next_request(), name)
        self._write(intent, f"Saving {quoted(name)}…", self.label_created.emit, on_success, on_failure)

    def rename(self, label: Label, name: str, on_success: Callback = None, on_failure: FailureCallback = None) -> None:
        self._check_key()

        def failed(error: Failure) -> None:
            if isinstance(error, ConflictError):
                self._learn_label_named(name)
            if on_failure is not None:
                on_failure(error)

        intent = p.RenameLabel(self._link.next_request(), label.key, name)
        doing = f"Renaming {quoted(label.display_name)}…"
        self._write(intent, doing, self.label_renamed.emit, on_success, failed, key=label.key)

    def delete(self, label: Label, on_success: Callback = None, on_failure: FailureCallback = None) -> None:
        self._check_key()
        intent = p.DeleteLabel(self._link.next_request(), label)
        doing = f"Deleting {quoted(label.display_name)}…"
        self._write(intent, doing, self.label_deleted.emit, on_success, on_failure, key=label.key)

    def _learn_label_named(self, name: str) -> None:
        """Fetch the label called ``name`` (the one that blocked a rename: made elsewhere, so the table
        doesn't know it) and hand it to the table (``label_learned``). Contract section 5: displayName $eq."""
        if not self._key_known():
            return

        def learned(labels: list[Label]) -> None:
            for found in labels:
                self.label_learned.emit(found)

        def failed(error: Failure) -> None:
            log.info("couldn't find the label named as the refused rename: %r", error)

        self._link.request(p.FindLabelsNamed(self._link.next_request(), name), learned, failed)

    def _write(
        self,
        intent: p.CreateLabel | p.RenameLabel | p.DeleteLabel,
        doing: str,
        handler: Callable[[Any], None],
        on_success: Callback,
        on_failure: FailureCallback,
        *,
        key: str | None = None,
    ) -> None:
        if key is not None:
            self.pending_keys.add(key)
        self.changes_in_flight.append(doing)
        self.pending_changed.emit()

        def settle() -> None:
            if key is not None:
                self.pending_keys.discard(key)
            self.changes_in_flight.remove(doing)
            self.pending_changed.emit()

        def succeeded(result: object) -> None:
            settle()
            handler(result)
            if on_success is not None:
                on_success(result)

        def failed(error: Failure) -> None:
            settle()
            self.write_failed.emit(doing, error)
            if isinstance(error, LabelNotFoundError) and key is not None:
                self.label_vanished.emit(key)  # (the engine has taken it out of the saved copy)
            self._after_failure(error)
            if on_failure is not None:
                on_failure(error)

        # The controller's own handlers run first, so the model has changed before a dialog looks at it.
        self._link.request(intent, succeeded, failed)
        self.write_started.emit(doing)
