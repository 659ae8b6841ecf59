"""The expected failures of a merge, a restore and a restorable delete (KnownErrors), in plain words.

Imported by labeldesk.engine.protocol's error rebuilding, so the window gets them back as their own class.
Label names are quoted as plain text (domain.quoted).
"""

from __future__ import annotations

from labeldesk.domain import quoted
from labeldesk.errors import KnownError


class MergeRefusedError(KnownError):
    """A merge that can't be done as asked: a source Wix or an app manages, a source that is the target,
    or a label that no longer exists. ``key``: the label concerned."""

    asking_again_helps = False

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


class JobFailuresError(KnownError):
    """A bulk job couldn't label some contacts (their ids in ``contact_ids``), so a merge deleted nothing."""

    def __init__(self, label: str, failed: int, contact_ids: list[str], *, merge: bool = True) -> None:
        contacts = "1 contact" if failed == 1 else f"{failed} contacts"
        after = " so nothing was deleted" if merge else " so it stays in Recently deleted"
        super().__init__(f"{quoted(label)} couldn't be added to {contacts},{after}. Please try again.")
        self.contact_ids = contact_ids


class JobOutcomeUnknownError(KnownError):
    """A bulk job reached COMPLETED without saying how many contacts it failed on (no ``failedTotal``,
    contract 6.5), so a merge deleted nothing (a restore keeps its entry): nothing proves every contact
    got the label."""

    def __init__(self, label: str, *, merge: bool = True) -> None:
        after = "so nothing was deleted" if merge else "so it stays in Recently deleted"
        super().__init__(
            f"Wix didn't say whether {quoted(label)} was added to every contact, {after}. Refresh to see the "
            "contacts' labels, then try again."
        )


class OperationCancelledError(KnownError):
    """The person stopped a merge or restore before it ended: a merge then deletes nothing."""

    def __init__(self, kind: str) -> None:
        if kind == "merge":
            words = "The merge was stopped before anything was deleted. Contacts already given the label keep it."
        else:
            words = "The restore was stopped. Contacts already given the label keep it."
        super().__init__(words)


class RestoreRefusedError(KnownError):
    """A restore whose name now belongs to a label Wix or an app manages (find-or-create found it): putting that
    label on contacts is not LabelDesk's to do, so nothing changed and the entry stays in Recently deleted."""

    asking_again_helps = False

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{quoted(name)} is now the name of a label Wix or an app manages, so LabelDesk didn't put it on the "
            "contacts. The label stays in Recently deleted."
        )


class NotRestorableError(KnownError):
    """A delete that wasn't sent because its contacts couldn't be noted down first (the saved copy refused)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{quoted(name)} wasn't deleted: LabelDesk couldn't note down on this computer which contacts carry "
            "it, so it couldn't be restored later. Check that the disk has room, then try again."
        )


class EntryGoneError(KnownError):
    """A restore of a Recently deleted entry that is no longer there (restored already, or older than 30 days)."""

    asking_again_helps = False

    def __init__(self) -> None:
        super().__init__("That label is no longer in Recently deleted: it was restored already, or deleted long ago.")
