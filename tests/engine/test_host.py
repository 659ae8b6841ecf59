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


def test_the_gui_thread_never_waits_for_an_engine_process_to_start(qtbot, monkeypatch):
    """Loading what starts processes and starting one took the GUI thread for more than a frame."""
    real_take_spare = entry.take_spare
    starting = threading.Event()

    def slow_start():
        starting.wait(5)  # (as slow as a busy machine can be)
        return real_take_spare()

    monkeypatch.setattr(entry, "take_spare", slow_start)
    began = time.monotonic()
    host = EngineHost("process")
    assert host.send(p.Shutdown())  # (kept until the engine is there)
    took = time.monotonic() - began
    starting.set()
    assert took < 1.0
    assert host._stopped_seen.wait(20)  # it started, and read what was sent meanwhile
    assert host.shutdown(5_000)
    assert host._process.exitcode == 0


def test_an_engine_that_cannot_be_started_is_reported_as_died(qtbot, monkeypatch, caplog):
    def no_start():
        raise OSError("no more processes")

    monkeypatch.setattr(entry, "take_spare", no_start)
    host = EngineHost("process")
    qtbot.waitSignal(host.died, timeout=5_000).wait()
    assert "the sync engine couldn't be started" in caplog.messages
    assert not host.send(p.CreateLabel(1, "after"))
    host.shutdown(0)
