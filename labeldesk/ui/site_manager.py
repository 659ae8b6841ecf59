"""Opening sites: finding their keys, checking new ones, signing in and out. Every step on a worker.

The window asks; the manager answers with signals. Keyring calls can block on an unlock prompt and
sign-in makes a network call, so nothing here runs on the GUI thread but the bookkeeping.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
from PySide6.QtCore import QObject, Signal

from labeldesk.api.errors import (
    AuthError,
    MalformedKeyError,
    OfflineError,
    PermissionDeniedError,
    SiteNotFoundError,
)
from labeldesk.api.urls import DEFAULT_BASE_URL
from labeldesk.cache import LabelCache, cache_path
from labeldesk.credentials import YOUR_KEYRING, CredentialStore, KeyringUnavailableError, SessionOnlyStore, key_account
from labeldesk.errors import KnownError, UnexpectedError
from labeldesk.logs import register_secret
from labeldesk.sites import Site, SiteDirectory
from labeldesk.ui.workers import TaskRunner

if TYPE_CHECKING:
    from labeldesk.api.client import WixLabelsClient

log = logging.getLogger(__name__)

ClientFactory = Callable[[str, Site], "WixLabelsClient"]

DAMAGED_KEY = "The API key saved for this site is damaged. Enter it again."


def default_client_factory(api_key: str, site: Site) -> WixLabelsClient:
    from labeldesk.api.client import WixLabelsClient  # httpx, loaded when a site is first opened

    return WixLabelsClient(api_key, site.site_id, base_url=site.api_base)


class Field(enum.Enum):
    """Which sign-in field a problem is probably in."""

    API_KEY = "api_key"
    SITE_ID = "site_id"
    KEYRING = "keyring"
    NONE = "none"


class SignInError(KnownError):
    """Why sign-in failed, in words for the person (``message``), and which field to look at."""

    def __init__(self, message: str, field: Field) -> None:
        super().__init__(message)
        self.field = field


def explain_sign_in_failure(error: Exception) -> SignInError:
    if isinstance(error, KeyringUnavailableError):
        return SignInError(str(error), Field.KEYRING)
    if isinstance(error, MalformedKeyError):
        return SignInError(error.message, Field.API_KEY)
    if isinstance(error, PermissionDeniedError):
        return SignInError(
            "Wix accepted the key, but it isn't allowed to manage labels. In the API Keys Manager, give it the "
            "“Manage Contact Labels” permission, or check that it is for this site.",
            Field.API_KEY,
        )
    if isinstance(error, AuthError):
        return SignInError(
            "Wix didn't accept this API key. Check that you copied all of it; it is a long text.", Field.API_KEY
        )
    if isinstance(error, SiteNotFoundError) and error.status is None:
        return SignInError(error.message, Field.SITE_ID)
    if isinstance(error, SiteNotFoundError):
        return SignInError(
            "Wix doesn't know this site ID, or the key belongs to another account. Copy the ID from your "
            "site's dashboard address.",
            Field.SITE_ID,
        )
    if isinstance(error, OfflineError):
        # Not the window's "LabelDesk will try again": nothing retries a sign-in by itself.
        return SignInError("Can't reach Wix. Check your internet connection, then press Sign in again.", Field.NONE)
    if isinstance(error, KnownError):
        return SignInError(str(error), Field.NONE)
    # A bug, not the person's doing: its text is for the log, never the dialog. (An UnexpectedError's
    # traceback is in the log already: the worker that caught it put it there.)
    if not isinstance(error, UnexpectedError):
        log.error("sign-in failed unexpectedly: %s", type(error).__name__)
    return SignInError(
        "LabelDesk hit an unexpected problem while signing in. The details are in the log file.", Field.NONE
    )


class SignInRequest(msgspec.Struct, frozen=True):
    """Why the window should ask for credentials, and what it already knows."""

    site: Site | None
    reason: str = ""
    #: Only the key is wrong (revoked during use): keep the site ID fixed and the table visible.
    replace_key: bool = False
    #: The keyring failed (locked, not answering): offer to keep the key for this session only.
    keyring_failed: bool = False


class OpenedSite(msgspec.Struct, frozen=True):
    site: Site
    client: WixLabelsClient
    session_only: bool


class SiteManager(QObject):
    """Signals:

    - ``site_opening(Site)``: a site is about to open; its saved copy can be shown already
    - ``site_opened(OpenedSite)``: a client is ready for the site; the window attaches to it
    - ``sign_in_needed(SignInRequest)``: ask the person for an API key (and maybe a site ID)
    - ``sites_changed()``: the list of saved sites changed
    - ``signed_out(Site)``: the site's key and settings are gone
    - ``keyring_checked()``: ``keyring_description`` and ``keyring_problem`` are known
    """

    site_opening = Signal(object)
    site_opened = Signal(object)
    sign_in_needed = Signal(object)
    sites_changed = Signal()
    signed_out = Signal(object)
    keyring_checked = Signal()

    def __init__(
        self,
        directory: SiteDirectory,
        credentials: CredentialStore,
        *,
        client_factory: ClientFactory | None = None,
        default_api_base: str = DEFAULT_BASE_URL,
        cache_dir: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        #: Where each site's offline copy lives; None keeps no copies.
        self.cache_dir = cache_dir
        #: Where a newly added site's API lives (Wix, or --api-base).
        self.default_api_base = default_api_base
        self.directory = directory
        self.credentials = credentials
        self.session_keys = SessionOnlyStore()
        # Looked up at call time (not bound now), so the default can be replaced module-wide in tests.
        self.client_factory = client_factory or (lambda key, site: default_client_factory(key, site))  # noqa: PLW0108
        self.runner = TaskRunner(self, read_threads=1)
        #: Where keys go, in words, and why that won't work (None if it will); known after keyring_checked.
        self.keyring_description: str | None = None
        self.keyring_problem: str | None = None
        self._probing = False
        #: Key lookups of sites being opened wait while held (see hold_key_lookups).
        self._lookups_held = False
        self._held_lookups: list[Callable[[], None]] = []
        self._preloaded: dict[tuple[str, str], LabelCache] = {}
        #: The site (its identity) whose key is being looked up (the last asked for).
        self._opening: tuple[str, str] | None = None

    def hold_key_lookups(self, held: bool) -> None:
        """Hold the key lookup of a site being opened (dropping any held for another), or let them run.

        The window holds them while a site's saved copy is on its way to the screen: importing keyring
        and talking to D-Bus would otherwise compete with that first paint.
        """
        self._lookups_held = held
        waiting, self._held_lookups = self._held_lookups, []
        if not held:
            for lookup in waiting:
                lookup()

    def check_keyring(self) -> None:
        """Find out (once, on a worker) where keys go and whether that works; then ``keyring_checked``."""
        if not self._probing:
            self._probing = True
            self.runner.read(self._probe_keyring, "check the keyring", on_success=self._on_keyring_probed)

    def _probe_keyring(self) -> tuple[str, str | None]:
        # Finding the backend can talk to D-Bus (and hang there, until the store's time limit); that
        # is why this runs on a worker.
        try:
            description = self.credentials.description
            self.credentials.check_available()
        except KeyringUnavailableError as exc:
            return YOUR_KEYRING, str(exc)
        return description, None

    def _on_keyring_probed(self, result: tuple[str, str | None]) -> None:
        self.keyring_description, self.keyring_problem = result
        self.keyring_checked.emit()

    # -- opening a saved (or named) site --------------------------------------------------------------

    def start(self) -> None:
        """Open the last site used, or ask to sign in when there is none."""
        site = self.directory.last_used
        if site is None:
            self.sign_in_needed.emit(SignInRequest(None))
        else:
            self.open_site(site)

    def adopt_preloaded(self, site: Site, cache: LabelCache) -> None:
        """Use ``cache`` (already reading, see LabelCache.preload) when ``site`` (at its address) is opened."""
        self._preloaded[site.identity] = cache

    def cache_for(self, site: Site) -> LabelCache | None:
        """The saved copy of ``site`` at its own address (see cache_path), or None if none are kept."""
        if site.identity in self._preloaded:
            return self._preloaded.pop(site.identity)
        if self.cache_dir is None:
            return None
        return LabelCache(cache_path(self.cache_dir, site.site_id, site.api_base), source=site.api_base)

    def open_site(self, site: Site) -> None:
        """Find the site's key (session memory first, then the keyring) and open it.

        The key looked up is the one saved for the site at its address (see key_account): a key saved
        for Wix is never sent to a test server, nor the other way round. Only the site asked for last
        is opened: if another was asked for while this key was being looked up, the answer for this
        one is dropped.
        """
        self._opening = site.identity
        self.site_opening.emit(site)
        account = key_account(site.site_id, site.api_base)

        def find_key() -> tuple[str | None, str | None]:
            key = self.session_keys.get(account)
            if key:
                return key, None
            try:
                return self.credentials.get(account), None
            except KeyringUnavailableError as exc:
                return None, str(exc)

        def found(result: tuple[str | None, str | None]) -> None:
            if self._opening != site.identity:
                return  # the person moved on to another site meanwhile
            key, problem = result
            if key:
                try:
                    client = self.client_factory(key, site)
                except MalformedKeyError:
                    # A saved key with a space or a line break (damaged in the keyring, or saved that way
                    # by another program): not a reason to stall here with nothing said.
                    log.warning("the API key saved for site %s is damaged; asking for it again", site.site_id)
                    self.sign_in_needed.emit(SignInRequest(site, DAMAGED_KEY, replace_key=True))
                    return
                except KnownError as exc:  # a site ID no client takes (a damaged sites.json, --site-id): ask anew
                    log.warning("site %r can't be opened: %r", site.site_id, exc)
                    self.sign_in_needed.emit(SignInRequest(None, exc.message))
                    return
                self.runner.disk(lambda: self.directory.remember(site), "remember site", on_success=self._changed)
                self.site_opened.emit(OpenedSite(site, client, self.session_keys.get(account) is not None))
            else:
                title = site.title if site.is_wix else f"{site.title} at the test server {site.api_base}"
                reason = problem or f"LabelDesk has no API key saved for {title}. Enter it to open the site."
                self.sign_in_needed.emit(SignInRequest(site, reason, keyring_failed=problem is not None))

        def look_up() -> None:
            self.runner.read(find_key, f"find key for {site.site_id}", on_success=found)

        if self._lookups_held:
            self._held_lookups.append(look_up)
        else:
            look_up()

    # -- signing in -----------------------------------------------------------------------------------

    def sign_in(
        self,
        site: Site,
        api_key: str,
        *,
        session_only: bool,
        on_success: Callable[[OpenedSite], None],
        on_failure: Callable[[SignInError], None],
    ) -> None:
        """Check the key with one cheap call, then keep it (keyring, or memory if asked) and open the site.

        ``on_failure`` receives a SignInError.
        """

        account = key_account(site.site_id, site.api_base)  # the key is kept for this address only

        def check_and_keep() -> OpenedSite:
            register_secret(api_key)  # before anything can fail: a bug's traceback in the log never shows it
            client = self.client_factory(api_key, site)
            try:
                client.list_labels(limit=1)
                if session_only:
                    self.session_keys.set(account, api_key)
                else:
                    self.credentials.set(account, api_key)
                    self.session_keys.delete(account)
                saved = self.directory.remember(site)
            except KnownError as exc:
                client.close()
                raise _SignInFailedError(explain_sign_in_failure(exc)) from None
            except BaseException:  # a bug: the runner logs its traceback and reports it as one
                client.close()
                raise
            return OpenedSite(saved, client, session_only)

        def opened(result: OpenedSite) -> None:
            self._changed()
            self.site_opened.emit(result)
            on_success(result)

        def failed(error: Exception) -> None:  # (a task fails with an exception: see workers.Task)
            on_failure(error.reason if isinstance(error, _SignInFailedError) else explain_sign_in_failure(error))

        self.runner.write(check_and_keep, f"sign in to {site.site_id}", on_success=opened, on_failure=failed)

    # -- signing out ----------------------------------------------------------------------------------

    def sign_out(self, site: Site, on_failure: Callable[[Exception], None] | None = None) -> None:
        """Delete the site's key (for its address) from the keyring (and memory) and forget its settings."""
        account = key_account(site.site_id, site.api_base)

        def forget() -> Site:
            was_session_only = self.session_keys.get(account) is not None
            self.session_keys.delete(account)
            try:
                self.credentials.delete(account)
            except KeyringUnavailableError:
                if not was_session_only:
                    raise  # the key may still be in the keyring: say so rather than pretend
            self.directory.forget(site.site_id, site.api_base)
            return site

        def done(_: object) -> None:
            self._changed()
            self.signed_out.emit(site)

        def failed(error: Exception) -> None:
            if on_failure is not None:
                on_failure(error)

        self.runner.write(forget, f"sign out of {site.site_id}", on_success=done, on_failure=failed)

    def _changed(self, *_: object) -> None:
        self.sites_changed.emit()

    def shutdown(self) -> None:
        """At quit: finish the sites file's writes; wait for no keyring and no network.

        A sign-in whose check with Wix is still out is abandoned: its answer goes nowhere (the key
        is kept only after Wix has accepted it).
        """
        abandon = getattr(self.credentials, "abandon", None)
        if abandon is not None:
            abandon()  # a keyring that never answers must not hold up quitting
        self.runner.stop()
        self.runner.wait_for_disk(5000)
        for cache in self._preloaded.values():  # a site that was never opened after all
            cache.close()
        self._preloaded.clear()


class _SignInFailedError(KnownError):
    """Carries a SignInError out of a worker (the runner passes KnownErrors through as they are)."""

    def __init__(self, reason: SignInError) -> None:
        super().__init__(reason.message)
        self.reason = reason
