"""The contract's query language, as the emulator reads it: filters, sort orders and paging parameters.

Follows ../shared/wix-labels-api.md (sections 5 and 11). Anything that breaks a rule raises ApiError with
the contract's codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from labeldesk.emulator.errors import ApiError, violation
from labeldesk.emulator.records import LABEL_TYPES, StoredLabel

SORTABLE = ("displayName", "createdDate", "updatedDate")
_FILTER_OPERATORS: dict[str, frozenset[str]] = {
    "key": frozenset({"$eq", "$ne", "$in"}),
    "displayName": frozenset({"$eq", "$ne", "$in", "$startsWith"}),
    "createdDate": frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"}),
    "updatedDate": frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"}),
    "namespace": frozenset({"$eq", "$ne"}),
    "labelType": frozenset({"$eq"}),
}


def parse_paging(limit: object, offset: object, *, default: int, maximum: int) -> tuple[int, int]:
    def as_int(value: object, name: str, fallback: int) -> int:
        if value is None or value == "":
            return fallback
        try:
            number = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise violation(name, f"{name} must be an integer", "INVALID_FORMAT") from None
        return number

    lim = as_int(limit, "paging.limit", default)
    off = as_int(offset, "paging.offset", 0)
    if lim < 0 or lim > maximum:
        raise violation("paging.limit", f"paging.limit must be between 0 and {maximum}", "MAX")
    if off < 0:
        raise violation("paging.offset", "paging.offset must not be negative", "MIN")
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
_T = TypeVar("_T")


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
    return compile_query_filter(spec, _compile_condition)


def compile_query_filter(
    spec: object, condition: Callable[[str, str, object], Callable[[_T], bool]]
) -> Callable[[_T], bool]:
    """The query language's grammar (``$and``, ``$or``, ``$not``, ``{field: {operator: operand}}`` and
    ``{field: value}`` for ``$eq``), shared by labels and contacts; ``condition(field, operator, operand)``
    builds one leaf's predicate and refuses what its record type doesn't support."""
    if not isinstance(spec, Mapping):
        raise ApiError(400, "filter must be an object", code="MALFORMED_FILTER")
    parts: list[Callable[[_T], bool]] = []
    for name, value in spec.items():
        if name in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise ApiError(400, f"{name} takes a non-empty list of filters", code="MALFORMED_FILTER")
            subs = [compile_query_filter(item, condition) for item in value]
            parts.append(_all_of(subs) if name == "$and" else _any_of(subs))
        elif name == "$not":
            parts.append(_negated(compile_query_filter(value, condition)))
        elif name.startswith("$"):
            raise ApiError(400, f"{name} is not supported here", code="UNSUPPORTED_FILTER")
        elif isinstance(value, Mapping) and any(str(k).startswith("$") for k in value):
            parts.extend(condition(name, str(operator), operand) for operator, operand in value.items())
        else:
            parts.append(condition(name, "$eq", value))
    return _all_of(parts)


# Predicates built by functions rather than lambdas in the loop, so each closes over its own parts.
def _all_of(predicates: list[Callable[[_T], bool]]) -> Callable[[_T], bool]:
    return lambda record: all(p(record) for p in predicates)


def _any_of(predicates: list[Callable[[_T], bool]]) -> Callable[[_T], bool]:
    return lambda record: any(p(record) for p in predicates)


def _negated(predicate: Callable[[_T], bool]) -> Callable[[_T], bool]:
    return lambda record: not predicate(record)


def sort_spec(entries: object) -> list[tuple[str, bool]]:
    if entries is None:
        return []
    if not isinstance(entries, list) or len(entries) > 100:
        raise ApiError(400, "sort must be a list of at most 100 items", code="INVALID_SORT")
    spec = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise ApiError(400, "each sort item must be an object", code="INVALID_SORT")
        spec.append(sort_item(entry.get("fieldName"), entry.get("order")))
    return spec


def sort_item(field_name: object, order: object) -> tuple[str, bool]:
    if field_name not in SORTABLE:
        raise ApiError(400, f"Can't sort by {field_name!r}", code="INVALID_SORT")
    if order not in (None, "", "ASC", "DESC"):
        raise ApiError(400, f"Unknown sort order {order!r}", code="INVALID_SORT")
    return str(field_name), order == "DESC"


def sort_value(label: StoredLabel, field_name: str) -> tuple:
    if field_name == "displayName":
        # By code point, as Wix documents string order ("XYZ" before "abc"; contract sections 5 and 11).
        return (label.display_name,)
    value = label.created if field_name == "createdDate" else label.updated
    # Labels without dates (the system labels) sort as the oldest.
    return (value is not None, value or datetime.min.replace(tzinfo=UTC))
