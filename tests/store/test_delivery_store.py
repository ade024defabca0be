"""The delivery pipeline: occurrences created once, claims with leases, outcomes, reports,
the shared throttle — and two replicas (two engines on one database) racing."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.records import Delivery, DeliveryState, NewDelivery, Outcome
from bot.store.sql import SqlStore, open_store
from bot.store.tables import deliveries as delivery_table
from tests.clocks import fixed_clock

T0 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
LEASE = 60.0


def _fan_out(n: int, prefix: str = "a:", **payload: object) -> list[NewDelivery]:
    return [NewDelivery(f"{prefix}{i}", {"kind": "tips", "n": i, **payload}) for i in range(n)]


async def _row_count(store: SqlStore) -> int:
    async with store.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(delivery_table))).scalar_one()
        )


async def _claim_one(store: SqlStore, owner: str = "sender-a", now: datetime = T0) -> Delivery:
    claimed = await store.claim_deliveries(owner, 1, LEASE, now)
    assert len(claimed) == 1
    return claimed[0]


# --- occurrences ---------------------------------------------------------------------


async def test_occurrence_is_created_once(store: SqlStore) -> None:
    assert await store.occurrence_exists("tips:2026-11-30") is False
    assert await store.create_occurrence("tips:2026-11-30", "tips", _fan_out(5), T0) is True
    assert await store.occurrence_exists("tips:2026-11-30") is True
    # A restart or another replica: nothing more is written, not even other recipients.
    assert await store.create_occurrence("tips:2026-11-30", "tips", _fan_out(9, "b:"), T0) is False
    assert await _row_count(store) == 5
    report = await store.delivery_report("tips:2026-11-30")
    assert report.counts == {"pending": 5, "sending": 0, "sent": 0, "failed": 0, "unknown": 0}
    assert report.failures == []


async def test_an_occurrence_may_have_no_deliveries(store: SqlStore) -> None:
    assert await store.create_occurrence("nudge:2026-W49", "nudges", [], T0) is True
    assert await store.occurrence_exists("nudge:2026-W49") is True
    assert await store.create_occurrence("nudge:2026-W49", "nudges", [], T0) is False
    assert await store.claim_deliveries("s", 10, LEASE, T0) == []


async def test_a_recipient_gets_one_delivery_per_occurrence(store: SqlStore) -> None:
    fan_out = [
        NewDelivery("a:1", {"first": True}),
        NewDelivery("a:2", {}),
        NewDelivery("a:1", {"first": False}),
    ]
    assert await store.create_occurrence("tips:1", "tips", fan_out, T0) is True
    claimed = await store.claim_deliveries("s", 10, LEASE, T0)
    assert sorted(d.recipient for d in claimed) == ["a:1", "a:2"]
    assert next(d for d in claimed if d.recipient == "a:1").payload == {"first": True}
    # The same recipient in another occurrence is another delivery.
    assert await store.create_occurrence("tips:2", "tips", [NewDelivery("a:1", {})], T0)
    assert await _row_count(store) == 3


async def test_racing_replicas_create_an_occurrence_once(
    store: SqlStore, second_store: SqlStore
) -> None:
    fan_out = _fan_out(2_000)
    results = await asyncio.gather(
        store.create_occurrence("tips:2026-11-30", "tips", fan_out, T0),
        second_store.create_occurrence("tips:2026-11-30", "tips", fan_out, T0),
        store.create_occurrence("tips:2026-11-30", "tips", fan_out, T0),
        second_store.create_occurrence("tips:2026-11-30", "tips", fan_out, T0),
    )
    assert sorted(results) == [False, False, False, True]
    assert await _row_count(store) == 2_000
    assert (await second_store.delivery_report()).counts["pending"] == 2_000


async def test_a_failed_fan_out_writes_nothing(store: SqlStore) -> None:
    # A payload that is not plain JSON is refused as a whole.
    fan_out = [*_fan_out(3), NewDelivery("a:bad", {"when": T0})]
    with pytest.raises(TypeError):
        await store.create_occurrence("tips:1", "tips", fan_out, T0)
    assert await store.occurrence_exists("tips:1") is False
    assert await _row_count(store) == 0
    assert await store.create_occurrence("tips:1", "tips", _fan_out(3), T0) is True


async def test_an_error_inside_the_transaction_rolls_the_occurrence_back(
    empty_db_url: str,
) -> None:
    # Fail after the occurrence row is written: take the deliveries table away underneath the
    # bulk insert (on a database of this test's own).
    store = await open_store(empty_db_url, clock=fixed_clock())
    try:
        async with store.engine.begin() as conn:
            await conn.run_sync(lambda sync: delivery_table.drop(sync))
        with pytest.raises(Exception, match="deliveries"):
            await store.create_occurrence("tips:1", "tips", _fan_out(3), T0)
        assert await store.occurrence_exists("tips:1") is False
    finally:
        await store.close()


async def test_hostile_recipients_and_payloads(store: SqlStore) -> None:
    recipients = ["a:'q'\"", "19:ääö-👩‍💻@thread", "x" * 1_000, "%_\\", "nul\x00"]
    payload = {"text": "😀 'quote' \"dq\" \\ \u0000 \ud800 " * 1_000, "nested": {"list": [1, None]}}
    fan_out = [NewDelivery(r, payload, must_arrive=True) for r in recipients]
    assert await store.create_occurrence("tips:'😀'", "tips", fan_out, T0) is True
    claimed = await store.claim_deliveries("s", 10, LEASE, T0)
    assert sorted(d.recipient for d in claimed) == sorted(
        r.replace("\x00", "\ufffd") for r in recipients
    )
    assert all(d.payload == payload and d.must_arrive for d in claimed)
    assert all(d.occurrence_key == "tips:'😀'" for d in claimed)
    assert (await store.delivery_report("tips:'😀'")).counts["sending"] == len(recipients)


# --- claiming and leases -----------------------------------------------------------------


async def test_claim_marks_deliveries_sending_with_a_lease(store: SqlStore) -> None:
    await store.create_occurrence(
        "tips:1", "tips", [NewDelivery("a:1", {"entry": "e1"}, must_arrive=True)], T0
    )
    delivery = await _claim_one(store)
    assert delivery.occurrence_key == "tips:1"
    assert delivery.recipient == "a:1"
    assert delivery.payload == {"entry": "e1"}
    assert delivery.state is DeliveryState.SENDING
    assert delivery.attempts == 1
    assert delivery.must_arrive is True
    assert delivery.last_status is None
    assert delivery.lease_until == T0 + timedelta(seconds=LEASE)
    assert delivery.lease_until is not None and delivery.lease_until.tzinfo == UTC
    # Claimed is claimed: nothing more to take, for anyone, while the lease lives.
    assert await store.claim_deliveries("sender-b", 10, LEASE, T0 + timedelta(seconds=59)) == []


async def test_claim_respects_the_limit_and_the_due_time(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(5), T0)
    await store.create_occurrence("tips:later", "tips", _fan_out(3, "b:"), T0 + timedelta(hours=1))
    lease = 3 * 3600.0  # outlives the test's clock
    assert await store.claim_deliveries("s", 0, lease, T0) == []
    first = await store.claim_deliveries("s", 3, lease, T0)
    second = await store.claim_deliveries("s", 3, lease, T0)
    assert len(first) == 3 and len(second) == 2
    assert {d.id for d in first}.isdisjoint(d.id for d in second)
    assert await store.claim_deliveries("s", 3, lease, T0) == []
    later = await store.claim_deliveries("s", 10, lease, T0 + timedelta(hours=1))
    assert sorted(d.recipient for d in later) == ["b:0", "b:1", "b:2"]


async def test_due_retries_are_claimed_before_first_attempts(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(10), T0)
    failed = await store.claim_deliveries("s", 2, LEASE, T0)
    retry_at = T0 + timedelta(seconds=2)
    for delivery in failed:
        assert await store.finish_delivery(delivery.id, "s", Outcome.RETRY, 503, T0, retry_at)
    # Not yet due: the first attempts go on.
    assert [d.recipient for d in await store.claim_deliveries("s", 3, LEASE, T0)] == [
        "a:2",
        "a:3",
        "a:4",
    ]
    # Due: ahead of the five first attempts still waiting since T0.
    claimed = await store.claim_deliveries("s", 3, LEASE, retry_at)
    assert [(d.recipient, d.attempts) for d in claimed] == [("a:0", 2), ("a:1", 2), ("a:5", 1)]


async def test_an_expired_lease_is_claimable_again_and_the_old_owner_loses(
    store: SqlStore,
) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(1), T0)
    crashed = await _claim_one(store, "sender-a", T0)
    assert await store.pending_count(T0 + timedelta(seconds=30)) == 0

    after_lease = T0 + timedelta(seconds=LEASE)
    assert await store.pending_count(after_lease) == 1
    taken_over = await _claim_one(store, "sender-b", after_lease)
    assert taken_over.id == crashed.id
    assert taken_over.attempts == 2
    assert taken_over.lease_until == after_lease + timedelta(seconds=LEASE)

    # The first sender wakes up: its result is ignored; the new owner's counts.
    assert not await store.finish_delivery(crashed.id, "sender-a", Outcome.SENT, 201, after_lease)
    assert await store.finish_delivery(taken_over.id, "sender-b", Outcome.SENT, 201, after_lease)
    assert (await store.delivery_report()).counts["sent"] == 1


async def test_finishing_after_the_lease_expired_but_before_a_takeover_counts(
    store: SqlStore,
) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(1), T0)
    delivery = await _claim_one(store)
    late = T0 + timedelta(seconds=LEASE * 3)
    assert await store.finish_delivery(delivery.id, "sender-a", Outcome.SENT, 201, late)
    assert await store.claim_deliveries("sender-b", 10, LEASE, late) == []


async def test_finish_needs_the_lease(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(2), T0)
    delivery = await _claim_one(store)
    assert not await store.finish_delivery(delivery.id, "sender-b", Outcome.SENT, 201, T0)
    assert not await store.finish_delivery(delivery.id + 1_000, "sender-a", Outcome.SENT, 201, T0)
    assert await store.finish_delivery(delivery.id, "sender-a", Outcome.SENT, 201, T0)
    # Finished once: a second report (a retry of the finish itself) changes nothing.
    assert not await store.finish_delivery(delivery.id, "sender-a", Outcome.FAILED, 403, T0)
    report = await store.delivery_report()
    assert report.counts["sent"] == 1 and report.counts["failed"] == 0
    # A pending delivery that nobody claimed cannot be finished either.
    other = (await store.claim_deliveries("x", 1, LEASE, T0))[0]
    await store.finish_delivery(other.id, "x", Outcome.RETRY, 503, T0, T0 + timedelta(hours=1))
    assert not await store.finish_delivery(other.id, "x", Outcome.SENT, 201, T0)


async def test_concurrent_finishes_each_get_their_own_answer(store: SqlStore) -> None:
    # Finishes that arrive together are committed together (more than one group's worth
    # here); each still answers for itself.
    await store.create_occurrence("tips:1", "tips", _fan_out(1_200), T0)
    claimed = await store.claim_deliveries("s", 1_200, LEASE, T0)
    results = await asyncio.gather(
        *(
            store.finish_delivery(d.id, "s" if i % 3 else "thief", Outcome.SENT, 201, T0)
            for i, d in enumerate(claimed)
        ),
        *(store.finish_delivery(d.id, "s", Outcome.FAILED, 403, T0) for d in claimed[1:3]),
    )
    assert results[:1_200] == [i % 3 != 0 for i in range(1_200)]
    assert results[1_200:] == [False, False]  # already finished as sent a moment earlier
    report = await store.delivery_report()
    assert report.counts == {"pending": 0, "sending": 400, "sent": 800, "failed": 0, "unknown": 0}


async def test_a_cancelled_finish_does_not_lose_the_others(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(50), T0)
    claimed = await store.claim_deliveries("s", 50, LEASE, T0)
    tasks = [
        asyncio.create_task(store.finish_delivery(d.id, "s", Outcome.SENT, 201, T0))
        for d in claimed
    ]
    await asyncio.sleep(0)
    tasks[0].cancel()
    tasks[25].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    finished = [result for result in done if result is True]
    cancelled = [result for result in done if isinstance(result, asyncio.CancelledError)]
    assert len(finished) + len(cancelled) == 50
    assert (await store.delivery_report()).counts["sent"] == len(finished)


# --- outcomes ----------------------------------------------------------------------------


async def test_retry_goes_back_to_pending_at_the_given_time(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(1), T0)
    delivery = await _claim_one(store)
    retry_at = T0 + timedelta(seconds=90)
    assert await store.finish_delivery(delivery.id, "sender-a", Outcome.RETRY, 429, T0, retry_at)
    assert await store.pending_count(T0) == 1  # waiting, though not yet due
    assert (
        await store.claim_deliveries("sender-a", 10, LEASE, retry_at - timedelta(seconds=1)) == []
    )
    again = await _claim_one(store, "sender-b", retry_at)
    assert again.id == delivery.id
    assert again.attempts == 2
    assert again.last_status == 429


async def test_retry_without_a_time_is_due_at_once(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(1), T0)
    delivery = await _claim_one(store)
    later = T0 + timedelta(seconds=5)
    assert await store.finish_delivery(delivery.id, "sender-a", Outcome.RETRY, 503, later)
    assert (await _claim_one(store, "sender-a", later)).attempts == 2


async def test_a_released_claim_is_due_at_once_and_not_counted_as_an_attempt(
    store: SqlStore,
) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(2), T0)
    retried, released = await store.claim_deliveries("sender-a", 2, LEASE, T0)
    later = T0 + timedelta(seconds=5)
    assert await store.finish_delivery(retried.id, "sender-a", Outcome.RETRY, 503, T0, later)
    # Released twice (the sender stopped, then a 429 paused the next one): still a first try.
    holder = "sender-a"
    seen: list[dict[int, int]] = []
    for next_holder in ("sender-b", "sender-c"):
        assert await store.finish_deliveries(
            holder, [(released.id, Outcome.RELEASED, None, None)], later
        ) == {released.id}
        claimed = await store.claim_deliveries(next_holder, 2, LEASE, later)
        seen.append({delivery.id: delivery.attempts for delivery in claimed})
        holder = next_holder
    # The retried one counts its second attempt (and stays with sender-b).
    assert seen == [{retried.id: 2, released.id: 1}, {released.id: 1}]
    # Only the holder of the lease can release it.
    assert not await store.finish_delivery(released.id, "sender-a", Outcome.RELEASED, None, later)
    assert (await store.delivery_report("tips:1")).counts["sending"] == 2


async def test_unknown_outcome_is_final_for_tips(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", [NewDelivery("a:1", {})], T0)
    delivery = await _claim_one(store)
    assert await store.finish_delivery(delivery.id, "sender-a", Outcome.UNKNOWN, None, T0)
    assert await store.claim_deliveries("sender-a", 10, LEASE, T0 + timedelta(days=1)) == []
    report = await store.delivery_report("tips:1")
    assert report.counts["unknown"] == 1
    assert [(d.id, d.state, d.next_attempt_at) for d in report.failures] == [
        (delivery.id, DeliveryState.UNKNOWN, None)
    ]


async def test_unknown_outcome_is_resent_when_the_message_must_arrive(store: SqlStore) -> None:
    await store.create_occurrence(
        "onboarding:1", "onboarding", [NewDelivery("a:1", {}, must_arrive=True)], T0
    )
    delivery = await _claim_one(store)
    resend_at = T0 + timedelta(seconds=30)
    assert await store.finish_delivery(
        delivery.id, "sender-a", Outcome.UNKNOWN, None, T0, resend_at
    )
    assert (await store.delivery_report()).counts["pending"] == 1
    assert await store.claim_deliveries("sender-a", 1, LEASE, T0) == []
    again = await _claim_one(store, "sender-a", resend_at)
    assert again.id == delivery.id and again.attempts == 2
    # Without a time it is due at once.
    assert await store.finish_delivery(again.id, "sender-a", Outcome.UNKNOWN, 504, resend_at)
    assert (await _claim_one(store, "sender-a", resend_at)).attempts == 3


async def test_failed_is_final_and_reported_newest_first(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(4), T0)
    claimed = await store.claim_deliveries("s", 4, LEASE, T0)
    outcomes = [(Outcome.FAILED, 403), (Outcome.SENT, 201), (Outcome.FAILED, 404)]
    for minutes, (delivery, (outcome, status)) in enumerate(zip(claimed, outcomes, strict=False)):
        finished = T0 + timedelta(minutes=minutes)
        assert await store.finish_delivery(delivery.id, "s", outcome, status, finished)
    await store.finish_delivery(claimed[3].id, "s", Outcome.UNKNOWN, None, T0 + timedelta(hours=1))
    report = await store.delivery_report("tips:1")
    assert report.counts == {"pending": 0, "sending": 0, "sent": 1, "failed": 2, "unknown": 1}
    assert [(d.id, d.state, d.last_status) for d in report.failures] == [
        (claimed[3].id, DeliveryState.UNKNOWN, None),
        (claimed[2].id, DeliveryState.FAILED, 404),
        (claimed[0].id, DeliveryState.FAILED, 403),
    ]
    assert all(d.lease_until is None for d in report.failures)
    assert await store.claim_deliveries("s", 10, LEASE, T0 + timedelta(days=1)) == []


async def test_report_for_one_occurrence_or_all(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(3), T0)
    await store.create_occurrence("nudge:1", "nudges", _fan_out(2), T0)
    for delivery in await store.claim_deliveries("s", 2, LEASE, T0):
        await store.finish_delivery(delivery.id, "s", Outcome.FAILED, 403, T0)
    assert sum((await store.delivery_report()).counts.values()) == 5
    assert (await store.delivery_report()).counts["failed"] == 2
    assert sum((await store.delivery_report("nudge:1")).counts.values()) == 2
    empty = await store.delivery_report("no:such")
    assert set(empty.counts.values()) == {0} and empty.failures == []


async def test_pending_count_counts_waiting_and_abandoned_deliveries(store: SqlStore) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(10), T0)
    assert await store.pending_count(T0) == 10
    claimed = await store.claim_deliveries("s", 4, LEASE, T0)
    assert await store.pending_count(T0) == 6
    await store.finish_delivery(claimed[0].id, "s", Outcome.SENT, 201, T0)
    await store.finish_delivery(claimed[1].id, "s", Outcome.RETRY, 429, T0, T0 + timedelta(hours=1))
    assert await store.pending_count(T0) == 7
    # The other two were left by a sender that died: waiting again once the lease is over.
    assert await store.pending_count(T0 + timedelta(seconds=LEASE)) == 9


# --- throttle ------------------------------------------------------------------------------


async def test_throttle_keeps_the_later_time(store: SqlStore, second_store: SqlStore) -> None:
    assert await store.throttle_until() is None
    await store.set_throttle_until(T0 + timedelta(seconds=30))
    await second_store.set_throttle_until(T0 + timedelta(seconds=10))
    assert await store.throttle_until() == T0 + timedelta(seconds=30)
    await second_store.set_throttle_until(T0 + timedelta(seconds=31))
    assert await store.throttle_until() == T0 + timedelta(seconds=31)
    assert await second_store.throttle_until() == T0 + timedelta(seconds=31)


# --- concurrency and volume -------------------------------------------------------------------


async def test_two_senders_never_claim_the_same_delivery(
    store: SqlStore, second_store: SqlStore
) -> None:
    await store.create_occurrence("tips:1", "tips", _fan_out(1_000), T0)

    async def sender(replica: SqlStore, owner: str) -> list[int]:
        mine: list[int] = []
        while claimed := await replica.claim_deliveries(owner, 37, LEASE, T0):
            finished = await asyncio.gather(
                *(replica.finish_delivery(d.id, owner, Outcome.SENT, 201, T0) for d in claimed)
            )
            assert all(finished)
            mine += [d.id for d in claimed]
        return mine

    results = await asyncio.gather(
        sender(store, "a1"),
        sender(second_store, "b1"),
        sender(store, "a2"),
        sender(second_store, "b2"),
    )
    every = [delivery_id for ids in results for delivery_id in ids]
    assert len(every) == len(set(every)) == 1_000
    assert sum(1 for ids in results if ids) >= 2  # they really did run side by side
    report = await store.delivery_report()
    assert report.counts["sent"] == 1_000


async def test_a_large_fan_out_is_created_fast(store: SqlStore) -> None:
    fan_out = [
        NewDelivery(f"29:{i:06d}-aaaaaaaa-bbbb-cccc-dddd", {"kind": "tips", "entry": f"e{i % 60}"})
        for i in range(100_000)
    ]
    started = time.perf_counter()
    assert await store.create_occurrence("tips:2026-11-30", "tips", fan_out, T0) is True
    elapsed = time.perf_counter() - started
    # The target is "well under 10 s" (about 2-3 s on an idle 2-core machine). The bound is
    # looser so that a busy CI machine does not fail the suite; it still catches a per-row
    # path (through SQLAlchemy's type handling this took 5-8 s, row by row minutes).
    assert elapsed < 20, f"100 000 deliveries took {elapsed:.1f} s"
    assert await store.pending_count(T0) == 100_000
    claimed = await store.claim_deliveries("s", 500, LEASE, T0)
    assert len(claimed) == 500
    assert await store.pending_count(T0) == 99_500


# --- senders sharing the budget ----------------------------------------------------------


async def test_senders_count_the_others_seen_lately(store: SqlStore) -> None:
    window = 1.5
    assert await store.sender_alive("sender-a", T0, window) == 0
    assert await store.sender_alive("sender-b", T0 + timedelta(seconds=0.5), window) == 1
    # Noting itself again does not count twice.
    assert await store.sender_alive("sender-a", T0 + timedelta(seconds=1), window) == 1
    # sender-b went quiet (crashed): after the window it no longer takes a share.
    assert await store.sender_alive("sender-a", T0 + timedelta(seconds=2.5), window) == 0
    assert await store.sender_alive("sender-b", T0 + timedelta(seconds=3), window) == 1
    await store.sender_gone("sender-b")
    assert await store.sender_alive("sender-a", T0 + timedelta(seconds=3.1), window) == 0
    assert await store.sender_alive("sender-c", T0 + timedelta(seconds=3.2), window) == 1
