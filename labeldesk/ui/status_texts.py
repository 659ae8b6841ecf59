"""Every sentence the window's status bar, banners and empty table say, as plain functions of their inputs.

Qt-free (a test proves it), so each wording can be tested on its own. Label names in them are quoted
with ``domain.quoted`` and stay plain text: the widgets that show them never read rich text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from labeldesk.api.errors import (
    IncompleteReadError,
    LabelNotFoundError,
    PermissionDeniedError,
    WixError,
    in_context,
)
from labeldesk.api.errors import TimeoutError as SlowAnswerError
from labeldesk.domain import FindOrCreateResult, Label, quoted, shown_name

#: The status bar's words and their kind: "info", "done" or "error" (what the icon and colour show).
Said = tuple[str, str]

DEMO_BANNER = (
    "Demo site: a built-in copy of Wix's Labels API with a café's labels. "
    "Try anything; changes are forgotten when LabelDesk closes."
)
SESSION_ONLY_BANNER = "This site's API key is kept for this session only: you'll need to enter it again next time."
SAVED_COPY_DAMAGED = (
    "The saved copy of this site's labels was damaged. LabelDesk set it aside and is rebuilding it from Wix."
)
SAVED_COPY_SKIPPED = (
    "LabelDesk closed unexpectedly the last time it showed this site's saved labels, so it doesn't show "
    "them now. It loads them fresh from Wix instead."
)
CONNECTED_AGAIN = "Connected to Wix again."
TRYING_TO_REACH_WIX = "Trying to reach Wix…"
SIGN_IN_HINT = "Sign in to a Wix site to see its labels."
NO_SITE_SIGNED_IN = "no site is signed in yet (sign in, or use --demo)"
SITE_CHANGED_WHILE_ASKING = "Nothing was deleted: the site changed while LabelDesk was asking."
NO_SITE_HINT = "No site is open.\nSign in to your Wix site, or open the demo site from the site menu."
LOADING_HINT = "Loading labels…"
NO_LABELS_HINT = "This site has no labels yet.\nClick New label (Ctrl+N) to create the first one."
#: (Said whether the search, the type filter or both hide every label: it names both.)
NO_MATCH_HINT = "No labels match the search and the type filter.\nPress Esc to clear the search, or choose All types."
OFFLINE_NO_COPY = "Offline — LabelDesk can't reach Wix. It keeps trying in the background."


def describe_when(moment: datetime | None, now: datetime | None = None) -> str:
    """'today 10:42', 'yesterday 18:05', 'Tuesday 10:42' within a week, else '3 Mar 2026 10:42'."""
    if moment is None:
        return "at an unknown time"
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).date()
    days = (today - local.date()).days
    clock = f"{local:%H:%M}"
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"yesterday {clock}"
    if 1 < days < 7:
        return f"{local:%A} {clock}"
    return f"{local.day} {local:%b %Y} {clock}"


def stale_hint(synced_at: datetime | None, now: datetime | None = None) -> str:
    """A warning (with a leading space) when the saved copy is more than a day old; else ''."""
    if synced_at is None:
        return ""
    age = (now or datetime.now().astimezone()) - synced_at
    if age.total_seconds() <= 86_400:
        return ""
    days = int(age.total_seconds() // 86_400)
    return f" They may be out of date: the last sync was {days} day{'s' if days != 1 else ''} ago."


def unreadable_note(count: int) -> str | None:
    """What to say when a refresh left out ``count`` labels that Wix sent but LabelDesk couldn't read."""
    if count <= 0:
        return None
    if count == 1:
        return "1 label from Wix couldn't be read, so it isn't shown."
    return f"{count:,} labels from Wix couldn't be read, so they aren't shown."


def locked_reason(label: Label) -> str:
    """Why ``label`` can't be renamed or deleted, naming it: the one wording for F2, Del and double-click."""
    return f"{quoted(label.display_name)}: {label.not_editable_reason or ''}"


def several_locked(labels: Sequence[Label]) -> str:
    """Why a selection holding ``labels`` (two or more of Wix's or apps' labels) can't be deleted, naming
    the first few."""
    names = ", ".join(quoted(label.display_name) for label in labels[:3])
    more = f" and {len(labels) - 3:,} more" if len(labels) > 3 else ""
    return f"{names}{more} are Wix's or apps' labels, which can't be deleted here. Select only your own labels."


def again_advice(error: WixError) -> str:
    """The advice after a failed load: press F5, unless only a change elsewhere and a new start can help."""
    return "Press F5 to load them again." if error.asking_again_helps else ""


def slow_retry_words(*, waits_longer: bool, slow_tries: int) -> str:
    """What the background tries of a slow read do next (see LabelsController._lengthen_read_timeout)."""
    if not waits_longer:
        return "LabelDesk will keep trying in the background."
    if slow_tries > 1:
        return "LabelDesk is still trying, waiting longer this time."
    return "LabelDesk will try again in a moment, and wait longer for the answer."


def refresh_failed(
    error: WixError, *, shown: int, paused: bool, synced_at: datetime | None, slow_words: str
) -> str | None:
    """The status bar after a refresh failed with ``shown`` labels in the table; None says nothing
    (the key was refused: the sign-in that follows says why)."""
    if isinstance(error, SlowAnswerError):  # reachable, just slow: not "can't reach", not offline
        done = "loaded" if shown == 0 else "refreshed"
        return f"Wix is answering slowly, so the labels couldn't be {done} yet. {slow_words}"
    if error.unreachable:
        return in_context("Can't reach Wix", error)
    if isinstance(error, IncompleteReadError) and shown:
        # The controller applied none of it: the table and the saved copy are as they were.
        return (
            f"The refresh was incomplete: {error.message} LabelDesk kept the labels it already had. "
            "Press F5 to try again."
        )
    if paused:
        return None
    what = "Couldn't load the labels" if shown == 0 else "Couldn't refresh the labels"
    return in_context(what, error, again_advice(error)) + stale_hint(synced_at)


def first_load_failed_hint(error: WixError, *, slow_words: str) -> str:
    """What the empty table says when the first load failed (slow ones are tried again by themselves)."""
    if isinstance(error, SlowAnswerError):
        return f"Wix is answering slowly, so the labels couldn't be loaded yet.\n\n{slow_words}"
    return f"Couldn't load the labels.\n{shown_name(in_context('', error, again_advice(error)))}"


def idle_message(last_refreshed: datetime | None, unreadable: str | None, counts_problem: str | None) -> str:
    """The status bar once a refresh is done: when it was, and what is missing from it."""
    parts = []
    if last_refreshed is not None:
        parts.append(f"Last refreshed {last_refreshed:%H:%M}")
    if unreadable:
        parts.append(unreadable)
    if counts_problem:
        parts.append(counts_problem)
    return " · ".join(parts)


def counts_problem(error: WixError) -> str:
    """Why the Contacts column is empty."""
    if isinstance(error, PermissionDeniedError):
        return "Contact counts need the “Read Contacts” permission on this API key."
    return in_context("Contact counts are unavailable", error)


def showing_saved(synced_at: datetime | None, *, signed_in: bool = True) -> str:
    """The status bar while the table shows the saved copy (checking Wix, or waiting for a sign-in)."""
    if not signed_in:  # not "checking Wix for changes": without a key nothing is being checked
        return f"Showing labels saved {describe_when(synced_at)}; sign in to check Wix for changes."
    return f"Showing labels saved {describe_when(synced_at)}; checking Wix for changes…"


def refreshing(*, loaded_once: bool) -> str:
    return "Refreshing…" if loaded_once else "Loading labels…"


def offline_banner(synced_at: datetime | None, *, rows_shown: bool) -> str:
    """The red banner while Wix can't be reached."""
    if synced_at is not None and rows_shown:
        return f"Offline — showing labels saved {describe_when(synced_at)}.{stale_hint(synced_at)}"
    return OFFLINE_NO_COPY


def address_banner(where: str) -> str:
    """Names the address the window talks to when it isn't Wix (``Site.where``)."""
    return (
        f"{where}. The labels shown are that server's; your Wix keys are never sent there, and "
        "LabelDesk doesn't open this address again by itself."
    )


def label_count(shown: int, total: int) -> str:
    """The status bar's count: '45 labels', or '3 of 45 labels' while a search or filter hides some."""
    noun = "label" if total == 1 else "labels"
    return f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}"


def empty_table_hint(*, site_open: bool, loaded_once: bool, shown: int, total: int) -> str | None:
    """What the empty table says; None keeps what it said (it is hidden while rows are shown)."""
    if not site_open:
        return NO_SITE_HINT
    if not loaded_once:
        return LOADING_HINT
    if total == 0:
        return NO_LABELS_HINT
    if shown == 0:
        return NO_MATCH_HINT
    return None


def write_failed(doing: str, error: WixError) -> str:
    """A create, rename or delete failed; ``doing`` is its "Renaming ‘VIP’…"."""
    return in_context(f"{doing.rstrip('…')} failed", error)


def vanished(labels: Sequence[Label]) -> str:
    """Labels a rename or delete found gone from Wix."""
    if len(labels) == 1:
        return f"{quoted(labels[0].display_name)} was deleted elsewhere, so it has been removed from the list."
    return f"{len(labels)} labels were deleted elsewhere, so they have been removed from the list."


def deletes_done(done: Sequence[Label], failures: Sequence[tuple[Label, WixError]]) -> tuple[str, str, str | None]:
    """What a delete of one or more labels ended with: (text, kind, details for support)."""
    gone = [label for label, error in failures if _is_gone(error)]
    real_failures = [(label, error) for label, error in failures if not _is_gone(error)]
    if real_failures:
        label, error = real_failures[0]
        extra = f" ({len(real_failures) - 1} more failed too.)" if len(real_failures) > 1 else ""
        return in_context(f"Couldn't delete {quoted(label.display_name)}", error) + extra, "error", error.details
    if len(done) == 1 and not gone:
        return f"Deleted {quoted(done[0].display_name)}.", "done", None
    if gone and not done:
        return vanished(gone), "info", None
    return f"Deleted {len(done) + len(gone)} labels.", "done", None


def _is_gone(error: WixError) -> bool:
    return isinstance(error, LabelNotFoundError)


def created(result: FindOrCreateResult) -> Said:
    """A label made in the New label dialog (or found already there)."""
    name = quoted(result.label.display_name)
    if result.created:
        return f"Created {name}.", "done"
    if result.created is None:
        return (
            f"{name} is saved. The connection dropped on the way, so LabelDesk can't tell whether it was new.",
            "done",
        )
    return f"{name} already existed, so nothing was created. It is selected.", "info"


def renamed(before: Label, after: Label) -> str:
    return f"Renamed {quoted(before.display_name)} to {quoted(after.display_name)}."


def copied_keys(keys: Sequence[str]) -> str:
    if len(keys) == 1:
        return f"Copied the key {shown_name(keys[0], 80)}."
    return f"Copied {len(keys)} keys."


def deleting(count: int) -> str:
    return f"Deleting {count} labels…"


def opening(site_title: str) -> str:
    return f"Opening {site_title}…"


def signed_out(site_title: str) -> str:
    return f"Signed out of {site_title}. Its API key was removed."


def key_refused(site_title: str, error: WixError) -> str:
    """The key was refused: the error says what happened to it and what to do; the site's name says which key."""
    return f"{site_title}: {error.message}"


def still_saving(changes: Sequence[str]) -> tuple[str, str]:
    """The question on quitting with ``changes`` ("Deleting ‘VIP’…") in flight: (text, informative text)."""
    count = len(changes)
    head = "1 change is still being saved:" if count == 1 else f"{count} changes are still being saved:"
    them, they = ("it", "it") if count == 1 else ("them", "they")
    return (
        "\n".join([head, *changes]),
        f"Wait, and LabelDesk closes by itself once Wix has {them}. If you quit now, {they} may not be saved.",
    )


def still_operating(kinds: Sequence[str]) -> tuple[str, str]:
    """The question on quitting while merges or restores (``kinds``) run: (text, informative text)."""
    merges, restores = kinds.count("merge"), len(kinds) - kinds.count("merge")
    parts = [f"{n} {what}{'' if n == 1 else 's'}" for n, what in ((merges, "merge"), (restores, "restore")) if n]
    if len(kinds) == 1:
        head = f"A {'merge' if merges else 'restore'} is still running."
    else:
        head = f"{' and '.join(parts)} are still running."
    it = "it" if len(kinds) == 1 else "them"
    return (
        head,
        f"If you quit now, LabelDesk finishes {it} the next time you open this site. "
        f"Keep LabelDesk open to see {it} end.",
    )


def closing_once_saved(count: int) -> str:
    return f"LabelDesk will close once {'the change is' if count == 1 else f'{count} changes are'} saved…"
