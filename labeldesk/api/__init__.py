"""The Wix Labels API adapter: an httpx client, the wire format and typed errors. No Qt here."""

from labeldesk.api.client import DEFAULT_BASE_URL, Sort, SortOrder, WixLabelsClient, validate_base_url
from labeldesk.api.retry import RateBudget, RetryPolicy
from labeldesk.api.wire import LabelPage

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
