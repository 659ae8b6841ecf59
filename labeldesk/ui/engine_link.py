"""One site's line to its sync engine: the engine's life, the work on its way, answers to requests.

The controller (labeldesk.ui.controller) decides what to ask; this decides nothing. It starts the
engine when first needed, and again if it dies; counts the intents that set it to work until the
engine says it has taken them in (so ``busy`` is true from the moment something is asked); and hands
each answer to the request that asked for it.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec
from PySide6.QtCore import QObject, Signal

from labeldesk.api.errors import WixError
from labeldesk.domain import FindOrCreateResult, Label
from labeldesk.engine import protocol as p
from labeldesk.engine.host import EngineHost
from labeldesk.errors import Failure
from labeldesk.index import Column, LabelBatch

if TYPE_CHECKING:
    from labeldesk.api.client import WixLabelsClient

log = logging.getLogger(__name__)

#: At most this many engines are started again within RESTART_WINDOW_SECONDS (seconds).
MAX_RESTARTS = 3
RESTART_WINDOW_SECONDS = 60.0


class EngineStoppedError(WixError):
    """The engine ended while a change was on its way: it may or may not have reached Wix."""

    default_message = (
        "LabelDesk's connection to Wix restarted while this change was on its way. "
        "It may or may not have been made: refresh (F5) to see."
    )
    asking_again_helps = True


ENGINE_GONE = (
    "LabelDesk's connection to Wix keeps stopping, so it has stopped trying. Close LabelDesk and open it "
    "again; if this happens again, the log file says why."
)


class _Request(msgspec.Struct):
    on_success: Callable[[Any], None]
    on_failure: Callable[[Any], None]


def error_from(info: p.ErrorInfo) -> Failure:
    """An error from the engine, as the class it was raised as (UnexpectedError for a bug)."""
    return p.rebuild_error(info)  # (a cache failure stays one: see LabelsController._cache_refused)


class EngineLink(QObject):
    """Signals: ``news(Event)`` for each event that answers no request (a refresh's parts, counts,
    news); ``busy_changed(bool)``; ``restarted()`` when a new engine took over from one that died
    (the requests on their way were failed with EngineStoppedError).

    ``cache_path``: the saved copy the engine writes (None for none).
    """

    news = Signal(object)
    busy_changed = Signal(bool)
    restarted = Signal()

    def __init__(self, cache_path: str | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache_path = cache_path
        self.client: WixLabelsClient | None = None
        self._host: EngineHost | None = None
        self._requests: dict[int, _Request] = {}
        self._request_ids = itertools.count(1)
        #: Intents that set the engine to work, sent and acknowledged (see protocol.Idle).
        self._work_sent = 0
        self._work_handled = 0
        self._was_busy = False
        self._closed = False
        self._deaths: list[float] = []
        #: True once engines kept dying and no new one is started (the window says so).
        self.gave_up = False

    @property
    def host(self) -> EngineHost:
        """The engine (started now if it wasn't yet)."""
        return self._host if self._host is not None else self.start()

    @property
    def busy(self) -> bool:
        return self._work_sent > self._work_handled

    def start(self, host: EngineHost | None = None) -> EngineHost:
        """Start the engine (or use ``host``, already started) and open the site in it."""
        self._host = host if host is not None else EngineHost(_mode_for(self.client), self)
        self._host.setParent(self)
        self._host.event_received.connect(self._on_event)
        self._host.died.connect(self._on_died)
        settings, handle = self._hand_over(self.client)
        self._host.send(p.Open(settings, handle, self.cache_path))
        return self._host

    def use_client(self, client: WixLabelsClient) -> None:
        self.client = client
        if self._host is None:
            self.start()  # (its Open names the client)
        else:
            settings, handle = self._hand_over(client)
            self._host.send(p.UseClient(settings, handle))

    def _hand_over(self, client: WixLabelsClient | None) -> tuple[p.ClientSettings | None, int | None]:
        if client is None or self._host is None:
            return None, None
        named = self._host.hand_over(client)
        return (named, None) if isinstance(named, p.ClientSettings) else (None, named)

    def next_request(self) -> int:
        return next(self._request_ids)

    def send(self, intent: p.Intent) -> None:
        if self.gave_up:
            self._refuse(intent)
            return
        if isinstance(intent, p.WORK):
            self._work_sent += 1
            self._update_busy()
        self.host.send(intent)

    def request(
        self,
        intent: p.CreateLabel
        | p.RenameLabel
        | p.DeleteLabel
        | p.FindLabelsNamed
        | p.ListContacts
        | p.PreviewMerge
        | p.MergeLabels
        | p.ListDeleted
        | p.RestoreLabel,
        on_success: Callable[[Any], None],
        on_failure: Callable[[Any], None],
    ) -> None:
        """Send ``intent``; its answer goes to ``on_success`` (the label, FindOrCreateResult or labels
        found; the ContactsPage, MergePreview or DeletedList; a merge's or restore's OperationStarted)
        or ``on_failure`` (the error)."""
        self._requests[intent.request] = _Request(on_success, on_failure)
        self.send(intent)

    def send_if_started(self, intent: p.Intent) -> bool:
        """Send ``intent`` only to an engine that is running already. False if there is none."""
        if self._host is None:
            return False
        self.send(intent)
        return True

    def finish_later(self) -> None:
        """Tell the engine to finish the saved copy's writes and stop, without waiting for it here
        (a site switched away from, signed out of); nothing it sends from now on is passed on."""
        self._closed = True
        if self._host is not None:
            self._host.finish_later()

    def close(self, wait_ms: int) -> None:
        """Tell the engine to finish the saved copy's writes and stop, waiting ``wait_ms`` at most;
        nothing it sends from now on is passed on."""
        self._closed = True
        if self._host is not None:
            self._host.shutdown(wait_ms)

    # -- from the engine ------------------------------------------------------------------------------

    def _on_event(self, event: p.Event) -> None:
        if self._closed:
            return  # answers still on their way go nowhere now
        match event:
            case p.Idle():
                self._work_handled = event.handled
                self._update_busy()
            case p.Created():
                self._answer(event.request, FindOrCreateResult(event.label, event.created))
            case p.Renamed() | p.Deleted():
                self._answer(event.request, event.label)
            case p.Found():
                self._answer(event.request, event.labels)
            case p.ContactsPage() | p.MergePreview() | p.DeletedList():
                self._answer(event.request, event)
            case p.OperationStarted(resumed=False) if event.request is not None:
                # (a resumed one's request, if any, was another engine's: it answers nothing here)
                self._answer(event.request, event)  # (its progress and its end come as news)
            case p.RequestFailed():
                self._answer(event.request, error_from(event.error), failed=True)
            case _:
                self.news.emit(event)

    def _refuse(self, intent: p.Intent) -> None:
        """No engine runs any more (see gave_up): a request fails at once, plainly."""
        request = getattr(intent, "request", None)
        if request is not None:
            self._answer(request, EngineStoppedError(ENGINE_GONE), failed=True)

    def _answer(self, request_id: int, value: Any, *, failed: bool = False) -> None:
        request = self._requests.pop(request_id, None)
        if request is not None:
            (request.on_failure if failed else request.on_success)(value)

    def _update_busy(self) -> None:
        busy = self.busy
        if busy != self._was_busy:
            self._was_busy = busy
            self.busy_changed.emit(busy)

    def _on_died(self) -> None:
        """Start a new engine (unless they keep dying); what the old one had on its way is reported
        as not known to be done."""
        old = self.host
        old.event_received.disconnect(self._on_event)
        self._work_handled = self._work_sent = 0
        now = time.monotonic()
        self._deaths = [moment for moment in self._deaths if now - moment < RESTART_WINDOW_SECONDS] + [now]
        if len(self._deaths) <= MAX_RESTARTS:
            log.warning("starting a new sync engine")
            self.start(EngineHost(old.mode, self))
        else:  # (a broken install would only start one after another): stop, and say so
            log.error("the sync engine stopped %d times in a minute; not starting another", len(self._deaths))
            self.gave_up = True
        old.finish_later(0)
        requests, self._requests = self._requests, {}
        for request in requests.values():
            request.on_failure(EngineStoppedError())
        self.restarted.emit()
        self._update_busy()


def _mode_for(client: object) -> str | None:
    """Where an engine for ``client`` runs: the default, unless the client can't leave this process."""
    portable = client is None or (type(client).__name__ == "WixLabelsClient" and getattr(client, "portable", True))
    return None if portable else "thread"


class ArrivingLabels:
    """A refresh's labels as the engine's parts arrive (LabelsPart), made a LabelBatch at the end.

    Each part is taken in as it comes (its keys, its labels by key, its texts side by side), so the end
    has nothing left to do on the GUI thread for a big refresh but hand the lists over."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self._labels: list[Label] = []
        self._keys: list[str] = []
        self._texts: list[str] = []
        self._by_key: dict[str, Label] = {}
        self._search: dict[str, str] = {}

    def add(self, part: p.LabelsPart) -> None:
        keys = [label.key for label in part.labels]
        self._labels += part.labels
        self._keys += keys
        self._texts += part.texts
        self._by_key.update(zip(keys, part.labels, strict=True))
        self._search.update(zip(keys, part.texts, strict=True))

    def batch(self, done: p.LabelsDone) -> LabelBatch:
        """Every label sent, with its search text and (when the engine sorted them) their order."""
        if done.sort_spec is None or len(self._by_key) != len(self._keys):  # (unsorted, or a key twice)
            return LabelBatch(self._labels, self._search, unreadable=done.unreadable)
        spec = (Column(done.sort_spec[0]), done.sort_spec[1])
        return LabelBatch(
            self._labels,
            self._search,
            self._keys,
            spec,
            self._by_key,
            order_texts=self._texts,
            unreadable=done.unreadable,
        )
