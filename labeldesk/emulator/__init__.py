"""A local emulator of Wix's contact Labels API (and the contacts facets endpoint).

The real service can't be reached from development machines, so tests and the demo site talk to this
instead, over real HTTP on a loopback port. ``python -m labeldesk.emulator --help`` runs it standalone.
"""

from labeldesk.emulator.faults import Fault, FaultKind, Faults, PagingFaults
from labeldesk.emulator.seeds import seed_demo, seed_empty, seed_many
from labeldesk.emulator.server import (
    DEFAULT_API_KEY,
    DEFAULT_RATE_LIMIT,
    DEFAULT_SITE_ID,
    Emulator,
    RequestRecord,
    max_in_flight,
    most_in_window,
    round_trips,
)
from labeldesk.emulator.state import ApiError, LabelStore

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_SITE_ID",
    "ApiError",
    "Emulator",
    "Fault",
    "FaultKind",
    "Faults",
    "LabelStore",
    "PagingFaults",
    "RequestRecord",
    "max_in_flight",
    "most_in_window",
    "round_trips",
    "seed_demo",
    "seed_empty",
    "seed_many",
]
