"""A synchronous client for Wix's contact Labels API (contacts v4), meant to run on worker threads.

No Qt here. Every call returns domain objects or raises a :class:`~labeldesk.api.errors.WixError`.
The API key lives only in the ``Authorization`` header of the underlying ``httpx.Client``; it is never
formatted into a message, a repr or a log line.
"""

from __future__ import annotations

import email.utils
import enum
import json
import logging
import math
import os
import queue
import ssl
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import CancelledError as FutureCancelledError
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar, overload
from urllib.parse import quote

import httpx
import truststore

from labeldesk import __version__
from labeldesk.api import errors, wire
from labeldesk.api.paging import MAX_SITE_ITEMS, PageLedger, page_cap, read_pages
from labeldesk.api.retry import RateBudget, RetryPolicy, retrying
from labeldesk.api.urls import DEFAULT_BASE_URL, is_loopback_url, validate_base_url
from labeldesk.domain import FindOrCreateResult, Label, LabelType, clean_name, name_problem, valid_key

log = logging.getLogger(__name__)

LABELS_PATH = "/contacts/v4/labels"
FACETS_PATH = "/contacts/v4/contacts/facets"
LIST_MAX_LIMIT = 2000
QUERY_MAX_LIMIT = 1000
#: Facets pages (contract section 6.7: the contacts ``Paging`` message, default 50, max 1000).
FACETS_DEFAULT_LIMIT, FACETS_MAX_LIMIT = 50, 1000
#: How many pages "fetch all" asks for at once: all 25 pages of a 50,000-label site in one wave, still
#: far below the 200 requests a minute Wix allows.
DEFAULT_MAX_IN_FLIGHT = 25
#: A page size below this is never remembered for the next "fetch all at once" (one odd short page
#: must not turn a 50,000-label refresh into thousands of requests).
MIN_LEARNT_STEP = 100
#: The most bytes one answer may take, as sent and again once unpacked. A page of 2,000 labels with the
#: longest names is a few megabytes; a broken or hostile server may send gigabytes (a gzip "bomb"
#: unpacks a thousandfold). Past it, reading stops: OversizedResponseError.
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Unpacked bytes made from one piece of a compressed body at a time (so a bomb never unpacks at once).
_UNPACK_STEP = 64 * 1024
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=30.0)
#: The longest wait a Retry-After is taken at its word for: a service asking for more (``1e9``,
#: ``inf``) is asking for "a long time", and the retry time budget then gives up at once.
MAX_RETRY_AFTER_SECONDS = 3600.0
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


#: What a successful answer's body comes back as: the JSON object, or (``raw=True``) its bytes.
_Body = TypeVar("_Body", dict[str, Any], bytes)


@dataclass(frozen=True, slots=True)
class _Outcome(Generic[_Body]):
    data: _Body
    #: True if an earlier try failed in a way that may have reached the service (timeout, dropped reply).
    maybe_applied: bool


class SortOrder(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True, slots=True)
class Sort:
    field_name: str
    order: SortOrder = SortOrder.ASC


class WixLabelsClient:
    """The Labels API of one site, seen through one API key.

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
    ) -> None:
        """``max_body_bytes``: the most one answer may take, as sent and unpacked (see MAX_BODY_BYTES)."""
        if not api_key or not _header_safe(api_key):
            # Checked here so that httpx never has to complain about the value (its message would quote it).
            raise errors.MalformedKeyError()
        if not site_id or not _header_safe(site_id):
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
        self._page_size = self._step = LIST_MAX_LIMIT
        self._budget = rate_budget or RateBudget()
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
            "Accept-Encoding": "gzip, deflate",  # what _read_body unpacks
            "User-Agent": f"LabelDesk/{__version__}",
        }

        # One TLS context for every connection: making one loads the CA certificates, which takes a while. The
        # operating system's trust store (truststore), not certifi's list alone: behind a company's
        # TLS inspection, its root certificate is in the OS store and nowhere else.
        tls = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if transport is None else True
        #: The proxy setting httpx can't use (its name), so that every call raises ProxySettingError; or None.
        #: (A new error each time: one raised again and again would grow its traceback for good.)
        self._unusable_proxy: str | None = None
        # Never through a proxy to this computer, whatever NO_PROXY says: a proxy would see the key in
        # the clear (the emulator speaks plain http), and it can't reach our loopback anyway.
        use_environment = not is_loopback_url(self.base_url)

        def new_http(connections: int) -> httpx.Client:
            # httpx's own transports when none is given, so proxy settings (HTTPS_PROXY...) apply
            # (to addresses beyond this computer only: see use_environment).
            return httpx.Client(
                base_url=self.base_url,
                transport=transport,
                verify=tls,
                limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
                timeout=timeout,
                headers=headers,
                follow_redirects=False,
                trust_env=use_environment,
            )

        #: The setting (its name) of the proxy calls go through, or None: a failure to connect is then
        #: the proxy's, and is named so.
        self._proxy = _proxy_in_force(self.base_url) if use_environment and transport is None else None
        try:
            self._http = new_http(8)
        except (httpx.InvalidURL, ValueError, ImportError) as exc:
            # A proxy setting httpx can't use ('::::', a SOCKS proxy without its package): the
            # client still comes to be, so whoever made it shows this error as a failed call
            # rather than crashing (the demo) or waiting forever (a saved site).
            self._unusable_proxy = _proxy_variable()
            log.warning("can't use the proxy setting %s: %s", self._unusable_proxy, type(exc).__name__)
            use_environment = False  # (never used to send: every call raises ProxySettingError first)
            self._http = new_http(8)
        # fetch_all's page requests run on threads of their own, each with its own connection: 25
        # threads sharing one connection pool spent their time queueing for its lock (and checking
        # every idle connection on each request), churning the interpreter lock the GUI needs.
        self._page_local = threading.local()
        self._page_clients: list[httpx.Client] = []
        self._page_clients_lock = threading.Lock()

        def page_thread_started() -> None:
            with self._page_clients_lock:
                if self._stop.is_set():
                    return  # closed already: requests will be cancelled before they use one
                http = new_http(1)
                self._page_clients.append(http)
            self._page_local.http = http

        self._page_pool = _PagePool(self.max_in_flight, page_thread_started)

    def __repr__(self) -> str:
        return f"WixLabelsClient(base_url={self.base_url!r}, site_id={self.site_id!r})"

    def close(self) -> None:
        self._stop.set()
        self._page_pool.shutdown()
        self._http.close()
        with self._page_clients_lock:
            for http in self._page_clients:
                http.close()

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
        return _believable(wire.decode_page(content, requested_offset=offset))

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
        return _believable(wire.decode_page(content, requested_offset=offset))

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
        is parsed on the calling thread as it arrives, whatever its place, so one thread at a time
        competes with the GUI thread for the interpreter. ``close()`` cancels a read at once.

        ``on_progress(labels_read, total)`` is called on the calling thread after each page (the total
        as the service gives it, or None).
        """
        for attempt in (1, 2):
            try:
                labels, short = self._fetch_all_once(expected_total, on_progress)
            except errors.ValidationError as exc:
                # The contract leaves the maximum page size open (1,000 or 2,000): if the service
                # objects to ours, use the lower one.
                if self._page_size == QUERY_MAX_LIMIT or not any(v.field.startswith("paging") for v in exc.violations):
                    raise
                log.info("the service refused pages of %d; using %d", self._page_size, QUERY_MAX_LIMIT)
                self._page_size = self._step = QUERY_MAX_LIMIT
                labels, short = self._fetch_all_once(None, on_progress)
            if short is None:
                return labels
            if attempt == 2:
                log.warning("the labels read fell short of the total twice: %r", short)
                raise short
            log.info("labels changed while reading them; reading again")
            expected_total = None
        raise AssertionError("unreachable")

    def _fetch_all_once(
        self, expected_total: int | None, on_progress: Callable[[int, int | None], None] | None = None
    ) -> tuple[wire.LabelList, errors.IncompleteReadError | None]:
        """One read of every page: the labels, and an error if they fall short of the total (the site
        may have changed meanwhile: worth reading again). Raises IncompleteReadError for the faults
        that reading again won't mend."""
        size = self._page_size
        step = self._step  # labels per full page, as the service last gave them
        ledger = PageLedger(size, what="labels", max_pages=page_cap(min(size, QUERY_MAX_LIMIT)))
        pages: dict[int, wire.LabelPage] = {}
        wanted = (
            list(range(0, expected_total, step)[: self.max_in_flight])
            if expected_total is not None and expected_total > step
            else [0]
        )
        while wanted:
            wanted = wanted[: self.max_in_flight]
            ledger.reserve(len(wanted))
            if not self._read_pages(wanted, pages, ledger, on_progress):
                # A page brought nothing new where it should have: the service ignores the offset. After
                # a first page shorter than asked for, with no total, that page held them all.
                if ledger.total is None and pages[0].received < size:
                    break
                raise ledger.incomplete()
            step = self._learn_step(pages[0], step)
            total = pages[0].total
            room = ledger.max_pages - ledger.pages
            wanted = _missing_offsets(pages, step, total, room + 1)
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
        if count >= MIN_LEARNT_STEP and (count >= self._page_size or first.total is not None):
            self._step = count  # a full page, or a page short of the total: the service's page size
        # Without a total, a short first page may be the whole site or a capped page: read on by it.
        return count

    def _read_pages(
        self,
        offsets: list[int],
        pages: dict[int, wire.LabelPage],
        ledger: PageLedger,
        on_progress: Callable[[int, int | None], None] | None = None,
    ) -> bool:
        """Read the pages at ``offsets`` into ``pages`` and ``ledger``; False if any of them shows that
        the service doesn't honour offsets (see :meth:`PageLedger.add`)."""
        size = self._page_size

        def fetch(offset: int) -> bytes:
            params = {"paging.limit": size, "paging.offset": offset} if offset else {"paging.limit": size}
            return self._request_ex("GET", LABELS_PATH, params=params, raw=True).data

        def parse(offset: int, body: bytes) -> bool:
            page = pages[offset] = _believable(wire.decode_page(body, requested_offset=offset))
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
                    futures[self._page_pool.submit(fetch, offset)] = offset
                except RuntimeError:  # the pool was shut down: close() was called meanwhile
                    raise errors.CancelledError() from None
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                if self._stop.is_set():
                    raise errors.CancelledError()  # closed: don't wait for answers nobody will read
                for future in done:  # parse whichever page came first
                    honoured = parse(futures[future], future.result()) and honoured
        except FutureCancelledError:
            raise errors.CancelledError() from None  # close() called meanwhile
        finally:
            for future in futures:
                future.cancel()
        return honoured

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

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> dict[str, Any]:
        return self._request_ex(method, path, params=params, json_body=json_body).data

    @overload
    def _request_ex(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        label_path: bool = False,
        raw: Literal[False] = False,
        write: bool = False,
    ) -> _Outcome[dict[str, Any]]: ...

    @overload
    def _request_ex(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        label_path: bool = False,
        raw: Literal[True],
        write: bool = False,
    ) -> _Outcome[bytes]: ...

    def _request_ex(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        label_path: bool = False,
        raw: bool = False,
        write: bool = False,
    ) -> _Outcome[dict[str, Any]] | _Outcome[bytes]:
        """Send, trying again as ``self.retry`` allows (:func:`~labeldesk.api.retry.retrying`: which
        errors, how long to wait, when to stop; ``close()`` ends a wait at once with CancelledError).
        ``label_path``: a 404 means the label is gone, whatever its code. ``raw``: a successful answer's
        body comes back as bytes, for the caller to parse. ``write``: a change the person asked for,
        which takes its slot from the writes' share of the rate budget."""
        if self._unusable_proxy is not None:
            raise errors.ProxySettingError(self._unusable_proxy)
        maybe_applied = False  # an earlier try may have reached the service before its answer was lost

        def attempt() -> _Outcome[dict[str, Any]] | _Outcome[bytes]:
            nonlocal maybe_applied
            if self._stop.is_set() or not self._budget.acquire(self._stop, write=write):
                raise errors.CancelledError()
            try:
                content, request_id = self._send_once(method, path, params, json_body)
                if raw:
                    return _Outcome(content, maybe_applied)
                # (read here, in the try: a 200 whose body isn't a JSON object is retried as unreadable)
                return _Outcome(wire.json_object(content, request_id), maybe_applied)
            except errors.WixError as exc:
                if self._stop.is_set():
                    raise errors.CancelledError() from None  # close() cut the connection: not Wix's doing
                error = exc
            if label_path and type(error) is errors.NotFoundError:
                # Wix's documents don't name the code of a missing label; any 404 on its path means gone.
                error = errors.LabelNotFoundError(
                    status=404, code=error.code, request_id=error.request_id, server_message=error.server_message
                )
            if isinstance(error, errors.LabelNotFoundError) and maybe_applied:
                error.after_retry = True
            maybe_applied = maybe_applied or isinstance(error, errors.TimeoutError | errors.ConnectionDroppedError)
            raise error

        def before_wait(error: errors.WixError, attempt: int, delay: float) -> None:
            log.debug("%s %s attempt %d failed (%r); retrying in %.2fs", method, path, attempt, error, delay)
            self._on_retry_wait(error, attempt, delay)

        def on_give_up(error: errors.WixError, attempt: int, delay: float) -> None:
            if attempt < self.retry.max_attempts:
                log.info("%s %s: giving up, a retry in %.1fs would exceed the time budget", method, path, delay)

        controller = retrying(self.retry, cancel=self._stop, before_wait=before_wait, on_give_up=on_give_up)
        try:
            return controller(attempt)
        except errors.CancelledError:
            raise
        except errors.WixError as error:
            tries = controller.statistics["attempt_number"]
            log.info("%s %s failed after %d attempt(s): %r", method, path, tries, error)
            raise

    def _on_retry_wait(self, error: errors.WixError, attempt: int, delay: float) -> None:
        """Before each wait between tries (on the calling thread): ``attempt`` is the try that just
        failed, ``delay`` the wait in seconds. Tells ``on_retry``, if set, so a UI can say "trouble,
        trying again" without waiting for the last try."""
        if self.on_retry is not None:
            self.on_retry(error, attempt, delay)

    def _timeout_for(self, method: str) -> httpx.Timeout:
        if method != "GET" or self.read_timeout == self._timeout.read:
            return self._timeout
        return httpx.Timeout(
            self._timeout.connect, read=self.read_timeout, write=self._timeout.write, pool=self._timeout.pool
        )

    def _send_once(
        self, method: str, path: str, params: Mapping[str, Any] | None, json_body: Any
    ) -> tuple[bytes, str | None]:
        """One try: a 200 answer's body and its request ID; any other answer, or none, raises its WixError."""
        sent = time.monotonic()
        failure: errors.WixError | None = None
        reason: Exception  # what went wrong underneath, for the log only
        try:
            http = getattr(self._page_local, "http", None) or self._http
            timeout = self._timeout_for(method)
            with http.stream(method, path, params=params, json=json_body, timeout=timeout) as response:
                content = _read_body(response, self.max_body_bytes)
        except httpx.ConnectTimeout as exc:  # no answer to "hello" at all: as good as unreachable
            failure, reason = errors.OfflineError(), exc
        except httpx.TimeoutException as exc:  # reached, but the answer is slow to come
            failure, reason = errors.TimeoutError(), exc
        except httpx.ConnectError as exc:
            if _caused_by(exc, ssl.SSLCertVerificationError):
                failure, reason = errors.CertificateError(), exc
            elif self._proxy is not None:  # the connection that failed was the one to the proxy
                failure, reason = errors.ProxyUnreachableError(self._proxy), exc
            else:
                failure, reason = errors.OfflineError(), exc
        except httpx.ProxyError as exc:  # the proxy answered, but wouldn't pass the connection on
            failure, reason = errors.ProxyUnreachableError(self._proxy or "proxy"), exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            failure, reason = errors.ConnectionDroppedError(), exc
        except httpx.TransportError as exc:
            failure, reason = errors.OfflineError(), exc
        except httpx.DecodingError as exc:  # a compressed body that doesn't decompress
            failure, reason = errors.MalformedResponseError(), exc
        except RuntimeError as exc:
            if not self._stop.is_set():
                raise
            failure, reason = errors.CancelledError(), exc  # closed between our check and the send
        except Exception as exc:
            # A SOCKS proxy that breaks off its handshake: httpx lets socksio's own error through.
            # (Checked by module, so that socksio is imported only by httpx, and only when used.)
            if not type(exc).__module__.startswith("socksio"):
                raise
            failure, reason = errors.ProxyUnreachableError(self._proxy or "ALL_PROXY"), exc
        if failure is not None:
            # Raised outside the except block, so no __context__ leads back to the request and its headers.
            log.debug("%s %s: %s", method, path, type(reason).__name__)
            del reason
            raise failure
        request_id = response.headers.get("x-wix-request-id")
        log.debug(
            "%s %s -> %d in %.0f ms (request id %s)",
            method,
            path,
            response.status_code,
            (time.monotonic() - sent) * 1000,
            request_id,
        )
        if response.status_code == 200:
            return content, request_id
        try:
            body = json.loads(content) if content else {}
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):  # (nested past any real answer)
            body = None
        raise wire.error_from_response(
            response.status_code,
            body,
            request_id=request_id,
            retry_after=_retry_after_seconds(response.headers.get("retry-after")),
        )


class _PagePool:
    """Threads for page requests, made as needed (up to ``size``) and kept.

    Like ThreadPoolExecutor, but its threads are daemons: Python waits for an executor's threads
    at exit, so one request stuck on a slow network would keep any program that used the client
    alive until its read timeout.
    """

    def __init__(self, size: int, initializer: Callable[[], None]) -> None:
        self._size = size
        self._initializer = initializer
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[[int], bytes], offset: int) -> Future[bytes]:
        future: Future[bytes] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the page pool is shut down")
            self._work.put((future, fn, offset))
            if len(self._threads) < self._size:
                thread = threading.Thread(target=self._serve, name=f"labeldesk-page_{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _serve(self) -> None:
        self._initializer()
        while (item := self._work.get()) is not None:
            future, fn, offset = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(offset))
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)

    def shutdown(self) -> None:
        """Cancel what hasn't started and let the threads end (without waiting for them)."""
        with self._lock:
            self._closed = True
            while True:
                try:
                    item = self._work.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
            for _ in self._threads:
                self._work.put(None)


def _read_body(response: httpx.Response, most: int) -> bytes:
    """The body of ``response``, unpacked (gzip, deflate or neither), reading at most ``most`` bytes off
    the wire and unpacking at most ``most``: past either, OversizedResponseError, and the rest is never
    read (leaving the ``with`` closes the connection). MalformedResponseError if it doesn't unpack."""
    length = response.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > most:
        raise errors.OversizedResponseError()
    if response.is_stream_consumed:  # read and unpacked already: an answer made in memory (a test transport)
        if len(response.content) > most:
            raise errors.OversizedResponseError()
        return response.content
    # Listed in the order applied: unpack in the reverse order. Unknown ones are left as they are (as
    # httpx does); the JSON then can't be read.
    names = [name.strip() for name in response.headers.get("content-encoding", "").lower().split(",")]
    layers = [_Inflater(gzip=name != "deflate") for name in reversed(names) if name in ("gzip", "x-gzip", "deflate")]
    body = bytearray()
    received = 0
    try:
        # Read in steps that give way to the GUI thread: 25 page threads receiving 500 KB each run
        # a little Python per chunk, and together they can hold up a paint.
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > most:
                raise errors.OversizedResponseError()
            for piece in _unpacked(layers, chunk):
                if len(body) + len(piece) > most:
                    raise errors.OversizedResponseError()
                body += piece
    except zlib.error:
        raise errors.MalformedResponseError() from None  # a compressed body that doesn't unpack
    return bytes(body)


class _Inflater:
    """One layer of gzip or deflate, unpacked a bounded step at a time (zlib's ``max_length``)."""

    def __init__(self, *, gzip: bool) -> None:
        self._gzip = gzip
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        """What ``data`` unpacks to, in pieces of at most _UNPACK_STEP bytes; zlib.error if it can't be."""
        while True:
            try:
                piece = self._zlib.decompress(data, _UNPACK_STEP)
            except zlib.error:
                if self._gzip or self._started:
                    raise
                # "deflate" sent without its zlib header, as some servers do.
                self._zlib, self._started = zlib.decompressobj(-zlib.MAX_WBITS), True
                continue
            self._started = True
            if piece:
                yield piece
            data = self._zlib.unconsumed_tail
            if not data and len(piece) < _UNPACK_STEP:
                return


def _unpacked(layers: Sequence[_Inflater], data: bytes) -> Iterator[bytes]:
    """``data`` through each layer in turn, in bounded pieces."""
    if not layers:
        if data:
            yield data
        return
    for piece in layers[0].feed(data):
        yield from _unpacked(layers[1:], piece)


def _believable(page: wire.LabelPage) -> wire.LabelPage:
    """``page``, or OversizedResponseError if it holds more labels than Wix ever sends at once
    (contract section 2.1) or claims more labels than any site has (paging.MAX_SITE_ITEMS)."""
    if page.received > LIST_MAX_LIMIT or (page.total is not None and page.total > MAX_SITE_ITEMS):
        raise errors.OversizedResponseError()
    return page


def _missing_offsets(pages: Mapping[int, wire.LabelPage], step: int, total: int | None, most: int) -> list[int]:
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


def _valid_name(display_name: str) -> str:
    """The name to send, by the one name rule (domain.py); InvalidNameError when it can't be sent."""
    problem = name_problem(display_name)
    if problem is not None:
        raise errors.InvalidNameError(problem)
    return clean_name(display_name)


def _header_safe(value: str) -> bool:
    """Printable ASCII without spaces: what API keys and site IDs are made of."""
    return all(33 <= ord(char) < 127 for char in value)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``exc`` or anything in its chain of causes is a ``kind``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


#: The variables httpx (through urllib) takes proxies from, by the scheme each one is for.
_PROXY_SCHEMES = ("https", "http", "all")


def _proxy_settings() -> dict[str, str]:
    """The proxy variable in force for each scheme ("https", "http", "all", "no"), by name, as
    urllib.request.getproxies_environment decides (httpx asks it): any case first, then a lower-case
    name wins."""
    in_force: dict[str, str] = {}
    for name, value in os.environ.items():
        if value and name.lower().endswith("_proxy"):
            in_force[name.lower()[:-6]] = name
    for name, value in os.environ.items():
        if value and name.endswith("_proxy"):
            in_force[name[:-6].lower()] = name
    return in_force


def _proxy_in_force(base_url: str) -> str | None:
    """The name of the proxy setting calls to ``base_url`` go through, or None (none set, or NO_PROXY
    lets this address skip it)."""
    in_force = _proxy_settings()
    url = httpx.URL(base_url)
    name = in_force.get(url.scheme) or in_force.get("all")
    if name is None:
        return None
    try:
        # typeshed's urllib/request.pyi leaves out proxy_bypass_environment (CPython has it on every
        # platform, undocumented): the stub is incomplete, the call is fine.
        if urllib.request.proxy_bypass_environment(url.host):  # type: ignore[attr-defined]
            return None
    except (ValueError, TypeError):  # a NO_PROXY that can't be read: httpx says so as the client is made
        return name
    return name


def _proxy_variable() -> str:
    """The name (never the value: it may hold a password) of the proxy setting that can't be used."""
    in_force = _proxy_settings()
    for scheme in _PROXY_SCHEMES:
        name = in_force.get(scheme)
        if name is None:
            continue
        value = os.environ[name]
        try:
            proxy = httpx.Proxy(value if "://" in value else f"http://{value}")
            if proxy.url.scheme.startswith("socks"):
                import socksio  # noqa: F401 - what httpx's SOCKS support needs
        except (httpx.InvalidURL, ValueError, ImportError):
            return name
    if "no" in in_force:  # the proxies themselves are fine: it is the list of addresses that skip them
        return in_force["no"]
    return "your system's proxy settings"


def _retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds (RFC 9110 section 10.2.3; the contract,
    sections 8 and 11, says only "429 with Retry-After seconds").

    Either form: a number of seconds, or an HTTP date (a date already past means 0). Absurd values
    (``inf``, ``1e9``) come back as MAX_RETRY_AFTER_SECONDS. None when there is no header or it
    can't be read (``nan``, words): then the back-off decides.
    """
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # ("-0000": a date in UTC with no zone said)
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)
