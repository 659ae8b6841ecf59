"""The window's end of the engine (EngineHost): what it sends never makes the GUI thread wait."""

from __future__ import annotations

import threading
import time

from labeldesk.engine import entry
from labeldesk.engine import protocol as p
from labeldesk.engine.host import EngineHost

#: Far more than a pipe holds (64 KiB on Linux) while nobody reads it.
BIG_NAME = "x" * 200_000
SENDS = 20


def test_sending_to_an_engine_that_is_not_reading_never_waits_and_keeps_the_order(qtbot, monkeypatch):
    reading = threading.Event()
    received: list[p.Intent] = []

    def busy_engine(conn, _clients) -> None:
        """An engine busy elsewhere (a keyring prompt, a long import): it reads nothing for a while."""
        reading.wait(10)
        while True:
            intent = p.decode_intent(conn.recv_bytes())
            received.append(intent)
            if isinstance(intent, p.Shutdown):
                conn.send_bytes(p.encode(p.Stopped()))
                return

    monkeypatch.setattr(entry, "engine_thread", busy_engine)
    host = EngineHost("thread")
    try:
        started = time.monotonic()
        for n in range(SENDS):
            assert host.send(p.CreateLabel(n, BIG_NAME))
        took = time.monotonic() - started
        reading.set()
        assert took < 1.0  # (a blocking write would wait here until the engine read, 10 s)
        assert host.shutdown(10_000)
    finally:
        reading.set()
    assert [intent.request for intent in received[:-1]] == list(range(SENDS))  # all of them, in order
    assert all(intent.name == BIG_NAME for intent in received[:-1])
    assert isinstance(received[-1], p.Shutdown)


def test_an_engine_gone_while_a_send_waits_is_reported_as_died(qtbot, monkeypatch):
    def gone_engine(conn, _clients) -> None:
        conn.close()  # (as a crashed engine's end closes)

    monkeypatch.setattr(entry, "engine_thread", gone_engine)
    host = EngineHost("thread")
    with qtbot.waitSignal(host.died, timeout=5_000):
        host.send(p.CreateLabel(1, BIG_NAME))
    assert not host.send(p.CreateLabel(2, "after"))
    host.shutdown(0)
