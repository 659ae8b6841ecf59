"""Fixtures the engine tests share."""

from __future__ import annotations

import pytest

from labeldesk.emulator import Emulator
from labeldesk.engine import protocol as p
from labeldesk.engine.core import SyncEngine
from tests.conftest import make_client
from tests.engine.test_core import Inbox


@pytest.fixture
def engine_on(tmp_path):
    made: list[SyncEngine] = []

    def make(emulator: Emulator, *, path: str | None = None, **client_args) -> tuple[SyncEngine, Inbox]:
        inbox = Inbox()
        client = make_client(emulator, **client_args)
        client.job_first_wait = 0.05
        client.job_max_wait = 0.2
        engine = SyncEngine(inbox.send, {1: client})
        engine.handle(p.Open(None, 1, path or str(tmp_path / "site.sqlite3")))
        made.append(engine)
        return engine, inbox

    yield make
    for engine in made:
        engine.shutdown()
