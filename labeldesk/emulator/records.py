"""What the emulated site holds: its labels (with their JSON form, kept) and its contacts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

LABEL_TYPES = ("SYSTEM", "USER_DEFINED", "WIX_APP_DEFINED")


def format_date(value: datetime) -> str:
    """``value`` as Wix writes dates: UTC, milliseconds, "Z" (ISO-8601, so always a 4-digit year: strftime's
    %Y doesn't pad years before 1000 on glibc, and "1-01-01T…" is not ISO-8601)."""
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


@dataclass(slots=True)
class StoredLabel:
    key: str
    display_name: str
    label_type: str = "USER_DEFINED"
    namespace: str = "custom"
    namespace_display_name: str = "Labels"
    created: datetime | None = None
    updated: datetime | None = None
    #: The JSON form and its encoding, kept: a 2,000-label page would otherwise format 4,000 dates
    #: and encode 2,000 objects per request. ``changed()`` drops them.
    _json: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    _encoded: bytes | None = field(default=None, repr=False, compare=False)

    def changed(self) -> None:
        self._json = self._encoded = None

    def encoded(self) -> bytes:
        if self._encoded is None:
            self._encoded = json.dumps(self.to_json(), ensure_ascii=False).encode()
        return self._encoded

    def to_json(self) -> dict[str, Any]:
        if self._json is not None:
            return self._json
        out: dict[str, Any] = {
            "namespace": self.namespace,
            "namespaceDisplayName": self.namespace_display_name,
            "key": self.key,
            "displayName": self.display_name,
            "labelType": self.label_type,
        }
        if self.created is not None:
            out["createdDate"] = format_date(self.created)
        if self.updated is not None:
            out["updatedDate"] = format_date(self.updated)
        self._json = out
        return out


@dataclass(slots=True)
class Contact:
    """One contact (contract 6.2): only the fields LabelDesk reads. Any of the name parts and the email
    may be None (a contact without them, as real sites have)."""

    contact_id: str
    label_keys: set[str] = field(default_factory=set)
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    created: datetime | None = None
    updated: datetime | None = None
    revision: int = 1

    def touched(self, when: datetime) -> None:
        """A change was made: a new revision, updated now."""
        self.revision += 1
        self.updated = when

    def to_json(self, fields: frozenset[str] | None = None) -> dict[str, Any]:
        """The contact on the wire; ``fields``: the top-level paths to send (None: all). ``id`` and
        ``revision`` always come (contract 6.3's projection)."""

        def wanted(name: str) -> bool:
            return fields is None or name in fields

        out: dict[str, Any] = {"id": self.contact_id, "revision": self.revision}
        if wanted("primaryInfo"):
            out["primaryInfo"] = {"email": self.email} if self.email is not None else {}
        info: dict[str, Any] = {}
        if wanted("info.name"):
            name = {part: value for part, value in (("first", self.first_name), ("last", self.last_name)) if value}
            if name:
                info["name"] = name
        if wanted("info.emails") and self.email is not None:
            info["emails"] = {"items": [{"email": self.email, "tag": "MAIN", "primary": True}]}
        if wanted("info.labelKeys"):
            info["labelKeys"] = {"items": sorted(self.label_keys)}
        if info or fields is None or any(name.startswith("info.") for name in fields):
            out["info"] = info
        if wanted("createdDate") and self.created is not None:
            out["createdDate"] = format_date(self.created)
        updated = self.updated or self.created
        if wanted("updatedDate") and updated is not None:
            out["updatedDate"] = format_date(updated)
        return out
