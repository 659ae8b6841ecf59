"""Every row of the contract's endpoint table and section 11, through the adapter, over real sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from labeldesk.api import Sort, SortOrder, errors
from labeldesk.api import client as client_module
from labeldesk.domain import LabelType
from labeldesk.emulator import Emulator, LabelStore, seed_many
from tests.conftest import make_client


def test_find_or_create_makes_a_new_user_label(client):
    result = client.find_or_create("VIP Customer")
    assert result.created is True
    label = result.label
    assert label.key == "custom.vip-customer"
    assert label.display_name == "VIP Customer"
    assert label.label_type is LabelType.USER_DEFINED
    assert label.namespace == "custom"
    assert label.namespace_display_name == "Labels"
    assert label.created is not None and label.created.tzinfo is not None
    assert abs(label.created - datetime.now(UTC)) < timedelta(minutes=1)


def test_find_or_create_returns_the_existing_label_with_new_label_false(client, emulator):
    first = client.find_or_create("Wholesale")
    again = client.find_or_create("  Wholesale ")
    assert again.created is False
    assert again.label == first.label
    assert len(emulator.store) == 3  # the two system labels and one Wholesale


def test_find_or_create_is_case_sensitive_and_slug_collisions_get_numbers(client):
    vip = client.find_or_create("VIP").label
    lower = client.find_or_create("vip")
    spaced = client.find_or_create("V.I.P")
    assert lower.created and lower.label.key == "custom.vip-2"
    assert spaced.label.key == "custom.v-i-p"
    assert vip.key == "custom.vip"
    assert client.find_or_create("vip!").label.key == "custom.vip-3"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Active Customer", "custom.active-customer"),
        ("At Risk", "custom.at-risk"),
        ("Puppy Training COURSE", "custom.puppy-training-course"),
        ("Barking Intensive (long weekend)", "custom.barking-intensive-long-weekend"),
        ("Crème Brûlée", "custom.cr-me-br-l-e"),
    ],
)
def test_keys_follow_the_documented_slug_examples(client, name, key):
    assert client.find_or_create(name).label.key == key


def test_a_name_without_ascii_letters_gets_a_random_hex_slug(client):
    key = client.find_or_create("東京").label.key
    assert key.startswith("custom.")
    slug = key.removeprefix("custom.")
    assert len(slug) == 8 and int(slug, 16) >= 0


def test_long_names_get_keys_cut_to_80_characters(client):
    first = client.find_or_create("x" * 180).label
    second = client.find_or_create("x" * 179 + "y").label
    assert len(first.key) == 80
    assert len(second.key) <= 80 and second.key.endswith("-2")


@pytest.mark.parametrize("name", ["", "   ", "x" * 181])
def test_invalid_names_are_a_validation_error_with_the_field(client, name, monkeypatch):
    # The client refuses these before sending (tests/api/test_names.py); here Wix's own refusal is read.
    monkeypatch.setattr(client_module, "name_problem", lambda name: None)
    with pytest.raises(errors.ValidationError) as caught:
        client.find_or_create(name)
    assert caught.value.status == 400
    assert [v.field for v in caught.value.violations] == ["displayName"]
    assert "displayName" in caught.value.details  # the field is for support; the words name "the label name"
    assert str(caught.value).startswith("Wix didn't accept the label name")


def test_get_returns_the_label(client):
    created = client.find_or_create("Newsletter").label
    assert client.get(created.key) == created


def test_get_unknown_key_is_label_not_found(client):
    with pytest.raises(errors.LabelNotFoundError) as caught:
        client.get("custom.nope")
    assert caught.value.status == 404
    assert caught.value.code == "LABEL_NOT_FOUND"
    assert caught.value.request_id


def test_rename_keeps_the_key_and_advances_updated(client):
    created = client.find_or_create("Wholesale").label
    renamed = client.rename(created.key, "Trade Customers")
    assert renamed.key == created.key
    assert renamed.display_name == "Trade Customers"
    assert renamed.created == created.created
    assert renamed.updated >= created.updated
    assert client.get(created.key).display_name == "Trade Customers"
    # The old name is free again and makes a new key, not the renamed one.
    assert client.find_or_create("Wholesale").label.key == "custom.wholesale-2"


def test_rename_to_a_taken_name_is_a_conflict(client):
    client.find_or_create("VIP")
    other = client.find_or_create("Regulars").label
    with pytest.raises(errors.ConflictError) as caught:
        client.rename(other.key, "VIP")
    assert caught.value.status == 409
    assert caught.value.code == "LABEL_ALREADY_EXISTS"
    assert client.get(other.key).display_name == "Regulars"


def test_rename_validates_the_name(client):
    label = client.find_or_create("VIP").label
    with pytest.raises(errors.ValidationError):
        client.rename(label.key, " ")


@pytest.mark.parametrize("key", ["contacts.customers", "contacts.contacted-me"])
def test_system_labels_refuse_rename_and_delete(client, key):
    with pytest.raises(errors.LabelNotEditableError) as caught:
        client.rename(key, "Buyers")
    assert caught.value.status == 403
    with pytest.raises(errors.LabelNotEditableError):
        client.delete(key)
    assert client.get(key).label_type is LabelType.SYSTEM


def test_app_labels_refuse_rename_and_delete(client, store):
    store.add_label("Booked", label_type="WIX_APP_DEFINED", namespace="bookings", namespace_display_name="Wix Bookings")
    with pytest.raises(errors.LabelNotEditableError):
        client.rename("bookings.booked", "Booked a Session")
    with pytest.raises(errors.LabelNotEditableError):
        client.delete("bookings.booked")


def test_system_labels_have_no_dates(client):
    customers = client.get("contacts.customers")
    assert customers.display_name == "Customers"
    assert customers.created is None and customers.updated is None
    assert not customers.editable


def test_delete_then_get_is_not_found_and_contacts_lose_the_label(client, store):
    label = client.find_or_create("Lapsed").label
    contact = store.add_contact({label.key, "contacts.customers"})
    assert client.contact_counts()[label.key] == 1
    client.delete(label.key)
    with pytest.raises(errors.LabelNotFoundError):
        client.get(label.key)
    with pytest.raises(errors.LabelNotFoundError):
        client.delete(label.key)
    assert store.label_keys_of(contact) == {"contacts.customers"}
    assert label.key not in client.contact_counts()


def test_contact_counts_come_from_one_facets_call(client, store, emulator):
    vip = client.find_or_create("VIP").label
    for _ in range(3):
        store.add_contact({vip.key})
    store.add_contact({vip.key, "contacts.customers"})
    store.add_contact()
    emulator.clear_requests()
    counts = client.contact_counts()
    assert counts == {vip.key: 4, "contacts.customers": 1}
    assert [r.path for r in emulator.requests] == ["/contacts/v4/contacts/facets"]


def test_contact_counts_follow_facet_paging_if_the_service_pages(client, store, emulator, monkeypatch):
    keys = [client.find_or_create(f"L{i}").label.key for i in range(5)]
    for key in keys:
        store.add_contact({key})
    original = store.facets
    monkeypatch.setattr(store, "facets", lambda params: original({**params, "paging.limit": "3"}))
    assert client.contact_counts() == dict.fromkeys(keys, 1)


def test_quota_reached_carries_quota_and_total(client, store):
    store.quota = 3
    for name in ("A", "B", "C"):
        client.find_or_create(name)
    with pytest.raises(errors.QuotaReachedError) as caught:
        client.find_or_create("D")
    error = caught.value
    assert error.status == 428 and error.code == "LABELS_QUOTA_REACHED"
    assert (error.quota, error.current_total) == (3, 3)
    assert "limit of 3 labels" in str(error)
    # Finding an existing label still works at the quota.
    assert client.find_or_create("A").created is False


# -- list and query across 2,500 labels ------------------------------------------------------------------


@pytest.fixture
def big_client():
    """2,500 user labels besides the two system ones, plus three app labels created last."""
    store = LabelStore()
    seed_many(store, 2500)
    for name in ("Purchased", "Abandoned Cart", "Subscribed"):
        store.add_label(name, label_type="WIX_APP_DEFINED", namespace="wixstores", namespace_display_name="Wix Stores")
    with Emulator(store, rate_limit=None) as emulator, make_client(emulator) as client:
        yield client


def _page_through(fetch, limit):
    keys, offset = [], 0
    while True:
        page = fetch(limit=limit, offset=offset)
        keys.extend(label.key for label in page.labels)
        offset += len(page.labels)
        if not page.labels or offset >= page.total:
            return keys, page.total


def test_list_pages_through_2500_labels_at_the_max_page_size(big_client):
    first = big_client.list_labels()
    assert len(first.labels) == 1000 and first.total == 2505  # default page size 1000
    keys, total = _page_through(big_client.list_labels, 2000)
    assert total == 2505 and len(keys) == len(set(keys)) == 2505
    # Default order: createdDate ascending then key, system labels (no dates) first.
    assert keys[:2] == ["contacts.contacted-me", "contacts.customers"]


def test_list_rejects_a_page_above_2000(big_client):
    with pytest.raises(errors.ValidationError) as caught:
        big_client.list_labels(limit=2001)
    assert caught.value.violations[0].field == "paging.limit"


def test_list_filters_by_type_namespace_and_case_sensitive_prefix(big_client):
    system = big_client.list_labels(label_type=LabelType.SYSTEM)
    assert {label.key for label in system.labels} == {"contacts.customers", "contacts.contacted-me"}
    app = big_client.list_labels(namespace="wixstores")
    assert app.total == 3 and all(label.label_type is LabelType.WIX_APP_DEFINED for label in app.labels)
    winter = big_client.list_labels(starts_with="Winter", limit=2000)
    assert winter.total > 0 and all(label.display_name.startswith("Winter") for label in winter.labels)
    assert big_client.list_labels(starts_with="winter").total == 0


def test_list_sorts_by_display_name_descending(big_client):
    page = big_client.list_labels(sort=Sort("displayName", SortOrder.DESC), limit=50)
    names = [label.display_name for label in page.labels]
    assert names == sorted(names, reverse=True)  # by code point (section 5)


def test_query_pages_through_2500_labels_with_a_filter_and_sort(big_client):
    def fetch(limit, offset):
        return big_client.query_labels(
            filter={"labelType": "USER_DEFINED", "displayName": {"$startsWith": "spring"}},
            sort=[Sort("createdDate", SortOrder.DESC)],
            limit=limit,
            offset=offset,
        )

    expected = big_client.list_labels(label_type=LabelType.USER_DEFINED, starts_with="Spring", limit=2000)
    keys, total = _page_through(fetch, 100)
    assert total == expected.total and len(keys) == total
    assert set(keys) == {label.key for label in expected.labels}
    created = [big_client.get(key).created for key in keys[:5]]
    assert created == sorted(created, reverse=True)


def test_query_default_page_is_50_and_max_is_1000(big_client):
    page = big_client.query_labels()
    assert len(page.labels) == 50 and page.total == 2505
    assert len(big_client.query_labels(limit=1000).labels) == 1000
    with pytest.raises(errors.ValidationError):
        big_client.query_labels(limit=1001)


def test_query_filters_with_and_or_in_and_dates(big_client):
    cutoff = big_client.list_labels(limit=2000, offset=2000).labels[0].created
    newer = big_client.query_labels(filter={"createdDate": {"$gte": cutoff.isoformat()}}, limit=1000)
    assert newer.total == 505  # index 2000 onwards in creation order, the three app labels included
    either = big_client.query_labels(
        filter={"$or": [{"key": {"$in": ["custom.label-000001", "custom.label-000002"]}}, {"namespace": "contacts"}]}
    )
    assert either.total == 4
    both = big_client.query_labels(filter={"$and": [{"namespace": {"$ne": "custom"}}, {"labelType": "SYSTEM"}]})
    assert both.total == 2


@pytest.mark.parametrize(
    ("query_filter", "sort", "code"),
    [
        ({"color": "red"}, [], "UNSUPPORTED_FILTER_FIELD"),
        ({"labelType": {"$ne": "SYSTEM"}}, [], "UNSUPPORTED_FILTER_OPERATOR"),
        ({"labelType": "PURPLE"}, [], "UNSUPPORTED_FILTER_VALUE"),
        ({"createdDate": {"$gt": "yesterday"}}, [], "UNSUPPORTED_FILTER_VALUE"),
        ({"$nor": []}, [], "UNSUPPORTED_FILTER"),
        ({"$and": "x"}, [], "MALFORMED_FILTER"),
        (None, [Sort("key")], "INVALID_SORT"),
    ],
)
def test_query_errors_use_the_contract_codes(big_client, query_filter, sort, code):
    with pytest.raises(errors.ValidationError) as caught:
        big_client.query_labels(filter=query_filter, sort=sort)
    assert caught.value.status == 400 and caught.value.code == code
