"""When each action is enabled, and the words that say why not: the rules alone, then on the QActions."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from labeldesk.domain import Label, LabelType
from labeldesk.ui import actions
from labeldesk.ui.actions import SPECS, ActionId, ActionState, WindowActions, action_states, blocked_reason
from labeldesk.ui.status_texts import locked_reason

VIP = Label("custom.vip", "VIP", LabelType.USER_DEFINED)
NEWS = Label("custom.news", "News", LabelType.USER_DEFINED)
CUSTOMERS = Label("contacts.customers", "Customers", LabelType.SYSTEM)
OPEN = {"site_open": True, "paused": False, "has_client": True, "offline": False}


@pytest.mark.parametrize(
    ("state", "write", "reason"),
    [
        ({**OPEN, "site_open": False}, True, actions.NO_SITE),
        ({**OPEN, "paused": True, "offline": True}, True, actions.WAITING_FOR_KEY),
        ({**OPEN, "has_client": False}, False, actions.OPENING),
        ({**OPEN, "offline": True}, True, actions.OFFLINE),
        ({**OPEN, "offline": True}, False, None),  # a refresh while offline is a try to reach Wix
        (OPEN, True, None),
    ],
)
def test_what_blocks_sending_comes_in_order(state, write, reason):
    assert blocked_reason(**state, write=write) == reason


def test_with_nothing_selected_only_new_and_refresh_are_offered():
    states = action_states([], set(), None, None)
    assert states[ActionId.NEW] == states[ActionId.REFRESH] == ActionState(True)
    assert states[ActionId.RENAME] == ActionState(False, actions.SELECT_TO_RENAME)
    assert states[ActionId.DELETE] == ActionState(False, actions.SELECT_TO_DELETE)
    assert states[ActionId.COPY] == ActionState(False, actions.SELECT_TO_COPY)


def test_one_label_can_be_renamed_and_several_only_deleted():
    one = action_states([VIP], set(), None, None)
    assert one[ActionId.RENAME] == one[ActionId.DELETE] == one[ActionId.COPY] == ActionState(True)
    two = action_states([VIP, NEWS], set(), None, None)
    assert two[ActionId.RENAME] == ActionState(False, actions.SELECT_ONE_TO_RENAME)
    assert two[ActionId.DELETE] == ActionState(True)


def test_a_locked_label_names_itself_and_is_still_copied():
    states = action_states([VIP, CUSTOMERS], set(), None, None)
    assert states[ActionId.DELETE] == ActionState(False, locked_reason(CUSTOMERS))
    assert states[ActionId.RENAME] == ActionState(False, actions.SELECT_ONE_TO_RENAME)
    alone = action_states([CUSTOMERS], set(), None, None)
    assert alone[ActionId.RENAME] == ActionState(False, locked_reason(CUSTOMERS))
    assert alone[ActionId.COPY] == ActionState(True)


def test_several_locked_labels_in_a_selection_are_named_together():
    from labeldesk.domain import Label, LabelType
    from labeldesk.ui.status_texts import several_locked

    apps = [Label(f"shop.l{n}", f"App {n}", LabelType.WIX_APP_DEFINED) for n in range(5)]
    states = action_states([VIP, CUSTOMERS, *apps], set(), None, None)
    said = states[ActionId.DELETE].reason
    assert said == several_locked([CUSTOMERS, *apps])
    assert said.startswith("‘Customers’, ‘App 0’, ‘App 1’ and 3 more are Wix's or apps' labels")
    assert said.endswith("Select only your own labels.")


def test_a_label_being_saved_waits():
    states = action_states([VIP, NEWS], {"custom.news"}, None, None)
    words = "‘News’ is being saved; wait a moment."
    assert states[ActionId.RENAME] == states[ActionId.DELETE] == ActionState(False, words)


def test_what_blocks_every_change_is_said_first():
    states = action_states([CUSTOMERS], set(), actions.OFFLINE, None)
    for action_id in (ActionId.NEW, ActionId.RENAME, ActionId.DELETE):
        assert states[action_id] == ActionState(False, actions.OFFLINE)
    assert states[ActionId.REFRESH] == ActionState(True) and states[ActionId.COPY] == ActionState(True)
    paused = action_states([VIP], set(), actions.WAITING_FOR_KEY, actions.WAITING_FOR_KEY)
    assert paused[ActionId.REFRESH] == ActionState(False, actions.WAITING_FOR_KEY)


def test_the_actions_show_their_state_and_say_why_in_plain_words(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    triggered = []
    made = WindowActions(window, {action_id: (lambda *_, a=action_id: triggered.append(a)) for action_id in ActionId})
    assert set(window.actions()) == {made[action_id] for action_id in ActionId}  # their shortcuts work in it
    made[ActionId.NEW].trigger()
    assert triggered == [ActionId.NEW]
    made.show_states(action_states([], set(), None, None) | {ActionId.DELETE: ActionState(False, "<b>X</b>")})
    delete = made[ActionId.DELETE]
    assert not delete.isEnabled() and made.why(delete) == "<b>X</b>"
    assert "<b>" not in delete.toolTip()  # shown as plain text, not as markup
    made.show_states({ActionId.DELETE: ActionState(True)})
    assert delete.isEnabled() and made.why(delete) == SPECS[ActionId.DELETE].tip == "Delete (Del)"


def test_merge_needs_two_labels_and_at_most_one_system_label():
    assert action_states([VIP], set(), None, None)[ActionId.MERGE] == ActionState(False, actions.SELECT_TO_MERGE)
    assert action_states([VIP, NEWS], set(), None, None)[ActionId.MERGE] == ActionState(True)
    assert action_states([VIP, CUSTOMERS], set(), None, None)[ActionId.MERGE] == ActionState(True)
    other_system = Label("contacts.contacted-me", "Contacted Me", LabelType.SYSTEM)
    two_locked = action_states([VIP, CUSTOMERS, other_system], set(), None, None)
    assert two_locked[ActionId.MERGE] == ActionState(False, actions.TWO_LOCKED_TO_MERGE)
    offline = action_states([VIP, NEWS], set(), actions.OFFLINE, None)
    assert offline[ActionId.MERGE] == ActionState(False, actions.OFFLINE)


def test_recently_deleted_needs_a_saved_copy_of_the_site():
    assert action_states([], set(), None, None)[ActionId.DELETED] == ActionState(True)
    without = action_states([], set(), None, None, keeps_deleted=False)
    assert without[ActionId.DELETED] == ActionState(False, actions.NO_SAVED_COPY)
