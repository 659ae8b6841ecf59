"""Issue 15's operations where customer data is at stake: a delete or a merge whose outcome is unknown keeps
what it needs to be restored, a bulk job that doesn't prove it labelled everyone deletes nothing. Qt-free,
against the emulator over loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from labeldesk.cache import LabelCache, journal
from labeldesk.contacts import BulkJob, JobError
from labeldesk.emulator import Emulator, LabelStore
from labeldesk.engine import protocol as p
from labeldesk.engine.core import SyncEngine
from labeldesk.engine.op_errors import JobFailuresError, JobOutcomeUnknownError
from tests.conftest import make_client
from tests.engine.test_core import Inbox
from tests.engine.test_operations import BULK, DELETES, Site, requests, served_site


@pytest.fixture
def shop():
    yield from served_site(0.1)


def saved_entries(engine: SyncEngine, *, confirmed: bool) -> list:
    """Recently deleted as another program reads the file: only what was committed."""
    other = LabelCache(engine.cache.path)
    try:
        return journal.deleted_entries(other, confirmed=confirmed)
    finally:
        other.close()


def label(engine: SyncEngine, key: str):
    return next(lb for lb in engine.client.fetch_all() if lb.key == key)


def test_a_delete_cut_off_by_closing_after_wix_carried_it_out_stays_restorable(shop, engine_on):
    engine, inbox = engine_on(shop.emulator)
    carried = shop.holders(shop.news)
    real_delete = engine.client.delete

    def delete_answered_late(key: str) -> None:
        shop.emulator.faults.answer_late_next(1, seconds=5.0)  # carried out at once, its answer held back
        real_delete(key)

    engine.client.delete = delete_answered_late
    engine.handle(p.DeleteLabel(1, label(engine, shop.news)))
    deadline_wait(lambda: shop.emulator.faults.held == 1)
    assert shop.news not in {row["key"] for row in shop.store.snapshot()}  # Wix deleted it
    engine.shutdown()  # the window closed while the answer was on its way: the client cut it
    inbox.wait_for(p.RequestFailed)
    (entry,) = saved_entries(engine, confirmed=False)  # kept, unconfirmed: the delete may have happened
    assert entry.key == shop.news and set(entry.contact_ids) == carried
    again, inbox = engine_on(shop.emulator)  # the next start asks Wix, which says the label is gone: restorable
    again.handle(p.ListDeleted(1))
    inbox.idle(1)
    again.handle(p.ListDeleted(2))
    (listed,) = inbox.wait_for(p.DeletedList, 2)[1].entries
    assert listed.key == shop.news and set(listed.contact_ids) == carried and listed.deleted_at is not None


def test_a_delete_wix_refused_leaves_nothing_in_recently_deleted(shop, engine_on):
    engine, inbox = engine_on(shop.emulator)
    real_delete = engine.client.delete

    def delete_refused(key: str) -> None:
        shop.emulator.faults.fail_next(1, status=403, message="not allowed")  # Wix answers no: nothing deleted
        real_delete(key)

    engine.client.delete = delete_refused
    engine.handle(p.DeleteLabel(1, label(engine, shop.news)))
    inbox.wait_for(p.RequestFailed)
    inbox.idle(1)
    assert shop.news in {row["key"] for row in shop.store.snapshot()}
    assert saved_entries(engine, confirmed=False) == [] and saved_entries(engine, confirmed=True) == []


def deadline_wait(condition, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


def _jobs_answering(engine: SyncEngine, change) -> None:
    """Each job the engine waits for ends as Wix said, changed by ``change(job)``."""
    real_wait = engine.client.wait_for_job

    def wait_for_job(job_id: str, **kwargs) -> BulkJob:
        return change(real_wait(job_id, **kwargs))

    engine.client.wait_for_job = wait_for_job


def test_a_job_that_completes_without_saying_how_many_failed_deletes_nothing(shop, engine_on):
    engine, inbox = engine_on(shop.emulator)
    _jobs_answering(engine, lambda job: msgspec.structs.replace(job, failed_total=None))
    engine.handle(p.MergeLabels(1, shop.vip, shop.sources))
    failed = inbox.wait_for(p.OperationFailed)[0]
    assert isinstance(p.rebuild_error(failed.error), JobOutcomeUnknownError) and failed.removed == []
    assert "nothing was deleted" in failed.error.message
    assert not requests(shop.emulator, "DELETE", DELETES)
    assert set(shop.sources) <= {row["key"] for row in shop.store.snapshot()}


def test_a_job_that_names_a_failed_contact_deletes_nothing_whatever_its_count_says(shop, engine_on):
    engine, inbox = engine_on(shop.emulator)
    error = JobError("CONTACT_UPDATE_FAILED", "Couldn't update contact", shop.ann)
    _jobs_answering(engine, lambda job: msgspec.structs.replace(job, failed_total=0, errors=(error,)))
    engine.handle(p.MergeLabels(1, shop.vip, shop.sources[:1]))
    failed = inbox.wait_for(p.OperationFailed)[0]
    assert isinstance(p.rebuild_error(failed.error), JobFailuresError) and failed.removed == []
    assert [contact.id for contact in failed.failed] == [shop.ann]
    assert not requests(shop.emulator, "DELETE", DELETES) and len(requests(shop.emulator, "POST", BULK)) == 1


def test_a_merge_whose_delete_failed_after_wix_carried_it_out_keeps_that_source_restorable(shop, engine_on):
    engine, inbox = engine_on(shop.emulator)
    first, second = shop.sources[:2]
    had_first = shop.holders(first)
    real_delete = engine.client.delete

    def delete(key: str) -> None:
        if key == first:  # carried out, its answer lost; the tries after it fail: the delete "failed"
            shop.emulator.faults.drop_reply_next(1)
            shop.emulator.faults.fail_next(2, status=503)  # (FAST_RETRY: three tries in all)
        real_delete(key)

    engine.client.delete = delete
    engine.handle(p.MergeLabels(1, shop.vip, [first, second]))
    failed = inbox.wait_for(p.OperationFailed)[0]
    labels_now = {row["key"] for row in shop.store.snapshot()}
    assert first not in labels_now and second in labels_now  # Wix deleted the first; the second was never sent
    assert failed.removed == [first]  # the window is told what is gone
    inbox.idle(1)
    engine.handle(p.ListDeleted(2))
    (entry,) = inbox.wait_for(p.DeletedList)[0].entries
    assert entry.key == first and set(entry.contact_ids) == had_first  # restorable
    assert saved_entries(engine, confirmed=False) == []  # the second's entry went: it was never deleted


def test_a_new_label_given_a_gone_labels_key_never_shows_that_labels_saved_contacts(shop, engine_on):
    from labeldesk.cache import saved_contacts

    engine, inbox = engine_on(shop.emulator)
    engine.handle(p.ListContacts(1, shop.news))
    assert len(inbox.wait_for(p.ContactsPage)[0].contacts) == 5
    inbox.idle(1)
    shop.store.delete(shop.news)  # deleted in Wix's own screens; no refresh since
    engine.handle(p.CreateLabel(2, "Newsletter"))
    created = inbox.wait_for(p.Created)[0]
    assert created.created and created.label.key == shop.news  # Wix gave the free key again
    inbox.idle(2)
    assert saved_contacts.load_page(engine.cache, shop.news, 0, 100) is None


def running_record(engine: SyncEngine):
    """The running operation's record as another program reads the file (only what was committed)."""
    other = LabelCache(engine.cache.path)
    try:
        return other.read(
            lambda c: [
                msgspec.json.decode(text, type=journal.Operation)
                for (text,) in c.execute("SELECT record FROM operations WHERE state = 'running'")
            ]
        )
    finally:
        other.close()


def test_a_deletes_contacts_are_on_disk_before_its_request_leaves(shop, engine_on):
    engine, inbox = engine_on(shop.emulator)
    carried = shop.holders(shop.news)
    seen: list = []
    real_delete = engine.client.delete

    def delete(key: str) -> None:
        seen.append(saved_entries(engine, confirmed=False))
        real_delete(key)

    engine.client.delete = delete
    engine.handle(p.DeleteLabel(1, label(engine, shop.news)))
    inbox.wait_for(p.Deleted)
    ((entry,),) = seen
    assert entry.key == shop.news and set(entry.contact_ids) == carried


def test_each_step_of_a_merge_is_on_disk_before_its_request_leaves(shop, engine_on):
    engine, inbox = engine_on(shop.emulator)
    client = engine.client
    at_jobs: list = []
    at_deletes: list = []
    real_job, real_delete = client.label_holders_job, client.delete

    def label_holders_job(source: str, **kwargs) -> str:
        at_jobs.append((running_record(engine), saved_entries(engine, confirmed=False)))
        return real_job(source, **kwargs)

    def delete(key: str) -> None:
        at_deletes.append(running_record(engine))
        real_delete(key)

    client.label_holders_job, client.delete = label_holders_job, delete
    engine.handle(p.MergeLabels(1, shop.vip, shop.sources))
    inbox.wait_for(p.OperationDone)
    for n, ((op,), entries) in enumerate(at_jobs):
        assert op.step == "labelling" and list(op.jobs) == shop.sources[:n]  # the jobs before it, by id
        assert {entry.key for entry in entries} == set(shop.sources)  # every source's contacts, first
    for n, (op,) in enumerate(at_deletes):
        assert op.step == "deleting" and op.removed == shop.sources[:n]
        assert set(op.ends) == {job for jobs in op.jobs.values() for job in jobs}  # every job's end, first


def test_a_merge_left_by_a_crashed_engine_resumes_though_another_program_now_has_its_process_id(
    shop, engine_on, tmp_path
):
    import subprocess
    import sys
    import uuid

    from labeldesk.engine import owners

    path = tmp_path / "site.sqlite3"
    token = uuid.uuid4().hex
    (tmp_path / "owners").mkdir(mode=0o700)
    (tmp_path / "owners" / f"{token}.lock").touch(mode=0o600)  # left by the crashed engine, held by nobody
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:  # the crashed engine's process id, given to another program since
        cache = LabelCache(path)
        op = journal.Operation("merge", "reading", request=1, target=shop.vip, sources=shop.sources[:1])
        journal.begin(cache, op, f"{other.pid}:{token}", datetime.now(UTC))
        cache.close()
        assert owners.alive(f"{other.pid}:{token}")  # by its process id alone it looks alive
        _, inbox = engine_on(shop.emulator)
        done = inbox.wait_for(p.OperationDone)[0]
        assert done.resumed and done.removed == shop.sources[:1]
    finally:
        other.stdin.close()
        other.wait(10)
    assert not (tmp_path / "owners" / f"{token}.lock").exists()  # tidied away with its operation


def test_a_second_engine_on_the_file_never_settles_a_delete_that_a_live_one_has_on_its_way(shop, engine_on):
    import threading

    first, first_inbox = engine_on(shop.emulator)
    carried = shop.holders(shop.news)
    on_its_way, go_on = threading.Event(), threading.Event()
    real_delete = first.client.delete

    def delete(key: str) -> None:  # its contacts are saved; the request is on its way
        on_its_way.set()
        assert go_on.wait(10)
        real_delete(key)

    first.client.delete = delete
    first.handle(p.DeleteLabel(1, label(first, shop.news)))
    assert on_its_way.wait(10)
    # another window on the same site, started now: it settles deletes cut short
    second, inbox = engine_on(shop.emulator)
    second.handle(p.ListDeleted(1))
    inbox.idle(1)
    go_on.set()
    first_inbox.wait_for(p.Deleted)
    first_inbox.idle(1)
    first.handle(p.ListDeleted(2))
    (entry,) = first_inbox.wait_for(p.DeletedList)[0].entries
    assert entry.key == shop.news and set(entry.contact_ids) == carried


def test_a_delete_wix_carried_out_is_said_done_though_the_disk_refused_its_last_note(shop, engine_on, monkeypatch):
    import sqlite3

    engine, inbox = engine_on(shop.emulator)

    def disk_full(connection, entry, now) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(journal, "confirm_deleted", disk_full)
    engine.handle(p.DeleteLabel(1, label(engine, shop.news)))
    deleted = inbox.wait_for(p.Deleted)[0]  # the table drops the row: the label is gone from Wix
    assert deleted.label.key == shop.news and not inbox.of(p.RequestFailed)
    assert inbox.wait_for(p.CacheTrouble)
    (entry,) = saved_entries(engine, confirmed=False)  # its contacts kept: the next start confirms it
    assert entry.key == shop.news


def test_a_restore_never_puts_a_label_wix_or_an_app_manages_on_contacts(shop, engine_on):
    from labeldesk.engine.op_errors import RestoreRefusedError

    engine, inbox = engine_on(shop.emulator)
    ann = shop.ann
    before = set(shop.store.label_keys_of(ann))
    entry = journal.save_deleted(engine.cache, "custom.contacted", "Contacted", [ann], datetime.now(UTC))
    engine.cache.write(lambda c: journal.confirm_deleted(c, entry, datetime.now(UTC)))
    engine.handle(p.RestoreLabel(1, entry))  # the name of the user's label deleted is now a system label's
    failed = inbox.wait_for(p.OperationFailed)[0]
    assert isinstance(p.rebuild_error(failed.error), RestoreRefusedError)
    assert set(shop.store.label_keys_of(ann)) == before and not requests(shop.emulator, "POST", BULK)
    engine.handle(p.ListDeleted(2))
    assert [e.entry for e in inbox.wait_for(p.DeletedList)[0].entries] == [entry]  # kept, for later


def test_an_engine_that_stopped_in_good_order_mid_merge_is_known_gone_whatever_its_process_id_becomes(tmp_path):
    import subprocess
    import sys

    from labeldesk.engine import owners
    from tests.engine.test_resume import EngineProcess, journal_jobs, wait_until

    store = LabelStore()
    site = Site(store)
    path = tmp_path / "site.sqlite3"
    with Emulator(store, rate_limit=None, job_seconds=30.0) as emulator:
        site.emulator = emulator
        first = EngineProcess()
        try:
            first.send(p.Open(p.client_settings(make_client(emulator)), None, str(path)))
            first.send(p.MergeLabels(1, site.vip, site.sources[:1]))
            wait_until(lambda: journal_jobs(path))
        finally:
            first.stop()  # the window closed mid-wait: the merge is left to resume
    cache = LabelCache(path)
    (left,) = journal.running_owners(cache)
    cache.close()
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:  # the engine's process id, given to another program since
        reused = f"{other.pid}:{left.partition(':')[2]}"
        assert not owners.alive(reused, tmp_path / "owners")
    finally:
        other.stdin.close()
        other.wait(10)


def test_a_cancel_that_comes_as_the_last_job_completes_still_deletes_nothing(shop, engine_on):
    from labeldesk.engine.op_errors import OperationCancelledError

    engine, inbox = engine_on(shop.emulator)
    real_wait = engine.client.wait_for_job

    def wait_for_job(job_id: str, **kwargs) -> BulkJob:
        job = real_wait(job_id, **kwargs)
        engine.handle(p.CancelOperation(inbox.of(p.OperationStarted)[0].operation))  # the person pressed Cancel
        return job

    engine.client.wait_for_job = wait_for_job
    engine.handle(p.MergeLabels(1, shop.vip, shop.sources[:1]))
    failed = inbox.wait_for(p.OperationFailed)[0]
    assert isinstance(p.rebuild_error(failed.error), OperationCancelledError) and failed.removed == []
    assert not requests(shop.emulator, "DELETE", DELETES)


def test_a_delete_whose_first_try_wix_carried_out_keeps_its_contacts_when_the_retry_finds_it_gone(shop, engine_on):
    from labeldesk.api.errors import LabelNotFoundError

    engine, inbox = engine_on(shop.emulator)
    carried = shop.holders(shop.news)
    real_delete = engine.client.delete

    def delete(key: str) -> None:  # the first try deleted it but its answer was a 5xx; the retry: 404
        real_delete(key)
        raise LabelNotFoundError(status=404, code="LABEL_NOT_FOUND")

    engine.client.delete = delete
    engine.handle(p.DeleteLabel(1, label(engine, shop.news)))
    inbox.wait_for(p.RequestFailed)
    inbox.idle(1)
    (entry,) = saved_entries(engine, confirmed=False)  # kept: the next start confirms it with Wix
    assert entry.key == shop.news and set(entry.contact_ids) == carried


def _given_the_key_again(shop: Site, key: str, name: str):
    """Label ``key`` deleted in Wix, then a new label named ``name`` made, which Wix gives the free key."""
    shop.store.delete(key)
    new = shop.store.find_or_create({"displayName": name})["label"]
    assert new["key"] == key
    return new


def test_a_delete_cut_short_is_settled_as_done_when_its_key_now_names_a_new_label(shop, engine_on, tmp_path):
    with make_client(shop.emulator) as client:
        old = next(lb for lb in client.fetch_all() if lb.key == shop.news)
    carried = shop.holders(shop.news)
    cache = LabelCache(tmp_path / "site.sqlite3")
    before = datetime.now(UTC) - timedelta(minutes=1)  # (an engine that wrote no owner: an older one)
    journal.save_deleted(cache, shop.news, "Newsletter", sorted(carried), before, created=old.created)
    cache.close()
    _given_the_key_again(shop, shop.news, "Newsletter")  # its delete went through; someone made it anew since
    engine, inbox = engine_on(shop.emulator)
    engine.handle(p.ListDeleted(1))
    inbox.idle(1)
    engine.handle(p.ListDeleted(2))
    (entry,) = inbox.wait_for(p.DeletedList, 2)[1].entries
    assert entry.key == shop.news and set(entry.contact_ids) == carried  # restorable, not forgotten


def test_a_resumed_merge_never_deletes_a_new_label_given_a_deleted_sources_key(shop, engine_on, tmp_path):
    from labeldesk.engine import owners

    client = make_client(shop.emulator)
    labels = {lb.key: lb for lb in client.fetch_all()}
    client.close()
    source = shop.sources[0]
    cache = LabelCache(tmp_path / "site.sqlite3")
    entry = journal.save_deleted(cache, source, "vip", ["x"], datetime.now(UTC), created=labels[source].created)
    op = journal.Operation(
        "merge", "deleting", target=shop.vip, sources=[source], label=labels[shop.vip], entries={source: entry}
    )
    gone = owners.new_owner()
    journal.begin(cache, op, gone, datetime.now(UTC))
    owners.release(gone)  # its engine crashed after Wix deleted the source, before it wrote that down
    cache.close()
    new = _given_the_key_again(shop, source, "vip")  # and a new "vip" was made since, with the free key
    _, inbox = engine_on(shop.emulator)
    done = inbox.wait_for(p.OperationDone)[0]
    assert done.resumed and done.removed == [source]
    assert not requests(shop.emulator, "DELETE", DELETES)
    assert new["key"] in {row["key"] for row in shop.store.snapshot()}  # the new label is left alone


def test_a_merge_left_by_an_engine_that_stops_just_after_another_opened_the_site_is_taken_over(
    shop, engine_on, tmp_path
):
    from tests.engine.test_resume import journal_jobs, wait_until

    path = tmp_path / "site.sqlite3"
    shop.store.job_seconds = 3.0
    first_inbox = Inbox()
    first = SyncEngine(first_inbox.send, {1: make_client(shop.emulator)})
    first.handle(p.Open(None, 1, str(path)))
    first.handle(p.MergeLabels(1, shop.vip, shop.sources))
    wait_until(lambda: len(journal_jobs(path)) == len(shop.sources))
    second, inbox = engine_on(shop.emulator)  # the site opened again while its last engine is still stopping
    second.handle(p.ListDeleted(1))
    inbox.wait_for(p.DeletedList)
    assert not inbox.of(p.OperationStarted)  # (its engine is alive: not the second's to take)
    first.shutdown()  # it stops, leaving the merge to resume
    done = inbox.wait_for(p.OperationDone, timeout=30)[0]
    assert done.resumed and done.removed == shop.sources
    assert len(requests(shop.emulator, "POST", BULK)) == len(shop.sources)  # its jobs polled, not sent again
