"""A site's first read, started before the window opened it (see protocol.Prefetch): what the engine
keeps of it until the window's Open takes it."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from labeldesk.engine import protocol as p


@dataclass(frozen=True, slots=True)
class Prefetched:
    """A site's first read, started before the window opened it (see protocol.Prefetch)."""

    site_id: str
    base_url: str
    api_key: str
    client: Any
    labels: Future[Any]
    counts: Future[dict[str, int | None]]

    def serves(self, settings: p.ClientSettings | None) -> bool:
        return settings is not None and (settings.site_id, settings.base_url, settings.api_key) == (
            self.site_id,
            self.base_url,
            self.api_key,
        )


def close_unused(ready: Future[Prefetched | None]) -> None:
    early = ready.result()
    if early is not None:
        early.client.close()
