"""Where API keys live: the operating system's keyring, or (only when the user says so) memory.

Keys are stored under the service name ``LabelDesk`` with the site ID as the user name. Nothing here
ever writes a key to a file of ours, and no message or repr contains one. Every call may block (a
keyring can ask the user to unlock it), so the UI calls these from worker threads.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from labeldesk.logs import register_secret

if TYPE_CHECKING:
    import keyring.backend

# keyring is imported where it is used: finding its backends is slow, and the first rows of the
# table (from the cache) need no keyring at all.

log = logging.getLogger(__name__)

SERVICE = "LabelDesk"

# Backends that would keep the key in a plain file, or nowhere: never used silently.
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.null", "keyring.backends.fail")


class KeyringUnavailableError(Exception):
    """No usable keyring: missing, locked, or the user dismissed its prompt. The message says which."""


def describe_backend(backend: keyring.backend.KeyringBackend) -> str:
    """Where a key goes, in words people know: 'Windows Credential Manager', 'macOS Keychain'…"""
    module = type(backend).__module__
    names = {
        "keyring.backends.Windows": "Windows Credential Manager",
        "keyring.backends.macOS": "macOS Keychain",
        "keyring.backends.SecretService": "GNOME Keyring / Secret Service",
        "keyring.backends.libsecret": "GNOME Keyring / Secret Service",
        "keyring.backends.kwallet": "KDE Wallet",
        "keyring.backends.chainer": "your system keyring",
    }
    return names.get(module, f"your system keyring ({getattr(backend, 'name', type(backend).__name__)})")


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    module = type(backend).__module__
    if module.startswith(_REFUSED_MODULES):
        return False
    if module == "keyring.backends.chainer":
        return any(_usable(b) for b in getattr(backend, "backends", ()))
    return True


class CredentialStore:
    """API keys by site ID in the OS keyring (or an injected backend, for tests)."""

    session_only = False

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            import keyring

            return keyring.get_keyring()
        return self._backend

    @property
    def description(self) -> str:
        return describe_backend(self.backend)

    def check_available(self) -> None:
        """Raise KeyringUnavailableError if there is no keyring that really keeps secrets."""
        if not _usable(self.backend):
            raise KeyringUnavailableError(
                "This computer has no keyring LabelDesk can use to keep your API key safely "
                "(on Linux: GNOME Keyring, KDE Wallet or another Secret Service)."
            )

    def get(self, site_id: str) -> str | None:
        import keyring.errors

        self.check_available()
        try:
            key = self.backend.get_password(SERVICE, site_id)
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc, "read") from None
        if key:
            register_secret(key)
        return key

    def set(self, site_id: str, api_key: str) -> None:
        import keyring.errors

        register_secret(api_key)
        self.check_available()
        try:
            self.backend.set_password(SERVICE, site_id, api_key)
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc, "save") from None
        log.info("saved the API key for site %s in %s", site_id, self.description)

    def delete(self, site_id: str) -> None:
        import keyring.errors

        self.check_available()
        try:
            self.backend.delete_password(SERVICE, site_id)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing was stored: the outcome the caller wants
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc, "remove") from None
        log.info("removed the API key for site %s from %s", site_id, self.description)


def _unavailable(exc: Exception, verb: str) -> KeyringUnavailableError:
    import keyring.errors

    # Keyring errors don't carry the secret, but their text is technical: keep it for the log only.
    log.warning("keyring %s failed: %s: %s", verb, type(exc).__name__, exc)
    if isinstance(exc, keyring.errors.KeyringLocked) or "dismissed" in str(exc).lower():
        return KeyringUnavailableError(
            f"The keyring is locked, or its unlock prompt was dismissed, so LabelDesk couldn't {verb} the API key. "
            "Unlock it and try again."
        )
    return KeyringUnavailableError(f"The system keyring couldn't {verb} the API key.")  # the kind is in the log


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
