"""QueryContacts' language, as the emulator reads it: filters, the one sort item, projection and paging.

Follows ../shared/wix-labels-api.md section 6.3 and section 11's rows for QueryContacts and list sizes.
Anything that breaks a rule raises ApiError with the contract's codes (all 400).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from labeldesk.emulator.errors import ApiError, violation
from labeldesk.emulator.query import compile_query_filter
from labeldesk.emulator.records import Contact

#: The most values a list in a filter may hold (section 11: above -> 400 UNSUPPORTED_FILTER_VALUE).
MAX_FILTER_VALUES = 100
QUERY_DEFAULT_LIMIT, QUERY_MAX_LIMIT = 50, 1000

_STRING_OPERATORS = frozenset({"$eq", "$ne", "$in", "$exists", "$startsWith"})
_OPERATORS: dict[str, frozenset[str]] = {
    "id": frozenset({"$eq", "$ne", "$in", "$exists"}),
    "info.labelKeys": frozenset({"$hasSome", "$hasAll"}),
    "primaryInfo.email": _STRING_OPERATORS,
    "info.name.first": _STRING_OPERATORS,
    "info.name.last": _STRING_OPERATORS,
}
#: Contract 6.3: the fields QueryContacts sorts by (the emulator keeps only some of them; the others sort as absent).
SORTABLE = frozenset(
    {
        "createdDate",
        "lastActivity.activityDate",
        "primaryInfo.email",
        "info.name.first",
        "info.name.last",
        "info.company",
        "info.jobTitle",
        "info.birthdate",
    }
)
_BASIC = frozenset({"primaryInfo", "info.name"})
#: Contract 6.3's fieldsets; None stands for FULL (every field).
FIELDSETS: dict[str, frozenset[str] | None] = {
    "BASIC": _BASIC,
    "COMMUNICATION_DETAILS": _BASIC | {"info.emails", "info.phones", "info.addresses"},
    "EXTENDED": _BASIC | {"info.extendedFields"},
    "FULL": None,
}
PROJECTABLE = frozenset(
    {
        "source",
        "createdDate",
        "updatedDate",
        "lastActivity",
        "primaryInfo",
        "info.name",
        "info.emails",
        "info.phones",
        "info.addresses",
        "info.company",
        "info.jobTitle",
        "info.picture",
        "info.birthdate",
        "info.locale",
        "info.labelKeys",
        "info.locations",
        "info.extendedFields",
    }
)

ContactPredicate = Callable[[Contact], bool]


def _value(contact: Contact, field_name: str) -> Any:
    return {
        "id": contact.contact_id,
        "primaryInfo.email": contact.email,
        "info.name.first": contact.first_name,
        "info.name.last": contact.last_name,
        "createdDate": contact.created,
    }.get(field_name)


def _strings(operand: object, operator: str) -> list[str]:
    if not isinstance(operand, list):
        raise ApiError(400, f"{operator} takes a list", code="UNSUPPORTED_FILTER_VALUE_TYPE")
    if len(operand) > MAX_FILTER_VALUES:
        raise ApiError(400, f"{operator} takes at most {MAX_FILTER_VALUES} values", code="UNSUPPORTED_FILTER_VALUE")
    if not all(isinstance(item, str) for item in operand):
        raise ApiError(400, f"{operator} takes a list of strings", code="UNSUPPORTED_FILTER_VALUE_TYPE")
    return list(operand)


def _condition(field_name: str, operator: str, operand: object) -> ContactPredicate:
    if field_name not in _OPERATORS:
        raise ApiError(400, f"Filtering on {field_name!r} is not supported", code="UNSUPPORTED_FILTER_FIELD_UNKNOWN")
    if operator not in _OPERATORS[field_name]:
        raise ApiError(
            400, f"Operator {operator} is not supported for {field_name}", code="UNSUPPORTED_FILTER_OPERATOR"
        )
    if operator == "$hasSome":
        some = frozenset(_strings(operand, operator))
        return lambda contact: not some.isdisjoint(contact.label_keys)
    if operator == "$hasAll":
        every = frozenset(_strings(operand, operator))
        return lambda contact: every <= contact.label_keys
    if operator == "$in":
        values = frozenset(_strings(operand, operator))
        return lambda contact: _value(contact, field_name) in values
    if operator == "$exists":
        if not isinstance(operand, bool):
            raise ApiError(400, "$exists takes true or false", code="UNSUPPORTED_FILTER_VALUE_TYPE")
        return lambda contact: (_value(contact, field_name) is not None) == operand
    if not isinstance(operand, str):
        raise ApiError(400, f"{field_name} takes a string, not {operand!r}", code="UNSUPPORTED_FILTER_VALUE_TYPE")
    if operator == "$startsWith":
        prefix = operand.casefold()  # "Case-insensitive" (contract 6.8)
        return lambda contact: (_value(contact, field_name) or "").casefold().startswith(prefix)
    if operator == "$ne":
        return lambda contact: _value(contact, field_name) != operand
    return lambda contact: _value(contact, field_name) == operand


def compile_contact_filter(spec: object) -> ContactPredicate:
    """A predicate for a contacts filter (contract 6.3), or ApiError with the contract's codes."""
    return compile_query_filter(spec, _condition)


def contact_sort(entries: object) -> tuple[str, bool]:
    """The one sort item (``maxSize 1``): (field, descending). No sort: ``createdDate`` ascending, as
    the REST doc says (contract 6.3 and section 11)."""
    if entries is None or entries == []:
        return "createdDate", False
    if not isinstance(entries, list) or not isinstance(entries[0], Mapping):
        raise violation("query.sort", "sort must be a list of objects", "INVALID_FORMAT")
    if len(entries) > 1:
        raise violation("query.sort", "sort takes at most 1 item", "MAX_SIZE")
    field_name, order = entries[0].get("fieldName"), entries[0].get("order")
    if not isinstance(field_name, str) or field_name not in SORTABLE:
        raise ApiError(400, f"Can't sort contacts by {field_name!r}", code="UNSUPPORTED_SORT_FIELD")
    if order not in (None, "", "ASC", "DESC"):
        raise violation("query.sort.order", f"Unknown sort order {order!r}", "INVALID_ENUM_VALUE")
    return str(field_name), order == "DESC"


def sorted_contacts(contacts: list[Contact], sort: tuple[str, bool]) -> list[Contact]:
    """``contacts`` in ``sort``'s order, ties by id; absent values first when ascending. Strings by
    code point (contract 6.8)."""
    field_name, descending = sort
    oldest = datetime.min.replace(tzinfo=UTC)

    def key(contact: Contact) -> tuple:
        value = _value(contact, field_name)
        if isinstance(value, datetime) or field_name == "createdDate":
            return (value is not None, value or oldest)
        return (value is not None, value or "")

    ordered = sorted(contacts, key=lambda contact: contact.contact_id)
    ordered.sort(key=key, reverse=descending)
    return ordered


def projection(query: Mapping[str, Any]) -> frozenset[str] | None:
    """The fields to send (None: FULL): the union of ``fieldsets`` and ``fields``; FULL when both are
    absent (contract 6.3)."""
    fieldsets, fields = query.get("fieldsets"), query.get("fields")
    if not fieldsets and not fields:
        return None
    chosen: set[str] = set()
    if fieldsets:
        if not isinstance(fieldsets, list) or len(fieldsets) > 10:
            raise violation("query.fieldsets", "fieldsets takes at most 10 values", "MAX_SIZE")
        for name in fieldsets:
            if not isinstance(name, str) or name not in FIELDSETS:
                raise violation("query.fieldsets", f"Unknown fieldset {name!r}", "INVALID_ENUM_VALUE")
            fieldset = FIELDSETS[name]
            if fieldset is None:
                return None
            chosen |= fieldset
    if fields:
        if not isinstance(fields, list) or len(fields) > 100:
            raise violation("query.fields", "fields takes at most 100 values", "MAX_SIZE")
        for name in fields:
            if not isinstance(name, str) or name not in PROJECTABLE:
                raise violation("query.fields", f"Unknown field {name!r}", "INVALID_ENUM_VALUE")
            chosen.add(name)
    return frozenset(chosen)


def contact_paging(paging: object) -> tuple[int, int]:
    """(limit, offset): limit default 50, at most 1000; above (or below 0) -> 400 ``ILLEGAL_LIMIT``."""
    if paging is None:
        paging = {}
    if not isinstance(paging, Mapping):
        raise violation("query.paging", "paging must be an object", "INVALID_FORMAT")
    limit, offset = paging.get("limit"), paging.get("offset")
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise violation(f"query.paging.{name}", f"paging.{name} must be an integer", "INVALID_FORMAT")
    if limit is not None and not 0 <= limit <= QUERY_MAX_LIMIT:
        raise ApiError(
            400, f"paging.limit must be between 0 and {QUERY_MAX_LIMIT}", code="ILLEGAL_LIMIT", data={"limit": limit}
        )
    if offset is not None and offset < 0:
        raise violation("query.paging.offset", "paging.offset must not be negative", "MIN")
    return (limit or QUERY_DEFAULT_LIMIT), (offset or 0)
