"""The name rule holds at the adapter too: nothing the rule refuses is ever sent, and lengths agree with Wix."""

from __future__ import annotations

import httpx
import pytest

from labeldesk.api import errors
from labeldesk.emulator import ApiError

REFUSED = [
    "",
    "   ",
    "Nul\x00here",
    "Bell\x07",
    "abc\u202etxt.exe",
    "\u2066isolated\u2069",
    "\u200b",
    "x" * 181,
    "😀" * 181,
]


def label_writes(emulator):
    return [r for r in emulator.requests if r.method in ("POST", "PATCH")]


@pytest.mark.parametrize("name", REFUSED)
def test_a_name_the_rule_refuses_is_never_sent(client, emulator, name):
    existing = client.find_or_create("Existing").label
    emulator.clear_requests()
    with pytest.raises(errors.InvalidNameError) as caught:
        client.find_or_create(name)
    assert caught.value.message and "U+" not in caught.value.message
    with pytest.raises(errors.InvalidNameError):
        client.rename(existing.key, name)
    assert label_writes(emulator) == []


def test_line_breaks_and_tabs_are_sent_as_spaces(client):
    created = client.find_or_create("Line one\nLine two\tTabbed").label
    assert created.display_name == "Line one Line two Tabbed"
    renamed = client.rename(created.key, "First\r\nSecond")
    assert renamed.display_name == "First Second"


def test_180_emoji_fit_in_the_client_and_the_emulator_alike(client, emulator):
    name = "😀" * 180  # 360 UTF-16 units: Wix counts characters
    created = client.find_or_create(name)
    assert created.created and created.label.display_name == name
    assert client.rename(created.label.key, "🎉" * 180).display_name == "🎉" * 180


def test_the_emulator_counts_characters_as_the_client_does(emulator):
    with pytest.raises(ApiError) as caught:
        emulator.store.find_or_create({"displayName": "😀" * 181})
    assert caught.value.status == 400
    response = httpx.post(  # over the wire, as JSON with surrogate-pair escapes
        emulator.base_url + "/contacts/v4/labels",
        json={"displayName": "😀" * 181},
        headers={"Authorization": emulator.api_key, "wix-site-id": emulator.site_id},
    )
    assert response.status_code == 400
    assert response.json()["details"]["validationError"]["fieldViolations"][0]["field"] == "displayName"
