"""The Wix Labels API adapter: an httpx client, the wire format and typed errors. No Qt here.

Names are loaded on first use, so that ``import labeldesk.api.errors`` (or ``.urls``) does not pull in
httpx: the window can paint its first rows before the network stack has even been imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "DEFAULT_BASE_URL": "labeldesk.api.urls",
    "validate_base_url": "labeldesk.api.urls",
    "Sort": "labeldesk.api.client",
    "SortOrder": "labeldesk.api.client",
    "WixLabelsClient": "labeldesk.api.client",
    "RateBudget": "labeldesk.api.retry",
    "RetryPolicy": "labeldesk.api.retry",
    "LabelPage": "labeldesk.api.wire",
}
__all__ = [
    "DEFAULT_BASE_URL",
    "LabelPage",
    "RateBudget",
    "RetryPolicy",
    "Sort",
    "SortOrder",
    "WixLabelsClient",
    "validate_base_url",
]

if TYPE_CHECKING:
    from labeldesk.api.client import Sort, SortOrder, WixLabelsClient
    from labeldesk.api.retry import RateBudget, RetryPolicy
    from labeldesk.api.urls import DEFAULT_BASE_URL, validate_base_url
    from labeldesk.api.wire import LabelPage


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'labeldesk.api' has no attribute {name!r}")
