"""Labels as LabelDesk understands them: Label, LabelType, and the checks on keys and counts.

Qt-free: the API adapter, the cache and the UI all speak these types. The rules for names live in
labeldesk/names.py (what a name may be, when two are the same) and labeldesk/reveal.py (how a name is
shown safely); both are re-exported here, so ``from labeldesk.domain import clean_name`` keeps working.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import datetime
from typing import Annotated, TypeGuard

import msgspec

from labeldesk.names import (
    LINES_JOINED_NOTE,
    NAME_MAX_LENGTH,
    clean_name,
    comparable_name,
    name_length,
    name_order,
    name_problem,
    near_duplicate_form,
    near_duplicate_forms,
    one_line,
    same_name_form,
)
from labeldesk.reveal import SHOWN_MAX_LENGTH, RevealedName, quoted, reveal_name, shortened, shown_name

__all__ = [
    "KEY_MAX_LENGTH",
    "LINES_JOINED_NOTE",
    "MAX_COUNT",
    "NAME_MAX_LENGTH",
    "SHOWN_MAX_LENGTH",
    "FindOrCreateResult",
    "Label",
    "LabelType",
    "RevealedName",
    "all_valid_keys",
    "believable_count",
    "clean_name",
    "comparable_name",
    "label_type_named",
    "name_length",
    "name_order",
    "name_problem",
    "near_duplicate_form",
    "near_duplicate_forms",
    "one_line",
    "quoted",
    "reveal_name",
    "same_name_form",
    "search_text",
    "shortened",
    "shown_name",
    "valid_key",
]

#: The contract's length rule for a label key (section 9).
KEY_MAX_LENGTH = 80
#: The largest contact count believed: 2**53, the largest whole number every JSON reader holds exactly
#: (and far above any site's contacts). Counts outside 0..MAX_COUNT are unknown.
MAX_COUNT = 2**53


class LabelType(enum.Enum):
    """Who owns a label. Only user-defined labels can be renamed or deleted."""

    USER_DEFINED = "USER_DEFINED"
    SYSTEM = "SYSTEM"
    WIX_APP_DEFINED = "WIX_APP_DEFINED"
    #: A type this version of LabelDesk does not know yet; treated as read-only.
    UNKNOWN = "UNKNOWN"

    @property
    def title(self) -> str:
        return _TYPE_TITLES[self]


def label_type_named(name: str | None) -> LabelType:
    """The type Wix calls ``name`` (``"USER_DEFINED"``...: the wire's spelling, and the saved copy's);
    UNKNOWN for a name this version of LabelDesk doesn't know, or none."""
    return _TYPES_BY_NAME.get(name, LabelType.UNKNOWN)


_TYPES_BY_NAME: dict[str | None, LabelType] = {kind.value: kind for kind in LabelType}

_TYPE_TITLES = {
    # Wix's word: user-defined labels live in the "custom" namespace, and the type filter says the same.
    LabelType.USER_DEFINED: "Custom",
    LabelType.SYSTEM: "System",
    LabelType.WIX_APP_DEFINED: "App",
    LabelType.UNKNOWN: "Other",
}


#: How Wix spells the fields of a label, so the adapter can decode pages straight into Labels.
_WIRE_NAMES = {
    "display_name": "displayName",
    "label_type": "labelType",
    "namespace_display_name": "namespaceDisplayName",
    "created": "createdDate",
    "updated": "updatedDate",
}
#: Decoding rules (they apply to decoding only, not to making a Label in Python): anything that
#: breaks them is left to the adapter's lenient parser.
#: Keys: the length rule here (the rest of :func:`valid_key` is checked after decoding: wire.decode_page).
_Key = Annotated[str, msgspec.Meta(min_length=1, max_length=KEY_MAX_LENGTH)]
_Moment = Annotated[datetime, msgspec.Meta(tz=True)]


class Label(msgspec.Struct, frozen=True, gc=False, rename=_WIRE_NAMES):
    """One contact label on a site. The key never changes; the display name can.

    Immutable and hashable. A msgspec Struct: a refresh makes 50,000 of these, and msgspec decodes a
    2,000-label page of JSON straight into them five times faster than ``json`` plus Python can;
    ``gc=False`` keeps them out of the cycle collector's passes (they can't form cycles: their fields
    are strings, an enum member and datetimes).
    """

    key: _Key
    display_name: str
    label_type: LabelType
    namespace: str | None = None
    namespace_display_name: str | None = None
    created: _Moment | None = None
    updated: _Moment | None = None

    @property
    def editable(self) -> bool:
        return self.label_type is LabelType.USER_DEFINED

    @property
    def not_editable_reason(self) -> str | None:
        """Why this label can't be renamed or deleted, in words for the site owner; None if it can."""
        if self.label_type is LabelType.SYSTEM:
            return "Wix creates this label itself, so it can't be renamed or deleted."
        if self.label_type is LabelType.WIX_APP_DEFINED:
            # Wix's text, shown in tooltips and the status bar: hidden characters shown, and kept short.
            source = shown_name(self.namespace_display_name, 60) if self.namespace_display_name else "a Wix app"
            return f"This label belongs to {source}, so it can't be renamed or deleted here."
        if self.label_type is LabelType.UNKNOWN:
            return "LabelDesk doesn't know this kind of label, so it leaves it alone."
        return None


#: Unicode categories a key may not hold: controls (a newline, an escape), format characters (invisible,
#: or reordering the text), lone surrogates (no encoding can send them), line and paragraph separators.
_KEY_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def valid_key(key: object) -> TypeGuard[str]:
    """Whether ``key`` can be a label key LabelDesk uses: a string of 1 to KEY_MAX_LENGTH characters,
    not ``.`` or ``..`` (they would climb out of the label's address: ``/labels/..`` is ``/contacts/v4``),
    with no control, format or separator characters. Keys come from the service; one that breaks this
    is never shown, copied or put in a request."""
    if key.__class__ is not str or not 0 < len(key) <= KEY_MAX_LENGTH or key in (".", ".."):
        return False
    if key.isascii():
        return key.isprintable()
    return not any(unicodedata.category(char) in _KEY_REFUSED_CATEGORIES for char in key)


def all_valid_keys(keys: list[str]) -> bool:
    """Whether every key of ``keys`` passes :func:`valid_key`. The usual list (printable ASCII, no dot
    keys, lengths in range) is told in a few C calls over all the keys at once (a refresh of 50,000)."""
    if not keys:
        return True
    joined = "".join(keys)
    if (
        joined.isascii()
        and joined.isprintable()
        and "." not in keys
        and ".." not in keys
        and min(map(len, keys)) > 0
        and max(map(len, keys)) <= KEY_MAX_LENGTH
    ):
        return True
    return all(valid_key(key) for key in keys)


def believable_count(value: object) -> int | None:
    """``value`` if it is a whole number of contacts from 0 to MAX_COUNT; otherwise None (unknown)."""
    if value.__class__ is int and 0 <= value <= MAX_COUNT:
        return value
    return None


class FindOrCreateResult(msgspec.Struct, frozen=True):
    label: Label
    #: False when a label with that exact name already existed and nothing was created; None when the
    #: connection dropped mid-call and the service's "already existed" may be our own first try.
    created: bool | None


def search_text(label: Label) -> str:
    """What the search box matches against: the name without case, accents or extra spaces, then the key."""
    return comparable_name(label.display_name) + "\n" + label.key.casefold()
