"""The wire's messages for the contacts of a label, merging labels and Recently deleted (issue 15's work).

Part of the ``Intent`` and ``Event`` unions of labeldesk/engine/protocol.py, which re-exports them; kept here so
each module stays readable. Operations (a merge, a restore) carry an ``operation`` id: the engine's journal entry,
which outlives the window's request when an operation resumes after a crash.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from labeldesk.contacts import Contact, DeletedLabel
from labeldesk.domain import Label
from labeldesk.engine.error_info import ErrorInfo

# -- intents: window -> engine ---------------------------------------------------------------------------


class ListContacts(msgspec.Struct, tag=True):
    """The contacts carrying label ``key``, ``limit`` of them from ``offset`` on (contract 6.3), answered by a
    ContactsPage. Read from Wix and kept in the saved copy; read from the saved copy when Wix can't be reached."""

    request: int
    key: str
    offset: int = 0
    limit: int = 1000


class PreviewMerge(msgspec.Struct, tag=True):
    """A dry run of MergeLabels (nothing changes), answered by a MergePreview."""

    request: int
    target: str
    sources: list[str]


class MergeLabels(msgspec.Struct, tag=True):
    """Put label ``target`` on every contact carrying any of ``sources`` (bulk jobs), then, only if every job
    completed with no failure, delete the sources (restorably). Written down before it starts, so it resumes
    after a crash. Answered by OperationStarted, OperationProgress..., then OperationDone or OperationFailed."""

    request: int
    target: str
    sources: list[str]


class ListDeleted(msgspec.Struct, tag=True):
    """Recently deleted (the last 30 days), answered by a DeletedList."""

    request: int


class RestoreLabel(msgspec.Struct, tag=True):
    """Bring Recently deleted entry ``entry`` back: find-or-create its name, then put it on the contacts that
    carried it and still exist (bulk jobs). Answered like MergeLabels."""

    request: int
    entry: int


class CancelOperation(msgspec.Struct, tag=True):
    """Stop operation ``operation`` at its next safe point (a merge never deletes after a cancel)."""

    operation: int


# -- events: engine -> window ----------------------------------------------------------------------------


class ContactsPage(msgspec.Struct, tag=True):
    """An answer to ListContacts. ``total``: how many contacts carry the label (None when Wix couldn't count);
    ``more``: whether pages follow; ``from_cache``: read from the saved copy (Wix unreachable), as it was at
    ``synced_at`` (UTC)."""

    request: int
    key: str
    offset: int
    contacts: list[Contact]
    total: int | None
    more: bool
    from_cache: bool = False
    synced_at: datetime | None = None


class MergePreview(msgspec.Struct, tag=True):
    """An answer to PreviewMerge: ``adds`` contacts carry a source and not the target (they gain the target);
    ``holders``: for each source key, how many contacts carry it; ``carriers``: how many contacts carry any
    source (each once: the merge's result counts these), None when not known."""

    request: int
    target: str
    sources: list[str]
    adds: int
    holders: dict[str, int]
    carriers: int | None = None


class DeletedList(msgspec.Struct, tag=True):
    """An answer to ListDeleted: newest first."""

    request: int
    entries: list[DeletedLabel]


class OperationStarted(msgspec.Struct, tag=True):
    """A merge or restore began (``request`` None: resumed from the journal at start-up)."""

    operation: int
    kind: str  # "merge" or "restore"
    request: int | None = None
    resumed: bool = False


class OperationProgress(msgspec.Struct, tag=True):
    """``done`` of ``total`` contacts handled (None: not known yet) in step ``step``
    ("reading", "labelling", "deleting", "creating")."""

    operation: int
    step: str
    done: int
    total: int | None = None


class OperationDone(msgspec.Struct, tag=True):
    """A merge or restore finished. ``label``: the merge's target or the restored label (its key may differ from
    the deleted one's: ``key_changed``); ``removed``: label keys deleted; ``changed`` of ``meant`` contacts were
    labelled (a restore's difference is contacts that no longer exist)."""

    operation: int
    kind: str
    request: int | None = None
    label: Label | None = None
    removed: list[str] = []
    changed: int = 0
    meant: int = 0
    key_changed: bool = False
    resumed: bool = False
    #: A restore found a label of the old name already on the site (made since, in Wix or here) and put the
    #: contacts back on it: that label's own contacts keep it too.
    existed: bool = False


class OperationFailed(msgspec.Struct, tag=True):
    """A merge or restore stopped (an error, a cancel, failed contacts). ``failed``: the contacts a bulk job
    couldn't label; ``removed``: label keys deleted before it stopped (a merge deletes none unless every job
    completed cleanly)."""

    operation: int
    kind: str
    error: ErrorInfo
    request: int | None = None
    failed: list[Contact] = []
    removed: list[str] = []


class CountsChanged(msgspec.Struct, tag=True):
    """Contact counts that changed outside a refresh (after a delete, merge or restore): merge into the table's."""

    counts: dict[str, int | None]
