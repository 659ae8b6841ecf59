"""``labeldesk`` / ``python -m labeldesk``: the command line, handed over to the app."""

from __future__ import annotations

import sys
from collections.abc import Callable


def main(argv: list[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # (from the source tree this does nothing: not worth the import)
        import multiprocessing

        multiprocessing.freeze_support()  # a spawned sync engine becomes the engine here
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
    _hand_over_the_clipboard(lambda: os._exit(code))
    os._exit(code)


#: The longest a quit waits for the desktop's clipboard manager to take what LabelDesk copied, in
#: seconds. A manager that answers takes a few milliseconds; one that never answers (xfce4-clipman:
#: a known Xfce bug) would hold a Qt app for Qt's own 5 s.
CLIPBOARD_HAND_OVER_SECONDS = 1.5


def _hand_over_the_clipboard(leave: Callable[[], object], limit: float = CLIPBOARD_HAND_OVER_SECONDS) -> bool:
    """When what was last copied is LabelDesk's, let the system keep it before the quick exit. True if so.

    What a program copies stays with that program until someone pastes it. At exit Qt offers it to
    the desktop's clipboard manager (X11: QXcbClipboard asks CLIPBOARD_MANAGER to SAVE_TARGETS;
    Windows: OleFlushClipboard), in the application object's destructor, which os._exit skips. So
    when LabelDesk owns the clipboard, that destructor runs first, and only it: the windows, their
    workers and the network are left as they are (deleting those could wait on a stuck request).
    If it takes longer than ``limit`` seconds, ``leave()`` (the exit) is called from a watchdog.
    """
    gui = sys.modules.get("PySide6.QtGui")
    app = gui.QGuiApplication.instance() if gui is not None else None
    if app is None or not app.clipboard().ownsClipboard():
        return False
    import threading

    import shiboken6

    watchdog = threading.Timer(limit, leave)
    watchdog.daemon = True
    watchdog.start()
    try:
        shiboken6.delete(app)
    finally:
        watchdog.cancel()
    return True


if __name__ == "__main__":
    sys.exit(main())
