"""The emulator's Contacts API (contract section 6, as section 11 decides it): QueryContacts, bulk
add-remove labels and Get Bulk Job, LabelContact and UnlabelContact.

:class:`ContactCalls` is the half of :class:`~labeldesk.emulator.state.LabelStore` that serves them (it
uses the store's lock, labels and contacts); :func:`route_contacts` is their part of the HTTP front.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from labeldesk.emulator.contact_query import (
    compile_contact_filter,
    contact_paging,
    contact_sort,
    projection,
    sorted_contacts,
)
from labeldesk.emulator.errors import ApiError, violation
from labeldesk.emulator.jobs import FAULT_CODE, Jobs
from labeldesk.emulator.records import Contact, StoredLabel

if TYPE_CHECKING:
    from labeldesk.emulator.state import ServiceVariant

CONTACTS = "/contacts/v4/contacts"
BULK_LABELS = "/contacts/v4/bulk/contacts/add-remove-labels"
BULK_JOBS = "/contacts/v4/bulk/jobs"
#: The most label keys one call takes: each list of a bulk call, LabelContact, UnlabelContact (6.4, 6.6).
MAX_KEYS = 100
#: The longest bulk ``search`` (contract 6.4).
MAX_SEARCH = 100


class ContactCalls:
    """The contacts calls of one site; the store sets these attributes up (see LabelStore.__init__)."""

    _lock: threading.RLock
    _labels: dict[str, StoredLabel]
    _contacts: dict[str, Contact]
    variant: ServiceVariant
    clock: Callable[[], datetime]
    jobs: Jobs
    #: Contacts every bulk job fails on, with the description it gives (a test's fault).
    failing_contacts: dict[str, str]

    # -- for tests and seeds (Python only) ------------------------------------------------------------

    def fail_contacts_in_jobs(self, contact_ids: Iterable[str], description: str = "Couldn't update contact") -> None:
        """From now on every bulk job fails on these contacts (code ``CONTACT_UPDATE_FAILED``), leaving them
        as they were; ``clear_job_faults()`` ends it."""
        with self._lock:
            self.failing_contacts.update(dict.fromkeys(contact_ids, description))

    def clear_job_faults(self) -> None:
        with self._lock:
            self.failing_contacts.clear()

    @property
    def job_seconds(self) -> float:
        """Seconds from a bulk job's creation to its completion (for jobs made from now on)."""
        return self.jobs.seconds

    @job_seconds.setter
    def job_seconds(self, seconds: float) -> None:
        with self._lock:
            self.jobs.seconds = seconds

    def finish_jobs(self) -> None:
        """Complete every unfinished job now, whatever its time."""
        with self._lock:
            self._run_jobs(everything=True)

    def contact_ids(self) -> list[str]:
        """Every contact's id, oldest first."""
        with self._lock:
            self._run_jobs()
            return [c.contact_id for c in sorted_contacts(list(self._contacts.values()), ("createdDate", False))]

    def contacts_with(self, key: str) -> set[str]:
        """The ids of the contacts that carry ``key`` now."""
        with self._lock:
            self._run_jobs()
            return {c.contact_id for c in self._contacts.values() if key in c.label_keys}

    def remove_contact(self, contact_id: str) -> None:
        """The contact is deleted (as someone may do in Wix's dashboard)."""
        with self._lock:
            self._run_jobs()
            del self._contacts[contact_id]

    # -- the API --------------------------------------------------------------------------------------

    def query_contacts(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """QueryContacts (contract 6.3 and section 11)."""
        query = body.get("query", {})
        if not isinstance(query, Mapping):
            raise violation("query", "query must be an object", "INVALID_FORMAT")
        predicate = compile_contact_filter(query["filter"]) if query.get("filter") else None
        sort = contact_sort(query.get("sort"))
        fields = projection(query)
        limit, offset = contact_paging(query.get("paging"))
        with self._lock:
            self._run_jobs()
            matching = [c for c in self._contacts.values() if predicate is None or predicate(c)]
            page = sorted_contacts(matching, sort)[offset : offset + limit]
            meta: dict[str, Any] = {"count": len(page), "offset": offset}
            if self.variant.contacts_too_many_to_count:
                meta["tooManyToCount"] = True
            elif self.variant.report_totals:
                meta.update(total=len(matching), tooManyToCount=False)
            return {"contacts": [contact.to_json(fields) for contact in page], "pagingMetadata": meta}

    def bulk_labels(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """BulkLabelAndUnlabelContacts (contract 6.4): a job, done when it completes (see jobs.py).

        Neither a filter nor a search (an empty filter ``{}`` counts as none: the emulator never labels
        every contact by accident) -> 400 ``NEITHER_FILTER_NOR_SEARCH``.
        """
        add = _keys(body.get("labelKeysToAdd"), "labelKeysToAdd", required=False)
        remove = _keys(body.get("labelKeysToRemove"), "labelKeysToRemove", required=False)
        spec, search = body.get("filter"), body.get("search")
        if not spec and not search:
            raise ApiError(400, "Either a filter or a search is required", code="NEITHER_FILTER_NOR_SEARCH")
        predicate = compile_contact_filter(spec) if spec else None
        if search is not None and (not isinstance(search, str) or len(search) > MAX_SEARCH):
            raise violation("search", f"search must be text of at most {MAX_SEARCH} characters", "MAX_LENGTH")
        words = search.casefold() if isinstance(search, str) and search else None

        def matches(contact: Contact) -> bool:
            if predicate is not None and not predicate(contact):
                return False
            if words is None:
                return True
            return words in {(v or "").casefold() for v in (contact.first_name, contact.last_name, contact.email)}

        with self._lock:
            self._run_jobs()
            job = self.jobs.new(matches, add, remove, self.clock())
            return {"jobId": job.job_id}

    def bulk_job(self, job_id: str) -> dict[str, Any]:
        """Get Bulk Job (contract 6.5): ``{"job": {...}}``; an unknown id -> 404 ``JOB_NOT_FOUND``."""
        with self._lock:
            self._run_jobs()
            job = self.jobs.get(job_id)
            if job is None:
                raise ApiError(404, f"Bulk job {job_id!r} not found", code="JOB_NOT_FOUND", data={"jobId": job_id})
            return {"job": job.to_json(self.jobs.monotonic())}

    def label_contact(self, contact_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """LabelContact (contract 6.6): idempotent; the updated contact in full."""
        if body.get("contactId") not in (None, contact_id):
            raise violation("contactId", "contactId must match the one in the path", "INVALID_FORMAT")
        keys = _keys(body.get("labelKeys"), "labelKeys", required=True)
        return self._relabel(contact_id, keys, add=True)

    def unlabel_contact(self, contact_id: str, query: str) -> dict[str, Any]:
        """UnlabelContact (contract 6.6): the keys as a repeated ``labelKeys`` query parameter."""
        params = parse_qs(query, keep_blank_values=True)
        if params.get("contactId", [contact_id])[-1] != contact_id:
            raise violation("contactId", "contactId must match the one in the path", "INVALID_FORMAT")
        keys = _keys(params.get("labelKeys"), "labelKeys", required=True)
        return self._relabel(contact_id, keys, add=False)

    # -- helpers --------------------------------------------------------------------------------------

    def _relabel(self, contact_id: str, keys: tuple[str, ...], *, add: bool) -> dict[str, Any]:
        with self._lock:
            self._run_jobs()
            contact = self._contacts.get(contact_id)
            if contact is None:
                raise ApiError(
                    404, f"Contact {contact_id!r} not found", code="CONTACT_NOT_FOUND", data={"contactId": contact_id}
                )
            unknown = [key for key in keys if key not in self._labels]
            if unknown:
                raise ApiError(400, f"Label {unknown[0]!r} not found", code="LABEL_NOT_FOUND", data={"key": unknown[0]})
            before = set(contact.label_keys)
            if add:
                contact.label_keys.update(keys)
            else:
                contact.label_keys.difference_update(keys)
            if contact.label_keys != before:
                contact.touched(self.clock())
            return {"contact": contact.to_json()}

    def _run_jobs(self, *, everything: bool = False) -> None:
        """Complete the jobs whose time has come (under the lock)."""
        for job in self.jobs.due(everything=everything):
            job.run(self._contacts, self._labels.__contains__, self.failing_contacts, self.clock())


def _keys(value: object, name: str, *, required: bool) -> tuple[str, ...]:
    if value is None:
        if required:
            raise violation(name, f"{name} is required", "REQUIRED_FIELD")
        return ()
    if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
        raise violation(name, f"{name} must be a list of label keys", "INVALID_FORMAT")
    if required and not value:
        raise violation(name, f"{name} needs at least one key", "MIN_SIZE")
    if len(value) > MAX_KEYS:
        raise violation(name, f"{name} takes at most {MAX_KEYS} keys", "MAX_SIZE")
    return tuple(dict.fromkeys(value))


def route_contacts(store: ContactCalls, method: str, path: str, query: str, body: dict[str, Any]) -> dict | None:
    """The contacts calls' answers over HTTP, or None for a path that isn't one of them (``path``
    without its trailing slash, ``query`` the raw query string)."""
    if path == CONTACTS + "/query" and method == "POST":
        return store.query_contacts(body)
    if path == BULK_LABELS and method == "POST":
        return store.bulk_labels(body)
    if path.startswith(BULK_JOBS + "/") and path.count("/") == 5 and method == "GET":
        return store.bulk_job(unquote(path[len(BULK_JOBS) + 1 :]))
    if path.startswith(CONTACTS + "/") and path.endswith("/labels") and path.count("/") == 5:
        contact_id = unquote(path[len(CONTACTS) + 1 : -len("/labels")])
        if method == "POST":
            return store.label_contact(contact_id, body)
        if method == "DELETE":
            return store.unlabel_contact(contact_id, query)
    return None


__all__ = ["BULK_JOBS", "BULK_LABELS", "CONTACTS", "FAULT_CODE", "ContactCalls", "route_contacts"]
