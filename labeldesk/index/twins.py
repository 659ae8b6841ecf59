"""Finding a label whose name looks like another: an index over domain's near-duplicate rule."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import Enum
from typing import Final

import msgspec

from labeldesk.domain import Label, clean_name, near_duplicate_form, near_duplicate_forms, same_name_form

#: How many labels ``NearDuplicates.of`` takes in one C-speed step.
_SLICE = 2048


class Checking(Enum):
    """What a near-duplicate lookup answers while its index is still being made: ask again later."""

    CHECKING = "checking"


CHECKING: Final = Checking.CHECKING


class NearDuplicates(msgspec.Struct):
    """Label keys by the near-duplicate form of their names (domain.near_duplicate_form, the one
    rule for building, keeping and asking the index; never a form borrowed from the search texts).

    Kept up to date as labels change (:meth:`add`, :meth:`forget`) rather than made anew: making it
    runs the rule over every label. A form is in exactly one of the two dicts: nearly every form
    belongs to one label, kept as a plain string (no set per label for the collector to walk).
    """

    #: The key of the one label with each form.
    one: dict[str, str] = msgspec.field(default_factory=dict)
    #: The keys of the labels that share a form (two or more).
    several: dict[str, set[str]] = msgspec.field(default_factory=dict)

    @classmethod
    def of(cls, labels: Mapping[str, Label]) -> NearDuplicates:
        """The index of ``labels`` (by key).

        Made a slice of labels at a time: a worker makes a big site's, and one C-speed pass over every
        label would hold the interpreter lock (that the GUI thread waits for) until it ended.
        """
        keys = list(labels)
        index = cls()
        forms: list[str] = []
        for start in range(0, len(keys), _SLICE):
            part = keys[start : start + _SLICE]
            part_forms = near_duplicate_forms([labels[key].display_name for key in part])
            index.one.update(zip(part_forms, part, strict=True))
            forms += part_forms
        if len(index.one) < len(keys):  # some labels share a form
            shared = index.several
            for form, key in zip(forms, keys, strict=True):
                if index.one[form] != key or form in shared:
                    shared.setdefault(form, set()).add(key)
            for form, keys_of_form in shared.items():
                keys_of_form.add(index.one.pop(form))
        return index

    def add(self, key: str, name: str) -> None:
        form = near_duplicate_form(name)
        if form in self.several:
            self.several[form].add(key)
        elif self.one.setdefault(form, key) != key:
            self.several[form] = {self.one.pop(form), key}

    def forget(self, key: str, name: str) -> None:
        """Take out ``key``, whose name was ``name``."""
        form = near_duplicate_form(name)
        keys = self.several.get(form)
        if keys is not None:
            keys.discard(key)
            if len(keys) == 1:
                self.one[form] = keys.pop()
                del self.several[form]
        elif self.one.get(form) == key:
            del self.one[form]

    def _keys(self, form: str) -> Collection[str]:
        one = self.one.get(form)
        return (one,) if one is not None else self.several.get(form, ())

    def closest(self, name: str, labels: Mapping[str, Label], ignore_key: str | None = None) -> Label | None:
        """The label of ``labels`` (the ones indexed) whose name looks like ``name``; None if none.

        Of several, the closest: the very same name, then the same but for case, then the lowest key.
        """
        found = [labels[key] for key in self._keys(near_duplicate_form(name)) if key != ignore_key]
        if not found:
            return None
        cleaned, same = clean_name(name), same_name_form(name)

        def closeness(label: Label) -> tuple[bool, bool, str]:
            return label.display_name != cleaned, same_name_form(label.display_name) != same, label.key

        return min(found, key=closeness)
