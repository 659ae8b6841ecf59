"""Labels as LabelDesk understands them, and the rules for their names.

Qt-free: the API adapter, the cache and the UI all speak these types.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

if TYPE_CHECKING:
    import regex

#: The contract's length rule for a display name, counted after trimming outer whitespace.
NAME_MAX_LENGTH = 180
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
            source = self.namespace_display_name or "a Wix app"
            return f"This label belongs to {source}, so it can't be renamed or deleted here."
        if self.label_type is LabelType.UNKNOWN:
            return "LabelDesk doesn't know this kind of label, so it leaves it alone."
        return None


#: Unicode categories a key may not hold: controls (a newline, an escape), format characters (invisible,
#: or reordering the text), lone surrogates (no encoding can send them), line and paragraph separators.
_KEY_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def valid_key(key: object) -> bool:
    """Whether ``key`` can be a label key LabelDesk uses: a string of 1 to KEY_MAX_LENGTH characters,
    not ``.`` or ``..`` (they would climb out of the label's address: ``/labels/..`` is ``/contacts/v4``),
    with no control, format or separator characters. Keys come from the service; one that breaks this
    is never shown, copied or put in a request."""
    if key.__class__ is not str or not 0 < len(key) <= KEY_MAX_LENGTH or key in (".", ".."):  # type: ignore[arg-type]
        return False
    if key.isascii():
        return key.isprintable()  # type: ignore[union-attr]
    return not any(unicodedata.category(char) in _KEY_REFUSED_CATEGORIES for char in key)  # type: ignore[union-attr]


def believable_count(value: object) -> int | None:
    """``value`` if it is a whole number of contacts from 0 to MAX_COUNT; otherwise None (unknown)."""
    if value.__class__ is int and 0 <= value <= MAX_COUNT:  # type: ignore[operator]
        return value  # type: ignore[return-value]
    return None


@dataclass(frozen=True, slots=True)
class FindOrCreateResult:
    label: Label
    #: False when a label with that exact name already existed and nothing was created; None when the
    #: connection dropped mid-call and the service's "already existed" may be our own first try.
    created: bool | None


#: Characters that break a name across lines or columns when pasted (from a spreadsheet, a document or
#: an e-mail): each run of them, with the spaces around it, becomes one space. Beyond newline, carriage
#: return and tab: vertical tab and form feed (Word's manual line and page breaks), NEL, and Unicode's
#: line and paragraph separators, which Qt draws as line breaks too.
_LINE_BREAKS = "\n\r\t\v\f\x85\u2028\u2029"
_LINE_BREAK_RUN = re.compile(f"[ ]*[{_LINE_BREAKS}][{_LINE_BREAKS} ]*")
#: Bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069): they reorder the text shown
#: after them, so "abc\u202etxt.exe" is shown as "abcexe.txt". The marks (U+200E, U+200F, U+061C) stay
#: allowed: right-to-left names need them, and they can't reorder anything.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@functools.cache
def _unicode_sets() -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    """(invisible, format): characters that show nothing on their own (whitespace, Unicode's "default
    ignorable" ones: zero-width spaces and joiners, soft hyphen, word joiner, Hangul fillers, variation
    selectors, tags...; controls; the blank Braille pattern used as an "empty" character), and the
    invisible format characters a near-duplicate ignores. Made on first use: only names beyond ASCII
    need them, and start-up doesn't pay for importing regex."""
    import regex

    return (
        regex.compile(r"[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cs}\u2800]"),
        regex.compile(r"[\p{Cf}\p{Default_Ignorable_Code_Point}]+"),
    )


def one_line(name: str) -> str:
    """``name`` with each run of line breaks and tabs (and the spaces around it) turned into one space;
    outer whitespace kept (a name field shows this while the person types)."""
    if name.isprintable():  # one C-speed check; line breaks and tabs are not "printable"
        return name
    return _LINE_BREAK_RUN.sub(" ", name)


def clean_name(name: str) -> str:
    """The name as LabelDesk sends it: line breaks and tabs turned into spaces, outer whitespace trimmed.

    Every way in (the dialogs, the import, the API adapter) goes through this, then :func:`name_problem`.
    Wix itself trims outer whitespace (contract section 11); the rest is LabelDesk's rule: a label name
    is one line.
    """
    return one_line(name).strip()


LINES_JOINED_NOTE = "Line breaks and tabs were turned into spaces."


def cleaning_note(name: str) -> str | None:
    """What :func:`clean_name` changed inside ``name``, in words for a note under the field; None if nothing."""
    if any(ch in _LINE_BREAKS for ch in name.strip()):
        return LINES_JOINED_NOTE
    return None


def name_length(name: str) -> int:
    """A name's length as Wix counts it for its 1-180 rule: in characters (code points), so an emoji
    counts 1, not 2 as in UTF-16 (which Qt's QLineEdit.maxLength counts)."""
    return len(name)


def name_problem(name: str) -> str | None:
    """Why ``name`` (as typed or pasted: it is cleaned first) can't be a label name, or None when it can.

    Refused: empty or invisible names, control characters other than line breaks and tabs (U+0000,
    U+0007...), bidi embeddings, overrides and isolates, and more than :data:`NAME_MAX_LENGTH`
    characters (code points, see :func:`name_length`).
    """
    cleaned = clean_name(name)
    if not cleaned:
        return "Type a name for the label."
    if not cleaned.isprintable():  # the usual name is done after this one check
        for ch in cleaned:
            category = unicodedata.category(ch)
            if category == "Cc":
                return (
                    "This name contains a hidden control character (copied from another program?). "
                    "Type the name again, or remove that character."
                )
            if category == "Cs":
                return "This name contains a broken character (half of an emoji or symbol). Type it again."
            if ch in _BIDI_CONTROLS:
                return (
                    "This name contains a hidden character that reverses the direction of the text, which can "
                    "make a name look like something else. Type the name again, or remove that character."
                )
    # ASCII past the checks above has a visible character: only other names need the Unicode sets.
    if not cleaned.isascii() and _unicode_sets()[0].sub("", cleaned) == "":
        return "This name has only invisible characters. Type a name people can see."
    length = name_length(cleaned)
    if length > NAME_MAX_LENGTH:
        return f"This name is {length:,} characters; the limit is {NAME_MAX_LENGTH}. Shorten it to fit."
    return None


def same_name_form(name: str) -> str:
    """A form of a name in which two names are equal when they are the same name for a person: cleaned,
    canonically composed (NFC: ``Cafe`` + U+0301 is ``Café``) and case-folded.

    Renaming a label to another label's name in this form is refused before asking Wix.
    """
    if name.isascii():
        return clean_name(name).casefold()
    return unicodedata.normalize("NFC", clean_name(name)).casefold()


def near_duplicate_form(name: str) -> str:
    """A form of a name in which two names are equal when they look alike: the one rule for near-duplicates.

    :func:`same_name_form`, then NFKC (compatibility forms: full-width ``ＶＩＰ`` is ``VIP``, a no-break
    space is a space), case-folded again, invisible format characters (zero-width spaces, joiners) removed
    and runs of whitespace collapsed to one space. Accents count (``cafe`` is not ``café``: in many
    languages they make a different word). Equal :func:`same_name_form` means equal near-duplicate form.
    """
    if name.isascii():  # nearly every name: NFKC and the format characters can't change ASCII
        return " ".join(name.casefold().split())
    folded = unicodedata.normalize("NFKC", same_name_form(name)).casefold()
    folded = unicodedata.normalize("NFKC", _unicode_sets()[1].sub("", folded))
    return " ".join(folded.split())


def comparable_name(name: str) -> str:
    """A form of a name for the search box: case, accents and spacing ignored (``cafe`` finds ``Café``).

    Not for near-duplicates (see :func:`near_duplicate_form`). Runs for every label of a refresh
    (50,000 on a big site): ASCII names, nearly all of them, skip the Unicode work, which can't change
    them (ASCII has no decompositions and no combining marks).
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


def shown_name(name: str) -> str:
    """A name as it is safe to show, on one line: line breaks and tabs as spaces, and the characters the
    name rule refuses (controls, bidi overrides, which could make abc + U+202E + txt.exe look like abcexe.txt)
    as a visible U+FFFD. For names made before the rule, or elsewhere: Wix keeps them as they are."""
    if name.isprintable():
        return name
    return "".join(
        "\ufffd" if ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in one_line(name)
    )


def quoted(name: str, limit: int = 60) -> str:
    """A label name in quotes for a sentence (see shown_name), shortened if it is very long."""
    name = shown_name(name)
    short = name if len(name) <= limit else name[: limit - 1] + "…"
    return f"‘{short}’"
