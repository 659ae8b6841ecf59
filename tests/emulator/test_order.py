"""The emulator orders names as Wix documents for strings: by code point (contract sections 5 and 11)."""

from __future__ import annotations

import pytest

from labeldesk.api import Sort, SortOrder
from labeldesk.domain import LabelType

NAMES = ("abc", "XYZ", "dup name", "Dup Name", "VIP", "Émile", "Zoë", "emma")
#: Code point order: capitals before small letters, accented letters after both.
BY_CODE_POINT = ["Dup Name", "VIP", "XYZ", "Zoë", "abc", "dup name", "emma", "Émile"]


@pytest.fixture
def named(client):
    for name in NAMES:
        client.find_or_create(name)
    return client


def user_names(page):
    return [label.display_name for label in page.labels if label.label_type is LabelType.USER_DEFINED]


def test_list_sorts_display_names_by_code_point_so_xyz_comes_before_abc(named):
    assert user_names(named.list_labels(sort=Sort("displayName"))) == BY_CODE_POINT
    descending = named.list_labels(sort=Sort("displayName", SortOrder.DESC))
    assert user_names(descending) == BY_CODE_POINT[::-1]


def test_query_sorts_display_names_by_code_point_too(named):
    page = named.query_labels(filter={"labelType": "USER_DEFINED"}, sort=[Sort("displayName")])
    assert user_names(page) == BY_CODE_POINT
