"""The engine alone, Qt-free, against the emulator over loopback: what it sends for each intent."""

from __future__ import annotations

import threading
import time

import pytest

from labeldesk.cache import LabelCache
from labeldesk.domain import search_text
from labeldesk.emulator import Emulator, LabelStore, seed_demo
from labeldesk.engine import protocol as p
from labeldesk.engine.core import PART_SIZE, SyncEngine
from labeldesk.index.sorting import Column, ordered_keys
from tests.conftest import make_client


class Inbox:
    """Collects what the engine sends, from any of its threads."""

    def __init__(self) -> None:
        self.events: list[p.Event] = []
        self._changed = threading.Condition()

    def send(self, event: p.Event) -> None:
        p.decode_event(p.encode(event))  # everything it sends must cross the wire
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, kind: type, count: int = 1, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.of(kind)) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no {kind.__name__} in {[type(e).__name__ for e in self.events]}"
                self._changed.wait(remaining)
        return self.of(kind)

    def of(self, kind: type) -> list:
        return [event for event in self.events if isinstance(event, kind)]

    def idle(self, handled: int, timeout: float = 10.0) -> None:
        """Until the engine says it has nothing under way after taking in ``handled`` intents."""
        deadline = time.monotonic() + timeout
        while True:
            if any(idle.handled >= handled for idle in self.of(p.Idle)):
                return
            assert time.monotonic() < deadline, "the engine never went idle"
            time.sleep(0.01)


@pytest.fixture
def demo_emulator():
    store = LabelStore()
    seed_demo(store)
    with Emulator(store, rate_limit=None) as emulator:
        yield emulator


@pytest.fixture
def engine_for(tmp_path):
    made: list[SyncEngine] = []

    def make(emulator: Emulator, *, cache: bool = True) -> tuple[SyncEngine, Inbox]:
        inbox = Inbox()
        clients = {1: make_client(emulator)}
        engine = SyncEngine(inbox.send, clients)
        path = str(tmp_path / "site.sqlite3") if cache else None
        engine.handle(p.Open(None, 1, path))
        made.append(engine)
        return engine, inbox

    yield make
    for engine in made:
        engine.shutdown()


def test_a_refresh_sends_its_labels_in_parts_then_done_then_saves_them(engine_for, demo_emulator, tmp_path):
    engine, inbox = engine_for(demo_emulator)
    engine.handle(p.Refresh(1, (0, False)))
    done = inbox.wait_for(p.LabelsDone)[0]
    parts = inbox.of(p.LabelsPart)
    labels = [label for part in parts for label in part.labels]
    assert {label.key for label in labels} == {row["key"] for row in demo_emulator.store.snapshot()}
    assert all(len(part.labels) <= PART_SIZE and len(part.texts) == len(part.labels) for part in parts)
    assert all(part.texts == [search_text(label) for label in part.labels] for part in parts)  # side by side
    assert done.sort_spec == (0, False)  # the parts came in the table's order (by name, A to Z)
    assert [label.key for label in labels] == ordered_keys({lb.key: lb for lb in labels}, None, (Column.NAME, False))
    inbox.wait_for(p.CountsLoaded)
    inbox.idle(1)
    saved = LabelCache(tmp_path / "site.sqlite3").load()
    assert {label.key for label in saved.labels} == {row["key"] for row in demo_emulator.store.snapshot()}


def test_a_write_that_lands_while_an_older_refresh_reads_is_replayed_onto_its_answer(engine_for, demo_emulator):
    engine, inbox = engine_for(demo_emulator)
    reading, release = threading.Event(), threading.Event()
    fetch_all = engine.client.fetch_all

    def slow_fetch_all(**kwargs):
        labels = fetch_all(**kwargs)  # read before the rename...
        reading.set()
        release.wait(10)  # ...answered after it
        return labels

    engine.client.fetch_all = slow_fetch_all
    engine.handle(p.Refresh(1))
    assert reading.wait(10)
    engine.handle(p.RenameLabel(1, "custom.vip", "Very Important"))
    renamed = inbox.wait_for(p.Renamed)[0]
    assert renamed.label.display_name == "Very Important"
    release.set()
    inbox.wait_for(p.LabelsDone)
    shown = {label.key: label for part in inbox.of(p.LabelsPart) for label in part.labels}
    assert shown["custom.vip"].display_name == "Very Important"


def test_a_stale_refresh_is_dropped(engine_for, demo_emulator):
    engine, inbox = engine_for(demo_emulator)
    gate = threading.Event()
    fetch_all = engine.client.fetch_all
    calls = []

    def gated(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            gate.wait(10)
        return fetch_all(**kwargs)

    engine.client.fetch_all = gated
    engine.handle(p.Refresh(1))
    engine.handle(p.Refresh(2))
    inbox.wait_for(p.LabelsDone)
    gate.set()
    inbox.idle(2)
    assert [done.generation for done in inbox.of(p.LabelsDone)] == [2]


def test_a_failure_crosses_as_its_class_and_a_bug_as_unexpected(engine_for, demo_emulator, caplog):
    engine, inbox = engine_for(demo_emulator)
    engine.handle(p.RenameLabel(1, "custom.does-not-exist", "X"))
    failed = inbox.wait_for(p.RequestFailed)[0]
    assert failed.error.kind == "labeldesk.api.errors.LabelNotFoundError"

    def broken(**kwargs):
        raise KeyError("a bug")

    engine.client.fetch_all = broken
    engine.handle(p.Refresh(1))
    assert inbox.wait_for(p.RefreshFailed)[0].error.kind == "labeldesk.errors.UnexpectedError"
    assert "refresh labels crashed" in caplog.text


def test_busy_counts_every_intent_it_took_in(engine_for, demo_emulator):
    engine, inbox = engine_for(demo_emulator)
    engine.handle(p.Refresh(1))
    engine.handle(p.CreateLabel(1, "Fresh"))
    inbox.idle(2)
    kinds = [type(event) for event in inbox.events]
    idle = inbox.events.index(p.Idle(2))
    assert idle > kinds.index(p.LabelsDone) and idle > kinds.index(p.Created)  # only after all its work
    assert inbox.events[-1] == p.Idle(2)


def test_a_site_read_before_the_window_opened_it_is_the_first_refreshs_answer(
    demo_emulator, tmp_path, monkeypatch, caplog
):
    """The app's cold start: the engine reads the key and the site while the window is being built,
    and the window's first refresh takes that read instead of asking Wix again."""
    import logging

    from labeldesk import credentials
    from labeldesk.credentials import CredentialStore, key_account
    from tests.keyrings import MemoryKeyring

    keyring = MemoryKeyring()
    account = key_account(demo_emulator.site_id, demo_emulator.base_url)
    keyring.set_password("LabelDesk", account, demo_emulator.api_key)
    monkeypatch.setattr(credentials, "CredentialStore", lambda: CredentialStore(keyring))
    caplog.set_level(logging.DEBUG, logger="labeldesk.emulator")
    inbox = Inbox()
    engine = SyncEngine(inbox.send)
    try:
        engine.handle(p.Prefetch(demo_emulator.site_id, demo_emulator.base_url, account))
        window_client = make_client(demo_emulator)  # the window's own, as the site manager makes it
        settings = p.client_settings(window_client)
        window_client.close()
        engine.handle(p.Open(settings, None, str(tmp_path / "site.sqlite3")))
        engine.handle(p.Refresh(1, (0, False)))
        inbox.wait_for(p.LabelsDone)
        inbox.wait_for(p.CountsLoaded)
        shown = {label.key for part in inbox.of(p.LabelsPart) for label in part.labels}
        assert shown == {row["key"] for row in demo_emulator.store.snapshot()}
        lists = [r for r in caplog.messages if r.startswith("emulator:") and "GET /contacts/v4/labels" in r]
        assert len(lists) == 1, lists  # the early read's, and no second one
    finally:
        engine.shutdown()


def test_an_early_read_for_another_key_is_dropped_not_shown(demo_emulator, tmp_path, monkeypatch):
    from labeldesk import credentials
    from labeldesk.credentials import CredentialStore, key_account
    from tests.keyrings import MemoryKeyring

    keyring = MemoryKeyring()
    account = key_account(demo_emulator.site_id, demo_emulator.base_url)
    keyring.set_password("LabelDesk", account, "an-old-key-wix-no-longer-takes")
    monkeypatch.setattr(credentials, "CredentialStore", lambda: CredentialStore(keyring))
    inbox = Inbox()
    engine = SyncEngine(inbox.send)
    try:
        engine.handle(p.Prefetch(demo_emulator.site_id, demo_emulator.base_url, account))
        window_client = make_client(demo_emulator)  # signed in again: a new key
        settings = p.client_settings(window_client)
        window_client.close()
        engine.handle(p.Open(settings, None, None))
        engine.handle(p.Refresh(1))
        inbox.wait_for(p.LabelsDone)
        assert not inbox.of(p.RefreshFailed)  # the new key's read, not the old key's refusal
    finally:
        engine.shutdown()
        # (the old key's read, dropped, may still be hearing its refusal: shutdown doesn't wait for reads, and
        # on a loaded machine that outlasted the thread guard's grace. Wait for it here, not in the engine.)
        engine._early.shutdown(wait=True)


def test_changes_are_kept_for_replaying_only_while_a_refresh_reads(engine_for, demo_emulator):
    """The record of changes (what a refresh's older answer needs) never grows without a refresh."""
    engine, inbox = engine_for(demo_emulator)
    for n in range(3):
        engine.handle(p.CreateLabel(n, f"Fresh {n}"))
    inbox.idle(3)
    assert len(inbox.of(p.Created)) == 3
    assert engine._changes == []
