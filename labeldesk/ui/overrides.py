"""Qt overrides (data, headerData, sort, a paint...) that never let an exception reach Qt's C++."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_seen_failures: set[tuple[str, str]] = set()


def log_override_failure(where: str) -> None:
    """Log the exception being handled, raised inside a Qt override (a bug, or data we didn't foresee).

    The full traceback once for each place and kind of error, so a paint that meets the same bad
    value in every cell doesn't fill the log; later ones at debug level.
    """
    kind = type(sys.exc_info()[1]).__name__
    if (where, kind) in _seen_failures:
        log.debug("%s failed again (%s)", where, kind)
        return
    _seen_failures.add((where, kind))
    log.exception("%s failed; carrying on without it", where)


def never_fatal(fallback: object = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """For a Qt override (data, headerData, sort, a paint...): an exception is logged and ``fallback``
    returned instead. An exception escaping into Qt's C++ from a virtual call can take the whole
    process down (a segmentation fault at the first paint), and every later start with it when the
    offending value is in the saved copy."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        where = method.__qualname__

        @functools.wraps(method)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except Exception:
                log_override_failure(where)
                return fallback  # type: ignore[return-value]

        return guarded

    return decorate
