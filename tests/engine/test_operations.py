"""Issue 15 in the engine, Qt-free, against the emulator over loopback: the contacts of a label, merging labels,
the restorable delete and Recently deleted, cancelling, resuming, and the rate budget."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from labeldesk.cache import LabelCache, journal
from labeldesk.emulator import Emulator, LabelStore, seed_empty
from labeldesk.engine import protocol as p
from labeldesk.engine.core import SyncEngine
from labeldesk.engine.op_errors import JobFailuresError, MergeRefusedError, OperationCancelledError

BULK = "/contacts/v4/bulk/contacts/add-remove-labels"
JOBS = "/contacts/v4/bulk/jobs/"
DELETES = "/contacts/v4/labels/"


class Site:
    """A site with a target label 'VIP', three near-duplicates of it, and contacts carrying them."""

    def __init__(self, store: LabelStore) -> None:
        self.store = store
        seed_empty(store)
        self.vip = store.add_label("VIP", key="custom.vip").key
        self.sources = [
            store.add_label(name, key=key).key
            for name, key in (("vip", "custom.vip-2"), ("V.I.P.", "custom.v-i-p"), ("Vip ", "custom.vip-3"))
        ]
        self.news = store.add_label("Newsletter", key="custom.newsletter").key
        self.system = store.add_label(
            "Contacted",
            key="contacts-contacted",
            label_type="SYSTEM",
            namespace="contacts",
            namespace_display_name="Contacts",
        ).key
        a, b, c = self.sources
        self.ann = store.add_contact([a], first_name="Ann", last_name="Lee", email="ann@example.com")
        self.people = [
            self.ann,
            store.add_contact([a, b], first_name="Bo"),
            store.add_contact([b, self.vip], email="cy@example.com"),
            store.add_contact([c, self.news]),
            *(store.add_contact([a, self.news], first_name=f"N{n}") for n in range(4)),
            store.add_contact([self.vip]),
        ]
        self.nobody = store.add_contact([])
        self.moving = set().union(*(self.holders(key) for key in self.sources))

    def holders(self, key: str) -> set[str]:
        return {cid for cid in self.store.contact_ids() if key in self.store.label_keys_of(cid)}


def served_site(job_seconds: float) -> Iterator[Site]:
    """A Site served by the emulator, each bulk job taking ``job_seconds`` (the fixtures' body)."""
    store = LabelStore()
    made = Site(store)
    with Emulator(store, rate_limit=None, job_seconds=job_seconds) as emulator:
        made.emulator = emulator
        yield made


@pytest.fixture
def site():
    yield from served_site(0.2)


def requests(emulator: Emulator, method: str, prefix: str) -> list:
    return [r for r in emulator.requests if r.method == method and r.path.startswith(prefix)]


def test_merging_three_labels_moves_every_contact_then_deletes_the_sources_after_the_jobs_completed(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    site.store.job_seconds = 1.0  # (longer than the requests in between take, so waiting is what it takes)
    moving = site.moving
    engine.handle(p.MergeLabels(7, site.vip, site.sources))
    done = inbox.wait_for(p.OperationDone)[0]
    assert done.changed == done.meant == len(moving) == 8  # (the jobs' successes: 6 + 2 + 1, Bo counted twice)
    assert inbox.of(p.OperationStarted)[0].request == 7 and done.request == 7 and not done.resumed
    assert done.removed == site.sources and done.label.key == site.vip and done.meant == len(moving)
    assert site.holders(site.vip) >= moving  # every contact of every source now carries the target
    assert not {key for key in site.sources if key in {row["key"] for row in site.store.snapshot()}}
    deletes = requests(site.emulator, "DELETE", DELETES)
    polls = requests(site.emulator, "GET", JOBS)
    assert len(deletes) == 3 and len(requests(site.emulator, "POST", BULK)) == 3
    assert max(poll.finished for poll in polls) <= min(delete.started for delete in deletes)
    counts = inbox.wait_for(p.CountsChanged)[-1].counts
    assert counts[site.vip] == len(site.holders(site.vip))
    inbox.idle(1)
    saved = LabelCache(engine.cache.path)
    assert saved.load().counts[site.vip] == counts[site.vip]  # saved for the next start
    saved.close()
    engine.handle(p.ListDeleted(8))
    listed = inbox.wait_for(p.DeletedList)[0].entries
    assert {entry.key: set(entry.contact_ids) for entry in listed} == {
        key: {cid for cid in site.people if cid in _had(site, key)} for key in site.sources
    }


def _had(site: Site, key: str) -> set[str]:
    a, b, c = site.sources
    ann, bo, cy, dee, *rest = site.people
    return {a: {ann, bo, *rest[:4]}, b: {bo, cy}, c: {dee}}[key]


def test_a_job_with_failures_deletes_nothing_and_names_the_contacts_it_failed_on(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    site.store.fail_contacts_in_jobs([site.ann])
    engine.handle(p.MergeLabels(1, site.vip, site.sources))
    failed = inbox.wait_for(p.OperationFailed)[0]
    assert isinstance(p.rebuild_error(failed.error), JobFailuresError) and "nothing was deleted" in failed.error.message
    assert [(c.id, c.shown) for c in failed.failed] == [(site.ann, "Ann Lee")] and failed.removed == []
    assert not requests(site.emulator, "DELETE", DELETES)
    assert set(site.sources) <= {row["key"] for row in site.store.snapshot()}
    engine.handle(p.ListDeleted(2))
    assert inbox.wait_for(p.DeletedList)[0].entries == []  # nothing deleted: nothing to restore
    assert not inbox.of(p.OperationDone)


def test_delete_then_restore_puts_the_label_back_on_the_same_contacts_that_still_exist(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    carried = site.holders(site.news)
    assert len(carried) == 5
    label = next(lb for lb in _labels(engine) if lb.key == site.news)
    engine.handle(p.DeleteLabel(1, label))
    inbox.wait_for(p.Deleted)
    assert site.holders(site.news) == set() and inbox.of(p.CountsChanged)[0].counts == {site.news: 0}
    engine.handle(p.ListDeleted(2))
    (entry,) = inbox.wait_for(p.DeletedList)[0].entries
    assert entry.display_name == "Newsletter" and set(entry.contact_ids) == carried and entry.deleted_at
    gone = sorted(carried)[0]
    site.store.remove_contact(gone)  # deleted in Wix meanwhile
    engine.handle(p.RestoreLabel(3, entry.entry))
    done = inbox.wait_for(p.OperationDone)[0]
    assert (done.kind, done.changed, done.meant) == ("restore", 4, 5)
    assert done.label.display_name == "Newsletter" and done.key_changed == (done.label.key != site.news)
    assert site.holders(done.label.key) == carried - {gone}
    engine.handle(p.ListDeleted(4))
    inbox.wait_for(p.DeletedList, 2)
    assert inbox.of(p.DeletedList)[1].entries == []  # restored: no longer in Recently deleted


def test_recently_deleted_leaves_out_what_was_deleted_more_than_thirty_days_ago(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    engine.handle(p.ListDeleted(1))
    inbox.idle(1)  # (and the Open's tidy-up of old entries with it: these two come after it)
    now = datetime.now(UTC)
    other = LabelCache(engine.cache.path)
    try:
        for key, days in (("custom.old", journal.KEEP_DAYS + 1), ("custom.recent", 1)):
            entry = journal.save_deleted(other, key, key, ["a"], now - timedelta(days=days))
            other.write(lambda c, entry=entry, days=days: journal.confirm_deleted(c, entry, now - timedelta(days=days)))
    finally:
        other.close()
    engine.handle(p.ListDeleted(2))
    assert [entry.key for entry in inbox.wait_for(p.DeletedList, 2)[1].entries] == ["custom.recent"]


def test_a_restore_onto_a_label_of_the_same_name_made_since_says_it_already_existed(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    label = next(lb for lb in _labels(engine) if lb.key == site.news)
    carried = site.holders(site.news)
    engine.handle(p.DeleteLabel(1, label))
    inbox.wait_for(p.Deleted)
    again = site.store.add_label("Newsletter").key  # someone made it anew in Wix's own screens meanwhile
    own = site.store.add_contact([again])
    engine.handle(p.ListDeleted(2))
    (entry,) = inbox.wait_for(p.DeletedList)[0].entries
    engine.handle(p.RestoreLabel(3, entry.entry))
    done = inbox.wait_for(p.OperationDone)[0]
    assert done.existed and done.label.key == again
    assert site.holders(again) == carried | {own}


def test_a_restore_that_made_its_label_says_it_did_not_exist(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    label = next(lb for lb in _labels(engine) if lb.key == site.news)
    engine.handle(p.DeleteLabel(1, label))
    inbox.wait_for(p.Deleted)
    engine.handle(p.ListDeleted(2))
    (entry,) = inbox.wait_for(p.DeletedList)[0].entries
    engine.handle(p.RestoreLabel(3, entry.entry))
    assert not inbox.wait_for(p.OperationDone)[0].existed


def _labels(engine: SyncEngine):
    return list(engine.client.fetch_all())


def test_polling_survives_429_and_5xx(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    site.store.job_seconds = 2.0  # (the faults are all taken by its polls, long before it completes)
    engine.handle(p.MergeLabels(1, site.vip, site.sources[:1]))
    inbox.wait_for(p.OperationProgress)
    _wait_until(lambda: requests(site.emulator, "POST", BULK))
    site.emulator.faults.fail_next(4, status=503)  # more than the client's own retries: the wait goes on
    site.emulator.faults.fail_next(1, status=429, retry_after=0.2)
    site.emulator.faults.fail_next(4, status=500)
    done = inbox.wait_for(p.OperationDone, timeout=30)[0]
    assert done.removed == site.sources[:1]
    statuses = {r.status for r in requests(site.emulator, "GET", JOBS)}
    assert {503, 429, 500, 200} <= statuses


def test_a_cancel_stops_before_the_deletes(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    site.store.job_seconds = 5.0
    engine.handle(p.MergeLabels(1, site.vip, site.sources))
    started = inbox.wait_for(p.OperationStarted)[0]
    _wait_until(lambda: len(requests(site.emulator, "POST", BULK)) >= 1)
    engine.handle(p.CancelOperation(started.operation))
    failed = inbox.wait_for(p.OperationFailed)[0]
    assert isinstance(p.rebuild_error(failed.error), OperationCancelledError) and failed.removed == []
    assert not requests(site.emulator, "DELETE", DELETES)
    assert set(site.sources) <= {row["key"] for row in site.store.snapshot()}


def test_labels_wix_or_an_app_manage_are_never_merged_away(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    engine.handle(p.MergeLabels(1, site.vip, [site.system]))
    failed = inbox.wait_for(p.OperationFailed)[0]
    refused = p.rebuild_error(failed.error)
    assert isinstance(refused, MergeRefusedError) and "can't be merged away" in str(refused)
    assert not requests(site.emulator, "POST", BULK)
    engine.handle(p.MergeLabels(2, site.system, [site.sources[2]]))  # as the label that stays: fine
    assert inbox.wait_for(p.OperationDone)[0].removed == [site.sources[2]]


def test_a_merge_preview_counts_what_it_would_do_and_changes_nothing(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    engine.handle(p.PreviewMerge(1, site.vip, site.sources))
    preview = inbox.wait_for(p.MergePreview)[0]
    a, b, c = site.sources
    assert preview.holders == {a: 6, b: 2, c: 1} and preview.adds == 7  # Cy has VIP already
    assert preview.carriers == len(_had(site, a) | _had(site, b) | _had(site, c))
    assert not requests(site.emulator, "POST", BULK)
    engine.handle(p.MergeLabels(2, site.vip, site.sources))
    done = inbox.wait_for(p.OperationDone)[0]
    assert done.changed == preview.carriers  # (what the window says after matches what it said before)


def test_the_contacts_of_a_label_come_from_wix_and_from_the_saved_copy_when_it_cant_be_reached(site, engine_on):
    engine, inbox = engine_on(site.emulator)
    engine.handle(p.ListContacts(1, site.sources[0], 0, 4))
    engine.handle(p.ListContacts(2, site.sources[0], 4, 4))
    first, second = sorted(inbox.wait_for(p.ContactsPage, 2), key=lambda page: page.offset)
    assert first.total == 6 and first.more and not second.more and not first.from_cache
    assert {c.id for c in first.contacts + second.contacts} == _had(site, site.sources[0])
    inbox.idle(2)
    site.emulator.faults.drop_next(50)  # Wix can't be reached
    engine.handle(p.ListContacts(3, site.sources[0], 0, 4))
    saved = next(page for page in inbox.wait_for(p.ContactsPage, 3) if page.request == 3)
    assert saved.from_cache and saved.synced_at is not None and saved.contacts == first.contacts and saved.more


def _wait_until(condition, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


def most_in_any_window(moments: list[float], window: float) -> int:
    starts = sorted(moments)
    most, first = 0, 0
    for last, moment in enumerate(starts):
        while moment - starts[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_a_merge_and_a_restore_never_send_more_than_the_rate_budget_counted_from_the_emulators_log(site, engine_on):
    """The 200-a-minute budget, scaled down so the test is quick: 6 requests in any 2 seconds."""
    from labeldesk.api.retry import RateBudget

    engine, inbox = engine_on(site.emulator, rate_budget=RateBudget(6, 2.0))
    engine.handle(p.MergeLabels(1, site.vip, site.sources))
    assert inbox.wait_for(p.OperationDone, timeout=60)[0].removed == site.sources
    engine.handle(p.ListDeleted(2))
    entry = inbox.wait_for(p.DeletedList)[0].entries[0]
    engine.handle(p.RestoreLabel(3, entry.entry))
    assert inbox.wait_for(p.OperationDone, 2, timeout=60)[1].kind == "restore"
    moments = [r.started for r in site.emulator.requests]
    assert len(moments) > 2 * 6  # (more than two windows' share: the budget had work to do)
    assert most_in_any_window(moments, 2.0 - 0.05) <= 6


def test_list_contacts_pages_past_a_thousand_and_lists_exactly_the_labels_contacts(site, engine_on):
    many = {site.store.add_contact([site.news], first_name=f"M{n}") for n in range(1_200)}
    carried = many | site.holders(site.news)
    engine, inbox = engine_on(site.emulator)
    engine.handle(p.ListContacts(1, site.news, 0, 1000))
    first = inbox.wait_for(p.ContactsPage)[0]
    assert len(first.contacts) == 1000 and first.more and first.total == len(carried)
    engine.handle(p.ListContacts(2, site.news, 1000, 1000))
    second = inbox.wait_for(p.ContactsPage, 2)[1]
    assert not second.more
    listed = [contact.id for contact in first.contacts + second.contacts]
    assert len(listed) == len(set(listed)) and set(listed) == carried


def test_deletes_cut_short_by_a_crash_are_settled_on_the_next_start_by_asking_wix(site, engine_on, tmp_path):
    from datetime import UTC, datetime, timedelta

    from labeldesk.cache import journal

    path = tmp_path / "crashed.sqlite3"
    cache = LabelCache(path)
    before = datetime.now(UTC) - timedelta(minutes=1)
    journal.save_deleted(cache, site.news, "Newsletter", ["x"], before)  # its delete never left: still in Wix
    journal.save_deleted(cache, "custom.gone", "Gone", ["y", "z"], before)  # its delete did: gone from Wix
    cache.close()
    engine, inbox = engine_on(site.emulator, path=str(path))
    engine.handle(p.ListDeleted(1))
    inbox.idle(1)
    engine.handle(p.ListDeleted(2))
    listed = inbox.wait_for(p.DeletedList, 2)[1].entries
    assert [(entry.display_name, entry.contact_ids) for entry in listed] == [("Gone", ("y", "z"))]
    assert listed[0].deleted_at is not None
