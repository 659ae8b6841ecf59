"""Labels (labeldesk/domain.py): who may change them, and why not, in words."""

from __future__ import annotations

from labeldesk.domain import Label, LabelType


def test_only_user_labels_are_editable():
    assert Label("custom.a", "A", LabelType.USER_DEFINED).editable
    for kind in (LabelType.SYSTEM, LabelType.WIX_APP_DEFINED, LabelType.UNKNOWN):
        label = Label("x.a", "A", kind)
        assert not label.editable and label.not_editable_reason


def test_a_wix_apps_name_is_shown_short_with_its_hidden_characters_marked():
    label = Label("app.x", "X", LabelType.WIX_APP_DEFINED, namespace_display_name="Shop\u202epots" + "x" * 1_000_000)
    reason = label.not_editable_reason
    assert "Shop⟨U+202E⟩pots" in reason and len(reason) < 200 and "\u202e" not in reason


def test_a_label_type_is_known_by_wixs_name_and_any_other_name_is_unknown():
    from labeldesk.domain import label_type_named

    assert [label_type_named(kind.value) for kind in LabelType] == list(LabelType)
    assert label_type_named("GROUP") is label_type_named(None) is LabelType.UNKNOWN
