"""Expected failures and bugs, told apart by type.

:class:`KnownError` is the base of every failure LabelDesk expects: the person's world went wrong (no
network, a revoked key, a locked keyring, a read-only folder), not LabelDesk. Whoever catches one says
it in plain words (the status bar, the row, the dialog) and carries on. Everything else that escapes
is a bug: it is logged with its traceback and shown as a bug (see :class:`UnexpectedError` and the crash
dialog), never dressed up as one of the expected failures.

Qt-free and light: the core, the engine and the window all import it.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, ClassVar, TypeAlias


class KnownError(Exception):
    """Base of every expected failure: ``str(error)`` (the same as ``message``) is plain words for people.

    What every holder of a failure may ask of it, whatever its kind: ``message``, ``details`` (a
    plain-text report for support, one fact a line, never a secret) and three flags that default to
    "nothing to retry by itself". A subclass refines them. Picklable as it is, whatever its
    constructor takes (so it can cross a process boundary).
    """

    #: Whether trying the same call again later may succeed without the user changing anything.
    retryable: ClassVar[bool] = False
    #: Whether a service couldn't be reached at all (offline), as against reached and refusing.
    unreachable: ClassVar[bool] = False
    #: Whether the person asking again (F5) can help, as against changing something first.
    asking_again_helps: ClassVar[bool] = True

    @property
    def message(self) -> str:
        """Plain words for people: what happened and what to do next."""
        return str(self)

    @property
    def details(self) -> str:
        """For support (the "Copy details" button): the message, then the kind of failure."""
        return f"{self.message}\nKind: {type(self).__name__}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls the class with ``args``, which only fits a constructor that
        # takes the message alone; rebuild without the subclass's constructor instead.
        args = self.args
        if isinstance(self, OSError) and self.filename is not None:  # (an OSError keeps its file apart)
            args = (self.errno, self.strerror, self.filename)
        return (_rebuild, (type(self), args, dict(vars(self))))


def _rebuild(cls: type[KnownError], args: tuple[Any, ...], state: dict[str, Any]) -> KnownError:
    error = cls.__new__(cls, *args)
    super(KnownError, error).__init__(*args)  # the built-in base's own (Exception's, OSError's)
    vars(error).update(state)
    return error


#: What a bug carried as a value says to people (the crash dialog says more).
BUG_MESSAGE = "LabelDesk hit an unexpected problem. The details are in the log file."
#: The longest traceback an UnexpectedError keeps, in characters (its end: where it happened).
MAX_REPORT_CHARS = 8_000


class UnexpectedError(Exception):
    """A bug caught where it can't rise any further (a worker thread, the engine), carried to whoever
    waits for the answer so it can stop waiting. Never a :class:`KnownError`: ``isinstance(error,
    KnownError)`` is how code tells an expected failure from a bug.

    It answers what a KnownError does (``message``, ``details``, the flags), so a handler that shows
    failures shows this one too, as a bug: ``message`` says LabelDesk hit an unexpected problem, and
    ``details`` adds ``report``, the traceback of the exception being handled when it was made (or
    the one given), for support; registered secrets are blotted out of it, as in the log, when it is
    made and again when it is read. Only strings are kept: it pickles, and holds no frames alive.
    """

    #: The traceback, for support ('' when there is none: made outside an except block, or rebuilt
    #: from a report that had none).
    report: str = ""

    default_message: ClassVar[str] = BUG_MESSAGE
    retryable: ClassVar[bool] = False
    unreachable: ClassVar[bool] = False
    asking_again_helps: ClassVar[bool] = True

    def __init__(self, message: str | None = None, *, report: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.report = report if report is not None else _current_traceback()

    @property
    def message(self) -> str:
        return str(self)

    @property
    def details(self) -> str:
        from labeldesk.logs import redact  # (only when a bug is shown: keeps this module light)

        return redact(f"{self.message}\n{self.report}".rstrip())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_bug, (type(self), str(self), self.report))


def _rebuild_bug(cls: type[UnexpectedError], message: str, report: str) -> UnexpectedError:
    return cls(message, report=report)


#: What a handler of a failure is given: an expected failure, or a bug said as one (both answer
#: ``message``, ``details`` and the flags).
Failure: TypeAlias = KnownError | UnexpectedError


def _current_traceback() -> str:
    """The traceback of the exception being handled, as bug_report gives it; '' outside an except block."""
    current = sys.exc_info()[1]
    return "" if current is None else bug_report(current)


def bug_report(error: BaseException) -> str:
    """``error``'s traceback for support: registered secrets blotted out, its end kept (where it
    happened) up to MAX_REPORT_CHARS characters."""
    from labeldesk.logs import redact  # (only when there is a bug to report: keeps this module light)

    return redact("".join(traceback.format_exception(error)))[-MAX_REPORT_CHARS:]
