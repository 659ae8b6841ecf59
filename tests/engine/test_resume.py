"""A merge cut short resumes on the next Open and finishes exactly once: an engine on a thread that stopped
mid-merge, and a real engine process killed with SIGKILL between the add jobs and the deletes."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sqlite3
import threading
import time

import msgspec
import pytest

from labeldesk.cache.journal import Operation
from labeldesk.engine import protocol as p
from labeldesk.engine.core import SyncEngine
from labeldesk.engine.entry import engine_process
from tests.conftest import make_client
from tests.engine.test_core import Inbox
from tests.engine.test_operations import BULK, DELETES, Site, requests, served_site


@pytest.fixture
def slow_site():
    yield from served_site(3.0)


def journal_jobs(path) -> dict[str, list[str]]:
    """The job ids the running merge wrote down (read as another program would)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as raw:
            rows = raw.execute("SELECT record FROM operations WHERE state = 'running'").fetchall()
    except sqlite3.OperationalError:  # not made yet, or locked for a moment
        return {}
    return msgspec.json.decode(rows[0][0], type=Operation).jobs if rows else {}


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.02)


def assert_merged_exactly_once(site: Site) -> None:
    emulator = site.emulator
    assert len(requests(emulator, "POST", BULK)) == len(site.sources)  # each job sent once, polled after
    deletes = [r.path for r in requests(emulator, "DELETE", DELETES)]
    assert sorted(deletes) == sorted(DELETES + key for key in site.sources)  # each source deleted once
    assert site.holders(site.vip) >= site.moving
    assert not {row["key"] for row in site.store.snapshot()} & set(site.sources)


def test_a_merge_left_running_by_a_stopped_engine_resumes_on_the_next_open_and_finishes_once(slow_site, tmp_path):
    path = tmp_path / "site.sqlite3"
    first_inbox = Inbox()
    first = SyncEngine(first_inbox.send, {1: make_client(slow_site.emulator)})
    first.handle(p.Open(None, 1, str(path)))
    first.handle(p.MergeLabels(1, slow_site.vip, slow_site.sources))
    wait_until(lambda: len(journal_jobs(path)) == len(slow_site.sources))
    first.shutdown(in_good_order=False)  # mid-wait: the jobs are Wix's, the deletes not sent
    assert not first_inbox.of(p.OperationDone) and not first_inbox.of(p.OperationFailed)
    assert not requests(slow_site.emulator, "DELETE", DELETES)
    inbox = Inbox()
    second = SyncEngine(inbox.send, {1: make_client(slow_site.emulator)})
    try:
        second.handle(p.Open(None, 1, str(path)))
        started = inbox.wait_for(p.OperationStarted)[0]
        done = inbox.wait_for(p.OperationDone, timeout=30)[0]
        assert started.resumed and done.resumed and started.request is None and done.request is None
        assert done.removed == slow_site.sources
    finally:
        second.shutdown()
    assert_merged_exactly_once(slow_site)


class EngineProcess:
    """A real engine process, as the app starts it, spoken to over its pipe without Qt."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, engine_end = multiprocessing.Pipe(duplex=True)
        log_conn, log_end = multiprocessing.Pipe(duplex=False)
        self.process = context.Process(target=engine_process, args=(engine_end, log_end, logging.WARNING), daemon=True)
        self.process.start()
        engine_end.close()
        log_end.close()
        self.inbox = Inbox()
        self._readers = [
            threading.Thread(target=self._read, args=(self.conn, True), name="test-engine-events"),
            threading.Thread(target=self._read, args=(log_conn, False), name="test-engine-log"),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, conn, events: bool) -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                data = conn.recv_bytes()
                if events:
                    self.inbox.send(p.decode_event(data))
        conn.close() if not events else None

    def send(self, intent) -> None:
        self.conn.send_bytes(p.encode(intent))

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(10)
        self.end()

    def stop(self) -> None:
        self.send(p.Shutdown())
        self.inbox.wait_for(p.Stopped, timeout=20)
        self.process.join(10)
        self.end()

    def end(self) -> None:
        for reader in self._readers:
            reader.join(10)
        self.conn.close()


def test_a_merge_killed_between_its_add_jobs_and_its_deletes_resumes_on_restart_and_finishes_exactly_once(
    slow_site, tmp_path
):
    path = tmp_path / "site.sqlite3"
    settings = p.client_settings(make_client(slow_site.emulator))
    first = EngineProcess()
    try:
        first.send(p.Open(settings, None, str(path)))
        first.send(p.MergeLabels(1, slow_site.vip, slow_site.sources))
        wait_until(lambda: len(journal_jobs(path)) == len(slow_site.sources))
        assert not requests(slow_site.emulator, "DELETE", DELETES)
    finally:
        first.kill()
    assert first.process.exitcode == -signal.SIGKILL
    assert not first.inbox.of(p.OperationDone)
    second = EngineProcess()
    try:
        second.send(p.Open(settings, None, str(path)))
        started = second.inbox.wait_for(p.OperationStarted, timeout=20)[0]
        done = second.inbox.wait_for(p.OperationDone, timeout=40)[0]
        assert started.resumed and done.resumed and done.operation == started.operation
        assert done.removed == slow_site.sources and done.label.key == slow_site.vip
        second.send(p.ListDeleted(5))
        listed = second.inbox.wait_for(p.DeletedList, timeout=20)[0].entries
        assert sorted(entry.key for entry in listed) == sorted(slow_site.sources)
    finally:
        second.stop()
    assert_merged_exactly_once(slow_site)
    third = EngineProcess()  # a third start finds nothing left to do
    try:
        third.send(p.Open(settings, None, str(path)))
        third.send(p.ListDeleted(1))
        third.inbox.idle(1, timeout=20)  # (after its look at the journal too: Open set it going first)
        assert not third.inbox.of(p.OperationStarted)
    finally:
        third.stop()
    assert_merged_exactly_once(slow_site)


def test_a_restore_left_running_resumes_on_the_next_open_polls_its_job_and_sends_it_once(slow_site, tmp_path):
    path = tmp_path / "site.sqlite3"
    site = slow_site
    carried = site.holders(site.news)
    first_inbox = Inbox()
    first = SyncEngine(first_inbox.send, {1: make_client(site.emulator)})
    first.handle(p.Open(None, 1, str(path)))
    label = next(lb for lb in first.client.fetch_all() if lb.key == site.news)
    first.handle(p.DeleteLabel(1, label))
    first_inbox.wait_for(p.Deleted)
    first.handle(p.ListDeleted(2))
    (entry,) = first_inbox.wait_for(p.DeletedList)[0].entries
    first.handle(p.RestoreLabel(3, entry.entry))
    wait_until(lambda: "restore" in journal_jobs(path))
    first.shutdown(in_good_order=False)
    assert not first_inbox.of(p.OperationDone)
    inbox = Inbox()
    second = SyncEngine(inbox.send, {1: make_client(site.emulator)})
    try:
        second.handle(p.Open(None, 1, str(path)))
        done = inbox.wait_for(p.OperationDone, timeout=30)[0]
        assert done.resumed and done.kind == "restore" and (done.changed, done.meant) == (5, 5)
        second.handle(p.ListDeleted(4))
        assert inbox.wait_for(p.DeletedList)[0].entries == []
    finally:
        second.shutdown()
    assert site.holders(done.label.key) == carried
    assert len(requests(site.emulator, "POST", BULK)) == 1  # its job, sent once and polled after the restart
    assert len([r for r in site.emulator.requests if r.method == "POST" and r.path == "/contacts/v4/labels"]) == 1
