"""Contacts as LabelDesk sees them, and the bulk jobs that label them: Contact, ContactPage, BulkJob, JobError,
DeletedLabel.

Qt-free and small: the API adapter makes these from Wix's answers (contract section 6), the engine keeps them in the
saved copy and sends them to the window, and the window shows them. Only the fields LabelDesk uses are kept (6.2): a
contact may have no name, no email, or neither.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from labeldesk.reveal import shown_name

#: Get Bulk Job's only documented end state (contract section 6.5). Any other status is "still running".
JOB_COMPLETED = "COMPLETED"


class Contact(msgspec.Struct, frozen=True, gc=False):
    """One contact of the site: its id (a GUID, contract 6.2), its name's parts and its primary email, each
    None when Wix sent none. ``label_keys`` is None unless it was asked for (``info.labelKeys``)."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    label_keys: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        """The first and last name joined by a space, or "" when the contact has neither (plain text)."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def shown(self) -> str:
        """How a sentence names the contact: its name, else its email, else "a contact without a name or email"
        (hidden characters shown, kept short: see labeldesk.reveal)."""
        if self.name:
            return shown_name(self.name, 60)
        if self.email:
            return shown_name(self.email, 60)
        return "a contact without a name or email"


class ContactPage(msgspec.Struct, frozen=True):
    """One page of the contacts carrying a label (QueryContacts, contract 6.3), from ``offset`` on.

    ``total``: how many contacts match, or None when Wix didn't say (``too_many_to_count``: Wix said it
    couldn't count them). ``unreadable``: contacts Wix sent on this page that couldn't be read (no id),
    left out of ``contacts`` but counted for paging. ``more``: whether pages follow (by the total, or,
    without one, because this page was full)."""

    contacts: tuple[Contact, ...]
    offset: int
    total: int | None
    too_many_to_count: bool = False
    unreadable: int = 0
    more: bool = False

    @property
    def received(self) -> int:
        """How many contacts Wix sent on this page, read or not: the next page starts after them."""
        return len(self.contacts) + self.unreadable


class JobError(msgspec.Struct, frozen=True):
    """One item of a bulk job's ``errors`` (contract 6.5: its shape is undocumented; the emulator sends
    ``{"code", "description", "data": {"contactId"}}``). Every field may be missing."""

    code: str | None = None
    description: str | None = None
    contact_id: str | None = None


class BulkJob(msgspec.Struct, frozen=True):
    """A Wix bulk job's state (contract 6.5). The counts are None until Wix fills them in."""

    id: str
    status: str
    total_items: int | None = None
    success_total: int | None = None
    failed_total: int | None = None
    errors: tuple[JobError, ...] = ()

    @property
    def done(self) -> bool:
        """Whether the job reached COMPLETED (the only documented end state)."""
        return self.status == JOB_COMPLETED


class DeletedLabel(msgspec.Struct, frozen=True):
    """An entry of Recently deleted: a label LabelDesk deleted, and the contacts that carried it just before.

    ``entry`` is the saved copy's own id for it; ``contact_ids`` the contacts' ids as read before the delete
    was sent; ``deleted_at`` is in UTC (None while the delete is not yet confirmed by Wix)."""

    entry: int
    key: str
    display_name: str
    contact_ids: tuple[str, ...]
    deleted_at: datetime | None = None
