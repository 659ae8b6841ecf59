"""Reading every label of a site in waves of pages asked for at once (what ``fetch_all`` does).

The rule for when a paged read ends is :mod:`labeldesk.api.paging`'s; this adds the waves: which
offsets to ask for together, filling gaps, learning the service's page size, and reading once more
when the site changed meanwhile. Sending is the caller's (``fetch`` and ``submit``): nothing here
touches the network itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import CancelledError as FutureCancelledError
from dataclasses import dataclass

from labeldesk.api import errors, wire
from labeldesk.api.paging import MAX_SITE_ITEMS, PageLedger, page_cap
from labeldesk.domain import Label

log = logging.getLogger(__name__)

#: The largest page ListLabels and QueryLabels give (contract section 2.1).
LIST_MAX_LIMIT = 2000
QUERY_MAX_LIMIT = 1000
#: A page size below this is never remembered for the next "fetch all at once" (one odd short page
#: must not turn a 50,000-label refresh into thousands of requests).
MIN_LEARNT_STEP = 100

#: ``fetch(offset)``: the body of the page at ``offset``, sent on whichever thread calls it.
Fetch = Callable[[int], bytes]
#: ``submit(fetch, offset)``: ``fetch(offset)`` run on a page thread; RuntimeError once closed.
Submit = Callable[[Fetch, int], "Future[bytes]"]
Progress = Callable[[int, int | None], None]


@dataclass(slots=True)
class PageSizes:
    """What one client knows of the service's pages, kept from one read to the next."""

    #: Labels asked for a page.
    size: int = LIST_MAX_LIMIT
    #: Labels per full page, as the service last gave them (it may give fewer than asked).
    step: int = LIST_MAX_LIMIT


class WaveReader:
    """Every label of a site, read in waves of at most ``max_in_flight`` pages.

    ``fetch`` reads one page (``{"paging.limit": sizes.size, ...}`` is the caller's to send: it gets the
    offset and the size from here); ``submit`` runs one on a page thread; ``stop`` set means the client
    closed: the read ends with CancelledError without waiting for answers nobody will read.
    """

    def __init__(
        self, fetch: Callable[[int, int], bytes], submit: Submit, stop: threading.Event, sizes: PageSizes
    ) -> None:
        self._fetch = fetch
        self._submit = submit
        self._stop = stop
        self._sizes = sizes

    def read(self, expected_total: int | None, max_in_flight: int, on_progress: Progress | None) -> wire.LabelList:
        """The whole site (see WixLabelsClient.fetch_all for the contract); IncompleteReadError,
        OversizedResponseError, CancelledError and the send's WixErrors as it describes."""
        for attempt in (1, 2):
            try:
                labels, short = self._read_once(expected_total, max_in_flight, on_progress)
            except errors.ValidationError as exc:
                # The contract leaves the maximum page size open (1,000 or 2,000): if the service
                # objects to ours, use the lower one.
                if self._sizes.size == QUERY_MAX_LIMIT or not any(v.field.startswith("paging") for v in exc.violations):
                    raise
                log.info("the service refused pages of %d; using %d", self._sizes.size, QUERY_MAX_LIMIT)
                self._sizes.size = self._sizes.step = QUERY_MAX_LIMIT
                labels, short = self._read_once(None, max_in_flight, on_progress)
            if short is None:
                return labels
            if attempt == 2:
                log.warning("the labels read fell short of the total twice: %r", short)
                raise short
            log.info("labels changed while reading them; reading again")
            expected_total = None
        raise AssertionError("unreachable")

    def _read_once(
        self, expected_total: int | None, max_in_flight: int, on_progress: Progress | None
    ) -> tuple[wire.LabelList, errors.IncompleteReadError | None]:
        """One read of every page: the labels, and an error if they fall short of the total (the site
        may have changed meanwhile: worth reading again). Raises IncompleteReadError for the faults
        that reading again won't mend."""
        size = self._sizes.size
        step = self._sizes.step
        ledger = PageLedger(size, what="labels", max_pages=page_cap(min(size, QUERY_MAX_LIMIT)))
        pages: dict[int, wire.LabelPage] = {}
        wanted = (
            list(range(0, expected_total, step)[:max_in_flight])
            if expected_total is not None and expected_total > step
            else [0]
        )
        while wanted:
            wanted = wanted[:max_in_flight]
            ledger.reserve(len(wanted))
            if not self._read_wave(wanted, size, pages, ledger, on_progress):
                # A page brought nothing new where it should have: the service ignores the offset. After
                # a first page shorter than asked for, with no total, that page held them all.
                if ledger.total is None and pages[0].received < size:
                    break
                raise ledger.incomplete()
            step = self._learn_step(pages[0], step)
            total = pages[0].total
            room = ledger.max_pages - ledger.pages
            wanted = missing_offsets(pages, step, total, room + 1)
            if len(wanted) > room:
                raise ledger.incomplete()  # pages this small would never reach the total
            if pages[0].received < size and not ledger.offsets_honoured:
                wanted = wanted[:1]  # fewer than asked for: one more page shows whether offsets are honoured
        labels: list[Label] = []
        seen: set[str] = set()
        for offset in sorted(pages):
            for label in pages[offset].labels:
                if label.key not in seen:
                    seen.add(label.key)
                    labels.append(label)
        total = pages[0].total
        # Labels the service sent that couldn't be read (left out) still count towards its total.
        unreadable = {key for page in pages.values() for key in page.unreadable if key not in seen}
        consistent = all(page.total == total for page in pages.values()) and (
            total is None or len(labels) + len(unreadable) >= total
        )
        return wire.LabelList(labels, len(unreadable)), None if consistent else ledger.incomplete()

    def _learn_step(self, first: wire.LabelPage, step: int) -> int:
        """How far apart pages are, from the first one: the service may give fewer labels than asked."""
        count = first.received
        if not count or count == first.total:
            return step  # the whole site in one page: nothing learnt
        if count >= MIN_LEARNT_STEP and (count >= self._sizes.size or first.total is not None):
            self._sizes.step = count  # a full page, or a page short of the total: the service's page size
        # Without a total, a short first page may be the whole site or a capped page: read on by it.
        return count

    def _read_wave(
        self,
        offsets: list[int],
        size: int,
        pages: dict[int, wire.LabelPage],
        ledger: PageLedger,
        on_progress: Progress | None,
    ) -> bool:
        """Read the pages at ``offsets`` into ``pages`` and ``ledger``; False if any of them shows that
        the service doesn't honour offsets (see :meth:`PageLedger.add`).

        Only the network waits run on the page threads; every page is parsed here, on the calling
        thread, as it arrives, whatever its place."""

        def fetch(offset: int) -> bytes:
            return self._fetch(offset, size)

        def parse(offset: int, body: bytes) -> bool:
            page = pages[offset] = believable(wire.decode_page(body, requested_offset=offset))
            # (what couldn't be read counts too: it took its place on the page)
            honoured = ledger.add(offset, [*(label.key for label in page.labels), *page.unreadable], page.total)
            if on_progress is not None:
                read = sum(len(one.labels) for one in pages.values())
                on_progress(read if page.total is None else min(read, page.total), page.total)
            return honoured

        if len(offsets) == 1:
            return parse(offsets[0], fetch(offsets[0]))
        honoured = True
        futures: dict[Future[bytes], int] = {}
        try:
            for offset in offsets:
                if self._stop.is_set():
                    raise errors.CancelledError()
                try:
                    futures[self._submit(fetch, offset)] = offset
                except RuntimeError:  # the page threads were shut down: the client closed meanwhile
                    raise errors.CancelledError() from None
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                if self._stop.is_set():
                    raise errors.CancelledError()  # closed: don't wait for answers nobody will read
                for future in done:  # parse whichever page came first
                    honoured = parse(futures[future], future.result()) and honoured
        except FutureCancelledError:
            raise errors.CancelledError() from None  # the client closed meanwhile
        finally:
            for future in futures:
                future.cancel()
        return honoured


def believable(page: wire.LabelPage) -> wire.LabelPage:
    """``page``, or OversizedResponseError if it holds more labels than Wix ever sends at once
    (contract section 2.1) or claims more labels than any site has (paging.MAX_SITE_ITEMS)."""
    if page.received > LIST_MAX_LIMIT or (page.total is not None and page.total > MAX_SITE_ITEMS):
        raise errors.OversizedResponseError()
    return page


def missing_offsets(pages: Mapping[int, wire.LabelPage], step: int, total: int | None, most: int) -> list[int]:
    """The offsets still to read: gaps between the pages read so far, and what lies past the last
    of them while the total (or, without one, a full last page) says there is more. At most ``most``
    past the last page: a total is the service's word, and may be absurd."""
    missing: list[int] = []
    position = 0
    for offset in sorted(pages):
        if offset > position:
            missing.extend(range(position, offset, step))
        position = max(position, offset + pages[offset].received)
    if pages[max(pages)].received >= step:
        if total is not None:
            missing.extend(range(position, total, step)[:most])
        else:
            missing.append(position)
    return [offset for offset in missing if offset not in pages and (total is None or offset < total)]
