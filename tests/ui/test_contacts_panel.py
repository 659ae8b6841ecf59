"""The Contacts panel and its model, fed pages directly by a stand-in for the engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication

from labeldesk.api.errors import NetworkError
from labeldesk.domain import Label, LabelType
from labeldesk.engine import protocol as p
from labeldesk.ui import operation_texts as words
from labeldesk.ui.contacts import ContactsModel, ContactsPanel
from tests.ui.fake_operations import FakeOperations, contacts

VIP = Label("custom.vip", "VIP", LabelType.USER_DEFINED)
NEWS = Label("custom.news", "<b>News</b>", LabelType.USER_DEFINED)


def model_over(fake: FakeOperations, page_size: int = 100) -> ContactsModel:
    model = ContactsModel(page_size=page_size)
    model.set_source(fake)
    return model


def panel_over(qtbot, fake: FakeOperations, *, shown: bool = True) -> ContactsPanel:
    """A Contacts panel reading through ``fake``, on screen unless ``shown`` is False."""
    panel = ContactsPanel(page_size=100)
    qtbot.addWidget(panel)
    panel.set_source(fake)
    panel.setVisible(shown)
    return panel


def test_the_model_passes_qt_model_tester_as_pages_arrive(qtmodeltester):
    fake = FakeOperations()
    model = model_over(fake)
    model.show_label("custom.vip")
    fake.answer_contacts(contacts(100), total=150, more=True)
    qtmodeltester.check(model, force_py=True)
    model.fetchMore(QModelIndex())
    fake.answer_contacts(contacts(50, 100), total=150, more=False)
    qtmodeltester.check(model, force_py=True)


def test_pages_are_asked_for_only_as_the_view_wants_more_rows():
    fake = FakeOperations()
    model = model_over(fake)
    model.show_label("custom.vip")
    assert [(a[0].key, a[0].offset, a[0].limit) for a in fake.asked] == [("custom.vip", 0, 100)]
    assert not model.canFetchMore(QModelIndex())  # (one page at a time)
    fake.answer_contacts(contacts(100), total=250, more=True)
    assert model.rowCount() == 100 and len(fake.asked) == 1  # nothing more until the view scrolls
    assert model.count_text() == "250 contacts"
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert fake.asked[-1][0].offset == 100
    fake.answer_contacts(contacts(100, 100), total=250, more=True)
    model.fetchMore(QModelIndex())
    fake.answer_contacts(contacts(50, 200), total=250, more=False)
    assert model.rowCount() == 250 and not model.canFetchMore(QModelIndex())


def test_a_search_reads_every_page_first_so_it_is_complete():
    fake = FakeOperations()
    model = model_over(fake)
    model.show_label("custom.vip")
    fake.answer_contacts(contacts(100), total=300, more=True)
    model.set_search("first2")  # First2, First20..29, First200..299 are spread over every page
    assert fake.asked[-1][0].offset == 100  # read on at once
    assert model.count_text() == f"{model.rowCount()} found so far…"  # (not "N of 300": more to read)
    fake.answer_contacts(contacts(100, 100), total=300, more=True)
    assert fake.asked[-1][0].offset == 200
    fake.answer_contacts(contacts(100, 200), total=300, more=False)
    found = [model.contact_at(row).first_name for row in range(model.rowCount())]
    expected = [c.first_name for c in contacts(300) if c.first_name and "first2" in c.name.casefold()]
    assert found == expected and len(found) > 20
    assert model.count_text() == f"{len(expected)} of 300 contacts"
    model.set_search("PERSON299@")  # emails too, any case
    assert model.rowCount() == 1 and model.contact_at(0).email == "person299@example.com"


def test_an_answer_for_a_label_no_longer_shown_is_dropped():
    fake = FakeOperations()
    model = model_over(fake)
    model.show_label("custom.vip")
    _, late_answer, _ = fake.asked[-1]
    model.show_label("custom.news")
    late_answer(p.ContactsPage(1, "custom.vip", 0, contacts(5), 5, False))
    assert model.rowCount() == 0 and model.loading
    fake.answer_contacts(contacts(2), total=2, more=False)
    assert model.rowCount() == 2 and model.count_text() == "2 contacts"


def test_uncountable_labels_say_at_least_and_a_short_page_ends_the_list():
    fake = FakeOperations()
    model = model_over(fake)
    model.show_label("custom.vip")
    fake.answer_contacts(contacts(100), total=None, more=True)
    assert model.count_text() == "At least 100 contacts"
    model.fetchMore(QModelIndex())
    fake.answer_contacts([], total=None, more=True)  # (an empty page ends it, whatever "more" says)
    assert not model.canFetchMore(QModelIndex()) and model.count_text() == "100 contacts"


def test_contacts_without_a_name_or_email_say_so_in_a_dimmed_colour():
    fake = FakeOperations()
    model = model_over(fake)
    model.show_label("custom.vip")
    fake.answer_contacts(contacts(4), total=4, more=False)
    nameless = model.index(3, 0)
    assert nameless.data() == "No name" and model.index(3, 1).data() == "No email"
    assert nameless.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert nameless.data(Qt.ItemDataRole.ToolTipRole) is None
    assert model.index(0, 0).data() == "First0 Last0" and model.index(0, 1).data() == "person0@example.com"


def test_the_panel_names_the_label_counts_and_copies_the_selected_emails(qtbot):
    fake = FakeOperations()
    panel = panel_over(qtbot, fake)
    panel.show_labels([NEWS])
    assert panel.heading.text() == "Contacts with ‘<b>News</b>’"
    assert panel.heading.textFormat() == Qt.TextFormat.PlainText
    assert panel.count_label.text() == "Loading contacts…"
    fake.answer_contacts(contacts(6), total=6, more=False)
    assert panel.count_label.text() == "6 contacts"
    said = []
    panel.message.connect(lambda text, kind: said.append(text))
    QGuiApplication.clipboard().clear()
    panel.copy_action.trigger()  # nothing selected yet: said, not silent
    assert said == [words.SELECT_CONTACTS_FIRST] and QGuiApplication.clipboard().text() == ""
    said.clear()
    panel.view.selectAll()
    assert panel.copy_action.shortcut().toString() == "Ctrl+Shift+C"
    panel.copy_action.trigger()
    emails = [f"person{n}@example.com" for n in (0, 2, 4, 5)]
    assert QGuiApplication.clipboard().text() == "\n".join(emails)
    assert said == ["Copied 4 emails. 2 contacts had no email."]


def test_the_panel_asks_to_select_one_label_and_reads_only_while_shown(qtbot):
    fake = FakeOperations()
    panel = panel_over(qtbot, fake, shown=False)
    panel.show_labels([VIP, NEWS])
    assert panel.heading.text() == "Select one label to see its contacts."
    panel.show_labels([VIP])
    assert fake.asked == []  # hidden: nothing read
    panel.show()
    qtbot.waitUntil(lambda: len(fake.asked) == 1)
    assert fake.asked[0][0].key == "custom.vip"


def test_offline_the_panel_says_it_shows_the_saved_copy(qtbot):
    fake = FakeOperations()
    panel = panel_over(qtbot, fake)
    panel.show_labels([VIP])
    yesterday = datetime.now(UTC) - timedelta(days=1)
    fake.answer_contacts(contacts(3), total=3, more=False, from_cache=True, synced_at=yesterday)
    assert panel.note.isVisibleTo(panel)
    assert panel.note.text().startswith("Offline: saved copy from yesterday ")


def test_a_failed_page_is_said_in_the_panel(qtbot):
    fake = FakeOperations()
    panel = panel_over(qtbot, fake)
    panel.show_labels([VIP])
    _, _, failed = fake.asked[-1]
    failed(NetworkError())
    assert panel.note.isVisibleTo(panel)
    assert panel.note.text().startswith("Couldn't load the contacts:")
    assert not panel.model.canFetchMore(QModelIndex())


def test_selecting_the_label_again_after_a_failure_tries_again(qtbot):
    fake = FakeOperations()
    panel = panel_over(qtbot, fake)
    panel.show_labels([VIP])
    panel.show_labels([VIP])  # (the same label: nothing read again while it is fine)
    assert len(fake.asked) == 1
    fake.asked[-1][2](NetworkError())
    panel.show_labels([VIP])
    assert len(fake.asked) == 2 and not panel.note.isVisibleTo(panel)
    fake.answer_contacts(contacts(3), total=3, more=False)
    assert panel.count_label.text() == "3 contacts"


def panel_showing(qtbot, width: int, people) -> tuple[ContactsPanel, FakeOperations]:
    """A panel ``width`` wide, opened on VIP, whose contacts are ``people``."""
    fake = FakeOperations()
    panel = panel_over(qtbot, fake, shown=False)
    panel.resize(width, 300)
    panel.show()
    panel.show_labels([VIP])
    fake.answer_contacts(people, total=len(people), more=False)
    return panel, fake


def test_the_email_column_gets_the_room_the_short_names_leave(qtbot):
    from labeldesk.contacts import Contact

    people = [Contact(f"id-{n}", "Sam", email=f"samantha.longname{n}@mail.example.com") for n in range(5)]
    panel, fake = panel_showing(qtbot, 420, people)
    view = panel.view
    email_needs = view.sizeHintForColumn(1)
    assert view.columnWidth(0) < view.columnWidth(1)
    assert view.columnWidth(1) >= min(email_needs, view.viewport().width() - view.columnWidth(0))
    assert view.columnWidth(0) >= view.horizontalHeader().sectionSizeHint(0)  # "Name" still fits
    long_names = [Contact(f"id-{n}", "Bartholomew Alexander " * 3) for n in range(5, 8)]
    panel.show_labels([NEWS])
    fake.answer_contacts(long_names, total=3, more=False)
    assert view.columnWidth(0) <= view.viewport().width() * 0.45 + 1  # a long name leaves room for emails


def test_the_name_column_is_fitted_again_when_the_panel_opens_narrower_than_it_closed(qtbot):
    from labeldesk.contacts import Contact

    panel, _ = panel_showing(qtbot, 900, [Contact(f"id-{n}", "Bartholomew Alexander " * 3) for n in range(3)])
    view = panel.view
    wide = view.columnWidth(0)
    panel.hide()
    panel.resize(360, 300)  # (while hidden: nothing is fitted then)
    panel.show()
    assert view.columnWidth(0) < wide
    assert view.columnWidth(0) <= view.viewport().width() * 0.45 + 1


def test_a_label_whose_contacts_changed_while_the_panel_was_hidden_is_read_again_when_it_opens(qtbot):
    fake = FakeOperations()
    panel = panel_over(qtbot, fake)
    panel.show_labels([VIP])
    fake.answer_contacts(contacts(3), total=3, more=False)
    panel.hide()
    panel.reload(["custom.vip"])  # a merge into VIP ended while the panel was closed
    panel.show()
    qtbot.waitUntil(lambda: len(fake.asked) == 2)
    fake.answer_contacts(contacts(5), total=5, more=False)
    assert panel.count_label.text() == "5 contacts"


def test_a_contact_a_later_page_repeats_is_listed_once():
    fake = FakeOperations()
    model = model_over(fake)
    model.show_label("custom.vip")
    fake.answer_contacts(contacts(100), total=150, more=True)
    model.fetchMore(QModelIndex())
    fake.answer_contacts(contacts(51, 99), total=150, more=False)  # (a contact added meanwhile shifts the pages)
    assert model.rowCount() == 150
    assert len({model.contact_at(row).id for row in range(150)}) == 150
