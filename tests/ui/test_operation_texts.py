"""The sentences about contacts, merges and Recently deleted, as plain functions: no window, no Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from labeldesk.contacts import Contact
from labeldesk.errors import KnownError
from labeldesk.ui import operation_texts as words


def test_the_module_loads_no_qt():
    code = (
        "import sys, labeldesk.ui.operation_texts\n"
        "qt = sorted(name for name in sys.modules if name.startswith(('PySide6', 'shiboken')))\n"
        "assert not qt, qt\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    ("target", "sources", "adds", "said"),
    [
        (
            "VIP",
            ["vip", "V.I.P."],
            41,
            "Adds ‘VIP’ to 41 contacts that have ‘vip’ or ‘V.I.P.’; then deletes ‘vip’ and ‘V.I.P.’.",
        ),
        ("VIP", ["vip"], 1, "Adds ‘VIP’ to 1 contact that has ‘vip’; then deletes ‘vip’."),
        (
            "A",
            ["B", "C", "D"],
            1_500,
            "Adds ‘A’ to 1,500 contacts that have ‘B’, ‘C’ or ‘D’; then deletes ‘B’, ‘C’ and ‘D’.",
        ),
        ("VIP", ["vip"], 0, "Every contact with ‘vip’ has ‘VIP’ already; then deletes ‘vip’."),
    ],
)
def test_the_dry_run_says_what_a_merge_adds_and_deletes(target, sources, adds, said):
    assert words.merge_preview(target, sources, adds) == said


def test_the_dry_run_says_how_many_have_the_label_that_stays_already():
    said = words.merge_preview("VIP", ["vip"], 9, held=10, carriers=10)
    assert said == "Adds ‘VIP’ to 9 contacts that have ‘vip’ (1 more has it already); then deletes ‘vip’."
    assert "more" not in words.merge_preview("VIP", ["vip"], 9, held=9, carriers=9)


def test_the_dry_run_of_labels_no_contact_carries_says_so_plainly():
    said = words.merge_preview("VIP", ["vip", "V.I.P."], 0, held=0)
    assert said == "No contact has ‘vip’ or ‘V.I.P.’, so no contact changes; the merge only deletes ‘vip’ and ‘V.I.P.’."
    assert (
        words.merge_preview("VIP", ["vip"], 0, held=3)
        == "Every contact with ‘vip’ has ‘VIP’ already; then deletes ‘vip’."
    )


@pytest.mark.parametrize(
    ("changed", "meant", "said"),
    [
        (23, 24, "Restored ‘Newsletter’ on 23 of 24 contacts (1 contact no longer exists)."),
        (20, 24, "Restored ‘Newsletter’ on 20 of 24 contacts (4 contacts no longer exist)."),
        (24, 24, "Restored ‘Newsletter’ on all 24 contacts that had it."),
        (1, 1, "Restored ‘Newsletter’ on the 1 contact that had it."),
        (0, 0, "Restored ‘Newsletter’. No contacts had it when it was deleted."),
    ],
)
def test_a_restore_says_on_how_many_contacts(changed, meant, said):
    assert words.restore_done("Newsletter", changed, meant, old_key="custom.newsletter", new_key=None) == said


def test_a_restore_under_another_key_names_both():
    said = words.restore_done("News", 2, 2, old_key="custom.news", new_key="custom.news-1")
    assert said.endswith(
        "Wix gave it a new key, custom.news-1 (it was custom.news): anything that used the old key needs the new one."
    )


def test_a_restore_onto_a_label_that_already_existed_says_its_own_contacts_keep_it():
    said = words.restore_done("News", 2, 2, old_key="custom.news", new_key="custom.news-2", existed=True)
    assert said == (
        "Restored ‘News’ on all 2 contacts that had it. A label named ‘News’ was already on the site again"
        " (key custom.news-2), so the contacts were put back on it; the contacts it had keep it too."
    )
    assert "new key" not in said


def test_failed_contacts_are_named_five_at_most():
    failed = [Contact(str(n), f"Name{n}") for n in range(8)]
    said = words.operation_failed("merge", KnownError("Wix refused."), failed, 0, target="VIP")
    assert said == (
        "The merge stopped: Wix refused. The contacts that couldn't be given ‘VIP’: Name0, Name1, Name2, Name3, "
        "Name4 and 3 more. Nothing was deleted."
    )


@pytest.mark.parametrize(
    ("shown", "loaded", "total", "more", "searching", "said"),
    [
        (34, 34, 34, False, False, "34 contacts"),
        (1, 1, 1, False, False, "1 contact"),
        (3, 34, 34, False, True, "3 of 34 contacts"),
        (1000, 1000, None, True, False, "At least 1,000 contacts"),
        (7, 1000, None, True, True, "7 found so far…"),
        (0, 100, 300, True, True, "0 found so far…"),  # (not "0 of 300": the search still reads)
        (0, 0, 0, False, False, "No contacts"),
    ],
)
def test_the_panel_counts_contacts(shown, loaded, total, more, searching, said):
    assert words.contacts_count(shown, loaded, total, more=more, searching=searching) == said


def test_the_merge_note_says_a_restore_is_no_undo_of_the_label_that_stays():
    note = words.merge_preview_note(["Baking Class: Sourdough"])
    assert "restoring puts it back on its contacts, and the label that stays keeps them too" in note
    assert "restore the deleted labels" in words.merge_preview_note(["A", "B"])
