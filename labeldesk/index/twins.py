"""Finding a label whose name looks like another: an index over domain's near-duplicate rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from labeldesk.domain import Label, clean_name, near_duplicate_form, same_name_form


@dataclass(eq=True)
class NearDuplicates:
    """Label keys by the near-duplicate form of their names (domain.near_duplicate_form, the one
    rule for building, keeping and asking the index; never a form borrowed from the search texts).

    Kept up to date as labels change (:meth:`add`, :meth:`forget`) rather than made anew: making it
    runs the rule over every label.
    """

    forms: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, labels: Mapping[str, Label]) -> NearDuplicates:
        """The index of ``labels`` (by key)."""
        index = cls()
        for key, label in labels.items():
            index.add(key, label.display_name)
        return index

    def add(self, key: str, name: str) -> None:
        self.forms.setdefault(near_duplicate_form(name), set()).add(key)

    def forget(self, key: str, name: str) -> None:
        """Take out ``key``, whose name was ``name``."""
        form = near_duplicate_form(name)
        keys = self.forms.get(form)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.forms[form]

    def closest(self, name: str, labels: Mapping[str, Label], ignore_key: str | None = None) -> Label | None:
        """The label of ``labels`` (the ones indexed) whose name looks like ``name``; None if none.

        Of several, the closest: the very same name, then the same but for case, then the lowest key.
        """
        found = [labels[key] for key in self.forms.get(near_duplicate_form(name), ()) if key != ignore_key]
        if not found:
            return None
        cleaned, same = clean_name(name), same_name_form(name)

        def closeness(label: Label) -> tuple[bool, bool, str]:
            return label.display_name != cleaned, same_name_form(label.display_name) != same, label.key

        return min(found, key=closeness)
