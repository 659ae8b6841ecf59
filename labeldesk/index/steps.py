"""Copies of strings laid side by side in memory, for the scans a keystroke makes."""

from __future__ import annotations

from collections.abc import Iterable


def side_by_side(strings: Iterable[str]) -> list[str]:
    """New copies of ``strings``, made one after another so they sit side by side in memory.

    Each keystroke scans the search texts (and copies the keys) in the table's order. The labels'
    own strings were made in the service's order and lie scattered in that order; scanning them
    sorted by name costs a cache miss each, where copies made in order are read straight through.
    """
    return [(text + "\0")[:-1] for text in strings]
