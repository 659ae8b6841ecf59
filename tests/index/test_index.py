"""The label index on its own: Qt-free, no give-way, exact date order, the near-duplicate index."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from labeldesk.domain import Label, LabelType
from labeldesk.index import NearDuplicates, sort_key_function, sort_value
from labeldesk.index.sorting import Column


def test_the_index_imports_no_qt():
    """Both processes build it: the engine's has no Qt."""
    code = (
        "import sys, labeldesk.index\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken', "
        "'labeldesk.ui'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_date_sort_texts_order_exactly_as_the_sort_values_do():
    base = datetime(2025, 1, 1, tzinfo=UTC)
    moments = [
        None,
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        base,
        base + timedelta(microseconds=1),
        base + timedelta(microseconds=100),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ]
    labels = {
        f"custom.k{9 - n}": Label(f"custom.k{9 - n}", "x", LabelType.USER_DEFINED, created=m)
        for n, m in enumerate(moments)
    }
    values = [sort_value(label, Column.CREATED) for label in labels.values()]
    assert values[0] == -math.inf and values == sorted(values) and len(set(values)) == len(values)
    texts = list(map(sort_key_function(labels, None, Column.CREATED), labels))
    assert texts == sorted(texts)  # in time order, though the keys run the other way


def test_the_near_duplicate_index_answers_by_domains_rule_and_prefers_the_closest():
    labels = {
        "custom.a": Label("custom.a", "ＶＩＰ", LabelType.USER_DEFINED),
        "custom.b": Label("custom.b", "vip", LabelType.USER_DEFINED),
        "custom.c": Label("custom.c", "Café", LabelType.USER_DEFINED),
    }
    twins = NearDuplicates.of(labels)
    assert twins.closest(" vip ", labels).key == "custom.b"
    assert twins.closest("VIP", labels, ignore_key="custom.b").key == "custom.a"
    assert twins.closest("cafe", labels) is None  # an accent makes a different word
    twins.forget("custom.c", "Café")
    assert twins.closest("CAFÉ", labels) is None and twins == NearDuplicates.of(
        {k: v for k, v in labels.items() if k != "custom.c"}
    )


def test_the_near_duplicate_index_kept_up_to_date_equals_one_made_anew():
    """Add and forget keep the same shape as ``of`` makes (a form shared by several labels, then by
    one again), so a kept index and a new one agree."""
    import random

    rng = random.Random(5)
    names = ["VIP", "vip", "ＶＩＰ", "V I P", "Café", "CAFÉ", "cafe", "x\u200by", "xy", "Ärger"]
    labels: dict[str, Label] = {}
    twins = NearDuplicates.of(labels)
    for _ in range(400):
        key = f"custom.k{rng.randrange(12)}"
        if key in labels and rng.random() < 0.4:
            twins.forget(key, labels.pop(key).display_name)
        else:
            if key in labels:
                twins.forget(key, labels[key].display_name)
            labels[key] = Label(key, rng.choice(names), LabelType.USER_DEFINED)
            twins.add(key, labels[key].display_name)
        assert twins == NearDuplicates.of(labels)
        assert all(len(keys) > 1 for keys in twins.several.values())


def test_the_near_duplicate_index_made_in_slices_equals_one_kept_up_to_date(monkeypatch):
    """``of`` works a slice of labels at a time: forms shared across slices end up as if added one by one."""
    from labeldesk.index import twins as twins_module

    names = ["VIP", "vip", "Café", "ＶＩＰ", "cafe", "CAFÉ", "xy", "x\u200by", "Solo"]
    labels = {
        f"custom.k{n:02d}": Label(f"custom.k{n:02d}", names[n % len(names)], LabelType.USER_DEFINED) for n in range(25)
    }
    added = NearDuplicates()
    for key, one in labels.items():
        added.add(key, one.display_name)
    monkeypatch.setattr(twins_module, "_SLICE", 2)
    assert NearDuplicates.of(labels) == added


def test_near_duplicate_forms_in_bulk_are_the_rules_forms():
    from labeldesk.domain import near_duplicate_form, near_duplicate_forms

    names = ["VIP", " v\tI  p ", "ＶＩＰ", "Cafe\u0301", "x\u200by", "Ärger\u00a0", "", "\u3000", "a\x1cb"]
    assert near_duplicate_forms(names) == [near_duplicate_form(name) for name in names]
    assert near_duplicate_forms(iter(names)) == near_duplicate_forms(names)
