"""The saved copy's issue-15 tables: a label's contacts for offline, Recently deleted, the operation journal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from labeldesk.cache import LabelCache, journal, saved_contacts
from labeldesk.cache.journal import JobEnd, Operation
from labeldesk.contacts import Contact
from labeldesk.engine import owners

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def cache(tmp_path):
    cache = LabelCache(tmp_path / "sites" / "site.sqlite3")
    yield cache
    cache.close()


def people(first: int, count: int) -> list[Contact]:
    return [Contact(f"id-{n}", f"First {n}", None, f"p{n}@example.com") for n in range(first, first + count)]


def test_pages_of_a_labels_contacts_are_read_back_in_place_in_whatever_order_they_were_saved(cache):
    saved_contacts.save_page(cache, "custom.vip", 3, people(3, 2), limit=3, last=True, total=5, synced_at=NOW)
    saved_contacts.save_page(cache, "custom.vip", 0, people(0, 3), limit=3, last=False, total=5, synced_at=NOW)
    first = saved_contacts.load_page(cache, "custom.vip", 0, 3)
    assert first is not None and [c.id for c in first.contacts] == ["id-0", "id-1", "id-2"]
    assert first.more and first.total == 5 and first.synced_at == NOW
    rest = saved_contacts.load_page(cache, "custom.vip", 3, 3)
    assert rest is not None and [c.id for c in rest.contacts] == ["id-3", "id-4"] and not rest.more
    assert saved_contacts.load_page(cache, "custom.other", 0, 3) is None  # never read: nothing to show
    later = NOW + timedelta(hours=1)
    saved_contacts.save_page(cache, "custom.vip", 0, people(7, 1), limit=3, last=True, total=1, synced_at=later)
    again = saved_contacts.load_page(cache, "custom.vip", 0, 10)
    assert again is not None and [c.id for c in again.contacts] == ["id-7"] and again.total == 1
    saved_contacts.forget(cache, ["custom.vip"])
    assert saved_contacts.load_page(cache, "custom.vip", 0, 10) is None


def test_a_removed_label_takes_its_saved_contacts_with_it(cache):
    saved_contacts.save_page(cache, "custom.vip", 0, people(0, 2), limit=9, last=True, total=2, synced_at=NOW)
    cache.remove("custom.vip")
    assert saved_contacts.load_page(cache, "custom.vip", 0, 10) is None


def test_recently_deleted_lists_confirmed_deletes_newest_first_and_forgets_them_after_30_days(cache):
    old = journal.save_deleted(cache, "custom.old", "Old", ["a", "b"], NOW - timedelta(days=31))
    cache.write(lambda c: journal.confirm_deleted(c, old, NOW - timedelta(days=31)))
    first = journal.save_deleted(cache, "custom.one", "One", ["a"], NOW - timedelta(days=2))
    cache.write(lambda c: journal.confirm_deleted(c, first, NOW - timedelta(days=2)))
    second = journal.save_deleted(cache, "custom.two", "Two", ["b", "c"], NOW - timedelta(days=1))
    cache.write(lambda c: journal.confirm_deleted(c, second, NOW - timedelta(days=1)))
    journal.save_deleted(cache, "custom.unsure", "Unsure", ["d"], NOW)  # its delete not confirmed (yet)
    journal.prune(cache, NOW)
    listed = journal.deleted_entries(cache)
    assert [(e.display_name, e.contact_ids) for e in listed] == [("Two", ("b", "c")), ("One", ("a",))]
    assert listed[0].deleted_at == NOW - timedelta(days=1)
    assert [e.key for e in journal.deleted_entries(cache, confirmed=False)] == ["custom.unsure"]
    assert journal.deleted_entry(cache, old) is None


def test_a_journal_entry_survives_its_engine_and_is_taken_over_once_and_only_from_a_gone_owner(cache):
    gone = owners.new_owner()
    live = owners.new_owner()
    try:
        op = Operation("merge", "reading", target="custom.vip", sources=["custom.a"])
        left = journal.begin(cache, op, gone, NOW)
        running = journal.begin(cache, Operation("restore", "creating", entry=3), live, NOW)
        op.step = "labelling"
        op.jobs["custom.a"] = ["job-1"]
        op.ends["job-1"] = JobEnd(4, 4, 0)
        journal.record(cache, left, op, NOW)
        owners.release(gone)  # its engine stopped (or its process died)
        reopened = LabelCache(cache.path)
        me = owners.new_owner()
        taken = journal.claim_unfinished(reopened, me, owners.alive)
        assert [(op_id, op.step, op.jobs, op.ends) for op_id, op in taken] == [
            (left, "labelling", {"custom.a": ["job-1"]}, {"job-1": JobEnd(4, 4, 0)})
        ]  # not `running`: its engine is alive
        assert journal.claim_unfinished(reopened, owners.new_owner(), owners.alive) == []  # taken: once
        journal.record(reopened, left, op, NOW, state=journal.DONE)
        owners.release(me)
        assert journal.claim_unfinished(reopened, owners.new_owner(), owners.alive) == []  # ended: never again
        assert journal.operation(reopened, running) is not None
        reopened.close()
    finally:
        owners.release(live)


def test_an_engine_in_a_process_that_ended_owns_nothing():
    import subprocess
    import sys

    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    assert not owners.alive(f"{int(child.stdout)}:token")
    me = owners.new_owner()
    assert owners.alive(me)
    owners.release(me)
    assert not owners.alive(me)


def test_pruning_keeps_an_old_entry_that_a_running_restore_still_needs(cache):
    old = journal.save_deleted(cache, "custom.old", "Old", ["a", "b"], NOW - timedelta(days=40))
    cache.write(lambda c: journal.confirm_deleted(c, old, NOW - timedelta(days=40)))
    ended = journal.save_deleted(cache, "custom.ended", "Ended", ["c"], NOW - timedelta(days=40))
    cache.write(lambda c: journal.confirm_deleted(c, ended, NOW - timedelta(days=40)))
    owner = owners.new_owner()
    try:  # a restore of `old` began on its 30th day and was cut short; this start is days later
        journal.begin(cache, Operation("restore", "labelling", entry=old), owner, NOW - timedelta(days=31))
        journal.prune(cache, NOW)
    finally:
        owners.release(owner)
    assert journal.deleted_entry(cache, old) is not None  # the restore resumes on it
    assert journal.deleted_entry(cache, ended) is None  # nobody needs it any more: gone after 30 days


def damage(cache, table: str, column: str, row: int) -> None:
    """Make one row unreadable, as a damaged disk or another LabelDesk's different record would."""
    key = "id" if table == "operations" else "entry"
    cache.write(lambda c: c.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", ('{"kind": 7', row)))


def test_an_unreadable_operation_is_set_aside_and_the_others_still_resume(cache, caplog):
    gone = owners.new_owner()
    bad = journal.begin(cache, Operation("merge", "labelling", target="custom.vip", sources=["custom.a"]), gone, NOW)
    good = journal.begin(cache, Operation("restore", "creating", entry=3), gone, NOW)
    owners.release(gone)
    damage(cache, "operations", "record", bad)
    me = owners.new_owner()
    try:
        taken = journal.claim_unfinished(cache, me, owners.alive)
    finally:
        owners.release(me)
    assert [op_id for op_id, _ in taken] == [good]
    assert cache.read(lambda c: c.execute("SELECT state FROM operations WHERE id = ?", (bad,)).fetchone()) == (
        journal.FAILED,
    )  # ended: it holds no entry back and is never tried again
    assert f"journal row {bad}" in caplog.text


def test_while_a_running_operation_cannot_be_read_no_entry_is_forgotten_or_settled(cache):
    old = journal.save_deleted(cache, "custom.old", "Old", ["a"], NOW - timedelta(days=40))
    cache.write(lambda c: journal.confirm_deleted(c, old, NOW - timedelta(days=40)))
    cut_short = journal.save_deleted(cache, "custom.cut", "Cut", ["b"], NOW - timedelta(days=1))
    live = owners.new_owner()
    try:  # another engine, alive, runs an operation whose record this one can't read: it may use either entry
        damage(cache, "operations", "record", journal.begin(cache, Operation("restore", "labelling"), live, NOW))
        journal.prune(cache, NOW)
        assert journal.unsettled(cache, lambda owner: False, NOW) == []
    finally:
        owners.release(live)
    assert journal.deleted_entry(cache, old) is not None
    assert journal.unsettled(cache, lambda owner: False, NOW) == []  # (still running, still unreadable)
    assert [e.entry for e in journal.deleted_entries(cache, confirmed=False)] == [cut_short]


def test_a_delete_cut_short_is_never_settled_while_a_running_operation_uses_its_entry(cache):
    merging = journal.save_deleted(cache, "custom.source", "Source", ["a"], NOW - timedelta(days=1))
    plain = journal.save_deleted(cache, "custom.plain", "Plain", ["b"], NOW - timedelta(days=1))
    # (a merge claimed from an engine gone: it settles its own source's entry as it carries on)
    journal.begin(cache, Operation("merge", "deleting", entries={"custom.source": merging}), "gone", NOW)
    assert journal.unsettled(cache, lambda owner: False, NOW) == [(plain, "custom.plain")]


def test_an_unreadable_recently_deleted_entry_is_left_out_and_the_others_listed(cache):
    bad = journal.save_deleted(cache, "custom.bad", "Bad", ["a"], NOW)
    good = journal.save_deleted(cache, "custom.good", "Good", ["b"], NOW)
    for entry in (bad, good):
        cache.write(lambda c, entry=entry: journal.confirm_deleted(c, entry, NOW))
    damage(cache, "deleted_labels", "contact_ids", bad)
    assert [e.key for e in journal.deleted_entries(cache)] == ["custom.good"]
    assert journal.deleted_entry(cache, bad) is None and journal.deleted_entry(cache, good) is not None


def test_a_sync_without_a_label_forgets_the_contacts_saved_for_it(cache):
    from labeldesk.domain import Label, LabelType

    kept = Label("custom.vip", "VIP", LabelType.USER_DEFINED)
    for key in ("custom.vip", "custom.gone"):
        saved_contacts.save_page(cache, key, 0, people(0, 2), limit=9, last=True, total=2, synced_at=NOW)
    cache.replace_labels([kept], NOW)  # "custom.gone" was deleted elsewhere (in Wix's own screens, say)
    assert saved_contacts.load_page(cache, "custom.gone", 0, 10) is None  # a new label given its key shows none
    assert saved_contacts.load_page(cache, "custom.vip", 0, 10) is not None


def test_an_engine_holds_its_lock_file_while_its_process_lives_and_the_system_lets_go_when_it_is_killed(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "owners"
    script = "import sys; from pathlib import Path; from labeldesk.engine import owners\n"
    script += "print(owners.new_owner(Path(sys.argv[1])), flush=True); sys.stdin.read()"
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(folder)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        owner = child.stdout.readline().strip()
        assert owners.alive(owner, folder) and owners.alive(owner, folder)  # (asking takes nothing from it)
    finally:
        child.kill()
        child.wait(10)
        child.stdin.close()
        child.stdout.close()
    assert not owners.alive(owner, folder)
    owners.sweep(folder, {owner})
    assert [path.stem for path in folder.iterdir()] == [owner.partition(":")[2]]  # kept while named
    owners.sweep(folder, set())
    assert list(folder.iterdir()) == []  # tidied away once nothing names it
