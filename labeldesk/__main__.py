"""``labeldesk`` / ``python -m labeldesk``: the command line, handed over to the app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from labeldesk.app import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
