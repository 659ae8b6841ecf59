"""Where an engine begins: small, so that the window's process can name these without importing the
engine itself (a spawned process imports the module its target lives in; this one loads nothing)."""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Any


def engine_process(conn: Connection, log_conn: Connection, level: int) -> None:
    """The target of the engine's own process (see labeldesk.engine.serve.process_main)."""
    from labeldesk.engine.serve import process_main

    process_main(conn, log_conn, level)


def engine_thread(conn: Connection, clients: dict[int, Any]) -> None:
    """The target of an engine on a thread of the window's process (tests)."""
    from labeldesk.engine.serve import serve

    serve(conn, clients)
