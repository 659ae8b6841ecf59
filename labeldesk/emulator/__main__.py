"""``python -m labeldesk.emulator``: run the Labels API emulator standalone until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import signal
import sys
import threading

from labeldesk.emulator.faults import PagingFaults
from labeldesk.emulator.jobs import DEFAULT_JOB_SECONDS
from labeldesk.emulator.seeds import SEEDS, seed_many
from labeldesk.emulator.server import DEFAULT_API_KEY, DEFAULT_RATE_LIMIT, DEFAULT_SITE_ID, Emulator
from labeldesk.emulator.state import DEFAULT_QUOTA, LabelStore


def _loopback(value: str) -> str:
    if value != "localhost" and not ipaddress.ip_address(value).is_loopback:
        raise argparse.ArgumentTypeError("the emulator only listens on this computer (127.0.0.1, ::1, localhost)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=".venv/bin/python -m labeldesk.emulator",
        description="A local emulator of Wix's contact Labels API and the Contacts API's label calls. "
        "Prints its base URL as the first line.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument("--host", type=_loopback, default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help=f"the accepted API key (default {DEFAULT_API_KEY})")
    parser.add_argument("--site-id", default=DEFAULT_SITE_ID, help=f"the accepted site ID (default {DEFAULT_SITE_ID})")
    parser.add_argument("--seed", choices=sorted(SEEDS), default="demo", help="starting labels (default demo)")
    parser.add_argument("--labels", type=int, metavar="N", help="instead of --seed: N generated user labels")
    parser.add_argument("--quota", type=int, default=DEFAULT_QUOTA, help="user-label quota (default %(default)s)")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=DEFAULT_RATE_LIMIT,
        metavar="N",
        help="requests per minute per key before 429; 0 turns it off (default %(default)s)",
    )
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=DEFAULT_JOB_SECONDS,
        metavar="S",
        help="how long a bulk labelling job takes to complete (default %(default)s)",
    )
    faults = parser.add_argument_group("fault injection (applied to the first requests, in this order)")
    faults.add_argument(
        "--fail-next", type=int, default=0, metavar="N", help="answer the next N requests with an error"
    )
    faults.add_argument("--fail-status", type=int, default=503, help="status for --fail-next (default 503; 429 too)")
    faults.add_argument("--retry-after", type=float, help="Retry-After seconds sent with --fail-next")
    faults.add_argument("--drop-next", type=int, default=0, metavar="N", help="close the connection without answering")
    faults.add_argument(
        "--drop-reply-next", type=int, default=0, metavar="N", help="carry out the request, then lose the answer"
    )
    faults.add_argument("--malformed-next", type=int, default=0, metavar="N", help="answer 200 with broken JSON")
    faults.add_argument(
        "--bomb-next", type=int, default=0, metavar="N", help="answer 200 with 64 KB of gzip that unpack to 64 MB"
    )
    faults.add_argument("--stall-next", type=int, default=0, metavar="N", help="say nothing for --stall-seconds")
    faults.add_argument("--stall-seconds", type=float, default=30.0)
    faults.add_argument(
        "--answer-late-next",
        type=int,
        default=0,
        metavar="N",
        help="carry out the request at once (read the labels as they are), answer --answer-late-seconds later",
    )
    faults.add_argument("--answer-late-seconds", type=float, default=1.0)
    paging = parser.add_argument_group("paging that breaks the rules (for every request)")
    paging.add_argument(
        "--facets-ignore-offset",
        action="store_true",
        help="contact facets ignore paging.offset and carry no paging metadata",
    )
    paging.add_argument(
        "--list-ignore-offset",
        type=int,
        metavar="N",
        help="the labels list ignores paging.offset and paging.limit: every page is the first N labels, "
        "with the real total",
    )
    paging.add_argument(
        "--list-empty-from",
        type=int,
        metavar="OFFSET",
        help="the labels list answers an empty page, with the real total, from this offset on",
    )
    paging.add_argument("--contacts-ignore-offset", action="store_true", help="contacts queries ignore paging.offset")
    paging.add_argument(
        "--too-many-to-count",
        action="store_true",
        help="contacts queries say tooManyToCount and send no total",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    store = LabelStore(quota=args.quota)
    if args.labels is not None:
        seed_many(store, args.labels)
    else:
        SEEDS[args.seed](store)
    emulator = Emulator(
        store,
        api_key=args.api_key,
        site_id=args.site_id,
        host=args.host,
        port=args.port,
        latency_ms=args.latency_ms,
        rate_limit=args.rate_limit or None,
        job_seconds=args.job_seconds,
    )
    emulator.faults.fail_next(args.fail_next, args.fail_status, args.retry_after)
    emulator.faults.drop_next(args.drop_next)
    emulator.faults.drop_reply_next(args.drop_reply_next)
    emulator.faults.malformed_next(args.malformed_next)
    emulator.faults.bomb_next(args.bomb_next)
    emulator.faults.stall_next(args.stall_next, args.stall_seconds)
    emulator.faults.answer_late_next(args.answer_late_next, args.answer_late_seconds)
    emulator.faults.paging = PagingFaults(
        args.facets_ignore_offset, args.list_ignore_offset, args.list_empty_from, args.contacts_ignore_offset
    )
    store.variant.contacts_too_many_to_count = args.too_many_to_count
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with emulator:
        print(emulator.base_url, flush=True)
        print(f"API key: {emulator.api_key}   site ID: {emulator.site_id}   labels: {len(store)}", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
