"""The keyring the cold-start benchmark gives LabelDesk (``PYTHON_KEYRING_BACKEND``): the emulator's key is
already in it, as after a sign-in on another start, and nothing is kept anywhere.

It answers one account, the one ``LABELDESK_BENCH_ACCOUNT`` names (the site at the emulator's address:
see labeldesk.credentials.key_account), with the emulator's fake key, in every process that reads it (a
helper engine process as well as the window's). Importing it costs what a keyring's import costs, no more.
"""

from __future__ import annotations

import os

import keyring.backend
import keyring.errors

#: The emulator's own fake key (labeldesk.emulator.DEFAULT_API_KEY, not imported: the emulator's
#: HTTP server would come with it, into the measured start). The harness checks they are the same.
EMULATOR_KEY = "labeldesk-emulator-key"


class BenchmarkKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        if service == "LabelDesk" and username == os.environ.get("LABELDESK_BENCH_ACCOUNT"):
            return EMULATOR_KEY
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("the benchmark's keyring keeps nothing")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("the benchmark's keyring keeps nothing")
