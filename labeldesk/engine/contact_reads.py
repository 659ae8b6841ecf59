"""The engine's reads for issue 15: the contacts of a label (kept for offline), a merge's dry run, and
Recently deleted. Each answers one intent with one event (or RequestFailed), from the engine's pools.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from labeldesk.cache import journal, saved_contacts
from labeldesk.engine import protocol as p
from labeldesk.errors import KnownError

if TYPE_CHECKING:
    from labeldesk.engine.core import SyncEngine


class ContactReads:
    """``engine``: the SyncEngine served (its client, saved copy, pools and ``send``)."""

    def __init__(self, engine: SyncEngine) -> None:
        self._engine = engine

    def list_contacts(self, intent: p.ListContacts) -> None:
        """A page of the label's contacts from Wix (then saved), or from the saved copy when Wix can't be
        reached and the page was read before (else RequestFailed with why Wix couldn't be reached)."""
        engine = self._engine
        client, cache = engine.client, engine.cache

        def read() -> None:
            try:
                if client is None:
                    raise RuntimeError("contacts were asked for before the site's key was known")
                page = client.contacts_page(intent.key, offset=intent.offset, limit=intent.limit)
            except Exception as exc:
                saved = None
                if isinstance(exc, KnownError) and exc.unreachable and cache is not None:
                    try:
                        saved = saved_contacts.load_page(cache, intent.key, intent.offset, intent.limit)
                    except KnownError:
                        saved = None
                if saved is None:
                    engine._send(p.RequestFailed(intent.request, engine._describe(exc, "read a label's contacts")))
                    return
                engine._send(
                    p.ContactsPage(
                        intent.request,
                        intent.key,
                        intent.offset,
                        saved.contacts,
                        saved.total,
                        saved.more,
                        from_cache=True,
                        synced_at=saved.synced_at,
                    )
                )
                return
            contacts, total = list(page.contacts), page.total
            engine._send(p.ContactsPage(intent.request, intent.key, intent.offset, contacts, total, page.more))
            engine._save(
                "save a label's contacts",
                lambda cache, now: saved_contacts.save_page(
                    cache,
                    intent.key,
                    intent.offset,
                    contacts,
                    limit=intent.limit,
                    last=not page.more,
                    total=total,
                    synced_at=now,
                ),
            )

        engine._submit(engine._reads, read)

    def forget(self, key: str) -> None:
        """Forget the contacts saved for label ``key`` (after what is already queued for the disk)."""
        self._engine._save("forget saved contacts", lambda cache, now: saved_contacts.forget(cache, [key]))

    def preview_merge(self, intent: p.PreviewMerge) -> None:
        """How many contacts a merge would give the target, and how many carry each source (nothing changes)."""
        engine = self._engine
        client = engine.client

        def read() -> None:
            try:
                if client is None:
                    raise RuntimeError("a merge preview was asked for before the site's key was known")
                preview = _preview(client, intent)
            except Exception as exc:
                engine._send(p.RequestFailed(intent.request, engine._describe(exc, "preview a merge")))
                return
            engine._send(preview)

        engine._submit(engine._reads, read)

    def list_deleted(self, intent: p.ListDeleted) -> None:
        """Recently deleted (confirmed, the last KEEP_DAYS days), newest first; empty without a saved copy."""
        engine = self._engine
        cache = engine.cache

        def read() -> None:
            try:
                entries = journal.deleted_entries(cache) if cache is not None else []
            except Exception as exc:
                engine._send(p.RequestFailed(intent.request, engine._describe(exc, "read Recently deleted")))
                return
            cutoff = datetime.now(UTC) - timedelta(days=journal.KEEP_DAYS)
            kept = [entry for entry in entries if entry.deleted_at is None or entry.deleted_at >= cutoff]
            engine._send(p.DeletedList(intent.request, kept))

        engine._submit(engine._disk, read)


def _preview(client: Any, intent: p.PreviewMerge) -> p.MergePreview:
    sources = [key for key in dict.fromkeys(intent.sources) if key != intent.target]
    contacts = client.contacts_with_any_label(sources) if sources else []
    holders: Counter[str] = Counter()
    adds = 0
    for contact in contacts:
        keys = set(contact.label_keys or ())
        holders.update(key for key in sources if key in keys)
        if intent.target not in keys and keys.intersection(sources):
            adds += 1
    held = {key: holders[key] for key in sources}
    return p.MergePreview(intent.request, intent.target, sources, adds, held, carriers=len(contacts))
