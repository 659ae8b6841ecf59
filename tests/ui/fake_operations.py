"""A stand-in for a site's LabelOperations: records what the window asks, and lets a test answer it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from labeldesk.contacts import Contact
from labeldesk.engine import protocol as p


class FakeOperations(QObject):
    """Same signals and methods as LabelOperations; each read's callbacks wait in ``asked`` for the test."""

    operation_started = Signal(object)
    operation_progress = Signal(object)
    operation_done = Signal(object)
    operation_failed = Signal(object, object)
    request_failed = Signal(int, object)
    counts_changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)
        #: (intent, on_answer, on_failure) for each read asked, in order.
        self.asked: list[tuple[Any, Callable[[Any], None], Callable[[Any], None]]] = []
        self.operated: list[Any] = []
        self.cancelled: list[int] = []
        self.running: dict[int, str] = {}

    def list_contacts(self, key, offset, limit, on_page, on_failure) -> int:
        intent = p.ListContacts(next(self._ids), key, offset, limit)
        self.asked.append((intent, on_page, on_failure))
        return intent.request

    def preview_merge(self, target, sources, on_preview, on_failure) -> int:
        intent = p.PreviewMerge(next(self._ids), target, list(sources))
        self.asked.append((intent, on_preview, on_failure))
        return intent.request

    def list_deleted(self, on_list, on_failure) -> int:
        intent = p.ListDeleted(next(self._ids))
        self.asked.append((intent, on_list, on_failure))
        return intent.request

    def merge(self, target, sources) -> int:
        intent = p.MergeLabels(next(self._ids), target, list(sources))
        self.operated.append(intent)
        return intent.request

    def restore(self, entry) -> int:
        intent = p.RestoreLabel(next(self._ids), entry)
        self.operated.append(intent)
        return intent.request

    def cancel(self, operation: int) -> None:
        self.cancelled.append(operation)

    # -- answering ------------------------------------------------------------------------------------

    def last(self, kind: type) -> tuple[Any, Callable[[Any], None], Callable[[Any], None]]:
        return next(asked for asked in reversed(self.asked) if isinstance(asked[0], kind))

    def answer_contacts(self, contacts: list[Contact], *, total: int | None, more: bool, **extra: Any) -> None:
        intent, on_page, _ = self.last(p.ListContacts)
        on_page(p.ContactsPage(intent.request, intent.key, intent.offset, contacts, total, more, **extra))


def contacts(count: int, start: int = 0) -> list[Contact]:
    """``count`` contacts with names and emails (every seventh has neither, every fifth no email)."""
    made = []
    for n in range(start, start + count):
        if n % 7 == 3:
            made.append(Contact(f"id-{n}"))
        elif n % 5 == 1:
            made.append(Contact(f"id-{n}", f"First{n}", f"Last{n}"))
        else:
            made.append(Contact(f"id-{n}", f"First{n}", f"Last{n}", f"person{n}@example.com"))
    return made
