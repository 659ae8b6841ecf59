"""How the adapter behaves when the service or the network misbehaves: typed errors, bounded retries."""

from __future__ import annotations

import httpx
import pytest

from labeldesk.api import RetryPolicy, errors
from labeldesk.emulator import Emulator
from tests.conftest import make_client


def label_requests(emulator):
    return [r for r in emulator.requests if r.path.startswith("/contacts/v4/labels")]


def test_a_request_without_a_key_is_401_and_not_retried(emulator):
    response = httpx.get(emulator.base_url + "/contacts/v4/labels", headers={"wix-site-id": emulator.site_id})
    assert response.status_code == 401
    assert response.headers["X-Wix-Request-Id"]
    with make_client(emulator, api_key="wrong-key") as client, pytest.raises(errors.AuthError) as caught:
        client.list_labels()
    assert caught.value.status == 401
    assert len(label_requests(emulator)) == 2  # the raw one above, and exactly one try from the client


def test_the_key_is_sent_raw_not_as_a_bearer_token(emulator):
    response = httpx.get(
        emulator.base_url + "/contacts/v4/labels",
        headers={"Authorization": f"Bearer {emulator.api_key}", "wix-site-id": emulator.site_id},
    )
    assert response.status_code == 401


def test_a_request_without_a_site_id_is_428_missing_metasite_id(emulator):
    response = httpx.get(emulator.base_url + "/contacts/v4/labels", headers={"Authorization": emulator.api_key})
    assert response.status_code == 428
    assert response.json()["details"]["applicationError"]["code"] == "MISSING_METASITE_ID"


def test_a_wrong_site_id_is_a_site_error(emulator):
    client = make_client(emulator, site_id="00000000-0000-4000-8000-000000000000")
    with client, pytest.raises(errors.SiteNotFoundError) as caught:
        client.list_labels()
    assert "site ID" in str(caught.value)


def test_429_retry_after_is_honoured(emulator):
    emulator.faults.fail_next(1, status=429, retry_after=1)
    with make_client(emulator) as client:
        assert client.list_labels().total == 2
    first, second = label_requests(emulator)
    assert first.status == 429 and second.status == 200
    assert second.started - first.finished >= 0.95


def test_the_emulators_rate_limit_answers_429_with_retry_after(store):
    with Emulator(store, rate_limit=3) as emulator:
        headers = {"Authorization": emulator.api_key, "wix-site-id": emulator.site_id}
        statuses = [httpx.get(emulator.base_url + "/contacts/v4/labels", headers=headers) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert 1 <= int(statuses[-1].headers["Retry-After"]) <= 60


def test_a_retry_after_beyond_the_time_budget_gives_up_at_once(emulator):
    emulator.faults.fail_next(1, status=429, retry_after=600)
    with make_client(emulator) as client, pytest.raises(errors.RateLimitedError) as caught:
        client.list_labels()
    assert caught.value.retry_after == 600
    assert "Try again in 10 minutes" in str(caught.value)
    assert len(label_requests(emulator)) == 1


def test_5xx_is_retried_then_succeeds(emulator):
    emulator.faults.fail_next(2, status=503)
    with make_client(emulator) as client:
        assert client.list_labels().total == 2
    assert [r.status for r in label_requests(emulator)] == [503, 503, 200]


def test_5xx_is_retried_then_given_up_with_a_clear_error(emulator):
    emulator.faults.fail_next(10, status=500)
    with make_client(emulator) as client, pytest.raises(errors.ServerError) as caught:
        client.list_labels()
    assert "server error" in str(caught.value)
    assert caught.value.request_id
    assert len(label_requests(emulator)) == 3  # FAST_RETRY.max_attempts


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, errors.ValidationError),
        (401, errors.AuthError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (428, errors.WixError),
    ],
)
def test_client_errors_are_never_retried(emulator, status, error):
    emulator.faults.fail_next(5, status=status)
    with make_client(emulator) as client, pytest.raises(error):
        client.list_labels()
    assert len(label_requests(emulator)) == 1


def test_a_stall_past_the_read_timeout_is_a_timeout_error(emulator):
    emulator.faults.stall_next(5, seconds=3)
    timeout = httpx.Timeout(1.0, read=0.2)
    retry = RetryPolicy(max_attempts=2, max_total_seconds=5, base_delay=0.01, max_delay=0.01)
    with make_client(emulator, timeout=timeout, retry=retry) as client, pytest.raises(errors.TimeoutError) as caught:
        client.list_labels()
    assert "too long" in str(caught.value)


def test_a_stall_once_is_survived_by_retrying(emulator):
    emulator.faults.stall_next(1, seconds=3)
    with make_client(emulator, timeout=httpx.Timeout(1.0, read=0.2)) as client:
        assert client.list_labels().total == 2


def test_malformed_json_gives_a_clear_error_and_no_crash(emulator):
    emulator.faults.malformed_next(5)
    with make_client(emulator) as client, pytest.raises(errors.MalformedResponseError) as caught:
        client.list_labels()
    assert "couldn't read" in str(caught.value)
    emulator.faults.clear()
    with make_client(emulator) as client:
        assert client.list_labels().total == 2


def test_a_dropped_connection_is_retried(emulator):
    emulator.faults.drop_next(1)
    with make_client(emulator) as client:
        assert client.find_or_create("VIP").created
    emulator.faults.drop_next(5)
    with make_client(emulator) as client, pytest.raises(errors.ConnectionDroppedError):
        client.get("custom.vip")


def test_nothing_listening_is_an_offline_error(emulator):
    base_url = emulator.base_url
    emulator.stop()
    from labeldesk.api import WixLabelsClient
    from tests.conftest import FAST_RETRY

    client = WixLabelsClient("k", "s", base_url=base_url, retry=FAST_RETRY)
    with client, pytest.raises(errors.OfflineError) as caught:
        client.list_labels()
    assert "internet connection" in str(caught.value)


def test_close_cancels_a_retry_wait(emulator):
    import threading

    emulator.faults.fail_next(1, status=503, retry_after=30)
    retry = RetryPolicy(max_attempts=3, max_total_seconds=60)
    client = make_client(emulator, retry=retry)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_capture(client.list_labels)))
    worker.start()
    while not label_requests(emulator):
        worker.join(0.01)
    client.close()
    worker.join(5)
    assert not worker.is_alive()
    assert isinstance(outcome[0], errors.CancelledError)


def _capture(call):
    try:
        return call()
    except errors.WixError as exc:
        return exc
