"""Which proxy setting calls go through, named (never its value: it may hold a password).

httpx takes proxies from the environment (through urllib); these tell the client which variable is in
force, so that a failure to connect can be blamed on the proxy, and a setting httpx can't use is named.
"""

from __future__ import annotations

import os
import urllib.request

import httpx

#: The variables httpx (through urllib) takes proxies from, by the scheme each one is for.
_PROXY_SCHEMES = ("https", "http", "all")


def _proxy_settings() -> dict[str, str]:
    """The proxy variable in force for each scheme ("https", "http", "all", "no"), by name, as
    urllib.request.getproxies_environment decides (httpx asks it): any case first, then a lower-case
    name wins."""
    in_force: dict[str, str] = {}
    for name, value in os.environ.items():
        if value and name.lower().endswith("_proxy"):
            in_force[name.lower()[:-6]] = name
    for name, value in os.environ.items():
        if value and name.endswith("_proxy"):
            in_force[name[:-6].lower()] = name
    return in_force


def proxy_in_force(base_url: str) -> str | None:
    """The name of the proxy setting calls to ``base_url`` go through, or None (none set, or NO_PROXY
    lets this address skip it)."""
    in_force = _proxy_settings()
    url = httpx.URL(base_url)
    name = in_force.get(url.scheme) or in_force.get("all")
    if name is None:
        return None
    try:
        # typeshed's urllib/request.pyi leaves out proxy_bypass_environment (CPython has it on every
        # platform, undocumented): the stub is incomplete, the call is fine.
        if urllib.request.proxy_bypass_environment(url.host):  # type: ignore[attr-defined]
            return None
    except (ValueError, TypeError):  # a NO_PROXY that can't be read: httpx says so as the client is made
        return name
    return name


def unusable_proxy_variable() -> str:
    """The name (never the value) of the proxy setting that can't be used."""
    in_force = _proxy_settings()
    for scheme in _PROXY_SCHEMES:
        name = in_force.get(scheme)
        if name is None:
            continue
        value = os.environ[name]
        try:
            proxy = httpx.Proxy(value if "://" in value else f"http://{value}")
            if proxy.url.scheme.startswith("socks"):
                import socksio  # noqa: F401 - what httpx's SOCKS support needs
        except (httpx.InvalidURL, ValueError, ImportError):
            return name
    if "no" in in_force:  # the proxies themselves are fine: it is the list of addresses that skip them
        return in_force["no"]
    return "your system's proxy settings"
