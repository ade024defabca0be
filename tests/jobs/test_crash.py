"""The delivery pipeline under a crash and under two senders, through the connector double.

- A sender process killed with SIGKILL in the middle of 2 000 deliveries: after a restart
  every delivery ends sent, none is lost, and the duplicates at the connector are no more
  than the deliveries that were claimed but unfinished when it died.
- Two senders (two SqlStore instances: two engines and pools) on one database: each of
  1 000 deliveries reaches its conversation exactly once.

SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (a fresh database per test).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.clock import system_clock
from bot.content.models import ContentPack
from bot.i18n import LANGUAGES
from bot.records import DeliveryState, NewDelivery
from bot.settings import load_settings
from bot.store.sql import SqlStore, open_store
from bot.store.tables import conversation_refs
from bot.teams.proactive import ConnectorSender, TokenSource
from jobs import tips
from jobs.deliveries import DeliveryKinds, to_json
from jobs.limits import RateLimiter
from jobs.sender import Sender, SenderConfig
from tests.doubles import (
    DEFAULT_APP_ID,
    DEFAULT_TENANT_ID,
    ConnectorDouble,
    FixedTokenBotCredentialsFactory,
    RateLimits,
    TeamsUser,
)
from tests.jobs.sender_process import TOKEN
from tests.jobs.test_sender import wait_for
from tests.store.conftest import PG_URL, fresh_postgres, sqlite_url

ROOT = Path(__file__).resolve().parents[2]
OCCURRENCE = "nudge:2026-W49"
RATE = 400.0  # sends per second per sender
LEASE = 2.0  # seconds, in the sender processes: a crashed sender's claims come free quickly
# The double allows more than the senders use together, so no 429 pauses the whole test.
CONNECTOR_LIMITS = RateLimits.teams(1000)

postgres_only = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=postgres_only)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "data" / "crash.sqlite")
        await (await open_store(url, clock=system_clock)).close()
        yield url
    else:
        async with fresh_postgres() as url:
            await (await open_store(url, clock=system_clock)).close()
            yield url


@pytest.fixture
def connector() -> Iterator[ConnectorDouble]:
    with ConnectorDouble(expected_token=TOKEN, rate_limits=CONNECTOR_LIMITS) as double:
        yield double


async def fan_out(url: str, connector: ConnectorDouble, pack: ContentPack, n: int) -> list[str]:
    """`n` personal conversations known to the connector and the store, and one occurrence
    with a nudge for each."""
    ids = [
        connector.add_conversation(members=[TeamsUser.make(f"Henkilö {i:05d}")]).id
        for i in range(n)
    ]
    now = system_clock()
    store = await open_store(url, migrate=False, clock=system_clock)
    try:
        # One insert for all references: saving them one by one would be most of the test.
        async with store.engine.begin() as conn:
            await conn.execute(
                insert(conversation_refs),
                [
                    {
                        "conversation_id": cid,
                        "kind": "personal",
                        "tenant_id": DEFAULT_TENANT_ID,
                        "service_url": connector.service_url,
                        "reference": {"conversation": {"id": cid}},
                        "active": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for cid in ids
                ],
            )
        nudges = [nudge.id for nudge in pack.nudges]
        deliveries = [
            NewDelivery(cid, to_json(tips.WeeklyNudge(nudges[i % len(nudges)], LANGUAGES[i % 3])))
            for i, cid in enumerate(ids)
        ]
        assert await store.create_occurrence(OCCURRENCE, "nudges", deliveries, now)
    finally:
        await store.close()
    return ids


def make_sender(
    store: SqlStore,
    pack: ContentPack,
    credentials: FixedTokenBotCredentialsFactory,
    rate: float = RATE,
) -> tuple[Sender, ConnectorSender]:
    """An in-process sender with a long lease: a claim never expires under a live sender, so
    any duplicate would be a claiming bug. Small batches make the two senders interleave."""
    settings = load_settings({"APP_ID": DEFAULT_APP_ID, "APP_PASSWORD": "unused"})
    port = ConnectorSender(TokenSource(settings, credentials))
    sender = Sender(
        store,
        port,
        DeliveryKinds(tips.delivery_kinds(pack)),
        RateLimiter(tenant_rate=rate),
        config=SenderConfig(batch_size=50, lease_seconds=60.0, idle_seconds=0.1),
        clock=system_clock,  # senders racing real leases in real time
    )
    return sender, port


def sender_command(url: str, connector: ConnectorDouble) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.jobs.sender_process",
        "--db",
        url,
        "--service-url",
        connector.service_url,
        "--rate",
        str(RATE),
        "--lease",
        str(LEASE),
    ]


def deliveries_per_conversation(connector: ConnectorDouble) -> Counter[str]:
    """Activities the connector accepted, per conversation."""
    calls = connector.calls.find(ok=True, operation="send_to_conversation")
    return Counter(call.target for call in calls if call.target is not None)


async def counts(store: SqlStore) -> dict[str, int]:
    report = await store.delivery_report(OCCURRENCE)
    return {state: number for state, number in report.counts.items() if number}


async def counts_at(url: str) -> dict[str, int]:
    store = await open_store(url, migrate=False, clock=system_clock)
    try:
        return await counts(store)
    finally:
        await store.close()


async def test_a_sender_killed_mid_fanout_loses_nothing_and_doubles_only_what_was_in_flight(
    db_url: str, connector: ConnectorDouble, pack: ContentPack, tmp_path: Path
) -> None:
    n = 2000
    ids = await fan_out(db_url, connector, pack, n)
    log = tmp_path / "sender.log"
    with log.open("wb") as stderr:
        victim = subprocess.Popen(  # noqa: ASYNC220, S603 (our module, killed below)
            sender_command(db_url, connector),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 30
            while sum(deliveries_per_conversation(connector).values()) < 700:
                if victim.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the sender did not get going: {log.read_text()[-2000:]}")
                await asyncio.sleep(0.01)
        finally:
            victim.send_signal(signal.SIGKILL)
            victim.wait()
    assert victim.returncode == -signal.SIGKILL
    await asyncio.sleep(0.05)  # let the double answer what had already reached it
    sent_at_kill = sum(deliveries_per_conversation(connector).values())
    at_kill = await counts_at(db_url)
    in_flight = at_kill.get(DeliveryState.SENDING.value, 0)
    assert 500 <= sent_at_kill <= 1500, "the kill did not land in the middle"
    assert in_flight > 0, f"nothing was claimed at the kill: {at_kill}"

    # The restart: a new process, which finds the dead sender's claims once their leases end.
    with log.open("ab") as stderr:
        restarted = await asyncio.to_thread(
            subprocess.run, sender_command(db_url, connector), cwd=ROOT, stderr=stderr, timeout=150
        )
    assert restarted.returncode == 0, log.read_text()[-2000:]

    assert await counts_at(db_url) == {DeliveryState.SENT.value: n}
    received = deliveries_per_conversation(connector)
    assert [cid for cid in ids if received[cid] == 0] == []  # none lost
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= in_flight, (sent_at_kill, at_kill, duplicates)


async def test_two_senders_on_one_database_deliver_each_message_once(
    db_url: str, connector: ConnectorDouble, pack: ContentPack
) -> None:
    n = 1000
    ids = await fan_out(db_url, connector, pack, n)
    stores = [await open_store(db_url, migrate=False, clock=system_clock) for _ in range(2)]
    credentials = [FixedTokenBotCredentialsFactory(DEFAULT_APP_ID, TOKEN) for _ in stores]
    pairs = [
        make_sender(store, pack, made) for store, made in zip(stores, credentials, strict=True)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(sender.run(stop)) for sender, _ in pairs]
    try:
        async with asyncio.timeout(60):
            while (await counts(stores[0])).get(DeliveryState.SENT.value, 0) < n:
                if any(task.done() for task in tasks):
                    break  # a sender stopped by itself: its exception is raised below
                await asyncio.sleep(0.1)
        final = await counts(stores[0])
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for _, port in pairs:
            await port.close()
        for store in stores:
            await store.close()

    assert final == {DeliveryState.SENT.value: n}
    received = deliveries_per_conversation(connector)
    assert sorted(received) == sorted(ids)
    assert set(received.values()) == {1}
    assert all(sender.sent > 0 for sender, _ in pairs), [sender.sent for sender, _ in pairs]
    assert sum(sender.sent for sender, _ in pairs) == n
    # Credentials are made once per sender, not once per message (each would be a new MSAL
    # application with an empty token cache: a token request to Entra ID per send).
    assert [len(made.created) for made in credentials] == [1, 1]


async def test_two_senders_split_the_tenant_budget_between_them(
    db_url: str, pack: ContentPack
) -> None:
    """Each sender is configured with the whole budget, as every replica of a deployment
    is (a notch under Teams' limit, as SEND_RATE_PER_SECOND's 25 is under 30); together they
    stay within it, so the connector never has to say 429. Alone, each would send at 88/s."""
    budget = 90
    limits = RateLimits.teams(100)
    with ConnectorDouble(expected_token=TOKEN, rate_limits=limits) as double:
        n = 300
        ids = await fan_out(db_url, double, pack, n)
        stores = [await open_store(db_url, migrate=False, clock=system_clock) for _ in range(2)]
        credentials = FixedTokenBotCredentialsFactory(DEFAULT_APP_ID, TOKEN)
        pairs = [make_sender(store, pack, credentials, rate=budget) for store in stores]
        senders = [sender for sender, _ in pairs]
        ports = [port for _, port in pairs]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(sender.run(stop)) for sender in senders]
        try:
            await wait_for(lambda: sum(sender.sent for sender in senders) >= n, seconds=30)
            shares = [sender.limiter.senders for sender in senders]
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for port in ports:
                await port.close()
            for store in stores:
                await store.close()
        calls = double.calls.find(operation="send_to_conversation")
    assert [call.fault for call in calls if not call.ok] == []  # no 429 from the double
    assert shares == [2, 2]
    assert all(sender.sent > 0 for sender in senders)
    assert sorted(call.target for call in calls) == sorted(ids)
