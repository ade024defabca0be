"""Batched verbs of the sender: references read for a whole claimed batch, tips and outcomes
written together — each the same as its one-at-a-time verb."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.records import ConversationRef, NewDelivery, Outcome
from bot.store.deliveries_sql import MAX_FINISH_GROUP
from bot.store.sql import SqlStore
from bot.store.sql_host import ID_CHUNK
from bot.store.tables import conversation_refs, tip_history
from bot.store.tables import deliveries as delivery_table

T0 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
LEASE = 60.0


def _ref(conversation_id: str, **changes: object) -> ConversationRef:
    values: dict[str, object] = {
        "conversation_id": conversation_id,
        "kind": "personal",
        "tenant_id": "tenant-1",
        "service_url": "https://smba.example/emea/",
        "reference": {"conversation": {"id": conversation_id}},
        "user_aad_id": "aad-1",
    }
    values.update(changes)
    return ConversationRef(**values)  # type: ignore[arg-type]


async def test_get_references_returns_the_existing_ones_by_id(store: SqlStore) -> None:
    assert await store.get_references([]) == {}
    await store.save_reference(_ref("a:1"))
    await store.save_reference(_ref("a:2", kind="channel", team_id="team-1", user_aad_id=None))
    await store.save_reference(_ref("a:gone"))
    await store.deactivate_reference("a:gone")

    got = await store.get_references(["a:1", "a:2", "a:gone", "a:unknown", "a:1"])

    assert set(got) == {"a:1", "a:2", "a:gone"}  # unknown ids are left out, repeats once
    for conversation_id in ("a:1", "a:2", "a:gone"):
        assert got[conversation_id] == await store.get_reference(conversation_id)
    assert got["a:gone"].active is False


async def test_get_references_reads_more_ids_than_one_in_list(store: SqlStore) -> None:
    n = ID_CHUNK * 2 + 5
    async with store.engine.begin() as conn:
        await conn.execute(
            conversation_refs.insert(),
            [
                {
                    "conversation_id": f"person:{i}",
                    "kind": "personal",
                    "tenant_id": "tenant-1",
                    "service_url": "https://smba.example/emea/",
                    "reference": {"conversation": {"id": f"c{i}"}},
                    "user_aad_id": str(i),
                    "active": True,
                    "created_at": T0,
                    "updated_at": T0,
                }
                for i in range(n)
            ],
        )
    asked = [f"person:{i}" for i in range(n + 10)]  # ten of them without a reference

    got = await store.get_references(asked)

    assert set(got) == {f"person:{i}" for i in range(n)}
    assert got[f"person:{n - 1}"].reference == {"conversation": {"id": f"c{n - 1}"}}


async def test_get_references_finds_hostile_ids_as_get_reference_does(store: SqlStore) -> None:
    hostile = ["a:nul\x00id", "a:lone\ud800surrogate", "a:  spaced  ", "a:ÄäÖö🙂"]
    for conversation_id in hostile:
        await store.save_reference(_ref(conversation_id))

    got = await store.get_references([*hostile, hostile[2].strip()])

    assert set(got) == set(hostile)  # keyed by the ids as asked; the stripped one is another id
    for conversation_id in hostile:
        assert got[conversation_id] == await store.get_reference(conversation_id)


async def test_record_tips_is_record_tip_for_each_pair(store: SqlStore) -> None:
    await store.record_tips([], T0)  # nothing to write is harmless
    await store.record_tips([("a:1", "tip-1"), ("a:1", "tip-2"), ("a:2", "tip-9")], T0)
    await store.record_tips([("a:1", "tip-2")], T0 + timedelta(days=1))  # a repeat is kept

    assert await store.tips_seen("a:1") == {"tip-1", "tip-2"}
    assert await store.tips_seen("a:2") == {"tip-9"}
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(tip_history.c.conversation_id, tip_history.c.entry_id, tip_history.c.sent_at)
                .where(tip_history.c.conversation_id == "a:1")
                .order_by(tip_history.c.id)
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("a:1", "tip-1", T0),
        ("a:1", "tip-2", T0),
        ("a:1", "tip-2", T0 + timedelta(days=1)),
    ]

    # The same rotation as record_tip: a reset starts a new cycle, then batches count again.
    await store.reset_tips("a:1")
    assert await store.tips_seen("a:1") == set()
    await store.record_tips([("a:1", "tip-3")], T0 + timedelta(days=2))
    assert await store.tips_seen("a:1") == {"tip-3"}
    assert await store.tips_seen("a:2") == {"tip-9"}


async def _rows(store: SqlStore) -> dict[str, dict[str, Any]]:
    """Each delivery's outcome columns, by recipient."""
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    delivery_table.c.recipient,
                    delivery_table.c.state,
                    delivery_table.c.last_status,
                    delivery_table.c.next_attempt_at,
                    delivery_table.c.lease_owner,
                    delivery_table.c.lease_until,
                    delivery_table.c.updated_at,
                )
            )
        ).mappings()
        return {row["recipient"]: dict(row) for row in rows}


async def test_finish_deliveries_is_finish_delivery_for_each_item(store: SqlStore) -> None:
    await store.create_occurrence(
        "tips:1", "tips", [NewDelivery(f"a:{i}", {}) for i in range(5)], T0
    )
    claimed = {d.recipient: d for d in await store.claim_deliveries("s", 5, LEASE, T0)}
    await store.create_occurrence("tips:2", "tips", [NewDelivery("b:theirs", {})], T0)
    claimed.update({d.recipient: d for d in await store.claim_deliveries("other", 1, LEASE, T0)})
    assert len(claimed) == 6
    sent, failed, retried, unknown, twice = (f"a:{i}" for i in range(5))
    theirs = "b:theirs"
    later = T0 + timedelta(seconds=5)
    retry_at = T0 + timedelta(seconds=90)

    kept = await store.finish_deliveries(
        "s",
        [
            (claimed[sent].id, Outcome.SENT, 201, None),
            (claimed[failed].id, Outcome.FAILED, 403, None),
            (claimed[retried].id, Outcome.RETRY, 503, retry_at),
            (claimed[unknown].id, Outcome.UNKNOWN, None, None),
            (claimed[twice].id, Outcome.SENT, 201, None),
            (claimed[twice].id, Outcome.FAILED, 404, None),  # too late: recorded once, first
            (claimed[theirs].id, Outcome.SENT, 201, None),  # not our lease
            (max(d.id for d in claimed.values()) + 1_000, Outcome.SENT, 201, None),  # no such
        ],
        later,
    )

    assert kept == {claimed[r].id for r in (sent, failed, retried, unknown, twice)}
    rows = await _rows(store)
    expected_state = {
        sent: "sent",
        failed: "failed",
        retried: "pending",
        unknown: "unknown",  # a tip: it may have arrived
        twice: "sent",
    }
    for recipient, state in expected_state.items():
        assert rows[recipient]["state"] == state, recipient
        assert rows[recipient]["lease_owner"] is None and rows[recipient]["lease_until"] is None
        assert rows[recipient]["updated_at"] == later
    assert [rows[r]["last_status"] for r in (sent, failed, retried, unknown, twice)] == [
        201,
        403,
        503,
        None,
        201,
    ]
    assert rows[sent]["next_attempt_at"] is None
    assert rows[retried]["next_attempt_at"] == retry_at
    assert rows[theirs]["state"] == "sending" and rows[theirs]["lease_owner"] == "other"
    # Finished once: the one-at-a-time verb, or a second batch, changes nothing more.
    assert not await store.finish_delivery(claimed[sent].id, "s", Outcome.FAILED, 403, later)
    assert (
        await store.finish_deliveries("s", [(claimed[failed].id, Outcome.SENT, 201, None)], later)
        == set()
    )
    assert await store.finish_deliveries("s", [], later) == set()  # nothing to write
    # The retried one comes back when due, as after finish_delivery.
    again = await store.claim_deliveries("s", 10, LEASE, retry_at)
    assert claimed[retried].id in {d.id for d in again}


async def test_finish_deliveries_unknown_is_resent_when_the_message_must_arrive(
    store: SqlStore,
) -> None:
    fan_out = [NewDelivery("a:tip", {}), NewDelivery("a:must", {}, must_arrive=True)]
    await store.create_occurrence("onboarding:1", "onboarding", fan_out, T0)
    claimed = {d.recipient: d for d in await store.claim_deliveries("s", 2, LEASE, T0)}
    resend_at = T0 + timedelta(seconds=30)
    items = [(d.id, Outcome.UNKNOWN, 504, resend_at) for d in claimed.values()]

    assert await store.finish_deliveries("s", items, T0) == {d.id for d in claimed.values()}

    rows = await _rows(store)
    assert (rows["a:tip"]["state"], rows["a:tip"]["next_attempt_at"]) == ("unknown", None)
    assert (rows["a:must"]["state"], rows["a:must"]["next_attempt_at"]) == ("pending", resend_at)


async def test_finish_deliveries_writes_more_than_one_group(store: SqlStore) -> None:
    n = MAX_FINISH_GROUP + 200
    fan_out = [NewDelivery(f"a:{i}", {}) for i in range(n)]
    await store.create_occurrence("tips:1", "tips", fan_out, T0)
    claimed = await store.claim_deliveries("s", n, LEASE, T0)
    items = [(d.id, Outcome.SENT, 201, None) for d in claimed]
    items.append((claimed[0].id, Outcome.FAILED, 403, None))  # a repeat in a later group

    kept = await store.finish_deliveries("s", items, T0)

    assert kept == {d.id for d in claimed}
    report = await store.delivery_report()
    assert report.counts == {"pending": 0, "sending": 0, "sent": n, "failed": 0, "unknown": 0}


async def test_finish_deliveries_and_finish_delivery_race_each_other(store: SqlStore) -> None:
    # The same deliveries finished at once by a batch and one by one: each is recorded once.
    await store.create_occurrence(
        "tips:1", "tips", [NewDelivery(f"a:{i}", {}) for i in range(300)], T0
    )
    claimed = await store.claim_deliveries("s", 300, LEASE, T0)
    batch_ids = [d.id for d in claimed[:200]]
    single_ids = [d.id for d in claimed[100:]]

    kept, *singles = await asyncio.gather(
        store.finish_deliveries("s", [(i, Outcome.SENT, 201, None) for i in batch_ids], T0),
        *(store.finish_delivery(i, "s", Outcome.FAILED, 403, T0) for i in single_ids),
    )

    by_single = {i for i, ok in zip(single_ids, singles, strict=True) if ok}
    assert kept | by_single == {d.id for d in claimed}
    assert not kept & by_single
    assert kept <= set(batch_ids)
    report = await store.delivery_report()
    assert report.counts["sent"] == len(kept) and report.counts["failed"] == len(by_single)
    assert report.counts["sending"] == 0
