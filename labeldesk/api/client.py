"""A synchronous client for Wix's contact Labels API (contacts v4), meant to run on worker threads.

No Qt here. Every call returns domain objects or raises a :class:`~labeldesk.api.errors.WixError`.
The API key lives only in the ``Authorization`` header of the underlying ``httpx.Client``; it is never
formatted into a message, a repr or a log line.

The operations are here; trying a call again is :mod:`labeldesk.api.calls`, sending one request and
reading its answer :mod:`labeldesk.api.transport` (with :mod:`~labeldesk.api.body` and
:mod:`~labeldesk.api.proxies`), and ``fetch_all``'s waves of pages :mod:`labeldesk.api.waves`.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from labeldesk import __version__
from labeldesk.api import errors, wire
from labeldesk.api.body import ACCEPT_ENCODING, MAX_BODY_BYTES, MAX_RETRY_AFTER_SECONDS
from labeldesk.api.contacts import DEFAULT_ID_BATCH, ContactCalls
from labeldesk.api.paging import MAX_SITE_ITEMS, read_pages
from labeldesk.api.retry import RateBudget, RetryPolicy
from labeldesk.api.transport import DEFAULT_TIMEOUT, Connections, header_safe
from labeldesk.api.urls import DEFAULT_BASE_URL, validate_base_url
from labeldesk.api.waves import (
    LIST_MAX_LIMIT,
    MIN_LEARNT_STEP,
    QUERY_MAX_LIMIT,
    PageSizes,
    WaveReader,
    believable,
)
from labeldesk.domain import FindOrCreateResult, Label, LabelType, clean_name, name_problem, valid_key

__all__ = [  # (the names other modules and tests import from here, wherever they now live)
    "DEFAULT_MAX_IN_FLIGHT",
    "DEFAULT_REQUESTS_PER_MINUTE",
    "DEFAULT_TIMEOUT",
    "FACETS_PATH",
    "LABELS_PATH",
    "LIST_MAX_LIMIT",
    "MAX_BODY_BYTES",
    "MAX_RETRY_AFTER_SECONDS",
    "MAX_SITE_ITEMS",
    "MIN_LEARNT_STEP",
    "QUERY_MAX_LIMIT",
    "Sort",
    "SortOrder",
    "WixLabelsClient",
]

log = logging.getLogger(__name__)

LABELS_PATH = "/contacts/v4/labels"
FACETS_PATH = "/contacts/v4/contacts/facets"
#: Facets pages (contract section 6.7: the contacts ``Paging`` message, default 50, max 1000).
FACETS_DEFAULT_LIMIT, FACETS_MAX_LIMIT = 50, 1000
#: How many pages "fetch all" asks for at once: all 25 pages of a 50,000-label site in one wave, still
#: far below the 200 requests a minute Wix allows.
DEFAULT_MAX_IN_FLIGHT = 25


class SortOrder(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True, slots=True)
class Sort:
    field_name: str
    order: SortOrder = SortOrder.ASC


#: Requests one client sends in any 60 seconds, at most: Wix allows 200 a minute (contract 6.9 and 8).
DEFAULT_REQUESTS_PER_MINUTE = 200


class WixLabelsClient(ContactCalls):
    """The Labels API of one site, and the Contacts API's label calls (:mod:`labeldesk.api.contacts`),
    seen through one API key.

    Thread-safe: one instance can serve several worker threads at once. ``close()`` aborts waits
    between retries so that workers end promptly when the app quits.
    """

    def __init__(
        self,
        api_key: str,
        site_id: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        rate_budget: RateBudget | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        id_batch: int = DEFAULT_ID_BATCH,
    ) -> None:
        """``max_body_bytes``: the most one answer may take, as sent and unpacked (see MAX_BODY_BYTES).
        ``requests_per_minute``: the rate budget every request takes a slot from (each try, each page,
        each poll of a bulk job), in any 60 seconds; ``rate_budget``, if given, is used instead.
        ``id_batch``: contact ids per bulk job."""
        if not api_key or not header_safe(api_key):
            # Checked here so that httpx never has to complain about the value (its message would quote it).
            raise errors.MalformedKeyError()
        if not site_id or not header_safe(site_id):
            raise errors.SiteNotFoundError(
                "That site ID has characters a site ID never has. Copy it again from your dashboard address."
            )
        self.base_url = validate_base_url(base_url)
        self.site_id = site_id
        #: Whether another process can build this same client from its settings (no transport of a
        #: caller's own, which can't cross: see labeldesk.engine.protocol.client_settings).
        self.portable = transport is None
        self.retry = retry or RetryPolicy()
        self.max_in_flight = max(1, max_in_flight)
        self.max_body_bytes = max_body_bytes
        self._sizes = PageSizes()
        self.requests_per_minute = requests_per_minute
        self._budget = rate_budget or RateBudget(requests_per_minute, 60.0)
        self.id_batch = max(1, id_batch)
        self._stop = threading.Event()
        #: Called (on the calling thread) as ``on_retry(error, attempt, delay)`` before each retry wait,
        #: so a UI can say "trouble, trying again" without waiting for the last try.
        self.on_retry: Callable[[errors.WixError, int, float], None] | None = None
        #: Seconds a read (GET) may wait for Wix's answer: ``timeout.read`` unless a caller lengthens it
        #: (the window does while Wix answers slowly, so its background tries can succeed).
        self.read_timeout: float | None = timeout.read
        self._timeout = timeout
        headers = {
            "Authorization": api_key,
            "wix-site-id": site_id,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": f"LabelDesk/{__version__}",
        }
        self._connections = Connections(
            self.base_url,
            headers,
            transport=transport,
            timeout=timeout,
            page_threads=self.max_in_flight,
            stop=self._stop,
        )

    @property
    def _http(self) -> httpx.Client:
        """The shared HTTP client (its headers hold the key: labeldesk.engine.protocol.client_settings)."""
        return self._connections.http

    def __repr__(self) -> str:
        return f"WixLabelsClient(base_url={self.base_url!r}, site_id={self.site_id!r})"

    def close(self) -> None:
        """Cancel every call under way or waiting (they raise CancelledError) and close the connections;
        the page threads end once their requests do."""
        self._stop.set()
        self._connections.close()

    def __enter__(self) -> WixLabelsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- labels ---------------------------------------------------------------------------------------

    def find_or_create(self, display_name: str, *, language: str | None = None) -> FindOrCreateResult:
        """Create a label, or find the one of exactly that name (contract 2.2 and section 11).

        ``display_name`` is cleaned first (domain.clean_name: line breaks and tabs become spaces).
        Raises InvalidNameError, without sending anything, for a name domain.name_problem refuses.
        """
        body: dict[str, Any] = {"displayName": _valid_name(display_name)}
        if language:
            body["language"] = language
        outcome = self._request_ex("POST", LABELS_PATH, json_body=body, write=True)
        created = bool(outcome.data.get("newLabel"))
        # "Already existed" after a lost reply may be our own first try's label: then we can't tell.
        return FindOrCreateResult(
            wire.label_from_envelope(outcome.data), created=None if outcome.maybe_applied and not created else created
        )

    def get(self, key: str) -> Label:
        return wire.label_from_envelope(self._request_ex("GET", self._label_path(key), label_path=True).data)

    def rename(self, key: str, display_name: str) -> Label:
        """Give the label ``key`` a new display name (contract 2.4); its key stays.

        ``display_name`` is cleaned and checked as in :meth:`find_or_create` (InvalidNameError, nothing sent).
        """
        body = {"label": {"key": key, "displayName": _valid_name(display_name)}}
        outcome = self._request_ex("PATCH", self._label_path(key), json_body=body, label_path=True, write=True)
        return wire.label_from_envelope(outcome.data)

    def delete(self, key: str) -> None:
        """Delete the label. A 404 after a lost reply means our own first try did it: that is success."""
        try:
            self._request_ex("DELETE", self._label_path(key), label_path=True, write=True)
        except errors.LabelNotFoundError as exc:
            if not exc.after_retry:
                raise

    def list_labels(
        self,
        *,
        label_type: LabelType | None = None,
        namespace: str | None = None,
        starts_with: str | None = None,
        sort: Sort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> wire.LabelPage:
        """One page of ListLabels (GET). ``starts_with`` is a case-sensitive prefix of the name."""
        params: dict[str, Any] = {}
        if label_type is not None:
            params["labelType"] = label_type.value
        if namespace is not None:
            params["namespace"] = namespace
        if starts_with is not None:
            params["startsWith"] = starts_with
        if sort is not None:
            params["sort.fieldName"] = sort.field_name
            params["sort.order"] = sort.order.value
        if limit is not None:
            params["paging.limit"] = limit
        if offset:
            params["paging.offset"] = offset
        content = self._request_ex("GET", LABELS_PATH, params=params, raw=True).data
        return believable(wire.decode_page(content, requested_offset=offset))

    def query_labels(
        self,
        *,
        filter: Mapping[str, Any] | None = None,  # noqa: A002 - the contract's word
        sort: Sequence[Sort] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> wire.LabelPage:
        """One page of QueryLabels (POST) with a Wix API Query Language filter."""
        query: dict[str, Any] = {}
        if filter:
            query["filter"] = dict(filter)
        if sort:
            query["sort"] = [{"fieldName": s.field_name, "order": s.order.value} for s in sort]
        paging: dict[str, int] = {"offset": offset}
        if limit is not None:
            paging["limit"] = limit
        query["paging"] = paging
        content = self._request_ex("POST", LABELS_PATH + "/query", json_body={"query": query}, raw=True).data
        return believable(wire.decode_page(content, requested_offset=offset))

    def fetch_all(
        self, *, expected_total: int | None = None, on_progress: Callable[[int, int | None], None] | None = None
    ) -> wire.LabelList:
        """Every label on the site, in the service's stable order (oldest first), as a
        ``wire.LabelList``: its ``unreadable`` says how many more the service sent that couldn't be
        read (they are left out; see wire.decode_page).

        Pages of the largest size, up to ``max_in_flight`` of them at once. Without ``expected_total``
        (how many labels the site had last time) one page comes first, and its total says which
        other pages to ask for; with it, all the pages it implies are asked for at once, which saves
        a round trip on any site of more than one page (a small site still costs one request). Gaps
        are filled afterwards (the site grew, or the service gives smaller pages than asked for), and
        without a total reading goes on until a page comes back short. A label created or deleted
        while the pages were being read can shift the offsets; then the pages disagree about the
        total and the whole read is done once more.

        The service is never trusted to honour offsets (:mod:`labeldesk.api.paging`): after a first
        page shorter than asked for, one more page shows whether it does before any more are asked
        for; no wave holds more than ``max_in_flight`` pages; and the read never takes more pages than
        :func:`~labeldesk.api.paging.page_cap` allows. Raises IncompleteReadError rather than return
        part of the site as the whole: a page that repeats what came before, an empty page before the
        total, too many pages, or a second read that still falls short of the total. Raises
        OversizedResponseError, reading no further, for an answer past a cap: a body over
        ``max_body_bytes`` (as sent or unpacked), a page of more than 2,000 labels (contract section
        2.1), a total above :data:`~labeldesk.api.paging.MAX_SITE_ITEMS`.

        Only the network waits run on a pool of threads (each with its own connection); every page
        is parsed on the calling thread as it arrives, whatever its place. ``close()`` cancels a
        read at once.

        ``on_progress(labels_read, total)`` is called on the calling thread after each page (the total
        as the service gives it, or None).
        """
        reader = WaveReader(self._fetch_page, self._connections.submit, self._stop, self._sizes)
        return reader.read(expected_total, self.max_in_flight, on_progress)

    def _fetch_page(self, offset: int, size: int) -> bytes:
        """The body of the ListLabels page of ``size`` labels at ``offset`` (on whichever thread calls)."""
        params = {"paging.limit": size, "paging.offset": offset} if offset else {"paging.limit": size}
        return self._request_ex("GET", LABELS_PATH, params=params, raw=True).data

    # -- contacts -------------------------------------------------------------------------------------

    def contact_counts(self) -> dict[str, int | None]:
        """How many contacts carry each label (label key -> count), from ListFacets (contract section 6.7).
        A count the service sent that can't be believed (outside 0..2**53, not a number) is None: unknown.

        Asks for the largest page (1,000 facets) and reads on by :mod:`labeldesk.api.paging`'s rule, so
        a server that ignores the offset or leaves out the total costs a request or two, not an endless
        loop. A label missing from a whole answer has no contacts. Raises IncompleteReadError when the
        answer can't be read whole (the caller keeps the counts it had).
        """

        def fetch(offset: int, limit: int) -> tuple[wire.FacetPage, tuple[str, ...], int | None]:
            params = {"paging.limit": limit, "paging.offset": offset} if offset else {"paging.limit": limit}
            page = wire.facet_page_from_json(self._request("GET", FACETS_PATH, params=params))
            if len(page.keys) > FACETS_MAX_LIMIT:
                raise errors.OversizedResponseError()
            return page, page.keys, page.total

        try:
            pages = read_pages(fetch, limit=FACETS_MAX_LIMIT, what="contact counts")
        except errors.ValidationError as exc:
            # The 1,000 is documented for contacts, not for facets: if the service objects, use its default.
            if not any(v.field.startswith("paging") for v in exc.violations):
                raise
            log.info("the service refused facet pages of %d; using %d", FACETS_MAX_LIMIT, FACETS_DEFAULT_LIMIT)
            pages = read_pages(fetch, limit=FACETS_DEFAULT_LIMIT, what="contact counts")
        counts: dict[str, int | None] = {}
        for page in pages:
            counts.update(page.counts)
        return counts

    # -- plumbing -------------------------------------------------------------------------------------

    @staticmethod
    def _label_path(key: str) -> str:
        """The address of the label ``key``; InvalidKeyError, with nothing sent, for a key that can't
        be one (``.`` or ``..`` would climb out of it: ``/labels/..`` is ``/contacts/v4``)."""
        if not valid_key(key):
            raise errors.InvalidKeyError()
        return f"{LABELS_PATH}/{quote(key, safe='')}"


def _valid_name(display_name: str) -> str:
    """The name to send, by the one name rule (domain.py); InvalidNameError when it can't be sent."""
    problem = name_problem(display_name)
    if problem is not None:
        raise errors.InvalidNameError(problem)
    return clean_name(display_name)
