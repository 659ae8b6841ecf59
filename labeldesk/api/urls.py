"""Where the Wix API lives, and which addresses LabelDesk will send an API key to.

Kept apart from the client so that importing it costs nothing (no httpx) at start-up.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from labeldesk.api import errors

DEFAULT_BASE_URL = "https://www.wixapis.com"


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` names this computer (127.0.0.0/8, ::1, localhost): the emulator or a test server."""
    return _is_loopback_host((urlsplit(url.strip()).hostname or "").lower())


def validate_base_url(url: str) -> str:
    """``url`` without a trailing slash if it is safe to send the API key to, else InvalidBaseUrlError.

    Safe means https to any host, or plain http to this computer (127.0.0.0/8, ::1, localhost) for the
    emulator. Nothing else, so a typo can't send the key across the network in the clear. Wix's own
    address, however spelled, comes back as DEFAULT_BASE_URL.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if not host:
        raise errors.InvalidBaseUrlError(f"Not a web address: {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise errors.InvalidBaseUrlError("The API address must not contain a user name, query or fragment.")
    if is_wix(url):
        return DEFAULT_BASE_URL  # one spelling, so that it is recognised wherever sites are compared
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback_host(host)):
        return url.strip().rstrip("/")
    raise errors.InvalidBaseUrlError(
        f"LabelDesk only sends your API key over https (or plain http to this computer); refusing {url!r}."
    )


def is_wix(url: str) -> bool:
    """Whether ``url`` is Wix's own API address (DEFAULT_BASE_URL, however it is spelled: any case, a
    trailing slash, the explicit port 443). Anything else (the emulator, a test server, a proxy) is
    "not Wix": a key saved for Wix is never sent there, and such an address is never remembered for a
    site (see sites.py)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme.lower() == "https"
        and (parts.hostname or "").lower() == "www.wixapis.com"
        and port in (None, 443)
        and parts.path in ("", "/")
        and not (parts.username or parts.password or parts.query or parts.fragment)
    )
