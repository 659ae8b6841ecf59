"""Guards against a broken Qt binding: PySide6 6.12.0 on Python 3.11 leaked a reference to True on every
Signal.emit() (and to None on every processEvents()); LabelDesk then aborted in bool_dealloc after a few
hundred refreshes. pyproject.toml keeps that version out; this test notices if one like it comes back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject, Signal


class Emitter(QObject):
    happened = Signal(object)
    bare = Signal()


def test_signals_and_event_processing_keep_reference_counts_steady(qapp):
    emitter = Emitter()
    emitter.happened.connect(lambda value: None)
    emitter.bare.connect(lambda: None)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(10_000):
        emitter.happened.emit(1)
        emitter.bare.emit()
    for _ in range(1_000):
        QCoreApplication.processEvents()
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert abs(after[0] - before[0]) < 50, f"True lost {before[0] - after[0]} references"
    assert abs(after[1] - before[1]) < 50, f"None lost {before[1] - after[1]} references"
