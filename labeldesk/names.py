"""The rules for label names: what a name may be, how it is cleaned, and when two names are the same.

Qt-free, and free of Label itself (labeldesk.domain re-exports all of this): every way a name comes in (the
dialogs, the import, the API adapter) cleans it with :func:`clean_name` and checks it with :func:`name_problem`;
the window compares, orders and searches names with the forms below.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

#: The contract's length rule for a display name, counted after trimming outer whitespace.
NAME_MAX_LENGTH = 180

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
def _unicode_sets() -> tuple[regex.Pattern[str], regex.Pattern[str], regex.Pattern[str]]:
    """(invisible, format, punctuation): characters that show nothing on their own (whitespace, Unicode's
    "default ignorable" ones: zero-width spaces and joiners, soft hyphen, word joiner, Hangul fillers,
    variation selectors, tags...; controls; the blank Braille pattern used as an "empty" character), the
    invisible format characters a near-duplicate ignores, and the punctuation it ignores (see
    :data:`_KEPT_PUNCTUATION`). Made on first use: only names beyond ASCII need them, and start-up
    doesn't pay for importing regex."""
    import regex

    kept = regex.escape(_KEPT_PUNCTUATION)
    return (
        regex.compile(r"[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cs}\u2800]"),
        regex.compile(r"[\p{Cf}\p{Default_Ignorable_Code_Point}]+"),
        regex.compile(rf"[\p{{P}}--[{kept}]]+", regex.VERSION1),
    )


#: Punctuation that is part of what a name means ("C#" is not "C", "R&D" not "RD"): a near-duplicate
#: keeps it. The rest (dots, dashes, colons, quotes, brackets...) it ignores: "V.I.P." looks like "VIP".
_KEPT_PUNCTUATION = "#&@%*"
#: str.translate's table that drops the ASCII punctuation a near-duplicate ignores.
_ASCII_PUNCTUATION = str.maketrans(
    "", "", "".join(c for c in map(chr, range(128)) if unicodedata.category(c)[0] == "P" and c not in _KEPT_PUNCTUATION)
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
    space is a space), case-folded again, invisible format characters (zero-width spaces, joiners) and
    punctuation removed (``V.I.P.`` is ``VIP``, ``Baking Class: Pastry`` is ``Baking Class Pastry``; but
    not the signs in :data:`_KEPT_PUNCTUATION`), and runs of whitespace collapsed to one space. A name
    that is all punctuation keeps it. Spaces between letters count (``V I P`` is not ``VIP``), and so do
    accents (``cafe`` is not ``café``: in many languages they make a different word). Equal
    :func:`same_name_form` means equal near-duplicate form.
    """
    return near_duplicate_forms((name,))[0]


def near_duplicate_forms(names: Iterable[str]) -> list[str]:
    """:func:`near_duplicate_form` of each of ``names``, in their order: for a whole site's names at once,
    with no Python call per ASCII name."""
    listed = names if isinstance(names, list | tuple) else list(names)
    # Nearly every name is ASCII, which NFKC and the format characters can't change: case, punctuation
    # and spacing only.
    forms = list(map(" ".join, map(str.split, map(str.casefold, _without_punctuation(listed)))))
    if not all(map(str.isascii, listed)):
        _, format_characters, punctuation = _unicode_sets()
        for position, name in enumerate(listed):
            if not name.isascii():
                folded = unicodedata.normalize("NFKC", same_name_form(name)).casefold()
                folded = unicodedata.normalize("NFKC", format_characters.sub("", folded))
                bare = punctuation.sub("", folded)  # (all punctuation and spaces: kept whole, as for ASCII)
                forms[position] = " ".join((bare if bare.strip() else folded).split())
    return forms


def _without_punctuation(names: list[str] | tuple[str, ...]) -> list[str]:
    """``names`` without the ASCII punctuation a near-duplicate ignores (a name that is all punctuation
    kept whole), at C speed for the names that have none."""
    stripped = [name.translate(_ASCII_PUNCTUATION) for name in names]
    return [new if new.strip() or not old.strip() else old for new, old in zip(stripped, names, strict=True)]


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
