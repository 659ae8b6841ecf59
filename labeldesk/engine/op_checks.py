"""The checks and single requests of a merge and a restorable delete (see labeldesk.engine.operations)."""

from __future__ import annotations

from typing import Any

from labeldesk.api.errors import CancelledError, LabelNotFoundError
from labeldesk.domain import Label, LabelType, quoted
from labeldesk.engine.op_errors import MergeRefusedError
from labeldesk.errors import KnownError


def check_merge(client: Any, target: str, sources: list[str]) -> dict[str, Label]:
    """The labels of a merge, read in one request (contract 5: key $in); MergeRefusedError when one is
    missing, a source is the target, or a source is a label Wix or an app manages (never deleted)."""
    keys = [target, *sources]
    found = {label.key: label for label in client.query_labels(filter={"key": {"$in": keys}}, limit=len(keys)).labels}
    for key in keys:
        if key not in found:
            raise MergeRefusedError("One of the labels to merge no longer exists. Refresh and try again.", key)
    if not sources or target in sources:
        raise MergeRefusedError("Choose at least one label to merge into another one.", target)
    for source in sources:
        label = found[source]
        if label.label_type is not LabelType.USER_DEFINED:
            raise MergeRefusedError(
                f"{quoted(label.display_name)} is managed by Wix or an app, so it can be the label that stays in "
                "a merge but can't be merged away.",
                source,
            )
    return found


def refused(error: BaseException, *, had_contacts: bool) -> bool:
    """Whether a delete that raised ``error`` surely didn't delete: Wix answered no (a 403, a 404 for a label
    nobody carried). A cut connection, a timeout, a 5xx or the client closed mid-request (CancelledError) may
    have reached Wix, and a 404 for a label contacts carried at the read means it went since (our own first
    try, its answer lost as a 5xx, say): its Recently deleted entry must stay."""
    if isinstance(error, LabelNotFoundError) and had_contacts:
        return False
    return isinstance(error, KnownError) and not error.retryable and not isinstance(error, CancelledError)


def holders_job(client: Any, source: str, target: str) -> list[str]:
    """One job that adds ``target`` to every contact carrying ``source`` (contract 6.4), as a list of job ids."""
    return [client.label_holders_job(source, add=[target])]
