"""Where API keys live: the operating system's keyring, or (only when the user says so) memory.

Keys are stored under the service name ``LabelDesk``, with the user name from ``key_account``: the site
ID alone for a key saved for Wix, the site ID and the address for any other (the emulator, a test
server), so that a key is only ever sent to the address it was saved for. Nothing here
ever writes a key to a file of ours, and no message or repr contains one. Every call may block (a
keyring can ask the user to unlock it), so the UI calls these from worker threads.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from labeldesk.api.urls import is_wix
from labeldesk.errors import KnownError
from labeldesk.logs import register_secret

if TYPE_CHECKING:
    import keyring.backend

# keyring is imported where it is used: finding its backends is slow, and the first rows of the
# table (from the cache) need no keyring at all.

log = logging.getLogger(__name__)

SERVICE = "LabelDesk"

# Backends that would keep the key in a plain file, or nowhere: never used silently.
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.null", "keyring.backends.fail")

#: How long one keyring call may take before LabelDesk stops waiting for it. A keyring can hang for
#: good (a Secret Service that takes the call and never replies); an unlock prompt the person is
#: typing into is the slow case this must still allow for.
KEYRING_TIMEOUT_SECONDS = 10.0

#: Windows Credential Manager keeps at most 5 × 512 bytes per secret, and keyring stores it as UTF-16
#: (CRED_MAX_CREDENTIAL_BLOB_SIZE); a longer one fails with Windows error 1783.
WINDOWS_MAX_SECRET_BYTES = 2560

#: Whatever a keyring says it is, the name people know it by (see describe_backend).
YOUR_KEYRING = "your system's keyring"

_T = TypeVar("_T")


def key_account(site_id: str, api_base: str) -> str:
    """The keyring user name of the key for site ``site_id`` at ``api_base``.

    For Wix (DEFAULT_BASE_URL) it is the site ID, as LabelDesk has always saved it; for any other
    address ``"<site ID> at <address>"``. So the key saved for Wix is never found for a test server
    with the same site ID, and a test server's key is never found for Wix. A key saved by an older
    LabelDesk (site ID alone, whatever the address) counts as the Wix key: sites.py stops using the
    other address it was saved with.
    """
    return site_id if is_wix(api_base) else f"{site_id} at {api_base}"


class KeyringUnavailableError(KnownError):
    """No usable keyring: missing, locked, not answering, or it refused the key. The message says which."""


def _secret_service_name(environ: os._Environ[str] | dict[str, str] | None = None) -> str:
    """Which program answers Secret Service calls here, going by the desktop (the usual pairing)."""
    desktop = (os.environ if environ is None else environ).get("XDG_CURRENT_DESKTOP", "").upper()
    if "KDE" in desktop:
        return "KDE Wallet"
    if any(name in desktop for name in ("GNOME", "UNITY", "CINNAMON", "MATE", "XFCE", "BUDGIE", "PANTHEON")):
        return "GNOME Keyring"
    return YOUR_KEYRING


def _is_windows_vault(backend: keyring.backend.KeyringBackend) -> bool:
    return type(backend).__module__ == "keyring.backends.Windows" or "WinVault" in type(backend).__name__


def _effective(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
    """The backend that really keeps the key: for a chain, its first usable link (the one it writes to)."""
    if type(backend).__module__ == "keyring.backends.chainer":
        for link in getattr(backend, "backends", ()):
            if _usable(link):
                return link
    return backend


def describe_backend(backend: keyring.backend.KeyringBackend) -> str:
    """Where a key goes, in words people know: 'Windows Credential Manager', 'macOS Keychain', 'GNOME
    Keyring', 'KDE Wallet', or "your system's keyring" when we can't tell. Never a class or protocol name."""
    backend = _effective(backend)
    module = type(backend).__module__
    if _is_windows_vault(backend):
        return "Windows Credential Manager"
    names = {
        "keyring.backends.macOS": "macOS Keychain",
        "keyring.backends.kwallet": "KDE Wallet",
    }
    if module in ("keyring.backends.SecretService", "keyring.backends.libsecret"):
        return _secret_service_name()
    return names.get(module, YOUR_KEYRING)


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    module = type(backend).__module__
    if module.startswith(_REFUSED_MODULES):
        return False
    if module == "keyring.backends.chainer":
        return any(_usable(b) for b in getattr(backend, "backends", ()))
    return True


class CredentialStore:
    """API keys by account (see key_account) in the OS keyring (or an injected backend, for tests).

    Every keyring call (finding the backend included) runs on a daemon thread of its own and is given
    ``timeout`` seconds; past that, or after ``abandon()``, it raises KeyringUnavailableError and the
    call is left to finish (or not) on its own, without holding up quitting. While a call is still
    stuck, later ones fail at once instead of queueing behind it.
    """

    session_only = False

    def __init__(
        self, backend: keyring.backend.KeyringBackend | None = None, *, timeout: float = KEYRING_TIMEOUT_SECONDS
    ) -> None:
        self._backend = backend
        self.timeout = timeout
        self._lock = threading.Lock()
        self._stuck: threading.Thread | None = None
        self._waiting: set[threading.Event] = set()
        self._abandoned = False

    def _call(self, fn: Callable[[], _T], verb: str) -> _T:
        """``fn()`` on a daemon thread, waited for at most ``timeout`` seconds.

        Raises KeyringUnavailableError when the keyring doesn't answer in time, is still stuck on an
        earlier call, fails in any way (the exception's text stays out of the message: it may be
        technical, and a backend's error could quote what it was given), or LabelDesk is closing.
        """
        with self._lock:
            if self._abandoned:
                raise KeyringUnavailableError("LabelDesk is closing.")
            if self._stuck is not None and self._stuck.is_alive():
                raise _not_answering(verb, again=True)
            done = threading.Event()
            self._waiting.add(done)
        outcome: list = []

        def run() -> None:
            try:
                outcome.append((True, fn()))
            except BaseException as exc:  # handed to the waiting caller
                outcome.append((False, exc))
            finally:
                done.set()

        thread = threading.Thread(target=run, name=f"labeldesk-keyring-{verb}", daemon=True)
        thread.start()
        try:
            done.wait(self.timeout)
        finally:
            with self._lock:
                self._waiting.discard(done)
        if not outcome:
            with self._lock:
                if self._abandoned:
                    raise KeyringUnavailableError("LabelDesk is closing.")
                self._stuck = thread
            log.warning("the keyring didn't answer a %s call within %g s", verb, self.timeout)
            raise _not_answering(verb, again=False)
        ok, value = outcome[0]
        if ok:
            return value
        if isinstance(value, KeyringUnavailableError):
            raise value
        raise _unavailable(value, verb) from None

    def abandon(self) -> None:
        """Stop waiting for the keyring (LabelDesk is quitting): every waiting call raises at once."""
        with self._lock:
            self._abandoned = True
            waiting = list(self._waiting)
        for done in waiting:
            done.set()

    def _resolve(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            import keyring

            return keyring.get_keyring()
        return self._backend

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        """The keyring backend (finding it may talk to D-Bus: within the time limit, or raises)."""
        if self._backend is not None:
            return self._backend
        return self._call(self._resolve, "keep")

    @property
    def description(self) -> str:
        """Where keys go, in words people know (see describe_backend). May raise KeyringUnavailableError."""
        return self._call(lambda: describe_backend(self._resolve()), "keep")

    def check_available(self) -> None:
        """Raise KeyringUnavailableError if there is no keyring that really keeps secrets."""
        self._call(self._usable_backend, "keep")

    def _usable_backend(self) -> keyring.backend.KeyringBackend:
        """The backend, if it really keeps secrets; else KeyringUnavailableError. Runs inside a _call,
        so that a lookup and the work it guards share one thread and one time limit."""
        backend = self._resolve()
        if not _usable(backend):
            raise KeyringUnavailableError(
                "This computer has no keyring LabelDesk can use to keep your API key safely "
                "(on Linux: GNOME Keyring, KDE Wallet or another keyring)."
            )
        return backend

    def get(self, site_id: str) -> str | None:
        key = self._call(lambda: self._usable_backend().get_password(SERVICE, site_id), "read")
        if key:
            register_secret(key)
        return key

    def set(self, site_id: str, api_key: str) -> None:
        register_secret(api_key)

        def store() -> str:
            backend = self._usable_backend()
            effective = _effective(backend)
            if _is_windows_vault(effective) and len(api_key.encode("utf-16-le")) > WINDOWS_MAX_SECRET_BYTES:
                raise _TooLongError(len(api_key))
            backend.set_password(SERVICE, site_id, api_key)
            return describe_backend(backend)

        where = self._call(store, "save")
        log.info("saved the API key for site %s in %s", site_id, where)

    def delete(self, site_id: str) -> None:
        import keyring.errors

        def remove() -> bool:
            try:
                self._usable_backend().delete_password(SERVICE, site_id)
            except keyring.errors.PasswordDeleteError:
                return False  # nothing was stored: the outcome the caller wants
            return True

        if self._call(remove, "remove"):
            log.info("removed the API key for site %s from the keyring", site_id)


class _TooLongError(Exception):
    """The key is longer than Windows Credential Manager can keep (checked before trying)."""

    def __init__(self, length: int) -> None:
        super().__init__(f"{length} characters")
        self.length = length


def _not_answering(verb: str, *, again: bool) -> KeyringUnavailableError:
    first = (
        "Your keyring still hasn't answered LabelDesk's last request" if again else "Your keyring didn't answer in time"
    )
    return KeyringUnavailableError(
        f"{first}, so LabelDesk can't {verb} your API key there. If it is asking for its password, unlock it "
        "and try again; otherwise restarting the computer usually wakes it up."
    )


def _unavailable(exc: BaseException, verb: str) -> KeyringUnavailableError:
    import keyring.errors

    # Only the exception's type goes to the log: a backend's message could quote what it was given.
    log.warning("keyring %s failed: %s", verb, type(exc).__name__)
    if isinstance(exc, _TooLongError):
        return KeyringUnavailableError(
            f"This API key is too long for Windows Credential Manager, which keeps at most "
            f"{WINDOWS_MAX_SECRET_BYTES // 2:,} characters (this key has {exc.length:,}), so LabelDesk couldn't "
            "save it there."
        )
    if isinstance(exc, keyring.errors.KeyringLocked) or "dismissed" in str(exc).lower():
        return KeyringUnavailableError(
            f"The keyring is locked, or its unlock prompt was dismissed, so LabelDesk couldn't {verb} the API key. "
            "Unlock it and try again."
        )
    return KeyringUnavailableError(f"Your system's keyring refused to {verb} the API key.")


class SessionOnlyStore:
    """Keys kept in memory for this run only, when the user chose that over a keyring. Never written."""

    session_only = True
    description = "memory, for this session only (it is forgotten when LabelDesk closes)"

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def check_available(self) -> None:
        return None

    def get(self, site_id: str) -> str | None:
        with self._lock:
            return self._keys.get(site_id)

    def set(self, site_id: str, api_key: str) -> None:
        register_secret(api_key)
        with self._lock:
            self._keys[site_id] = api_key

    def delete(self, site_id: str) -> None:
        with self._lock:
            self._keys.pop(site_id, None)

    def __repr__(self) -> str:
        return f"SessionOnlyStore({len(self._keys)} site(s))"
