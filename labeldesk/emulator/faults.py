"""Fault injection for the emulator: slow, failing, broken and silent answers, on demand."""

from __future__ import annotations

import enum
import threading
from collections import deque
from dataclasses import dataclass


class FaultKind(enum.Enum):
    #: Answer with an HTTP error status (5xx, or 429 with Retry-After).
    STATUS = "status"
    #: Close the connection without answering (the request is not carried out).
    DROP = "drop"
    #: Carry the request out, then close the connection without answering: the reply is lost.
    DROP_REPLY = "drop_reply"
    #: Answer 200 with a body that is not valid JSON.
    MALFORMED = "malformed"
    #: Say nothing for a while (past the client's read timeout), then answer normally.
    STALL = "stall"
    #: Answer 200 with a gzip "bomb": 64 KB that unpack to 64 MB of zeros (a hostile server's trick).
    BOMB = "bomb"
    #: Carry the request out at once (a list reads the site as it is now), then wait before answering:
    #: what arrives is older than it looks, as a slow network's answer is. (STALL and latency wait
    #: before reading, so their answers include whatever changed meanwhile.)
    ANSWER_LATE = "answer_late"


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    message: str | None = None


@dataclass(slots=True)
class PagingFaults:
    """Paging that breaks the rules, for every request until changed (contract section 11 asks the
    client to survive each). Nothing in Wix's documents rules out the first two."""

    #: ListFacets ignores ``paging.offset`` (always answers from the start, ``paging.limit`` facets)
    #: and sends no paging metadata.
    facets_ignore_offset: bool = False
    #: ListLabels ignores ``paging.offset`` and ``paging.limit``: every page is the first this many
    #: labels, with the site's real total.
    list_ignore_offset: int | None = None
    #: ListLabels answers an empty page, with the site's real total, for any offset from this one on.
    list_empty_from: int | None = None
    #: QueryContacts ignores ``paging.offset``: every page is the first (with the real total, if any).
    contacts_ignore_offset: bool = False


class Faults:
    """What the next requests should suffer, in order, plus a latency for every request, and
    :class:`PagingFaults` that last until changed.

    Thread-safe; tests and the command line set it, the request threads consume it.
    """

    def __init__(self, latency_ms: int = 0) -> None:
        self.latency_ms = latency_ms
        self.paging = PagingFaults()
        self._pending: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._held = 0

    def _queue(self, fault: Fault, count: int) -> None:
        with self._lock:
            self._pending.extend([fault] * count)

    def fail_next(
        self, count: int = 1, status: int = 503, retry_after: float | None = None, message: str | None = None
    ) -> None:
        """The next ``count`` requests get ``status`` (e.g. 500, 503, or 429 with ``retry_after``), with
        ``message`` as the answer's description (default: the status's own phrase)."""
        self._queue(Fault(FaultKind.STATUS, status=status, retry_after=retry_after, message=message), count)

    def drop_next(self, count: int = 1) -> None:
        self._queue(Fault(FaultKind.DROP), count)

    def drop_reply_next(self, count: int = 1) -> None:
        """Do the next ``count`` requests, but lose their answers (as a dropped mobile connection does)."""
        self._queue(Fault(FaultKind.DROP_REPLY), count)

    def malformed_next(self, count: int = 1) -> None:
        self._queue(Fault(FaultKind.MALFORMED), count)

    def bomb_next(self, count: int = 1) -> None:
        self._queue(Fault(FaultKind.BOMB), count)

    def stall_next(self, count: int = 1, seconds: float = 30.0) -> None:
        self._queue(Fault(FaultKind.STALL, seconds=seconds), count)

    def answer_late_next(self, count: int = 1, seconds: float = 1.0) -> None:
        """Carry out the next ``count`` requests at once, and answer each ``seconds`` later (a list of
        labels is read before the wait: a change made meanwhile is not in it). See :attr:`held`."""
        self._queue(Fault(FaultKind.ANSWER_LATE, seconds=seconds), count)

    @property
    def held(self) -> int:
        """How many answers ANSWER_LATE has held back so far, each counted once its request was carried
        out (the site read or changed) and its wait began: a test waits for this before the change it
        wants the answer to miss."""
        with self._lock:
            return self._held

    def note_held(self) -> None:
        """Called by the server when an ANSWER_LATE request has been carried out and its wait begins."""
        with self._lock:
            self._held += 1

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def take(self) -> Fault | None:
        with self._lock:
            return self._pending.popleft() if self._pending else None

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)
