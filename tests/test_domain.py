from __future__ import annotations

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


def test_only_user_labels_are_editable():
    assert Label("custom.a", "A", LabelType.USER_DEFINED).editable
    for kind in (LabelType.SYSTEM, LabelType.WIX_APP_DEFINED, LabelType.UNKNOWN):
        label = Label("x.a", "A", kind)
        assert not label.editable and label.not_editable_reason
