"""Keyring backends for tests: in memory, locked, or dismissed. None of them touches the real keyring."""

from __future__ import annotations

import threading

import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class LockedKeyring(MemoryKeyring):
    """Like a Secret Service whose collection is locked and won't unlock."""

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


class DismissedKeyring(MemoryKeyring):
    """Like a Secret Service whose unlock prompt the user closed."""

    def set_password(self, service, username, password):
        raise keyring.errors.PasswordSetError("Prompt dismissed.")


class HangingKeyring(MemoryKeyring):
    """Like a Secret Service that accepts every call and never replies (until ``release`` is set).

    Set ``release`` when the test ends, so no thread is left behind.
    """

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.calls = 0

    def _hang(self) -> None:
        self.calls += 1
        self.release.wait()

    def get_password(self, service, username):
        self._hang()
        return super().get_password(service, username)

    def set_password(self, service, username, password):
        self._hang()
        super().set_password(service, username, password)

    def delete_password(self, service, username):
        self._hang()
        super().delete_password(service, username)


class error(Exception):  # noqa: N801, N818 - named like pywintypes.error, which Windows' keyring raises
    """What pywin32 raises from CredWrite: not a keyring error, and its text is Windows' own."""


error.__module__ = "pywintypes"


class WinVaultKeyring(MemoryKeyring):
    """Like keyring's Windows Credential Manager backend: secrets over 2,560 bytes of UTF-16 fail
    with Windows error 1783, raised as a pywintypes.error."""

    def __init__(self) -> None:
        super().__init__()
        self.tried: list[int] = []

    def set_password(self, service, username, password):
        self.tried.append(len(password))
        if len(password.encode("utf-16-le")) > 2560:
            raise error(1783, "CredWrite", "The stub received bad data.")
        super().set_password(service, username, password)


class BrokenKeyring(MemoryKeyring):
    """A keyring whose every write fails with something that isn't a keyring error."""

    def set_password(self, service, username, password):
        raise OSError(5, f"Access is denied writing {password!r}")
