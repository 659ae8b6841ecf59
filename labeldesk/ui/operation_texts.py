"""Every sentence about contacts, merges and Recently deleted, as plain functions of their inputs.

Qt-free (a test proves it), beside status_texts.py. Label names are quoted with ``domain.quoted`` and
contacts named with ``Contact.shown``; the widgets that show these never read rich text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from labeldesk.api.errors import in_context
from labeldesk.contacts import Contact
from labeldesk.domain import quoted
from labeldesk.ui.status_texts import describe_when

#: How long Recently deleted keeps a label (the engine prunes older entries).
KEPT_DAYS = 30
RESTORABLE = f"You can restore it from Recently deleted for {KEPT_DAYS} days."
RESTORABLE_MANY = f"You can restore them from Recently deleted for {KEPT_DAYS} days."
NOTHING_DELETED = "No deleted labels to restore."
SELECT_ONE_FOR_CONTACTS = "Select one label to see its contacts."
NO_SITE_FOR_CONTACTS = "Open a site to see the contacts of its labels."
LOADING_CONTACTS = "Loading contacts…"
CHECKING_MERGE = "Checking which contacts have these labels…"
STOPPING_MERGE = "Stopping before anything is deleted…"
MERGE_HELP = (
    "Every contact that has one of the other labels gets the label that stays. Then the other labels are deleted."
)


def contacts(count: int) -> str:
    """'1 contact', '1,234 contacts'."""
    return "1 contact" if count == 1 else f"{count:,} contacts"


def either_of(names: Sequence[str]) -> str:
    """Quoted names joined for a sentence: ‘a’, ‘a’ or ‘b’, ‘a’, ‘b’ or ‘c’ (``joiner`` "or")."""
    return _joined(names, "or")


def both_of(names: Sequence[str]) -> str:
    """Quoted names joined with "and"."""
    return _joined(names, "and")


def _joined(names: Sequence[str], joiner: str) -> str:
    shown = [quoted(name) for name in names]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} {joiner} {shown[-1]}"


# -- the contacts panel -------------------------------------------------------------------------------


def contacts_count(shown: int, loaded: int, total: int | None, *, more: bool, searching: bool) -> str:
    """The panel's count: '34 contacts', '3 of 34 contacts' while a search hides some, 'At least 1,000
    contacts' when Wix can't count them and pages follow, '3 found so far…' while a search still reads
    pages ('0 of 300 contacts' then would read as nothing found), 'No contacts' for none."""
    if searching and more:
        return f"{shown:,} found so far…"
    if total is None:
        total = loaded
        if more:
            return f"At least {contacts(total)}"
    if searching and shown != total:
        return f"{shown:,} of {contacts(total)}"
    return contacts(total) if total else "No contacts"


def contacts_title(name: str) -> str:
    return f"Contacts with {quoted(name)}"


def saved_copy_note(synced_at: datetime | None) -> str:
    """Offline: the panel shows the contacts as they were last read."""
    return f"Offline: saved copy from {describe_when(synced_at)}."


def contacts_failed(error: BaseException) -> str:
    return in_context("Couldn't load the contacts", error, "Select the label again to try again.")


def copied_emails(count: int, without: int) -> str:
    """Ctrl+Shift+C copied ``count`` emails; ``without`` of the selected contacts have none."""
    if count == 0:
        return "None of the selected contacts has an email."
    said = "Copied 1 email." if count == 1 else f"Copied {count:,} emails."
    if without:
        said += f" {contacts(without)} had no email."
    return said


# -- merging --------------------------------------------------------------------------------------------


def merge_preview(
    target: str, sources: Sequence[str], adds: int, held: int | None = None, carriers: int | None = None
) -> str:
    """The dry run: "Adds ‘VIP’ to 41 contacts that have ‘vip’ or ‘V.I.P.’; then deletes ‘vip’ and ‘V.I.P.’".
    ``held``: how many contacts carry the sources (None: not known); ``carriers``: the same, each contact
    once: those beyond ``adds`` have the target already, and are said, so the result's count (every contact
    that had a source) matches what was promised."""
    deletes = f"then deletes {both_of(sources)}"
    if adds == 0 and held == 0:  # ("every contact with ‘vip’ has ‘VIP’" of none reads as a riddle)
        return f"No contact has {either_of(sources)}, so no contact changes; the merge only deletes {both_of(sources)}."
    if adds == 0:
        return f"Every contact with {either_of(sources)} has {quoted(target)} already; {deletes}."
    have = "has" if adds == 1 else "have"
    already = (carriers or 0) - adds
    more = f" ({already:,} more {'has' if already == 1 else 'have'} it already)" if already > 0 else ""
    return f"Adds {quoted(target)} to {contacts(adds)} that {have} {either_of(sources)}{more}; {deletes}."


SELECT_CONTACTS_FIRST = "Select contacts in the Contacts panel first (F6 goes there, Ctrl+A selects them all)."
NO_CONTACTS_TO_COPY = "There are no contacts here to copy emails from."


def merge_onto_managed(target: str) -> str:
    """Above the note when the label that stays is Wix's or an app's."""
    return (
        f"{quoted(target)} is managed by Wix or an app, which may act on every contact that gets it "
        "(automations, emails). Restoring the merged labels later won't take it off them again."
    )


def merge_preview_note(sources: Sequence[str]) -> str:
    """Under the dry run: what can be undone."""
    them = "it" if len(sources) == 1 else "them"
    return (
        f"If any contact can't be given the label, nothing is deleted. You can restore the deleted "
        f"label{'' if len(sources) == 1 else 's'} from Recently deleted for {KEPT_DAYS} days; "
        f"restoring puts {them} back on {'its' if len(sources) == 1 else 'their'} contacts, and the label that "
        "stays keeps them too."
    )


def merge_title(count: int) -> str:
    return f"Merge {count} labels"


def step_words(kind: str, step: str, done: int, total: int | None) -> str:
    """An operation's progress ("labelling" 40 of 81) in words."""
    what = {
        "reading": "Reading the contacts",
        "labelling": "Labelling contacts",
        "deleting": "Deleting the merged labels" if kind == "merge" else "Deleting",
        "creating": "Creating the label again",
    }.get(step, "Working")
    if step == "labelling" and total is not None:
        return f"{what}: {done:,} of {total:,}…"
    if step == "deleting" and total is not None and total > 1:
        return f"{what}: {done:,} of {total:,}…"
    return f"{what}…"


def operation_started(kind: str, *, resumed: bool) -> str:
    if resumed:
        what = "merge" if kind == "merge" else "restore"
        return f"Finishing a {what} that was interrupted when LabelDesk last closed…"
    return "Merging labels…" if kind == "merge" else "Restoring the label…"


def operation_cut_short(kind: str, *, written_down: bool) -> str:
    """A merge or restore whose engine stopped under it (see LabelOperations): ``written_down`` in the
    saved copy's journal (finished at the next start), or not (no saved copy: it can't be)."""
    what = "merge" if kind == "merge" else "restore"
    said = f"LabelDesk's connection to Wix stopped during the {what}. "
    if written_down:
        return said + f"Its steps are written down: the {what} finishes the next time you open this site."
    return said + (
        f"With no saved copy to note its steps in, it can't be finished: press F5 to see what it changed"
        f"{', and what it deleted' if kind == 'merge' else ''}."
    )


def merge_done(target: str, removed: Sequence[str], changed: int, *, restore_note: bool = True) -> str:
    """A merge finished: ``removed`` are the deleted labels' names (or keys, when their names are gone);
    ``changed``: the contacts the jobs went through (those that had the target already included).
    ``restore_note``: end with where the deleted labels can be restored from (the status bar leaves it out)."""
    if not removed:
        return f"{contacts(changed)} {'has' if changed == 1 else 'have'} {quoted(target)} now."
    them = "it" if len(removed) == 1 else "them"
    merged = f"Merged {both_of(removed)} into {quoted(target)}"
    if changed == 0:
        said = f"{merged}; no contacts had {them}."
    elif changed == 1:
        said = f"{merged}: the one contact that had {them} has {quoted(target)} now."
    else:
        said = f"{merged}: the {contacts(changed)} that had {them} have {quoted(target)} now."
    if restore_note:
        said += f" {RESTORABLE_MANY if len(removed) > 1 else RESTORABLE}"
    return said


def restore_done(
    name: str, changed: int, meant: int, *, old_key: str | None, new_key: str | None, existed: bool = False
) -> str:
    """ "Restored ‘Newsletter’ on 23 of 24 contacts (1 contact no longer exists)." and, when the key
    changed, which key it has now; ``existed``: a label of that name was already there and took them."""
    if meant == 0:
        said = f"Restored {quoted(name)}. No contacts had it when it was deleted."
    elif changed >= meant:
        said = f"Restored {quoted(name)} on {'the 1 contact' if meant == 1 else f'all {meant:,} contacts'} that had it."
    else:
        gone = meant - changed
        verb = "no longer exists" if gone == 1 else "no longer exist"
        said = f"Restored {quoted(name)} on {changed:,} of {contacts(meant)} ({contacts(gone)} {verb})."
    if existed:
        on = f" (key {new_key})" if new_key is not None and new_key != old_key else ""
        said += (
            f" A label named {quoted(name)} was already on the site again{on}, so the contacts were put back"
            " on it; the contacts it had keep it too."
        )
    elif new_key is not None and new_key != old_key:
        was = f" (it was {old_key})" if old_key is not None else ""
        said += f" Wix gave it a new key, {new_key}{was}: anything that used the old key needs the new one."
    return said


def operation_failed(
    kind: str, error: BaseException, failed: Sequence[Contact], removed: int, *, target: str | None
) -> str:
    """A merge or restore stopped: why (the error's own words), which contacts couldn't be labelled,
    and, for a merge, what was deleted."""
    what = "The merge stopped" if kind == "merge" else "The restore stopped"
    # (an error that already says "The merge was stopped…" needs no "The merge stopped:" before it)
    said = str(error) if str(error).startswith(what.rsplit(" ", 1)[0]) else in_context(what, error)
    if failed:
        named = [contact.shown for contact in failed[:5]]
        more = len(failed) - len(named)
        listed = ", ".join(named) + (f" and {more:,} more" if more else "")
        label = "the label" if target is None else quoted(target)
        said += f" {'The contact' if len(failed) == 1 else 'The contacts'} that couldn't be given {label}: {listed}."
    if kind == "merge":
        if removed:
            said += f" {removed} of the merged labels had been deleted already."
        elif not any(
            words in said.casefold()
            for words in ("nothing was deleted", "before anything was deleted", "what it deleted", "finishes the next")
        ):
            said += " Nothing was deleted."
    return said


# -- Recently deleted ------------------------------------------------------------------------------------


def deleted_when(moment: datetime | None, now: datetime | None = None) -> str:
    """When an entry was deleted; an entry whose delete Wix never confirmed says so."""
    if moment is None:
        return "Not confirmed by Wix"
    return describe_when(moment, now)


def restore_target(name: str) -> str:
    return f"Restore {quoted(name)}"
