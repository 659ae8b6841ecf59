"""Typed errors of the contacts calls (contract section 6), in the style of :mod:`labeldesk.api.errors`.

Every one is "the user's world went wrong" (a KnownError): ``str(error)`` is plain words that say what
happened and what to do next, with no status, code or id in them (those are for ``details``).
"""

from __future__ import annotations

from typing import Unpack

from labeldesk.api.errors import NotFoundError, WixError, _Details


class ContactNotFoundError(NotFoundError):
    """404 ``CONTACT_NOT_FOUND`` on LabelContact or UnlabelContact (contract 6.6)."""

    default_message = "This contact no longer exists in Wix; it was probably deleted there."


class JobNotFoundError(NotFoundError):
    """Get Bulk Job answered 404 (contract 6.5 and section 11): Wix no longer knows the job."""

    default_message = (
        "Wix no longer knows the labelling job LabelDesk was waiting for, so LabelDesk can't tell whether it "
        "finished. Refresh to see the contacts' labels as they are now."
    )


class JobTimeoutError(WixError):
    """A bulk job didn't reach COMPLETED within the time LabelDesk waits (``job_id``; the
    last status read (``last_status``), or None if none could be read)."""

    retryable = True

    def __init__(self, job_id: str, last_status: str | None = None, **kwargs: Unpack[_Details]) -> None:
        self.job_id = job_id
        self.last_status = last_status
        super().__init__(
            "Wix is taking a long time to label the contacts, and LabelDesk stopped waiting. Wix may still finish "
            "the change: refresh in a few minutes to see it.",
            **kwargs,
        )


class JobStoppedError(WixError):
    """Waiting for bulk job ``job_id`` was stopped (a cancel, or the app closing). The job itself goes on in
    Wix: it can't be stopped."""

    def __init__(self, job_id: str, **kwargs: Unpack[_Details]) -> None:
        self.job_id = job_id
        super().__init__(
            "LabelDesk stopped waiting for Wix to label the contacts. Wix may still finish the change: refresh "
            "in a few minutes to see it.",
            **kwargs,
        )
