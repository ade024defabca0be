"""Batched verbs of the sender: references read for a whole claimed batch, tips written
together — each the same as its one-at-a-time verb."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.store.model import ConversationRef
from bot.store.sql import MAX_IN_LIST, SqlStore
from bot.store.tables import conversation_refs, tip_history

T0 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


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
    n = MAX_IN_LIST * 2 + 5
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
