"""The sites LabelDesk knows: site ID, a name the user gave it, the API address, and which was used last.

Kept in ``sites.json`` in the config folder, written atomically. API keys are *not* here: they live in
the keyring (see credentials.py). Thread-safe, because workers save it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from labeldesk.api.urls import DEFAULT_BASE_URL, validate_base_url
from labeldesk.paths import private_folder

log = logging.getLogger(__name__)

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


# Spaces, line breaks and the invisible characters a copy from a web page can bring along.
_PASTE_NOISE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def extract_site_id(text: str) -> str:
    """The site ID in ``text``, lower-case: a Wix site ID is a GUID (1a2b3c4d-…), typed or pasted
    alone or inside a dashboard address; spaces and line breaks from a paste don't count. Returns ""
    when there is none (see site_id_problem for why, in words)."""
    match = _GUID.search(_PASTE_NOISE.sub("", text))
    return match.group(0).lower() if match else ""


def site_id_problem(text: str) -> str | None:
    """Why ``text`` gives no site ID, in plain words; None when it gives one, or when it is empty."""
    cleaned = _PASTE_NOISE.sub("", text)
    if not cleaned or extract_site_id(cleaned):
        return None
    if "/" in cleaned or cleaned.lower().startswith(("http", "www.", "manage.wix")):
        return (
            "This address has no site ID in it. Open the site itself in your Wix dashboard, then copy the "
            "address again."
        )
    return (
        "This isn't a site ID. A site ID looks like 1a2b3c4d-1234-5678-9abc-1a2b3c4d5e6f; copy it from your "
        "site's dashboard address."
    )


@dataclass(frozen=True, slots=True)
class Site:
    site_id: str
    name: str
    api_base: str = DEFAULT_BASE_URL

    @property
    def title(self) -> str:
        return self.name or self.site_id


class SiteDirectory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._sites: dict[str, Site] = {}
        self._last_used: str | None = None
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("couldn't read %s (%s); starting with no saved sites", self.path, exc)
            return
        for item in data.get("sites", []):
            try:
                site = Site(str(item["site_id"]), str(item.get("name", "")), validate_base_url(item["api_base"]))
            except (KeyError, TypeError, ValueError):
                log.warning("ignoring a damaged site entry in %s", self.path)
                continue
            self._sites[site.site_id] = site
        last = data.get("last_used")
        self._last_used = last if last in self._sites else None

    def _save(self) -> None:
        """Write the file; if the folder refuses (read-only), keep the sites in memory for this run."""
        try:
            self._write()
        except OSError as exc:
            log.warning(
                "couldn't save %s (%s: %s); the sites are kept until LabelDesk closes",
                self.path,
                type(exc).__name__,
                exc,
            )

    def _write(self) -> None:
        import tempfile  # only when saving: importing it costs start-up time

        data = {"last_used": self._last_used, "sites": [asdict(site) for site in self._sites.values()]}
        private_folder(self.path.parent)  # (mkstemp makes the file 0600, never through a link)
        fd, tmp = tempfile.mkstemp(prefix=".sites-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @property
    def sites(self) -> list[Site]:
        with self._lock:
            return sorted(self._sites.values(), key=lambda site: site.title.casefold())

    def get(self, site_id: str) -> Site | None:
        with self._lock:
            return self._sites.get(site_id)

    @property
    def last_used(self) -> Site | None:
        with self._lock:
            return self._sites.get(self._last_used) if self._last_used else None

    def remember(self, site: Site, *, use: bool = True) -> Site:
        """Add or update ``site`` (keeping a name it already had if the new one is blank)."""
        with self._lock:
            old = self._sites.get(site.site_id)
            if old is not None and not site.name:
                site = replace(site, name=old.name)
            self._sites[site.site_id] = site
            if use:
                self._last_used = site.site_id
            self._save()
            return site

    def use(self, site_id: str) -> None:
        with self._lock:
            if site_id in self._sites and self._last_used != site_id:
                self._last_used = site_id
                self._save()

    def forget(self, site_id: str) -> None:
        with self._lock:
            self._sites.pop(site_id, None)
            if self._last_used == site_id:
                self._last_used = next(iter(self._sites), None)
            self._save()
