"""When a paged read from Wix ends, and whether what it read is the whole list.

Wix pages by offset (contract sections 2.1, 2.6, 5 and 6.7). A server may give fewer items than asked,
leave out the total, or ignore the offset and send the same page again (section 11 tells the client to
tolerate all three). The rule here, shared by every paged read (labels, facets, and the contacts calls
to come), never trusts a server to honour offsets. A read ends:

- on an empty page;
- on a page shorter than the server's page size (with no total to go by; a first page shorter than
  asked for costs one more request, which tells a short list from a server that pages by less);
- at the total;
- when a page brings no key the read has not seen although it covers places no earlier page did;
- at :data:`MAX_SITE_ITEMS` worth of pages.

A total above :data:`MAX_SITE_ITEMS` is not believed: it raises
:class:`~labeldesk.api.errors.OversizedResponseError` at once.

Only the first three prove the list whole. Any other end raises
:class:`~labeldesk.api.errors.IncompleteReadError`, so a short read is never taken as the whole site.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from labeldesk.api import errors

T = TypeVar("T")

#: More labels (or facets, or contacts) than any one site believably has: bounds the pages of one read.
MAX_SITE_ITEMS = 1_000_000


def page_cap(page_size: int) -> int:
    """The most pages one read of ``page_size`` items a page may take (one more for the closing page)."""
    return -(-MAX_SITE_ITEMS // max(1, page_size)) + 1


class PageLedger:
    """What one paged read has seen: its keys, the places its pages covered, the totals it was told.

    Pages may be added in any order (several may be in flight at once). Not thread-safe: add pages on
    one thread. ``what`` is the plural noun people see in :class:`~labeldesk.api.errors.IncompleteReadError`.
    """

    def __init__(self, limit: int, *, what: str, max_pages: int | None = None) -> None:
        self.limit = limit
        self.what = what
        self.max_pages = max_pages if max_pages is not None else page_cap(limit)
        self.pages = 0
        self.seen: set[str] = set()
        self.totals: set[int] = set()
        #: True once a page at a non-zero offset brought keys never seen: the server honours offsets.
        self.offsets_honoured = False
        self._covered: list[tuple[int, int]] = []  # [start, end) of the pages read

    @property
    def received(self) -> int:
        return len(self.seen)

    @property
    def total(self) -> int | None:
        """The largest total any page gave, or None if none gave one."""
        return max(self.totals) if self.totals else None

    def reserve(self, pages: int) -> None:
        """Count ``pages`` about to be asked for; IncompleteReadError if that passes the page cap."""
        if self.pages + pages > self.max_pages:
            raise self.incomplete()
        self.pages += pages

    def add(self, offset: int, keys: Sequence[str], total: int | None) -> bool:
        """Record the page asked for at ``offset``. False if it proves the server doesn't honour offsets:
        it brought nothing new though it covers places no earlier page did, or it came back empty before
        its own total. OversizedResponseError for a total above MAX_SITE_ITEMS."""
        if total is not None:
            if total > MAX_SITE_ITEMS:
                raise errors.OversizedResponseError()
            self.totals.add(total)
        if not keys:
            return total is None or offset >= total
        end = offset + len(keys)
        expected_new = not _covers(self._covered, offset, end)
        # Whether the page brought anything new is judged by real keys: a label that couldn't be read
        # and had no key stands in by its place ("\0unreadable 7", wire.py), which is "new" on every
        # page, so a server sending the same page again would never be caught. A page of stand-ins
        # alone is judged by them, having nothing else.
        real = [key for key in keys if not key.startswith("\0")] or keys
        fresh = not self.seen.issuperset(real)
        self.seen.update(keys)
        self._covered.append((offset, end))
        if fresh and offset:
            self.offsets_honoured = True
        return fresh or not expected_new

    def whole(self) -> bool:
        """Whether the keys seen are all there are, as far as the totals tell (True without a total)."""
        return self.total is None or self.received >= self.total

    def incomplete(self) -> errors.IncompleteReadError:
        return errors.IncompleteReadError(self.what, self.received, self.total)


def _covers(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether the places ``[start, end)`` all lie within ``spans`` (``[start, end)`` pairs)."""
    reached = start
    for first, stop in sorted(spans):
        if first > reached:
            break
        reached = max(reached, stop)
        if reached >= end:
            return True
    return reached >= end


def read_pages(fetch: Callable[[int, int], tuple[T, Sequence[str], int | None]], *, limit: int, what: str) -> list[T]:
    """Every page of a list, one request at a time, by the rule above.

    ``fetch(offset, limit)`` asks for one page and returns ``(page, keys, total)``: the page as the
    caller wants it back, the keys of its items in order (what tells one item from another), and the
    total the server gave (None if it gave none). Returns the pages in order; raises
    IncompleteReadError when the list can't be read whole, and whatever ``fetch`` raises.
    """
    ledger = PageLedger(limit, what=what)
    pages: list[T] = []
    offset = 0
    server_page = limit  # the most the server gives a page, as far as is known
    short_seen = False
    while True:
        ledger.reserve(1)
        page, keys, total = fetch(offset, limit)
        pages.append(page)
        if not ledger.add(offset, keys, total):
            # The server ignores the offset. After a page shorter than asked for, that page held the
            # whole list (the contract's short-page rule); after a full one, the rest is out of reach.
            if short_seen and total is None:
                return pages
            raise ledger.incomplete()
        if not keys:
            break
        offset += len(keys)
        if total is not None:
            if offset >= total:
                break
            if ledger.pages + -(-(total - offset) // len(keys)) > ledger.max_pages:
                raise ledger.incomplete()  # pages this small would never reach the total
        elif len(keys) < server_page:
            if short_seen:
                break  # shorter than the server's own pages: the last one
            short_seen, server_page = True, len(keys)  # the end, or the server's page size: one more decides
    if not ledger.whole():
        raise ledger.incomplete()
    return pages
