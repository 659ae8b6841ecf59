"""The emulated site: labels, contacts and the rules of the Labels API, with no HTTP in it.

Follows ../shared/wix-labels-api.md, including section 11 where Wix's documents are silent. Every
method takes and returns JSON-shaped values (what goes over the wire) so that the HTTP front is a thin
router. Errors are raised as :class:`ApiError`, which knows its status and Wix-format body.
Thread-safe: one lock around the state, because the HTTP front serves requests on many threads.

Here: :class:`LabelStore` (the calls) and :class:`ServiceVariant`. Beside it: ``records.py`` (what is
stored), ``query.py`` (filters, sorting, paging parameters), ``facets.py`` (contact counts per label) and
``errors.py`` (ApiError); the names they define that other code uses are re-exported here.
"""

from __future__ import annotations

import functools
import json
import random
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from labeldesk.emulator.contacts import ContactCalls
from labeldesk.emulator.errors import ApiError, violation
from labeldesk.emulator.facets import label_facets
from labeldesk.emulator.jobs import Jobs
from labeldesk.emulator.query import compile_filter, parse_paging, sort_item, sort_spec, sort_value
from labeldesk.emulator.records import LABEL_TYPES, Contact, StoredLabel, format_date

__all__ = [
    "DEFAULT_QUOTA",
    "LABEL_TYPES",
    "ApiError",
    "Contact",
    "LabelStore",
    "ServiceVariant",
    "StoredLabel",
    "compile_filter",
    "format_date",
]

NAME_MAX = 180
KEY_MAX = 80
LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT = 1000, 2000
QUERY_DEFAULT_LIMIT, QUERY_MAX_LIMIT = 50, 1000
FACETS_DEFAULT_LIMIT, FACETS_MAX_LIMIT = 50, 1000  # the contacts Paging message (contract section 6.7)
DEFAULT_QUOTA = 1000
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _now() -> datetime:
    return datetime.now(UTC)


def _check_name(value: object) -> str:
    if not isinstance(value, str):
        raise violation("displayName", "displayName is required and must be a string", "REQUIRED_FIELD")
    name = value.strip()
    if not name:
        raise violation("displayName", "displayName must not be empty", "MIN_LENGTH")
    # Characters (code points), as LabelDesk's domain.name_length counts them: an emoji is 1, not the
    # 2 UTF-16 units a JavaScript length would say (the contract gives 1-180 "chars" and no unit).
    if len(name) > NAME_MAX:
        raise violation("displayName", f"displayName must be at most {NAME_MAX} characters", "MAX_LENGTH")
    return name


@dataclass(slots=True)
class ServiceVariant:
    """Choices the contract leaves open (its section 10), to prove the client copes with each.

    The defaults are section 11's answers; tests flip them to play a Wix that decided otherwise.
    """

    #: The largest ListLabels page (the contract's sources say 1,000 or 2,000).
    list_max_limit: int = LIST_MAX_LIMIT
    #: Above the maximum: quietly give the maximum instead of answering 400.
    clamp_over_max: bool = False
    #: Whether paging metadata carries ``total`` (10.8 asks whether it always does).
    report_totals: bool = True
    #: QueryContacts says ``tooManyToCount: true`` and sends no ``total`` (6.10.4 asks whether it can happen).
    contacts_too_many_to_count: bool = False


class LabelStore(ContactCalls):
    """One site's labels and contacts. ``clock`` and ``rng`` make it deterministic in tests; the
    contacts calls are :class:`~labeldesk.emulator.contacts.ContactCalls`'."""

    def __init__(
        self,
        *,
        quota: int = DEFAULT_QUOTA,
        clock: Callable[[], datetime] = _now,
        rng: random.Random | None = None,
    ) -> None:
        self.quota = quota
        self.variant = ServiceVariant()
        self.clock = clock
        self.rng = rng or random.Random()
        self._lock = threading.RLock()
        self._labels: dict[str, StoredLabel] = {}
        self._contacts: dict[str, Contact] = {}
        self.jobs = Jobs()
        self._last_contact_made: datetime | None = None
        self.failing_contacts = {}
        self._version = 0
        self._sorted: dict[tuple, tuple[int, list[StoredLabel]]] = {}

    # -- seeding and inspection (Python only, not over HTTP) ------------------------------------------

    def add_label(
        self,
        display_name: str,
        *,
        label_type: str = "USER_DEFINED",
        namespace: str = "custom",
        namespace_display_name: str = "Labels",
        key: str | None = None,
        created: datetime | None = None,
    ) -> StoredLabel:
        """Put a label in place directly, past the quota (for seeds and tests)."""
        with self._lock:
            self._run_jobs()  # (the jobs whose time came before it never saw it)
            if key is None:
                key = self._new_key(display_name, namespace)
            if key in self._labels:
                raise ValueError(f"key {key!r} exists")
            if label_type == "SYSTEM":
                created_at = updated_at = None
            else:
                created_at = created or self.clock()
                updated_at = created_at
            label = StoredLabel(
                key, display_name, label_type, namespace, namespace_display_name, created_at, updated_at
            )
            self._labels[key] = label
            self._version += 1
            return label

    def add_contact(
        self,
        label_keys: Iterable[str] = (),
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        created: datetime | None = None,
    ) -> str:
        """Put a contact in place directly (for seeds and tests); its id. Contacts made without
        ``created`` are a millisecond apart, in the order they were made (QueryContacts' default order)."""
        with self._lock:
            self._run_jobs()  # (the jobs whose time came before it never saw it)
            keys = set(label_keys)
            unknown = keys - self._labels.keys()
            if unknown:
                raise ValueError(f"unknown label keys {sorted(unknown)}")
            contact_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            if created is None:
                created = self.clock()
                if self._last_contact_made is not None and created <= self._last_contact_made:
                    created = self._last_contact_made + timedelta(milliseconds=1)
            self._last_contact_made = created
            self._contacts[contact_id] = Contact(contact_id, keys, first_name, last_name, email, created)
            return contact_id

    def label_keys_of(self, contact_id: str) -> set[str]:
        with self._lock:
            self._run_jobs()
            return set(self._contacts[contact_id].label_keys)

    def __len__(self) -> int:
        with self._lock:
            return len(self._labels)

    def warm(self) -> None:
        """Build every label's JSON now, so the first page requests aren't slowed by it (seeds call this)."""
        with self._lock:
            for label in self._labels.values():
                label.encoded()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [label.to_json() for label in self._labels.values()]

    # -- the API --------------------------------------------------------------------------------------

    def find_or_create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        name = _check_name(body.get("displayName"))
        with self._lock:
            for label in self._labels.values():
                if label.display_name == name:
                    return {"label": label.to_json(), "newLabel": False}
            in_use = sum(1 for label in self._labels.values() if label.label_type == "USER_DEFINED")
            if in_use >= self.quota:
                raise ApiError(
                    428,
                    "Labels quota reached",
                    code="LABELS_QUOTA_REACHED",
                    data={"labelsQuota": str(self.quota), "labelsCurrentTotal": str(in_use)},
                )
            label = self.add_label(name)
            return {"label": label.to_json(), "newLabel": True}

    def get(self, key: str) -> dict[str, Any]:
        with self._lock:
            return {"label": self._existing(key).to_json()}

    def rename(self, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        given = body.get("label")
        if not isinstance(given, Mapping):
            raise violation("label", "label is required", "REQUIRED_FIELD")
        if given.get("key") is None:
            raise violation("label.key", "label.key is required", "REQUIRED_FIELD")
        if given.get("key") != key:
            raise violation("label.key", "label.key must match the key in the path", "INVALID_FORMAT")
        name = _check_name(given.get("displayName"))
        with self._lock:
            label = self._editable(key)
            for other in self._labels.values():
                if other.key != key and other.display_name == name:
                    raise ApiError(
                        409,
                        f"A label named {name!r} already exists",
                        code="LABEL_ALREADY_EXISTS",
                        data={"key": other.key},
                    )
            label.display_name = name
            label.updated = self.clock()
            label.changed()
            self._version += 1
            return {"label": label.to_json()}

    def delete(self, key: str) -> dict[str, Any]:
        with self._lock:
            self._editable(key)
            self._run_jobs()
            del self._labels[key]
            for contact in self._contacts.values():
                contact.label_keys.discard(key)
            self._version += 1
            return {}

    def list_labels(self, params: Mapping[str, str]) -> dict[str, Any]:
        return json.loads(self.list_labels_encoded(params))

    def list_labels_encoded(self, params: Mapping[str, str]) -> bytes:
        """ListLabels' answer as the JSON bytes the server sends (each label encoded once, then kept)."""
        maximum = self.variant.list_max_limit
        if self.variant.clamp_over_max and params.get("paging.limit", "").isdigit():
            params = {**params, "paging.limit": str(min(int(params["paging.limit"]), maximum))}
        limit, offset = parse_paging(
            params.get("paging.limit"),
            params.get("paging.offset"),
            default=min(LIST_DEFAULT_LIMIT, maximum),
            maximum=maximum,
        )
        sort = []
        if params.get("sort.fieldName"):
            sort = [sort_item(params["sort.fieldName"], params.get("sort.order") or None)]
        label_type = params.get("labelType")
        if label_type is not None and label_type not in LABEL_TYPES:
            raise violation("labelType", f"Unknown labelType {label_type!r}", "INVALID_ENUM_VALUE")
        namespace = params.get("namespace")
        starts_with = params.get("startsWith")
        if namespace is not None and not 3 <= len(namespace) <= 25:
            raise violation("namespace", "namespace must be 3 to 25 characters", "MAX_LENGTH")
        if starts_with is not None and not 1 <= len(starts_with) <= NAME_MAX:
            raise violation("startsWith", "startsWith must be 1 to 180 characters", "MAX_LENGTH")

        def keep(label: StoredLabel) -> bool:
            return (
                (label_type is None or label.label_type == label_type)
                and (namespace is None or label.namespace == namespace)
                # ListLabels' startsWith is case-sensitive (contract section 5).
                and (starts_with is None or label.display_name.startswith(starts_with))
            )

        with self._lock:
            ordered = self._ordered(sort)
            if label_type is None and namespace is None and starts_with is None:
                matching = ordered
            else:
                matching = [label for label in ordered if keep(label)]
            return self._encoded_page(matching, limit, offset, "metadata")

    def query_labels(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return json.loads(self.query_labels_encoded(body))

    def query_labels_encoded(self, body: Mapping[str, Any]) -> bytes:
        query = body.get("query", {})
        if not isinstance(query, Mapping):
            raise violation("query", "query must be an object", "INVALID_FORMAT")
        predicate = compile_filter(query["filter"]) if query.get("filter") else None
        sort = sort_spec(query.get("sort"))
        paging = query.get("paging") or {}
        if not isinstance(paging, Mapping):
            raise violation("query.paging", "paging must be an object", "INVALID_FORMAT")
        limit, offset = parse_paging(
            paging.get("limit"), paging.get("offset"), default=QUERY_DEFAULT_LIMIT, maximum=QUERY_MAX_LIMIT
        )
        with self._lock:
            ordered = self._ordered(sort)
            matching = ordered if predicate is None else [label for label in ordered if predicate(label)]
            return self._encoded_page(matching, limit, offset, "pagingMetadata")

    def facets(self, params: Mapping[str, str]) -> dict[str, Any]:
        """ListFacets: every label with at least one contact, after the all-contacts and not-labeled facets.

        Paged as section 11 says: ``paging.limit`` default 50, max 1000 (above: 400), ``paging.offset``,
        and ``pagingMetadata`` with the total.
        """
        with self._lock:
            self._run_jobs()
            facets = label_facets(self._labels, self._contacts.values())
        limit, offset = parse_paging(
            params.get("paging.limit"),
            params.get("paging.offset"),
            default=FACETS_DEFAULT_LIMIT,
            maximum=FACETS_MAX_LIMIT,
        )
        return self._page_of(facets, limit, offset, name="facets")

    # -- helpers --------------------------------------------------------------------------------------

    def _existing(self, key: str) -> StoredLabel:
        label = self._labels.get(key)
        if label is None:
            raise ApiError(404, f"Label {key!r} not found", code="LABEL_NOT_FOUND", data={"key": key})
        return label

    def _editable(self, key: str) -> StoredLabel:
        label = self._existing(key)
        if label.label_type != "USER_DEFINED":
            raise ApiError(
                403, f"Label {key!r} can't be changed", code="LABEL_NOT_EDITABLE", data={"labelType": label.label_type}
            )
        return label

    def _ordered(self, sort: list[tuple[str, bool]]) -> list[StoredLabel]:
        """All labels in the requested order; with no sort, ``createdDate`` ascending then key."""
        spec = tuple(sort) or (("createdDate", False),)
        cached = self._sorted.get(spec)
        if cached and cached[0] == self._version:
            return cached[1]
        ordered = sorted(self._labels.values(), key=lambda label: label.key)
        for field_name, descending in reversed(spec):
            ordered.sort(key=functools.partial(sort_value, field_name=field_name), reverse=descending)
        self._sorted[spec] = (self._version, ordered)
        return ordered

    def _encoded_page(self, labels: list[StoredLabel], limit: int, offset: int, meta_name: str) -> bytes:
        """One page of labels as JSON bytes, put together from each label's kept encoding."""
        meta = self._paging_meta(labels, limit, offset)
        items = b", ".join([label.encoded() for label in labels[offset : offset + limit]])
        return b'{"labels": [%s], "%s": %s}' % (items, meta_name.encode(), json.dumps(meta).encode())

    def _paging_meta(self, items: list, limit: int, offset: int) -> dict[str, Any]:
        meta: dict[str, Any] = {"count": max(0, min(limit, len(items) - offset)), "offset": offset}
        if self.variant.report_totals:
            meta["total"] = len(items)
        return meta

    def _page_of(self, items: list, limit: int, offset: int, *, name: str) -> dict[str, Any]:
        """One page of ``items`` under ``name``, with paging metadata (``total`` unless the variant hides it)."""
        return {name: items[offset : offset + limit], "pagingMetadata": self._paging_meta(items, limit, offset)}

    def _new_key(self, display_name: str, namespace: str) -> str:
        """Section 11's slug: lowercase ASCII alphanumerics joined by '-', cut to fit, '-2', '-3'... if taken."""
        prefix = f"{namespace}."
        slug = _NON_ALNUM.sub("-", display_name.lower()).strip("-")
        if not slug:
            slug = f"{self.rng.getrandbits(32):08x}"
        room = KEY_MAX - len(prefix)
        candidate = prefix + slug[:room].rstrip("-")
        number = 1
        while candidate in self._labels:
            number += 1
            suffix = f"-{number}"
            candidate = prefix + slug[: room - len(suffix)].rstrip("-") + suffix
        return candidate
