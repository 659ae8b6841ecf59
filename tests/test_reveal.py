"""Showing names safely (labeldesk/reveal.py): hidden characters marked and named, long names shortened."""

from __future__ import annotations

import pytest

from labeldesk.reveal import SHOWN_MAX_LENGTH, RevealedName, quoted, reveal_name, shown_name


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
