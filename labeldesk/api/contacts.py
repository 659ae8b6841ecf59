"""The contacts calls of the adapter (contract section 6): who carries a label, bulk jobs that label and
unlabel many contacts at once, and labelling one contact.

:class:`ContactCalls` is the half of :class:`~labeldesk.api.client.WixLabelsClient` that makes them;
every request goes through :class:`~labeldesk.api.calls.RetryingCalls`, so retries, job polls and pages
all take their slot from the client's one rate budget (200 requests a minute, contract 6.9 and 8).
No Qt here.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeGuard
from urllib.parse import quote

from labeldesk.api import errors
from labeldesk.api.calls import RetryingCalls
from labeldesk.api.contact_errors import ContactNotFoundError, JobNotFoundError, JobStoppedError, JobTimeoutError
from labeldesk.api.paging import read_pages
from labeldesk.api.retry import EitherStop
from labeldesk.contacts import JOB_COMPLETED, BulkJob, Contact, ContactPage, JobError
from labeldesk.domain import valid_key

log = logging.getLogger(__name__)

CONTACTS_PATH = "/contacts/v4/contacts"
QUERY_CONTACTS_PATH = CONTACTS_PATH + "/query"
BULK_LABELS_PATH = "/contacts/v4/bulk/contacts/add-remove-labels"
BULK_JOBS_PATH = "/contacts/v4/bulk/jobs"
#: QueryContacts' largest page (contract 6.3).
CONTACTS_MAX_LIMIT = 1000
#: Values in one ``$in`` or ``$hasSome`` list, and keys in one list of a bulk call (contract 6.4, section 11).
DEFAULT_ID_BATCH = 100
MAX_KEYS = 100
#: Waits between polls of a bulk job: the first, doubled after each poll up to the last (contract 6.5).
JOB_FIRST_WAIT, JOB_MAX_WAIT = 0.5, 5.0
#: How long wait_for_job waits for a job to complete, in seconds, unless told otherwise.
DEFAULT_JOB_BUDGET_S = 600.0
#: The explicit order every contacts page is read in (contract 6.3: the default order is reported three ways).
_SORT = [{"fieldName": "createdDate", "order": "ASC"}]
#: What a contact or bulk job id may be (Wix's are GUIDs, contract 6.2 and 6.5): letters, digits, ``-``
#: and ``_``, up to 100. Nothing that could change the address it goes into (``/``, ``..``, ``%``, ``?``).
_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


def valid_id(value: object) -> TypeGuard[str]:
    """Whether ``value`` can be a contact's or a bulk job's id: one a server sent that isn't is left
    out (a contact) or refused (a job id), and one a caller gives is never put in an address."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


class ContactCalls(RetryingCalls):
    """Contacts calls; the client sets ``id_batch`` (and may change the job waits) in its constructor."""

    #: Contact ids per bulk job (``id $in``), at most DEFAULT_ID_BATCH unless Wix allows more.
    id_batch: int = DEFAULT_ID_BATCH
    #: Seconds before the first poll of a bulk job, and the longest wait between two polls.
    job_first_wait: float = JOB_FIRST_WAIT
    job_max_wait: float = JOB_MAX_WAIT

    # -- reading --------------------------------------------------------------------------------------

    def contacts_page(self, key: str, *, offset: int = 0, limit: int = CONTACTS_MAX_LIMIT) -> ContactPage:
        """One page of the contacts carrying label ``key`` (QueryContacts, ``info.labelKeys $hasSome``),
        oldest first (``createdDate`` ascending, sent explicitly), with their name and primary email
        (``fieldsets: ["BASIC"]``). ``limit``: 1 to 1,000; ``offset``: 0 or more (ValueError, nothing
        sent, otherwise). Raises InvalidKeyError (nothing sent) for a key that can't be one,
        OversizedResponseError for a page of more than 1,000, IncompleteReadError for a page that
        doesn't start where asked, and the adapter's WixErrors."""
        return self._contacts_query({"info.labelKeys": {"$hasSome": [_key(key)]}}, offset, limit, with_keys=False)

    def contacts_with_label(self, key: str, *, on_page: Callable[[ContactPage], None] | None = None) -> list[Contact]:
        """Every contact carrying label ``key``, oldest first, each once: pages of 1,000 read to the end by
        :mod:`labeldesk.api.paging`'s rule (a page at a time; without a total, as when Wix says
        ``tooManyToCount``, reading goes on while pages come back full). ``on_page(page)`` is called on
        the calling thread after each page. Raises IncompleteReadError rather than return part of the
        list, and what :meth:`contacts_page` raises."""
        return self._all_pages({"info.labelKeys": {"$hasSome": [_key(key)]}}, with_keys=False, on_page=on_page)

    def contacts_with_any_label(self, keys: Iterable[str]) -> list[Contact]:
        """Every contact carrying at least one of ``keys``, each once, with its ``label_keys`` (all of its
        labels, not only these): for a merge's dry run. The keys go 100 to a query (contract section 11);
        raises as :meth:`contacts_with_label`."""
        wanted = _unique_keys(keys, "keys")
        found: dict[str, Contact] = {}
        for batch in _batches(wanted, MAX_KEYS):
            for contact in self._all_pages({"info.labelKeys": {"$hasSome": batch}}, with_keys=True):
                found.setdefault(contact.id, contact)
        return list(found.values())

    # -- bulk jobs ------------------------------------------------------------------------------------

    def add_labels(self, contact_ids: Iterable[str], keys: Iterable[str]) -> list[str]:
        """Start bulk jobs that put ``keys`` on the contacts ``contact_ids`` (``id $in``, ``id_batch``
        ids a job, 100 keys a job); the jobs' ids, in order (none when there is nothing to do). Contacts
        that don't exist are simply not found by the filter. A job's per-contact failures show only in
        its status (:meth:`wait_for_job`)."""
        return self._jobs_by_ids(contact_ids, keys, add=True)

    def remove_labels(self, contact_ids: Iterable[str], keys: Iterable[str]) -> list[str]:
        """As :meth:`add_labels`, taking ``keys`` off the contacts."""
        return self._jobs_by_ids(contact_ids, keys, add=False)

    def label_holders_job(self, having_key: str, *, add: Sequence[str] = (), remove: Sequence[str] = ()) -> str:
        """One bulk job over every contact carrying ``having_key`` (``info.labelKeys $hasSome``) that adds
        ``add`` and removes ``remove`` (at most 100 keys each; ValueError otherwise, or with neither): a
        merge moves all of a label's contacts in one job. The job's id."""
        add = _unique_keys(add, "add")
        remove = _unique_keys(remove, "remove")
        if not add and not remove:
            raise ValueError("a bulk job needs keys to add or to remove")
        if len(add) > MAX_KEYS or len(remove) > MAX_KEYS:
            raise ValueError(f"a bulk job takes at most {MAX_KEYS} keys to add and {MAX_KEYS} to remove")
        return self._start_job({"info.labelKeys": {"$hasSome": [_key(having_key)]}}, add, remove)

    def bulk_job(self, job_id: str) -> BulkJob:
        """The state of bulk job ``job_id`` (Get Bulk Job, contract 6.5), read with or without the ``job``
        envelope; a status LabelDesk doesn't know means "still running" (BulkJob.done is false). Raises
        JobNotFoundError on a 404 (or, with nothing sent, for an id that can't be one)."""
        return self._bulk_job(job_id, None)

    def _bulk_job(self, job_id: str, cancel: threading.Event | None) -> BulkJob:
        """:meth:`bulk_job`, its waits (for the budget, between tries) ended by ``cancel`` too."""
        if not valid_id(job_id):
            raise JobNotFoundError()
        try:
            # A poll finishes a change the person asked for: it takes its slot from the writes' share of the
            # rate budget, so a refresh's pages never hold it back.
            path = f"{BULK_JOBS_PATH}/{quote(job_id, safe='')}"
            body = self._request_ex("GET", path, write=True, cancel=cancel).data
        except errors.NotFoundError as exc:
            raise JobNotFoundError(**_answer(exc)) from None
        return job_from_json(body, job_id)

    def wait_for_job(
        self,
        job_id: str,
        *,
        stop: threading.Event | None = None,
        on_status: Callable[[BulkJob], None] | None = None,
        budget_s: float = DEFAULT_JOB_BUDGET_S,
    ) -> BulkJob:
        """Poll bulk job ``job_id`` until it is COMPLETED, and return it (its ``failed_total`` and
        ``errors`` tell which contacts it couldn't label). Waits ``job_first_wait`` seconds before the
        first poll, then twice as long after each, up to ``job_max_wait`` (contract 6.5). A poll that
        fails in a way worth trying again (429, 5xx, a dropped connection: after the client's own retries)
        doesn't end the wait; the next poll waits at least the Retry-After Wix asked for. ``stop`` also
        ends a poll's wait for the rate budget or between its tries (a request on its way is not cut).

        ``on_status(job)`` is called (on the calling thread) after each poll that was answered. Raises
        JobStoppedError when ``stop`` is set (the job goes on in Wix), CancelledError when the client is
        closed, JobTimeoutError after ``budget_s`` seconds, JobNotFoundError, and any WixError not worth
        trying again (a revoked key, say)."""
        deadline = time.monotonic() + budget_s
        backoff = wait = self.job_first_wait
        last: str | None = None
        while True:
            self._pause(min(wait, max(0.0, deadline - time.monotonic())), stop, job_id)
            asked_wait = 0.0
            try:
                job = self._bulk_job(job_id, stop)
            except errors.CancelledError:
                if stop is not None and stop.is_set() and not self._stop.is_set():
                    raise JobStoppedError(job_id) from None  # (told while the poll waited for its turn)
                raise
            except errors.WixError as exc:
                if not exc.retryable:
                    raise
                log.info("bulk job poll failed (%r); polling on", exc)
                job, asked_wait = None, exc.retry_after or 0.0
            if job is not None:
                last = job.status
                if on_status is not None:
                    on_status(job)
                if job.done:
                    return job
            if time.monotonic() >= deadline:
                raise JobTimeoutError(job_id, last)
            backoff = min(backoff * 2, self.job_max_wait)
            wait = max(backoff, asked_wait)

    # -- one contact ----------------------------------------------------------------------------------

    def label_contact(self, contact_id: str, keys: Iterable[str]) -> Contact:
        """Put ``keys`` (1 to 100) on one contact (LabelContact, contract 6.6; idempotent); the contact as
        it is now. Raises ContactNotFoundError, LabelNotFoundError for a key Wix doesn't know, and
        ValueError (nothing sent) for no keys or more than 100."""
        key_list = _one_call_keys(keys)
        body = {"contactId": contact_id, "labelKeys": key_list}
        return self._relabel("POST", contact_id, json_body=body)

    def unlabel_contact(self, contact_id: str, keys: Iterable[str]) -> Contact:
        """Take ``keys`` (1 to 100) off one contact (UnlabelContact: the keys as a repeated query
        parameter); raises as :meth:`label_contact`."""
        key_list = _one_call_keys(keys)
        return self._relabel("DELETE", contact_id, params={"contactId": contact_id, "labelKeys": key_list})

    # -- plumbing -------------------------------------------------------------------------------------

    def _contacts_query(self, spec: Mapping[str, Any], offset: int, limit: int, *, with_keys: bool) -> ContactPage:
        if not 1 <= limit <= CONTACTS_MAX_LIMIT:
            raise ValueError(f"a contacts page holds 1 to {CONTACTS_MAX_LIMIT} contacts")
        if offset < 0:
            raise ValueError("a contacts page starts at offset 0 or later")
        query: dict[str, Any] = {
            "filter": dict(spec),
            "sort": _SORT,
            "paging": {"limit": limit, "offset": offset},
            "fieldsets": ["BASIC"],
        }
        if with_keys:
            query["fields"] = ["info.labelKeys"]
        body = self._request_ex("POST", QUERY_CONTACTS_PATH, json_body={"query": query}).data
        return contact_page_from_json(body, offset, limit)

    def _all_pages(
        self,
        spec: Mapping[str, Any],
        *,
        with_keys: bool,
        on_page: Callable[[ContactPage], None] | None = None,
    ) -> list[Contact]:
        def fetch(offset: int, limit: int) -> tuple[ContactPage, list[str], int | None]:
            page = self._contacts_query(spec, offset, limit, with_keys=with_keys)
            if on_page is not None:
                on_page(page)
            keys = [contact.id for contact in page.contacts]
            keys += [f"\0unreadable {offset + place}" for place in range(page.unreadable)]
            return page, keys, None if page.too_many_to_count else page.total

        found: dict[str, Contact] = {}
        for page in read_pages(fetch, limit=CONTACTS_MAX_LIMIT, what="contacts"):
            for contact in page.contacts:
                found.setdefault(contact.id, contact)
        return list(found.values())

    def _jobs_by_ids(self, contact_ids: Iterable[str], keys: Iterable[str], *, add: bool) -> list[str]:
        """Bulk jobs that put ``keys`` on (``add``) or take them off the contacts ``contact_ids``."""
        given = list(dict.fromkeys(_many(contact_ids, "contact_ids")))
        ids = [contact_id for contact_id in given if valid_id(contact_id)]
        if len(ids) < len(given):
            # (no contact has such an id, so no job would find it: as for a contact that was deleted)
            log.warning("left out %d contact ids that can't be ids", len(given) - len(ids))
        key_list = _unique_keys(keys, "keys")
        if not ids or not key_list:
            return []
        jobs = []
        for batch in _batches(ids, max(1, self.id_batch)):
            for some in _batches(key_list, MAX_KEYS):
                jobs.append(self._start_job({"id": {"$in": batch}}, some if add else [], [] if add else some))
        return jobs

    def _start_job(self, spec: Mapping[str, Any], add: list[str], remove: list[str]) -> str:
        body: dict[str, Any] = {"filter": dict(spec)}
        if add:
            body["labelKeysToAdd"] = add
        if remove:
            body["labelKeysToRemove"] = remove
        answer = self._request_ex("POST", BULK_LABELS_PATH, json_body=body, write=True).data
        job_id = answer.get("jobId")
        if not valid_id(job_id):
            # (a job id goes into Get Bulk Job's address and into the operation journal)
            raise errors.MalformedResponseError(server_message="bulk call answered without a usable jobId")
        return job_id

    def _relabel(
        self, method: str, contact_id: str, *, json_body: Any = None, params: Mapping[str, Any] | None = None
    ) -> Contact:
        if not valid_id(contact_id):
            raise ContactNotFoundError()
        path = f"{CONTACTS_PATH}/{quote(contact_id, safe='')}/labels"
        try:
            body = self._request_ex(method, path, json_body=json_body, params=params, write=True).data
        except errors.NotFoundError as exc:
            if type(exc) is errors.NotFoundError or exc.code == "CONTACT_NOT_FOUND":
                raise ContactNotFoundError(**_answer(exc)) from None
            raise
        except errors.ValidationError as exc:
            if exc.code == "LABEL_NOT_FOUND":  # section 11: an unknown key is a 400 with this code
                raise errors.LabelNotFoundError(**_answer(exc)) from None
            raise
        contact = contact_from_json(body.get("contact"))
        if contact is None:
            raise errors.MalformedResponseError(server_message="contact without an id")
        return contact

    def _pause(self, seconds: float, stop: threading.Event | None, job_id: str) -> None:
        """Wait ``seconds``, ending early with JobStoppedError when ``stop`` is set, CancelledError when
        the client closes."""
        # (the caller's stop first: EitherStop waits on it, so a stop is seen at once, before the close that follows it)
        (self._stop if stop is None else EitherStop(stop, self._stop)).wait(seconds)
        if self._stop.is_set():
            raise errors.CancelledError()
        if stop is not None and stop.is_set():
            raise JobStoppedError(job_id)


# -- the wire -------------------------------------------------------------------------------------------------


def _key(key: str) -> str:
    if not valid_key(key):
        raise errors.InvalidKeyError()
    return key


def _one_call_keys(keys: Iterable[str]) -> list[str]:
    key_list = _unique_keys(keys, "keys")
    if not 1 <= len(key_list) <= MAX_KEYS:
        raise ValueError(f"one contact's labels change 1 to {MAX_KEYS} keys at a time")
    return key_list


def _unique_keys(keys: Iterable[str], what: str) -> list[str]:
    """``keys`` once each, in order; InvalidKeyError for one that can't be a key, TypeError for one string."""
    return list(dict.fromkeys(_key(key) for key in _many(keys, what)))


def _many(values: Iterable[str], what: str) -> Iterable[str]:
    """``values``, unless it is one string: TypeError then (a string is an iterable of strings, so
    ``add_labels(ids, "custom.vip")`` would otherwise send the key's letters as keys, and a contact id
    given alone its characters as ids)."""
    if isinstance(values, str | bytes):
        raise TypeError(f"{what} must be a list of strings, not one string")
    return values


def _batches(items: list[str], size: int) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _answer(exc: errors.WixError) -> dict[str, Any]:
    return {"status": exc.status, "code": exc.code, "request_id": exc.request_id, "server_message": exc.server_message}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _count(value: object) -> int | None:
    """A count as Wix sends it (int64 may come as a string); None for anything else or a negative."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            return None
    return value if isinstance(value, int) and value >= 0 else None


def contact_from_json(obj: object) -> Contact | None:
    """One contact (contract 6.2), or None if it has no id that can be one (:func:`valid_id`). Every
    other field may be missing or of the wrong kind: it is then None. ``label_keys`` is filled only
    when ``info.labelKeys`` came."""
    if not isinstance(obj, Mapping):
        return None
    contact_id = obj.get("id")
    if not valid_id(contact_id):
        return None  # (its id goes into addresses and filters later: one that can't be an id is unreadable)
    info = obj.get("info")
    info = info if isinstance(info, Mapping) else {}
    name = info.get("name")
    name = name if isinstance(name, Mapping) else {}
    primary = obj.get("primaryInfo")
    email = _text(primary.get("email")) if isinstance(primary, Mapping) else None
    label_keys: tuple[str, ...] | None = None
    keys = info.get("labelKeys")
    if isinstance(keys, Mapping):
        items = keys.get("items")
        label_keys = tuple(k for k in items if isinstance(k, str)) if isinstance(items, list) else ()
    return Contact(contact_id, _text(name.get("first")), _text(name.get("last")), email, label_keys)


def contact_page_from_json(body: Mapping[str, Any], offset: int, limit: int) -> ContactPage:
    """A QueryContacts answer (contract 6.3) for the page asked for at ``offset`` of ``limit``; raises
    MalformedResponseError when it has no list of contacts, OversizedResponseError for more than 1,000,
    IncompleteReadError when its ``pagingMetadata.offset`` isn't the one asked for."""
    items = body.get("contacts", [])
    if not isinstance(items, list):
        raise errors.MalformedResponseError(server_message="contacts is not a list")
    if len(items) > CONTACTS_MAX_LIMIT:
        raise errors.OversizedResponseError()
    contacts = [contact_from_json(item) for item in items]
    readable = tuple(contact for contact in contacts if contact is not None)
    if len(readable) < len(items):
        log.warning("left out %d contacts Wix sent without a usable id", len(items) - len(readable))
    meta = body.get("pagingMetadata")
    if not isinstance(meta, Mapping):
        meta = body.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    too_many = meta.get("tooManyToCount") is True
    total = None if too_many else _count(meta.get("total"))
    echoed = _count(meta.get("offset"))
    if echoed is not None and echoed != offset:
        # 6.3: ``offset`` echoes the request. Another one is a server that didn't page as asked: its next
        # pages would repeat this one, and a page-at-a-time reader (the contacts panel) would go on for ever.
        raise errors.IncompleteReadError("contacts", offset, total)
    received = len(items)
    more = offset + received < total if total is not None else received >= limit
    return ContactPage(readable, offset, total, too_many, received - len(readable), more and received > 0)


def job_from_json(body: Mapping[str, Any], job_id: str) -> BulkJob:
    """A Get Bulk Job answer for job ``job_id``, with or without the ``job`` envelope (contract 6.5).

    A COMPLETED job's ``failed_total`` is never less than what the answer shows failed elsewhere: its
    ``errors``, or ``totalItems`` less ``successTotal`` (Wix may leave out a count, as JSON leaves out
    zeros, and the contract leaves the shapes open): a caller that deletes only after ``failed_total
    == 0`` must never miss a failure the answer shows. An ``errors`` item's contact id that can't be
    one is None."""
    job = body.get("job")
    job = job if isinstance(job, Mapping) else body
    found: list[JobError] = []
    items = job.get("errors")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        data = item.get("data")
        contact_id = data.get("contactId") if isinstance(data, Mapping) else None
        found.append(JobError(_text(item.get("code")), _text(item.get("description")), _valid_or_none(contact_id)))
    status = _text(job.get("status")) or "UNKNOWN_STATUS"
    total, success = _count(job.get("totalItems")), _count(job.get("successTotal"))
    failed = _count(job.get("failedTotal"))
    if status == JOB_COMPLETED:
        shown = max(len(found), total - success if total is not None and success is not None else 0)
        if shown > (failed or 0):
            failed = shown
    # (the id asked about, not the answer's: it is what the caller journals and polls again)
    return BulkJob(job_id, status, total, success, failed, tuple(found))


def _valid_or_none(value: object) -> str | None:
    return value if valid_id(value) else None
