"""The wire: every intent and event survives the trip, and errors come back as their own class."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from labeldesk.api import errors
from labeldesk.api.client import WixLabelsClient
from labeldesk.cache import CacheUnavailableError
from labeldesk.domain import Label, LabelType
from labeldesk.engine import protocol as p
from labeldesk.engine.core import describe
from labeldesk.errors import KnownError, UnexpectedError
from labeldesk.logs import REDACTED, register_secret
from labeldesk.paths import UnsafePathError

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SECRET = "IST.engine-bug-canary-0123456789"
VIP = Label("custom.vip", "VIP ‘quoted’ \u202e", LabelType.USER_DEFINED, "custom", "Labels", NOW, NOW)


@pytest.mark.parametrize(
    "intent",
    [
        p.Open(None, 3, "/tmp/x.sqlite3"),
        p.Refresh(7, (1, True), 5000),
        p.CreateLabel(1, "Café\u0301"),
        p.RenameLabel(2, "custom.vip", "V.I.P."),
        p.DeleteLabel(3, VIP),
        p.FindLabelsNamed(4, "VIP"),
        p.SetReadTimeout(40.0),
        p.ForgetCache(),
        p.Shutdown(),
    ],
)
def test_every_intent_survives_the_wire(intent):
    assert p.decode_intent(p.encode(intent)) == intent


@pytest.mark.parametrize(
    "event",
    [
        p.LabelsPart(1, [VIP], ["vip"]),
        p.LabelsDone(1, 2, (0, False)),
        p.CountsLoaded(1, {"custom.vip": 3, "custom.odd": None}),
        p.Created(5, VIP, None),
        p.Idle(9),
        p.Stopped(),
    ],
)
def test_every_event_survives_the_wire(event):
    assert p.decode_event(p.encode(event)) == event


def test_an_intent_is_never_read_as_an_event():
    with pytest.raises(msgspec.DecodeError, match="Invalid value 'Shutdown'"):
        p.decode_event(p.encode(p.Shutdown()))


@pytest.mark.parametrize(
    "error",
    [
        errors.OfflineError(),
        errors.RateLimitedError(retry_after=12.5, status=429, request_id="r-1"),
        errors.ValidationError(violations=(errors.FieldViolation("label.displayName", "too long", "MAX_LENGTH"),)),
        errors.IncompleteReadError("labels", 2000, 5001),
        errors.LabelNotFoundError(status=404, code="LABEL_NOT_FOUND"),
        CacheUnavailableError(Path("/tmp/cache/sites")),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_come_back_as_their_own_class_with_their_words_and_facts(error):
    back = p.rebuild_error(p.decode_event(p.encode(p.RequestFailed(1, p.error_info(error)))).error)
    assert type(back) is type(error)
    assert str(back) == str(error)
    for name in ("status", "code", "request_id", "retry_after", "retryable", "unreachable", "path"):
        assert getattr(back, name, None) == getattr(error, name, None), name
    if isinstance(error, errors.WixError):
        assert back.details == error.details


def test_an_error_of_a_kind_the_window_does_not_know_is_said_as_a_problem_not_raised(caplog):
    back = p.rebuild_error(p.ErrorInfo("SomethingNew", "raw words"))
    assert isinstance(back, UnexpectedError) and "unexpected problem" in str(back)
    assert not isinstance(back, KnownError)  # a bug, never posing as an expected failure (a WixError)


def test_any_known_error_crosses_as_its_class_not_only_those_of_a_list():
    """A refused folder (paths.UnsafePathError) is a KnownError no list in the engine named."""
    error = UnsafePathError("/tmp/elsewhere", "it is a link to another place")
    back = p.rebuild_error(p.decode_event(p.encode(p.RequestFailed(1, p.error_info(error)))).error)
    assert type(back) is UnsafePathError and str(back) == str(error)


class TwinError(KnownError):
    """A KnownError whose name another module's class has too (see below)."""


#: The same name, in another module.
OtherTwinError = type("TwinError", (KnownError,), {"__module__": "tests.engine.elsewhere", "__qualname__": "TwinError"})


def test_two_known_errors_of_the_same_name_in_different_modules_each_come_back_as_their_own():
    for error in (TwinError("this module's"), OtherTwinError("the other module's")):
        back = p.rebuild_error(p.decode_event(p.encode(p.RequestFailed(1, p.error_info(error)))).error)
        assert type(back) is type(error) and str(back) == str(error)


def test_a_bug_in_the_engine_crosses_with_its_traceback_for_copy_details():
    register_secret(SECRET)
    try:
        {}[f"custom.{SECRET}"]
    except KeyError as exc:
        info = describe(exc, "refresh labels")
    back = p.rebuild_error(p.decode_event(p.encode(p.RefreshFailed(1, info))).error)
    assert type(back) is UnexpectedError and not isinstance(back, KnownError)
    assert back.message == "LabelDesk hit an unexpected problem. The details are in the log file."
    assert "KeyError" in back.details and "Traceback" in back.details
    assert SECRET not in back.details and REDACTED in back.details


def test_the_client_settings_carry_the_key_but_never_show_it():
    client = WixLabelsClient("secret-key-123", "site-1", base_url="http://127.0.0.1:9")
    try:
        settings = p.client_settings(client)
    finally:
        client.close()
    assert settings.api_key == "secret-key-123"
    assert "secret-key-123" not in repr(settings) and "secret-key-123" not in str(settings)
    assert p.decode_intent(p.encode(p.Open(settings))).client == settings
