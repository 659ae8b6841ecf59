"""Reading one answer: its body, unpacked and capped, and the wait its Retry-After asks for.

No Qt here, and nothing about which call was made: :mod:`labeldesk.api.transport` sends, this reads.
"""

from __future__ import annotations

import email.utils
import math
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import httpx

from labeldesk.api import errors

#: The most bytes one answer may take, as sent and again once unpacked. A page of 2,000 labels with the
#: longest names is a few megabytes; a broken or hostile server may send gigabytes (a gzip "bomb"
#: unpacks a thousandfold). Past it, reading stops: OversizedResponseError.
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Unpacked bytes made from one piece of a compressed body at a time (so a bomb never unpacks at once).
_UNPACK_STEP = 64 * 1024
#: The longest wait a Retry-After is taken at its word for: a service asking for more (``1e9``,
#: ``inf``) is asking for "a long time", and the retry time budget then gives up at once.
MAX_RETRY_AFTER_SECONDS = 3600.0
#: What the client tells servers it can unpack (what read_body unpacks).
ACCEPT_ENCODING = "gzip, deflate"


def read_body(response: httpx.Response, most: int) -> bytes:
    """The body of ``response``, unpacked (gzip, deflate or neither), reading at most ``most`` bytes off
    the wire and unpacking at most ``most``: past either, OversizedResponseError, and the rest is never
    read (leaving the ``with`` closes the connection). MalformedResponseError if it doesn't unpack."""
    length = response.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > most:
        raise errors.OversizedResponseError()
    if response.is_stream_consumed:  # read and unpacked already: an answer made in memory (a test transport)
        if len(response.content) > most:
            raise errors.OversizedResponseError()
        return response.content
    # Listed in the order applied: unpack in the reverse order. Unknown ones are left as they are (as
    # httpx does); the JSON then can't be read.
    names = [name.strip() for name in response.headers.get("content-encoding", "").lower().split(",")]
    layers = [_Inflater(gzip=name != "deflate") for name in reversed(names) if name in ("gzip", "x-gzip", "deflate")]
    body = bytearray()
    received = 0
    try:
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > most:
                raise errors.OversizedResponseError()
            for piece in _unpacked(layers, chunk):
                if len(body) + len(piece) > most:
                    raise errors.OversizedResponseError()
                body += piece
    except zlib.error:
        raise errors.MalformedResponseError() from None  # a compressed body that doesn't unpack
    return bytes(body)


class _Inflater:
    """One layer of gzip or deflate, unpacked a bounded step at a time (zlib's ``max_length``)."""

    def __init__(self, *, gzip: bool) -> None:
        self._gzip = gzip
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        """What ``data`` unpacks to, in pieces of at most _UNPACK_STEP bytes; zlib.error if it can't be."""
        while True:
            try:
                piece = self._zlib.decompress(data, _UNPACK_STEP)
            except zlib.error:
                if self._gzip or self._started:
                    raise
                # "deflate" sent without its zlib header, as some servers do.
                self._zlib, self._started = zlib.decompressobj(-zlib.MAX_WBITS), True
                continue
            self._started = True
            if piece:
                yield piece
            data = self._zlib.unconsumed_tail
            if not data and len(piece) < _UNPACK_STEP:
                return


def _unpacked(layers: Sequence[_Inflater], data: bytes) -> Iterator[bytes]:
    """``data`` through each layer in turn, in bounded pieces."""
    if not layers:
        if data:
            yield data
        return
    for piece in layers[0].feed(data):
        yield from _unpacked(layers[1:], piece)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds (RFC 9110 section 10.2.3; the contract,
    sections 8 and 11, says only "429 with Retry-After seconds").

    Either form: a number of seconds, or an HTTP date (a date already past means 0). Absurd values
    (``inf``, ``1e9``) come back as MAX_RETRY_AFTER_SECONDS. None when there is no header or it
    can't be read (``nan``, words): then the back-off decides.
    """
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # ("-0000": a date in UTC with no zone said)
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)
