"""``python -m labeldesk.emulator`` as another program (curl, another SDK) would use it."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys

import httpx

from labeldesk.emulator import DEFAULT_API_KEY, DEFAULT_SITE_ID


@contextlib.contextmanager
def run_emulator(*args):
    with subprocess.Popen(
        [sys.executable, "-m", "labeldesk.emulator", "--port", "0", *args], stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            yield process, process.stdout.readline().strip()
        finally:
            if process.poll() is None:
                process.kill()


def test_the_first_line_is_the_base_url_and_the_demo_seed_is_believable():
    with run_emulator() as (process, base_url):
        assert base_url.startswith("http://127.0.0.1:")
        headers = {"Authorization": DEFAULT_API_KEY, "wix-site-id": DEFAULT_SITE_ID}
        labels = httpx.get(base_url + "/contacts/v4/labels", headers=headers).json()["labels"]
        facets = httpx.get(base_url + "/contacts/v4/contacts/facets", headers=headers).json()["facets"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    types = [label["labelType"] for label in labels]
    assert types.count("SYSTEM") == 2 and types.count("WIX_APP_DEFINED") >= 2
    assert 35 <= types.count("USER_DEFINED") <= 45
    assert any(not label["displayName"].isascii() for label in labels)
    dates = sorted(label["createdDate"] for label in labels if "createdDate" in label)
    assert dates[0][:4] != dates[-1][:4]  # spread over more than a calendar year
    counted = {facet["facetKey"] for facet in facets if facet["facetType"] == "LABEL"}
    assert len(counted) >= 30


def test_custom_credentials_empty_seed_and_faults_from_the_command_line():
    args = (
        "--api-key",
        "k1",
        "--site-id",
        "s1",
        "--seed",
        "empty",
        "--fail-next",
        "1",
        "--fail-status",
        "429",
        "--retry-after",
        "2",
    )
    with run_emulator(*args) as (_, base_url):
        headers = {"Authorization": "k1", "wix-site-id": "s1"}
        first = httpx.get(base_url + "/contacts/v4/labels", headers=headers)
        second = httpx.get(base_url + "/contacts/v4/labels", headers=headers)
    assert first.status_code == 429 and first.headers["Retry-After"] == "2"
    assert [label["key"] for label in second.json()["labels"]] == ["contacts.contacted-me", "contacts.customers"]


def test_paging_faults_from_the_command_line():
    args = ("--labels", "30", "--list-ignore-offset", "3", "--facets-ignore-offset")
    with run_emulator(*args) as (_, base_url):
        headers = {"Authorization": DEFAULT_API_KEY, "wix-site-id": DEFAULT_SITE_ID}
        first = httpx.get(base_url + "/contacts/v4/labels", headers=headers).json()
        later = httpx.get(base_url + "/contacts/v4/labels?paging.offset=20", headers=headers).json()
        facets = httpx.get(base_url + "/contacts/v4/contacts/facets?paging.offset=1", headers=headers).json()
    assert later["labels"] == first["labels"] and len(first["labels"]) == 3
    assert first["metadata"]["total"] == 32  # the site's real size, out of reach
    assert facets["facets"][0]["facetType"] == "ALL_CONTACTS" and "pagingMetadata" not in facets
    with run_emulator("--labels", "30", "--list-empty-from", "10") as (_, base_url):
        headers = {"Authorization": DEFAULT_API_KEY, "wix-site-id": DEFAULT_SITE_ID}
        empty = httpx.get(base_url + "/contacts/v4/labels?paging.offset=10", headers=headers).json()
    assert empty["labels"] == [] and empty["metadata"]["total"] == 32


def test_contacts_options_from_the_command_line():
    args = ("--job-seconds", "0", "--contacts-ignore-offset", "--too-many-to-count")
    with run_emulator(*args) as (_, base_url):
        headers = {"Authorization": DEFAULT_API_KEY, "wix-site-id": DEFAULT_SITE_ID}
        query = base_url + "/contacts/v4/contacts/query"
        first = httpx.post(query, headers=headers, json={"query": {"paging": {"limit": 5}}}).json()
        later = httpx.post(query, headers=headers, json={"query": {"paging": {"limit": 5, "offset": 50}}}).json()
        bulk = {"filter": {"id": {"$in": [first["contacts"][0]["id"]]}}, "labelKeysToAdd": ["custom.vip"]}
        job_id = httpx.post(base_url + "/contacts/v4/bulk/contacts/add-remove-labels", headers=headers, json=bulk)
        job = httpx.get(base_url + "/contacts/v4/bulk/jobs/" + job_id.json()["jobId"], headers=headers).json()["job"]
    assert later["contacts"] == first["contacts"] and first["contacts"][0]["info"]["name"]  # the demo's people
    assert first["pagingMetadata"] == {"count": 5, "offset": 0, "tooManyToCount": True}
    assert (job["status"], job["successTotal"]) == ("COMPLETED", 1)  # no wait: done when first asked
