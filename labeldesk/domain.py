"""Labels as LabelDesk understands them, and the rules for their names.

Qt-free: the API adapter, the cache and the UI all speak these types.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec

#: The contract's length rule for a display name, counted after trimming outer whitespace.
NAME_MAX_LENGTH = 180


class LabelType(enum.Enum):
    """Who owns a label. Only user-defined labels can be renamed or deleted."""

    USER_DEFINED = "USER_DEFINED"
    SYSTEM = "SYSTEM"
    WIX_APP_DEFINED = "WIX_APP_DEFINED"
    #: A type this version of LabelDesk does not know yet; treated as read-only.
    UNKNOWN = "UNKNOWN"

    @classmethod
    def from_wire(cls, value: object) -> LabelType:
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN

    @property
    def title(self) -> str:
        return _TYPE_TITLES[self]


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
_Key = Annotated[str, msgspec.Meta(min_length=1)]
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
            source = self.namespace_display_name or "a Wix app"
            return f"This label belongs to {source}, so it can't be renamed or deleted here."
        if self.label_type is LabelType.UNKNOWN:
            return "LabelDesk doesn't know this kind of label, so it leaves it alone."
        return None


@dataclass(frozen=True, slots=True)
class FindOrCreateResult:
    label: Label
    #: False when a label with that exact name already existed and nothing was created; None when the
    #: connection dropped mid-call and the service's "already existed" may be our own first try.
    created: bool | None


def clean_name(name: str) -> str:
    """The name as the service will store it: outer whitespace trimmed."""
    return name.strip()


def name_problem(name: str) -> str | None:
    """Why ``name`` can't be used as a label name, or None when it is fine."""
    cleaned = clean_name(name)
    if not cleaned:
        return "Type a name for the label."
    if len(cleaned) > NAME_MAX_LENGTH:
        extra = len(cleaned) - NAME_MAX_LENGTH
        return f"Names can be at most {NAME_MAX_LENGTH} characters; this one is {extra} too long."
    return None


def comparable_name(name: str) -> str:
    """A form of a name that ignores case, accents and spacing, for spotting near-duplicates.

    Runs for every label of a refresh (50,000 on a big site): ASCII names, nearly all of them, skip
    the Unicode work, which can't change them (ASCII has no decompositions and no combining marks).
    """
    if not name.isascii():
        decomposed = unicodedata.normalize("NFKD", name)
        if not decomposed.isascii():
            decomposed = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        name = decomposed
    # split() with no argument splits on exactly the characters str.isspace() calls whitespace.
    return " ".join(name.casefold().split())


def search_text(label: Label) -> str:
    """What the search box matches against: the name without case, accents or extra spaces, then the key."""
    return comparable_name(label.display_name) + "\n" + label.key.casefold()


def quoted(name: str, limit: int = 60) -> str:
    """A label name in quotes for a sentence, shortened if it is very long."""
    short = name if len(name) <= limit else name[: limit - 1] + "…"
    return f"‘{short}’"
