"""The start-up snapshot: the whole last sync as one msgpack blob, in the table's order, so start-up
reads it in one go; and what the cache hands back (Snapshot).

Qt-free. Its file format (a list of parts, each an encoded _Blob) is what the ``snapshot`` table holds;
tests/test_cache.py pins it.
"""

from __future__ import annotations

import logging
from datetime import datetime

import msgspec

from labeldesk.domain import Label, all_valid_keys, valid_key

log = logging.getLogger(__name__)


class Snapshot(msgspec.Struct, frozen=True):
    """What the cache holds for a site."""

    labels: tuple[Label, ...]
    #: Contact counts, or None if they were never saved; a count None is unknown.
    counts: dict[str, int | None] | None
    #: When the labels were last saved from a full refresh; None for an empty cache.
    synced_at: datetime | None
    #: True if the file was unreadable and has just been set aside and started afresh.
    recovered: bool = False
    #: Saved search texts by label key (see domain.search_text); may miss some.
    search: dict[str, str] | None = None
    #: When ``labels`` come in a table's order, what the saver called that order (else None); then
    #: ``search_list`` holds their search texts in the same order.
    ordered_by: str | None = None
    search_list: list[str] | None = None


class _Blob(msgspec.Struct, array_like=True):
    labels: list[Label]
    search: list[str]


class _Parts(msgspec.Struct, array_like=True, tag="parts"):
    """The start-up snapshot as parts of up to SNAPSHOT_PART labels, each an encoded _Blob.

    The file format since schema 3. Each part is encoded, and read back, in a call of its own, so
    the start-up read (on a worker of the window's process) never holds the interpreter for one
    long call while the GUI thread builds the window.
    """

    parts: list[msgspec.Raw]


#: Labels in one part of the start-up snapshot (its file format is a list of parts).
SNAPSHOT_PART = 2_000

_BLOB_ENCODER = msgspec.msgpack.Encoder()
_BLOB_DECODER = msgspec.msgpack.Decoder(_Blob)
_PARTS_DECODER = msgspec.msgpack.Decoder(_Parts)


def encode_snapshot(labels: list[Label], texts: list[str]) -> bytes:
    parts = []
    for first in range(0, len(labels), SNAPSHOT_PART):
        part = _Blob(labels[first : first + SNAPSHOT_PART], texts[first : first + SNAPSHOT_PART])
        parts.append(msgspec.Raw(_BLOB_ENCODER.encode(part)))
    return _BLOB_ENCODER.encode(_Parts(parts))  # (the parts are copied as they are)


def decode_snapshot(data: bytes) -> tuple[list[Label], list[str]]:
    """Raises msgspec.DecodeError for anything but a snapshot made by encode_snapshot."""
    labels: list[Label] = []
    search: list[str] = []
    for part in _PARTS_DECODER.decode(data).parts:
        blob = _BLOB_DECODER.decode(part)
        labels.extend(blob.labels)
        search.extend(blob.search)
    return labels, search


def without_invalid_keys(snapshot: Snapshot) -> Snapshot:
    """The snapshot without labels whose key LabelDesk can't use (domain.valid_key): keys from Wix are
    checked as they come (wire.py), but a copy saved by an older LabelDesk may hold others, and such a
    label must not be shown, copied or renamed from here either."""
    keys = [label.key for label in snapshot.labels]
    if all_valid_keys(keys):
        return snapshot
    keep = [valid_key(key) for key in keys]
    log.warning("left out %d saved label(s) whose key LabelDesk can't use", keep.count(False))
    labels = tuple(label for label, kept in zip(snapshot.labels, keep, strict=True) if kept)
    search = (
        None
        if snapshot.search is None
        else {label.key: snapshot.search[label.key] for label in labels if label.key in snapshot.search}
    )
    search_list = (
        None
        if snapshot.search_list is None
        else [text for text, kept in zip(snapshot.search_list, keep, strict=True) if kept]
    )
    return msgspec.structs.replace(snapshot, labels=labels, search=search, search_list=search_list)
