"""The safety net for the move to a sync engine (issue 14): a Hypothesis state machine that drives random
sequences of create, rename, delete and refresh, and changes made elsewhere on the site, through LabelDesk
against the emulator over loopback, with random faults (5xx, dropped connections and lost replies, 429 with
Retry-After, latency), and writes sent while a refresh is in flight: one that reaches the site before the
refresh reads it, or after (the emulator reads the site, then holds the answer back: LabelDesk gets a list
older than the write it has just made, and must keep the write). After every step, once things have
settled, it checks that:

- the table's labels equal the emulator's (key -> display name, type) whenever a refresh has succeeded
  since the last change LabelDesk couldn't know about, and the saved copy (reopened) equals the table;
- a create, rename or delete that reported success is on the site exactly once (no second label made by
  a retried find-or-create; a renamed key holds its new name, a deleted key is gone), and one that failed
  changed nothing in the table (but for a label Wix says is gone: it leaves the table);
- a name the rules refuse is refused without a request; a rename of a label Wix or an app owns is refused
  and changes nothing (today Wix refuses it: the window never offers it; the engine may refuse it itself);
- nothing crashed: no exception in a slot (pytest-qt's capture stays on) and no "unexpected problem".

Every way the test reaches LabelDesk goes through :class:`LabelDeskDriver`; when the engine arrives, only
that class changes.

How many examples: ``LABELDESK_HYPOTHESIS`` picks a settings profile. Unset (``ci``): a few, derandomized,
no example database, well under a minute. ``long``: 500 examples of up to 30 steps, for an on-demand run::

    LABELDESK_HYPOTHESIS=long .venv/bin/python -m pytest -q -p no:cacheprovider tests/ui/test_sync_machine.py
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from labeldesk.api import errors
from labeldesk.cache import LabelCache, cache_path
from labeldesk.domain import FindOrCreateResult, Label, clean_name, name_problem
from labeldesk.emulator import ApiError, Emulator, LabelStore, seed_empty
from labeldesk.emulator.seeds import APP_LABELS
from labeldesk.sites import Site
from labeldesk.ui.controller import LabelsController
from labeldesk.ui.main_window import MainWindow
from labeldesk.ui.workers import UnexpectedError
from tests.conftest import make_client

hypothesis_settings.register_profile(
    "ci",
    max_examples=15,
    stateful_step_count=12,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is never red by luck
    database=None,  # nothing written into the repo
    # No shrinking: over real sockets it takes minutes, past the test's time limit, and a run cut off
    # by that limit shows only "Timeout", not the steps that failed. CI prints the failing example as
    # found; the long profile shrinks it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "long",
    max_examples=500,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE_NAME = os.environ.get("LABELDESK_HYPOTHESIS", "ci")
PROFILE = hypothesis_settings.get_profile(PROFILE_NAME)

#: How long settling may take: the slowest fault is a few Retry-After waits and background tries.
SETTLE_MS = 30_000

#: Names to create and rename to: near-duplicates (case, spaces, composed and decomposed accents,
#: full-width), non-ASCII, line breaks LabelDesk turns into spaces.
GOOD_NAMES = (
    "VIP",
    "vip",
    "VIP ",
    " VIP",
    "VIP\n",
    "V I P",
    "ＶＩＰ",
    "Café",
    "Cafe\u0301",
    "東京 Visitors",
    "Zoë's Club",
    "a\tb",
    "a b",
    "Staff",
    "🎂 Birthday",
)
#: Names the name rule refuses (empty, invisible, a control character, a bidi override, too long).
BAD_NAMES = ("", "   ", "\n\t", "bell\x07", "\u202eevil", "\u200b", "x" * 181)
#: Names another Wix user gives labels (Wix's own rules only).
ELSEWHERE_NAMES = ("VIP", "Staff", "Café", "Elsewhere", "東京 Visitors", "vip")


# -- the driver: the one place that knows how LabelDesk is reached -------------------------------------


@dataclass
class Outcome:
    """What one intent came to, once settled: ``value`` if it succeeded, else ``error``."""

    done: bool = False
    ok: bool = False
    value: object = None
    error: object = None


@dataclass
class Events:
    """What LabelDesk reported, in order: ("loaded", None), ("write_failed", error), ..."""

    seen: list[tuple[str, object]] = field(default_factory=list)
    errors: list[object] = field(default_factory=list)


class LabelDeskDriver:
    """How the state machine reaches LabelDesk: sends an intent, waits until things settle, reads the table
    and the saved copy. Everything else in this file speaks only to this class.

    Today the boundary is :class:`~labeldesk.ui.controller.LabelsController` (intents: ``refresh``,
    ``create``, ``rename``, ``delete``; results as its signals), wired to the real table model by the real
    :class:`~labeldesk.ui.main_window.MainWindow` (``attach``), with the real :class:`LabelCache` as the
    saved copy. "Settled" is: the intent has answered, no call or cache write is in flight, no background
    try is booked and the table isn't sorting.

    When the sync engine of issue 14 arrives, only this class changes: ``start`` builds the session with
    the engine (in-process or its helper process) instead of the controller; the intent methods send the
    engine's ``Intent`` values and ``Outcome`` comes from its ``Event`` replies; ``settled`` becomes "every
    request id has its done event and the engine's queue is empty"; ``table`` and ``saved`` stay as they are.
    """

    def __init__(self, qtbot, window_settings, emulator: Emulator, folder: Path) -> None:
        self.qtbot = qtbot
        self.emulator = emulator
        self.cache_file = cache_path(folder, emulator.site_id, emulator.base_url)
        self.events = Events()
        self.window = MainWindow(window_settings)
        qtbot.addWidget(self.window)
        # Background tries while offline come quickly, so a step settles soon after its faults are used up.
        self.controller = LabelsController(
            make_client(emulator), LabelCache(self.cache_file, emulator.base_url), retry_seconds=(0.02, 0.05)
        )
        c = self.controller
        c.labels_loaded.connect(lambda batch: self.events.seen.append(("loaded", None)))
        for signal, kind in ((c.refresh_failed, "refresh_failed"), (c.counts_failed, "counts_failed")):
            signal.connect(lambda error, kind=kind: self._failed(kind, error))
        c.write_failed.connect(lambda doing, error: self._failed("write_failed", error))
        c.auth_failed.connect(lambda error: self._failed("auth_failed", error))

    def _failed(self, kind: str, error: object) -> None:
        self.events.seen.append((kind, error))
        self.events.errors.append(error)

    def start(self) -> None:
        self.window.attach(self.controller, Site(self.emulator.site_id, "Test site", self.emulator.base_url))
        self.settle()

    def close(self) -> None:
        self.controller.shutdown()
        self.window.close()

    # -- intents --------------------------------------------------------------------------------------

    def refresh(self, *, wait: bool = True) -> None:
        """Refresh; ``wait=False`` returns at once, so the next intent lands while the refresh is in flight."""
        self.controller.refresh()
        if wait:
            self.settle()

    def create(self, name: str) -> Outcome:
        return self._write(lambda done, failed: self.controller.create(name, done, failed))

    def rename(self, key: str, name: str) -> Outcome:
        label = self.table()[key]
        return self._write(lambda done, failed: self.controller.rename(label, name, done, failed))

    def delete(self, key: str) -> Outcome:
        label = self.table()[key]
        return self._write(lambda done, failed: self.controller.delete(label, done, failed))

    def _write(self, send) -> Outcome:
        outcome = Outcome()

        def done(value: object) -> None:
            outcome.done, outcome.ok, outcome.value = True, True, value

        def failed(error: object) -> None:
            outcome.done, outcome.error = True, error

        send(done, failed)
        self.settle(lambda: outcome.done)
        return outcome

    def settle(self, answered=lambda: True) -> None:
        c, model = self.controller, self.window.model
        self.qtbot.waitUntil(
            lambda: answered() and not c.busy and c.next_retry_in is None and not model.sorting,
            timeout=SETTLE_MS,
        )

    # -- what LabelDesk holds -------------------------------------------------------------------------

    def table(self) -> dict[str, Label]:
        """The table's labels by key (and a check that every row shows one of them, once)."""
        model = self.window.model
        labels = {label.key: label for label in model.labels}
        rows = [model.label_at(row).key for row in range(model.rowCount())]
        assert len(labels) == model.total == len(model.labels)
        assert sorted(rows) == sorted(labels), "the rows shown aren't the table's labels, each once"
        return labels

    def saved(self) -> dict[str, Label]:
        """The saved copy's labels by key, read through a LabelCache of its own (as the next start would)."""
        cache = LabelCache(self.cache_file, self.emulator.base_url)
        try:
            return {label.key: label for label in cache.load().labels}
        finally:
            cache.close()


# -- the machine ---------------------------------------------------------------------------------------

FAULTS = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(["500", "502", "503"]), st.integers(1, 4)),
    st.tuples(st.just("429"), st.integers(1, 4), st.sampled_from([0, 0.05, 0.2])),
    st.tuples(st.sampled_from(["drop", "drop_reply"]), st.integers(1, 4)),
    st.tuples(st.just("latency"), st.sampled_from([20, 80, 150])),
)
PICK = st.integers(0, 10_000)
#: A write sent while a refresh is in flight reaches the site after the refresh has read it (its answer,
#: on its way back, is older than the write), or before (the answer includes the write); or no refresh.
READ_BEFORE_THE_WRITE, READ_AFTER_THE_WRITE = "read before the write", "read after the write"
DURING_REFRESH = st.sampled_from([None, READ_BEFORE_THE_WRITE, READ_AFTER_THE_WRITE])
#: How long the emulator holds back an answer read before the write: long enough for a write that meets
#: no fault (or a quick one) to be answered first.
HELD_ANSWER_SECONDS = 0.3


def site_labels(store: LabelStore) -> dict[str, tuple[str, str]]:
    return {label["key"]: (label["displayName"], label["labelType"]) for label in store.snapshot()}


def shown(labels: dict[str, Label]) -> dict[str, tuple[str, str]]:
    return {key: (label.display_name, label.label_type.value) for key, label in labels.items()}


#: Failures that say the change was not made (a refused name, a refusal by Wix): not even on the site.
NOT_APPLIED = (
    errors.InvalidNameError,
    errors.ValidationError,
    errors.LabelNotEditableError,
    errors.ConflictError,
    errors.LabelNotFoundError,
    errors.QuotaReachedError,
)


class SyncMachine(RuleBasedStateMachine):
    def __init__(self, qtbot, window_settings, folder: Path, exceptions: list) -> None:
        super().__init__()
        self.exceptions = exceptions
        self.store = LabelStore()
        seed_empty(self.store)
        for name in ("VIP", "Staff", "Café"):
            self.store.add_label(name)
        for namespace, title, name in APP_LABELS:
            self.store.add_label(name, label_type="WIX_APP_DEFINED", namespace=namespace, namespace_display_name=title)
        self.emulator = Emulator(self.store, rate_limit=None).start()
        self.driver: LabelDeskDriver | None = None
        self.qtbot, self.window_settings, self.folder = qtbot, window_settings, folder
        #: True while a refresh has succeeded since the last change LabelDesk can't know about.
        self.synced = False

    @initialize()
    def open_site(self) -> None:
        self.driver = LabelDeskDriver(self.qtbot, self.window_settings, self.emulator, self.folder)
        self.driver.start()
        self._take_events()
        assert self.synced, f"the first refresh failed: {self.driver.events.errors}"

    def teardown(self) -> None:
        if self.driver is not None:
            self.driver.close()
        self.emulator.stop()

    # -- helpers --------------------------------------------------------------------------------------

    def _fault(self, fault) -> None:
        faults = self.emulator.faults
        if fault is None:
            return
        kind, *args = fault
        if kind in {"500", "502", "503"}:
            faults.fail_next(args[0], status=int(kind))
        elif kind == "429":
            faults.fail_next(args[0], status=429, retry_after=args[1])
        elif kind == "drop":
            faults.drop_next(args[0])
        elif kind == "drop_reply":
            faults.drop_reply_next(args[0])
        else:
            faults.latency_ms = args[0]

    def _refresh_in_flight(self, when: str | None) -> None:
        """Unless ``when`` is None: starts a refresh whose two reads (the labels, the contact counts) the
        emulator holds back a moment, and returns once both have reached it, so the write that follows is
        sent while the refresh is in flight. ``when`` says whether the emulator reads the site before the
        write reaches it (the answer is older than the write: LabelDesk must keep the write) or after (the
        answer includes it)."""
        faults = self.emulator.faults
        if when is None:
            return
        if when == READ_BEFORE_THE_WRITE:
            held = faults.held
            faults.answer_late_next(2, seconds=HELD_ANSWER_SECONDS)
            self.driver.refresh(wait=False)
            self.qtbot.waitUntil(lambda: faults.held == held + 2, timeout=SETTLE_MS)
        else:
            faults.stall_next(2, seconds=0.2)
            self.driver.refresh(wait=False)
            self.qtbot.waitUntil(lambda: faults.pending == 0, timeout=SETTLE_MS)

    def _calm(self) -> None:
        """Ends a step's fault: what it didn't use doesn't spill into the next step."""
        self.emulator.faults.clear()
        self.emulator.faults.latency_ms = 0

    def _take_events(self) -> None:
        """Follows what LabelDesk reported during the step: a refresh that succeeded puts the table in step
        with the site; a write that failed in a way that may have reached Wix (a lost reply) may not."""
        for kind, error in self.driver.events.seen:
            if kind == "loaded":
                self.synced = True
            elif kind == "write_failed" and not isinstance(error, NOT_APPLIED):
                self.synced = False
        self.driver.events.seen.clear()

    def _writes_sent(self) -> int:
        return sum(1 for request in self.emulator.requests if request.method != "GET")

    def _user_keys(self) -> list[str]:
        return sorted(key for key, (_, kind) in site_labels(self.store).items() if kind == "USER_DEFINED")

    def _pick_shown(self, pick: int, *, editable: bool) -> str | None:
        keys = sorted(key for key, label in self.driver.table().items() if label.editable == editable)
        return keys[pick % len(keys)] if keys else None

    def _names_on_site(self, name: str) -> list[str]:
        return [key for key, (shown_name, _) in site_labels(self.store).items() if shown_name == name]

    def _check_failed_write(self, outcome, before: dict[str, Label], key: str | None) -> None:
        """A write that failed changed nothing in the table, unless a refresh (a background try after a
        network failure) has since brought the site's state (checked by the invariant)."""
        assert isinstance(outcome.error, errors.WixError), outcome.error
        if isinstance(outcome.error, errors.LabelNotFoundError) and key is not None:
            assert key not in site_labels(self.store)
            before = {k: v for k, v in before.items() if k != key}  # gone from Wix: gone from the table
        if not any(kind == "loaded" for kind, _ in self.driver.events.seen):
            assert self.driver.table() == before, "a change that failed changed the table"

    # -- rules ----------------------------------------------------------------------------------------

    @rule(fault=FAULTS)
    def refresh(self, fault) -> None:
        before = self.driver.table()
        self._fault(fault)
        self.driver.refresh()
        self._calm()
        if not any(kind == "loaded" for kind, _ in self.driver.events.seen):  # it failed, and no later try got through
            assert any(kind == "refresh_failed" for kind, _ in self.driver.events.seen)
            assert self.driver.table() == before, "a refresh that failed changed the table"
        self._take_events()

    @rule(name=st.sampled_from(GOOD_NAMES + BAD_NAMES), fault=FAULTS, during_refresh=DURING_REFRESH)
    def create(self, name: str, fault, during_refresh: str | None) -> None:
        before, writes = self.driver.table(), self._writes_sent()
        existed = self._names_on_site(clean_name(name)) if name_problem(name) is None else []
        self._refresh_in_flight(during_refresh)
        self._fault(fault)
        outcome = self.driver.create(name)
        self._calm()
        if name_problem(name) is not None:
            assert isinstance(outcome.error, errors.InvalidNameError), outcome
            assert self._writes_sent() == writes, "a refused name was sent"
            self._check_failed_write(outcome, before, None)
        elif outcome.ok:
            result = outcome.value
            assert isinstance(result, FindOrCreateResult)
            assert result.label.display_name == clean_name(name)
            assert self._names_on_site(clean_name(name)) == [result.label.key], "the label is on the site twice"
            if existed:
                assert result.created is not True, "an existing label was reported as new"
                assert existed == [result.label.key]
            else:
                assert result.created is not False, "a new label was reported as existing"
            assert self.driver.table()[result.label.key] == result.label
        else:
            self._check_failed_write(outcome, before, None)
            assert len(self._names_on_site(clean_name(name))) <= 1
        self._take_events()

    @rule(pick=PICK, name=st.sampled_from(GOOD_NAMES + BAD_NAMES), fault=FAULTS, during_refresh=DURING_REFRESH)
    def rename(self, pick: int, name: str, fault, during_refresh: str | None) -> None:
        key = self._pick_shown(pick, editable=True)
        if key is None:
            return
        before, writes = self.driver.table(), self._writes_sent()
        self._refresh_in_flight(during_refresh)
        self._fault(fault)
        outcome = self.driver.rename(key, name)
        self._calm()
        if name_problem(name) is not None:
            assert isinstance(outcome.error, errors.InvalidNameError), outcome
            assert self._writes_sent() == writes, "a refused name was sent"
            self._check_failed_write(outcome, before, None)
        elif outcome.ok:
            label = outcome.value
            assert label.key == key and label.display_name == clean_name(name)
            assert self._names_on_site(clean_name(name)) == [key], "the new name is on the site twice"
            assert self.driver.table()[key] == label
        else:
            self._check_failed_write(outcome, before, key)
        self._take_events()

    @rule(pick=PICK, name=st.sampled_from(GOOD_NAMES))
    def rename_a_label_wix_owns(self, pick: int, name: str) -> None:
        key = self._pick_shown(pick, editable=False)
        assert key is not None  # Wix's and the apps' labels are always there
        before, site = self.driver.table(), site_labels(self.store)
        outcome = self.driver.rename(key, name)
        assert isinstance(outcome.error, errors.LabelNotEditableError), outcome
        assert self.driver.table() == before and site_labels(self.store) == site

    @rule(pick=PICK, fault=FAULTS, during_refresh=DURING_REFRESH)
    def delete(self, pick: int, fault, during_refresh: str | None) -> None:
        key = self._pick_shown(pick, editable=True)
        if key is None:
            return
        before = self.driver.table()
        self._refresh_in_flight(during_refresh)
        self._fault(fault)
        outcome = self.driver.delete(key)
        self._calm()
        if outcome.ok:
            assert key not in site_labels(self.store)
            assert key not in self.driver.table()
        else:
            self._check_failed_write(outcome, before, key)
        self._take_events()

    @rule(name=st.sampled_from(ELSEWHERE_NAMES))
    def created_elsewhere(self, name: str) -> None:
        self.store.find_or_create({"displayName": name})
        self.synced = False

    @rule(pick=PICK, name=st.sampled_from(ELSEWHERE_NAMES))
    def renamed_elsewhere(self, pick: int, name: str) -> None:
        keys = self._user_keys()
        if keys:
            key = keys[pick % len(keys)]
            try:
                self.store.rename(key, {"label": {"key": key, "displayName": name}})
            except ApiError:  # that name is taken: Wix says no to them too
                return
            self.synced = False

    @rule(pick=PICK)
    def deleted_elsewhere(self, pick: int) -> None:
        keys = self._user_keys()
        if keys:
            self.store.delete(keys[pick % len(keys)])
            self.synced = False

    # -- after every step -----------------------------------------------------------------------------

    @invariant()
    def nothing_crashed(self) -> None:
        assert not self.exceptions, "an exception in a slot"
        if self.driver is not None:
            unexpected = [e for e in self.driver.events.errors if isinstance(e, UnexpectedError | errors.AuthError)]
            assert not unexpected, unexpected

    @invariant()
    def table_site_and_saved_copy_agree(self) -> None:
        if self.driver is None:
            return
        table = self.driver.table()
        if self.synced:
            assert shown(table) == site_labels(self.store), "after a refresh, the table isn't the site"
        assert self.driver.saved() == table, "the saved copy isn't the table"


@pytest.mark.timeout(120 if PROFILE_NAME == "ci" else 0)  # a long run takes as long as it takes
def test_labeldesk_keeps_in_step_with_the_site(qtbot, settings, tmp_path):
    """See the module's docstring. A failure prints the steps that lead to it, shrunk."""
    examples = iter(range(1_000_000))
    # Hypothesis keeps a cache of its own (besides the example database, which is off): in the test's
    # folder, never in the repo.
    set_hypothesis_home_dir(tmp_path / "hypothesis")
    try:
        with qtbot.captureExceptions() as exceptions:
            run_state_machine_as_test(
                lambda: SyncMachine(qtbot, settings, tmp_path / f"example-{next(examples)}", exceptions),
                settings=PROFILE,
            )
    finally:
        set_hypothesis_home_dir(None)
