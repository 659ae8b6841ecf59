"""The JSON wire format of the Labels API, turned into domain objects and typed errors.

Lenient where the contract says to be: unknown fields are ignored, paging metadata may be called
``pagingMetadata`` or ``metadata``, dates come with or without milliseconds or not at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from labeldesk.api import errors
from labeldesk.domain import Label, all_valid_keys, believable_count, label_type_named, valid_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LabelPage:
    """One page of a list or query, with what the service said about the whole result."""

    labels: tuple[Label, ...]
    offset: int
    #: The number of labels matching the request, or None when the service did not say.
    total: int | None
    #: The labels on this page that couldn't be read (no key or name, a field of the wrong kind),
    #: left out of ``labels`` but still counted in ``total``: each by its key if it had one, else
    #: by its place ("\0unreadable <offset>").
    unreadable: tuple[str, ...] = ()

    @property
    def skipped(self) -> int:
        """How many labels on this page couldn't be read."""
        return len(self.unreadable)

    @property
    def received(self) -> int:
        """How many labels the service sent on this page, read or not: what paging counts by (the
        next page starts after all of them)."""
        return len(self.labels) + len(self.unreadable)


class LabelList(list):
    """Labels (a plain list of them), with how many more the service sent that couldn't be read."""

    __slots__ = ("unreadable",)

    def __init__(self, labels: Iterable[Label] = (), unreadable: int = 0) -> None:
        super().__init__(labels)
        self.unreadable = unreadable


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _date(value: object) -> datetime | None:
    """A date as the fast page decoder reads it (msgspec's RFC 3339 rules, so one label parses the
    same whichever path its page takes); failing that, any ISO form; no zone means UTC."""
    if value.__class__ is not str or not value:
        return None
    try:
        parsed = msgspec.convert(value, datetime)
    except msgspec.ValidationError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def label_from_json(obj: object) -> Label:
    """One label object, or MalformedResponseError (and nothing else) if it isn't one: no key or
    display name, a key LabelDesk can't use (domain.valid_key: ``..``, a newline, over 80 characters),
    or a label type that isn't a string. Unknown types, and optional fields that are missing or of the
    wrong kind, are tolerated (contract section 3)."""
    # Runs 2,000 times per page: plain dict access and class checks, no isinstance chains or enum lookups.
    if obj.__class__ is not dict:
        if not isinstance(obj, Mapping):
            raise errors.MalformedResponseError(server_message="label is not an object")
        obj = dict(obj)
    get = obj.get
    key, name, kind = get("key"), get("displayName"), get("labelType")
    if key.__class__ is not str or not key or name.__class__ is not str:
        raise errors.MalformedResponseError(server_message="label without key or displayName")
    if not valid_key(key):
        raise errors.MalformedResponseError(server_message="label key that can't be a key")
    if kind is not None and kind.__class__ is not str:
        raise errors.MalformedResponseError(server_message="label type is not a string")
    namespace, namespace_name = get("namespace"), get("namespaceDisplayName")
    return Label(
        key,
        name,
        label_type_named(kind),
        namespace if namespace.__class__ is str else None,
        namespace_name if namespace_name.__class__ is str else None,
        _date(get("createdDate")),
        _date(get("updatedDate")),
    )


def _int_or_none(value: object) -> int | None:
    # int64 fields may arrive as strings.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


class _Paging(msgspec.Struct):
    total: int | None = None
    offset: int | None = None


class _Page(msgspec.Struct, rename={"paging_metadata": "pagingMetadata"}):
    labels: list[Label] = []
    paging_metadata: _Paging | None = None
    metadata: _Paging | None = None


_PAGE_DECODER = msgspec.json.Decoder(_Page)


def decode_page(content: bytes, *, requested_offset: int) -> LabelPage:
    """A list or query answer, straight from its bytes.

    The usual answer is decoded by msgspec into Labels in one C pass (several times quicker than
    ``json.loads`` and a Python loop). Anything its strict rules refuse
    (an unknown label type, a date without a zone, a total sent as a string, one bad label, broken
    JSON) goes to the lenient parser below, which decides what is tolerated and what is malformed:
    a label that can't be read is left out and counted (``LabelPage.skipped``), the rest are kept.
    Raises MalformedResponseError only when the answer as a whole can't be read.
    """
    try:
        page = _PAGE_DECODER.decode(content)
    except msgspec.DecodeError:  # ValidationError included
        return page_from_json(json_object(content), requested_offset=requested_offset)
    labels, unreadable = page.labels, []
    if not all_valid_keys([label.key for label in labels]):
        # Read already, but with keys LabelDesk can't use: those labels are left out, as the lenient
        # parser would (by key: each has one), without reading the answer again.
        unreadable = [label.key for label in labels if not valid_key(label.key)]
        labels = [label for label in labels if valid_key(label.key)]
        _log_unreadable(unreadable, "label key that can't be a key")
    paging = page.paging_metadata or page.metadata or _Paging()
    return LabelPage(
        labels=tuple(labels),
        offset=requested_offset if paging.offset is None else paging.offset,
        total=paging.total,
        unreadable=tuple(unreadable),
    )


def parsed_json(content: bytes) -> object:
    """An answer's body as JSON (an empty body counts as ``{}``), or None if it isn't JSON."""
    if not content:
        return {}
    try:
        return json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):  # (nested past any real answer)
        return None


def json_object(content: bytes, request_id: str | None = None) -> dict[str, Any]:
    """A 200 answer's body, which must be a JSON object (an empty body counts as ``{}``)."""
    body = parsed_json(content)
    if not isinstance(body, dict):
        raise errors.MalformedResponseError(status=200, request_id=request_id)
    return body


def page_from_json(body: object, *, requested_offset: int) -> LabelPage:
    if not isinstance(body, Mapping):
        raise errors.MalformedResponseError(server_message="response is not an object")
    raw_labels = body.get("labels", [])
    if not isinstance(raw_labels, list):
        raise errors.MalformedResponseError(server_message="labels is not a list")
    meta = body.get("pagingMetadata")
    if not isinstance(meta, Mapping):
        meta = body.get("metadata")
    if not isinstance(meta, Mapping):
        meta = {}
    offset = _int_or_none(meta.get("offset"))
    first = requested_offset if offset is None else offset
    labels, unreadable = _each_label(raw_labels, first)
    return LabelPage(
        labels=tuple(labels),
        offset=first,
        total=_int_or_none(meta.get("total")),
        unreadable=tuple(unreadable),
    )


def _each_label(items: list[object], first: int) -> tuple[list[Label], list[str]]:
    """The labels that can be read, each on its own, and the keys (or places) of those that couldn't:
    one bad label (no name, a type sent as an object) must not hide the others. ``first`` is the
    place of the first item in the whole list."""
    labels: list[Label] = []
    unreadable: list[str] = []
    first_why = ""
    for place, item in enumerate(items, first):
        try:
            labels.append(label_from_json(item))
        except (errors.MalformedResponseError, TypeError, ValueError, OverflowError) as exc:
            key = item.get("key") if isinstance(item, Mapping) else None
            unreadable.append(key if isinstance(key, str) and key else f"\0unreadable {place}")
            first_why = first_why or getattr(exc, "server_message", None) or repr(exc)
    _log_unreadable(unreadable, first_why)
    return labels, unreadable


def _log_unreadable(unreadable: list[str], why: str) -> None:
    """Say in the log that labels on a page were left out: the first (by its key, if it had one), and
    how many in all."""
    if unreadable:
        key = None if unreadable[0].startswith("\0") else unreadable[0]
        log.warning("left out a label Wix sent that couldn't be read (key %r): %s", key, why)
    if len(unreadable) > 1:
        log.warning("left out %d labels in all on this page", len(unreadable))


def label_from_envelope(body: object) -> Label:
    """The label of a single-label answer (``{"label": {...}}``: create, get, rename); raises
    MalformedResponseError if there is none or it can't be read (see label_from_json)."""
    if not isinstance(body, Mapping):
        raise errors.MalformedResponseError(server_message="response is not an object")
    return label_from_json(body.get("label"))


@dataclass(frozen=True, slots=True)
class FacetPage:
    """One page of ListFacets (contract section 6.7)."""

    #: Label key -> how many contacts carry it, for the LABEL facets on this page; None where the
    #: count sent can't be believed (not a whole number from 0 to domain.MAX_COUNT): unknown.
    counts: dict[str, int | None]
    #: One key per facet on the page, in order: its type and ``facetKey`` (facets other than LABEL may
    #: have no ``facetKey``; each such type comes once).
    keys: tuple[str, ...]
    #: How many facets there are in all, or None when the service did not say (or said too many to count).
    total: int | None


def facet_page_from_json(body: object) -> FacetPage:
    """A ListFacets answer. Tolerates a missing ``pagingMetadata`` (or one called ``metadata``)."""
    if not isinstance(body, Mapping):
        raise errors.MalformedResponseError(server_message="response is not an object")
    facets = body.get("facets", [])
    if not isinstance(facets, list):
        raise errors.MalformedResponseError(server_message="facets is not a list")
    counts: dict[str, int | None] = {}
    keys: list[str] = []
    for facet in facets:
        if not isinstance(facet, Mapping):
            keys.append("")
            continue
        kind, key = facet.get("facetType"), facet.get("facetKey")
        keys.append(f"{kind}\x00{key}")  # not the display name: a rename between pages must not look new
        if kind == "LABEL" and valid_key(key):
            # A count that isn't a whole number from 0 to 2**53 is unknown (None), never shown or saved.
            counts[key] = believable_count(_int_or_none(facet.get("count")))
    meta = body.get("pagingMetadata")
    if not isinstance(meta, Mapping):
        meta = body.get("metadata")
    total = None
    if isinstance(meta, Mapping) and meta.get("tooManyToCount") is not True:
        total = _int_or_none(meta.get("total"))
    return FacetPage(counts, tuple(keys), total)


def _application_error(body: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
    details = body.get("details")
    if isinstance(details, Mapping):
        app = details.get("applicationError")
        if isinstance(app, Mapping):
            data = app.get("data")
            code = app.get("code")
            return (code if isinstance(code, str) else None), (data if isinstance(data, Mapping) else {})
    return None, {}


def _violations(body: Mapping[str, Any]) -> tuple[errors.FieldViolation, ...]:
    details = body.get("details")
    if not isinstance(details, Mapping):
        return ()
    validation = details.get("validationError")
    if not isinstance(validation, Mapping):
        return ()
    found = []
    for item in validation.get("fieldViolations") or []:
        if isinstance(item, Mapping):
            found.append(
                errors.FieldViolation(
                    field=str(item.get("field", "")),
                    description=str(item.get("description", "")),
                    rule=_optional_str(item.get("violatedRule")),
                )
            )
    return tuple(found)


def error_from_response(
    status: int, body: object, *, request_id: str | None, retry_after: float | None
) -> errors.WixError:
    """The typed error for a non-200 answer. ``body`` is the decoded JSON, or None if it wasn't JSON."""
    mapping: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    code, data = _application_error(mapping)
    server_message = _optional_str(mapping.get("message"))
    common: errors.AnswerFields = {
        "status": status,
        "code": code,
        "request_id": request_id,
        "server_message": server_message,
    }

    if status == 401:
        return errors.AuthError(**common)
    if status == 403:
        if code == "LABEL_NOT_EDITABLE":
            return errors.LabelNotEditableError(**common)
        return errors.PermissionDeniedError(**common)
    if status == 404:
        if code == "LABEL_NOT_FOUND":
            return errors.LabelNotFoundError(**common)
        if code and "SITE" in code:
            return errors.SiteNotFoundError(**common)
        return errors.NotFoundError(**common)
    if status == 409:
        return errors.ConflictError(**common)
    if status == 428:
        if code == "LABELS_QUOTA_REACHED":
            return errors.QuotaReachedError(
                _int_or_none(data.get("labelsQuota")), _int_or_none(data.get("labelsCurrentTotal")), **common
            )
        if code == "MISSING_METASITE_ID":
            return errors.SiteNotFoundError(**common)
        return errors.WixError("Wix refused this because something on the site isn't set up for it.", **common)
    if status == 429:
        return errors.RateLimitedError(retry_after, **common)
    if status == 400:
        return errors.ValidationError(violations=_violations(mapping), **common)
    if status >= 500:
        return errors.ServerError(retry_after=retry_after if status == 503 else None, **common)
    # The status stays in the error (for the log and "Copy details"), not in the words.
    return errors.WixError("Wix gave an answer LabelDesk didn't expect. Please try again.", **common)
