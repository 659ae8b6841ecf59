"""The bundle's entry point: the same as the ``labeldesk`` command."""

import multiprocessing
import sys

from labeldesk.__main__ import main

if __name__ == "__main__":
    # The sync engine runs in a process started with multiprocessing's spawn method (on Linux a first
    # start forks it instead: see labeldesk/engine/entry.py): in the bundle a spawned process is this
    # same executable, which must then become the engine, not a second window.
    multiprocessing.freeze_support()
    sys.exit(main())
