"""The virtual-coffee verbs (CoffeeStore) on SQLite and PostgreSQL: participants, rounds written
whole and once, two replicas racing for a round, answers kept only as counts, erasure, history
deletion — and the migrated schema of the coffee and onboarding tables."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Table, event, func, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError

from bot.clock import FixedClock
from bot.coffee.model import (
    CoffeeGroup,
    Frequency,
    GroupStatus,
    MeetingAnswer,
    Participant,
    Scope,
)
from bot.store.coffee_sql import CoffeeSqlMixin
from bot.store.engine import make_engine
from bot.store.feature_tables import (
    coffee_answers,
    coffee_groups,
    coffee_participants,
    coffee_rounds,
    introductions,
    onboarding_steps,
    onboardings,
)
from bot.store.migrate import alembic_config, current_revision, head_revision, upgrade
from bot.store.onboarding_sql import OnboardingSqlMixin
from bot.store.sql import SqlStore
from bot.store.tables import metadata
from tests.store.test_schema import _describe, _expected

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Monday 08:00 in Helsinki
HELSINKI = timezone(timedelta(hours=2))
FEATURE_TABLES = (
    coffee_participants,
    coffee_rounds,
    coffee_groups,
    coffee_answers,
    onboardings,
    onboarding_steps,
    introductions,
)
HOSTILE = [
    "a:'quoted' \"double\" `back` ; DROP TABLE coffee_groups; --",
    "ääkköset-ÅÖ-ß-日本語-👩‍👩‍👧‍👦-🇫🇮",
    "%_wild*cards?\\backslash/slash[]",
    '["json", "inside"]',
    "x" * 100_000,
]


@pytest.fixture
async def coffee(db_url: str, clock: FixedClock) -> AsyncIterator[SqlStore]:
    store = SqlStore(make_engine(db_url), clock)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def other(db_url: str, coffee: SqlStore, clock: FixedClock) -> AsyncIterator[SqlStore]:
    """A second replica: its own engine on the same database."""
    store = SqlStore(make_engine(db_url), clock)
    try:
        yield store
    finally:
        await store.close()


def person(person_id: str, **changes: Any) -> Participant:
    return replace(Participant(person_id=person_id, conversation_id=f"a:{person_id}"), **changes)


async def count(store: SqlStore, table: Table) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def rows(store: SqlStore, table: Table) -> list[dict[str, Any]]:
    async with store.engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(select(table))).mappings()]


async def join(store: SqlStore, *ids: str) -> None:
    for person_id in ids:
        await store.save_participant(person(person_id))


# --- participants --------------------------------------------------------------------------


async def test_a_participant_comes_back_as_saved(coffee: SqlStore) -> None:
    saved = Participant(
        person_id="aad-1",
        conversation_id="a:1",
        name="Maija Meikäläinen",
        upn="maija@virasto.example",
        tenant_id="tenant-1",
        team_id="19:team@thread.tacv2",
        organisation_id="org-1",
        languages=frozenset({"sv", "en"}),
        frequency=Frequency.BIWEEKLY,
        group_size=3,
        scope=Scope.EVERYONE,
        weekdays=frozenset({0, 2, 4}),
        day_start=time(8, 15),
        day_end=time(15, 45, 30, 5),  # seconds survive too
        length_minutes=20,
        avoid=frozenset({"aad-2", "aad-3"}),
        active=False,
        paused_until=date(2026, 12, 24),
        last_round="coffee:2026-W40",
        joined_at=datetime(2026, 9, 1, 9, 30, tzinfo=HELSINKI),
    )
    await coffee.save_participant(saved)
    back = await coffee.get_participant("aad-1")
    assert back == saved
    assert back is not None and back.joined_at is not None and back.joined_at.tzinfo == UTC
    assert await coffee.get_participant("aad-unknown") is None
    minimal = person("aad-2")
    await coffee.save_participant(minimal)
    back = await coffee.get_participant("aad-2")
    assert back is not None and back.joined_at is not None
    assert replace(back, joined_at=None) == minimal


async def test_saving_again_replaces_preferences_but_not_the_round_bookkeeping(
    coffee: SqlStore,
) -> None:
    joined = T0 - timedelta(days=30)
    await coffee.save_participant(person("aad-1", joined_at=joined))
    assert await coffee.create_round(
        "coffee:2026-W49", 1, [(("aad-1", "aad-2"), frozenset({"fi"}))], [], T0
    )
    # A participant read before the round (last_round None), changed and saved afterwards.
    stale = person("aad-1", name="Uusi nimi", languages=frozenset({"en"}), joined_at=None)
    await coffee.save_participant(replace(stale, last_round="coffee:2026-W01"))
    back = await coffee.get_participant("aad-1")
    assert back is not None
    assert back.name == "Uusi nimi" and back.languages == {"en"}
    assert back.last_round == "coffee:2026-W49"  # create_round's, not the stale one
    assert back.joined_at == joined  # None kept the stored time
    later = T0 + timedelta(days=1)
    await coffee.save_participant(replace(back, joined_at=later, active=False))
    again = await coffee.get_participant("aad-1")
    assert again is not None and again.joined_at == later and again.active is False


async def test_participants_are_ordered_by_id_and_filtered_by_activity(
    coffee: SqlStore,
) -> None:
    for person_id in ["c", "a", "d", "b"]:
        await coffee.save_participant(person(person_id, active=person_id != "d"))
    assert [p.person_id for p in await coffee.participants()] == ["a", "b", "c"]
    everyone = await coffee.participants(active_only=False)
    assert [p.person_id for p in everyone] == ["a", "b", "c", "d"]


async def test_hostile_values_survive_and_find_their_row(coffee: SqlStore) -> None:
    for n, text in enumerate(HOSTILE):
        saved = person(
            text,
            conversation_id=text,
            name=text,
            upn=text,
            team_id=text,
            organisation_id=text,
            avoid=frozenset(HOSTILE[:n] + HOSTILE[n + 1 :]),
            joined_at=T0,
        )
        await coffee.save_participant(saved)
        assert await coffee.get_participant(text) == saved
    # NUL and a lone surrogate are cleaned alike everywhere, so the same id still finds it.
    await coffee.save_participant(person("nul\x00id", avoid=frozenset({"sur\ud800rogate"})))
    back = await coffee.get_participant("nul\x00id")
    assert back is not None and back.person_id == "nul\ufffdid"
    assert back.avoid == {"sur?rogate"}
    assert len(await coffee.participants()) == len(HOSTILE) + 1


# --- rounds ---------------------------------------------------------------------------------


async def test_a_round_is_stored_whole_and_marks_its_members(coffee: SqlStore) -> None:
    await join(coffee, "a", "b", "c", "d", "e", "lonely")
    created_at = datetime(2026, 11, 30, 8, 0, 0, 123456, tzinfo=HELSINKI)
    groups = [
        (("a", "b"), frozenset({"fi", "en"})),
        (("c", "d", "e"), frozenset({"sv"})),
        (("ghost", "a2"), frozenset()),  # members need not be participants any more
    ]
    assert await coffee.create_round(
        "coffee:2026-W49", 2**48 + 7, groups, [("lonely", "no_shared_language")], created_at
    )
    round_ = await coffee.get_round("coffee:2026-W49")
    assert round_ is not None
    assert round_.key == "coffee:2026-W49" and round_.seed == 2**48 + 7
    assert round_.created_at == created_at and round_.created_at.tzinfo == UTC
    assert round_.unmatched == (("lonely", "no_shared_language"),)
    assert [(g.members, g.languages) for g in round_.groups] == groups
    assert all(g.status is GroupStatus.PLANNED and g.round_key == round_.key for g in round_.groups)
    assert all(g.event_id is None and g.start is None for g in round_.groups)
    assert len({g.id for g in round_.groups}) == 3
    for group in round_.groups:
        assert await coffee.get_group(group.id) == group
    marked = {p.person_id: p.last_round for p in await coffee.participants()}
    assert marked == {
        "a": "coffee:2026-W49",
        "b": "coffee:2026-W49",
        "c": "coffee:2026-W49",
        "d": "coffee:2026-W49",
        "e": "coffee:2026-W49",
        "lonely": None,
    }
    assert await coffee.get_round("coffee:2026-W50") is None
    assert await coffee.get_group(10**12) is None


async def test_a_round_is_written_once_and_never_reshuffled(coffee: SqlStore) -> None:
    await join(coffee, "a", "b", "c", "d")
    first = [(("a", "b"), frozenset({"fi"})), (("c", "d"), frozenset({"fi"}))]
    assert await coffee.create_round("coffee:2026-W49", 1, first, [], T0) is True
    before = await coffee.get_round("coffee:2026-W49")
    again = [(("a", "c"), frozenset({"fi"})), (("b", "d"), frozenset({"en"}))]
    assert await coffee.create_round("coffee:2026-W49", 2, again, [("x", "alone")], T0) is False
    assert await coffee.get_round("coffee:2026-W49") == before
    assert await count(coffee, coffee_groups) == 2


async def test_a_round_without_groups(coffee: SqlStore) -> None:
    assert await coffee.create_round("coffee:2026-W49", 0, [], [("solo", "alone")], T0)
    round_ = await coffee.get_round("coffee:2026-W49")
    assert round_ is not None and round_.groups == () and round_.unmatched == (("solo", "alone"),)


async def test_a_failure_inside_the_round_writes_nothing(coffee: SqlStore) -> None:
    await join(coffee, "a", "b", "c", "d")
    groups = [(("a", "b"), frozenset({"fi"})), (("c", "d"), frozenset({"fi"}))]

    # The database fails at the last statement (marking the members), when the round row and
    # its groups are already in the transaction.
    def fail_marking(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE COFFEE_PARTICIPANTS"):
            raise RuntimeError("the database went away")

    event.listen(coffee.engine.sync_engine, "before_cursor_execute", fail_marking)
    try:
        with pytest.raises(RuntimeError, match="went away"):
            await coffee.create_round("coffee:2026-W49", 1, groups, [], T0)
    finally:
        event.remove(coffee.engine.sync_engine, "before_cursor_execute", fail_marking)
    assert await coffee.get_round("coffee:2026-W49") is None
    assert await count(coffee, coffee_rounds) == 0
    assert await count(coffee, coffee_groups) == 0
    assert {p.last_round for p in await coffee.participants()} == {None}
    # The key is not used up.
    assert await coffee.create_round("coffee:2026-W49", 1, groups, [], T0) is True
    assert {p.last_round for p in await coffee.participants()} == {"coffee:2026-W49"}


async def test_naive_datetimes_are_refused(coffee: SqlStore) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        await coffee.create_round("coffee:2026-W49", 1, [], [], datetime(2026, 11, 30, 8))
    assert await coffee.get_round("coffee:2026-W49") is None


async def test_seeds_use_the_whole_signed_64_bit_range(coffee: SqlStore) -> None:
    for n, seed in enumerate([2**63 - 1, -(2**63), 0]):
        assert await coffee.create_round(f"coffee:2026-W{n:02d}", seed, [], [], T0)
        round_ = await coffee.get_round(f"coffee:2026-W{n:02d}")
        assert round_ is not None and round_.seed == seed


async def test_two_replicas_racing_for_a_round_write_it_once(
    coffee: SqlStore, other: SqlStore
) -> None:
    people = [f"p{i:03d}" for i in range(200)]
    await join(coffee, *people)

    def groups(shift: int) -> list[tuple[tuple[str, ...], frozenset[str]]]:
        rotated = people[shift:] + people[:shift]
        return [((rotated[i], rotated[i + 1]), frozenset({"fi"})) for i in range(0, 200, 2)]

    for week in range(10, 15):
        key = f"coffee:2026-W{week}"
        results = await asyncio.gather(
            coffee.create_round(key, 1, groups(0), [], T0),
            other.create_round(key, 2, groups(1), [], T0),
            coffee.create_round(key, 3, groups(3), [], T0),
            other.create_round(key, 4, groups(5), [], T0),
        )
        assert sorted(results) == [False, False, False, True]
        winner = results.index(True)
        stored = await other.get_round(key)
        assert stored is not None and stored.seed == winner + 1
        assert [g.members for g in stored.groups] == [m for m, _ in groups([0, 1, 3, 5][winner])]
    assert await count(coffee, coffee_rounds) == 5
    assert await count(coffee, coffee_groups) == 5 * 100
    assert {p.last_round for p in await other.participants()} == {"coffee:2026-W14"}


async def test_recent_rounds_are_the_last_ones_oldest_first(coffee: SqlStore) -> None:
    for week in range(45, 50):
        await coffee.create_round(
            f"coffee:2026-W{week}",
            week,
            [((f"a{week}", f"b{week}"), frozenset({"fi"}))],
            [],
            T0 + timedelta(weeks=week - 49),
        )
    recent = await coffee.recent_rounds(3)
    assert [r.key for r in recent] == ["coffee:2026-W47", "coffee:2026-W48", "coffee:2026-W49"]
    assert [r.groups[0].members for r in recent] == [("a47", "b47"), ("a48", "b48"), ("a49", "b49")]
    assert len(everything := await coffee.recent_rounds(100)) == 5
    assert everything[0].key == "coffee:2026-W45"
    assert await coffee.recent_rounds(0) == []


async def test_update_group_saves_the_booking_and_nothing_else(coffee: SqlStore) -> None:
    await coffee.create_round("coffee:2026-W49", 1, [(("a", "b"), frozenset({"fi"}))], [], T0)
    round_ = await coffee.get_round("coffee:2026-W49")
    assert round_ is not None
    group = round_.groups[0]
    start = datetime(2026, 12, 2, 10, 0, tzinfo=HELSINKI)
    booked = replace(
        group,
        status=GroupStatus.BOOKED,
        event_id="AAMkAD" + "=" * 50,
        join_url="https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0?context=%7b%7d",
        start=start,
        end=start + timedelta(minutes=30),
        organizer_id="a",
        note=HOSTILE[0],
    )
    # A caller cannot move people between groups through this verb.
    await coffee.update_group(replace(booked, members=("a", "intruder"), languages=frozenset()))
    back = await coffee.get_group(group.id)
    assert back == booked
    assert back is not None and back.start is not None and back.start.tzinfo == UTC
    fallback = replace(booked, status=GroupStatus.FALLBACK, event_id=None, start=None, end=None)
    await coffee.update_group(fallback)
    assert await coffee.get_group(group.id) == fallback


# --- "did you meet?" -------------------------------------------------------------------------


async def _one_group(store: SqlStore, *members: str, key: str = "coffee:2026-W49") -> CoffeeGroup:
    await store.create_round(key, 1, [(members, frozenset({"fi"}))], [], T0)
    round_ = await store.get_round(key)
    assert round_ is not None
    return round_.groups[0]


async def test_only_members_answer_and_a_second_answer_replaces_the_first(
    coffee: SqlStore,
) -> None:
    group = await _one_group(coffee, "a", "b", HOSTILE[1])
    assert await coffee.record_answer(group.id, "outsider", MeetingAnswer.YES, T0) is False
    assert await coffee.record_answer(10**12, "a", MeetingAnswer.YES, T0) is False
    assert await coffee.answer_counts() == {"yes": 0, "no": 0, "rescheduled": 0}
    assert await coffee.record_answer(group.id, "a", MeetingAnswer.NO, T0) is True
    assert await coffee.record_answer(group.id, "a", MeetingAnswer.YES, T0) is True
    assert await coffee.record_answer(group.id, HOSTILE[1], MeetingAnswer.RESCHEDULED, T0)
    assert await coffee.answer_counts() == {"yes": 1, "no": 0, "rescheduled": 1}


async def test_answers_name_nobody(coffee: SqlStore) -> None:
    group = await _one_group(coffee, "aad-secret-1", "aad-secret-2")
    await coffee.record_answer(group.id, "aad-secret-1", MeetingAnswer.YES, T0)
    (stored,) = await rows(coffee, coffee_answers)
    assert "aad-secret-1" not in repr(stored)
    assert stored["person_hash"] == hashlib.sha256(b"aad-secret-1").hexdigest()


async def test_answer_counts_since(coffee: SqlStore) -> None:
    group = await _one_group(coffee, "a", "b", "c")
    await coffee.record_answer(group.id, "a", MeetingAnswer.YES, T0 - timedelta(days=10))
    await coffee.record_answer(group.id, "b", MeetingAnswer.NO, T0)
    await coffee.record_answer(group.id, "c", MeetingAnswer.YES, T0 + timedelta(days=1))
    since = (T0 - timedelta(days=1)).astimezone(HELSINKI)
    assert await coffee.answer_counts(since) == {"yes": 1, "no": 1, "rescheduled": 0}
    assert await coffee.answer_counts(T0) == {"yes": 1, "no": 1, "rescheduled": 0}
    assert await coffee.answer_counts() == {"yes": 2, "no": 1, "rescheduled": 0}


# --- privacy: erasure and history ------------------------------------------------------------


async def test_erase_person_removes_their_coffee_data_and_only_theirs(
    coffee: SqlStore,
) -> None:
    await join(coffee, "a", "b", "c", "d")
    await coffee.save_participant(person("c", avoid=frozenset({"a"})))
    await coffee.create_round(
        "coffee:2026-W48",
        1,
        [(("a", "b"), frozenset({"fi"})), (("c", "d"), frozenset({"fi"}))],
        [("a", "alone"), ("x", "alone")],
        T0 - timedelta(weeks=1),
    )
    await coffee.create_round(
        "coffee:2026-W49", 2, [(("b", "c", "a"), frozenset({"fi"}))], [("d", "alone")], T0
    )
    w48 = await coffee.get_round("coffee:2026-W48")
    w49 = await coffee.get_round("coffee:2026-W49")
    assert w48 is not None and w49 is not None
    ab, cd = w48.groups
    (bca,) = w49.groups
    await coffee.record_answer(ab.id, "a", MeetingAnswer.YES, T0)
    await coffee.record_answer(ab.id, "b", MeetingAnswer.YES, T0)
    await coffee.record_answer(cd.id, "c", MeetingAnswer.NO, T0)
    await coffee.record_answer(bca.id, "a", MeetingAnswer.RESCHEDULED, T0)

    # 1 participant + 3 answers (two of a's, b's in the group a was in) + 2 groups + 1
    # unmatched entry.
    assert await coffee.erase_person("a") == 7
    assert await coffee.get_participant("a") is None
    assert await coffee.get_group(ab.id) is None and await coffee.get_group(bca.id) is None
    assert await coffee.get_group(cd.id) == cd
    after48 = await coffee.get_round("coffee:2026-W48")
    assert after48 is not None and after48.groups == (cd,)
    assert after48.unmatched == (("x", "alone"),)
    after49 = await coffee.get_round("coffee:2026-W49")
    assert after49 is not None and after49.groups == () and after49.unmatched == (("d", "alone"),)
    assert await coffee.answer_counts() == {"yes": 0, "no": 1, "rescheduled": 0}
    assert all("a" not in p.person_id for p in await coffee.participants())
    assert await coffee.erase_person("a") == 0
    assert await coffee.erase_person("never-joined") == 0
    # Another person's do-not-pair list is their own data and stays.
    c = await coffee.get_participant("c")
    assert c is not None and c.avoid == {"a"}


@pytest.mark.parametrize(
    ("erased", "kept"),
    [
        ("50%", "5000"),
        ("a_b", "axb"),
        ("A", "a"),
        ('"q"', "q"),
        ("back\\slash", "backslash"),
        ("ä", "\\u00e4"),
        ("/", "//"),
    ],
)
async def test_erasure_matches_ids_exactly(coffee: SqlStore, erased: str, kept: str) -> None:
    await coffee.create_round(
        "coffee:2026-W49",
        1,
        [((kept, "other"), frozenset({"fi"})), ((erased, "third"), frozenset({"fi"}))],
        [(kept, "alone")],
        T0,
    )
    assert await coffee.erase_person(erased) == 1
    round_ = await coffee.get_round("coffee:2026-W49")
    assert round_ is not None
    assert [g.members for g in round_.groups] == [(kept, "other")]
    assert round_.unmatched == ((kept, "alone"),)


async def test_delete_rounds_before_keeps_the_recent_ones(coffee: SqlStore) -> None:
    for week in range(40, 50):
        await coffee.create_round(
            f"coffee:2026-W{week}",
            week,
            [((f"a{week}", f"b{week}"), frozenset({"fi"}))],
            [],
            T0 + timedelta(weeks=week - 49),
        )
        round_ = await coffee.get_round(f"coffee:2026-W{week}")
        assert round_ is not None
        await coffee.record_answer(round_.groups[0].id, f"a{week}", MeetingAnswer.YES, T0)
    cutoff = (T0 - timedelta(weeks=3)).astimezone(HELSINKI)
    assert await coffee.delete_rounds_before(cutoff) == 6  # weeks 40..45
    assert [r.key for r in await coffee.recent_rounds(100)] == [
        f"coffee:2026-W{week}" for week in range(46, 50)
    ]
    assert await count(coffee, coffee_groups) == 4
    assert await coffee.answer_counts() == {"yes": 4, "no": 0, "rescheduled": 0}
    # The foreign keys cascade: nothing of a deleted round is left.
    assert await coffee.delete_rounds_before(T0 + timedelta(microseconds=1)) == 4
    assert await coffee.delete_rounds_before(T0 + timedelta(days=1)) == 0
    for table in (coffee_rounds, coffee_groups, coffee_answers):
        assert await count(coffee, table) == 0


# --- the mixins and the schema -----------------------------------------------------------------


def test_the_mixins_leave_the_stores_own_helpers_alone() -> None:
    # At run time the mixins only add verbs, so SqlStore's _write/_read/_first/_insert are the
    # ones used whatever the order of the bases.
    for mixin in (CoffeeSqlMixin, OnboardingSqlMixin):
        assert mixin.__mro__ == (mixin, object)
        assert not {"_write", "_read", "_first", "_insert", "_sqlite"} & set(vars(mixin))
    assert issubclass(SqlStore, CoffeeSqlMixin) and issubclass(SqlStore, OnboardingSqlMixin)
    for name in ("_write", "_read", "_first", "_insert"):
        assert name in vars(SqlStore)


def _feature_schema(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    described = _describe(connection)
    return {
        table.name: {
            **described[table.name],
            "on_delete": sorted(
                (fk["referred_table"], (fk.get("options") or {}).get("ondelete"))
                for fk in inspector.get_foreign_keys(table.name)
            ),
            "checks": sorted(
                check["name"] for check in inspector.get_check_constraints(table.name)
            ),
        }
        for table in FEATURE_TABLES
    }


def _expected_feature_schema() -> dict[str, Any]:
    expected = _expected()
    return {
        table.name: {
            **expected[table.name],
            "on_delete": sorted((fk.column.table.name, fk.ondelete) for fk in table.foreign_keys),
            "checks": sorted(
                str(constraint.name)
                for constraint in table.constraints
                if isinstance(constraint, CheckConstraint)
            ),
        }
        for table in FEATURE_TABLES
    }


def _autogenerate_diff(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


async def test_the_migrated_feature_tables_match_the_metadata(empty_db_url: str) -> None:
    await upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        async with engine.connect() as conn:
            described = await conn.run_sync(_feature_schema)
            diff = await conn.run_sync(_autogenerate_diff)
    finally:
        await engine.dispose()
    assert described == _expected_feature_schema()
    assert {t.name for t in FEATURE_TABLES} <= {t.name for t in metadata.sorted_tables}
    assert diff == []


async def test_0002_downgrades_to_0001_and_upgrades_again(empty_db_url: str) -> None:
    await upgrade(empty_db_url)
    engine = make_engine(empty_db_url)

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0001")

    def table_names(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    try:
        async with engine.begin() as conn:
            await conn.run_sync(downgrade)
        async with engine.connect() as conn:
            names = await conn.run_sync(table_names)
            assert await conn.run_sync(current_revision) == "0001"
        assert not names & {t.name for t in FEATURE_TABLES}
        assert "deliveries" in names
        await upgrade(empty_db_url)
        async with engine.connect() as conn:
            assert {t.name for t in FEATURE_TABLES} <= await conn.run_sync(table_names)
            assert await conn.run_sync(current_revision) == head_revision()
    finally:
        await engine.dispose()
