"""How a first start's engine starts (labeldesk.engine.entry): forked before Qt loads where that is
safe, reading the site before it loads the rest of itself, and leaving nothing of the window's behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeldesk.credentials import key_account
from labeldesk.emulator import DEFAULT_API_KEY, Emulator, LabelStore, seed_demo
from labeldesk.engine import entry

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and /proc: Linux")

#: The window's process as app.run begins it, before Qt: it starts the engine with a first read,
#: says how and which, and on a line from the test leaves without a word (as a crash would).
WINDOW = """
import os, sys
from labeldesk.engine import entry
site_id, base_url, account = sys.argv[1:4]
assert entry.prestart(entry.FirstRead(site_id, base_url, account))
started = entry._spare[0]
print(started.method, started.process.pid, flush=True)
sys.stdin.readline()
os._exit(0)
"""

#: The engine's first read alone, in a fresh interpreter: what it had loaded when the site's labels
#: began to be read, and how many came.
FIRST_READ = """
import sys
from labeldesk.api.client import WixLabelsClient
from labeldesk.engine.entry import FirstRead, _begin

loaded = []
fetch_all = WixLabelsClient.fetch_all

def watched(self, *args, **kwargs):
    prefixes = ("labeldesk.engine", "labeldesk.cache", "labeldesk.index")
    loaded.extend(sorted(m for m in sys.modules if m.startswith(prefixes)))
    return fetch_all(self, *args, **kwargs)

WixLabelsClient.fetch_all = watched
early = _begin(FirstRead(*sys.argv[1:4])).result(10)
labels = early.labels.result(10)
early.client.close()
print(len(labels), loaded)
"""


@pytest.fixture
def site(tmp_path):
    """A site on the emulator whose key the keyring has (in every process: see BenchmarkKeyring)."""
    store = LabelStore()
    seed_demo(store)
    with Emulator(store, rate_limit=None) as emulator:
        account = key_account(emulator.site_id, emulator.base_url)
        env = {
            **os.environ,
            "LABELDESK_HOME": str(tmp_path),
            "PYTHONPATH": str(ROOT),
            "PYTHON_KEYRING_BACKEND": "tests.benchmarks.keyring_backend.BenchmarkKeyring",
            "LABELDESK_BENCH_ACCOUNT": account,
        }
        yield emulator, [emulator.site_id, emulator.base_url, account], env


def _wait(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)  # (no Qt here: another process is being waited for)
    return True


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # ended (whoever adopted it may not have reaped it yet)


@linux_only
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_first_starts_engine_reads_the_site_at_once_and_ends_with_the_window(site, method):
    """Forked on Linux; spawned (as on Windows and macOS), it is told the site as an argument."""
    emulator, args, env = site
    env[entry.START_METHOD_VARIABLE] = "" if method == "fork" else "spawn"
    window = subprocess.Popen(
        [sys.executable, "-c", WINDOW, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    pid = "0"
    try:
        used, pid = window.stdout.readline().split()
        assert used == method
        # It reads the site before anyone asks it to (no Open, no Refresh were sent).
        assert _wait(lambda: any(r.path == "/contacts/v4/labels" for r in emulator.requests))
        engine = Path(f"/proc/{pid}")
        assert DEFAULT_API_KEY.encode() not in (engine / "cmdline").read_bytes()
        assert DEFAULT_API_KEY.encode() not in (engine / "environ").read_bytes()
        window.stdin.write("\n")  # the window goes without a word
        window.stdin.close()
        assert window.wait(10) == 0
        # (A fork starts with copies of the window's pipe ends: unless it closed them, it would never
        # see the window go, and would run on for good.)
        assert _wait(lambda: _gone(int(pid)))
    finally:
        window.kill()
        window.wait(10)
        window.stdout.close()
        if pid != "0" and not _gone(int(pid)):
            os.kill(int(pid), signal.SIGKILL)  # (a test that failed leaves no engine behind)


def test_the_first_read_needs_none_of_the_rest_of_the_engine(site):
    """The first request leaves before the engine loads serve, core, the saved copy and the index."""
    emulator, args, env = site
    out = subprocess.run(
        [sys.executable, "-c", FIRST_READ, *args], capture_output=True, text=True, env=env, check=True, timeout=60
    ).stdout
    count, loaded = out.split(" ", 1)
    assert int(count) == len(emulator.store.snapshot())
    assert loaded == "['labeldesk.engine', 'labeldesk.engine.entry']\n"


@linux_only
def test_an_engine_is_spawned_when_asked_or_once_qt_is_loaded(qtbot, monkeypatch):
    probe = "from labeldesk.engine.entry import _start_method; print(_start_method())"
    spawn = {**os.environ, "PYTHONPATH": str(ROOT), entry.START_METHOD_VARIABLE: "spawn"}
    fork = {**spawn, entry.START_METHOD_VARIABLE: ""}

    def method(env: dict[str, str]) -> str:
        return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True).stdout

    assert (method(fork), method(spawn)) == ("fork\n", "spawn\n")
    assert "PySide6.QtCore" in sys.modules and entry._start_method() == "spawn"  # (Qt runs threads of its own)


def test_no_engine_is_started_ahead_once_qt_is_loaded(qtbot):
    """The app's own start calls prestart before Qt; a test that runs the app in its process must not
    get a stray engine process nobody takes."""
    assert not entry.prestart()
    assert entry._spare == []


def test_the_engine_answers_the_windows_first_refresh_with_the_first_read(site, monkeypatch):
    """No second read of the site: the window's Open (same site, address and key) and first Refresh
    take the read the engine began before it was asked (see serve.serve's ``early``)."""
    import multiprocessing
    import threading

    from labeldesk.engine import protocol as p
    from labeldesk.engine.serve import serve
    from tests.conftest import make_client

    emulator, args, _env = site
    monkeypatch.setattr(entry, "_saved_key", lambda account: DEFAULT_API_KEY)  # (no keyring in this process)
    early = entry._begin(entry.FirstRead(*args))
    window_end, engine_end = multiprocessing.Pipe()
    engine = threading.Thread(target=serve, args=(engine_end, None, early))
    engine.start()
    window_client = make_client(emulator)  # the window's own, as the site manager makes it
    settings = p.client_settings(window_client)
    window_client.close()
    events: list = []

    def until(kind: type) -> None:
        while not events or not isinstance(events[-1], kind):
            assert window_end.poll(20)
            events.append(p.decode_event(window_end.recv_bytes()))

    for intent in (p.Open(settings, None, None), p.Refresh(1)):
        window_end.send_bytes(p.encode(intent))
    until(p.LabelsDone)
    window_end.send_bytes(p.encode(p.Shutdown()))
    until(p.Stopped)
    engine.join(10)
    window_end.close()
    shown = {label.key for event in events if isinstance(event, p.LabelsPart) for label in event.labels}
    assert shown == {row["key"] for row in emulator.store.snapshot()}
    assert [r.path for r in emulator.requests].count("/contacts/v4/labels") == 1
