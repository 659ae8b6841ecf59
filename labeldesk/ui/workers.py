"""Running slow calls off the GUI thread.

One mechanism for everything: a :class:`Task` (a QRunnable) runs a plain function on a thread pool and
reports through a :class:`TaskSignals` QObject that lives on the GUI thread, so its signals arrive there
as queued events. Tasks never touch widgets or models. The runner keeps each task alive until it has
reported, so nothing is garbage-collected mid-flight.

Three pools: reads may run side by side; writes run on a pool of one thread, so they reach the
service in the order the user made them; disk work (the cache) has its own single thread, so a slow
network write never holds up saving or loading the offline copy.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from labeldesk.errors import KnownError, UnexpectedError

log = logging.getLogger(__name__)

__all__ = ["Task", "TaskRunner", "TaskSignals", "UnexpectedError"]  # (UnexpectedError lived here: labeldesk.errors)


class TaskSignals(QObject):
    """Signals: ``succeeded(result)``, ``failed(error)``; exactly one of them, then ``finished()``."""

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()


class Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], name: str) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner owns it until ``finished``
        self.fn = fn
        self.name = name
        self.signals = TaskSignals()

    def run(self) -> None:
        try:
            result = self.fn()
        # Expected failures: said in plain words by whoever asked. (A foreign answer is a save refused on
        # purpose: the copy came from another address and stays as it was.)
        except KnownError as exc:
            log.info("%s failed: %r", self.name, exc)
            self.signals.failed.emit(exc)
        except Exception:
            log.exception("%s crashed", self.name)
            self.signals.failed.emit(UnexpectedError())
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


class TaskRunner(QObject):
    """Starts tasks on the read or write pool and keeps them alive until they report.

    Signals: ``busy_changed(bool)`` when the first task starts or the last one ends.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, read_threads: int = 2) -> None:
        super().__init__(parent)
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(read_threads)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)
        self._disk = QThreadPool(self)
        self._disk.setMaxThreadCount(1)
        self._running: dict[int, Task] = {}
        self._ids = itertools.count(1)
        self._stopped = False

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def read(self, fn: Callable[[], Any], name: str, on_success=None, on_failure=None) -> Task:
        return self._start(self._reads, fn, name, on_success, on_failure)

    def write(self, fn: Callable[[], Any], name: str, on_success=None, on_failure=None) -> Task:
        return self._start(self._writes, fn, name, on_success, on_failure)

    def disk(self, fn: Callable[[], Any], name: str, on_success=None, on_failure=None) -> Task:
        return self._start(self._disk, fn, name, on_success, on_failure)

    def _start(self, pool: QThreadPool, fn, name, on_success, on_failure) -> Task:
        task = Task(fn, name)
        task_id = next(self._ids)
        if on_success is not None:
            task.signals.succeeded.connect(lambda result: self._deliver(on_success, result))
        if on_failure is not None:
            task.signals.failed.connect(lambda error: self._deliver(on_failure, error))
        task.signals.finished.connect(lambda: self._forget(task_id))
        was_busy = self.busy
        self._running[task_id] = task
        if not was_busy:
            self.busy_changed.emit(True)
        pool.start(task)
        return task

    def stop(self) -> None:
        """From now on, results that are still on their way are dropped (after shutdown)."""
        self._stopped = True

    def _deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        # A task can report after its owner was shut down or deleted (queued signals outlive it):
        # then nobody is listening any more.
        if not self._stopped and shiboken6.isValid(self):
            callback(value)

    def _forget(self, task_id: int) -> None:
        if not shiboken6.isValid(self):
            return
        self._running.pop(task_id, None)
        if not self._running:
            self.busy_changed.emit(False)

    def wait_for_done(self, msecs: int = 10_000) -> bool:
        """Block until every task has finished, network ones included (tests; quitting waits only
        for the disk: wait_for_disk)."""
        return all(pool.waitForDone(msecs) for pool in (self._reads, self._writes, self._disk))

    def wait_for_disk(self, msecs: int = 10_000) -> bool:
        """Block until the disk tasks have finished, never for the network (at quit). False after ``msecs``.

        A read or write waiting on a slow network can't be cut short from here (closing its client
        doesn't wake a socket that is waiting for an answer), and its answer would go nowhere: the
        process ends without waiting for it (see __main__).
        """
        return self._disk.waitForDone(msecs)
