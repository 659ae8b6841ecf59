"""Every sentence the window says, as plain functions: no window, no Qt."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from labeldesk.api import errors
from labeldesk.domain import FindOrCreateResult, Label, LabelType
from labeldesk.ui import status_texts as texts

NOW = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)  # a Thursday
VIP = Label("custom.vip", "VIP", LabelType.USER_DEFINED)
CUSTOMERS = Label("contacts.customers", "Customers", LabelType.SYSTEM)


def test_the_module_loads_no_qt():
    code = (
        "import sys, labeldesk.ui.status_texts\n"
        "qt = sorted(name for name in sys.modules if name.startswith(('PySide6', 'shiboken')))\n"
        "assert not qt, qt\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (NOW - timedelta(hours=1), "today"),
        (NOW - timedelta(days=1), "yesterday"),
        (NOW - timedelta(days=3), "Monday"),
        (NOW - timedelta(days=30), "10 Feb 2026"),
    ],
)
def test_when_is_said_the_way_people_say_it(moment, said, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "UTC")  # (the words and the clock of a known zone, not a formula's)
    time.tzset()
    try:
        assert texts.describe_when(moment, NOW) == f"{said} {moment:%H:%M}"
    finally:
        monkeypatch.undo()
        time.tzset()
    assert texts.describe_when(None) == "at an unknown time"


def test_a_saved_copy_is_called_out_of_date_only_after_a_day():
    assert texts.stale_hint(None) == ""
    assert texts.stale_hint(NOW - timedelta(hours=23), NOW) == ""
    assert texts.stale_hint(NOW - timedelta(days=1, hours=1), NOW) == (
        " They may be out of date: the last sync was 1 day ago."
    )
    assert texts.stale_hint(NOW - timedelta(days=5), NOW).endswith("5 days ago.")


def test_unreadable_labels_are_counted_in_words():
    assert texts.unreadable_note(0) is None
    assert texts.unreadable_note(1) == "1 label from Wix couldn't be read, so it isn't shown."
    assert texts.unreadable_note(1200) == "1,200 labels from Wix couldn't be read, so they aren't shown."


def test_the_idle_message_joins_only_what_there_is_to_say():
    assert texts.idle_message(None, None, None) == ""
    at = datetime(2026, 3, 12, 9, 5)
    assert texts.idle_message(at, None, None) == "Last refreshed 09:05"
    assert texts.idle_message(at, "1 label from Wix couldn't be read.", "No counts.") == (
        "Last refreshed 09:05 · 1 label from Wix couldn't be read. · No counts."
    )


def test_a_failed_refresh_says_load_or_refresh_by_what_is_shown():
    error = errors.ServerError()
    first = texts.refresh_failed(error, shown=0, paused=False, synced_at=None, slow_words="")
    two_days_ago = datetime.now(UTC) - timedelta(days=2, hours=1)
    again = texts.refresh_failed(error, shown=3, paused=False, synced_at=two_days_ago, slow_words="")
    assert first is not None and first.startswith("Couldn't load the labels") and "Press F5" in first
    assert again is not None and again.startswith("Couldn't refresh the labels")
    assert again.endswith("the last sync was 2 days ago.")
    # Paused: the sign-in that follows says why; nothing more here.
    assert texts.refresh_failed(error, shown=3, paused=True, synced_at=None, slow_words="") is None


def test_a_slow_or_unreachable_wix_is_said_as_such():
    slow = texts.refresh_failed(errors.TimeoutError(), shown=0, paused=True, synced_at=None, slow_words="Soon.")
    assert slow == "Wix is answering slowly, so the labels couldn't be loaded yet. Soon."
    offline = texts.refresh_failed(errors.OfflineError(), shown=2, paused=False, synced_at=None, slow_words="")
    assert offline == errors.OfflineError.default_message  # not "Can't reach Wix: Can't reach…"
    hint = texts.first_load_failed_hint(errors.TimeoutError(), slow_words="Soon.")
    assert hint == "Wix is answering slowly, so the labels couldn't be loaded yet.\n\nSoon."


def test_an_incomplete_refresh_says_the_labels_were_kept():
    error = errors.IncompleteReadError("labels", 10, 20)
    said = texts.refresh_failed(error, shown=5, paused=False, synced_at=None, slow_words="")
    assert said is not None and "LabelDesk kept the labels it already had. Press F5 to try again." in said


def test_slow_tries_say_what_happens_next():
    assert texts.slow_retry_words(waits_longer=False, slow_tries=3) == "LabelDesk will keep trying in the background."
    assert "wait longer for the answer" in texts.slow_retry_words(waits_longer=True, slow_tries=1)
    assert "still trying" in texts.slow_retry_words(waits_longer=True, slow_tries=2)


def test_the_count_and_the_empty_table_hint():
    assert texts.label_count(1, 1) == "1 label"
    assert texts.label_count(45, 45) == "45 labels"
    assert texts.label_count(3, 10_000) == "3 of 10,000 labels"
    assert texts.empty_table_hint(site_open=False, loaded_once=True, shown=0, total=0) == texts.NO_SITE_HINT
    assert texts.empty_table_hint(site_open=True, loaded_once=False, shown=0, total=0) == texts.LOADING_HINT
    assert texts.empty_table_hint(site_open=True, loaded_once=True, shown=0, total=0) == texts.NO_LABELS_HINT
    assert texts.empty_table_hint(site_open=True, loaded_once=True, shown=0, total=4) == texts.NO_MATCH_HINT
    assert texts.empty_table_hint(site_open=True, loaded_once=True, shown=4, total=4) is None


def test_the_offline_banner_names_the_copy_shown():
    assert texts.offline_banner(None, rows_shown=True) == texts.OFFLINE_NO_COPY
    assert texts.offline_banner(NOW, rows_shown=False) == texts.OFFLINE_NO_COPY
    assert texts.offline_banner(NOW, rows_shown=True).startswith("Offline — showing labels saved ")


def test_deletes_end_in_one_sentence():
    gone = errors.LabelNotFoundError()
    assert texts.deletes_done([VIP], []) == ("Deleted ‘VIP’.", "done", None)
    assert texts.deletes_done([VIP, CUSTOMERS], []) == ("Deleted 2 labels.", "done", None)
    assert texts.deletes_done([], [(VIP, gone)]) == (texts.vanished([VIP]), "info", None)
    assert texts.deletes_done([CUSTOMERS], [(VIP, gone)]) == ("Deleted 2 labels.", "done", None)
    error = errors.ServerError(request_id="r-1")
    text, kind, details = texts.deletes_done([], [(VIP, error), (CUSTOMERS, error)])
    assert text.startswith("Couldn't delete ‘VIP’") and text.endswith("(1 more failed too.)")
    assert kind == "error" and details == error.details


def test_a_create_says_whether_the_label_is_new():
    assert texts.created(FindOrCreateResult(VIP, True)) == ("Created ‘VIP’.", "done")
    assert texts.created(FindOrCreateResult(VIP, False))[1] == "info"
    assert "can't tell whether it was new" in texts.created(FindOrCreateResult(VIP, None))[0]


def test_the_quit_question_counts_the_changes():
    text, more = texts.still_saving(["Deleting ‘VIP’…"])
    assert text == "1 change is still being saved:\nDeleting ‘VIP’…"
    assert more == "Wait, and LabelDesk closes by itself once Wix has it. If you quit now, it may not be saved."
    text, more = texts.still_saving(["A…", "B…"])
    assert text.startswith("2 changes are still being saved:") and "Wix has them" in more
    assert texts.closing_once_saved(1) == "LabelDesk will close once the change is saved…"
    assert texts.closing_once_saved(3) == "LabelDesk will close once 3 changes are saved…"


def test_a_locked_label_says_why_naming_it():
    assert texts.locked_reason(CUSTOMERS) == f"‘Customers’: {CUSTOMERS.not_editable_reason}"
