"""The emulator's HTTP front: a real server on loopback that speaks the Labels API's REST contract.

Auth as Wix does it for API keys: the raw key in ``Authorization`` (401 without it or with another
key) and the site in ``wix-site-id`` (428 ``MISSING_METASITE_ID`` without it). A site ID other than the
emulator's gets 404 ``SITE_NOT_FOUND``: Wix's documents don't say what it answers, so this is our pick.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import logging
import math
import socket
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from labeldesk.emulator.contacts import route_contacts
from labeldesk.emulator.faults import Fault, FaultKind, Faults, PagingFaults
from labeldesk.emulator.jobs import DEFAULT_JOB_SECONDS
from labeldesk.emulator.state import ApiError, LabelStore

log = logging.getLogger(__name__)

#: Obviously fake credentials, accepted by an emulator started without its own.
DEFAULT_API_KEY = "labeldesk-emulator-key"
DEFAULT_SITE_ID = "11111111-2222-4333-8444-555555555555"
DEFAULT_RATE_LIMIT = 200  # requests per minute per API key, as Wix documents for apps
LABELS = "/contacts/v4/labels"
FACETS = "/contacts/v4/contacts/facets"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the emulator served (or failed on purpose), with monotonic start and end times."""

    method: str
    path: str
    query: str
    status: int
    started: float
    finished: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    emulator: Emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (an app quitting) is not the emulator's error."""
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            log.debug("emulator: %s went away mid-answer", client_address)
            return
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    # An answer goes out as two writes (headers, then body); with Nagle's algorithm on, the body waits for
    # the client's delayed acknowledgement of the headers, which made every loopback request take as long
    # as that delay, not as long as the work.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.server.emulator._track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.emulator._track(self.connection, open_=False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("emulator: " + format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        self._method = method
        self._started = time.monotonic()
        self._serve(self.server.emulator, method)

    def _finish(self, status: int) -> None:
        """Log the request before its answer goes out, so a client that has the answer sees it counted."""
        parts = urlsplit(self.path)
        self.server.emulator._record(
            RequestRecord(self._method, parts.path, parts.query, status, self._started, time.monotonic())
        )

    def _serve(self, emulator: Emulator, method: str) -> int:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if emulator.faults.latency_ms and emulator._pause(emulator.faults.latency_ms / 1000):
            return self._drop()
        fault = emulator.faults.take()
        if fault is not None:
            if fault.kind is FaultKind.DROP:
                return self._drop()
            if fault.kind is FaultKind.STALL:
                if emulator._pause(fault.seconds):
                    return self._drop()
            elif fault.kind is FaultKind.MALFORMED:
                return self._send(200, b'{"labels": [{"key": "custom.vi', {})
            elif fault.kind is FaultKind.BOMB:
                return self._send(200, _bomb(), {"Content-Encoding": "gzip"})
            elif fault.kind is FaultKind.STATUS:
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                message = HTTPStatus(fault.status).phrase if fault.message is None else fault.message
                return self._send_json(fault.status, {"message": message, "details": {}}, headers)
        try:
            emulator._authorize(self.headers)
            body = self._decode(raw)
            answer = self._route(emulator.store, method, body, emulator.faults.paging)
        except ApiError as exc:
            if fault is not None and fault.kind is FaultKind.DROP_REPLY:
                return self._drop()
            if self._held_back(emulator, fault):
                return self._drop()
            return self._send_json(exc.status, exc.body(), exc.headers)
        if fault is not None and fault.kind is FaultKind.DROP_REPLY:
            return self._drop()  # done, but the client never hears of it
        if self._held_back(emulator, fault):
            return self._drop()
        return self._send_json(200, answer)

    @staticmethod
    def _held_back(emulator: Emulator, fault: Fault | None) -> bool:
        """An ANSWER_LATE fault: the request is done, its answer waits. True if the emulator stops meanwhile."""
        if fault is None or fault.kind is not FaultKind.ANSWER_LATE:
            return False
        emulator.faults.note_held()
        return emulator._pause(fault.seconds)

    def _route(
        self, store: LabelStore, method: str, body: dict[str, Any], paging: PagingFaults
    ) -> dict[str, Any] | bytes:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        params = {name: values[-1] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
        if path == LABELS:
            if method == "GET":
                return _list_labels(store, params, paging)
            if method == "POST":
                return store.find_or_create(body)
        elif path == LABELS + "/query" and method == "POST":
            return store.query_labels_encoded(body)
        elif path.startswith(LABELS + "/") and path.count("/") == 4:
            key = unquote(path[len(LABELS) + 1 :])
            if method == "GET":
                return store.get(key)
            if method == "PATCH":
                return store.rename(key, body)
            if method == "DELETE":
                return store.delete(key)
        elif path == FACETS and method == "GET":
            if paging.facets_ignore_offset:
                answer = store.facets({**params, "paging.offset": "0"})
                answer.pop("pagingMetadata", None)
                return answer
            return store.facets(params)
        else:
            if paging.contacts_ignore_offset:
                body = _from_the_start(body)
            contacts_answer = route_contacts(store, method, path, parts.query, body)
            if contacts_answer is not None:
                return contacts_answer
        raise ApiError(404, f"No such endpoint: {method} {path}")

    @staticmethod
    def _decode(raw: bytes) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        return body

    def _send_json(self, status: int, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> int:
        """Send ``body`` as JSON; bytes are JSON already (label pages, put together from kept parts)."""
        payload = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        return self._send(status, payload, headers or {})

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> int:
        self._finish(status)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Wix-Request-Id", str(uuid.uuid4()))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        return status

    def _drop(self) -> int:
        self._finish(0)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(2)
        return 0


@functools.cache
def _bomb() -> bytes:
    """64 MB of zeros, gzipped (some 64 KB): made once, on first use."""
    return gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9)


def _list_labels(store: LabelStore, params: dict[str, str], paging: PagingFaults) -> bytes:
    """ListLabels, as broken as ``paging`` says."""
    if paging.list_ignore_offset is not None:
        params = {**params, "paging.offset": "0", "paging.limit": str(paging.list_ignore_offset)}
    elif paging.list_empty_from is not None and _offset(params) >= paging.list_empty_from:
        answer = json.loads(store.list_labels_encoded(params))
        answer["labels"] = []
        return json.dumps(answer).encode()
    return store.list_labels_encoded(params)


def _from_the_start(body: dict[str, Any]) -> dict[str, Any]:
    """A QueryContacts body as a server that ignores ``paging.offset`` reads it."""
    query = body.get("query")
    if not isinstance(query, dict) or not isinstance(query.get("paging") or {}, dict):
        return body
    return {**body, "query": {**query, "paging": {**(query.get("paging") or {}), "offset": 0}}}


def _offset(params: dict[str, str]) -> int:
    value = params.get("paging.offset") or "0"
    return int(value) if value.isdigit() else 0


class Emulator:
    """The Labels API and the Contacts API's label calls (contract sections 2 and 6) of one emulated
    site, served over HTTP on a loopback port.

    Use as a context manager, or ``start()`` / ``stop()``. ``faults`` injects failures; ``requests``
    lists what was served, with times, so tests can count requests and their overlap.
    """

    def __init__(
        self,
        store: LabelStore | None = None,
        *,
        api_key: str = DEFAULT_API_KEY,
        site_id: str = DEFAULT_SITE_ID,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: int = 0,
        rate_limit: int | None = DEFAULT_RATE_LIMIT,
        job_seconds: float = DEFAULT_JOB_SECONDS,
    ) -> None:
        """``job_seconds``: how long a bulk job takes from creation to COMPLETED (see emulator/jobs.py)."""
        self.store = store if store is not None else LabelStore()
        self.store.job_seconds = job_seconds
        self.api_key = api_key
        self.site_id = site_id
        self.faults = Faults(latency_ms)
        self.rate_limit = rate_limit
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._log_lock = threading.Lock()
        self._requests: list[RequestRecord] = []
        self._recent: deque[float] = deque()
        self._connections: set[socket.socket] = set()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        host, port = self._server.server_address[:2]
        # server_bind stores getsockname() here, whose host is always a str for AF_INET and AF_INET6;
        # typeshed's type also allows the bytes a caller may pass in, which this server never does.
        assert isinstance(host, str)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> Emulator:
        self._stopping.clear()
        server_class = _Server6 if ":" in self._host else _Server
        self._server = server_class((self._host, self._port), _Handler)
        self._server.emulator = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="labeldesk-emulator", daemon=True
        )
        self._thread.start()
        log.info("emulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop listening, cut open (kept-alive) connections and end stalls. Safe to call twice.

        Cutting the connections matters: a stopped emulator must look like a network that is gone,
        not keep answering on connections a client kept open.
        """
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._log_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def requests(self) -> list[RequestRecord]:
        with self._log_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def _track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._log_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _record(self, record: RequestRecord) -> None:
        with self._log_lock:
            self._requests.append(record)

    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds``; True if the emulator is stopping meanwhile."""
        return self._stopping.wait(seconds)

    def _authorize(self, headers: Any) -> None:
        given = headers.get("Authorization")
        if not given or given != self.api_key:
            raise ApiError(401, "Missing or invalid API key", code="UNAUTHENTICATED")
        site = headers.get("wix-site-id")
        if not site:
            raise ApiError(428, "Couldn't extract metasiteId from the request context", code="MISSING_METASITE_ID")
        if site != self.site_id:
            raise ApiError(404, "No site with this ID is reachable with this API key", code="SITE_NOT_FOUND")
        self._throttle()

    def _throttle(self) -> None:
        if not self.rate_limit:
            return
        with self._log_lock:
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= 60:
                self._recent.popleft()
            if len(self._recent) >= self.rate_limit:
                wait = math.ceil(60 - (now - self._recent[0]))
                raise ApiError(
                    429, "Too many requests", code="RESOURCE_EXHAUSTED", headers={"Retry-After": str(max(1, wait))}
                )
            self._recent.append(now)


def round_trips(records: list[RequestRecord]) -> int:
    """How many sequential waves the requests formed: groups of requests that overlapped in time."""
    waves = 0
    wave_end = -math.inf
    for record in sorted(records, key=lambda r: r.started):
        if record.started >= wave_end:
            waves += 1
            wave_end = record.finished
        else:
            wave_end = max(wave_end, record.finished)
    return waves


def max_in_flight(records: list[RequestRecord]) -> int:
    events = sorted([(r.started, 1) for r in records] + [(r.finished, -1) for r in records])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def most_in_window(records: list[RequestRecord], seconds: float = 60.0) -> int:
    """The most requests that started within any ``seconds`` (a sliding window): what a rate budget of
    so many requests per ``seconds`` must keep at or below."""
    starts = sorted(record.started for record in records)
    most = first = 0
    for last, started in enumerate(starts):
        while started - starts[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most
