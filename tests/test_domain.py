from __future__ import annotations

import random
import re
import unicodedata

import pytest

from labeldesk.domain import Label, LabelType, comparable_name, name_problem


@pytest.mark.parametrize("name", ["VIP", " x ", "a" * 180, "  " + "a" * 180 + "  ", "<b>x</b>", "東京"])
def test_good_names_have_no_problem(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(("name", "words"), [("", "Type a name"), ("   ", "Type a name"), ("a" * 181, "1 too long")])
def test_bad_names_say_why(name, words):
    assert words in name_problem(name)


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
