"""Answer feedback, unanswered questions and de-duplication of incoming activities."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.records import MissCount
from bot.store.sql import SqlStore

T0 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


async def test_feedback_counts(store: SqlStore) -> None:
    assert await store.feedback_counts("meetings") == (0, 0)
    for helpful in (True, True, False, True):
        await store.record_feedback("meetings", helpful, T0)
    await store.record_feedback("coffee", False, T0)
    assert await store.feedback_counts("meetings") == (3, 1)
    assert await store.feedback_counts("coffee") == (0, 1)


async def test_misses_are_grouped_by_normalised_question_most_frequent_first(
    store: SqlStore,
) -> None:
    await store.record_miss("Vad blir vädret?", "sv", "not_found", T0)
    await store.record_miss("Miten haen lomaa?", "fi", "not_found", T0)
    await store.record_miss("miten  haen\tLOMAA?", "fi", "not_found", T0)
    await store.record_miss("  MITEN HAEN LOMAA?  ", "fi", "not_found", T0)
    await store.record_miss("kokous", "fi", "did_you_mean", T0)
    await store.record_miss("kokous", "fi", "did_you_mean", T0)
    await store.record_miss("kokous", "fi", "not_found", T0)  # another outcome: its own line

    assert await store.misses() == [
        MissCount("Miten haen lomaa?", "fi", "not_found", 3),  # shown as first asked
        MissCount("kokous", "fi", "did_you_mean", 2),
        MissCount("Vad blir vädret?", "sv", "not_found", 1),
        MissCount("kokous", "fi", "not_found", 1),
    ]


async def test_no_misses(store: SqlStore) -> None:
    assert await store.misses() == []


async def test_hostile_questions_are_kept_whole(store: SqlStore) -> None:
    question = '\'; DROP TABLE misses; -- 🤔 "lainaus" ' + "ä" * 50_000
    await store.record_miss(question, "fi", "not_found", T0)
    await store.record_miss(question.upper(), "fi", "not_found", T0)
    assert await store.misses() == [MissCount(question, "fi", "not_found", 2)]


async def test_first_time_seen_once_per_conversation_and_activity(store: SqlStore) -> None:
    assert await store.first_time_seen("a:1", "act-1", T0) is True
    assert await store.first_time_seen("a:1", "act-1", T0 + timedelta(seconds=20)) is False
    assert await store.first_time_seen("a:2", "act-1", T0) is True
    assert await store.first_time_seen("a:1", "act-2", T0) is True
    assert await store.first_time_seen("a:1", "ACT-1", T0) is True


async def test_concurrent_reposts_are_handled_once(store: SqlStore, second_store: SqlStore) -> None:
    results = await asyncio.gather(
        *((store if i % 2 else second_store).first_time_seen("a:1", "act-1", T0) for i in range(10))
    )
    assert results.count(True) == 1


async def test_forget_activities_before(store: SqlStore) -> None:
    await store.first_time_seen("a:1", "old-1", T0 - timedelta(days=3))
    await store.first_time_seen("a:1", "old-2", T0 - timedelta(days=2))
    await store.first_time_seen("a:1", "new", T0)
    assert await store.forget_activities_before(T0 - timedelta(days=1)) == 2
    assert await store.forget_activities_before(T0 - timedelta(days=1)) == 0
    assert await store.first_time_seen("a:1", "new", T0) is False
    assert await store.first_time_seen("a:1", "old-1", T0) is True  # forgotten: new again
