"""Run by hand (``python -m tests.api.hostile_memory``) or by test_hostile_server: the client, with its
real caps, against the issue's real-size attacks; prints each one's outcome and the peak resident
memory of this process ("peak MB: N", from /proc's VmHWM, else ru_maxrss)."""

from __future__ import annotations

import resource
import time
from pathlib import Path

from labeldesk.api import WixLabelsClient, errors
from labeldesk.emulator import DEFAULT_API_KEY, DEFAULT_SITE_ID
from tests.api.hostile import MB, HostileServer, gzip_bomb, label_page, spaces


def peak_mb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


ATTACKS = {
    "gzip bomb (8 MB of gzip, 8 GiB unpacked)": lambda path: (200, {"Content-Encoding": "gzip"}, gzip_bomb(8 * MB)),
    "100 MB body": lambda path: (200, {}, spaces(100 * MB)),
    "a page of 1,000,000 labels": lambda path: (200, {}, label_page(1_000_000, total=1_000_000)),
    "total: 10**12": lambda path: (200, {}, label_page(2000, total=10**12)),
}


def client_for(server: HostileServer) -> WixLabelsClient:
    return WixLabelsClient(DEFAULT_API_KEY, DEFAULT_SITE_ID, base_url=server.url)


def main() -> None:
    print(f"start: peak MB: {peak_mb()}")
    for name, answer in ATTACKS.items():
        with HostileServer(answer) as server, client_for(server) as client:
            started = time.monotonic()
            try:
                client.fetch_all()
            except errors.OversizedResponseError:
                outcome = "stopped"
            else:
                raise SystemExit(f"{name}: not stopped")
            print(f"{name}: {outcome} in {time.monotonic() - started:.2f} s, {server.sent / MB:.1f} MB sent")
    # 25 bombs at once: the first wave of a site the window last saw with 50,000 labels.
    bomb = ATTACKS["gzip bomb (8 MB of gzip, 8 GiB unpacked)"]
    with HostileServer(bomb) as server, client_for(server) as client:
        try:
            client.fetch_all(expected_total=50_000)
        except errors.OversizedResponseError:
            print(f"25 bombs at once: stopped, {len(server.requests)} requests")
        else:
            raise SystemExit("25 bombs at once: not stopped")
    print(f"peak MB: {peak_mb()}")


if __name__ == "__main__":
    main()
