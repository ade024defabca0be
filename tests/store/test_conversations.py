"""Conversation references and people: upserts, reactivation, hostile values."""

from __future__ import annotations

from dataclasses import replace

from bot.records import ConversationRef, Person
from bot.store.sql import SqlStore

HOSTILE_IDS = [
    "a:'quoted' \"double\" `back` ; DROP TABLE people; --",
    "19:ääkköset-ÅÖ-ß-日本語-👩‍👩‍👧‍👦-🇫🇮@thread.tacv2",
    "%_wild*cards?\\backslash/slash",
    "x" * 1_000,
    "  spaces around  ",
    "",
]


def _ref(conversation_id: str = "a:1", **changes: object) -> ConversationRef:
    ref = ConversationRef(
        conversation_id=conversation_id,
        kind="personal",
        tenant_id="tenant-1",
        service_url="https://smba.trafficmanager.net/emea/",
        reference={
            "conversation": {"id": conversation_id, "tenantId": "tenant-1"},
            "serviceUrl": "https://smba.trafficmanager.net/emea/",
            "user": {"id": "29:user", "aadObjectId": "aad-1"},
            "nested": [1, 2.5, None, True, {"k": "v"}],
        },
        user_aad_id="aad-1",
    )
    return replace(ref, **changes)  # type: ignore[arg-type]


async def test_reference_round_trip(store: SqlStore) -> None:
    ref = _ref()
    await store.save_reference(ref)
    assert await store.get_reference("a:1") == ref
    assert await store.get_reference("a:unknown") is None


async def test_save_reference_updates_every_field(store: SqlStore) -> None:
    await store.save_reference(_ref())
    changed = _ref(
        kind="channel",
        tenant_id=None,
        service_url="https://smba.trafficmanager.net/amer/",
        reference={"conversation": {"id": "a:1"}, "new": "shape"},
        user_aad_id=None,
        team_id="19:team@thread.tacv2",
    )
    await store.save_reference(changed)
    assert await store.get_reference("a:1") == changed


async def test_deactivated_reference_is_kept_and_reactivated_by_saving(store: SqlStore) -> None:
    await store.save_reference(_ref())
    await store.deactivate_reference("a:1")
    kept = await store.get_reference("a:1")
    assert kept == _ref(active=False)

    await store.save_reference(_ref(service_url="https://changed.example/"))
    again = await store.get_reference("a:1")
    assert again is not None
    assert again.active is True
    assert again.service_url == "https://changed.example/"


async def test_saving_reactivates_even_if_the_given_ref_says_inactive(store: SqlStore) -> None:
    await store.save_reference(_ref(active=False))
    saved = await store.get_reference("a:1")
    assert saved is not None and saved.active is True


async def test_deactivating_an_unknown_reference_is_harmless(store: SqlStore) -> None:
    await store.deactivate_reference("a:nobody")
    assert await store.get_reference("a:nobody") is None


async def test_person_round_trip_and_update(store: SqlStore) -> None:
    person = Person(
        "aad-1", name="Maija Meikäläinen", language="sv", tenant_id="t", teams_user_id="29:x"
    )
    await store.save_person(person)
    assert await store.get_person("aad-1") == person
    assert await store.get_person("aad-2") is None

    moved = replace(person, name="Maija M.", language="en", time_zone="Europe/Stockholm")
    await store.save_person(moved)
    assert await store.get_person("aad-1") == moved


async def test_person_defaults_round_trip(store: SqlStore) -> None:
    await store.save_person(Person("aad-plain"))
    assert await store.get_person("aad-plain") == Person("aad-plain")


async def test_hostile_ids_and_values_round_trip(store: SqlStore) -> None:
    long_text = "Pitkä teksti 😀 'lainaus' \"toinen\" \\ " * 3_000  # about 100 000 characters
    for conversation_id in HOSTILE_IDS:
        ref = _ref(
            conversation_id,
            tenant_id=conversation_id,
            reference={"id": conversation_id, "long": long_text, conversation_id: ["👍"]},
            team_id=long_text,
        )
        await store.save_reference(ref)
        await store.save_person(Person(conversation_id, name=long_text, language="fi"))
    for conversation_id in HOSTILE_IDS:
        got = await store.get_reference(conversation_id)
        assert got is not None
        assert got.conversation_id == conversation_id
        assert got.reference == {"id": conversation_id, "long": long_text, conversation_id: ["👍"]}
        assert got.team_id == long_text
        person = await store.get_person(conversation_id)
        assert person is not None and person.name == long_text
    # Ids that differ only by case or trailing space are different rows.
    assert await store.get_reference(HOSTILE_IDS[4].strip()) is None
    assert await store.get_reference(HOSTILE_IDS[1].upper()) is None


async def test_nul_and_lone_surrogates_are_stored_alike_on_both_databases(
    store: SqlStore,
) -> None:
    # PostgreSQL refuses NUL in text and neither driver encodes a lone surrogate, which a
    # JSON activity can carry: such characters become U+FFFD / "?", identically on both.
    nasty = "nul\x00here-\ud800-lone"
    await store.save_reference(_ref(nasty, reference={"text": nasty}))
    got = await store.get_reference(nasty)  # the same hostile id finds the row
    assert got is not None
    assert got.conversation_id == "nul\ufffdhere-?-lone"
    assert got.reference == {"text": nasty}  # JSON keeps it exactly (escaped)
