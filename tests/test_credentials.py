from __future__ import annotations

import json

import keyring.backends.fail
import keyring.backends.null
import pytest

from labeldesk.credentials import (
    SERVICE,
    CredentialStore,
    KeyringUnavailableError,
    SessionOnlyStore,
    describe_backend,
)
from labeldesk.sites import Site, SiteDirectory, extract_site_id
from tests.keyrings import DismissedKeyring, LockedKeyring, MemoryKeyring


def test_keys_are_stored_under_labeldesk_by_site_id():
    backend = MemoryKeyring()
    store = CredentialStore(backend)
    store.set("site-1", "key-1")
    assert backend.items == {(SERVICE, "site-1"): "key-1"}
    assert SERVICE == "LabelDesk"
    assert store.get("site-1") == "key-1"
    assert store.get("site-2") is None
    store.delete("site-1")
    store.delete("site-1")  # deleting what isn't there is fine
    assert backend.items == {}


@pytest.mark.parametrize("backend", [keyring.backends.null.Keyring(), keyring.backends.fail.Keyring()])
def test_no_keyring_is_reported_not_papered_over(backend):
    store = CredentialStore(backend)
    with pytest.raises(KeyringUnavailableError, match="no keyring"):
        store.set("site", "secret-key")
    with pytest.raises(KeyringUnavailableError):
        store.get("site")


def test_a_plaintext_keyring_is_refused():
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    with pytest.raises(KeyringUnavailableError):
        CredentialStore(PlaintextKeyring()).set("site", "secret-key")


def test_locked_and_dismissed_keyrings_say_so_without_the_key():
    with pytest.raises(KeyringUnavailableError, match="locked") as caught:
        CredentialStore(LockedKeyring()).set("site", "secret-key-123")
    assert "secret-key-123" not in str(caught.value)
    with pytest.raises(KeyringUnavailableError, match="dismissed"):
        CredentialStore(DismissedKeyring()).set("site", "secret-key-123")


def test_backends_are_described_in_words_people_know():
    import keyring.backends.macOS
    import keyring.backends.SecretService
    import keyring.backends.Windows

    assert describe_backend(keyring.backends.Windows.WinVaultKeyring()) == "Windows Credential Manager"
    assert describe_backend(keyring.backends.macOS.Keyring()) == "macOS Keychain"
    assert describe_backend(keyring.backends.SecretService.Keyring()) == "GNOME Keyring / Secret Service"


def test_session_only_keys_live_in_memory_only(tmp_path):
    store = SessionOnlyStore()
    store.set("site", "secret-key-456")
    assert store.get("site") == "secret-key-456"
    assert "secret-key-456" not in repr(store)
    store.delete("site")
    assert store.get("site") is None


def test_the_site_directory_remembers_sites_but_never_keys(tmp_path):
    path = tmp_path / "sites.json"
    sites = SiteDirectory(path)
    sites.remember(Site("a", "Bakery"))
    sites.remember(Site("b", "", "http://127.0.0.1:9999"))
    sites.remember(Site("a", ""))  # a blank name keeps the old one
    again = SiteDirectory(path)
    assert [(s.site_id, s.name) for s in again.sites] == [("b", ""), ("a", "Bakery")]
    assert again.last_used.site_id == "a"
    assert again.get("b").api_base == "http://127.0.0.1:9999"
    again.forget("a")
    assert SiteDirectory(path).last_used.site_id == "b"
    assert set(json.loads(path.read_text())) == {"last_used", "sites"}


def test_a_damaged_site_file_is_survived(tmp_path):
    path = tmp_path / "sites.json"
    path.write_text("{not json")
    assert SiteDirectory(path).sites == []
    path.write_text(json.dumps({"sites": [{"site_id": "x", "api_base": "http://evil.example"}, {"name": 3}]}))
    assert SiteDirectory(path).sites == []  # an unsafe API address is never loaded


@pytest.mark.parametrize(
    ("text", "site_id"),
    [
        (" 1a2b3c4d-0000-4000-8000-00000000abcd ", "1a2b3c4d-0000-4000-8000-00000000abcd"),
        (
            "https://manage.wix.com/dashboard/1A2B3C4D-0000-4000-8000-00000000ABCD/home",
            "1a2b3c4d-0000-4000-8000-00000000abcd",
        ),
        (
            "https://www.wix.com/dashboard/1a2b3c4d-0000-4000-8000-00000000abcd/contacts?x=1",
            "1a2b3c4d-0000-4000-8000-00000000abcd",
        ),
        ("my-site", "my-site"),
    ],
)
def test_a_pasted_dashboard_address_gives_the_site_id(text, site_id):
    assert extract_site_id(text) == site_id
