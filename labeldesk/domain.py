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
from typing import TYPE_CHECKING, Annotated, TypeGuard

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


def name_order(name: str) -> str:
    """How the window orders names: without case or accents, so "Émile" sorts beside "Emile" and
    before "Zoë" (Wix orders by code point, contract section 5; that order is only for paging)."""
    return _without_accents(name).casefold()


def comparable_name(name: str) -> str:
    """A form of a name for the search box: case, accents and spacing ignored (``cafe`` finds ``Café``).

    Not for near-duplicates (see :func:`near_duplicate_form`).
    """
    # split() with no argument splits on exactly the characters str.isspace() calls whitespace.
    return " ".join(_without_accents(name).casefold().split())


def _without_accents(name: str) -> str:
    """``name`` decomposed (NFKD) without its combining marks. Runs for every label of a refresh (50,000
    on a big site): ASCII names, nearly all of them, skip the Unicode work, which can't change them
    (ASCII has no decompositions and no combining marks)."""
    if name.isascii():
        return name
    decomposed = unicodedata.normalize("NFKD", name)
    if decomposed.isascii():
        return decomposed
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_text(label: Label) -> str:
    """What the search box matches against: the name without case, accents or extra spaces, then the key."""
    return comparable_name(label.display_name) + "\n" + label.key.casefold()


#: The longest text shown for one name (or other text from the service): past it, "…". Names are at
#: most NAME_MAX_LENGTH, but one made elsewhere (or sent by a broken server) can be a megabyte long,
#: and Qt lays out every character of a text it shows, in a cell, a label or a tooltip.
SHOWN_MAX_LENGTH = 1000

#: Words for the hidden characters people meet most, (one, many), for :func:`reveal_name`.
_HIDDEN_WORDS = {
    "\u202a": ("a left-to-right embedding", "left-to-right embeddings"),
    "\u202b": ("a right-to-left embedding", "right-to-left embeddings"),
    "\u202c": ("an end of embedding or override", "ends of embeddings or overrides"),
    "\u202d": ("a left-to-right override", "left-to-right overrides"),
    "\u202e": ("a right-to-left override", "right-to-left overrides"),
    "\u2066": ("a left-to-right isolate", "left-to-right isolates"),
    "\u2067": ("a right-to-left isolate", "right-to-left isolates"),
    "\u2068": ("a first-strong isolate", "first-strong isolates"),
    "\u2069": ("an end of isolate", "ends of isolates"),
    "\u200e": ("a left-to-right mark", "left-to-right marks"),
    "\u200f": ("a right-to-left mark", "right-to-left marks"),
    "\u061c": ("an Arabic letter mark", "Arabic letter marks"),
    "\u200b": ("a zero-width space", "zero-width spaces"),
    "\u200c": ("a zero-width non-joiner", "zero-width non-joiners"),
    "\u200d": ("a zero-width joiner", "zero-width joiners"),
    "\u2060": ("a word joiner", "word joiners"),
    "\ufeff": ("a zero-width no-break space", "zero-width no-break spaces"),
    "\u00ad": ("a soft hyphen", "soft hyphens"),
    "\u034f": ("a combining grapheme joiner", "combining grapheme joiners"),
    "\u115f": ("a Hangul filler", "Hangul fillers"),
    "\u1160": ("a Hangul filler", "Hangul fillers"),
    "\u3164": ("a Hangul filler", "Hangul fillers"),
    "\uffa0": ("a Hangul filler", "Hangul fillers"),
}
#: Marks that right-to-left names need (see _BIDI_CONTROLS): hidden only in a name without such letters.
_DIRECTION_MARKS = frozenset("\u200e\u200f\u061c")
#: Joiners that belong between two letters or symbols beyond ASCII (emoji sequences, Persian, Indic scripts).
_JOINERS = frozenset("\u200c\u200d")
_KEYCAP = "\u20e3"
_BLACK_FLAG = "\U0001f3f4"
#: How many hidden characters of one kind get their positions listed; past it, only how many.
_POSITIONS_LISTED = 3
#: How many kinds of hidden characters are named in a description; past it, "and N more kinds".
_KINDS_LISTED = 4


#: The only hidden characters (see _hidden_pattern) that str.isprintable() lets through: variation
#: selectors, joiners and fillers that Unicode files as marks or letters. A name that is printable and
#: has none of these hides nothing, found without compiling regex's Unicode tables on the GUI thread
#: (status messages come this way, each with a "…" or a "‘")
_PRINTABLE_HIDDEN = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)


def _is_variation_selector(ch: str) -> bool:
    return "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef" or "\u180b" <= ch <= "\u180f"


def _is_tag(ch: str) -> bool:
    return "\U000e0020" <= ch <= "\U000e007f"


@functools.cache
def _hidden_pattern() -> regex.Pattern[str]:
    """What can hide in a name: controls, broken halves of characters, format characters (bidi
    controls, zero-width spaces...) and everything else Unicode calls "default ignorable" (joiners,
    variation selectors, Hangul fillers, tags); not the prepended marks (U+0600...), which are drawn."""
    import regex

    return regex.compile(
        r"[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Cs}--\p{Prepended_Concatenation_Mark}]", regex.V1
    )


@dataclass(frozen=True, slots=True)
class RevealedName:
    """A name as it is safe to show (see :func:`reveal_name`)."""

    #: The name on one line, each hidden character shown as a marker (``⟨U+202E⟩``), shortened with "…".
    text: str
    #: What was hidden, in words for a tooltip or a note ("This name contains a hidden character: a
    #: right-to-left override (U+202E) at position 8."); None when nothing was.
    hidden: str | None = None
    #: The name on one line without its hidden characters (what a rename can offer instead); not shortened.
    without_hidden: str = ""


def _marker(ch: str) -> str:
    return f"⟨U+{ord(ch):04X}⟩"


def shortened(text: str, limit: int = SHOWN_MAX_LENGTH) -> str:
    """``text`` in at most ``limit`` characters, the last one "…" if it was longer; never half a marker."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    opened = cut.rfind("⟨U+")
    if opened > cut.rfind("⟩"):
        cut = cut[:opened]
    return cut + "…"


def reveal_name(name: str, limit: int = SHOWN_MAX_LENGTH) -> RevealedName:
    """``name`` (a label's, a Wix app's...) made safe to show, for names that hide what they are:
    ``invoice`` + U+202E + ``fdp.exe`` would be shown as "invoiceexe.pdf", and ``V`` + U+200B + ``I`` +
    U+200B + ``P`` exactly like "VIP".

    On one line (line breaks and tabs as spaces, as :func:`one_line`), each hidden character shown as
    ``⟨U+XXXX⟩``, and at most ``limit`` characters (then "…"). Hidden are controls, broken characters,
    bidi embeddings, overrides and isolates, zero-width spaces, soft hyphens, Hangul fillers and the
    other invisible format characters; not those a script or an emoji needs where they are: joiners
    between two characters beyond ASCII, variation selectors after one (or in a keycap such as 1️⃣),
    the tags of a flag, direction marks in a name with right-to-left letters. Positions in the
    description count characters from 1 in the one-line name.

    A name with nothing hidden (nearly all) is done after C-speed checks: the table shows 50,000 of them.
    """
    if name.isprintable() and (name.isascii() or not _PRINTABLE_HIDDEN.search(name)):
        return RevealedName(shortened(name, limit), None, name)
    examined = SHOWN_MAX_LENGTH * 2  # (the rest is never shown: a huge name stays quick)
    line = one_line(name[:examined])
    found = [match.start() for match in _hidden_pattern().finditer(line)]
    right_to_left = bool(found) and any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in line)
    needed: set[int] = set()
    hidden = []
    for at in found:
        if _needed_here(line, at, needed, right_to_left=right_to_left):
            needed.add(at)
        else:
            hidden.append(at)
    if not hidden:
        return RevealedName(shortened(line, limit), None, line)
    pieces: list[str] = []
    start = 0
    for at in hidden:
        pieces += (line[start:at], _marker(line[at]))
        start = at + 1
    pieces.append(line[start:])
    text = "".join(pieces)
    without = "".join(pieces[0::2])
    described = _describe_hidden(line, hidden)
    if len(name) > examined:
        described = described.replace(
            "This name contains", f"The first {examined:,} characters of this name contain", 1
        )
    return RevealedName(shortened(text, limit), described, without)


def _needed_here(line: str, at: int, needed: set[int], *, right_to_left: bool) -> bool:
    """Whether the hidden-looking character at ``at`` is one the text needs there (see reveal_name).
    ``needed``: the positions before it found needed; ``right_to_left``: the line has such letters."""
    ch = line[at]
    if ch in _DIRECTION_MARKS:
        return right_to_left
    before = line[at - 1] if at else ""
    after = line[at + 1] if at + 1 < len(line) else ""

    def shown_beyond_ascii(other: str) -> bool:
        return bool(other) and not other.isascii() and not other.isspace() and not _hidden_pattern().match(other)

    if ch in _JOINERS:
        # (after a variation selector too: the heart of "❤️‍🔥" is U+2764 U+FE0F U+200D U+1F525)
        attached = before and _is_variation_selector(before) and at >= 2 and shown_beyond_ascii(line[at - 2])
        return (shown_beyond_ascii(before) or bool(attached)) and shown_beyond_ascii(after)
    if _is_variation_selector(ch) or ch == "\u034f":
        return shown_beyond_ascii(before) or (before in "0123456789#*" and bool(before) and after == _KEYCAP)
    if _is_tag(ch):  # a subdivision flag: U+1F3F4, then tags (England: g b e n g, then U+E007F)
        return before == _BLACK_FLAG or (at - 1 in needed and _is_tag(before))
    return False


def _hidden_kind(ch: str) -> tuple[str, str]:
    words = _HIDDEN_WORDS.get(ch)
    if words is not None:
        return words
    category = unicodedata.category(ch)
    if category == "Cc":
        return "a control character", "control characters"
    if category == "Cs":
        return "a broken character (half of an emoji or symbol)", "broken characters (halves of emoji or symbols)"
    if _is_variation_selector(ch):
        return "a variation selector", "variation selectors"
    if _is_tag(ch):
        return "an invisible tag character", "invisible tag characters"
    return "an invisible formatting character", "invisible formatting characters"


def _describe_hidden(line: str, hidden: list[int]) -> str:
    """Words for the hidden characters at ``hidden`` (positions in ``line``), kind by kind."""
    kinds: dict[tuple[str, str], list[int]] = {}
    for at in hidden:
        kinds.setdefault(_hidden_kind(line[at]), []).append(at)
    parts = []
    for (one, many), places in list(kinds.items())[:_KINDS_LISTED]:
        codes = list(dict.fromkeys(f"U+{ord(line[at]):04X}" for at in places))
        code_words = ", ".join(codes[:_POSITIONS_LISTED]) + (", …" if len(codes) > _POSITIONS_LISTED else "")
        where = [str(at + 1) for at in places]
        if len(places) == 1:
            parts.append(f"{one} ({code_words}) at position {where[0]}")
        elif len(places) <= _POSITIONS_LISTED:
            parts.append(f"{len(places)} {many} ({code_words}) at positions {', '.join(where[:-1])} and {where[-1]}")
        else:
            parts.append(f"{len(places):,} {many} ({code_words})")
    if len(kinds) > _KINDS_LISTED:
        more = len(kinds) - _KINDS_LISTED
        parts.append(f"and {more} more kind{'' if more == 1 else 's'}")
    if len(hidden) == 1:
        return (
            f"This name contains a hidden character: {parts[0]}.\nIt can make a name look like a different one, "
            f"so LabelDesk shows it as {_marker(line[hidden[0]])}."
        )
    return (
        f"This name contains hidden characters: {'; '.join(parts)}.\nThey can make a name look like a different "
        "one, so LabelDesk shows each as ⟨U+…⟩."
    )


def shown_name(name: str, limit: int = SHOWN_MAX_LENGTH) -> str:
    """A name (or another text from the service) as it is safe to show: :attr:`RevealedName.text`.
    For names made before the name rule, or elsewhere: Wix keeps them as they are."""
    return reveal_name(name, limit).text


def quoted(name: str, limit: int = 60) -> str:
    """A label name in quotes for a sentence (see shown_name), shortened if it is very long."""
    return f"‘{shown_name(name, limit)}’"
