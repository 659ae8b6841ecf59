"""The sites LabelDesk knows: site ID, a name the user gave it, the API address, and which was used last.

Kept in ``sites.json`` in the config folder, written atomically. API keys are *not* here: they live in
the keyring (see credentials.py). Thread-safe, because workers save it.

Only Wix sites (at DEFAULT_BASE_URL) are written to the file. A site opened at another address (the
emulator, a test server: ``--api-base``) is known for this run only, listed under its address, and
never opened again by a plain start: an address on this computer is whoever listens on its port, and
the next one to listen there may be another user's program waiting for a key. A file written by an
older LabelDesk that saved such an address has it dropped on loading: the site is a Wix site again.

The file is read and written through msgspec Structs (``_SitesFile``, ``_SavedSite``), strictly typed.
A file that can't be read as a whole (not JSON, not an object, ``sites`` not a list) is said in the log,
and LabelDesk starts with no saved sites, as after a first start (the next save replaces the file). One
damaged entry (a missing field, a site ID that isn't text, an address that isn't one) is left out with a
warning and the others are kept; a ``last_used`` that names no saved site is forgotten. Fields LabelDesk
doesn't know are ignored, and so is a byte-order mark that an editor put first. The format is the one LabelDesk has
always written, byte for byte::

    {
      "last_used": "<site ID>" or null,
      "sites": [{"site_id": "<site ID>", "name": "<name>", "api_base": "https://www.wixapis.com"}, ...]
    }
"""

from __future__ import annotations

import codecs
import logging
import re
import threading
from pathlib import Path

import msgspec

from labeldesk.api.urls import DEFAULT_BASE_URL, is_wix, validate_base_url
from labeldesk.paths import write_private

log = logging.getLogger(__name__)

# A GUID standing alone: exact group lengths, hex only, and no letter, digit, "_" or "-" glued to either end
# (so "x1111…" and a GUID with extra digits are not cut down to a valid-looking ID).
_GUID_BODY = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GUID = re.compile(rf"(?<![0-9A-Za-z_-]){_GUID_BODY}(?![0-9A-Za-z_-])")
_WHOLE_GUID = re.compile(rf"{_GUID_BODY}\Z")
# Where a Wix address names the site itself: the editor's "?metaSiteId=…" and the dashboard's "/dashboard/…".
# Other GUIDs in an address (the editor's own document ID, a page's ID) are not the site ID the API needs.
_META_SITE_ID = re.compile(r"[?&#]metaSiteId=([^&#/?]*)", re.IGNORECASE)
_DASHBOARD = re.compile(r"/dashboard/([^/?#&]*)", re.IGNORECASE)


# Spaces, line breaks and the invisible characters a copy from a web page can bring along.
_PASTE_NOISE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")

_NOT_AN_ID = (
    "This isn't a site ID. A site ID looks like 1a2b3c4d-1234-5678-9abc-1a2b3c4d5e6f; copy it from your "
    "site's dashboard address."
)
_NO_ID_IN_ADDRESS = (
    "This address has no site ID in it. Open the site itself in your Wix dashboard, then copy the address again."
)
_SEVERAL_IDS = (
    "This address has more than one ID in it, and LabelDesk can't tell which one is your site's. Open the site "
    "in your Wix dashboard and copy that address, or paste the site ID alone."
)


def _read_site_id(text: str) -> tuple[str, str | None]:
    """(site ID, "") or ("", why not in words); ("", None) for an empty field."""
    cleaned = _PASTE_NOISE.sub("", text)
    if not cleaned:
        return "", None
    looks_like_address = "/" in cleaned or cleaned.lower().startswith(("http", "www.", "manage.wix", "editor.wix"))
    for marker in (_META_SITE_ID, _DASHBOARD):
        values = {value.lower() for value in marker.findall(cleaned) if value}
        if values:
            if len(values) > 1:
                return "", _SEVERAL_IDS
            (value,) = values
            if _WHOLE_GUID.match(value):
                return value, None
            return "", _NO_ID_IN_ADDRESS
    found = {match.lower() for match in _GUID.findall(cleaned)}
    if len(found) == 1:
        return found.pop(), None
    if len(found) > 1:
        return "", _SEVERAL_IDS
    return "", _NO_ID_IN_ADDRESS if looks_like_address else _NOT_AN_ID


def extract_site_id(text: str) -> str:
    """The site ID in ``text``, lower-case: a Wix site ID is a GUID (1a2b3c4d-…), typed or pasted
    alone or inside a Wix address; spaces and line breaks from a paste don't count. In an address, the
    ``metaSiteId=`` value (the editor's) or the part after ``/dashboard/`` is the site ID; otherwise the
    one GUID standing alone in it. Returns "" when there is none, or several with nothing to choose
    between them (see site_id_problem for why, in words)."""
    return _read_site_id(text)[0]


def site_id_problem(text: str) -> str | None:
    """Why ``text`` gives no site ID, in plain words; None when it gives one, or when it is empty."""
    return _read_site_id(text)[1]


class Site(msgspec.Struct, frozen=True):
    site_id: str
    name: str
    api_base: str = DEFAULT_BASE_URL

    @property
    def title(self) -> str:
        return self.name or self.site_id

    @property
    def is_wix(self) -> bool:
        """Whether the site is reached at Wix's own API address (else a test server or the emulator)."""
        return is_wix(self.api_base)

    @property
    def identity(self) -> tuple[str, str]:
        """(site ID, API address): what tells two sites apart. The same site ID at a test server is
        another site, with its own key, saved copy and window state."""
        return (self.site_id, self.api_base)

    @property
    def where(self) -> str:
        """Which address the site is reached at, in words; "" for Wix (what people expect)."""
        return "" if self.is_wix else f"Test server at {self.api_base}, not Wix"


class _SavedSite(msgspec.Struct, kw_only=True, frozen=True):
    """One entry of ``sites.json``: a Site as saved (fields in the order LabelDesk has always written)."""

    site_id: str
    name: str = ""
    api_base: str


class _SitesFile(msgspec.Struct, kw_only=True):
    """The whole of ``sites.json``, as LabelDesk writes it."""

    last_used: str | None = None
    sites: list[_SavedSite] = []


class _SitesFileParts(msgspec.Struct):
    """``sites.json`` as read: each part is decoded on its own, so that a damaged part costs only
    itself (a damaged entry, that entry; a ``last_used`` that isn't text, which site opens first)."""

    last_used: msgspec.Raw = msgspec.Raw(b"null")
    sites: list[msgspec.Raw] = []


class SiteDirectory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._sites: dict[str, Site] = {}
        self._last_used: str | None = None
        #: Sites at another address than Wix's, by identity: for this run only, never written.
        self._elsewhere: dict[tuple[str, str], Site] = {}
        self._load()

    def _load(self) -> None:
        try:
            # (less the byte-order mark an editor such as Windows Notepad may put before a hand edit)
            content = self.path.read_bytes().removeprefix(codecs.BOM_UTF8)
            data = msgspec.json.decode(content, type=_SitesFileParts)
        except FileNotFoundError:
            return
        except (OSError, msgspec.DecodeError) as exc:  # (a ValidationError is a DecodeError)
            log.warning("couldn't read %s (%s); starting with no saved sites", self.path, exc)
            return
        moved = False
        for entry in data.sites:
            try:
                saved = msgspec.json.decode(entry, type=_SavedSite)
                site = Site(saved.site_id, saved.name, validate_base_url(saved.api_base))
            except (msgspec.DecodeError, ValueError) as exc:
                log.warning("ignoring a damaged site entry in %s (%s)", self.path, exc)
                continue
            if not site.is_wix:
                # Saved by an older LabelDesk. Its key (kept by site ID alone) is taken for the site's
                # Wix key from now on, so it must never go to that address: the site is a Wix site again.
                log.info("site %s was saved with the API address %s; it opens at Wix now", site.site_id, site.api_base)
                site = msgspec.structs.replace(site, api_base=DEFAULT_BASE_URL)
                moved = True
            self._sites[site.site_id] = site
        try:
            last = msgspec.json.decode(data.last_used, type=str | None)
        except msgspec.DecodeError:
            last = None  # (hand-edited: then no site is the one used last, as when it names no saved site)
        self._last_used = last if last in self._sites else None
        if moved:
            self._save()

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
        saved = [
            _SavedSite(site_id=site.site_id, name=site.name, api_base=site.api_base) for site in self._sites.values()
        ]
        data = _SitesFile(last_used=self._last_used, sites=saved)
        write_private(self.path, msgspec.json.format(msgspec.json.encode(data), indent=2).decode("utf-8"))

    @property
    def sites(self) -> list[Site]:
        """Every site known: the saved Wix sites, and those at other addresses opened in this run."""
        with self._lock:
            known = [*self._sites.values(), *self._elsewhere.values()]
        return sorted(known, key=lambda site: (site.title.casefold(), not site.is_wix, site.api_base))

    def get(self, site_id: str) -> Site | None:
        """The saved Wix site with this ID, or None."""
        with self._lock:
            return self._sites.get(site_id)

    @property
    def last_used(self) -> Site | None:
        """The Wix site used last (what a plain start opens); never a site at another address."""
        with self._lock:
            return self._sites.get(self._last_used) if self._last_used else None

    def remember(self, site: Site, *, use: bool = True) -> Site:
        """Add or update ``site`` (keeping a name it already had if the new one is blank).

        A Wix site is saved (and, with ``use``, is what the next plain start opens). A site at any
        other address is kept in memory for this run only, beside (never instead of) a Wix site with
        the same ID, and changes nothing in the file.
        """
        with self._lock:
            if not site.is_wix:
                old = self._elsewhere.get(site.identity) or self._sites.get(site.site_id)
                if old is not None and not site.name:
                    site = msgspec.structs.replace(site, name=old.name)
                self._elsewhere[site.identity] = site
                return site
            old = self._sites.get(site.site_id)
            if old is not None and not site.name:
                site = msgspec.structs.replace(site, name=old.name)
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

    def forget(self, site_id: str, api_base: str = DEFAULT_BASE_URL) -> None:
        """Forget the site with this ID at ``api_base`` (Wix unless said otherwise)."""
        with self._lock:
            if not is_wix(api_base):
                self._elsewhere.pop((site_id, api_base), None)
                return
            self._sites.pop(site_id, None)
            if self._last_used == site_id:
                self._last_used = next(iter(self._sites), None)
            self._save()
