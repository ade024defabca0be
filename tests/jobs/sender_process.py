"""A sender in a process of its own, for the crash test (tests/jobs/test_crash.py).

    python -m tests.jobs.sender_process --db URL --service-url URL [--rate 400] [--lease 2]

Wires the production pieces (Sender, ConnectorSender, TokenSource with a fixed-token
credentials factory, the content pack's renderer) against the given database and connector
double, runs `Sender.run` and exits 0 once nothing is left to send (nothing pending, no live
lease), or 3 after `--max-seconds`. The crash test kills it with SIGKILL long before that.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time

from bot.clock import system_clock
from bot.content.loader import load_pack
from bot.records import DeliveryState
from bot.settings import BUNDLED_CONTENT_DIR, load_settings
from bot.store.sql import open_store
from bot.teams.proactive import ConnectorSender, TokenSource
from jobs import tips
from jobs.deliveries import DeliveryKinds
from jobs.limits import RateLimiter
from jobs.sender import Sender, SenderConfig
from tests.doubles import DEFAULT_APP_ID, FixedTokenBotCredentialsFactory

TOKEN = "crash-test-connector-token"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run one sender until nothing is left.")
    parser.add_argument("--db", required=True, help="database URL (already migrated)")
    parser.add_argument("--service-url", required=True, help="the connector double's URL")
    parser.add_argument("--rate", type=float, default=400.0, help="sends per second per tenant")
    parser.add_argument("--lease", type=float, default=2.0, help="lease seconds")
    parser.add_argument("--batch", type=int, default=200, help="deliveries per claim")
    parser.add_argument("--token", default=TOKEN, help="bearer token the double expects")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="give up after this")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    settings = load_settings({"APP_ID": DEFAULT_APP_ID, "APP_PASSWORD": "unused"})
    pack = load_pack(BUNDLED_CONTENT_DIR)
    store = await open_store(args.db, migrate=False, clock=system_clock)
    connector = ConnectorSender(
        TokenSource(settings, FixedTokenBotCredentialsFactory(DEFAULT_APP_ID, args.token))
    )
    sender = Sender(
        store,
        connector,
        DeliveryKinds(tips.delivery_kinds(pack)),
        RateLimiter(tenant_rate=args.rate),
        config=SenderConfig(batch_size=args.batch, lease_seconds=args.lease, idle_seconds=0.2),
        clock=system_clock,  # a real process racing real leases: the real time
    )
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    deadline = time.monotonic() + args.max_seconds
    done = False
    try:
        while not done and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            now = system_clock()
            counts = (await store.delivery_report()).counts
            done = not await store.pending_count(now) and not counts[DeliveryState.SENDING]
    finally:
        stop.set()
        await task
        await connector.close()
        await store.close()
    return 0 if done else 3


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    return asyncio.run(run(parse(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    sys.exit(main())
