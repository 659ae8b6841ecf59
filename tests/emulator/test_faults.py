"""The emulator's fault "answer late": the request is carried out at once, its answer sent later."""

from __future__ import annotations

import threading
import time

import httpx

from labeldesk.emulator import DEFAULT_API_KEY, DEFAULT_SITE_ID
from tests.emulator.test_cli import run_emulator

HEADERS = {"Authorization": DEFAULT_API_KEY, "wix-site-id": DEFAULT_SITE_ID}


def wait_until(condition, timeout_s: float = 5.0) -> None:
    """Poll ``condition`` (no Qt here: the emulator's threads change it) until true, or fail."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.005)


def names(answer: httpx.Response) -> set[str]:
    return {label["displayName"] for label in answer.json()["labels"]}


def test_a_late_list_answer_is_the_site_as_it_was_read_not_as_it_is_when_it_arrives(emulator, store):
    emulator.faults.answer_late_next(1, seconds=0.5)
    answers: list[httpx.Response] = []

    def read() -> None:
        answers.append(httpx.get(emulator.base_url + "/contacts/v4/labels", headers=HEADERS, timeout=10))

    reader = threading.Thread(target=read)
    started = time.monotonic()
    reader.start()
    wait_until(lambda: emulator.faults.held == 1)
    store.add_label("Added while the answer was on its way")
    assert not answers, "the answer came before its wait"
    reader.join(10)
    assert time.monotonic() - started >= 0.5
    assert answers[0].status_code == 200
    assert "Added while the answer was on its way" not in names(answers[0])
    # Only the next request was held: the one after it is prompt, and sees the change.
    later = httpx.get(emulator.base_url + "/contacts/v4/labels", headers=HEADERS, timeout=10)
    assert "Added while the answer was on its way" in names(later)
    assert emulator.faults.held == 1 and emulator.faults.pending == 0


def test_a_late_write_is_made_at_once_and_answered_later(emulator, store):
    emulator.faults.answer_late_next(1, seconds=0.3)
    answers: list[httpx.Response] = []
    body = {"displayName": "Made at once"}
    reader = threading.Thread(
        target=lambda: answers.append(
            httpx.post(emulator.base_url + "/contacts/v4/labels", headers=HEADERS, json=body, timeout=10)
        )
    )
    reader.start()
    wait_until(lambda: emulator.faults.held == 1)
    assert "Made at once" in {label["displayName"] for label in store.snapshot()}
    reader.join(10)
    assert answers[0].status_code == 200 and answers[0].json()["label"]["displayName"] == "Made at once"


def test_answer_late_from_the_command_line():
    with run_emulator("--seed", "empty", "--answer-late-next", "1", "--answer-late-seconds", "0.3") as (_, base_url):
        started = time.monotonic()
        first = httpx.get(base_url + "/contacts/v4/labels", headers=HEADERS, timeout=10)
        held = time.monotonic() - started
        started = time.monotonic()
        httpx.get(base_url + "/contacts/v4/labels", headers=HEADERS, timeout=10)
        prompt = time.monotonic() - started
    assert first.status_code == 200 and held >= 0.3 and prompt < 0.3
