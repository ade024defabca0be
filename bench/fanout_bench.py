"""Fan-out of one occurrence through the real sender, on SQLite and on PostgreSQL.

Run: make bench-fanout  (or: .venv/bin/python bench/fanout_bench.py [-n 10000]
[--database both|sqlite|postgresql]). PostgreSQL: TEST_DATABASE_URL or the local server;
a fresh database is created for the run and dropped after it (skipped, saying so, when the
server cannot be reached).

10 000 recipients (conversation references in the store, one personal conversation each,
registered at the connector double) in one tips occurrence are sent by the production wiring
(`bot.app.build_sender`: Sender + RateLimiter(500/s) + ConnectorSender + TokenSource, with
the doubles' fixed-token credentials) through the loopback Bot Connector double (Teams'
per-conversation windows, 500/s per tenant in a sliding second, 5 % seeded transient faults:
412 and 500/502/503/504, which the sender retries with backoff).

Processes: this process hosts the connector double (its own thread and loop, as the doubles
run), writes the set-up and checks the outcome; the sender runs alone in a spawned child, so
that process's CPU time (time.process_time over the sending, its database driver and helper
threads included) is the sender's own and the double and the PostgreSQL server are not in it.
Peak memory is the child's VmHWM (Linux keeps ru_maxrss across fork + exec, so a spawned
child would report its parent's size).

Figures per database:
- rate_pct, the achieved rate: connector requests (retries included) per second from the
  sender's start until every delivery had been tried once, as a percentage of the allowed
  500/s. While it fans out, every recipient is waiting, so this is how much of the allowed
  budget the sender turns into requests. Requests, not successes: a failed request uses the
  budget as much as a successful one (with 5 % faults, successes alone could reach 95 %).
- goodput_pct and done_s: successful sends per second until the last success, and the
  seconds until then. After the fan-out only the retries are left, each waiting out its
  backoff, so this tail is set by the backoff the issue asks for, not by the sender's speed.
- lost (deliveries not `sent` at the end), dup (conversations that received more than one
  activity at the double), sender CPU seconds, sender peak RSS, and the seconds for
  create_occurrence with 100 000 deliveries.
The last line is `RESULT fanout ...` with the worse figure of the two databases (sums for
lost and dup).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from bot.app import build_sender, freeze_long_lived_objects
from bot.chat.model import Reply
from bot.clock import system_clock
from bot.content.loader import load_pack
from bot.i18n import LANGUAGES
from bot.records import ConversationRef, DeliveryState, NewDelivery
from bot.settings import BUNDLED_CONTENT_DIR, load_settings
from bot.store.sql import SqlStore, open_store
from bot.store.tables import conversation_refs
from jobs.deliveries import to_json
from jobs.ports import ProactivePort, SendResult
from jobs.tips import Tip
from tests.doubles import (
    DEFAULT_APP_ID,
    DEFAULT_TENANT_ID,
    ConnectorDouble,
    Fault,
    FixedTokenBotCredentialsFactory,
    RateLimits,
    TeamsUser,
)

RATE = 500  # allowed sends per second per tenant, at the double and in the sender
FAULT_SHARE = 0.05
# Shares of all send requests: the transient faults the sender retries with backoff. No
# injected 429: a 429 must pause every sender for its Retry-After (1 s = 500 sends here),
# so a few of them would measure the pauses the double imposed rather than the sender; the
# 429 path has its own tests. Any 429 in this benchmark is the sender exceeding the limits.
FAULT_MIX: tuple[tuple[Fault, float], ...] = (
    (Fault.precondition_failed(), 0.0100),
    (Fault.server_error(500), 0.0100),
    (Fault.server_error(502), 0.0100),
    (Fault.server_error(503), 0.0100),
    (Fault.server_error(504), 0.0100),
)
SEED = 20261130
TOKEN = "bench-connector-token"
OCCURRENCE = "tips:2026-11-30"
GEN_COUNT = 100_000
STALL_SECONDS = 60.0  # no successful send for this long: stop and count what is left
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


# --- databases -------------------------------------------------------------------------


def _admin_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database="postgres")
    return parsed.render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_admin_dsn(url), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server of `server_url`, dropped afterwards."""
    name = f"bench_fanout_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- the connector double (this process) ------------------------------------------------


def start_connector(n: int) -> tuple[ConnectorDouble, list[str]]:
    connector = ConnectorDouble(
        expected_token=TOKEN, rate_limits=RateLimits.teams(RATE), seed=SEED
    ).start()
    ids = []
    for i in range(n):
        user = TeamsUser.make(f"Vastaanottaja {i:06d}")
        conversation = connector.add_conversation(
            members=[user], conversation_type="personal", tenant_id=DEFAULT_TENANT_ID
        )
        ids.append(conversation.id)
    taken = 0.0
    for fault, share in FAULT_MIX:
        # Rules are tried in order; each coin is conditional on the earlier ones missing.
        connector.inject(fault, rate=share / (1.0 - taken), operation="send_to_conversation")
        taken += share
    assert abs(taken - FAULT_SHARE) < 1e-9
    return connector, ids


@dataclass(frozen=True)
class DoubleFigures:
    requests: int
    delivered: int
    duplicates: int
    missing: int
    faults: Counter[str]
    last_first_at: float  # when the last conversation got its first request (monotonic)
    fanout_requests: int  # requests up to then, retries included


def double_figures(connector: ConnectorDouble, ids: list[str]) -> DoubleFigures:
    sends = connector.calls.find(operation="send_to_conversation")
    per_conversation = Counter(call.target for call in sends if call.ok)
    faults = Counter(call.fault or "" for call in sends if not call.ok)
    first_at: dict[str | None, float] = {}
    for call in sends:
        first_at.setdefault(call.target, call.at)
    last_first_at = max(first_at.values(), default=0.0)
    return DoubleFigures(
        requests=len(sends),
        delivered=sum(per_conversation.values()),
        duplicates=sum(1 for count in per_conversation.values() if count > 1),
        missing=sum(1 for cid in ids if per_conversation[cid] == 0),
        faults=faults,
        last_first_at=last_first_at,
        fanout_requests=sum(1 for call in sends if call.at <= last_first_at),
    )


# --- set-up and checks (this process) ----------------------------------------------------


async def prepare(db_url: str, service_url: str, ids: list[str]) -> None:
    """References and the occurrence, written as an installed bot and the planner would."""
    store = await open_store(db_url, clock=system_clock)
    try:
        now = system_clock()
        rows = [
            {
                "conversation_id": cid,
                "kind": "personal",
                "tenant_id": DEFAULT_TENANT_ID,
                "service_url": service_url,
                "reference": {
                    "conversation": {"id": cid, "conversationType": "personal"},
                    "serviceUrl": service_url,
                    "channelId": "msteams",
                },
                "user_aad_id": None,
                "team_id": None,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for cid in ids
        ]
        async with store.engine.begin() as conn:
            await conn.execute(insert(conversation_refs), rows)
        pack = load_pack(BUNDLED_CONTENT_DIR)
        entries = [entry.id for entry in pack.entries]
        deliveries = [
            NewDelivery(cid, to_json(Tip(entries[i % len(entries)], LANGUAGES[i % 3])))
            for i, cid in enumerate(ids)
        ]
        assert await store.create_occurrence(OCCURRENCE, "tips", deliveries, now)
    finally:
        await store.close()


async def final_counts(db_url: str) -> dict[str, int]:
    store = await open_store(db_url, migrate=False, clock=system_clock)
    try:
        return (await store.delivery_report(OCCURRENCE)).counts
    finally:
        await store.close()


async def generate(db_url: str, count: int) -> float:
    """Seconds for create_occurrence with `count` new deliveries (the rows built before)."""
    store = await open_store(db_url, migrate=False, clock=system_clock)
    try:
        deliveries = [
            NewDelivery(f"a:gen-{i:06d}", to_json(Tip("meetings-cameras", "fi")))
            for i in range(count)
        ]
        started = time.perf_counter()
        assert await store.create_occurrence("tips:2026-12-01", "tips", deliveries, _now())
        return time.perf_counter() - started
    finally:
        await store.close()


def _now() -> datetime:
    return system_clock()


# --- the sender (child process) -----------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux keeps `ru_maxrss` across fork + exec, so a
    spawned child would report its parent's size: VmHWM belongs to the process's own memory."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TimedPort:
    """The real port, noting when each successful send came back and what came back."""

    def __init__(self, inner: ProactivePort) -> None:
        self.inner = inner
        self.ok_at: list[float] = []
        self.statuses: Counter[int | None] = Counter()

    async def send(self, ref: ConversationRef, reply: Reply) -> SendResult:
        result = await self.inner.send(ref, reply)
        self.statuses[result.status] += 1
        if result.ok:
            self.ok_at.append(time.monotonic())
        return result

    async def create_personal(
        self, service_url: str, tenant_id: str | None, user_id: str
    ) -> tuple[str | None, SendResult]:
        return await self.inner.create_personal(service_url, tenant_id, user_id)

    def personal_reference(
        self, recipient: str, conversation_id: str, service_url: str, tenant_id: str | None
    ) -> ConversationRef:
        return self.inner.personal_reference(recipient, conversation_id, service_url, tenant_id)


async def send_all(db_url: str, n: int) -> dict[str, Any]:
    settings = load_settings(
        {"APP_ID": DEFAULT_APP_ID, "APP_PASSWORD": "unused", "SEND_RATE_PER_SECOND": str(RATE)}
    )
    pack = load_pack(BUNDLED_CONTENT_DIR)
    store: SqlStore = await open_store(db_url, migrate=False, clock=system_clock)
    sender, connector = build_sender(
        settings,
        store,
        pack,
        FixedTokenBotCredentialsFactory(DEFAULT_APP_ID, TOKEN),
        clock=system_clock,
    )
    assert sender.limiter.tenant_rate == RATE
    port = TimedPort(sender.port)
    sender.port = port
    freeze_long_lived_objects()  # as `bot serve` does once the app is built
    stop = asyncio.Event()
    before_mb = peak_rss_mb()
    cpu_start = time.process_time()
    started = time.monotonic()
    task = asyncio.create_task(sender.run(stop))
    checked = progressed = started
    last_sent = 0
    try:
        while sender.sent < n:
            await asyncio.sleep(0.05)
            now = time.monotonic()
            if sender.sent != last_sent:
                last_sent, progressed = sender.sent, now
            elif now - progressed > STALL_SECONDS:
                break  # stuck: what is left unsent counts as lost
            if now - checked > 2.0:
                # Stop early when nothing is left to send (some ended other than sent).
                checked = now
                counts = (await store.delivery_report(OCCURRENCE)).counts
                if not counts[DeliveryState.PENDING] and not counts[DeliveryState.SENDING]:
                    break
        cpu = time.process_time() - cpu_start
        stop.set()
        await task
    finally:
        await connector.close()
        await store.close()
    peak_mb = peak_rss_mb()
    ok_at = sorted(port.ok_at) or [time.monotonic()]
    return {
        "sent": sender.sent,
        "started": started,  # time.monotonic is one clock for every process on Linux
        "seconds": ok_at[-1] - started,
        "half_s": ok_at[len(ok_at) // 2] - started,
        "p99_s": ok_at[len(ok_at) * 99 // 100] - started,
        "cpu_s": cpu,
        "peak_mb": peak_mb,
        "before_mb": before_mb,
        "statuses": dict(port.statuses),
    }


def sender_process(db_url: str, n: int, out: Connection) -> None:
    out.send(asyncio.run(send_all(db_url, n)))
    out.close()


def run_sender(db_url: str, n: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=sender_process, args=(db_url, n, send), name="sender")
    process.start()
    send.close()
    try:
        if not receive.poll(3600):
            raise TimeoutError("the sender process did not report")
        result: dict[str, Any] = receive.recv()
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
    return result


# --- one database ------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    database: str
    rate_pct: float
    goodput_pct: float
    done_s: float
    lost: int
    dup: int
    cpu_s: float
    peak_mb: float
    gen100k_s: float


def fanout(database: str, db_url: str, n: int) -> Figures:
    connector, ids = start_connector(n)
    try:
        asyncio.run(prepare(db_url, connector.service_url, ids))
        double_cpu = time.process_time()  # this process does nothing else while it sends
        # The double's arrival clock stands in for Teams'. A collector pause in this process
        # would hold requests that left the sender on time and then count them as a burst
        # of arrivals, throttling the sender for the double's pause; Teams does not stop.
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            outcome = run_sender(db_url, n)
        finally:
            gc.enable()
            gc.unfreeze()
        double_cpu = time.process_time() - double_cpu
        counts = asyncio.run(final_counts(db_url))
        seen = double_figures(connector, ids)
    finally:
        connector.stop()
    gen_seconds = asyncio.run(generate(db_url, GEN_COUNT))
    seconds = float(outcome["seconds"])
    goodput = outcome["sent"] / seconds if seconds > 0 else 0.0
    fanout_s = seen.last_first_at - float(outcome["started"])
    fanout_rate = seen.fanout_requests / fanout_s if fanout_s > 0 else 0.0
    lost = n - counts.get(DeliveryState.SENT.value, 0)
    statuses = Counter(outcome["statuses"])
    p99_s = float(outcome["p99_s"])
    print(
        f"[{database}] {n} deliveries: every one tried once after {fanout_s:.1f} s, half sent"
        f" after {outcome['half_s']:.1f} s, 99 % after {p99_s:.1f} s, the last after"
        f" {seconds:.1f} s"
    )
    print(
        f"[{database}]   achieved rate while fanning out: {seen.fanout_requests} requests"
        f" (retries included) in {fanout_s:.2f} s = {fanout_rate:.1f}/s"
        f" = {100 * fanout_rate / RATE:.1f} % of {RATE}/s"
    )
    print(
        f"[{database}]   successful sends to the last one: {goodput:.1f}/s"
        f" = {100 * goodput / RATE:.1f} % of {RATE}/s (the retry tail waits out its backoff);"
        f" until 99 %: {0.99 * n / p99_s:.1f}/s; all {seen.requests} requests over the run:"
        f" {seen.requests / seconds:.1f}/s"
    )
    print(
        f"[{database}]   states: "
        + ", ".join(f"{state} {count}" for state, count in sorted(counts.items()) if count)
        + f"; lost {lost}"
    )
    print(
        f"[{database}]   double: {seen.delivered} delivered, {seen.duplicates} duplicated"
        f" conversations, {seen.missing} without a message; not ok: "
        + (", ".join(f"{name} {count}" for name, count in seen.faults.most_common()) or "none")
    )
    print(
        f"[{database}]   sender saw: "
        + ", ".join(f"{status} {count}" for status, count in sorted(statuses.items(), key=str))
    )
    cpu = float(outcome["cpu_s"])
    print(
        f"[{database}]   sender CPU {cpu:.2f} s over {seconds:.2f} s wall"
        f" = {100 * cpu / seconds:.0f} % of one core; peak RSS {outcome['peak_mb']:.0f} MB"
        f" ({outcome['before_mb']:.0f} MB before sending)"
    )
    print(f"[{database}]   connector double: {double_cpu:.2f} s CPU in its own process")
    print(f"[{database}]   {GEN_COUNT} deliveries in one occurrence: {gen_seconds:.2f} s")
    return Figures(
        database=database,
        rate_pct=100 * fanout_rate / RATE,
        goodput_pct=100 * goodput / RATE,
        done_s=seconds,
        lost=lost,
        dup=seen.duplicates,
        cpu_s=cpu,
        peak_mb=float(outcome["peak_mb"]),
        gen100k_s=gen_seconds,
    )


def _postgres_problem(url: str) -> str | None:
    try:
        asyncio.run(_admin(url, "SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description="Fan-out benchmark of the delivery pipeline.")
    parser.add_argument("-n", type=int, default=10_000, help="recipients (default 10 000)")
    parser.add_argument(
        "--database", choices=("both", "sqlite", "postgresql"), default="both", help="where"
    )
    args = parser.parse_args()
    n: int = args.n
    print(
        f"fan-out of {n} deliveries at {RATE}/s, {100 * FAULT_SHARE:.0f} % faults "
        f"(seed {SEED}); {os.cpu_count()} CPUs",
        flush=True,
    )
    started = time.monotonic()
    results: list[Figures] = []
    if args.database in ("both", "sqlite"):
        with tempfile.TemporaryDirectory(prefix="fanout-bench-") as directory:
            sqlite_url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite'}"
            results.append(fanout("sqlite", sqlite_url, n))
    if args.database in ("both", "postgresql"):
        pg_url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL
        problem = _postgres_problem(pg_url)
        if problem is None:
            with postgres_database(pg_url) as url:
                results.append(fanout("postgresql", url, n))
        else:
            shown = make_url(pg_url).render_as_string(hide_password=True)
            print(f"[postgresql] SKIPPED: cannot connect to {shown} ({problem})", flush=True)
    print(f"benchmark run time {time.monotonic() - started:.0f} s")
    if not results:
        print(f"RESULT fanout n={n} skipped")
        return 1
    print(
        f"RESULT fanout n={n}"
        f" rate_pct={min(r.rate_pct for r in results):.1f}"
        f" goodput_pct={min(r.goodput_pct for r in results):.1f}"
        f" done_s={max(r.done_s for r in results):.1f}"
        f" lost={sum(r.lost for r in results)}"
        f" dup={sum(r.dup for r in results)}"
        f" cpu_s={max(r.cpu_s for r in results):.2f}"
        f" peak_mb={max(r.peak_mb for r in results):.0f}"
        f" gen100k_s={max(r.gen100k_s for r in results):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
