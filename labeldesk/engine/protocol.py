"""The wire between the window and the sync engine: one ``Intent`` union in, one ``Event`` union out.

Qt-free and small: both processes import it. Every message is a msgspec Struct, tagged by its class
name, encoded as MessagePack and sent whole over a ``multiprocessing`` connection. A request the
window waits on carries a ``request`` id that its answer repeats; a refresh carries its ``generation``.

Errors cross as :class:`ErrorInfo` (the class's module and name, its message and its plain attributes) and are
rebuilt on the window's side as the same class (see :func:`error_info` and :func:`rebuild_error`), so
the window's ``isinstance`` checks and the error's words work as if it had been raised there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from labeldesk.api import errors as api_errors
from labeldesk.domain import Label
from labeldesk.engine.contact_messages import (
    CancelOperation,
    ContactsPage,
    CountsChanged,
    DeletedList,
    ListContacts,
    ListDeleted,
    MergeLabels,
    MergePreview,
    OperationDone,
    OperationFailed,
    OperationProgress,
    OperationStarted,
    PreviewMerge,
    RestoreLabel,
)
from labeldesk.engine.error_info import ErrorInfo
from labeldesk.errors import Failure, KnownError, UnexpectedError

if TYPE_CHECKING:
    from labeldesk.api.retry import RetryPolicy

log = logging.getLogger(__name__)

#: (column number, descending): the table's order, as the window's model names it.
WireSortSpec = tuple[int, bool]


class ClientSettings(msgspec.Struct, frozen=True):
    """What the engine needs to build a site's WixLabelsClient. Sent over the pipe, never on a
    command line or in the environment, because it holds the API key (``repr`` leaves it out)."""

    api_key: str
    site_id: str
    base_url: str
    retry: tuple[int, float, float, float]  # RetryPolicy's fields, in order
    timeout: tuple[float | None, float | None, float | None, float | None]  # connect, read, write, pool
    max_in_flight: int
    max_body_bytes: int
    #: The client's rate budget (contract 6.9 and 8): at most this many requests in any 60 seconds.
    requests_per_minute: int = 200

    def __repr__(self) -> str:
        return f"ClientSettings(site_id={self.site_id!r}, base_url={self.base_url!r})"

    def retry_policy(self) -> RetryPolicy:
        from labeldesk.api.retry import RetryPolicy  # (tenacity: only the engine needs it)

        return RetryPolicy(*self.retry)


# -- intents: window -> engine ---------------------------------------------------------------------------


class Open(msgspec.Struct, tag=True):
    """Start serving a site. ``client``: settings to build its client from, or None until the key is
    known. ``in_process_client``: (engine on a thread only) the id of a client object handed over in
    the same process instead. ``cache_path``: the saved copy's file, or None for none."""

    client: ClientSettings | None = None
    in_process_client: int | None = None
    cache_path: str | None = None


class Prefetch(msgspec.Struct, tag=True):
    """Before the window has a site open: read the key saved as ``account`` from the keyring and
    start reading the site's labels and counts, for the first Refresh of an Open that names the
    same site, address and key to take. Nothing is said if there is no key (the window asks)."""

    site_id: str
    base_url: str
    account: str


class UseClient(msgspec.Struct, tag=True):
    """From now on use this client (the key became known, or was replaced)."""

    client: ClientSettings | None = None
    in_process_client: int | None = None


class Refresh(msgspec.Struct, tag=True):
    """Read every label and the contact counts. ``expected``: how many labels the window shows (lets
    the client ask for every page at once); ``order``: the window's order, for the engine to sort in."""

    generation: int
    order: WireSortSpec | None = None
    expected: int | None = None


class CreateLabel(msgspec.Struct, tag=True):
    request: int
    name: str


class RenameLabel(msgspec.Struct, tag=True):
    request: int
    key: str
    name: str


class DeleteLabel(msgspec.Struct, tag=True):
    request: int
    label: Label


class FindLabelsNamed(msgspec.Struct, tag=True):
    """Labels whose display name is exactly ``name`` (contract section 5: displayName $eq)."""

    request: int
    name: str


class SetReadTimeout(msgspec.Struct, tag=True):
    seconds: float


class ForgetCache(msgspec.Struct, tag=True):
    """Delete the saved copy (sign-out) after any save already queued, and keep no more."""


class Shutdown(msgspec.Struct, tag=True):
    """Finish the saved copy's writes and stop. Network calls still out are not waited for."""


#: The intents that set the engine to work (each is counted in Idle.handled).
WORK = (
    Refresh,
    CreateLabel,
    RenameLabel,
    DeleteLabel,
    FindLabelsNamed,
    ForgetCache,
    ListContacts,
    PreviewMerge,
    MergeLabels,
    ListDeleted,
    RestoreLabel,
)

Intent = (
    Open
    | Prefetch
    | UseClient
    | Refresh
    | CreateLabel
    | RenameLabel
    | DeleteLabel
    | FindLabelsNamed
    | ListContacts
    | PreviewMerge
    | MergeLabels
    | ListDeleted
    | RestoreLabel
    | CancelOperation
    | SetReadTimeout
    | ForgetCache
    | Shutdown
)


# -- events: engine -> window ----------------------------------------------------------------------------


class RefreshProgress(msgspec.Struct, tag=True):
    generation: int
    read: int
    total: int | None


class LabelsPart(msgspec.Struct, tag=True):
    """Some of a refresh's labels, with their search texts in the same order. Sent in parts so the
    window decodes a little at a time between paints."""

    generation: int
    labels: list[Label]
    texts: list[str]


class LabelsDone(msgspec.Struct, tag=True):
    """The refresh's last word: every part was sent. ``sort_spec``: the parts came in that order (the
    window's), so the window has the order, side by side with the texts, as they arrive; None: unsorted."""

    generation: int
    unreadable: int = 0
    sort_spec: WireSortSpec | None = None


class RefreshFailed(msgspec.Struct, tag=True):
    generation: int
    error: ErrorInfo


class CountsLoaded(msgspec.Struct, tag=True):
    generation: int
    counts: dict[str, int | None]


class CountsFailed(msgspec.Struct, tag=True):
    generation: int
    error: ErrorInfo


class Created(msgspec.Struct, tag=True):
    request: int
    label: Label
    created: bool | None


class Renamed(msgspec.Struct, tag=True):
    request: int
    label: Label


class Deleted(msgspec.Struct, tag=True):
    request: int
    label: Label


class Found(msgspec.Struct, tag=True):
    request: int
    labels: list[Label]


class RequestFailed(msgspec.Struct, tag=True):
    request: int
    error: ErrorInfo


class Retrying(msgspec.Struct, tag=True):
    """A call failed and the client is trying it again (early news of trouble)."""

    error: ErrorInfo


class CacheTrouble(msgspec.Struct, tag=True):
    """The saved copy couldn't be written (read-only, locked, a foreign answer refused)."""

    error: ErrorInfo


class Idle(msgspec.Struct, tag=True):
    """The engine has no work under way (network or disk), after taking in ``handled`` intents that
    make work: the window's own sent since are still on their way, so it is busy until an Idle
    counts them too."""

    handled: int


class EngineLog(msgspec.Struct, tag=True):
    """A log record of the engine's process, for the window's log file (one writer of it)."""

    level: int
    name: str
    message: str
    #: When it was logged (seconds since the epoch), so the log file's times are the engine's own.
    created: float = 0.0


class Stopped(msgspec.Struct, tag=True):
    """Sent last, after Shutdown: the saved copy's writes are done and the file is closed."""


Event = (
    RefreshProgress
    | LabelsPart
    | LabelsDone
    | RefreshFailed
    | CountsLoaded
    | CountsFailed
    | Created
    | Renamed
    | Deleted
    | Found
    | RequestFailed
    | ContactsPage
    | MergePreview
    | DeletedList
    | OperationStarted
    | OperationProgress
    | OperationDone
    | OperationFailed
    | CountsChanged
    | Retrying
    | CacheTrouble
    | Idle
    | EngineLog
    | Stopped
)


# -- encoding ---------------------------------------------------------------------------------------------


def _enc_hook(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    raise NotImplementedError(f"can't send a {type(value).__name__} to the other process")


_encoder = msgspec.msgpack.Encoder(enc_hook=_enc_hook)


# The decoders are made when first used: making one reads the annotations of every message (and of
# what they hold), which the window would otherwise pay for before its first paint.
@functools.cache
def _intents() -> msgspec.msgpack.Decoder[Intent]:
    return msgspec.msgpack.Decoder(Intent)


@functools.cache
def _events() -> msgspec.msgpack.Decoder[Event]:
    return msgspec.msgpack.Decoder(Event)


def encode(message: msgspec.Struct) -> bytes:
    return _encoder.encode(message)


def decode_intent(data: bytes) -> Intent:
    """Raises msgspec.DecodeError on bytes that aren't an intent."""
    return _intents().decode(data)


def decode_event(data: bytes) -> Event:
    """Raises msgspec.DecodeError on bytes that aren't an event."""
    return _events().decode(data)


def client_settings(client: Any) -> ClientSettings:
    """The settings a WixLabelsClient was built with (its transport aside: a custom transport can't
    cross processes; a client with one must be served by an engine on a thread)."""
    timeout = client._timeout
    retry = client.retry
    return ClientSettings(
        api_key=client._http.headers["Authorization"],
        site_id=client.site_id,
        base_url=client.base_url,
        retry=(retry.max_attempts, retry.max_total_seconds, retry.base_delay, retry.max_delay),
        timeout=(timeout.connect, client.read_timeout, timeout.write, timeout.pool),
        max_in_flight=client.max_in_flight,
        max_body_bytes=client.max_body_bytes,
        requests_per_minute=client.requests_per_minute,
    )


# -- errors -------------------------------------------------------------------------------------------------


def _error_kind(cls: type[BaseException]) -> str:
    """How an error's class is named on the wire: its module and qualified name, so that two classes
    of the same name in different modules are never taken for each other."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _known_error_classes() -> dict[str, type[KnownError] | type[UnexpectedError]]:
    """Every expected failure (a KnownError) by its kind (_error_kind), and the bug's (UnexpectedError)."""
    known = ("cache", "credentials", "paths", "api.contact_errors", "engine.op_errors")
    for module in known:
        importlib.import_module(f"labeldesk.{module}")  # (their KnownErrors exist once they are loaded)
    found: dict[str, type[KnownError] | type[UnexpectedError]] = {_error_kind(UnexpectedError): UnexpectedError}
    pending: list[type[KnownError]] = [KnownError]
    while pending:
        cls = pending.pop()
        found[_error_kind(cls)] = cls
        pending.extend(cls.__subclasses__())
    return found


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__dataclass__": type(value).__name__, **dataclasses.asdict(value)}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool | datetime):
        return value
    return repr(value)


def error_info(error: BaseException) -> ErrorInfo:
    """``error`` as it crosses the wire: its class (_error_kind), ``str(error)`` and its public attributes."""
    state = {name: _plain(value) for name, value in vars(error).items() if not name.startswith("_")}
    return ErrorInfo(_error_kind(type(error)), str(error), state)


_DATACLASSES = {"FieldViolation": api_errors.FieldViolation}
_PATHS = frozenset({"path"})


def _restore(name: str, value: object) -> object:
    if isinstance(value, dict) and "__dataclass__" in value:
        fields = dict(value)
        cls = _DATACLASSES.get(str(fields.pop("__dataclass__")))
        return cls(**fields) if cls is not None else fields
    if isinstance(value, list):
        return [_restore(name, item) for item in value]
    if name in _PATHS and isinstance(value, str):
        return Path(value)
    return value


def rebuild_error(info: ErrorInfo) -> Failure:
    """The exception ``info`` describes, as its own class (an UnexpectedError for a class this side
    doesn't know: a bug in the engine, said as one, never as an expected failure)."""
    cls = _known_error_classes().get(info.kind)
    if cls is None:
        log.warning("the engine reported an error of a kind the window doesn't know: %s", info.kind)
        return UnexpectedError(report="")
    error = cls.__new__(cls)
    BaseException.__init__(error, info.message)
    for name, value in info.state.items():
        with contextlib.suppress(AttributeError):  # a read-only property: it is computed from the rest
            setattr(error, name, _restore(name, value))
    return error
