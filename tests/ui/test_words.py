"""Words a non-technical person can read: no request IDs, HTTP codes or class names; nothing said twice."""

from __future__ import annotations

import inspect
import itertools
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from labeldesk.api import errors, wire
from labeldesk.domain import Label, LabelType
from labeldesk.ui import status_texts
from labeldesk.ui.models import Column, TypeFilter
from labeldesk.ui.workers import UnexpectedError
from tests.ui.test_window import rename_to_a_name_made_elsewhere, select

SUPPORT = {"status": 503, "code": "WDE0110", "request_id": "1712345678.9876543210", "server_message": "upstream x"}


def every_error() -> list[errors.WixError | UnexpectedError]:
    """One of each error the window can be handed, each carrying what only support needs (a bug: its
    traceback), and the bug a worker reports."""
    try:
        raise KeyError("a bug in a worker")
    except KeyError:
        made: list[errors.WixError | UnexpectedError] = [UnexpectedError()]
    for cls in vars(errors).values():
        if not (inspect.isclass(cls) and issubclass(cls, errors.WixError)):
            continue
        if cls is errors.QuotaReachedError:
            made += [cls(1000, 1000, **SUPPORT), cls(None, None, **SUPPORT)]
        elif cls is errors.RateLimitedError:
            made += [cls(7, **SUPPORT), cls(None, **SUPPORT)]
        elif cls is errors.ProxySettingError:
            made += [cls("HTTPS_PROXY"), cls("system proxy settings"), cls("NO_PROXY")]
        elif cls is errors.ProxyUnreachableError:
            made += [cls("HTTPS_PROXY"), cls("ALL_PROXY")]
        elif cls is errors.IncompleteReadError:
            made += [cls("labels", 2000, 5000, **SUPPORT), cls("labels", 2000, **SUPPORT)]
        else:
            made.append(cls(**SUPPORT))
    made.append(errors.ValidationError(violations=(errors.FieldViolation("displayName", "is too long"),), **SUPPORT))
    made.append(wire.error_from_response(418, None, request_id="1712345678.1", retry_after=None))
    for field, description, rule in WIX_VIOLATIONS:
        body = {
            "message": description,
            "details": {
                "validationError": {
                    "fieldViolations": [{"field": field, "description": description, "violatedRule": rule}]
                }
            },
        }
        made.append(wire.error_from_response(400, body, request_id="1712345678.2", retry_after=None))
        made.append(wire.error_from_response(400, {"details": {"validationError": {"fieldViolations": [
            {"field": field}]}}}, request_id="1712345678.3", retry_after=None))  # fmt: skip
    return made


#: What Wix (and the emulator) say about a request they refuse: field paths and Wix's own English,
#: for the log and "Copy details" only.
WIX_VIOLATIONS = [
    ("displayName", "displayName must be at most 180 characters", "MAX_LENGTH"),
    ("label.displayName", "displayName must not be empty", "MIN_LENGTH"),
    ("displayName", "displayName is required and must be a string", "REQUIRED_FIELD"),
    ("query.paging.limit", "paging.limit must be between 0 and 1000", "MAX"),
    ("paging.offset", "paging.offset must not be negative", "MIN"),
    ("label.key", "label.key must match the key in the path", "INVALID_FORMAT"),
    ("labelType", "Unknown labelType 'X'", "INVALID_ENUM_VALUE"),
    ("startsWith", "startsWith must be 1 to 180 characters", "MAX_LENGTH"),
]
#: A field path ("query.paging.limit", "label.key") or a field name in camelCase ("displayName", "labelType").
FIELD_NAME = re.compile(r"\b[a-z]+(?:\.[a-z][A-Za-z]*)+\b|\b[a-z]+[A-Z][A-Za-z]*\b")


def assert_plain(text: str) -> None:
    """No request ID, Wix error code, HTTP status, class name, field name or Wix's own words in ``text``."""
    assert "1712345678" not in text and "WDE0110" not in text and "upstream" not in text, text
    assert not re.search(r"\b(4\d\d|5\d\d)\b", text), text
    assert "Error" not in text.replace("error", ""), text  # no class names (…Error)
    assert not FIELD_NAME.search(text), text
    for _, description, _ in WIX_VIOLATIONS:
        assert description.casefold() not in text.casefold(), text
        assert "must be" not in text and "must not" not in text, text  # Wix's phrasing of its rules


def body_for(field: str, description: str, rule: str) -> dict:
    violation = {"field": field, "description": description, "violatedRule": rule}
    return {"details": {"validationError": {"fieldViolations": [violation]}}}


def pairs(text: str) -> list[tuple[str, str]]:
    words = re.findall(r"[a-z0-9’']+", text.casefold())
    return list(itertools.pairwise(words))


def repeats(text: str) -> set[tuple[str, str]]:
    seen = pairs(text)
    return {pair for pair in seen if seen.count(pair) > 1}


@pytest.fixture
def shown(demo):
    """Everything the window says, while each error goes through every place that words one."""
    window, _ = demo
    said: list[str] = []
    window.message_shown.connect(lambda text, kind: said.append(text))
    return window, said


def test_errors_reach_the_status_bar_plainly_and_never_repeat_themselves(shown):
    window, said = shown
    label = window.model.label("custom.vip")
    for error in every_error():
        message_repeats = repeats(error.message)
        said.clear()
        window.model.apply_labels(window.model.labels)  # rows shown: "Couldn't refresh"
        window.controller.refresh_failed.emit(error)
        window.controller.write_failed.emit("Renaming ‘VIP’…", error)
        window.show_message(*status_texts.deletes_done([], [(label, error)]))
        window.session._on_sign_out_failed(error)  # the sign-out's failure, as the site manager reports it
        window.session.counts_problem = None
        window.controller.counts_failed.emit(error)
        said.append(window.session.counts_problem)
        window.session.paused = False
        window.controller.auth_failed.emit(error)
        texts = [*said, window.table.empty_hint.text()]
        for text in texts:
            assert_plain(text)
            assert repeats(text) <= message_repeats, (text, repeats(text) - message_repeats)


def test_a_refused_request_names_what_the_person_can_change_and_keeps_wixs_words_for_support():
    """'Wix rejected this: query.paging.limit' told nobody anything; Wix's words go to Copy details."""
    for field, description, rule in WIX_VIOLATIONS:
        body = {"details": {"validationError": {"fieldViolations": [
            {"field": field, "description": description, "violatedRule": rule}]}}}  # fmt: skip
        error = wire.error_from_response(400, body, request_id="1712345678.2", retry_after=None)
        assert_plain(error.message)
        assert field in error.details and description in error.details
        if field.endswith("displayName"):
            assert error.message.startswith("Wix didn't accept the label name")
        else:
            assert error.message.startswith("LabelDesk asked for something Wix didn't accept")
    too_long = wire.error_from_response(
        400, body_for("displayName", "x", "MAX_LENGTH"), request_id=None, retry_after=None
    )
    assert "too long" in too_long.message


def test_a_refresh_that_failed_with_no_rows_says_it_once_in_the_empty_table(demo):
    window, _ = demo
    window.model.clear()
    window.controller.refresh_failed.emit(errors.ServerError(**SUPPORT))
    hint = window.table.empty_hint.text()
    assert hint.startswith("Couldn't load the labels.\nWix is having trouble")
    assert hint.casefold().count("try again") == 1
    window.controller.refresh_failed.emit(errors.OfflineError())
    assert window.status.text.text() == errors.OfflineError.default_message  # not "Can't reach Wix: Can't reach…"


def test_a_failed_change_offers_its_details_for_support(demo, qtbot):
    window, emulator = demo
    dialog = rename_to_a_name_made_elsewhere(window, emulator)
    qtbot.waitUntil(lambda: window.status.kind == "error", timeout=10_000)
    text = window.status.text.text()
    assert text == "Renaming ‘Wholesale’ failed: Another label already has this name. Choose a different name."
    assert "request ID" not in dialog.message.text()
    dialog.reject()
    button = window.status.copy_details
    assert button.isVisibleTo(window)
    button.click()
    details = QGuiApplication.clipboard().text()
    assert details.startswith(text.split(": ", 1)[1])
    assert "Kind: ConflictError" in details and "HTTP status: 409" in details and "Wix request ID: " in details
    window.show_message("Refreshing…")
    assert not button.isVisibleTo(window)


def test_the_type_column_and_the_type_filter_use_the_same_word(demo):
    window, _ = demo
    vip = window.model.row_of("custom.vip")
    column_word = window.model.index(vip, Column.TYPE).data()
    filter_words = [window.type_filter.itemText(i) for i in range(window.type_filter.count())]
    assert column_word == TypeFilter.CUSTOM.value == "Custom"
    assert column_word in filter_words
    for label_type in LabelType:  # each word of the column is a choice of the filter, showing those labels
        choice = window.type_filter.itemData(filter_words.index(label_type.title))
        assert choice.types == {label_type}


def test_a_label_of_a_type_wix_adds_later_is_other_in_the_column_and_the_filter(open_app, demo_store):
    demo_store.add_label("Imported", key="partner.imported", label_type="PARTNER", namespace="partner")
    window, _ = open_app(demo_store)
    row = window.model.row_of("partner.imported")
    assert window.model.index(row, Column.TYPE).data() == "Other"
    window.type_filter.setCurrentIndex(window.type_filter.findText("Other"))
    assert [window.model.label_at(row).key for row in range(window.model.rowCount())] == ["partner.imported"]
    window.type_filter.setCurrentIndex(window.type_filter.findText("App"))
    assert window.model.row_of("partner.imported") is None


@pytest.mark.parametrize(("name", "why"), [("Customers", "Wix creates this label itself"), ("Abandoned Cart", "Wix")])
def test_f2_del_and_double_click_on_a_locked_label_say_it_in_the_same_words(demo, qtbot, name, why, monkeypatch):
    from labeldesk.ui import dialogs

    monkeypatch.setattr(dialogs, "confirm_delete", lambda *args, **_: pytest.fail("nothing to confirm"))
    window, _ = demo
    window.activateWindow()
    select(window, name)
    window.table.setFocus()
    said = []
    for press in (Qt.Key.Key_F2, Qt.Key.Key_Delete, None):
        window.show_message("")
        if press is None:
            index = window.model.index(window.model.row_of(window.selected_labels()[0].key), Column.NAME)
            window.table.scrollTo(index)
            rect = window.table.visualRect(index)
            # (as a mouse does it: a click, then the double-click; QTest's double-click alone isn't one)
            qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        else:
            qtbot.keyClick(window.table, press)
        said.append(window.status.text.text())
    label: Label = window.selected_labels()[0]
    assert said == [f"‘{name}’: {label.not_editable_reason}"] * 3
    assert why in said[0]


@pytest.mark.parametrize("key", [Qt.Key.Key_F2, Qt.Key.Key_Delete])
@pytest.mark.parametrize(("name", "why"), [("Customers", "Wix creates this label itself"), ("Abandoned Cart", "Wix")])
def test_f2_and_del_on_a_locked_label_say_why(demo, qtbot, key, name, why, monkeypatch):
    from labeldesk.ui import dialogs

    monkeypatch.setattr(dialogs, "confirm_delete", lambda *args, **_: pytest.fail("nothing to confirm"))
    window, _ = demo
    window.activateWindow()
    select(window, name)
    window.table.setFocus()
    window.show_message("")
    qtbot.keyClick(window.table, key)
    label: Label = window.model.label(window.selected_labels()[0].key)
    assert why in window.status.text.text()
    assert label.not_editable_reason in window.status.text.text()
    assert window.status.kind == "info"
