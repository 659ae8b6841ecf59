"""The emulated site: labels, contacts and the rules of the Labels API, with no HTTP in it.

Follows ../shared/wix-labels-api.md, including section 11 where Wix's documents are silent. Every
method takes and returns JSON-shaped values (what goes over the wire) so that the HTTP front is a thin
router. Errors are raised as :class:`ApiError`, which knows its status and Wix-format body.
Thread-safe: one lock around the state, because the HTTP front serves requests on many threads.
"""

from __future__ import annotations

import functools
import json
import random
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

NAME_MAX = 180
KEY_MAX = 80
LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT = 1000, 2000
QUERY_DEFAULT_LIMIT, QUERY_MAX_LIMIT = 50, 1000
FACETS_DEFAULT_LIMIT, FACETS_MAX_LIMIT = 50, 1000  # the contacts Paging message (contract section 6.7)
DEFAULT_QUOTA = 1000
SORTABLE = ("displayName", "createdDate", "updatedDate")
LABEL_TYPES = ("SYSTEM", "USER_DEFINED", "WIX_APP_DEFINED")
_FILTER_OPERATORS: dict[str, frozenset[str]] = {
    "key": frozenset({"$eq", "$ne", "$in"}),
    "displayName": frozenset({"$eq", "$ne", "$in", "$startsWith"}),
    "createdDate": frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"}),
    "updatedDate": frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"}),
    "namespace": frozenset({"$eq", "$ne"}),
    "labelType": frozenset({"$eq"}),
}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


class ApiError(Exception):
    """An error answer in Wix's format (section 7 of the contract)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        data: Mapping[str, Any] | None = None,
        violations: Iterable[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.headers = dict(headers or {})
        self.status = status
        self.message = message
        self.code = code
        self.data = dict(data or {})
        self.violations = list(violations)

    def body(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.code:
            details["applicationError"] = {"code": self.code, "description": self.message, "data": self.data}
        if self.violations:
            details["validationError"] = {"fieldViolations": self.violations}
        return {"message": self.message, "details": details}


def _violation(field_name: str, description: str, rule: str) -> ApiError:
    return ApiError(
        400,
        description,
        violations=[
            {"field": field_name, "description": description, "violatedRule": rule, "ruleName": rule, "data": {}}
        ],
    )


def format_date(value: datetime) -> str:
    """``value`` as Wix writes dates: UTC, milliseconds, "Z" (ISO-8601, so always a 4-digit year: strftime's
    %Y doesn't pad years before 1000 on glibc, and "1-01-01T…" is not ISO-8601)."""
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


@dataclass(slots=True)
class StoredLabel:
    key: str
    display_name: str
    label_type: str = "USER_DEFINED"
    namespace: str = "custom"
    namespace_display_name: str = "Labels"
    created: datetime | None = None
    updated: datetime | None = None
    #: The JSON form and its encoding, kept: a 2,000-label page would otherwise format 4,000 dates
    #: and encode 2,000 objects per request. ``changed()`` drops them.
    _json: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    _encoded: bytes | None = field(default=None, repr=False, compare=False)

    def changed(self) -> None:
        self._json = self._encoded = None

    def encoded(self) -> bytes:
        if self._encoded is None:
            self._encoded = json.dumps(self.to_json(), ensure_ascii=False).encode()
        return self._encoded

    def to_json(self) -> dict[str, Any]:
        if self._json is not None:
            return self._json
        out: dict[str, Any] = {
            "namespace": self.namespace,
            "namespaceDisplayName": self.namespace_display_name,
            "key": self.key,
            "displayName": self.display_name,
            "labelType": self.label_type,
        }
        if self.created is not None:
            out["createdDate"] = format_date(self.created)
        if self.updated is not None:
            out["updatedDate"] = format_date(self.updated)
        self._json = out
        return out


@dataclass(slots=True)
class Contact:
    contact_id: str
    label_keys: set[str] = field(default_factory=set)


def _now() -> datetime:
    return datetime.now(UTC)


def _check_name(value: object) -> str:
    if not isinstance(value, str):
        raise _violation("displayName", "displayName is required and must be a string", "REQUIRED_FIELD")
    name = value.strip()
    if not name:
        raise _violation("displayName", "displayName must not be empty", "MIN_LENGTH")
    # Characters (code points), as LabelDesk's domain.name_length counts them: an emoji is 1, not the
    # 2 UTF-16 units a JavaScript length would say (the contract gives 1-180 "chars" and no unit).
    if len(name) > NAME_MAX:
        raise _violation("displayName", f"displayName must be at most {NAME_MAX} characters", "MAX_LENGTH")
    return name


def _paging(limit: object, offset: object, *, default: int, maximum: int) -> tuple[int, int]:
    def as_int(value: object, name: str, fallback: int) -> int:
        if value is None or value == "":
            return fallback
        try:
            number = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise _violation(name, f"{name} must be an integer", "INVALID_FORMAT") from None
        return number

    lim = as_int(limit, "paging.limit", default)
    off = as_int(offset, "paging.offset", 0)
    if lim < 0 or lim > maximum:
        raise _violation("paging.limit", f"paging.limit must be between 0 and {maximum}", "MAX")
    if off < 0:
        raise _violation("paging.offset", "paging.offset must not be negative", "MIN")
    return (lim or default), off


def _parse_filter_date(value: object) -> datetime:
    if isinstance(value, Mapping) and "$date" in value:
        value = value["$date"]
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ApiError(400, f"Not a date: {value!r}", code="UNSUPPORTED_FILTER_VALUE")


_Predicate = Callable[[StoredLabel], bool]


def _field_value(label: StoredLabel, name: str) -> Any:
    return {
        "key": label.key,
        "displayName": label.display_name,
        "createdDate": label.created,
        "updatedDate": label.updated,
        "namespace": label.namespace,
        "labelType": label.label_type,
    }[name]


def _compile_condition(field_name: str, operator: str, operand: object) -> _Predicate:
    if field_name not in _FILTER_OPERATORS:
        raise ApiError(400, f"Filtering on {field_name!r} is not supported", code="UNSUPPORTED_FILTER_FIELD")
    if operator not in _FILTER_OPERATORS[field_name]:
        raise ApiError(
            400, f"Operator {operator} is not supported for {field_name}", code="UNSUPPORTED_FILTER_OPERATOR"
        )
    is_date = field_name in ("createdDate", "updatedDate")

    def coerce(value: object) -> Any:
        if is_date:
            return _parse_filter_date(value)
        if not isinstance(value, str):
            raise ApiError(400, f"{field_name} takes a string, not {value!r}", code="UNSUPPORTED_FILTER_VALUE")
        if field_name == "labelType" and value not in LABEL_TYPES:
            raise ApiError(400, f"Unknown labelType {value!r}", code="UNSUPPORTED_FILTER_VALUE")
        return value

    if operator == "$in":
        if not isinstance(operand, list):
            raise ApiError(400, "$in takes a list", code="UNSUPPORTED_FILTER_VALUE")
        values = {coerce(v) for v in operand}
        return lambda label: _field_value(label, field_name) in values
    if operator == "$startsWith":
        prefix = coerce(operand).casefold()  # QueryLabels' startsWith ignores case (contract section 5)
        return lambda label: _field_value(label, field_name).casefold().startswith(prefix)
    value = coerce(operand)
    if operator == "$eq":
        return lambda label: _field_value(label, field_name) == value
    if operator == "$ne":
        return lambda label: _field_value(label, field_name) != value
    compare = {
        "$gt": lambda a: a > value,
        "$gte": lambda a: a >= value,
        "$lt": lambda a: a < value,
        "$lte": lambda a: a <= value,
    }[operator]

    def ordered(label: StoredLabel) -> bool:
        current = _field_value(label, field_name)
        return current is not None and compare(current)

    return ordered


def compile_filter(spec: object) -> _Predicate:
    """A predicate for a Wix API Query Language filter, or ApiError with the contract's codes."""
    if not isinstance(spec, Mapping):
        raise ApiError(400, "filter must be an object", code="MALFORMED_FILTER")
    parts: list[_Predicate] = []
    for name, value in spec.items():
        if name in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise ApiError(400, f"{name} takes a non-empty list of filters", code="MALFORMED_FILTER")
            subs = [compile_filter(item) for item in value]
            parts.append(_all_of(subs) if name == "$and" else _any_of(subs))
        elif name == "$not":
            parts.append(_negated(compile_filter(value)))
        elif name.startswith("$"):
            raise ApiError(400, f"{name} is not supported here", code="UNSUPPORTED_FILTER")
        elif isinstance(value, Mapping) and any(str(k).startswith("$") for k in value):
            for operator, operand in value.items():
                parts.append(_compile_condition(name, str(operator), operand))
        else:
            parts.append(_compile_condition(name, "$eq", value))
    return _all_of(parts)


# Predicates built by functions rather than lambdas in the loop, so each closes over its own parts.
def _all_of(predicates: list[_Predicate]) -> _Predicate:
    return lambda label: all(p(label) for p in predicates)


def _any_of(predicates: list[_Predicate]) -> _Predicate:
    return lambda label: any(p(label) for p in predicates)


def _negated(predicate: _Predicate) -> _Predicate:
    return lambda label: not predicate(label)


def _sort_spec(entries: object) -> list[tuple[str, bool]]:
    if entries is None:
        return []
    if not isinstance(entries, list) or len(entries) > 100:
        raise ApiError(400, "sort must be a list of at most 100 items", code="INVALID_SORT")
    spec = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise ApiError(400, "each sort item must be an object", code="INVALID_SORT")
        spec.append(_sort_item(entry.get("fieldName"), entry.get("order")))
    return spec


def _sort_item(field_name: object, order: object) -> tuple[str, bool]:
    if field_name not in SORTABLE:
        raise ApiError(400, f"Can't sort by {field_name!r}", code="INVALID_SORT")
    if order not in (None, "", "ASC", "DESC"):
        raise ApiError(400, f"Unknown sort order {order!r}", code="INVALID_SORT")
    return str(field_name), order == "DESC"


def _sort_value(label: StoredLabel, field_name: str) -> tuple:
    if field_name == "displayName":
        # By code point, as Wix documents string order ("XYZ" before "abc"; contract sections 5 and 11).
        return (label.display_name,)
    value = label.created if field_name == "createdDate" else label.updated
    # Labels without dates (the system labels) sort as the oldest.
    return (value is not None, value or datetime.min.replace(tzinfo=UTC))


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


class LabelStore:
    """One site's labels and contacts. ``clock`` and ``rng`` make it deterministic in tests."""

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

    def add_contact(self, label_keys: Iterable[str] = ()) -> str:
        with self._lock:
            keys = set(label_keys)
            unknown = keys - self._labels.keys()
            if unknown:
                raise ValueError(f"unknown label keys {sorted(unknown)}")
            contact_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            self._contacts[contact_id] = Contact(contact_id, keys)
            return contact_id

    def label_keys_of(self, contact_id: str) -> set[str]:
        with self._lock:
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
            raise _violation("label", "label is required", "REQUIRED_FIELD")
        if given.get("key") is None:
            raise _violation("label.key", "label.key is required", "REQUIRED_FIELD")
        if given.get("key") != key:
            raise _violation("label.key", "label.key must match the key in the path", "INVALID_FORMAT")
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
        limit, offset = _paging(
            params.get("paging.limit"),
            params.get("paging.offset"),
            default=min(LIST_DEFAULT_LIMIT, maximum),
            maximum=maximum,
        )
        sort = []
        if params.get("sort.fieldName"):
            sort = [_sort_item(params["sort.fieldName"], params.get("sort.order") or None)]
        label_type = params.get("labelType")
        if label_type is not None and label_type not in LABEL_TYPES:
            raise _violation("labelType", f"Unknown labelType {label_type!r}", "INVALID_ENUM_VALUE")
        namespace = params.get("namespace")
        starts_with = params.get("startsWith")
        if namespace is not None and not 3 <= len(namespace) <= 25:
            raise _violation("namespace", "namespace must be 3 to 25 characters", "MAX_LENGTH")
        if starts_with is not None and not 1 <= len(starts_with) <= NAME_MAX:
            raise _violation("startsWith", "startsWith must be 1 to 180 characters", "MAX_LENGTH")

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
            raise _violation("query", "query must be an object", "INVALID_FORMAT")
        predicate = compile_filter(query["filter"]) if query.get("filter") else None
        sort = _sort_spec(query.get("sort"))
        paging = query.get("paging") or {}
        if not isinstance(paging, Mapping):
            raise _violation("query.paging", "paging must be an object", "INVALID_FORMAT")
        limit, offset = _paging(
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
            counts: dict[str, int] = {}
            not_labeled = 0
            for contact in self._contacts.values():
                if not contact.label_keys:
                    not_labeled += 1
                for key in contact.label_keys:
                    counts[key] = counts.get(key, 0) + 1
            facets: list[dict[str, Any]] = [
                {"facetType": "ALL_CONTACTS", "count": len(self._contacts)},
                {"facetType": "NOT_LABELED", "count": not_labeled},
            ]
            for key, label in self._labels.items():
                if counts.get(key):
                    facets.append(
                        {
                            "facetType": "LABEL",
                            "facetKey": key,
                            "facetDisplayName": label.display_name,
                            "count": counts[key],
                            "queryFilter": json.dumps({"info.labelKeys": {"$hasSome": [key]}}),
                        }
                    )
        limit, offset = _paging(
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
            ordered.sort(key=functools.partial(_sort_value, field_name=field_name), reverse=descending)
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
