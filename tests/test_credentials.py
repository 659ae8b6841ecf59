from __future__ import annotations

import json
import threading
import time

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
from labeldesk.sites import Site, SiteDirectory, extract_site_id, site_id_problem
from tests.keyrings import (
    BrokenKeyring,
    DismissedKeyring,
    HangingKeyring,
    LockedKeyring,
    MemoryKeyring,
    WinVaultKeyring,
)


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


@pytest.mark.parametrize(
    ("desktop", "name"),
    [
        ("GNOME", "GNOME Keyring"),
        ("ubuntu:GNOME", "GNOME Keyring"),
        ("KDE", "KDE Wallet"),
        ("", "your system's keyring"),
    ],
)
def test_a_secret_service_keyring_is_named_as_people_know_it(monkeypatch, desktop, name):
    import keyring.backends.libsecret
    import keyring.backends.SecretService

    monkeypatch.setenv("XDG_CURRENT_DESKTOP", desktop)
    assert describe_backend(keyring.backends.SecretService.Keyring()) == name
    assert describe_backend(keyring.backends.libsecret.Keyring()) == name


def test_no_keyring_message_names_no_protocol_or_class():
    class SomeOddKeyring(MemoryKeyring):
        pass

    assert describe_backend(SomeOddKeyring()) == "your system's keyring"
    with pytest.raises(KeyringUnavailableError) as caught:
        CredentialStore(keyring.backends.null.Keyring()).get("site")
    assert "Secret Service" not in str(caught.value) and "Keyring(" not in str(caught.value)


def test_a_chain_of_keyrings_is_named_by_the_one_that_keeps_the_key(monkeypatch):
    import keyring.backends.chainer

    monkeypatch.setattr(keyring.backends.chainer.ChainerBackend, "backends", [WinVaultKeyring(), MemoryKeyring()])
    assert describe_backend(keyring.backends.chainer.ChainerBackend()) == "Windows Credential Manager"


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
    sites.remember(Site("b", "", "https://www.wixapis.com"))
    sites.remember(Site("a", ""))  # a blank name keeps the old one
    again = SiteDirectory(path)
    assert [(s.site_id, s.name) for s in again.sites] == [("b", ""), ("a", "Bakery")]
    assert again.last_used.site_id == "a"
    assert again.get("b").api_base == "https://www.wixapis.com"
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
        ("\n 1a2b3c4d-0000-4000-8000-00000000abcd\r\n", "1a2b3c4d-0000-4000-8000-00000000abcd"),
        ("1a2b3c4d-0000-4000-\n8000-00000000abcd", "1a2b3c4d-0000-4000-8000-00000000abcd"),  # wrapped in a mail
        ("\u200b1a2b3c4d-0000-4000-8000-00000000abcd\ufeff", "1a2b3c4d-0000-4000-8000-00000000abcd"),
        (
            " https://manage.wix.com/dashboard/1a2b3c4d-0000-4000-8000-00000000abcd\n",
            "1a2b3c4d-0000-4000-8000-00000000abcd",
        ),
    ],
)
def test_a_pasted_dashboard_address_gives_the_site_id(text, site_id):
    assert extract_site_id(text) == site_id
    assert site_id_problem(text) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("https://manage.wix.com/dashboard/", "address has no site ID"),
        ("https://manage.wix.com/account/sites", "address has no site ID"),
        ("www.mybakery.com", "address has no site ID"),
        ("my-site", "isn't a site ID"),
        ("1a2b3c4d-0000-4000-8000", "isn't a site ID"),
    ],
)
def test_text_without_a_site_id_gives_none_and_says_why(text, words):
    assert extract_site_id(text) == ""
    assert words in site_id_problem(text)


EDITOR_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
SITE_ID = "11111111-2222-4333-8444-555555555555"


@pytest.mark.parametrize(
    "text",
    [
        f"https://editor.wix.com/html/editor/web/renderer/edit/{EDITOR_ID}?metaSiteId={SITE_ID}",
        f"https://editor.wix.com/html/editor/web/renderer/edit/{EDITOR_ID}?lang=en&metaSiteId={SITE_ID.upper()}#x",
        f"https://manage.wix.com/dashboard/{SITE_ID}/contacts/{EDITOR_ID}",
        f"https://manage.wix.com/dashboard/{SITE_ID}/contacts?referralInfo={EDITOR_ID}",
    ],
)
def test_the_site_id_in_an_address_is_the_one_wix_marks_as_the_site(text):
    assert extract_site_id(text) == SITE_ID
    assert site_id_problem(text) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (SITE_ID + "6666", "isn't a site ID"),  # too long: never cut down to a valid-looking ID
        ("x" + SITE_ID, "isn't a site ID"),
        (SITE_ID + "-6666", "isn't a site ID"),
        (SITE_ID.replace("5555", "555g", 1), "isn't a site ID"),
        (f"https://manage.wix.com/dashboard/{SITE_ID}6666/contacts", "address has no site ID"),
        (f"https://editor.wix.com/edit/{EDITOR_ID}?metaSiteId=x{SITE_ID}", "address has no site ID"),
        (f"https://example.com/a/{EDITOR_ID}/b/{SITE_ID}", "more than one ID"),
    ],
)
def test_a_guid_counts_only_standing_alone_and_unambiguous(text, words):
    assert extract_site_id(text) == ""
    assert words in site_id_problem(text)


def test_the_same_guid_twice_is_not_ambiguous():
    assert extract_site_id(f"https://example.com/{SITE_ID}/x/{SITE_ID.upper()}") == SITE_ID


def test_an_empty_site_field_is_not_a_problem_yet():
    assert extract_site_id("  \n") == "" and site_id_problem("  \n") is None


# -- a keyring that never answers ---------------------------------------------------------------------


@pytest.fixture
def hanging():
    backend = HangingKeyring()
    before = set(threading.enumerate())
    yield backend
    backend.release.set()  # let the abandoned calls end, so no thread outlives the test
    for thread in set(threading.enumerate()) - before:
        if thread.name.startswith("labeldesk-keyring"):
            thread.join(5)


def test_a_keyring_that_never_answers_gets_a_time_limit(hanging):
    store = CredentialStore(hanging, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(KeyringUnavailableError, match="didn't answer in time"):
        store.get("site")
    assert time.monotonic() - started < 2


def test_a_second_try_fails_at_once_instead_of_queueing_behind_the_stuck_call(hanging):
    store = CredentialStore(hanging, timeout=0.2)
    with pytest.raises(KeyringUnavailableError):
        store.set("site", "secret-key-123")
    started = time.monotonic()
    with pytest.raises(KeyringUnavailableError, match="still hasn't answered") as caught:
        store.set("site", "secret-key-123")
    assert time.monotonic() - started < 0.15
    assert hanging.calls == 1 and "secret-key-123" not in str(caught.value)
    hanging.release.set()  # the keyring wakes up: the next call works again
    for thread in threading.enumerate():
        if thread.name.startswith("labeldesk-keyring"):
            thread.join(5)
    store.set("site", "secret-key-123")
    assert store.get("site") == "secret-key-123"


def test_abandoning_the_keyring_ends_a_waiting_call_at_once(hanging):
    store = CredentialStore(hanging, timeout=60)
    errors = []

    def call():
        try:
            store.get("site")
        except KeyringUnavailableError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while hanging.calls == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    store.abandon()
    caller.join(5)
    assert not caller.is_alive() and len(errors) == 1
    assert time.monotonic() - started < 1


def test_finding_the_keyring_gets_a_time_limit_too(monkeypatch):
    import keyring

    release = threading.Event()
    monkeypatch.setattr(keyring, "get_keyring", lambda: release.wait() and MemoryKeyring())
    store = CredentialStore(timeout=0.2)
    try:
        with pytest.raises(KeyringUnavailableError, match="didn't answer"):
            store.check_available()
    finally:
        release.set()


# -- a keyring that refuses the key --------------------------------------------------------------------

LONG_KEY = "IST." + "x" * 1400  # Wix keys are long; over 1,280 characters is too long for Windows


def test_a_key_too_long_for_windows_is_refused_before_trying_in_plain_words(caplog):
    backend = WinVaultKeyring()
    with pytest.raises(KeyringUnavailableError) as caught:
        CredentialStore(backend).set("site", LONG_KEY)
    message = str(caught.value)
    assert "too long for Windows Credential Manager" in message and "1,404" in message
    assert backend.tried == []  # checked before trying
    assert LONG_KEY not in message and LONG_KEY not in caplog.text
    CredentialStore(backend).set("site", "IST." + "x" * 1276)  # exactly 2,560 bytes is fine
    assert backend.items


def test_any_failure_to_store_a_key_gets_plain_words_and_no_raw_text(monkeypatch, caplog):
    import labeldesk.credentials

    monkeypatch.setattr(labeldesk.credentials, "WINDOWS_MAX_SECRET_BYTES", 10**6)  # as if the check missed it
    for backend in (WinVaultKeyring(), BrokenKeyring()):
        with pytest.raises(KeyringUnavailableError) as caught:
            CredentialStore(backend).set("site", LONG_KEY)
        message = str(caught.value)
        assert message == "Your system's keyring refused to save the API key."
        for raw in ("1783", "CredWrite", "Access is denied", LONG_KEY):
            assert raw not in message and raw not in caplog.text
    assert "keyring save failed: error" in caplog.text and "keyring save failed: OSError" in caplog.text


def test_a_site_directory_that_cannot_be_saved_keeps_the_sites_for_this_run(tmp_path):
    (tmp_path / "file").write_text("")
    sites = SiteDirectory(tmp_path / "file" / "config" / "sites.json")  # no folder can be made here
    sites.remember(Site("a", "Bakery"))
    assert sites.last_used.site_id == "a"
    sites.forget("a")
    assert sites.sites == []


def test_an_unexpected_sign_in_failure_shows_no_exception_text():
    from labeldesk.ui.site_manager import explain_sign_in_failure

    reason = explain_sign_in_failure(ValueError("Traceback-ish detail with secret-key-789"))
    assert "unexpected problem" in reason.message
    assert "secret-key-789" not in reason.message and "ValueError" not in reason.message


def test_each_keyring_operation_is_one_call_with_one_time_limit(monkeypatch):
    """Reading, saving or removing a key checked the keyring in one timed call and then did the work
    in another: two threads and up to twice the time limit for one answer. Now one of each."""
    import threading

    started = []
    real_thread = threading.Thread

    def counting_thread(*args, **kwargs):
        if str(kwargs.get("name", "")).startswith("labeldesk-keyring-"):
            started.append(kwargs["name"])
        return real_thread(*args, **kwargs)

    store = CredentialStore(MemoryKeyring())
    monkeypatch.setattr(threading, "Thread", counting_thread)
    store.set("site", "a-key")
    store.get("site")
    store.delete("site")
    assert started == ["labeldesk-keyring-save", "labeldesk-keyring-read", "labeldesk-keyring-remove"]
