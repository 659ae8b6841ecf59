"""The emulator's Contacts API over HTTP, as another program would see it (contract section 6, section 11)."""

from __future__ import annotations

import time

import httpx
import pytest

from labeldesk.emulator import DEFAULT_API_KEY, DEFAULT_SITE_ID, Emulator

HEADERS = {"Authorization": DEFAULT_API_KEY, "wix-site-id": DEFAULT_SITE_ID}
QUERY = "/contacts/v4/contacts/query"
BULK = "/contacts/v4/bulk/contacts/add-remove-labels"
JOBS = "/contacts/v4/bulk/jobs/"


@pytest.fixture
def site(store):
    with Emulator(store, rate_limit=None, job_seconds=0.1) as emulator:
        yield emulator


def post(site, path, body):
    return httpx.post(site.base_url + path, headers=HEADERS, json=body, timeout=10)


def query(site, **query):
    return post(site, QUERY, {"query": query})


def code(answer: httpx.Response) -> str | None:
    return answer.json()["details"].get("applicationError", {}).get("code")


def wait_for(site, job_id, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while True:
        job = httpx.get(site.base_url + JOBS + job_id, headers=HEADERS, timeout=10).json()["job"]
        if job["status"] == "COMPLETED" or time.monotonic() > deadline:
            return job
        time.sleep(0.02)


def test_query_contacts_filters_by_label_and_projects_basic(site, store):
    vip = store.add_label("VIP").key
    ann = store.add_contact({vip, "contacts.customers"}, first_name="Ann", last_name="Lee", email="ann@example.com")
    store.add_contact({"contacts.customers"})
    answer = query(site, filter={"info.labelKeys": {"$hasSome": [vip]}}, fieldsets=["BASIC"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["pagingMetadata"] == {"count": 1, "offset": 0, "total": 1, "tooManyToCount": False}
    (contact,) = body["contacts"]
    assert contact["id"] == ann and contact["revision"] == 1
    assert contact["primaryInfo"] == {"email": "ann@example.com"}
    assert contact["info"] == {"name": {"first": "Ann", "last": "Lee"}}  # BASIC: no labelKeys, no emails
    assert "createdDate" not in contact


def test_fields_add_to_the_fieldset_and_no_projection_is_full(site, store):
    vip = store.add_label("VIP").key
    store.add_contact({vip}, email="a@example.com")
    with_keys = query(site, fieldsets=["BASIC"], fields=["info.labelKeys"]).json()["contacts"][0]
    assert with_keys["info"]["labelKeys"] == {"items": [vip]} and "name" not in with_keys["info"]
    full = query(site).json()["contacts"][0]
    assert {"createdDate", "updatedDate", "primaryInfo", "info"} <= set(full)
    assert full["info"]["emails"]["items"][0]["email"] == "a@example.com"


def test_has_all_and_id_filters(site, store):
    a, b = store.add_label("A").key, store.add_label("B").key
    both = store.add_contact({a, b})
    only_a = store.add_contact({a})
    ids = lambda answer: [c["id"] for c in answer.json()["contacts"]]  # noqa: E731
    assert ids(query(site, filter={"info.labelKeys": {"$hasAll": [a, b]}})) == [both]
    assert ids(query(site, filter={"id": {"$in": [only_a, "nobody"]}})) == [only_a]
    assert ids(query(site, filter={"id": {"$eq": both}})) == [both]
    assert ids(query(site, filter={"id": only_a})) == [only_a]


def test_and_or_not_combine_contact_filters(site, store):
    a, b = store.add_label("A").key, store.add_label("B").key
    only_a, only_b = store.add_contact({a}), store.add_contact({b})
    neither = store.add_contact(set())
    ids = lambda answer: sorted(c["id"] for c in answer.json()["contacts"])  # noqa: E731
    has = lambda key: {"info.labelKeys": {"$hasSome": [key]}}  # noqa: E731
    assert ids(query(site, filter={"$or": [has(a), has(b)]})) == sorted([only_a, only_b])
    assert ids(query(site, filter={"$not": {"$or": [has(a), has(b)]}})) == [neither]
    assert ids(query(site, filter={"$and": [has(a), {"id": {"$ne": only_a}}]})) == []
    # A leaf inside $or is checked by the contacts' rules, not the labels'.
    nested = query(site, filter={"$or": [has(a), {"info.labelKeys": {"$eq": a}}]})
    assert nested.status_code == 400 and code(nested) == "UNSUPPORTED_FILTER_OPERATOR"
    unknown = query(site, filter={"$not": {"info.company": "x"}})
    assert unknown.status_code == 400 and code(unknown) == "UNSUPPORTED_FILTER_FIELD_UNKNOWN"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"filter": {"id": {"$in": [f"id-{n}" for n in range(101)]}}}, "UNSUPPORTED_FILTER_VALUE"),
        (
            {"filter": {"info.labelKeys": {"$hasSome": [f"custom.k{n}" for n in range(101)]}}},
            "UNSUPPORTED_FILTER_VALUE",
        ),
        ({"filter": {"info.labelKeys": {"$eq": "custom.vip"}}}, "UNSUPPORTED_FILTER_OPERATOR"),
        ({"filter": {"info.company": {"$eq": "x"}}}, "UNSUPPORTED_FILTER_FIELD_UNKNOWN"),
        ({"filter": {"info.labelKeys": {"$hasSome": "custom.vip"}}}, "UNSUPPORTED_FILTER_VALUE_TYPE"),
        ({"filter": ["not", "an", "object"]}, "MALFORMED_FILTER"),
        ({"sort": [{"fieldName": "info.labelKeys"}]}, "UNSUPPORTED_SORT_FIELD"),
        ({"paging": {"limit": 1001}}, "ILLEGAL_LIMIT"),
        ({"paging": {"limit": -1}}, "ILLEGAL_LIMIT"),
    ],
)
def test_query_contacts_refuses_what_the_contract_refuses(site, body, expected):
    answer = query(site, **body)
    assert answer.status_code == 400 and code(answer) == expected


@pytest.mark.parametrize(
    "body",
    [{"fields": [{}]}, {"fieldsets": [["BASIC"]]}, {"sort": [{"fieldName": ["createdDate"]}]}],
)
def test_a_query_with_a_list_or_object_where_a_name_belongs_is_a_400_not_a_dropped_connection(site, body):
    """(They raised a TypeError in the emulator, which cut the connection: a client would take it for the
    network and try again.)"""
    assert query(site, **body).status_code == 400


def test_more_than_one_sort_item_is_a_validation_error(site):
    answer = query(site, sort=[{"fieldName": "createdDate"}, {"fieldName": "info.name.last"}])
    assert answer.status_code == 400
    assert answer.json()["details"]["validationError"]["fieldViolations"][0]["field"] == "query.sort"


def test_paging_defaults_to_fifty_allows_a_thousand_and_sorts_as_asked(site, store):
    for n in range(1100):
        store.add_contact(first_name=f"{n:04d}")
    first = query(site).json()
    assert first["pagingMetadata"]["count"] == 50 and first["pagingMetadata"]["total"] == 1100
    big = query(site, paging={"limit": 1000, "offset": 1000}).json()
    assert big["pagingMetadata"] == {"count": 100, "offset": 1000, "total": 1100, "tooManyToCount": False}
    newest_name_first = query(site, sort=[{"fieldName": "info.name.first", "order": "DESC"}], paging={"limit": 2})
    assert [c["info"]["name"]["first"] for c in newest_name_first.json()["contacts"]] == ["1099", "1098"]


def test_too_many_to_count_leaves_out_the_total(site, store):
    store.add_contact()
    store.variant.contacts_too_many_to_count = True
    meta = query(site).json()["pagingMetadata"]
    assert meta == {"count": 1, "offset": 0, "tooManyToCount": True}


def test_a_bulk_job_goes_new_running_completed_and_labels_when_it_completes(store):
    vip = store.add_label("VIP").key
    ids = [store.add_contact() for _ in range(3)]
    now = [1000.0]
    store.jobs.monotonic = lambda: now[0]  # the job's time is the test's, so a slow machine can't skip a status
    with Emulator(store, rate_limit=None, job_seconds=0.5) as site:
        job_id = post(site, BULK, {"filter": {"id": {"$in": ids}}, "labelKeysToAdd": [vip]}).json()["jobId"]
        seen = []
        for moment in (0.0, 0.125, 0.25, 0.375, 0.5, 0.625):  # (exact in binary)
            now[0] = 1000.0 + moment
            seen.append(httpx.get(site.base_url + JOBS + job_id, headers=HEADERS, timeout=10).json()["job"])
            if seen[-1]["status"] != "COMPLETED":
                assert store.contacts_with(vip) == set()  # applied when it completes, not before
    statuses = [job["status"] for job in seen]
    assert statuses == ["NEW", "NEW", "RUNNING", "RUNNING", "COMPLETED", "COMPLETED"]
    done = seen[-1]
    assert (done["type"], done["totalItems"], done["successTotal"], done["failedTotal"]) == ("ADD_LABELS", 3, 3, 0)
    assert store.contacts_with(vip) == set(ids)


def test_a_job_with_an_unknown_key_or_a_fault_fails_those_contacts(site, store):
    vip = store.add_label("VIP").key
    ids = [store.add_contact() for _ in range(3)]
    unknown = post(site, BULK, {"filter": {"id": {"$in": ids}}, "labelKeysToAdd": ["custom.nope"]}).json()["jobId"]
    job = wait_for(site, unknown)
    assert (job["successTotal"], job["failedTotal"]) == (0, 3)
    assert {e["data"]["contactId"] for e in job["errors"]} == set(ids)
    assert {e["code"] for e in job["errors"]} == {"LABEL_NOT_FOUND"}
    store.fail_contacts_in_jobs([ids[1]])
    faulty = wait_for(site, post(site, BULK, {"filter": {"id": {"$in": ids}}, "labelKeysToAdd": [vip]}).json()["jobId"])
    assert (faulty["successTotal"], faulty["failedTotal"]) == (2, 1)
    assert faulty["errors"] == [
        {"code": "CONTACT_UPDATE_FAILED", "description": "Couldn't update contact", "data": {"contactId": ids[1]}}
    ]
    assert store.contacts_with(vip) == {ids[0], ids[2]}


@pytest.mark.parametrize(
    "body",
    [
        {"labelKeysToAdd": ["custom.vip"]},
        {"filter": {}, "labelKeysToAdd": ["custom.vip"]},
    ],
)
def test_a_bulk_call_without_filter_or_search_is_refused(site, body):
    answer = post(site, BULK, body)
    assert answer.status_code == 400 and code(answer) == "NEITHER_FILTER_NOR_SEARCH"


def test_a_bulk_call_takes_at_most_a_hundred_keys_a_list(site):
    keys = [f"custom.k{n}" for n in range(101)]
    answer = post(site, BULK, {"filter": {"id": {"$in": ["x"]}}, "labelKeysToRemove": keys})
    assert answer.status_code == 400
    assert answer.json()["details"]["validationError"]["fieldViolations"][0]["field"] == "labelKeysToRemove"


def test_an_unknown_job_is_404(site):
    answer = httpx.get(site.base_url + JOBS + "no-such-job", headers=HEADERS, timeout=10)
    assert answer.status_code == 404


def test_label_and_unlabel_contact(site, store):
    vip, news = store.add_label("VIP").key, store.add_label("News").key
    ann = store.add_contact(first_name="Ann")
    labels = f"/contacts/v4/contacts/{ann}/labels"
    added = post(site, labels, {"contactId": ann, "labelKeys": [vip, news]})
    assert added.status_code == 200 and added.json()["contact"]["info"]["labelKeys"]["items"] == sorted([vip, news])
    again = post(site, labels, {"contactId": ann, "labelKeys": [vip]}).json()["contact"]
    assert again["revision"] == 2  # idempotent: nothing changed the second time
    removed = httpx.delete(
        site.base_url + labels, params=[("contactId", ann), ("labelKeys", vip), ("labelKeys", news)], headers=HEADERS
    )
    assert removed.status_code == 200 and removed.json()["contact"]["info"]["labelKeys"]["items"] == []
    missing = post(site, "/contacts/v4/contacts/nobody/labels", {"labelKeys": [vip]})
    assert missing.status_code == 404 and code(missing) == "CONTACT_NOT_FOUND"
    unknown = post(site, labels, {"labelKeys": ["custom.nope"]})
    assert unknown.status_code == 400 and code(unknown) == "LABEL_NOT_FOUND"


def test_deleting_a_label_strips_it_from_every_contact(site, store):
    vip = store.add_label("VIP").key
    ids = [store.add_contact({vip, "contacts.customers"}) for _ in range(3)]
    assert httpx.delete(site.base_url + f"/contacts/v4/labels/{vip}", headers=HEADERS).status_code == 200
    assert all(store.label_keys_of(i) == {"contacts.customers"} for i in ids)


def test_faults_apply_to_the_contacts_endpoints(site, store):
    site.faults.fail_next(1, status=429, retry_after=3)
    answer = query(site)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
    assert [(r.path, r.status) for r in site.requests] == [(QUERY, 429)]


def test_the_demo_cafe_has_believable_people_some_without_a_name_or_an_email():
    from labeldesk.emulator import LabelStore, seed_demo

    store = LabelStore()
    seed_demo(store)
    contacts = store.query_contacts({"query": {"paging": {"limit": 1000}, "fieldsets": ["BASIC"]}})["contacts"]
    assert len(contacts) == 320
    named = [c for c in contacts if c["info"].get("name")]
    emailed = [c for c in contacts if c["primaryInfo"].get("email")]
    neither = [c for c in contacts if not c["info"].get("name") and not c["primaryInfo"].get("email")]
    assert 250 <= len(named) < 320 and 250 <= len(emailed) < 320 and neither
    assert all("@" in c["primaryInfo"]["email"] and c["primaryInfo"]["email"].isascii() for c in emailed)
    assert any(not c["info"]["name"].get("first", "").isascii() for c in named)  # Zoë, José, Siobhán...
    assert len({c["primaryInfo"].get("email") for c in emailed}) > 200
    # The facets' counts are the contacts' own.
    facets = store.facets({"paging.limit": "1000"})["facets"]
    for facet in facets:
        if facet["facetType"] == "LABEL":
            holders = store.query_contacts(
                {"query": {"filter": {"info.labelKeys": {"$hasSome": [facet["facetKey"]]}}, "paging": {"limit": 1000}}}
            )
            assert holders["pagingMetadata"]["total"] == facet["count"]


def test_a_bulk_search_finds_contacts_by_exact_name_or_email(site, store):
    vip = store.add_label("VIP").key
    ann = store.add_contact(first_name="Ann", last_name="Lee", email="ann@example.com")
    store.add_contact(first_name="Annabel")
    job = wait_for(site, post(site, BULK, {"search": "ann", "labelKeysToAdd": [vip]}).json()["jobId"])
    assert job["totalItems"] == 1 and store.contacts_with(vip) == {ann}
    assert post(site, BULK, {"search": "x" * 101, "labelKeysToAdd": [vip]}).status_code == 400


def test_a_job_whose_time_came_before_a_label_or_a_contact_was_added_completes_without_them():
    """What anyone sees is as if each job had completed on time (jobs.py): a label made after that time
    doesn't rescue the job's unknown key, and a contact made after it isn't one of its contacts."""
    from labeldesk.emulator import LabelStore
    from labeldesk.emulator.jobs import Jobs

    now = [0.0]
    store = LabelStore()
    store.jobs = Jobs(monotonic=lambda: now[0])
    store.job_seconds = 1.0
    vip = store.add_label("VIP").key
    ann = store.add_contact({vip})
    later = store.bulk_labels({"filter": {"id": {"$in": [ann]}}, "labelKeysToAdd": ["custom.later"]})["jobId"]
    holders = store.bulk_labels({"filter": {"info.labelKeys": {"$hasSome": [vip]}}, "labelKeysToAdd": [vip]})["jobId"]
    now[0] = 2.0  # both completed at 1.0; nobody has looked since
    assert store.add_label("Later").key == "custom.later"
    store.add_contact({vip})
    assert store.bulk_job(later)["job"]["failedTotal"] == 1 and "custom.later" not in store.label_keys_of(ann)
    assert store.bulk_job(holders)["job"]["totalItems"] == 1


def test_a_label_facet_is_shaped_as_the_contract_shows_and_its_filter_finds_its_contacts(site, store):
    vip = store.add_label("VIP").key
    ids = {store.add_contact({vip}) for _ in range(3)}
    facets = httpx.get(site.base_url + "/contacts/v4/contacts/facets", headers=HEADERS, timeout=10).json()["facets"]
    (facet,) = [f for f in facets if f.get("facetKey") == vip]
    assert facet["count"] == 3 and facet["namespace"] == "custom" and facet["namespaceDisplayName"] == "Labels"
    assert isinstance(facet["queryFilter"], dict)  # a Struct (6.7), not a JSON string
    found = query(site, filter=facet["queryFilter"], paging={"limit": 1000}).json()["contacts"]
    assert {c["id"] for c in found} == ids
