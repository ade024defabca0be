"""Operator commands behind `python -m bot db | deliveries | send-now`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO
from urllib.parse import urlsplit

from bot.clock import Clock
from bot.content.loader import load_pack
from bot.settings import Settings
from bot.store.copy import copy_database
from bot.store.migrate import upgrade
from bot.store.sql import open_store

# send-now stops waiting when what is left will not be retried within this time; the
# running bot's sender finishes those.
PATIENCE_SECONDS = 30.0


def safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


async def db_upgrade(settings: Settings, out: TextIO) -> int:
    await upgrade(settings.database)
    out.write(f"database is up to date: {safe_url(settings.database)}\n")
    return 0


async def db_copy(settings: Settings, target: str, out: TextIO) -> int:
    def progress(table: str, rows: int) -> None:
        print(f"\r{table}: {rows} rows", end="", file=sys.stderr, flush=True)

    try:
        counts = await copy_database(settings.database, target, progress)
    except ValueError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    for table, rows in counts.items():
        out.write(f"{table:<24} {rows:>8}\n")
    out.write(f"copied to {safe_url(target)}\n")
    return 0


async def deliveries(settings: Settings, occurrence: str | None, out: TextIO, clock: Clock) -> int:
    store = await open_store(settings.database, clock=clock)
    try:
        report = await store.delivery_report(occurrence)
    finally:
        await store.close()
    if not any(report.counts.values()):
        out.write("No deliveries" + (f" for {occurrence}" if occurrence else "") + ".\n")
        return 0
    for state, count in report.counts.items():
        out.write(f"{state:<10} {count:>8}\n")
    if report.failures:
        out.write("\nFailures (newest first):\n")
        for item in report.failures[:50]:
            out.write(
                f"  #{item.id} {item.occurrence_key} {item.state.value} "
                f"status={item.last_status} attempts={item.attempts} to {item.recipient}\n"
            )
    return 0


def _bar(done: int, total: int, width: int = 30) -> str:
    filled = width * done // total if total else width
    return "[" + "#" * filled + "." * (width - filled) + f"] {done}/{total}"


async def send_now(settings: Settings, schedule: str, out: TextIO, clock: Clock) -> int:
    """Create today's occurrence (idempotent) and send it with a progress bar."""
    from bot.app import build_planner, build_sender

    pack = load_pack(settings.content_dir)
    store = await open_store(settings.database, clock=clock)
    sender, connector = build_sender(settings, store, pack, clock=clock)
    try:
        planner = build_planner(settings, store, pack)
        plan = planner.tips if schedule == "tips" else planner.nudges
        now = clock()
        key = plan.period_key(plan.local_date(now))
        planned = planner.plan_tips if schedule == "tips" else planner.plan_nudges
        created = await planned(key, now)
        out.write(f"{key}: {'created' if created else 'already existed'}\n")
        idle_since: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            handled = await sender.run_once()
            report = await store.delivery_report(key)
            total = sum(report.counts.values())
            done = total - report.counts.get("pending", 0) - report.counts.get("sending", 0)
            print(f"\r{_bar(done, total)}", end="", file=sys.stderr, flush=True)
            if done >= total:
                break
            if handled:
                idle_since = None
                continue
            idle_since = idle_since or loop.time()
            if loop.time() - idle_since > PATIENCE_SECONDS:
                out.write("\nsome deliveries wait for a retry; the running bot will send them\n")
                break
            await asyncio.sleep(1.0)
        print(file=sys.stderr)
        for state, count in sorted(report.counts.items()):
            out.write(f"{state:<10} {count:>8}\n")
    finally:
        await connector.close()
        await store.close()
    return 0


async def onboarding(
    settings: Settings, args: argparse.Namespace, out: TextIO, clock: Clock
) -> int:
    """`onboarding list|show|cancel`: the store and the sequences; Graph is never called."""
    from bot.app import build_onboarding_service, load_bundled_sequences
    from bot.graph.calendar import NoCalendar
    from bot.onboarding import cli

    pack = load_pack(settings.content_dir)
    store = await open_store(settings.database, clock=clock)
    try:
        service = build_onboarding_service(
            settings, store, NoCalendar(), load_bundled_sequences(settings, pack), clock
        )
        return await cli.run(service, args, out)
    finally:
        await store.close()
