"""The window when the network is in the way (issue 12, item 9): a slow service is called slow (not
offline), and a proxy setting that can't be used is a plain message on every way in, never a
traceback or an endless "Loading labels…"."""

from __future__ import annotations

import os

import httpx
import pytest

from labeldesk.api import RetryPolicy, errors
from labeldesk.app import open_window, run
from labeldesk.credentials import SERVICE
from labeldesk.emulator import Emulator
from labeldesk.paths import AppPaths
from labeldesk.sites import Site, SiteDirectory
from labeldesk.ui import controller as controller_module
from tests.conftest import make_client
from tests.keyrings import MemoryKeyring

SITE = "51077e00-0000-4000-8000-000000000001"


@pytest.fixture
def bad_proxy(monkeypatch):
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HTTPS_PROXY", "http://someone:s3cret@[::1")
    return monkeypatch


def test_a_slow_service_is_called_slow_not_offline(qtbot, settings, demo_store, monkeypatch):
    monkeypatch.setattr(controller_module, "OFFLINE_RETRY_SECONDS", (0.3,))
    emulator = Emulator(demo_store, rate_limit=None).start()
    # Each try of the labels and of the counts stalls past the read timeout, then Wix is quick again.
    emulator.faults.stall_next(4, seconds=3)
    retry = RetryPolicy(max_attempts=2, max_total_seconds=5, base_delay=0.01, max_delay=0.02)
    client = make_client(emulator, timeout=httpx.Timeout(2.0, read=0.3), retry=retry)
    window, controller = open_window(client, settings, site_name="Slow site")
    qtbot.addWidget(window)
    failures, offline = [], []
    controller.refresh_failed.connect(failures.append)
    controller.offline_changed.connect(offline.append)
    try:
        qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
        said = window.status.text.text()
        assert said.startswith("Wix is answering slowly"), said
        assert "reach" not in said
        assert not window.offline_banner.isVisible() and not controller.offline
        assert window.new_action.isEnabled() or window.model.total == 0  # not blocked as "offline"
        # ...and it is tried again in the background, as promised.
        qtbot.waitUntil(lambda: window.model.total == len(demo_store), timeout=10_000)
        assert offline == []
    finally:
        controller.shutdown()
        emulator.stop()


def test_a_slow_answer_to_a_change_doesnt_make_the_window_offline(qtbot, settings, demo_store):
    """A write that timed out reading its answer reached Wix: it is slow, not unreachable, so the window
    doesn't go offline (which would block every change) for it."""
    emulator = Emulator(demo_store, rate_limit=None).start()
    retry = RetryPolicy(max_attempts=1, max_total_seconds=1, base_delay=0.01, max_delay=0.02)
    client = make_client(emulator, timeout=httpx.Timeout(2.0, read=0.3), retry=retry)
    window, controller = open_window(client, settings, site_name="Slow site")
    qtbot.addWidget(window)
    offline, failures = [], []
    controller.offline_changed.connect(offline.append)
    try:
        qtbot.waitUntil(lambda: window.model.total == len(demo_store) and not controller.busy, timeout=10_000)
        emulator.faults.stall_next(1, seconds=3)
        controller.create("Slow to answer", on_failure=failures.append)
        qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
        assert isinstance(failures[0], errors.TimeoutError)
        assert offline == [] and not controller.offline and not window.offline_banner.isVisible()
    finally:
        controller.shutdown()
        emulator.stop()


def test_a_service_slower_than_the_read_timeout_is_read_at_last_by_tries_that_wait_longer(
    qtbot, settings, demo_store, monkeypatch
):
    """Every answer takes longer than the read timeout (as a 25 s service against 20 s): the same
    timeout on every background try failed for ever; each slow try now waits twice as long."""
    monkeypatch.setattr(controller_module, "OFFLINE_RETRY_SECONDS", (0.1,))
    emulator = Emulator(demo_store, rate_limit=None, latency_ms=500).start()
    retry = RetryPolicy(max_attempts=1, max_total_seconds=5, base_delay=0.01, max_delay=0.02)
    client = make_client(emulator, timeout=httpx.Timeout(5.0, read=0.2), retry=retry)
    window, controller = open_window(client, settings, site_name="Slow site")
    qtbot.addWidget(window)
    failures, said = [], []
    controller.refresh_failed.connect(lambda error: failures.append(error) or said.append(window.status.text.text()))
    try:
        qtbot.waitUntil(lambda: window.model.total == len(demo_store), timeout=20_000)
        # 0.2 and 0.4 s were too short; 0.8 s is enough (or 1.6 s, on a machine busy elsewhere).
        assert len(failures) >= 2 and client.read_timeout == 0.2 * 2 ** len(failures)
        assert said[0].endswith("LabelDesk will try again in a moment, and wait longer for the answer."), said
        assert said[1].endswith("LabelDesk is still trying, waiting longer this time."), said
        assert all(request.method == "GET" for request in emulator.requests)  # (writes keep their own limit)
    finally:
        controller.shutdown()
        emulator.stop()


def test_slow_tries_wait_at_most_two_minutes():
    from labeldesk.api import WixLabelsClient

    client = WixLabelsClient("a-key", SITE, base_url="http://127.0.0.1:9", timeout=httpx.Timeout(5.0, read=100.0))
    controller = controller_module.LabelsController(client)
    try:
        assert controller._lengthen_read_timeout() and client.read_timeout == controller_module.SLOW_READ_TIMEOUT_MAX
        assert not controller._lengthen_read_timeout() and client.read_timeout == 120.0
    finally:
        controller.shutdown()


def test_the_demo_with_a_proxy_setting_it_cant_use_works_as_no_proxy_is_used_for_it(qapp, bad_proxy, capsys):
    """It was a traceback and no window (issue 12); then a plain error. The demo's emulator is on this
    computer, where no proxy is ever used (issue 13, item 7), so the setting doesn't matter to it.
    (A real site with that setting still says so: the test below.)"""
    assert run(["--demo", "--selftest", "--demo-latency-ms", "0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("selftest: 45 labels shown"), out
    assert "s3cret" not in out


def test_a_saved_site_with_a_proxy_setting_it_cant_use_says_so_instead_of_loading_forever(
    bad_proxy, site_window, qtbot
):
    paths = AppPaths.from_environment().ensure()
    backend = MemoryKeyring()
    backend.set_password(SERVICE, SITE, "a-key")
    SiteDirectory(paths.config / "sites.json").remember(Site(SITE, "Proxy Café", "https://www.wixapis.com"))
    window, manager = site_window(backend)
    manager.start()
    qtbot.waitUntil(lambda: "HTTPS_PROXY" in window.status.text.text(), timeout=10_000)
    assert window.status.kind == "error"
    assert "Loading labels" not in window.table.empty_hint.text()
    assert "HTTPS_PROXY" in window.table.empty_hint.text()
    assert "s3cret" not in window.status.text.text()
    # Pressing F5 can't help until the setting is corrected and LabelDesk started again: no such advice.
    assert "F5" not in window.table.empty_hint.text()
    assert "F5" not in window.status.text.text()


def test_signing_in_with_a_proxy_setting_it_cant_use_says_so(bad_proxy, site_window, qtbot):
    _window, manager = site_window(MemoryKeyring())
    failures = []
    manager.sign_in(
        Site(SITE, "Proxy Café", "https://www.wixapis.com"),
        "a-key",
        session_only=True,
        on_success=lambda opened: pytest.fail("signed in through a proxy setting that can't be used"),
        on_failure=failures.append,
    )
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    assert "the HTTPS_PROXY setting" in failures[0].message  # was "LabelDesk hit an unexpected problem"
