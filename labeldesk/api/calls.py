"""Sending one call with retries (tenacity, by the client's RetryPolicy) within the rate budget.

:class:`RetryingCalls` is the half of :class:`~labeldesk.api.client.WixLabelsClient` that turns one
call into tries: which errors are tried again, how long to wait, when a closed client stops, and
what a 404 on a label's address means. Each try is :mod:`labeldesk.api.transport`'s.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, overload

import httpx

from labeldesk.api import errors, wire
from labeldesk.api.retry import EitherStop, RateBudget, RetryPolicy, Stop, retrying
from labeldesk.api.transport import Connections

log = logging.getLogger(__name__)

#: What a successful answer's body comes back as: the JSON object, or (``raw=True``) its bytes.
_Body = TypeVar("_Body", dict[str, Any], bytes)


@dataclass(frozen=True, slots=True)
class _Outcome(Generic[_Body]):
    data: _Body
    #: True if an earlier try failed in a way that may have reached the service (timeout, dropped reply).
    maybe_applied: bool


class RetryingCalls:
    """Calls with retries; the client sets these attributes up (see WixLabelsClient.__init__)."""

    retry: RetryPolicy
    on_retry: Callable[[errors.WixError, int, float], None] | None
    read_timeout: float | None
    max_body_bytes: int
    _timeout: httpx.Timeout
    _budget: RateBudget
    _stop: threading.Event
    _connections: Connections

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> dict[str, Any]:
        return self._request_ex(method, path, params=params, json_body=json_body).data

    @overload
    def _request_ex(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        label_path: bool = False,
        raw: Literal[False] = False,
        write: bool = False,
        cancel: threading.Event | None = None,
    ) -> _Outcome[dict[str, Any]]: ...

    @overload
    def _request_ex(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        label_path: bool = False,
        raw: Literal[True],
        write: bool = False,
        cancel: threading.Event | None = None,
    ) -> _Outcome[bytes]: ...

    def _request_ex(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        label_path: bool = False,
        raw: bool = False,
        write: bool = False,
        cancel: threading.Event | None = None,
    ) -> _Outcome[dict[str, Any]] | _Outcome[bytes]:
        """Send, trying again as ``self.retry`` allows (:func:`~labeldesk.api.retry.retrying`: which
        errors, how long to wait, when to stop; ``close()`` ends a wait at once with CancelledError).
        ``label_path``: a 404 means the label is gone, whatever its code. ``raw``: a successful answer's
        body comes back as bytes, for the caller to parse. ``write``: a change the person asked for,
        which takes its slot from the writes' share of the rate budget. ``cancel``: a caller's own event
        that, like ``close()``, ends a wait for the budget or between tries (CancelledError); a request
        on its way is not cut."""
        if self._connections.unusable_proxy is not None:
            raise errors.ProxySettingError(self._connections.unusable_proxy)
        maybe_applied = False  # an earlier try may have reached the service before its answer was lost
        stop: Stop = self._stop if cancel is None else EitherStop(self._stop, cancel)

        def attempt() -> _Outcome[dict[str, Any]] | _Outcome[bytes]:
            nonlocal maybe_applied
            slot = None if stop.is_set() else self._budget.acquire(stop, write=write)
            if not slot:
                raise errors.CancelledError()
            try:
                try:
                    content, request_id = self._send_once(method, path, params, json_body)
                finally:
                    self._budget.done(slot)  # (its window runs from the answer: see RateBudget)
                if raw:
                    return _Outcome(content, maybe_applied)
                # (read here, in the try: a 200 whose body isn't a JSON object is retried as unreadable)
                return _Outcome(wire.json_object(content, request_id), maybe_applied)
            except errors.WixError as exc:
                if self._stop.is_set():
                    raise errors.CancelledError() from None  # close() cut the connection: not Wix's doing
                error = exc
            if label_path and type(error) is errors.NotFoundError:
                # Wix's documents don't name the code of a missing label; any 404 on its path means gone.
                error = errors.LabelNotFoundError(
                    status=404, code=error.code, request_id=error.request_id, server_message=error.server_message
                )
            if isinstance(error, errors.LabelNotFoundError) and maybe_applied:
                error.after_retry = True
            maybe_applied = maybe_applied or isinstance(error, errors.TimeoutError | errors.ConnectionDroppedError)
            raise error

        def before_wait(error: errors.WixError, attempt: int, delay: float) -> None:
            log.debug("%s %s attempt %d failed (%r); retrying in %.2fs", method, path, attempt, error, delay)
            self._on_retry_wait(error, attempt, delay)

        def on_give_up(error: errors.WixError, attempt: int, delay: float) -> None:
            if attempt < self.retry.max_attempts:
                log.info("%s %s: giving up, a retry in %.1fs would exceed the time budget", method, path, delay)

        controller = retrying(self.retry, cancel=stop, before_wait=before_wait, on_give_up=on_give_up)
        try:
            return controller(attempt)
        except errors.CancelledError:
            raise
        except errors.WixError as error:
            tries = controller.statistics["attempt_number"]
            log.info("%s %s failed after %d attempt(s): %r", method, path, tries, error)
            raise

    def _on_retry_wait(self, error: errors.WixError, attempt: int, delay: float) -> None:
        """Before each wait between tries (on the calling thread): ``attempt`` is the try that just
        failed, ``delay`` the wait in seconds. Tells ``on_retry``, if set, so a UI can say "trouble,
        trying again" without waiting for the last try."""
        if self.on_retry is not None:
            self.on_retry(error, attempt, delay)

    def _timeout_for(self, method: str) -> httpx.Timeout:
        if method != "GET" or self.read_timeout == self._timeout.read:
            return self._timeout
        return httpx.Timeout(
            self._timeout.connect, read=self.read_timeout, write=self._timeout.write, pool=self._timeout.pool
        )

    def _send_once(
        self, method: str, path: str, params: Mapping[str, Any] | None, json_body: Any
    ) -> tuple[bytes, str | None]:
        """One try: a 200 answer's body and its request ID; any other answer, or none, raises its WixError."""
        return self._connections.send_once(
            method, path, params, json_body, timeout=self._timeout_for(method), most=self.max_body_bytes
        )
