"""The adapter's contacts calls (contract section 6), against the emulator over real loopback sockets."""

from __future__ import annotations

import threading

import pytest

from labeldesk.api import errors
from labeldesk.api.contact_errors import ContactNotFoundError, JobNotFoundError, JobStoppedError, JobTimeoutError
from labeldesk.api.contacts import BULK_JOBS_PATH, BULK_LABELS_PATH, QUERY_CONTACTS_PATH, job_from_json
from labeldesk.contacts import BulkJob
from labeldesk.emulator import Emulator, LabelStore, seed_empty
from tests.conftest import make_client


def quick(client):
    """Job polls a few milliseconds apart, so tests wait for the emulator's short jobs only."""
    client.job_first_wait = 0.01
    client.job_max_wait = 0.02
    return client


@pytest.fixture
def jobs_site(store):
    with Emulator(store, rate_limit=None, job_seconds=0.05) as emulator:
        yield emulator


@pytest.fixture
def fast(jobs_site):
    with make_client(jobs_site) as client:
        yield quick(client)


def people(store, key, count, **fields):
    return [store.add_contact({key}, email=f"p{n}@example.com", **fields) for n in range(count)]


def posted(emulator, path):
    return [r for r in emulator.requests if r.path == path]


# -- reading ---------------------------------------------------------------------------------------------


def test_a_page_brings_name_and_email_oldest_first(client, store, emulator):
    vip = store.add_label("VIP").key
    first = store.add_contact({vip}, first_name="Ann", last_name="Lee", email="ann@example.com")
    second = store.add_contact({vip}, email="only@example.com")
    third = store.add_contact({vip})
    store.add_contact({"contacts.customers"}, first_name="Not", last_name="Included")
    page = client.contacts_page(vip, offset=0)
    assert [c.id for c in page.contacts] == [first, second, third]
    assert page.contacts[0].name == "Ann Lee" and page.contacts[0].email == "ann@example.com"
    assert page.contacts[1].name == "" and page.contacts[1].shown == "only@example.com"
    assert page.contacts[2].shown == "a contact without a name or email"
    assert page.contacts[0].label_keys is None  # not asked for
    assert page.total == 3 and not page.more and not page.too_many_to_count


def test_contacts_with_label_pages_past_a_thousand_to_the_end(client, store, emulator):
    vip = store.add_label("VIP").key
    ids = people(store, vip, 2345)
    people(store, "contacts.customers", 10)
    seen = []
    found = client.contacts_with_label(vip, on_page=seen.append)
    assert [c.id for c in found] == ids
    assert [page.offset for page in seen] == [0, 1000, 2000]
    assert [page.more for page in seen] == [True, True, False]
    assert len(posted(emulator, QUERY_CONTACTS_PATH)) == 3


def test_when_wix_cant_count_reading_goes_on_while_pages_are_full(client, store, emulator):
    vip = store.add_label("VIP").key
    ids = people(store, vip, 2100)
    store.variant.contacts_too_many_to_count = True
    seen = []
    found = client.contacts_with_label(vip, on_page=seen.append)
    assert [c.id for c in found] == ids
    assert all(page.total is None and page.too_many_to_count for page in seen)
    assert seen[0].more and seen[1].more and not seen[2].more
    # Three pages (1,000, 1,000, 100), and the one more the shared paging rule asks after a short page.
    assert len(posted(emulator, QUERY_CONTACTS_PATH)) == 4


def test_contacts_with_any_label_brings_each_once_with_all_its_labels(client, store):
    keys = [store.add_label(f"Label {n}").key for n in range(150)]
    both = store.add_contact({keys[0], keys[149], "contacts.customers"})
    only_first = store.add_contact({keys[3]})
    store.add_contact({"contacts.customers"})
    found = {c.id: c for c in client.contacts_with_any_label(keys)}
    assert set(found) == {both, only_first}
    assert set(found[both].label_keys) == {keys[0], keys[149], "contacts.customers"}
    assert found[only_first].label_keys == (keys[3],)


# -- bulk jobs ----------------------------------------------------------------------------------------


def test_add_labels_batches_ids_by_a_hundred_and_the_jobs_label_every_contact(fast, store, jobs_site):
    vip = store.add_label("VIP").key
    ids = [store.add_contact() for _ in range(250)]
    jobs = fast.add_labels(ids, [vip])
    assert len(jobs) == 3 and len(posted(jobs_site, BULK_LABELS_PATH)) == 3
    finished = [fast.wait_for_job(job) for job in jobs]
    assert [job.success_total for job in finished] == [100, 100, 50]
    assert all(job.done and job.failed_total == 0 for job in finished)
    assert store.contacts_with(vip) == set(ids)
    removed = [fast.wait_for_job(job) for job in fast.remove_labels(ids[:120], [vip])]
    assert sum(job.success_total for job in removed) == 120
    assert store.contacts_with(vip) == set(ids[120:])


def test_the_id_batch_is_configurable(jobs_site, store):
    vip = store.add_label("VIP").key
    ids = [store.add_contact() for _ in range(10)]
    with make_client(jobs_site, id_batch=4) as client:
        assert len(client.add_labels(ids, [vip])) == 3


def test_nothing_to_do_sends_nothing(fast, jobs_site):
    assert fast.add_labels([], ["custom.vip"]) == []
    assert fast.remove_labels(["a-contact"], []) == []
    assert jobs_site.requests == []


def test_a_label_holders_job_moves_every_holder_in_one_job(fast, store, jobs_site):
    old, new = store.add_label("vip").key, store.add_label("VIP").key
    ids = people(store, old, 300)
    job = fast.wait_for_job(fast.label_holders_job(old, add=[new], remove=[old]))
    assert (job.total_items, job.success_total, job.failed_total) == (300, 300, 0)
    assert store.contacts_with(new) == set(ids) and not store.contacts_with(old)
    assert len(posted(jobs_site, BULK_LABELS_PATH)) == 1


def test_wait_for_job_reports_the_contacts_a_job_could_not_label(fast, store):
    vip = store.add_label("VIP").key
    ids = [store.add_contact() for _ in range(5)]
    store.fail_contacts_in_jobs(ids[:2])
    job = fast.wait_for_job(fast.add_labels(ids, [vip])[0])
    assert (job.success_total, job.failed_total, job.total_items) == (3, 2, 5)
    assert {error.contact_id for error in job.errors} == set(ids[:2])
    assert store.contacts_with(vip) == set(ids[2:])


def test_a_job_is_new_then_running_then_completed_and_on_status_sees_it(store):
    vip = store.add_label("VIP").key
    ids = [store.add_contact() for _ in range(3)]
    statuses: list[str] = []
    with Emulator(store, rate_limit=None, job_seconds=0.3) as emulator, make_client(emulator) as client:
        client.job_first_wait, client.job_max_wait = 0.02, 0.05
        job = client.wait_for_job(client.add_labels(ids, [vip])[0], on_status=lambda j: statuses.append(j.status))
    assert job.done and statuses[-1] == "COMPLETED"
    assert statuses[0] == "NEW" and "RUNNING" in statuses
    assert statuses.index("RUNNING") > statuses.index("NEW")


def test_polls_back_off_from_half_a_second_doubling_up_to_five(monkeypatch, fast, store):
    waits: list[float] = []
    monkeypatch.setattr(type(fast), "_pause", lambda self, seconds, stop, job_id: waits.append(seconds))
    answers = iter([BulkJob("j", "RUNNING")] * 7 + [BulkJob("j", "COMPLETED", 1, 1, 0)])
    monkeypatch.setattr(type(fast), "_bulk_job", lambda self, job_id, cancel: next(answers))
    fast.job_first_wait, fast.job_max_wait = 0.5, 5.0
    assert fast.wait_for_job("j").done
    assert waits == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0]


def test_polling_survives_429_and_5xx(fast, store, jobs_site):
    vip = store.add_label("VIP").key
    ids = [store.add_contact() for _ in range(3)]
    job_id = fast.add_labels(ids, [vip])[0]
    # More failures in a row than one call's retries (3 tries): the wait goes on polling regardless.
    jobs_site.faults.fail_next(4, status=503)
    jobs_site.faults.fail_next(2, status=429, retry_after=0.05)
    jobs_site.faults.fail_next(3, status=500)
    job = fast.wait_for_job(job_id)
    assert job.done and job.success_total == 3
    assert [r.status for r in posted(jobs_site, f"{BULK_JOBS_PATH}/{job_id}")][:9] == [503] * 4 + [429] * 2 + [500] * 3


def test_wait_for_job_stops_when_told(fast, store, jobs_site):
    store.job_seconds = 60
    vip = store.add_label("VIP").key
    job_id = fast.add_labels([store.add_contact()], [vip])[0]
    stop = threading.Event()
    polls = []

    def on_status(job):
        polls.append(job)
        if len(polls) == 2:
            stop.set()

    with pytest.raises(JobStoppedError) as caught:
        fast.wait_for_job(job_id, stop=stop, on_status=on_status)
    assert caught.value.job_id == job_id and len(polls) == 2
    assert "stopped waiting" in str(caught.value)


def test_wait_for_job_gives_up_after_its_budget(fast, store):
    store.job_seconds = 60
    vip = store.add_label("VIP").key
    job_id = fast.add_labels([store.add_contact()], [vip])[0]
    with pytest.raises(JobTimeoutError) as caught:
        fast.wait_for_job(job_id, budget_s=0.1)
    assert caught.value.job_id == job_id and caught.value.last_status in ("NEW", "RUNNING")
    assert caught.value.retryable


def test_closing_the_client_ends_a_wait(jobs_site, store):
    store.job_seconds = 60
    vip = store.add_label("VIP").key
    client = make_client(jobs_site)
    job_id = client.add_labels([store.add_contact()], [vip])[0]
    outcome: list[BaseException] = []

    def wait():
        try:
            client.wait_for_job(job_id)
        except errors.WixError as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    client.close()
    waiter.join(5)
    assert not waiter.is_alive() and isinstance(outcome[0], errors.CancelledError)


def test_an_unknown_job_is_job_not_found(fast, jobs_site):
    with pytest.raises(JobNotFoundError):
        fast.bulk_job("00000000-0000-4000-8000-000000000000")
    with pytest.raises(JobNotFoundError):
        fast.bulk_job("..")
    assert len(jobs_site.requests) == 1  # ("..": nothing sent, or it would climb to /contacts/v4/bulk and 404 too)


def test_a_job_is_read_with_or_without_its_envelope_and_an_unknown_status_is_still_running():
    bare = job_from_json({"id": "j", "status": "COMPLETED", "successTotal": "7", "failedTotal": 0}, "j")
    wrapped = job_from_json({"job": {"id": "j", "status": "COMPLETED", "successTotal": 7, "failedTotal": 0}}, "j")
    assert bare == wrapped and bare.done and bare.success_total == 7
    odd = job_from_json({"job": {"status": "INDEXING", "errors": [{"code": "X"}, "junk"]}}, "given")
    assert odd.id == "given" and not odd.done and odd.errors[0].code == "X" and odd.errors[0].contact_id is None
    assert not job_from_json({}, "j").done


# -- one contact --------------------------------------------------------------------------------------


def test_label_and_unlabel_one_contact(client, store):
    vip, news = store.add_label("VIP").key, store.add_label("News").key
    ann = store.add_contact(first_name="Ann")
    contact = client.label_contact(ann, [vip, news])
    assert set(contact.label_keys) == {vip, news} and contact.first_name == "Ann"
    assert set(client.label_contact(ann, [vip]).label_keys) == {vip, news}  # idempotent
    assert client.unlabel_contact(ann, [vip, news]).label_keys == ()
    assert store.label_keys_of(ann) == set()


def test_labelling_a_contact_that_is_gone_is_contact_not_found(client, store):
    vip = store.add_label("VIP").key
    gone = store.add_contact()
    store.remove_contact(gone)
    with pytest.raises(ContactNotFoundError) as caught:
        client.label_contact(gone, [vip])
    assert caught.value.code == "CONTACT_NOT_FOUND" and "no longer exists" in str(caught.value)
    with pytest.raises(ContactNotFoundError):
        client.unlabel_contact(gone, [vip])


def test_labelling_with_a_key_wix_does_not_know_is_label_not_found(client, store):
    ann = store.add_contact()
    with pytest.raises(errors.LabelNotFoundError):
        client.label_contact(ann, ["custom.never-made"])


def test_a_page_before_the_start_is_refused_before_sending(client, emulator):
    with pytest.raises(ValueError, match="offset 0 or later"):
        client.contacts_page("custom.vip", offset=-1000)
    assert emulator.requests == []  # (Wix would answer 400, which the window would show as Wix's fault)


def test_one_contact_takes_one_to_a_hundred_keys_checked_before_sending(client, emulator):
    with pytest.raises(ValueError, match="1 to 100"):
        client.label_contact("c", [])
    with pytest.raises(ValueError, match="1 to 100"):
        client.unlabel_contact("c", [f"custom.k{n}" for n in range(101)])
    assert emulator.requests == []


def test_an_empty_store_fixture_has_no_contacts():
    store = LabelStore()
    seed_empty(store)
    assert store.contact_ids() == []


# -- paging that breaks the rules, and errors across the wire --------------------------------------------


@pytest.mark.parametrize("counted", [True, False])
def test_a_server_that_ignores_the_offset_ends_the_read_in_a_few_requests_never_as_the_whole(
    client, store, emulator, counted
):
    vip = store.add_label("VIP").key
    people(store, vip, 2500)
    store.variant.contacts_too_many_to_count = not counted
    emulator.faults.paging.contacts_ignore_offset = True
    with pytest.raises(errors.IncompleteReadError):
        client.contacts_with_label(vip)
    assert len(posted(emulator, QUERY_CONTACTS_PATH)) == 2


def test_a_short_list_read_without_a_total_ends_one_request_after_the_first_short_page(client, store, emulator):
    vip = store.add_label("VIP").key
    ids = people(store, vip, 40)
    store.variant.contacts_too_many_to_count = True
    assert [c.id for c in client.contacts_with_label(vip)] == ids
    assert len(posted(emulator, QUERY_CONTACTS_PATH)) == 2  # the short page, and one more that decides (paging.py)


def test_the_contacts_errors_cross_from_the_engine_to_the_window_as_themselves():
    from labeldesk.engine import protocol as p

    for error in (
        ContactNotFoundError(status=404, code="CONTACT_NOT_FOUND"),
        JobNotFoundError(status=404),
        JobTimeoutError("job-1", "RUNNING"),
        JobStoppedError("job-2"),
    ):
        back = p.rebuild_error(p.error_info(error))
        assert type(back) is type(error) and str(back) == str(error)
        assert getattr(back, "job_id", None) == getattr(error, "job_id", None)
    assert p.rebuild_error(p.error_info(JobTimeoutError("j", "NEW"))).last_status == "NEW"


def test_the_window_knows_the_contacts_errors_without_importing_the_contacts_calls():
    """The window's process imports only the wire (not labeldesk.api.contacts): it must still rebuild these."""
    import subprocess
    import sys

    from labeldesk.engine import protocol as p

    errors_sent = [ContactNotFoundError(), JobNotFoundError(), JobTimeoutError("j"), JobStoppedError("j")]
    kinds = [p.error_info(error).kind for error in errors_sent]  # as the engine names them on the wire
    program = (
        "import sys\n"
        "from labeldesk.engine import protocol as p\n"
        "from labeldesk.engine.error_info import ErrorInfo\n"
        "assert 'labeldesk.api.contacts' not in sys.modules\n"
        f"for kind in {kinds!r}:\n"
        "    back = p.rebuild_error(ErrorInfo(kind, 'words', {'job_id': 'j'}))\n"
        "    assert kind.endswith(type(back).__name__), (kind, type(back))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_contacts_error_says_what_to_do_in_plain_words():
    for error in (ContactNotFoundError(), JobNotFoundError(), JobTimeoutError("j"), JobStoppedError("j")):
        text = str(error)
        assert text.endswith(".") and "job-" not in text and "404" not in text and "_" not in text


# -- ids and keys checked before they go into an address or a filter (review) ----------------------------


@pytest.mark.parametrize("odd", ["", ".", "..", "a/b", "../../labels", "%2e%2e", "id?x=1", "a b", "x" * 101])
def test_an_id_that_cant_be_one_is_never_put_in_an_address(client, emulator, odd):
    with pytest.raises(ContactNotFoundError):
        client.label_contact(odd, ["custom.vip"])
    with pytest.raises(ContactNotFoundError):
        client.unlabel_contact(odd, ["custom.vip"])
    with pytest.raises(JobNotFoundError):
        client.bulk_job(odd)
    assert emulator.requests == []


def test_a_contact_whose_id_cant_be_one_is_left_out_of_a_read_never_given_to_the_caller(client, store, emulator):
    from labeldesk.emulator.records import Contact as StoredContact

    vip = store.add_label("VIP").key
    ids = people(store, vip, 3)
    store._contacts["../../labels/custom.vip"] = StoredContact("../../labels/custom.vip", {vip})
    seen = []
    found = client.contacts_with_label(vip, on_page=seen.append)
    assert sorted(c.id for c in found) == sorted(ids)
    assert seen[0].unreadable == 1 and seen[0].received == 4  # counted for paging, not handed on


def test_a_job_id_that_cant_be_one_is_a_malformed_answer(emulator):
    import httpx

    answers = iter([{"jobId": "../labels/custom.vip"}, {"jobId": ""}, {"jobId": 7}])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=next(answers))

    with make_client(emulator, transport=httpx.MockTransport(handler)) as client:
        for _ in range(3):
            with pytest.raises(errors.MalformedResponseError):
                client.label_holders_job("custom.old", add=["custom.new"])


def test_ids_that_cant_be_ids_are_left_out_of_a_job_and_alone_send_nothing(fast, store, jobs_site):
    vip = store.add_label("VIP").key
    ann = store.add_contact()
    assert fast.add_labels(["../x", "a/b"], [vip]) == [] and jobs_site.requests == []
    job = fast.wait_for_job(fast.add_labels(["../x", ann], [vip])[0])
    assert (job.total_items, job.success_total) == (1, 1) and store.contacts_with(vip) == {ann}


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_labels("0f1e2d3c-aaaa-4bbb-8ccc-000000000001", ["custom.vip"]),
        lambda c: c.add_labels(["0f1e2d3c-aaaa-4bbb-8ccc-000000000001"], "custom.vip"),
        lambda c: c.remove_labels(["0f1e2d3c-aaaa-4bbb-8ccc-000000000001"], "custom.vip"),
        lambda c: c.label_holders_job("custom.old", add="custom.new"),
        lambda c: c.label_holders_job("custom.old", remove="custom.old"),
        lambda c: c.contacts_with_any_label("custom.vip"),
        lambda c: c.label_contact("0f1e2d3c-aaaa-4bbb-8ccc-000000000001", "custom.vip"),
    ],
)
def test_one_string_where_a_list_belongs_is_a_type_error_not_its_letters(client, emulator, call):
    """A string is an iterable of strings: given alone, its letters would have gone out as keys or ids."""
    with pytest.raises(TypeError, match="not one string"):
        call(client)
    assert emulator.requests == []


def test_a_completed_job_never_hides_a_failure_its_answer_shows():
    failing = {"code": "X", "data": {"contactId": "c-1"}}
    no_count = job_from_json({"job": {"status": "COMPLETED", "successTotal": 4, "errors": [failing]}}, "j")
    assert no_count.failed_total == 1  # JSON leaves zeros out; Wix may leave a count out too
    by_totals = job_from_json({"status": "COMPLETED", "totalItems": 5, "successTotal": 3, "failedTotal": 0}, "j")
    assert by_totals.failed_total == 2
    clean = job_from_json({"status": "COMPLETED", "totalItems": 5, "successTotal": 5}, "j")
    assert clean.failed_total is None  # nothing shows a failure: as sent
    running = job_from_json({"status": "RUNNING", "totalItems": 5, "successTotal": 1}, "j")
    assert running.failed_total is None  # counts of a job under way are progress, not failures


def test_a_job_answer_of_odd_shapes_is_read_not_a_crash():
    odd = job_from_json({"job": {"id": "someone-else", "status": "COMPLETED", "errors": 5}}, "asked")
    assert odd.id == "asked" and odd.errors == ()
    ids = job_from_json({"errors": [{"data": {"contactId": "../x"}}, {"data": {"contactId": "c-2"}}]}, "j")
    assert [e.contact_id for e in ids.errors] == [None, "c-2"]


@pytest.mark.parametrize("counted", [True, False])
def test_a_page_from_a_server_that_ignored_its_offset_is_never_offered_as_the_next_page(
    client, store, emulator, counted
):
    """The contacts panel reads a page at a time (contacts_page) and asks for more while ``more`` is true:
    a page that says it starts elsewhere than asked would have been the same page again, for ever when
    Wix can't count."""
    vip = store.add_label("VIP").key
    people(store, vip, 2500)
    store.variant.contacts_too_many_to_count = not counted
    emulator.faults.paging.contacts_ignore_offset = True
    assert client.contacts_page(vip, offset=0).more
    with pytest.raises(errors.IncompleteReadError):
        client.contacts_page(vip, offset=1000)


def test_stop_ends_a_poll_waiting_for_the_rate_budget(jobs_site, store):
    """A Cancel during a merge stops the wait for a job: also while a poll waits for its turn in the
    budget, which could otherwise take the rest of the minute (or, between a poll's tries, their waits)."""
    from labeldesk.api import RateBudget

    store.job_seconds = 60
    vip = store.add_label("VIP").key
    client = quick(make_client(jobs_site, rate_budget=RateBudget(limit=2, window=60)))
    job_id = client.add_labels([store.add_contact()], [vip])[0]  # one slot; the first poll takes the other
    stop = threading.Event()
    outcome: list[BaseException] = []

    def wait():
        try:
            client.wait_for_job(job_id, stop=stop)
        except errors.WixError as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    try:
        waiter.start()
        threading.Timer(0.3, stop.set).start()
        waiter.join(5)
        assert not waiter.is_alive() and isinstance(outcome[0], JobStoppedError)
        assert len(jobs_site.requests) == 2
    finally:
        client.close()
        waiter.join(5)
