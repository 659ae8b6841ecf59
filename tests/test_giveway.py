"""Workers give way to the GUI thread while it handles events, never for long."""

from __future__ import annotations

import threading
import time

import pytest

from labeldesk import giveway


def test_without_a_busy_gui_nothing_waits():
    started = time.monotonic()
    for _ in range(1000):
        giveway.give_way()
    assert time.monotonic() - started < 0.05
    assert [list(part) for part in giveway.in_steps(list(range(5)), size=2)] == [[0, 1], [2, 3], [4]]


def test_a_worker_waits_while_the_gui_is_busy_and_goes_on_when_it_is_done():
    went_on = threading.Event()

    def worker():
        giveway.give_way()
        went_on.set()

    with giveway.gui_busy():
        with giveway.gui_busy():  # nested: one stretch
            thread = threading.Thread(target=worker)
            thread.start()
            assert not went_on.wait(0.01)
        assert not went_on.wait(0.01)
    assert went_on.wait(1)
    thread.join()


def test_one_busy_stretch_holds_workers_back_at_most_max_wait_in_all():
    went_on = []

    def worker():
        for _ in range(20):
            giveway.give_way()
        went_on.append(time.monotonic())

    began = time.monotonic()
    with giveway.gui_busy():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(5)
    # Counted from the start of the busy stretch, however late the worker itself started. Twenty
    # full waits would be a whole second: well under that means one bounded stretch, not one per step.
    assert giveway.MAX_WAIT * 0.9 <= went_on[0] - began < 0.5


def test_the_busy_thread_itself_never_waits():
    started = time.monotonic()
    with giveway.gui_busy():
        for _ in range(20):
            giveway.give_way()  # e.g. sorting on a header click runs the same steps as a worker
    assert time.monotonic() - started < giveway.MAX_WAIT / 2


def test_painting_the_table_and_filtering_hold_workers_back(qtbot, monkeypatch):
    from labeldesk.domain import Label, LabelType
    from labeldesk.ui.main_window import LabelsTable
    from labeldesk.ui.models import LabelTableModel

    busy = []
    model = LabelTableModel()
    model.apply_labels([Label(f"custom.{n}", f"Label {n}", LabelType.USER_DEFINED) for n in range(30)])
    original_relayout, original_fill = model._relayout, model.fill

    def relayout(visible):
        busy.append(not giveway._gui_waiting.is_set())
        original_relayout(visible)

    def fill(*args):
        busy.append(not giveway._gui_waiting.is_set())
        original_fill(*args)

    monkeypatch.setattr(model, "_relayout", relayout)
    monkeypatch.setattr(model, "fill", fill)
    model.set_search("label 1")
    assert busy == [True]
    table = LabelsTable()
    qtbot.addWidget(table)
    table.setModel(model)
    table.show()
    qtbot.waitUntil(lambda: len(busy) > 1)
    assert all(busy)
    assert giveway._gui_waiting.is_set()


def test_while_the_gui_is_busy_threads_take_shorter_turns():
    import sys

    usual = sys.getswitchinterval()
    with giveway.gui_busy():
        with giveway.gui_busy():
            assert sys.getswitchinterval() == pytest.approx(giveway.BUSY_SWITCH_INTERVAL)
        assert sys.getswitchinterval() == pytest.approx(giveway.BUSY_SWITCH_INTERVAL)
    assert sys.getswitchinterval() == pytest.approx(usual)
