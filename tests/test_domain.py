from __future__ import annotations

import random
import re
import unicodedata

import pytest

from labeldesk.domain import (
    NAME_MAX_LENGTH,
    SHOWN_MAX_LENGTH,
    Label,
    LabelType,
    RevealedName,
    clean_name,
    comparable_name,
    name_problem,
    near_duplicate_form,
    quoted,
    reveal_name,
    same_name_form,
    shown_name,
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
    ],
)
def test_near_duplicates_are_names_that_look_alike(a, b):
    assert near_duplicate_form(a) == near_duplicate_form(b)


@pytest.mark.parametrize(("a", "b"), [("VIP", "VIPs"), ("cafe", "café"), ("año", "ano"), ("A B", "AB")])
def test_different_names_are_not_near_duplicates(a, b):
    assert near_duplicate_form(a) != near_duplicate_form(b)


def test_same_name_means_trimmed_composed_and_case_folded():
    assert same_name_form(" VIP Customers ") == same_name_form("vip customers")
    assert same_name_form("Café") == same_name_form("CAFE\u0301")
    assert same_name_form("VIP  Customers") != same_name_form("VIP Customers")  # only near
    assert same_name_form("ＶＩＰ") != same_name_form("VIP")  # only near


def test_the_same_name_is_always_a_near_duplicate():
    rng = random.Random(11)
    pool = [*"aAzZß ", "\u00a0", "\u0301", "\u0345", "ǰ", "İ", "ﬁ", "Ω", "ＶＩ", "\u200b", "\t"]
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


def test_only_user_labels_are_editable():
    assert Label("custom.a", "A", LabelType.USER_DEFINED).editable
    for kind in (LabelType.SYSTEM, LabelType.WIX_APP_DEFINED, LabelType.UNKNOWN):
        label = Label("x.a", "A", kind)
        assert not label.editable and label.not_editable_reason


def test_names_made_elsewhere_are_shown_on_one_line_with_hidden_controls_made_visible():
    assert shown_name("VIP") == "VIP"
    assert shown_name("Line one\nLine two\tTabbed") == "Line one Line two Tabbed"
    assert shown_name("abc\u202etxt.exe") == "abc⟨U+202E⟩txt.exe"
    assert shown_name("Nul\x00here") == "Nul⟨U+0000⟩here"
    assert shown_name("\u05e9\u05dc\u05d5\u05dd\u200f") == "\u05e9\u05dc\u05d5\u05dd\u200f"  # marks stay
    assert quoted("abc\u202etxt.exe") == "‘abc⟨U+202E⟩txt.exe’"


@pytest.mark.parametrize(
    ("name", "shown", "said"),
    [
        (
            "invoice\u202efdp.exe",
            "invoice⟨U+202E⟩fdp.exe",
            "a hidden character: a right-to-left override (U+202E) at position 8.",
        ),
        (
            "V\u200bI\u200bP",
            "V⟨U+200B⟩I⟨U+200B⟩P",
            "hidden characters: 2 zero-width spaces (U+200B) at positions 2 and 4.",
        ),
        ("VIP\u2066", "VIP⟨U+2066⟩", "a left-to-right isolate (U+2066) at position 4"),
        ("V\u200dIP", "V⟨U+200D⟩IP", "a zero-width joiner (U+200D)"),  # no emoji or script joined here
        ("\u3164", "⟨U+3164⟩", "a Hangul filler (U+3164)"),
        ("Sale\u00ad", "Sale⟨U+00AD⟩", "a soft hyphen (U+00AD)"),
        ("Tel\u200eAviv", "Tel⟨U+200E⟩Aviv", "a left-to-right mark"),  # no right-to-left letters to need it
        ("A\U000e0067\U000e007f", "A⟨U+E0067⟩⟨U+E007F⟩", "2 invisible tag characters (U+E0067, U+E007F)"),
        ("Bell\x07", "Bell⟨U+0007⟩", "a control character (U+0007)"),
        ("\u200b" * 1000, "⟨U+200B⟩" * 124 + "…", "1,000 zero-width spaces (U+200B).\nThey can"),
    ],
)
def test_names_that_hide_what_they_are_show_each_hidden_character_and_say_what_it_is(name, shown, said):
    revealed = reveal_name(name)
    assert revealed.text == shown
    assert said in revealed.hidden and "look like a different one" in revealed.hidden
    assert "\u202e" not in revealed.hidden and "\u200b" not in revealed.hidden  # the words hide nothing either
    assert revealed.without_hidden == "".join(ch for ch in name if ch.isprintable() and ch not in "\u3164")


@pytest.mark.parametrize(
    "name",
    [
        "VIP",
        "Café crème",
        "\u05e9\u05dc\u05d5\u05dd\u200f",  # a right-to-left mark in Hebrew
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # a zero-width non-joiner in Persian
        "\u2764\ufe0f\u200d\U0001f525 fans",  # an emoji sequence: variation selector and joiner
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 families",
        "1\ufe0f\u20e3 first",  # a keycap
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f fans",  # the flag of England
        "\u0600\u0661",  # an Arabic number sign is drawn
    ],
)
def test_characters_a_script_or_an_emoji_needs_are_not_called_hidden(name):
    assert reveal_name(name) == RevealedName(name, None, name)


def test_a_huge_name_is_shown_short_and_quickly_and_markers_are_never_cut_in_half():
    assert len(shown_name("W" * 1_000_000)) == SHOWN_MAX_LENGTH
    assert shown_name("W" * 1_000_000).endswith("…")
    huge = reveal_name("\u202e" * 1_000_000)
    assert len(huge.text) <= SHOWN_MAX_LENGTH
    assert huge.hidden.startswith("The first 2,000 characters of this name contain hidden characters: 2,000 right")
    tags = reveal_name("\U000e0041" * 1_000_000)  # (each tag judged once: a flag's tags follow U+1F3F4)
    assert tags.hidden and tags.text.startswith("⟨U+E0041⟩⟨U+E0041⟩")
    assert quoted("abcdef\u202etxt.exe", 10) == "‘abcdef…’"


def test_a_wix_apps_name_is_shown_short_with_its_hidden_characters_marked():
    label = Label("app.x", "X", LabelType.WIX_APP_DEFINED, namespace_display_name="Shop\u202epots" + "x" * 1_000_000)
    reason = label.not_editable_reason
    assert "Shop⟨U+202E⟩pots" in reason and len(reason) < 200 and "\u202e" not in reason


def test_every_hidden_character_that_counts_as_printable_is_known_without_the_unicode_tables():
    import regex

    from labeldesk import reveal

    hidden = regex.compile(
        r"[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Cs}--\p{Prepended_Concatenation_Mark}]", regex.V1
    )
    printable_hidden = [chr(code) for code in range(0x110000) if chr(code).isprintable() and hidden.match(chr(code))]
    assert printable_hidden and all(reveal._PRINTABLE_HIDDEN.match(ch) for ch in printable_hidden)
    assert reveal_name("Caf\u00e9 \u2014 \u2018x\u2019\u2026").hidden is None  # (the quick way: no regex)
    assert reveal_name("Ca\ufe0ffe").hidden and reveal_name("\u3164").hidden
