"""The contacts facets endpoint (ListFacets, contract section 6.7): how many contacts carry each label."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from labeldesk.emulator.records import Contact, StoredLabel


def label_facets(labels: Mapping[str, StoredLabel], contacts: Collection[Contact]) -> list[dict[str, Any]]:
    """Every facet, unpaged: all contacts, the contacts with no label, then each label (in ``labels``' order)
    with at least one contact, with its count and the contacts query that finds them."""
    counts: dict[str, int] = {}
    not_labeled = 0
    for contact in contacts:
        if not contact.label_keys:
            not_labeled += 1
        for key in contact.label_keys:
            counts[key] = counts.get(key, 0) + 1
    facets: list[dict[str, Any]] = [
        {"facetType": "ALL_CONTACTS", "count": len(contacts)},
        {"facetType": "NOT_LABELED", "count": not_labeled},
    ]
    for key, label in labels.items():
        if counts.get(key):
            facets.append(
                {
                    "facetType": "LABEL",
                    "namespace": label.namespace,
                    "namespaceDisplayName": label.namespace_display_name,
                    "facetKey": key,
                    "facetDisplayName": label.display_name,
                    "count": counts[key],
                    # (a Struct, so a JSON object on the wire: contract 6.7)
                    "queryFilter": {"info.labelKeys": {"$hasSome": [key]}},
                }
            )
    return facets
