"""Bulk jobs (contract sections 6.4, 6.5 and 11): one job labels or unlabels every contact its filter finds.

A job is NEW when made, RUNNING from half its time on, and COMPLETED once ``job_seconds`` have passed.
Its work is done when it completes, not before: until then QueryContacts and the facets show the
contacts as they were, and the filter is read then (the contacts that match at that moment are the
job's ``totalItems``). Nothing runs on a thread of its own: whoever looks at the site next (any call
that reads contacts, or Get Bulk Job) first completes the jobs whose time has come, in order, so what
anyone sees is as if each had completed on time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labeldesk.emulator.contact_query import ContactPredicate
from labeldesk.emulator.records import Contact, format_date

#: Seconds from a job's creation to its completion, unless the emulator is told otherwise.
DEFAULT_JOB_SECONDS = 0.5
#: The code of a contact that a test's fault makes fail (see LabelStore.fail_contacts_in_jobs).
FAULT_CODE = "CONTACT_UPDATE_FAILED"


@dataclass(slots=True)
class Job:
    """One bulk add-remove-labels job. ``matches`` is its filter (and search), read when it runs."""

    job_id: str
    matches: ContactPredicate
    add: tuple[str, ...]
    remove: tuple[str, ...]
    made: float  # monotonic
    seconds: float
    started: datetime
    finished: datetime | None = None
    total: int = 0
    success: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.add and self.remove:
            return "ADD_REMOVE_LABELS"
        return "REMOVE_LABELS" if self.remove else "ADD_LABELS"

    def due(self, now: float) -> bool:
        return now - self.made >= self.seconds

    def status(self, now: float) -> str:
        if self.finished is not None:
            return "COMPLETED"
        return "RUNNING" if now - self.made >= self.seconds / 2 else "NEW"

    def run(
        self,
        contacts: Mapping[str, Contact],
        label_exists: Callable[[str], bool],
        failing: Mapping[str, str],
        now: datetime,
    ) -> None:
        """Do the job: each matching contact gains ``add`` and loses ``remove``, or fails (a key in the
        lists that doesn't exist, or a fault) and stays as it was. Adding a key a contact has, or
        removing one it lacks, changes nothing and counts as a success."""
        unknown = [key for key in (*self.add, *self.remove) if not label_exists(key)]
        for contact in list(contacts.values()):
            if not self.matches(contact):
                continue
            self.total += 1
            if unknown:
                self._fail(contact, "LABEL_NOT_FOUND", f"Label {unknown[0]!r} doesn't exist")
                continue
            if contact.contact_id in failing:
                self._fail(contact, FAULT_CODE, failing[contact.contact_id])
                continue
            before = set(contact.label_keys)
            contact.label_keys.update(self.add)
            contact.label_keys.difference_update(self.remove)
            if contact.label_keys != before:
                contact.touched(now)
            self.success += 1
        self.finished = now

    def _fail(self, contact: Contact, code: str, description: str) -> None:
        self.failed += 1
        self.errors.append({"code": code, "description": description, "data": {"contactId": contact.contact_id}})

    def to_json(self, now: float) -> dict[str, Any]:
        """The Bulk Job object (contract 6.5); the counts and ``errors`` come once it completed."""
        out: dict[str, Any] = {
            "id": self.job_id,
            "type": self.kind,
            "status": self.status(now),
            "startedDate": format_date(self.started),
        }
        if self.finished is not None:
            out.update(
                finishedDate=format_date(self.finished),
                totalItems=self.total,
                successTotal=self.success,
                failedTotal=self.failed,
                errors=list(self.errors),
            )
        return out


class Jobs:
    """Every job the site was given (kept for ever), by id. Not thread-safe: the store's lock guards it."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.seconds = DEFAULT_JOB_SECONDS
        self.monotonic = monotonic
        self._jobs: dict[str, Job] = {}
        self._pending: list[Job] = []

    def new(self, matches: ContactPredicate, add: tuple[str, ...], remove: tuple[str, ...], started: datetime) -> Job:
        job = Job(str(uuid.uuid4()), matches, add, remove, self.monotonic(), self.seconds, started)
        self._jobs[job.job_id] = job
        self._pending.append(job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def due(self, *, everything: bool = False) -> list[Job]:
        """The jobs to run now (all unfinished ones if ``everything``), in the order they were made;
        they leave the pending list."""
        now = self.monotonic()
        ready = [job for job in self._pending if everything or job.due(now)]
        if ready:
            self._pending = [job for job in self._pending if not (everything or job.due(now))]
        return ready
