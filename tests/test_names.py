"""The rules for label names (labeldesk/names.py): what a name may be, and when two names are the same."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from labeldesk.names import (
    NAME_MAX_LENGTH,
    clean_name,
    comparable_name,
    name_problem,
    near_duplicate_form,
    same_name_form,
)


@pytest.mark.parametrize(
    "name",
    [
        "VIP",
        " x ",
        "a" * 180,
        "  " + "a" * 180 + "  ",
        "<b>x</b>",
        "東京",
        "😀" * 180,  # 180 characters to Wix, though 360 UTF-16 units to Qt
        "👨\u200d👩\u200d👧",  # joiners inside an emoji sequence
        "\u05e9\u05dc\u05d5\u05dd\u200f 2",  # a right-to-left mark
        "Line one\nLine two\tTabbed",  # becomes one line
    ],
)
def test_good_names_have_no_problem(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "Type a name"),
        ("   ", "Type a name"),
        ("\n\t", "Type a name"),
        ("a" * 181, "This name is 181 characters; the limit is 180."),
        ("x" * 300, "This name is 300 characters; the limit is 180."),
        ("😀" * 181, "This name is 181 characters"),
        ("Nul\x00here", "hidden control character"),
        ("Bell\x07", "hidden control character"),
        ("DEL\x7f", "hidden control character"),
        ("a\x1fb", "hidden control character"),
        ("abc\u202etxt.exe", "reverses the direction"),
        ("a\u202ab", "reverses the direction"),
        ("a\u2066b\u2069", "reverses the direction"),
        ("\u200b", "only invisible characters"),
        (" \u200b\u200c\u200d\ufeff\u2060 ", "only invisible characters"),
        ("\u00ad\u3164\u2800", "only invisible characters"),
        ("\ud83d", "broken character"),
    ],
)
def test_bad_names_say_why(name, words):
    assert words in name_problem(name)


def test_line_breaks_and_tabs_become_one_space():  # (the note: tests/ui/test_name_dialog.py)
    assert clean_name("Line one\nLine two\tTabbed") == "Line one Line two Tabbed"
    assert clean_name("  a \r\n\r\n b\x0bc\u2028d\t") == "a b c d"


def test_the_length_limit_counts_characters_not_utf16_units():
    assert NAME_MAX_LENGTH == 180
    assert name_problem("😀" * 180) is None and name_problem("é" * 180) is None
    assert name_problem("\U0001f600" * 90 + "a" * 90) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("VIP Customers", "vip customers "),
        ("VIP Customers", "VIP\u00a0Customers"),  # no-break space
        ("VIP Customers", "ＶＩＰ Customers"),  # full-width letters
        ("Café", "Cafe\u0301"),  # composed and decomposed accent
        ("VIP Customers", "VIP  \u3000 customers"),  # inner whitespace, ideographic space
        ("VIP", "V\u200bIP"),  # a zero-width space
        ("Straße", "STRASSE"),  # case folding, not lower-casing
        ("ﬁsh", "fish"),  # a ligature
        ("VIP", "V.I.P."),  # punctuation
        ("Baking Class: Pastry", "Baking Class Pastry"),
        ("e-mail list", "Email list"),
        ("VIP", "«VIP»…"),  # punctuation beyond ASCII
        ("VIP", "Ｖ．Ｉ．Ｐ．"),  # full-width full stops
        ("Café-Bar", "cafébar"),  # ASCII punctuation in a name beyond ASCII
    ],
)
def test_near_duplicates_are_names_that_look_alike(a, b):
    assert near_duplicate_form(a) == near_duplicate_form(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("VIP", "VIPs"),
        ("cafe", "café"),
        ("año", "ano"),
        ("A B", "AB"),
        ("C#", "C"),  # the signs that mean something stay
        ("R&D", "RD"),
        ("!!!", "???"),  # a name that is all punctuation keeps it
        ("«»", "VIP"),
    ],
)
def test_different_names_are_not_near_duplicates(a, b):
    assert near_duplicate_form(a) != near_duplicate_form(b)


def test_ascii_and_other_names_drop_the_same_punctuation():
    """Two ways make the form (a C-speed one for ASCII names): each ASCII sign goes or stays in both."""
    for code in range(33, 127):
        sign = chr(code)
        assert near_duplicate_form(f"a{sign}b") + "é" == near_duplicate_form(f"a{sign}bé"), sign


def test_a_name_of_punctuation_and_spaces_keeps_it_whether_ascii_or_not():
    assert near_duplicate_form("- -") == "- -"
    assert near_duplicate_form("\u2014 \u2014") == "\u2014 \u2014"  # (em dashes: not empty, as "- -" isn't)
    assert near_duplicate_form("\u2014 \u2014") != near_duplicate_form("\u00a1 !")


def test_same_name_means_trimmed_composed_and_case_folded():
    assert same_name_form(" VIP Customers ") == same_name_form("vip customers")
    assert same_name_form("Café") == same_name_form("CAFE\u0301")
    assert same_name_form("VIP  Customers") != same_name_form("VIP Customers")  # only near
    assert same_name_form("ＶＩＰ") != same_name_form("VIP")  # only near


def test_the_same_name_is_always_a_near_duplicate():
    rng = random.Random(11)
    pool = [*"aAzZß .-#", "\u00a0", "\u0301", "\u0345", "ǰ", "İ", "ﬁ", "Ω", "ＶＩ", "\u200b", "\t"]
    for _ in range(20_000):
        name = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 8)))
        for other in (name.upper(), name.casefold(), unicodedata.normalize("NFD", name), f" {name}\n"):
            if same_name_form(name) == same_name_form(other):
                assert near_duplicate_form(name) == near_duplicate_form(other), (name, other)


def test_comparable_names_ignore_case_accents_and_spacing():
    assert comparable_name("  Crème\tBrûlée ") == "creme brulee"
    assert comparable_name("Café  Regulars") == comparable_name("cafe regulars")
    assert comparable_name("VIPs") != comparable_name("VIP")


def _comparable_name_by_the_book(name: str) -> str:
    """The rule spelled out plainly (the real one takes shortcuts): NFKD, drop combining marks,
    casefold, runs of whitespace to one space, trimmed. Search texts saved in caches depend on it."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", without_marks.casefold()).strip()


def test_comparable_name_shortcuts_change_nothing():
    every_bmp_char = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    for char in every_bmp_char:
        for name in (char, f" A{char}b  ", f"x\u0301{char}\u00a0Y"):
            assert comparable_name(name) == _comparable_name_by_the_book(name), repr(name)
    rng = random.Random(7)
    pool = [*"aAzZ09 -_.", "\t", "\n", "\x1c", "\u00a0", "\u2003", *"éÉçßİıǰﬁ①東京Ωω", "\u0301", "\u0308", "😀"]
    for _ in range(20_000):
        name = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 12)))
        assert comparable_name(name) == _comparable_name_by_the_book(name), repr(name)
