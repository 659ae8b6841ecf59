"""ErrorInfo: an exception as it crosses the engine's wire (rebuilt by labeldesk.engine.protocol.rebuild_error)."""

from __future__ import annotations

from typing import Any

import msgspec


class ErrorInfo(msgspec.Struct, frozen=True):
    """An exception, as it crosses the wire (see rebuild_error)."""

    kind: str
    message: str
    state: dict[str, Any] = {}
