"""``labeldesk`` / ``python -m labeldesk``: the command line, handed over to the app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from labeldesk.app import run

    code = run(sys.argv[1:] if argv is None else argv)
    _leave_without_waiting_for_the_network(code)
    return code


def _leave_without_waiting_for_the_network(code: int) -> None:
    """End the process now, without Python's and Qt's clean-up at exit.

    By now the window is gone, the settings are saved and synced, the sites file is written and
    the cache is closed (run() waited for its writes). What is left is waiting: a request stuck on
    a slow network would keep the process alive until its read timeout (20 s), since Python waits
    for its threads at exit and Qt for its thread pools. Only the log needs flushing.
    """
    import logging
    import os

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
