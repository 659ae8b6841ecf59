"""Expected failures share one base, KnownError, and a bug is never one of them (labeldesk/errors.py)."""

from __future__ import annotations

import importlib
import inspect
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import labeldesk
from labeldesk.api import errors as api_errors
from labeldesk.cache import CacheUnavailableError, ForeignAnswerError, NewerSchemaError
from labeldesk.credentials import KeyringUnavailableError
from labeldesk.errors import BUG_MESSAGE, MAX_REPORT_CHARS, KnownError, UnexpectedError
from labeldesk.logs import REDACTED, register_secret
from labeldesk.paths import UnsafePathError

#: Exceptions defined in labeldesk/ that are neither: each is caught and turned into words before
#: anyone sees it (the emulator's answer becomes Wix's error body; a key too long for the Windows
#: vault becomes a KeyringUnavailableError).
NEVER_SHOWN = {"labeldesk.emulator.errors.ApiError", "labeldesk.credentials._TooLongError"}


def defined_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    root = Path(labeldesk.__file__).parent
    for path in sorted(root.rglob("*.py")):  # (ui/ is a namespace package: pkgutil wouldn't go in)
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        module = importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def test_every_error_labeldesk_defines_is_expected_or_a_bug_never_neither():
    """Handlers ask ``isinstance(error, KnownError)``: an error class outside it is a bug by definition,
    so one meant as an expected failure must derive from KnownError (or be turned into one first)."""
    found = defined_exceptions()
    assert "labeldesk.api.errors.WixError" in found and "labeldesk.errors.UnexpectedError" in found
    neither = sorted(
        name
        for name, cls in found.items()
        if not issubclass(cls, KnownError | UnexpectedError) and name not in NEVER_SHOWN
    )
    assert neither == []
    assert set(found) >= NEVER_SHOWN  # (gone from the tree: take it off the list)


@pytest.mark.parametrize(
    "cls",
    [
        api_errors.WixError,
        api_errors.ProxySettingError,
        api_errors.InvalidBaseUrlError,
        KeyringUnavailableError,
        CacheUnavailableError,
        NewerSchemaError,
        ForeignAnswerError,
        UnsafePathError,
    ],
)
def test_the_expected_failures_people_are_shown_are_known_errors(cls):
    assert issubclass(cls, KnownError)


def test_a_known_error_keeps_the_builtin_kind_that_code_catches_it_by():
    assert issubclass(UnsafePathError, PermissionError) and issubclass(NewerSchemaError, sqlite3.DatabaseError)
    assert issubclass(api_errors.InvalidBaseUrlError, ValueError)
    unsafe = UnsafePathError("/tmp/x", "it is a link to another place")
    assert (unsafe.errno, unsafe.filename, unsafe.strerror) == (1, "/tmp/x", "it is a link to another place")
    assert unsafe.message == "LabelDesk won't use /tmp/x: it is a link to another place."


def test_a_bug_is_neither_a_known_error_nor_a_wix_error():
    assert not issubclass(UnexpectedError, KnownError) and not issubclass(UnexpectedError, api_errors.WixError)
    from labeldesk.ui import workers

    assert workers.UnexpectedError is UnexpectedError  # (still importable from where it was)


def every_known_error() -> list[KnownError]:
    support = {"status": 503, "code": "WDE0110", "request_id": "1712345678.1", "server_message": "upstream"}
    made: list[KnownError] = [
        api_errors.WixError("plain words", **support),
        api_errors.OfflineError(),
        api_errors.QuotaReachedError(1000, 990, **support),
        api_errors.RateLimitedError(7, **support),
        api_errors.IncompleteReadError("labels", 2000, 5000, **support),
        api_errors.ProxySettingError("HTTPS_PROXY"),
        api_errors.ProxyUnreachableError("ALL_PROXY"),
        api_errors.ValidationError(violations=(api_errors.FieldViolation("displayName", "too long", "MAX_LENGTH"),)),
        api_errors.InvalidBaseUrlError("The API address must not contain a user name, query or fragment."),
        KeyringUnavailableError("The keyring is locked."),
        CacheUnavailableError(Path("/tmp/cache/sites/a.sqlite3")),
        NewerSchemaError("written by a newer LabelDesk (schema 99)"),
        ForeignAnswerError("https://www.wixapis.com", "http://127.0.0.1:8000"),
        UnsafePathError("/tmp/x", "it belongs to another user of this computer"),
    ]
    return made


@pytest.mark.parametrize("error", every_known_error(), ids=lambda error: type(error).__name__)
def test_a_known_error_crosses_a_process_boundary_whole(error):
    """The engine's failures come back over a pipe: what arrives says, and knows, all the sent one did."""
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert (str(back), back.message, back.details, back.args) == (str(error), error.message, error.details, error.args)
    assert vars(back) == vars(error)
    if isinstance(error, OSError):
        assert (back.errno, back.filename, back.strerror) == (error.errno, error.filename, error.strerror)


def test_every_known_error_answers_what_a_handler_asks_of_a_failure():
    for error in every_known_error():
        assert error.message == str(error) and error.message in error.details
        assert type(error).__name__ in error.details
        assert isinstance(error.retryable, bool) and isinstance(error.unreachable, bool)
        assert isinstance(error.asking_again_helps, bool)


def test_a_bug_made_while_handling_an_exception_carries_its_traceback_with_secrets_blotted_out():
    secret = "IST.bug-report-canary-0123456789"
    register_secret(secret)
    try:
        {}[f"a key named {secret}"]
    except KeyError:
        bug = UnexpectedError()
    assert bug.message == BUG_MESSAGE and "Traceback" in bug.details and "KeyError" in bug.details
    assert secret not in bug.details and REDACTED in bug.details
    back = pickle.loads(pickle.dumps(bug))
    assert (type(back), back.message, back.details) == (UnexpectedError, bug.message, bug.details)
    assert UnexpectedError().details == BUG_MESSAGE  # (made outside any handler: nothing more to say)


def test_a_bug_with_a_huge_message_keeps_the_end_of_its_traceback_only():
    try:
        raise KeyError("a name " + "x" * 20_000)
    except KeyError:
        bug = UnexpectedError()
    assert len(bug.report) == MAX_REPORT_CHARS and bug.report.endswith("xxx'\n")


def test_the_errors_module_is_light():
    """Imported by the core and the engine alike: no Qt, no HTTP client, no keyring."""
    watched = "{'PySide6', 'shiboken6', 'httpx', 'keyring', 'labeldesk'}"
    code = f"import sys, labeldesk.errors\nprint(sorted(m for m in sys.modules if m.split('.')[0] in {watched}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['labeldesk', 'labeldesk.errors']"
