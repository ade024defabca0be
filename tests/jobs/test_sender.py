"""The sender against a real SQLite store and a scripted connector (Teams' answers)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.model import Reply
from bot.content.models import ContentPack
from bot.records import ConversationRef, NewDelivery
from bot.store.sql import SqlStore
from bot.teams.convert import personal_reference
from jobs import tips
from jobs.deliveries import DeliveryKinds, to_json
from jobs.limits import RateLimiter
from jobs.ports import SendResult
from jobs.sender import Sender, SenderConfig

START = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class ScriptedTeams:
    """Answers each conversation with the next scripted result (default 201)."""

    def __init__(self, script: Mapping[str, list[SendResult]] | None = None) -> None:
        self.script = {key: list(value) for key, value in (script or {}).items()}
        self.received: dict[str, list[Reply]] = defaultdict(list)

    async def create_personal(
        self, service_url: str, tenant_id: str | None, user_id: str
    ) -> tuple[str | None, SendResult]:
        return f"a:{user_id}", SendResult(status=201)

    def personal_reference(
        self, recipient: str, conversation_id: str, service_url: str, tenant_id: str | None
    ) -> ConversationRef:
        return personal_reference(recipient, conversation_id, service_url, tenant_id)

    async def send(self, ref: ConversationRef, reply: Reply) -> SendResult:
        queue = self.script.get(ref.conversation_id)
        result = queue.pop(0) if queue else SendResult(status=201)
        if result.ok or (result.timed_out and result.request_sent):
            self.received[ref.conversation_id].append(reply)
        return result


def ref(conversation_id: str) -> ConversationRef:
    return ConversationRef(
        conversation_id=conversation_id,
        kind="personal",
        tenant_id="tenant",
        service_url="https://smba.example/teams/",
        reference={"conversation": {"id": conversation_id}},
    )


async def setup(store: SqlStore, n: int, must_arrive: bool = False) -> list[str]:
    ids = [f"a:{i}" for i in range(n)]
    for conversation_id in ids:
        await store.save_reference(ref(conversation_id))
    deliveries = [
        NewDelivery(cid, to_json(tips.Tip("meetings-cameras", "fi")), must_arrive) for cid in ids
    ]
    assert await store.create_occurrence("tips:2026-11-30", "tips", deliveries, START)
    return ids


def make_sender(store: SqlStore, pack: ContentPack, teams: ScriptedTeams, clock: Clock) -> Sender:
    return Sender(
        store,
        teams,
        DeliveryKinds(tips.delivery_kinds(pack)),
        RateLimiter(tenant_rate=1000),
        config=SenderConfig(batch_size=50, backoff_base_seconds=1.0),
        clock=clock,
        seed=1,
    )


async def drain(sender: Sender, clock: Clock, rounds: int = 50, step: float = 30.0) -> None:
    for _ in range(rounds):
        if not await sender.run_once():
            clock.now += timedelta(seconds=step)


async def states(store: SqlStore) -> dict[str, int]:
    counts = (await store.delivery_report("tips:2026-11-30")).counts
    return {state: count for state, count in counts.items() if count}


async def test_every_delivery_is_sent_once_and_tips_are_remembered(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    ids = await setup(sqlite_store, 120)
    teams = ScriptedTeams()
    clock = Clock()
    await drain(make_sender(sqlite_store, pack, teams, clock), clock)
    assert await states(sqlite_store) == {"sent": 120}
    assert all(len(teams.received[cid]) == 1 for cid in ids)
    assert "meetings-cameras" in await sqlite_store.tips_seen("a:0")


async def test_transient_failures_are_retried_until_sent(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    await setup(sqlite_store, 3)
    teams = ScriptedTeams(
        {
            "a:0": [SendResult(502), SendResult(503), SendResult(504)],
            "a:1": [SendResult(412), SendResult(500)],
            "a:2": [SendResult(None, request_sent=False)],
        }
    )
    clock = Clock()
    await drain(make_sender(sqlite_store, pack, teams, clock), clock)
    assert await states(sqlite_store) == {"sent": 3}
    assert {cid: len(r) for cid, r in teams.received.items()} == {"a:0": 1, "a:1": 1, "a:2": 1}


async def test_a_429_storm_pauses_every_sender_and_loses_nothing(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    ids = await setup(sqlite_store, 20)
    storm = {cid: [SendResult(429, retry_after=20)] * 2 for cid in ids[:10]}
    teams = ScriptedTeams(storm)
    clock = Clock()
    first = make_sender(sqlite_store, pack, teams, clock)
    second = make_sender(sqlite_store, pack, teams, clock)
    await first.run_once()
    throttle = await sqlite_store.throttle_until()
    assert throttle is not None and throttle >= START + timedelta(seconds=20)
    assert await second.run_once() == 0  # the other sender honours the shared throttle
    for _ in range(400):
        if not await first.run_once() + await second.run_once():
            if await states(sqlite_store) == {"sent": 20}:
                break
            clock.now += timedelta(seconds=10)
    assert await states(sqlite_store) == {"sent": 20}
    assert all(len(teams.received[cid]) == 1 for cid in ids)


async def test_403_is_final_and_deactivates_the_conversation(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    await setup(sqlite_store, 2)
    teams = ScriptedTeams({"a:0": [SendResult(403)], "a:1": [SendResult(404)]})
    clock = Clock()
    await drain(make_sender(sqlite_store, pack, teams, clock), clock)
    report = await sqlite_store.delivery_report("tips:2026-11-30")
    assert report.counts["failed"] == 2 and report.counts["sent"] == 0
    assert {d.last_status for d in report.failures} == {403, 404}
    for cid in ("a:0", "a:1"):
        stored = await sqlite_store.get_reference(cid)
        assert stored is not None and not stored.active


@pytest.mark.parametrize(("must_arrive", "expected"), [(False, "unknown"), (True, "sent")])
async def test_unknown_outcome_resends_only_what_must_arrive(
    sqlite_store: SqlStore, pack: ContentPack, must_arrive: bool, expected: str
) -> None:
    await setup(sqlite_store, 1, must_arrive=must_arrive)
    teams = ScriptedTeams({"a:0": [SendResult(None, timed_out=True)]})
    clock = Clock()
    await drain(make_sender(sqlite_store, pack, teams, clock), clock)
    assert await states(sqlite_store) == {expected: 1}


async def test_retries_give_up_after_the_maximum(sqlite_store: SqlStore, pack: ContentPack) -> None:
    await setup(sqlite_store, 1)
    teams = ScriptedTeams({"a:0": [SendResult(503)] * 20})
    clock = Clock()
    await drain(make_sender(sqlite_store, pack, teams, clock), clock, rounds=200, step=700)
    report = await sqlite_store.delivery_report("tips:2026-11-30")
    assert report.counts["failed"] == 1 and report.counts["pending"] == 0
    assert report.failures[0].attempts == SenderConfig().max_attempts


async def test_unknown_payload_or_missing_reference_fails_cleanly(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    await sqlite_store.save_reference(ref("a:1"))
    bad: list[NewDelivery] = [
        NewDelivery("a:1", {"kind": "tip", "entry": "no-such-entry", "lang": "fi"}),
        NewDelivery("a:1x", to_json(tips.Tip("meetings-cameras", "fi"))),  # no reference saved
        NewDelivery("a:1y", {"kind": "horoscope"}),
    ]
    await sqlite_store.save_reference(ref("a:1y"))
    assert await sqlite_store.create_occurrence("tips:2026-11-30", "tips", bad, START)
    teams = ScriptedTeams()
    clock = Clock()
    await drain(make_sender(sqlite_store, pack, teams, clock), clock)
    assert await states(sqlite_store) == {"failed": 3}
    assert not teams.received


async def test_an_expired_lease_is_taken_over_after_a_crash(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    await setup(sqlite_store, 10)
    clock = Clock()
    claimed = await sqlite_store.claim_deliveries("crashed-sender", 10, 60, clock.now)
    assert len(claimed) == 10
    teams = ScriptedTeams()
    sender = make_sender(sqlite_store, pack, teams, clock)
    assert await sender.run_once() == 0  # leases still held
    clock.now += timedelta(seconds=61)
    await drain(sender, clock)
    assert await states(sqlite_store) == {"sent": 10}


async def attempts_when_claimed_again(store: SqlStore, at: datetime) -> dict[str, int]:
    """Claim everything due at `at` and say how many attempts each delivery has counted."""
    claimed = await store.claim_deliveries("inspector", 1000, 60, at)
    return {delivery.recipient: delivery.attempts for delivery in claimed}


async def test_a_429_gives_the_waiting_deliveries_back_without_spending_an_attempt(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    ids = await setup(sqlite_store, 20)
    teams = ScriptedTeams({"a:0": [SendResult(429, retry_after=20)]})
    clock = Clock()
    assert await make_sender(sqlite_store, pack, teams, clock).run_once() == 20
    assert await states(sqlite_store) == {"pending": 20}
    assert not teams.received
    attempts = await attempts_when_claimed_again(sqlite_store, START + timedelta(seconds=21))
    assert attempts == {"a:0": 2} | {cid: 1 for cid in ids[1:]}


class GatedTeams(ScriptedTeams):
    """Holds every send until `gate` opens, counting the sends under way."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.started = 0

    async def send(self, ref: ConversationRef, reply: Reply) -> SendResult:
        self.started += 1
        await self.gate.wait()
        return await super().send(ref, reply)


async def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling the sender's counters is the point
            await asyncio.sleep(0.01)


def running_clock() -> Callable[[], datetime]:
    """START, moving on in real time (the pipeline sleeps for real)."""
    began = time.monotonic()
    return lambda: START + timedelta(seconds=time.monotonic() - began)


async def test_the_pipeline_sends_each_delivery_once(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    ids = await setup(sqlite_store, 300)
    teams = ScriptedTeams({"a:7": [SendResult(503)], "a:8": [SendResult(404)]})
    sender = Sender(
        sqlite_store,
        teams,
        DeliveryKinds(tips.delivery_kinds(pack)),
        RateLimiter(tenant_rate=1000),
        config=SenderConfig(batch_size=40, concurrency=8, backoff_base_seconds=0.05),
        clock=running_clock(),
        seed=1,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    await wait_for(lambda: sender.sent == 299)
    stop.set()
    await running
    assert await states(sqlite_store) == {"sent": 299, "failed": 1}
    assert {cid: len(teams.received[cid]) for cid in ids if cid != "a:8"} == {
        cid: 1 for cid in ids if cid != "a:8"
    }
    assert len(await sqlite_store.tips_seen("a:299")) == 1  # recorded with its send


@pytest.mark.parametrize("how", ["stop", "cancel"])
async def test_stopping_gives_back_what_no_worker_started(
    sqlite_store: SqlStore, pack: ContentPack, how: str
) -> None:
    ids = await setup(sqlite_store, 100)
    teams = GatedTeams()
    sender = Sender(
        sqlite_store,
        teams,
        DeliveryKinds(tips.delivery_kinds(pack)),
        RateLimiter(tenant_rate=1000),
        config=SenderConfig(batch_size=50, concurrency=4),
        clock=running_clock(),
    )
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    await wait_for(lambda: teams.started == 4)
    counts = await states(sqlite_store)
    assert counts["sending"] >= 50  # claimed ahead of the workers
    if how == "stop":
        stop.set()
    else:
        running.cancel()  # as the runtime does when a stop takes too long
    await asyncio.sleep(0.05)
    teams.gate.set()  # the four sends under way finish, and are recorded
    if how == "stop":
        await running
    else:
        with pytest.raises(asyncio.CancelledError):
            await running
    assert await states(sqlite_store) == {"sent": 4, "pending": 96}
    attempts = await attempts_when_claimed_again(sqlite_store, START + timedelta(minutes=1))
    assert sorted(attempts) == sorted(cid for cid in ids if not teams.received[cid])
    assert set(attempts.values()) == {1}


async def test_at_a_low_rate_a_stop_does_not_wait_for_a_queue_at_the_limiter(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    await setup(sqlite_store, 100)
    teams = ScriptedTeams()
    sender = Sender(
        sqlite_store,
        teams,
        DeliveryKinds(tips.delivery_kinds(pack)),
        RateLimiter(tenant_rate=2),  # two workers, not the 64 the defaults allow
        clock=running_clock(),
    )
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    await wait_for(lambda: sender.sent >= 1)
    stop.set()
    stopped_at = time.monotonic()
    await running
    assert time.monotonic() - stopped_at < 1.5  # at most the two held sends, 0.5 s apart
    counts = await states(sqlite_store)
    assert counts["sent"] <= 3 and counts["sent"] + counts["pending"] == 100
