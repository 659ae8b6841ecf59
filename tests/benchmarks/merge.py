"""The merge figure of the benchmark (issue 15): the requests a merge of two labels of ``size`` contacts each
sends (the job's polls apart: they are the job's time), beside the one-contact-at-a-time floor of the issue
(a LabelContact call for each of the 2 x ``size`` contacts, at Wix's 200 a minute).

A part of run.py, kept apart so it reads on its own: the engine runs on a thread of this process, Qt-free,
against the emulator over loopback, and the emulator's request log is what is counted.
"""

from __future__ import annotations

import threading
import time

#: Wix's rate budget (contract 6.9): what the one-at-a-time floor is paced by.
REQUESTS_PER_MINUTE = 200


def measure_merge(size: int) -> dict[str, float]:
    from labeldesk.api import WixLabelsClient
    from labeldesk.emulator import Emulator, LabelStore, seed_empty
    from labeldesk.engine import protocol as p
    from labeldesk.engine.core import SyncEngine

    store = LabelStore()
    seed_empty(store)
    keep = store.add_label("VIP", key="custom.vip").key
    merged = store.add_label("vip", key="custom.vip-2").key
    for key in (keep, merged):
        for _ in range(size):
            store.add_contact([key])
    done = threading.Event()
    answers: list[object] = []

    def send(event: object) -> None:
        if isinstance(event, p.OperationDone | p.OperationFailed):
            answers.append(event)
            done.set()

    with Emulator(store, rate_limit=None) as emulator:
        client = WixLabelsClient(emulator.api_key, emulator.site_id, base_url=emulator.base_url)
        engine = SyncEngine(send, {1: client})  # type: ignore[arg-type]
        try:
            engine.handle(p.Open(None, 1, None))
            emulator.clear_requests()
            started = time.perf_counter()
            engine.handle(p.MergeLabels(1, keep, [merged]))
            if not done.wait(300):
                raise RuntimeError("the merge never ended")
            elapsed = time.perf_counter() - started
        finally:
            engine.shutdown()
        sent = emulator.requests
    answer = answers[0]
    if not isinstance(answer, p.OperationDone) or answer.changed != size:
        raise RuntimeError(f"the merge didn't move every contact: {answer!r}")
    polls = [r for r in sent if r.method == "GET" and r.path.startswith("/contacts/v4/bulk/jobs/")]
    # As the issue counts it: a LabelContact call for each contact of the two labels, one at a time.
    floor = 2 * size
    return {
        f"merge_requests_{size}": len(sent) - len(polls),
        f"merge_job_polls_{size}": len(polls),
        f"merge_seconds_{size}": round(elapsed, 2),
        f"merge_floor_requests_{size}": floor,
        f"merge_floor_minutes_{size}": round(floor / REQUESTS_PER_MINUTE, 1),
    }
