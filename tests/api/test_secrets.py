"""The API key never shows up in exception text, reprs or log records, whatever fails."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest

from labeldesk.api import RetryPolicy, WixLabelsClient, errors
from labeldesk.emulator import Emulator

CANARY = "CANARY-KEY-7f3a9c21-do-not-leak"


def test_the_key_is_in_no_error_repr_or_log_record(store, caplog):
    caplog.set_level(logging.DEBUG)
    retry = RetryPolicy(max_attempts=2, max_total_seconds=2, base_delay=0.01, max_delay=0.01)
    seen: list[BaseException] = []
    with Emulator(store, api_key=CANARY, rate_limit=None) as emulator:
        with WixLabelsClient(
            CANARY, emulator.site_id, base_url=emulator.base_url, retry=retry, timeout=httpx.Timeout(1.0, read=0.2)
        ) as client:
            calls = [
                lambda: client.get("custom.missing"),
                lambda: client.rename("contacts.customers", "X"),
                lambda: client.find_or_create(""),
                lambda: client.query_labels(filter={"nope": 1}),
            ]
            faults = [
                lambda: emulator.faults.fail_next(5, 503),
                lambda: emulator.faults.fail_next(1, 429, retry_after=100),
                lambda: emulator.faults.malformed_next(5),
                lambda: emulator.faults.drop_next(5),
                lambda: emulator.faults.stall_next(5, seconds=1),
            ]
            for inject in faults:
                inject()
                calls.append(client.list_labels)
                try:
                    client.list_labels()
                except errors.WixError as exc:
                    seen.append(exc)
                emulator.faults.clear()
            for call in calls[:4]:
                with pytest.raises(errors.WixError) as caught:
                    call()
                seen.append(caught.value)
            texts = [repr(client)]
        base_url = emulator.base_url
    with WixLabelsClient(CANARY, "site", base_url=base_url, retry=retry) as offline:
        with pytest.raises(errors.OfflineError) as caught:
            offline.fetch_all()
        seen.append(caught.value)
        texts.append(repr(offline))

    assert len(seen) == 10
    assert {type(e) for e in seen} >= {
        errors.ServerError,
        errors.RateLimitedError,
        errors.MalformedResponseError,
        errors.ConnectionDroppedError,
        errors.TimeoutError,
        errors.OfflineError,
        errors.LabelNotFoundError,
        errors.LabelNotEditableError,
        errors.ValidationError,
    }
    for exc in seen:
        pending, visited = [exc], set()
        while pending:  # every link, __cause__ and __context__ both
            link = pending.pop()
            if link is None or id(link) in visited:
                continue
            visited.add(id(link))
            texts += [str(link), repr(link), *map(repr, vars(link).values())]
            headers = getattr(getattr(link, "request", None), "headers", None)
            texts.append(repr(dict(headers)) if headers is not None else "")
            pending += [link.__cause__, link.__context__]
        texts.append("".join(traceback.format_exception(exc)))
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    assert caplog.records, "the adapter logged nothing at all, so this test proves nothing"
    leaks = [text for text in texts if CANARY in text]
    assert leaks == []


def test_the_redacting_filter_blots_out_registered_secrets(tmp_path):
    from labeldesk.logs import RedactingFilter, register_secret

    register_secret(CANARY)
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key was %s", (CANARY,), None)
    RedactingFilter().filter(record)
    assert CANARY not in record.getMessage()
    assert "[redacted]" in record.getMessage()
