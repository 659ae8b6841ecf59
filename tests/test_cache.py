"""The SQLite cache: whole snapshots, migrations, damaged files set aside, crashes survived."""

from __future__ import annotations

import contextlib
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from labeldesk.cache import SCHEMA_VERSION, CacheUnavailableError, LabelCache, cache_path
from labeldesk.domain import Label, LabelType

NOW = datetime(2026, 11, 24, 10, 42, tzinfo=UTC)


def labels(prefix: str, count: int) -> list[Label]:
    return [
        Label(f"custom.{prefix}-{n}", f"{prefix} {n}", LabelType.USER_DEFINED, "custom", "Labels", NOW, NOW)
        for n in range(count)
    ]


@pytest.fixture
def cache(tmp_path):
    cache = LabelCache(cache_path(tmp_path, "site/1"))
    yield cache
    cache.close()


def test_an_empty_cache_has_nothing_and_no_sync_time(cache):
    snapshot = cache.load()
    assert snapshot.labels == () and snapshot.counts is None and snapshot.synced_at is None
    assert not snapshot.recovered
    assert cache.path.name == "site_1.sqlite3"


def test_a_sync_round_trips_every_field_and_the_order(cache):
    system = Label("contacts.customers", "Customers", LabelType.SYSTEM, "contacts", "Labels")
    app = Label("shop.x", "Bought", LabelType.WIX_APP_DEFINED, "shop", "Wix Stores", NOW, NOW)
    written = [system, *labels("a", 3), app]
    cache.replace_labels(written, NOW)
    cache.replace_counts({"custom.a-1": 4}, NOW)
    snapshot = LabelCache(cache.path).load()
    assert list(snapshot.labels) == written
    assert snapshot.counts == {"custom.a-1": 4}
    assert snapshot.synced_at == NOW


def test_single_changes_are_written_through(cache):
    cache.replace_labels(labels("a", 2), NOW)
    renamed = Label("custom.a-0", "Renamed", LabelType.USER_DEFINED, "custom", "Labels", NOW, NOW)
    cache.upsert(renamed, NOW)
    cache.upsert(labels("b", 1)[0], NOW)
    cache.remove("custom.a-1")
    assert [label.display_name for label in cache.load().labels] == ["Renamed", "b 0"]


def test_a_sync_saves_a_start_up_snapshot_in_the_tables_order(cache):
    written = labels("a", 5)
    order = [label.key for label in reversed(written)]
    cache.replace_labels(written, NOW, {"custom.a-0": "saved text"}, order=order, ordered_by="NAME:desc")
    cache.replace_counts({"custom.a-1": 4}, NOW)
    snapshot = LabelCache(cache.path).load()
    assert [label.key for label in snapshot.labels] == order
    assert snapshot.ordered_by == "NAME:desc"
    assert snapshot.search_list == [snapshot.search[label.key] for label in snapshot.labels]
    assert snapshot.search["custom.a-0"] == "saved text" and snapshot.search["custom.a-1"] == "a 1\ncustom.a-1"
    assert snapshot.counts == {"custom.a-1": 4} and snapshot.synced_at == NOW


@pytest.mark.parametrize("change", ["upsert", "remove"])
def test_a_single_change_drops_the_snapshot_and_the_rows_take_over(cache, change):
    cache.replace_labels(labels("a", 3), NOW, order=["custom.a-2", "custom.a-1", "custom.a-0"], ordered_by="x")
    if change == "upsert":
        cache.upsert(Label("custom.a-1", "Renamed", LabelType.USER_DEFINED, "custom", "Labels", NOW, NOW), NOW)
        expected = ["a 0", "Renamed", "a 2"]
    else:
        cache.remove("custom.a-1")
        expected = ["a 0", "a 2"]
    snapshot = cache.load()
    assert [label.display_name for label in snapshot.labels] == expected  # the service's order, from the rows
    assert snapshot.ordered_by is None


def test_an_unreadable_snapshot_falls_back_to_the_rows(cache):
    cache.replace_labels(labels("a", 3), NOW)
    with contextlib.closing(sqlite3.connect(cache.path)) as raw, raw:
        raw.execute("UPDATE snapshot SET data = x'c1c1c1'")
    assert [label.key for label in cache.load().labels] == ["custom.a-0", "custom.a-1", "custom.a-2"]


def test_a_big_snapshot_is_written_and_read_in_parts_that_join_up(cache):
    """The start-up snapshot's file format is a list of parts; a big one is written in several."""
    from labeldesk.cache import snapshot as snapshot_module

    written = labels("b", 2 * snapshot_module.SNAPSHOT_PART + 7)  # three parts
    order = [label.key for label in reversed(written)]
    cache.replace_labels(written, NOW, order=order, ordered_by="KEY:desc")
    snapshot = LabelCache(cache.path).load()
    assert [label.key for label in snapshot.labels] == order and snapshot.ordered_by == "KEY:desc"
    assert list(snapshot.labels) == list(reversed(written))
    assert snapshot.search_list == [snapshot.search[label.key] for label in snapshot.labels]
    with contextlib.closing(sqlite3.connect(cache.path)) as raw, raw:
        (data,) = raw.execute("SELECT data FROM snapshot").fetchone()
    assert len(snapshot_module._PARTS_DECODER.decode(data).parts) == 3


def test_a_snapshot_saved_before_it_came_in_parts_falls_back_to_the_rows(cache):
    import msgspec

    from labeldesk.cache.snapshot import _Blob

    written = labels("a", 3)
    cache.replace_labels(written, NOW, order=[label.key for label in reversed(written)], ordered_by="x")
    with contextlib.closing(sqlite3.connect(cache.path)) as raw, raw:  # as an earlier LabelDesk wrote it: one _Blob
        raw.execute("UPDATE snapshot SET data = ?", (msgspec.msgpack.encode(_Blob(written, ["a"] * 3)),))
    snapshot = LabelCache(cache.path).load()
    assert list(snapshot.labels) == written and snapshot.ordered_by is None  # the rows, in service order


def test_a_label_the_snapshot_cannot_hold_still_saves_as_rows(cache):
    naive = Label("custom.n", "Naive", LabelType.USER_DEFINED, "custom", "Labels", datetime(2026, 1, 1), None)
    cache.replace_labels([*labels("a", 2), naive], NOW, order=["custom.n", "custom.a-0", "custom.a-1"], ordered_by="x")
    snapshot = cache.load()
    assert [label.key for label in snapshot.labels] == ["custom.a-0", "custom.a-1", "custom.n"]
    assert snapshot.ordered_by is None


def test_the_schema_version_is_recorded_and_no_shared_memory_map_is_used(cache):
    """WAL keeps its index in a memory-mapped -shm file; on a file system where that map isn't
    coherent (a network home folder, FUSE, a sandbox) SQLite then dies of SIGBUS, as CI once did."""
    cache.replace_labels(labels("a", 10), NOW)
    assert not Path(f"{cache.path}-shm").exists() and not Path(f"{cache.path}-wal").exists()
    with contextlib.closing(sqlite3.connect(cache.path)) as raw, raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


OLD_WAL_WRITER = """
import os, signal, sqlite3, sys
raw = sqlite3.connect(sys.argv[1], isolation_level=None)
raw.execute("PRAGMA journal_mode = WAL")
raw.execute("PRAGMA wal_autocheckpoint = 0")
raw.execute("BEGIN")
raw.execute("UPDATE labels SET display_name = 'only in the log' WHERE key = 'custom.kept-0'")
raw.execute("DELETE FROM snapshot")
raw.execute("COMMIT")
os.kill(os.getpid(), signal.SIGKILL)  # as an older LabelDesk that crashed: its last write is in the -wal
"""


def test_a_cache_an_older_labeldesk_left_in_wal_mode_is_turned_back_with_its_labels(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = LabelCache(path)
    old.replace_labels(labels("kept", 50), NOW)
    old.close()
    subprocess.run([sys.executable, "-c", OLD_WAL_WRITER, str(path)], check=False)
    assert Path(f"{path}-wal").stat().st_size > 0
    cache = LabelCache(path)
    names = {label.key: label.display_name for label in cache.load().labels}
    cache.close()
    assert len(names) == 50 and names["custom.kept-0"] == "only in the log"
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    with contextlib.closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_corrupt_file_is_set_aside_not_deleted_and_reported_once(cache):
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(b"this is not a database at all" * 100)
    snapshot = cache.load()
    assert snapshot.recovered and snapshot.labels == ()
    aside = list(cache.path.parent.glob("*.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
    cache.replace_labels(labels("a", 2), NOW)
    again = cache.load()
    assert not again.recovered and len(again.labels) == 2


def test_a_cache_from_a_newer_labeldesk_is_set_aside(cache):
    cache.replace_labels(labels("a", 1), NOW)
    cache.close()
    with contextlib.closing(sqlite3.connect(cache.path)) as raw, raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    snapshot = LabelCache(cache.path).load()
    assert snapshot.recovered and snapshot.labels == ()


def test_a_version_1_file_is_backed_up_then_migrated_with_its_rows(tmp_path):
    import labeldesk.cache as module

    path = tmp_path / "old.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as raw, raw:  # a cache as LabelDesk's first schema wrote it
        raw.executescript(module.MIGRATIONS[0])
        raw.execute(
            "INSERT INTO labels VALUES ('custom.vip', 'VIP', 'USER_DEFINED', 'custom', 'Labels', NULL, NULL, 0, ?)",
            (NOW.isoformat(),),
        )
        raw.execute("INSERT INTO meta VALUES ('synced_at', ?)", (NOW.isoformat(),))
        raw.execute("PRAGMA user_version = 1")
    migrated = LabelCache(path)
    snapshot = migrated.load()
    migrated.close()
    assert [label.display_name for label in snapshot.labels] == ["VIP"] and snapshot.synced_at == NOW
    assert snapshot.search == {}  # none saved yet: the app computes them
    assert (tmp_path / "old.sqlite3.v1.bak").exists()
    with contextlib.closing(sqlite3.connect(path)) as raw, raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert "search" in [row[1] for row in raw.execute("PRAGMA table_info(labels)")]
    with contextlib.closing(sqlite3.connect(tmp_path / "old.sqlite3.v1.bak")) as raw, raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 1


def test_search_texts_are_saved_with_the_labels(cache):
    cache.replace_labels(labels("Crème", 2), NOW)
    assert cache.load().search == {
        "custom.Crème-0": "creme 0\ncustom.crème-0",
        "custom.Crème-1": "creme 1\ncustom.crème-1",
    }


WRITER = """
import sys
from datetime import datetime, UTC
from labeldesk.cache import LabelCache
from labeldesk.domain import Label, LabelType
now = datetime.now(UTC)
cache = LabelCache(__import__("pathlib").Path(sys.argv[1]))
snapshots = {p: [Label(f"custom.{p}-{n}", f"{p} {n}", LabelType.USER_DEFINED, "custom", "Labels", now, now)
                 for n in range(10_000)] for p in ("old", "new")}
while True:
    for prefix in ("new", "old"):
        print("begin", flush=True)
        cache.replace_labels(snapshots[prefix], now)
        print("committed", flush=True)
"""


def test_sigkill_in_the_middle_of_a_sync_always_leaves_a_whole_snapshot(tmp_path):
    path = tmp_path / "kill.sqlite3"
    LabelCache(path).replace_labels(labels("old", 10_000), NOW)
    rng = random.Random(20261126)
    mid_sync = 0
    for _ in range(20):
        with subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True) as writer:
            assert writer.stdout.readline().strip() == "begin"
            time.sleep(rng.uniform(0.0, 0.05))  # a random point inside a ~70 ms sync, in another process
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            after_begin = writer.stdout.read().split()
        mid_sync += "committed" not in after_begin  # killed before that sync's commit
        reader = LabelCache(path)
        snapshot = reader.load()
        reader.close()
        assert not snapshot.recovered
        prefixes = {label.key.split(".")[1].split("-")[0] for label in snapshot.labels}
        assert len(snapshot.labels) == 10_000 and len(prefixes) == 1, prefixes
        with contextlib.closing(sqlite3.connect(path)) as raw, raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert mid_sync >= 10, f"only {mid_sync} of 20 kills landed inside a sync"


def test_two_writers_on_one_site_do_not_corrupt_it(tmp_path):
    path = tmp_path / "shared.sqlite3"
    LabelCache(path).replace_labels(labels("old", 10), NOW)
    script = (
        "import sys; from datetime import datetime, UTC; from labeldesk.cache import LabelCache; "
        "from tests.test_cache import labels; c = LabelCache(__import__('pathlib').Path(sys.argv[1])); "
        "[c.replace_labels(labels(sys.argv[2], 2000), datetime.now(UTC)) for _ in range(15)]"
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, str(path), name]) for name in ("one", "two")]
    assert [writer.wait(120) for writer in writers] == [0, 0]
    snapshot = LabelCache(path).load()
    assert len(snapshot.labels) == 2000
    assert len({label.key.split("-")[0] for label in snapshot.labels}) == 1
    with contextlib.closing(sqlite3.connect(path)) as raw, raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_preload_reads_ahead_and_the_next_load_takes_it(cache, monkeypatch):
    cache.replace_labels(labels("a", 3), NOW)
    cache.close()
    import threading

    reads = []
    original = LabelCache._read_snapshot
    monkeypatch.setattr(
        LabelCache, "_read_snapshot", lambda self: reads.append(threading.current_thread().name) or original(self)
    )
    early = LabelCache(cache.path)
    early.preload()
    early.preload()  # once is enough
    assert [label.key for label in early.load().labels] == ["custom.a-0", "custom.a-1", "custom.a-2"]
    assert reads == ["labeldesk-cache-preload"]  # read ahead on a thread of its own, and taken
    early.load()  # later loads read again, where they are called
    assert reads == ["labeldesk-cache-preload", threading.current_thread().name]
    early.close()


def test_a_preload_of_a_damaged_file_reports_it_like_a_load(tmp_path):
    path = cache_path(tmp_path, "site")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    early = LabelCache(path)
    early.preload()
    snapshot = early.load()
    early.close()
    assert snapshot.recovered and snapshot.labels == ()


@pytest.mark.parametrize(
    "order", [["custom.a-0", "custom.a-1"], ["custom.a-0", "custom.a-1", "custom.zz"], ["custom.a-0"] * 3]
)
def test_an_order_that_does_not_name_each_label_once_is_not_saved_as_the_order(cache, order):
    cache.replace_labels(labels("a", 3), NOW, order=order, ordered_by="NAME:asc")
    snapshot = cache.load()
    assert snapshot.ordered_by is None
    assert [label.key for label in snapshot.labels] == ["custom.a-0", "custom.a-1", "custom.a-2"]


@pytest.mark.parametrize("in_order", [True, False])
def test_a_saved_label_whose_key_cant_be_used_is_left_out_as_the_copy_is_read(cache, in_order):
    """Keys from Wix are checked as they come; a copy saved by an older LabelDesk may hold others."""
    bad_keys = ["..", "custom.a\nb"] + ([] if in_order else ["x" * 81])  # (an 81st character: no snapshot)
    bad = [Label(key, f"bad {n}", LabelType.USER_DEFINED) for n, key in enumerate(bad_keys)]
    saved = [*labels("a", 2), *bad, *labels("b", 1)]
    order = [label.key for label in saved]
    if in_order:  # the start-up snapshot, with its search texts in the same order
        cache.replace_labels(saved, NOW, order=order, ordered_by="KEY:asc")
    else:
        cache.replace_labels(saved, NOW)
    snapshot = cache.load()
    kept = ["custom.a-0", "custom.a-1", "custom.b-0"]
    assert [label.key for label in snapshot.labels] == kept
    if in_order:
        assert snapshot.search_list is not None
        assert len(snapshot.search_list) == 3 and snapshot.search_list[2].startswith("b 0")
    assert snapshot.search is None or set(snapshot.search) <= set(kept)


# -- a file or folder that refuses us ------------------------------------------------------------------


def hold_exclusive_lock(path):
    """Another program holding the cache file (as a backup tool or a second copy might): no reads, no writes."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT OR REPLACE INTO meta VALUES ('held', 'yes')")
    return holder


def read_only(monkeypatch):
    """As if the file were read-only (tests run as root, who may write anything): SQLite's own read-only mode."""
    import labeldesk.cache.store

    connect = sqlite3.connect
    monkeypatch.setattr(
        labeldesk.cache.store.sqlite3, "connect", lambda path, **kw: connect(f"file:{path}?mode=ro", uri=True, **kw)
    )


def test_a_read_only_cache_is_still_read_and_refuses_saves_plainly_then_at_once(cache, monkeypatch):
    cache.replace_labels(labels("a", 3), NOW)
    cache.close()
    read_only(monkeypatch)
    assert len(cache.load().labels) == 3  # what was saved is still shown
    with pytest.raises(CacheUnavailableError) as caught:
        cache.upsert(labels("b", 1)[0], NOW)
    assert str(cache.path.parent) in str(caught.value) and "can't save labels on this computer" in str(caught.value)
    assert "OperationalError" not in str(caught.value) and "readonly" not in str(caught.value)
    monkeypatch.setattr(LabelCache, "_run", lambda *a: pytest.fail("tried the refusing file again"))
    with pytest.raises(CacheUnavailableError):
        cache.replace_counts({"a": 1}, NOW)


def test_an_exclusively_locked_cache_gives_up_quickly(cache):
    cache.replace_labels(labels("a", 3), NOW)
    cache.close()
    holder = hold_exclusive_lock(cache.path)
    try:
        started = time.monotonic()
        with pytest.raises(CacheUnavailableError):
            cache.load()
        assert time.monotonic() - started < 3  # not the 10 s it used to wait
        started = time.monotonic()
        with pytest.raises(CacheUnavailableError):
            cache.replace_labels(labels("b", 2), NOW)
        assert time.monotonic() - started < 0.5  # it refused already: no second wait
    finally:
        holder.close()
    assert cache.unavailable


def test_a_cache_folder_that_cannot_be_made_is_unavailable_not_a_crash(tmp_path):
    (tmp_path / "file").write_text("")
    cache = LabelCache(cache_path(tmp_path / "file" / "cache", "site"))  # mkdir fails, even for root
    with pytest.raises(CacheUnavailableError):
        cache.load()
    with pytest.raises(CacheUnavailableError):
        cache.replace_labels(labels("a", 1), NOW)
