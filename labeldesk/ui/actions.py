"""The window's actions (text, icon, shortcut, tip) and the rules for when each is enabled, and why not.

The rules (``blocked_reason``, ``action_states``) are plain functions of what is selected and how the
site's session stands, so they can be tested without a window; ``WindowActions`` makes the QActions
and shows those states on them. A disabled action's tooltip says why it is disabled, in words that
``WindowActions.why`` also gives the status bar (F2 or Del on a locked label, a double-click).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping, Sequence

import msgspec
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from labeldesk.domain import Label, quoted
from labeldesk.ui import icons
from labeldesk.ui.status_texts import locked_reason, several_locked
from labeldesk.ui.text import plain_tooltip


class ActionId(enum.Enum):
    NEW = "new"
    RENAME = "rename"
    DELETE = "delete"
    REFRESH = "refresh"
    COPY = "copy"
    FIND = "find"
    QUIT = "quit"
    MERGE = "merge"
    CONTACTS = "contacts"
    DELETED = "deleted"


class ActionSpec(msgspec.Struct, frozen=True):
    text: str
    icon: str | None
    shortcut: QKeySequence.StandardKey | Qt.Key | str | None
    #: The tooltip (and status tip) while the action is enabled.
    tip: str
    #: In the search box these keys belong to the text (Ctrl+C, Del): the action only has them
    #: while the focus is in the window's other widgets.
    leaves_text_fields_alone: bool = False
    #: An on/off action (a panel shown or hidden).
    checkable: bool = False


SPECS: dict[ActionId, ActionSpec] = {
    ActionId.NEW: ActionSpec("New label", "new", QKeySequence.StandardKey.New, "Create a label (Ctrl+N)"),
    ActionId.RENAME: ActionSpec("Rename", "rename", Qt.Key.Key_F2, "Rename (F2)"),
    ActionId.DELETE: ActionSpec("Delete", "delete", QKeySequence.StandardKey.Delete, "Delete (Del)", True),
    ActionId.REFRESH: ActionSpec("Refresh", "refresh", Qt.Key.Key_F5, "Load the labels again from Wix (F5)"),
    ActionId.COPY: ActionSpec(
        "Copy key", "copy", QKeySequence.StandardKey.Copy, "Copy the selected labels' keys (Ctrl+C)", True
    ),
    ActionId.FIND: ActionSpec("Find", None, QKeySequence.StandardKey.Find, "Search"),
    ActionId.QUIT: ActionSpec("Quit", None, QKeySequence.StandardKey.Quit, "Quit LabelDesk"),
    ActionId.MERGE: ActionSpec("Merge…", "merge", "Ctrl+M", "Merge the selected labels into one (Ctrl+M)"),
    ActionId.CONTACTS: ActionSpec(
        "&Contacts of Label", None, Qt.Key.Key_F9, "Show the contacts of the selected label (F9)", checkable=True
    ),
    ActionId.DELETED: ActionSpec(
        "&Recently deleted…", None, None, "Labels deleted in the last 30 days, to restore them"
    ),
}

NO_SITE = "Open a site first."
WAITING_FOR_KEY = "Waiting for a new API key: Wix no longer accepts the old one."
OPENING = "Opening the site…"
OFFLINE = "You're offline: LabelDesk can't reach Wix. Changes can be made once it's back."
SELECT_TO_RENAME = "Select a label to rename it."
SELECT_TO_DELETE = "Select one or more labels to delete them."
SELECT_ONE_TO_RENAME = "Select just one label to rename it."
SELECT_TO_COPY = "Select a label to copy its key."
NO_SAVED_COPY = (
    "LabelDesk keeps no copy of this site on this computer, so it has no Recently deleted: "
    "deletes here can't be undone."
)
SELECT_TO_MERGE = "Select two or more labels to merge them."
TWO_LOCKED_TO_MERGE = "System and app labels can only be the label that stays in a merge: select at most one of them."


def blocked_reason(*, site_open: bool, paused: bool, has_client: bool, offline: bool, write: bool = True) -> str | None:
    """Why nothing (or, with ``write``, no change) can be sent to Wix right now, or None.

    ``paused``: Wix refused the key and a new one is awaited; ``has_client``: the site's key is known.
    """
    if not site_open:
        return NO_SITE
    if paused:
        return WAITING_FOR_KEY
    if not has_client:
        return OPENING
    if write and offline:
        return OFFLINE
    return None


class ActionState(msgspec.Struct, frozen=True):
    enabled: bool
    #: Why it is disabled; None while enabled (its tooltip is then the spec's tip).
    reason: str | None = None


def _state(allowed: bool, reason: str, blocked: str | None) -> ActionState:
    if allowed and blocked is None:
        return ActionState(True)
    return ActionState(False, blocked or reason)  # what blocks every change comes first


def action_states(
    selected: Sequence[Label],
    pending_keys: Collection[str],
    blocked: str | None,
    refresh_blocked: str | None,
    *,
    keeps_deleted: bool = True,
) -> dict[ActionId, ActionState]:
    """Whether New, Rename, Delete, Refresh, Copy, Merge and Recently deleted can be used, and why not.

    ``selected``: the selected labels; ``pending_keys``: labels with a rename or delete on its way;
    ``blocked`` / ``refresh_blocked``: ``blocked_reason`` for changes and for reads; ``keeps_deleted``:
    the site has a saved copy on this computer, where Recently deleted is kept.
    """
    all_locked = [label for label in selected if not label.editable]
    locked = all_locked[0] if all_locked else None
    busy = next((label for label in selected if label.key in pending_keys), None)
    states = {ActionId.NEW: _state(True, "", blocked)}
    states[ActionId.REFRESH] = ActionState(refresh_blocked is None, refresh_blocked)
    if busy is not None:
        reason = f"{quoted(busy.display_name)} is being saved; wait a moment."
        states[ActionId.RENAME] = states[ActionId.DELETE] = _state(False, reason, blocked)
    elif not selected:
        states[ActionId.RENAME] = _state(False, SELECT_TO_RENAME, blocked)
        states[ActionId.DELETE] = _state(False, SELECT_TO_DELETE, blocked)
    else:
        if len(selected) > 1:
            states[ActionId.RENAME] = _state(False, SELECT_ONE_TO_RENAME, blocked)
        elif locked is not None:
            states[ActionId.RENAME] = _state(False, locked_reason(locked), blocked)
        else:
            states[ActionId.RENAME] = _state(True, "", blocked)
        reason = "" if locked is None else locked_reason(locked) if len(all_locked) == 1 else several_locked(all_locked)
        states[ActionId.DELETE] = _state(locked is None, reason, blocked)
    states[ActionId.COPY] = ActionState(True) if selected else ActionState(False, SELECT_TO_COPY)
    states[ActionId.MERGE] = _merge_state(selected, busy, blocked)
    if refresh_blocked is None and not keeps_deleted:
        states[ActionId.DELETED] = ActionState(False, NO_SAVED_COPY)
    else:
        states[ActionId.DELETED] = ActionState(refresh_blocked is None, refresh_blocked)
    return states


def _merge_state(selected: Sequence[Label], busy: Label | None, blocked: str | None) -> ActionState:
    """Two or more labels, of which at most one is a system or app label (it can only be the one that stays)."""
    if busy is not None:
        return _state(False, f"{quoted(busy.display_name)} is being saved; wait a moment.", blocked)
    if len(selected) < 2:
        return _state(False, SELECT_TO_MERGE, blocked)
    if sum(not label.editable for label in selected) > 1:
        return _state(False, TWO_LOCKED_TO_MERGE, blocked)
    return _state(True, "", blocked)


class WindowActions:
    """The window's QActions, made from SPECS, each calling its slot in ``slots`` when triggered.

    They are added to ``window``, so their shortcuts work wherever the focus is in it.
    """

    def __init__(self, window: QWidget, slots: Mapping[ActionId, Callable[[], object]]) -> None:
        self._actions: dict[ActionId, QAction] = {}
        #: Each action's tooltip as plain words (what ``toolTip()`` holds escaped; see why()).
        self._tips: dict[QAction, str] = {}
        for action_id, spec in SPECS.items():
            action = QAction(spec.text, window)
            if spec.icon:
                action.setIcon(icons.icon(spec.icon))
            if spec.shortcut is not None:
                action.setShortcut(QKeySequence(spec.shortcut))
            action.setCheckable(spec.checkable)
            action.setStatusTip(spec.tip)
            action.setData(spec.tip)  # the tooltip to show when enabled
            action.triggered.connect(slots[action_id])
            if spec.leaves_text_fields_alone:
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            window.addAction(action)
            self._actions[action_id] = action

    def __getitem__(self, action_id: ActionId) -> QAction:
        return self._actions[action_id]

    def show_states(self, states: Mapping[ActionId, ActionState]) -> None:
        """Enable or disable each action, with its tooltip saying what it does, or why it can't."""
        for action_id, state in states.items():
            action = self._actions[action_id]
            action.setEnabled(state.enabled)
            self._set_tip(action, SPECS[action_id].tip if state.reason is None else state.reason)

    def _set_tip(self, action: QAction, text: str) -> None:
        """Set an action's tooltip (which may quote a name or a Wix app's name) as plain text."""
        self._tips[action] = text
        action.setToolTip(plain_tooltip(text))

    def why(self, action: QAction) -> str:
        """An action's tooltip as words for the status bar (what ``toolTip()`` may hold escaped)."""
        return self._tips.get(action) or action.toolTip()

    def redraw_icons(self) -> None:
        """Light to dark (or back): draw the icons again in the new text colour."""
        for action_id, action in self._actions.items():
            name = SPECS[action_id].icon
            if name:
                action.setIcon(icons.icon(name))
