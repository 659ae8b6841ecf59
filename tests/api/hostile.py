"""A hostile (or broken) server on 127.0.0.1 for issue 13, item 2: it answers with bodies made as they
are sent (a gzip bomb, 100 MB of spaces, a page of a million labels), so the test itself never holds
them, and it stops as soon as the client hangs up."""

from __future__ import annotations

import http.server
import json
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator

#: (status, headers, the body's chunks)
Answer = tuple[int, dict[str, str], Iterable[bytes]]

MB = 1024 * 1024
_ZEROS = bytes(MB)


def gzip_bomb(compressed: int = 8 * MB, *, wbits: int = 31) -> Iterator[bytes]:
    """About ``compressed`` bytes of gzip (``wbits`` 31; 15 for zlib-wrapped deflate, -15 for raw
    deflate) that unpack to zeros roughly a thousand times larger."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    made = 0
    while made < compressed:
        out = packer.compress(_ZEROS)
        made += len(out)
        if out:
            yield out
    yield packer.flush()


def spaces(size: int = 100 * MB) -> Iterator[bytes]:
    """``size`` bytes of spaces (valid JSON whitespace), made 64 KB at a time."""
    block = b" " * 65536
    for _ in range(size // len(block)):
        yield block


def label_page(count: int, *, total: int | None = None, offset: int = 0) -> Iterator[bytes]:
    """A ListLabels page of ``count`` small labels (keys from ``offset``), made as it is sent."""
    meta = {"offset": offset} if total is None else {"offset": offset, "total": total}
    yield b'{"pagingMetadata": ' + json.dumps(meta).encode() + b', "labels": ['
    for first in range(offset, offset + count, 1000):
        batch = range(first, min(first + 1000, offset + count))
        text = ",".join(f'{{"key":"custom.l{n}","displayName":"L{n}","labelType":"USER_DEFINED"}}' for n in batch)
        yield (b"," if first > offset else b"") + text.encode()
    yield b"]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        server: HostileServer = self.server.owner  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length") or 0))  # (unread, closing would reset it)
        with server.lock:
            server.requests.append(self.path)
        status, headers, chunks = server.answer(self.path)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()  # (HTTP/1.0, no length unless given: the body ends when the connection does)
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
                with server.lock:
                    server.sent += len(chunk)
        except OSError:  # the client hung up: what it should do
            server.hung_up.set()

    def log_message(self, *args) -> None:  # quiet
        pass


class HostileServer:
    """Answers each request with ``answer(path)``; counts the requests and the body bytes it sent."""

    def __init__(self, answer: Callable[[str], Answer]) -> None:
        self.answer = answer
        self.requests: list[str] = []
        self.sent = 0
        self.lock = threading.Lock()
        self.hung_up = threading.Event()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(5)
        self._server.server_close()
