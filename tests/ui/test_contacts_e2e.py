"""Issue 15 in the real window, end to end: the sync engine on a thread, a saved copy, the emulator over
loopback. The Contacts panel, Merge labels… and Recently deleted, driven as a person would."""

from __future__ import annotations

import pytest

from labeldesk.cache import LabelCache
from labeldesk.emulator import Emulator, LabelStore
from labeldesk.sites import Site
from labeldesk.ui import dialogs
from labeldesk.ui.actions import ActionId
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.main_window import MainWindow
from tests.conftest import make_client
from tests.ui.test_window import select

WAIT = 15_000


@pytest.fixture
def cached_app(qtbot, settings, tmp_path):
    """Opens the window over an emulator, with a saved copy (where Recently deleted and the operation
    journal live), and waits for the first load with its counts."""
    opened = []

    def opener(store: LabelStore, *, job_seconds: float = 0.05, same_emulator: Emulator | None = None):
        """``same_emulator``: open the site again, on an emulator already running (a second start)."""
        emulator = same_emulator or Emulator(store, rate_limit=None, job_seconds=job_seconds).start()
        client = make_client(emulator)
        controller = LabelsController(client, LabelCache(tmp_path / "site.sqlite"))
        window = MainWindow(settings)
        qtbot.addWidget(window)
        opened.append((controller, emulator if same_emulator is None else None))
        window.show()
        window.attach(controller, Site(client.site_id, "Test site", client.base_url))
        qtbot.waitUntil(
            lambda: window.session.loaded_once and window.model.contact_count("x") is not None, timeout=WAIT
        )
        return window, emulator

    yield opener
    for controller, emulator in opened:
        controller.shutdown()
        if emulator is not None:
            emulator.stop()


def near_duplicates() -> tuple[LabelStore, dict[str, set[str]]]:
    """'VIP' on 12 contacts, 'vip' on 30 (5 of them also 'VIP'), 'V.I.P.' on 4, 'Newsletter' on 24."""
    store = LabelStore()
    keys = {name: store.add_label(name).key for name in ("VIP", "vip", "V.I.P.", "Newsletter")}
    holders: dict[str, set[str]] = {key: set() for key in keys.values()}

    def add(n: int, *names: str) -> None:
        contact = store.add_contact(
            [keys[name] for name in names],
            first_name=None if n % 9 == 0 else f"Guest{n}",
            last_name="Smith",
            email=None if n % 4 == 0 else f"guest{n}@example.com",
        )
        for name in names:
            holders[keys[name]].add(contact)

    for n in range(7):
        add(n, "VIP")
    for n in range(7, 12):
        add(n, "VIP", "vip")
    for n in range(12, 37):
        add(n, "vip")
    for n in range(37, 41):
        add(n, "V.I.P.")
    for n in range(41, 65):
        add(n, "Newsletter")
    return store, holders


def key_of(window, name: str) -> str:
    return next(label.key for label in window.model.labels if label.display_name == name)


def test_the_panel_lists_exactly_the_contacts_of_a_label_paging_past_1000(cached_app, qtbot):
    store = LabelStore()
    members = store.add_label("Members").key
    other = store.add_label("Other").key
    expected = {store.add_contact([members], first_name=f"M{n}", email=f"m{n}@example.com") for n in range(2_300)}
    store.add_contact([other], first_name="Not a member")
    window, _ = cached_app(store)
    window.window_actions[ActionId.CONTACTS].trigger()
    panel = window.features.panel
    select(window, "Members")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1_000, timeout=WAIT)
    assert panel.count_label.text() == "2,300 contacts"
    while panel.model.rowCount() < 2_300:  # paged in as the person scrolls to the end
        rows = panel.model.rowCount()
        panel.view.scrollToBottom()
        qtbot.waitUntil(lambda rows=rows: panel.model.rowCount() > rows, timeout=WAIT)
    shown = {panel.model.contact_at(row).id for row in range(panel.model.rowCount())}
    assert shown == expected
    panel.search.setText("m2299@")
    assert panel.model.rowCount() == 1 and panel.count_label.text() == "1 of 2,300 contacts"


def test_a_search_in_the_panel_reads_the_pages_not_yet_shown(cached_app, qtbot):
    store = LabelStore()
    members = store.add_label("Members").key
    for n in range(1_500):
        store.add_contact([members], first_name=f"M{n}", email=f"m{n}@example.com")
    window, _ = cached_app(store)
    window.window_actions[ActionId.CONTACTS].trigger()
    panel = window.features.panel
    select(window, "Members")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1_000, timeout=WAIT)
    panel.search.setText("m1499@")  # on the second page, never scrolled to
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT)
    assert panel.model.contact_at(0).first_name == "M1499"


def test_merging_three_labels_moves_every_contact_then_deletes_the_others(cached_app, qtbot):
    store, holders = near_duplicates()
    window, _ = cached_app(store)
    vip, lower, dots = key_of(window, "VIP"), key_of(window, "vip"), key_of(window, "V.I.P.")
    select(window, "VIP", "vip", "V.I.P.")
    window.window_actions[ActionId.MERGE].trigger()
    dialog = window.features.merge_dialog
    assert dialog.target == lower  # the most contacts
    dialog.target_box.setCurrentIndex(dialog.target_box.findData(vip))
    qtbot.waitUntil(dialog.merge_button.isEnabled, timeout=WAIT)
    assert dialog.preview.text() == (
        "Adds ‘VIP’ to 29 contacts that have ‘V.I.P.’ or ‘vip’ (5 more have it already);"
        " then deletes ‘V.I.P.’ and ‘vip’."
    )  # (in the table's order)
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: dialog.ended, timeout=WAIT)
    assert dialog.preview.text() == (
        "Merged ‘V.I.P.’ and ‘vip’ into ‘VIP’: the 34 contacts that had them have ‘VIP’ now. "
        "You can restore them from Recently deleted for 30 days."
    )
    everyone = holders[vip] | holders[lower] | holders[dots]
    assert store.contacts_with(vip) == everyone
    assert {label["key"] for label in store.snapshot()} == {vip, key_of(window, "Newsletter")}
    qtbot.waitUntil(lambda: window.model.label(lower) is None and window.model.label(dots) is None, timeout=WAIT)
    qtbot.waitUntil(lambda: window.model.contact_count(vip) == len(everyone), timeout=WAIT)  # (CountsChanged)
    assert dialog.preview.text().startswith(window.status.text.text())  # (the status bar is shorter)


def test_a_merge_whose_job_fails_for_some_contacts_names_them_and_deletes_nothing(cached_app, qtbot):
    store, holders = near_duplicates()
    window, _ = cached_app(store)
    lower = key_of(window, "vip")
    failing = sorted(holders[lower] - holders[key_of(window, "VIP")])[:2]
    store.fail_contacts_in_jobs(failing)
    select(window, "VIP", "vip")
    window.window_actions[ActionId.MERGE].trigger()
    dialog = window.features.merge_dialog
    dialog.target_box.setCurrentIndex(dialog.target_box.findData(key_of(window, "VIP")))
    qtbot.waitUntil(dialog.merge_button.isEnabled, timeout=WAIT)
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: dialog.ended, timeout=WAIT)
    said = dialog.preview.text()
    assert "nothing was deleted" in said.casefold()
    assert "The contacts that couldn't be given ‘VIP’: " in said
    assert {label["key"] for label in store.snapshot()} >= {lower}
    assert window.model.label(lower) is not None
    assert window.status.kind == "error"


def test_delete_then_restore_puts_the_label_back_on_the_contacts_that_still_exist(cached_app, qtbot, monkeypatch):
    store, holders = near_duplicates()
    window, _ = cached_app(store)
    news = key_of(window, "Newsletter")
    asked = []

    def confirm(parent, labels, count_of, **options):
        asked.append(dialogs.delete_confirmation_text(labels, count_of, **options))
        return True

    monkeypatch.setattr(dialogs, "confirm_delete", confirm)
    select(window, "Newsletter")
    window.delete_action.trigger()
    qtbot.waitUntil(lambda: window.model.label(news) is None, timeout=WAIT)
    ((_, consequence),) = asked
    assert consequence == "Removes ‘Newsletter’ from 24 contacts. You can restore it from Recently deleted for 30 days."
    gone = sorted(holders[news])[0]
    store.remove_contact(gone)  # deleted in Wix's dashboard meanwhile

    window.window_actions[ActionId.DELETED].trigger()
    dialog = window.features.deleted_dialog
    qtbot.waitUntil(lambda: dialog.list.topLevelItemCount() == 1, timeout=WAIT)
    item = dialog.list.topLevelItem(0)
    assert (item.text(0), item.text(2)) == ("Newsletter", "24")
    assert item.text(1).startswith("today ")
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: dialog.outcome.isVisibleTo(dialog), timeout=WAIT)
    assert dialog.outcome.text().startswith("Restored ‘Newsletter’ on 23 of 24 contacts (1 contact no longer exists).")
    back = next(label for label in window.model.labels if label.display_name == "Newsletter")
    assert store.contacts_with(back.key) == holders[news] - {gone}
    qtbot.waitUntil(lambda: window.model.contact_count(back.key) == 23, timeout=WAIT)  # (the table's count too)
    qtbot.waitUntil(lambda: dialog.list.topLevelItemCount() == 0, timeout=WAIT)  # it left Recently deleted
    assert dialog.empty.text() == "No deleted labels to restore."
    dialog.reject()
    assert window.selected_labels() == [back]  # closed: the label brought back is the one selected


def test_cancel_stops_a_merge_before_anything_is_deleted(cached_app, qtbot):
    store, _ = near_duplicates()
    window, emulator = cached_app(store, job_seconds=30)  # a job that won't finish while the test runs
    select(window, "VIP", "vip")
    window.window_actions[ActionId.MERGE].trigger()
    dialog = window.features.merge_dialog
    qtbot.waitUntil(dialog.merge_button.isEnabled, timeout=WAIT)
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: dialog.operation is not None, timeout=WAIT)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.ended, timeout=WAIT)
    assert "before anything was deleted" in dialog.preview.text()
    assert len(store.snapshot()) == 4
    assert not any(r.method == "DELETE" for r in emulator.requests)


def test_a_merge_cut_short_by_closing_resumes_when_the_site_opens_again(cached_app, qtbot):
    store, holders = near_duplicates()
    window, emulator = cached_app(store, job_seconds=30)  # the job is still running when the window closes
    vip, lower = key_of(window, "VIP"), key_of(window, "vip")
    select(window, "VIP", "vip")
    window.window_actions[ActionId.MERGE].trigger()
    dialog = window.features.merge_dialog
    dialog.target_box.setCurrentIndex(dialog.target_box.findData(vip))
    qtbot.waitUntil(dialog.merge_button.isEnabled, timeout=WAIT)
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: any(r.path.endswith("add-remove-labels") for r in emulator.requests), timeout=WAIT)
    window.controller.shutdown()  # LabelDesk closes with the job under way
    store.job_seconds = 0.05
    store.finish_jobs()

    again, _ = cached_app(store, same_emulator=emulator)
    said = []
    again.message_shown.connect(lambda text, kind: said.append(text))
    qtbot.waitUntil(lambda: again.model.label(lower) is None, timeout=WAIT)
    assert store.contacts_with(vip) == holders[vip] | holders[lower]
    assert lower not in {label["key"] for label in store.snapshot()}
    qtbot.waitUntil(lambda: any(text.startswith("Merged ‘vip’ into ‘VIP’") for text in said), timeout=WAIT)
    assert not any(r.method == "DELETE" and r.path.endswith(vip) for r in emulator.requests)


def test_offline_the_panel_shows_the_contacts_last_read_and_says_so(cached_app, qtbot):
    store, holders = near_duplicates()
    window, emulator = cached_app(store)
    window.window_actions[ActionId.CONTACTS].trigger()
    panel = window.features.panel
    select(window, "Newsletter")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 24, timeout=WAIT)
    assert not panel.note.isVisibleTo(panel)
    select(window, "VIP")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 12, timeout=WAIT)
    emulator.stop()  # Wix can't be reached any more
    select(window, "Newsletter")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 24, timeout=WAIT)
    news = key_of(window, "Newsletter")
    assert {panel.model.contact_at(row).id for row in range(24)} == holders[news]
    assert panel.note.isVisibleTo(panel) and panel.note.text().startswith("Offline: saved copy from today ")
