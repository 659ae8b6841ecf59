"""Showing names safely: hidden characters made visible and named, long names shortened.

Qt-free. A name made elsewhere can hide what it is (a right-to-left override, zero-width spaces): every
place that shows a name from the service goes through :func:`reveal_name` (or :func:`shown_name`,
:func:`quoted`). labeldesk.domain re-exports all of this.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

import msgspec

from labeldesk.names import one_line

if TYPE_CHECKING:
    import regex

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


class RevealedName(msgspec.Struct, frozen=True):
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
