"""ArrivingLabels: a refresh's parts taken in as they come, so its end leaves the GUI thread nothing to sort."""

from __future__ import annotations

from labeldesk.domain import Label, LabelType, search_text
from labeldesk.engine import protocol as p
from labeldesk.index.sorting import Column
from labeldesk.ui.engine_link import ArrivingLabels


def _part(*names: str) -> p.LabelsPart:
    labels = [Label(f"custom.{name.lower()}", name, LabelType.USER_DEFINED) for name in names]
    return p.LabelsPart(1, labels, [search_text(label) for label in labels])


def test_parts_sent_in_the_tables_order_are_the_order_with_their_texts_side_by_side():
    arriving = ArrivingLabels(1)
    arriving.add(_part("Apple", "Banana"))
    arriving.add(_part("Cherry"))
    batch = arriving.batch(p.LabelsDone(1, unreadable=2, sort_spec=(int(Column.NAME), False)))
    assert batch.order == ["custom.apple", "custom.banana", "custom.cherry"]
    assert batch.sort_spec == (Column.NAME, False)
    assert batch.order_texts == [batch.search[key] for key in batch.order]
    assert batch.by_key is not None and list(batch.by_key) == batch.order
    assert batch.unreadable == 2


def test_unsorted_parts_or_a_key_sent_twice_give_no_order():
    unsorted = ArrivingLabels(1)
    unsorted.add(_part("Banana", "Apple"))
    assert unsorted.batch(p.LabelsDone(1)).order is None
    twice = ArrivingLabels(1)
    twice.add(_part("Apple"))
    twice.add(_part("Apple", "Banana"))
    batch = twice.batch(p.LabelsDone(1, sort_spec=(int(Column.NAME), False)))
    assert (
        batch.order is None and len(batch.search) == 2
    )  # (the model sorts it itself: never an order with a key twice)
