"""The bundle's entry point: the same as the ``labeldesk`` command."""

import sys

from labeldesk.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
