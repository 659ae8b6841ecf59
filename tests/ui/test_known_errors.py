"""Workers pass every expected failure (a KnownError) on as it is; anything else is a bug, logged with its
traceback and reported as one, never dressed up as an expected failure."""

from __future__ import annotations

import logging

from labeldesk.api.errors import WixError
from labeldesk.errors import KnownError
from labeldesk.logs import REDACTED, register_secret
from labeldesk.paths import UnsafePathError
from labeldesk.ui.workers import TaskRunner, UnexpectedError


class NewKindOfTroubleError(KnownError):
    """An expected failure of a kind the worker code has never heard of."""


def run_and_fail(qtbot, fn):
    runner = TaskRunner()
    failures: list[Exception] = []
    runner.read(fn, "the task", on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    qtbot.waitUntil(lambda: not runner.busy)
    return failures[0]


def test_any_known_error_reaches_whoever_asked_as_it_is(qtbot, caplog):
    """Not a list of kinds the worker knows: a refused folder (a PermissionError) and a kind made up
    here both arrive as themselves, and nothing is logged as a crash."""
    unsafe = UnsafePathError("/tmp/elsewhere", "it is a link to another place")
    with caplog.at_level(logging.INFO, logger="labeldesk.ui.workers"):
        assert run_and_fail(qtbot, lambda: (_ for _ in ()).throw(unsafe)) is unsafe
        made_up = NewKindOfTroubleError("The printer is on fire.")
        assert run_and_fail(qtbot, lambda: (_ for _ in ()).throw(made_up)) is made_up
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_bug_in_a_task_is_logged_with_its_traceback_and_reported_as_a_bug_not_a_wix_error(qtbot, caplog):
    secret = "IST.worker-bug-canary-0123456789"
    register_secret(secret)

    def broken() -> None:
        raise KeyError(f"no {secret} here")

    with caplog.at_level(logging.INFO, logger="labeldesk.ui.workers"):
        failure = run_and_fail(qtbot, broken)
    assert isinstance(failure, UnexpectedError)
    assert not isinstance(failure, KnownError) and not isinstance(failure, WixError)
    assert failure.message == "LabelDesk hit an unexpected problem. The details are in the log file."
    # "Copy details" gives support the traceback (where it happened), with the key blotted out.
    assert "in broken" in failure.details and "KeyError" in failure.details
    assert secret not in failure.details and REDACTED in failure.details
    crashes = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.exc_info[0] for record in crashes if record.exc_info] == [KeyError]
