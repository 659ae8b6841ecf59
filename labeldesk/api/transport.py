"""Sending one request to Wix and reading its answer: the HTTP connections of one client, the page
threads of ``fetch_all``, and which WixError a failed send is.

No Qt here. The API key lives only in the ``Authorization`` header of the ``httpx.Client``s made here;
it is never formatted into a message, a repr or a log line.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import truststore

from labeldesk.api import errors, wire
from labeldesk.api.body import read_body, retry_after_seconds
from labeldesk.api.proxies import proxy_in_force, unusable_proxy_variable
from labeldesk.api.urls import is_loopback_url

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=30.0)
#: Connections the shared client keeps (single calls from any thread: changes, counts, one page).
_SHARED_CONNECTIONS = 8


class Connections:
    """The HTTP clients of one WixLabelsClient: a shared one for single calls, and one per page thread.

    ``fetch_all``'s page requests run on up to ``page_threads`` threads of a ThreadPoolExecutor, each
    with its own connection: many threads sharing one connection pool spend their time queueing for
    its lock. ``close()`` cancels pages not yet started, cuts the connections of pages under way (a
    request Wix never answers would otherwise hold its thread, and keep a program from exiting, until
    its read timeout) and closes every connection, so the page threads end at once. ``stop`` is the
    client's: set before ``close()``.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        transport: httpx.BaseTransport | None,
        timeout: httpx.Timeout,
        page_threads: int,
        stop: threading.Event,
    ) -> None:
        self._stop = stop
        # One TLS context for every connection: making one loads the CA certificates. The operating
        # system's trust store (truststore), not certifi's list alone: behind a company's TLS
        # inspection, its root certificate is in the OS store and nowhere else.
        tls = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if transport is None else True
        #: The proxy setting httpx can't use (its name), so that every call raises ProxySettingError; or None.
        #: (A new error each time: one raised again and again would grow its traceback for good.)
        self.unusable_proxy: str | None = None
        # Never through a proxy to this computer, whatever NO_PROXY says: a proxy would see the key in
        # the clear (the emulator speaks plain http), and it can't reach our loopback anyway.
        use_environment = not is_loopback_url(base_url)

        def new_http(connections: int) -> httpx.Client:
            # httpx's own transports when none is given, so proxy settings (HTTPS_PROXY...) apply
            # (to addresses beyond this computer only: see use_environment).
            return httpx.Client(
                base_url=base_url,
                transport=transport,
                verify=tls,
                limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
                timeout=timeout,
                headers=dict(headers),
                follow_redirects=False,
                trust_env=use_environment,
            )

        #: The setting (its name) of the proxy calls go through, or None: a failure to connect is then
        #: the proxy's, and is named so.
        self.proxy = proxy_in_force(base_url) if use_environment and transport is None else None
        try:
            self.http = new_http(_SHARED_CONNECTIONS)
        except (httpx.InvalidURL, ValueError, ImportError) as exc:
            # A proxy setting httpx can't use ('::::', a SOCKS proxy without its package): the
            # client still comes to be, so whoever made it shows this error as a failed call
            # rather than crashing (the demo) or waiting forever (a saved site).
            self.unusable_proxy = unusable_proxy_variable()
            log.warning("can't use the proxy setting %s: %s", self.unusable_proxy, type(exc).__name__)
            use_environment = False  # (never used to send: every call raises ProxySettingError first)
            self.http = new_http(_SHARED_CONNECTIONS)
        self._new_http = new_http
        self._local = threading.local()
        self._page_clients: list[httpx.Client] = []
        #: The sockets every connection was made on (httpcore's trace says so), for close() to close.
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._pages = ThreadPoolExecutor(
            max_workers=page_threads, thread_name_prefix="labeldesk-page", initializer=self._page_thread_started
        )

    def _page_thread_started(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return  # closed already: its requests are cancelled before they use a connection
            http = self._new_http(1)
            self._page_clients.append(http)
        self._local.http = http

    def _on_trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's trace of a request: keeps each new connection's socket, so ``close()`` can cut
        and close it (the TLS socket too: wrapping a socket in TLS moves it into a new one)."""
        if event.endswith((".connect_tcp.complete", ".start_tls.complete")):
            sock = info["return_value"].get_extra_info("socket")
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._sockets.add(sock)
                if self._stop.is_set():  # closed while connecting: close() may have missed it
                    _cut(sock)

    def submit(self, fetch: Callable[[int], bytes], offset: int) -> Future[bytes]:
        """``fetch(offset)`` on a page thread; RuntimeError once closed."""
        return self._pages.submit(fetch, offset)

    def close(self) -> None:
        """Cancel pages not yet started and close every connection, without waiting for requests
        under way (the caller set ``stop`` first: they end as CancelledError)."""
        self._pages.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:  # (a request under way on another thread wakes with a ReadError)
            _cut(sock)
        self.http.close()
        with self._lock:
            for http in self._page_clients:
                http.close()

    def send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        *,
        timeout: httpx.Timeout,
        most: int,
    ) -> tuple[bytes, str | None]:
        """One try: a 200 answer's body (at most ``most`` bytes: see body.read_body) and its request
        ID; any other answer, or none, raises its WixError."""
        sent = time.monotonic()
        failure: errors.WixError | None = None
        reason: Exception  # what went wrong underneath, for the log only
        try:
            http = getattr(self._local, "http", None)
            extensions = {"trace": self._on_trace}
            with (http or self.http).stream(
                method, path, params=params, json=json_body, timeout=timeout, extensions=extensions
            ) as response:
                content = read_body(response, most)
        except httpx.ConnectTimeout as exc:  # no answer to "hello" at all: as good as unreachable
            failure, reason = errors.OfflineError(), exc
        except httpx.TimeoutException as exc:  # reached, but the answer is slow to come
            failure, reason = errors.TimeoutError(), exc
        except httpx.ConnectError as exc:
            if _caused_by(exc, ssl.SSLCertVerificationError):
                failure, reason = errors.CertificateError(), exc
            elif self.proxy is not None:  # the connection that failed was the one to the proxy
                failure, reason = errors.ProxyUnreachableError(self.proxy), exc
            else:
                failure, reason = errors.OfflineError(), exc
        except httpx.ProxyError as exc:  # the proxy answered, but wouldn't pass the connection on
            failure, reason = errors.ProxyUnreachableError(self.proxy or "proxy"), exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            failure, reason = errors.ConnectionDroppedError(), exc
        except httpx.TransportError as exc:
            failure, reason = errors.OfflineError(), exc
        except httpx.DecodingError as exc:  # a compressed body that doesn't decompress
            failure, reason = errors.MalformedResponseError(), exc
        except RuntimeError as exc:
            if not self._stop.is_set():
                raise
            failure, reason = errors.CancelledError(), exc  # closed between our check and the send
        except Exception as exc:
            # A SOCKS proxy that breaks off its handshake: httpx lets socksio's own error through.
            # (Checked by module, so that socksio is imported only by httpx, and only when used.)
            if not type(exc).__module__.startswith("socksio"):
                raise
            failure, reason = errors.ProxyUnreachableError(self.proxy or "ALL_PROXY"), exc
        if failure is not None:
            # Raised outside the except block, so no __context__ leads back to the request and its headers.
            log.debug("%s %s: %s", method, path, type(reason).__name__)
            del reason
            raise failure
        request_id = response.headers.get("x-wix-request-id")
        log.debug(
            "%s %s -> %d in %.0f ms (request id %s)",
            method,
            path,
            response.status_code,
            (time.monotonic() - sent) * 1000,
            request_id,
        )
        if response.status_code == 200:
            return content, request_id
        raise wire.error_from_response(
            response.status_code,
            wire.parsed_json(content),
            request_id=request_id,
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )


def _cut(sock: socket.socket) -> None:
    """Shut ``sock`` down both ways (a thread blocked reading it wakes at once, with a ReadError),
    then close it: a connection its request was still using when the client closed is otherwise
    dropped by httpcore without being closed (a ResourceWarning, and a file descriptor, until the
    garbage collector finds it)."""
    with contextlib.suppress(OSError):  # closed already, or never connected
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def header_safe(value: str) -> bool:
    """Printable ASCII without spaces: what API keys and site IDs are made of."""
    return all(33 <= ord(char) < 127 for char in value)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``exc`` or anything in its chain of causes is a ``kind``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
