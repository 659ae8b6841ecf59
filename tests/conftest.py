"""Shared fixtures. Every test runs offscreen, with LABELDESK_HOME in a temporary folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never let a test reach the user's real keyring, whatever the machine has.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import pytest

from labeldesk.api import RetryPolicy, WixLabelsClient
from labeldesk.emulator import DEFAULT_API_KEY, DEFAULT_SITE_ID, Emulator, LabelStore, seed_empty

#: Retries that wait milliseconds, not seconds, so failure tests stay quick.
FAST_RETRY = RetryPolicy(max_attempts=3, max_total_seconds=5.0, base_delay=0.01, max_delay=0.05)


@pytest.fixture(autouse=True)
def _test_process_keeps_its_core_limit(monkeypatch):
    """app.run() turns core dumps off for good (the hard limit too); a test that calls it in this
    process would take that from every later test, among them the ones that prove it in a child."""
    import labeldesk.app

    monkeypatch.setattr(labeldesk.app, "forbid_core_dumps", lambda: None)


@pytest.fixture(autouse=True)
def labeldesk_home(tmp_path, monkeypatch):
    home = tmp_path / "labeldesk-home"
    monkeypatch.setenv("LABELDESK_HOME", str(home))
    return home


@pytest.fixture
def store():
    store = LabelStore()
    seed_empty(store)
    return store


@pytest.fixture
def emulator(store):
    with Emulator(store, rate_limit=None) as running:
        yield running


def make_client(emulator: Emulator, **kwargs) -> WixLabelsClient:
    kwargs.setdefault("retry", FAST_RETRY)
    return WixLabelsClient(
        kwargs.pop("api_key", DEFAULT_API_KEY),
        kwargs.pop("site_id", DEFAULT_SITE_ID),
        base_url=emulator.base_url,
        **kwargs,
    )


@pytest.fixture
def client(emulator):
    with make_client(emulator) as client:
        yield client
