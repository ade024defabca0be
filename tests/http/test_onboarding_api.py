"""Every status of the HR onboarding API with a valid Entra ID token (the Entra double)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from bot.directory import DirectoryUser, ServiceError, ServiceErrorKind
from bot.http.hr_auth import HrAuthenticator
from bot.http.onboarding_api import add_onboarding_routes
from bot.onboarding.model import StepState
from bot.onboarding.sequences import Sequence, SequenceStep
from bot.onboarding.service import OnboardingService
from bot.store.sql import SqlStore
from tests.http._entra import HR_USER_OID, EntraDouble
from tests.onboarding.conftest import NOW, START, DirectoryDouble

URL = "/api/onboarding"


def body_for(people: dict[str, DirectoryUser], **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "employee": people["newcomer"].id,
        "start_date": START,
        "team_id": "19:team-general@thread.tacv2",
        "buddy": people["buddy"].user_principal_name,
        "manager": people["manager"].id,
    }
    for name, value in fields.items():
        if value is ...:
            document.pop(name, None)
        else:
            document[name] = value
    return document


async def post(
    client: TestClient,
    entra: EntraDouble,
    body: Any,
    *,
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> ClientResponse:
    sent = {**entra.bearer(), **(headers or {})}
    if key is not None:
        sent["Idempotency-Key"] = key
    if isinstance(body, bytes | str):
        sent.setdefault("Content-Type", "application/json")
        return await client.post(URL, data=body, headers=sent)
    return await client.post(URL, json=body, headers=sent)


async def problems_of(response: ClientResponse) -> dict[str, str]:
    document = await response.json()
    assert set(document) == {"error", "problems"}
    assert isinstance(document["error"], str) and document["error"]
    return {p["field"]: p["message"] for p in document["problems"]}


# -- 201 / 200 / 409 ------------------------------------------------------------------------


async def test_post_creates_the_onboarding_with_its_steps(
    client: TestClient,
    entra: EntraDouble,
    people: dict[str, DirectoryUser],
    store: SqlStore,
) -> None:
    response = await post(client, entra, body_for(people))
    assert response.status == 201
    document = await response.json()
    assert response.headers["Location"] == f"{URL}/{document['id']}"
    assert document["state"] == "active"
    assert document["employee"] == {"id": people["newcomer"].id, "name": "Uusi Tulokas"}
    assert document["buddy_id"] == people["buddy"].id  # the UPN was resolved
    assert document["language"] == "fi"
    assert document["requested_by"] == HR_USER_OID
    steps = {
        s["step"]: (s["due_date"], s["role"], s["recipient_id"], s["state"])
        for s in document["steps"]
    }
    assert steps == {
        "welcome": ("2026-12-01", "newcomer", people["newcomer"].id, "scheduled"),
        "meet-buddy": ("2026-12-01", "buddy", people["buddy"].id, "scheduled"),
        "manager-one-to-one": ("2026-12-02", "manager", people["manager"].id, "scheduled"),
        "team-introduction": ("2026-12-02", "team", "19:team-general@thread.tacv2", "scheduled"),
        "check-in": ("2026-12-08", "newcomer", people["newcomer"].id, "scheduled"),
    }
    assert document["skipped_steps"] == []
    stored = await store.get_onboarding(document["id"])
    assert stored is not None and len(stored.steps) == 5


async def test_same_key_and_body_replays_the_first_onboarding(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], store: SqlStore
) -> None:
    first = await post(client, entra, body_for(people), key="hr-2026-0001")
    second = await post(client, entra, body_for(people), key="hr-2026-0001")
    assert (first.status, second.status) == (201, 200)
    assert second.headers["Idempotent-Replayed"] == "true"
    first_doc, second_doc = await first.json(), await second.json()
    assert second_doc["id"] == first_doc["id"]
    assert second.headers["Location"] == first.headers["Location"]
    assert len(await store.list_onboardings()) == 1


async def test_the_same_person_by_upn_or_object_id_is_the_same_request(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser]
) -> None:
    by_id = await post(client, entra, body_for(people), key="k-upn-or-id")
    upn = people["newcomer"].user_principal_name
    by_upn = await post(client, entra, body_for(people, employee=upn), key="k-upn-or-id")
    assert (by_id.status, by_upn.status) == (201, 200)


async def test_same_key_with_another_body_is_a_conflict(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], store: SqlStore
) -> None:
    assert (await post(client, entra, body_for(people), key="k-1")).status == 201
    response = await post(client, entra, body_for(people, start_date="2026-12-02"), key="k-1")
    assert response.status == 409
    assert "Idempotency-Key" in await problems_of(response)
    assert len(await store.list_onboardings()) == 1


async def test_same_key_from_another_caller_is_a_conflict(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser]
) -> None:
    assert (await post(client, entra, body_for(people), key="k-2")).status == 201
    other = {"Authorization": f"Bearer {entra.mint(oid='00000000-0000-4000-8000-000000000042')}"}
    response = await post(client, entra, body_for(people), key="k-2", headers=other)
    assert response.status == 409


async def test_without_a_key_the_same_body_starts_two(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], store: SqlStore
) -> None:
    for _ in range(2):
        assert (await post(client, entra, body_for(people))).status == 201
    assert len(await store.list_onboardings()) == 2


@pytest.mark.parametrize("key", ["", "a" * 201, "avain äöå", "two words"])
async def test_a_malformed_idempotency_key_is_refused(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], key: str
) -> None:
    response = await client.post(
        URL, json=body_for(people), headers={**entra.bearer(), "Idempotency-Key": key}
    )
    assert response.status == 400
    assert "Idempotency-Key" in await problems_of(response)


# -- 400: every problem at once ------------------------------------------------------------


async def test_400_lists_every_bad_field_at_once(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], store: SqlStore
) -> None:
    body = {
        "employee": 12345,
        "start_date": "2028-01-15",  # more than a year away
        "team_id": ["not", "a", "string"],
        "buddy": "not a person",
        "manager": True,
        "sequence": "no-such-sequence",
        "language": "de",
        "employe": "typo",
        "priority": "high",
    }
    response = await post(client, entra, body)
    assert response.status == 400
    problems = await problems_of(response)
    assert set(problems) == {
        "employee",
        "start_date",
        "team_id",
        "buddy",
        "manager",
        "sequence",
        "language",
        "employe",
        "priority",
    }
    assert "number" in problems["employee"]
    assert "year" in problems["start_date"]
    assert "array" in problems["team_id"]
    assert "boolean" in problems["manager"]
    assert "unknown field" in problems["employe"]
    assert "default" in problems["sequence"] and "short" in problems["sequence"]
    assert await store.list_onboardings() == []
    assert (await client.get(URL, headers=entra.bearer())).status == 200


@pytest.mark.parametrize(
    ("start_date", "needle"),
    [
        ("2026-13-01", "YYYY-MM-DD"),
        ("1.12.2026", "YYYY-MM-DD"),
        ("20261201", "YYYY-MM-DD"),
        ("2026-02-30", "YYYY-MM-DD"),
        (20261201, "number"),
        ("2026-08-01", "past"),  # 121 days ago
        ("2027-12-01", "year"),  # 366 days ahead
        ("", "empty"),
        (None, "required"),
    ],
)
async def test_bad_start_dates(
    client: TestClient,
    entra: EntraDouble,
    people: dict[str, DirectoryUser],
    start_date: Any,
    needle: str,
) -> None:
    response = await post(client, entra, body_for(people, start_date=start_date))
    assert response.status == 400
    assert needle in (await problems_of(response))["start_date"]


@pytest.mark.parametrize("start_date", ["2026-09-01", "2027-11-30"])  # 90 days ago, 365 ahead
async def test_start_dates_at_the_limits_are_accepted(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], start_date: str
) -> None:
    response = await post(client, entra, body_for(people, start_date=start_date))
    assert response.status == 201


async def test_employee_is_required_and_buddy_must_be_someone_else(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser]
) -> None:
    missing = await post(client, entra, body_for(people, employee=...))
    assert "required" in (await problems_of(missing))["employee"]
    same = await post(client, entra, body_for(people, buddy=people["newcomer"].id.upper()))
    assert same.status == 400
    assert "other than the employee" in (await problems_of(same))["buddy"]


async def test_buddy_who_resolves_to_the_employee_is_refused(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], store: SqlStore
) -> None:
    # Different strings (UPN and object id), the same person in the directory.
    body = body_for(people, buddy=people["newcomer"].user_principal_name)
    response = await post(client, entra, body)
    assert response.status == 400
    assert "other than the employee" in (await problems_of(response))["buddy"]
    assert await store.list_onboardings() == []


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"{not json", None),
        (b"", None),
        ('{"employee": "\udcff"}'.encode("utf-8", "surrogatepass"), None),
        (b"[1, 2]", "body"),
        (b'"a string"', "body"),
        (b'{"employee": "a@b.fi", "employee": "c@d.fi", "start_date": "2026-12-01"}', "employee"),
    ],
)
async def test_malformed_json_is_400(
    client: TestClient, entra: EntraDouble, raw: bytes, field: str | None
) -> None:
    response = await post(client, entra, raw)
    assert response.status == 400
    problems = await problems_of(response)
    if field is not None:
        assert field in problems


# -- 404 / 422 / 503 from the directory ----------------------------------------------------


async def test_unknown_users_are_404_and_named(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], store: SqlStore
) -> None:
    body = body_for(
        people, employee="ei.ketaan@virasto.example", manager="00000000-0000-4000-8000-00000000beef"
    )
    response = await post(client, entra, body)
    assert response.status == 404
    document = await response.json()
    assert "ei.ketaan@virasto.example" in document["error"]
    problems = {p["field"]: p["message"] for p in document["problems"]}
    assert set(problems) == {"employee", "manager"}
    assert "directory" in problems["employee"]
    assert await store.list_onboardings() == []


async def test_without_graph_an_object_id_is_taken_and_a_upn_is_422(
    client: TestClient,
    entra: EntraDouble,
    people: dict[str, DirectoryUser],
    directory: DirectoryDouble,
) -> None:
    directory.error = ServiceError(ServiceErrorKind.NOT_CONFIGURED, "GRAPH_AUTH=none")
    by_id = await post(client, entra, {"employee": people["newcomer"].id, "start_date": START})
    assert by_id.status == 201
    document = await by_id.json()
    assert document["employee"] == {"id": people["newcomer"].id, "name": ""}
    assert document["language"] == "fi"
    by_upn = await post(client, entra, body_for(people))  # the buddy is a UPN
    assert by_upn.status == 422
    problems = await problems_of(by_upn)
    assert set(problems) == {"buddy"}
    assert "Microsoft Graph" in problems["buddy"]


@pytest.mark.parametrize(
    "kind",
    [
        ServiceErrorKind.THROTTLED,
        ServiceErrorKind.UNAVAILABLE,
        ServiceErrorKind.PERMISSION_DENIED,
    ],
)
async def test_directory_trouble_is_503(
    client: TestClient,
    entra: EntraDouble,
    people: dict[str, DirectoryUser],
    directory: DirectoryDouble,
    store: SqlStore,
    kind: ServiceErrorKind,
) -> None:
    directory.error = ServiceError(kind, "details")
    response = await post(client, entra, body_for(people))
    assert response.status == 503
    assert kind.value in (await response.json())["error"]
    assert await store.list_onboardings() == []


# -- 413 / 415 -----------------------------------------------------------------------------


async def test_a_body_over_64_kb_is_413(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser]
) -> None:
    padding = "x" * (64 * 1024)
    response = await post(client, entra, json.dumps(body_for(people, team_id=padding)))
    assert response.status == 413
    await problems_of(response)


async def test_a_chunked_body_over_64_kb_is_413(client: TestClient, entra: EntraDouble) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"employee": "'
        for _ in range(20):
            yield b"x" * 4096
        yield b'"}'

    response = await client.post(
        URL, data=chunks(), headers={**entra.bearer(), "Content-Type": "application/json"}
    )
    assert response.status == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_not_json_content_type_is_415(
    client: TestClient,
    entra: EntraDouble,
    people: dict[str, DirectoryUser],
    content_type: str | None,
) -> None:
    headers = entra.bearer()
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await client.post(URL, data=json.dumps(body_for(people)).encode(), headers=headers)
    assert response.status == 415
    await problems_of(response)


async def test_json_with_a_charset_is_accepted(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser]
) -> None:
    response = await client.post(
        URL,
        data=json.dumps(body_for(people)).encode(),
        headers={**entra.bearer(), "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status == 201


# -- GET / DELETE / list -------------------------------------------------------------------


async def test_get_shows_steps_and_the_pulse(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], store: SqlStore
) -> None:
    created = await (await post(client, entra, body_for(people))).json()
    await store.set_step_state(created["id"], "welcome", StepState.SENT, created_at(created))
    await store.record_pulse(
        created["id"], {"score": 4, "comment": "Hyvä alku"}, created_at(created)
    )
    response = await client.get(f"{URL}/{created['id']}", headers=entra.bearer())
    assert response.status == 200
    document = await response.json()
    states = {s["step"]: s["state"] for s in document["steps"]}
    assert states["welcome"] == "sent"
    assert states["check-in"] == "scheduled"
    assert [s["due_date"] for s in document["steps"]] == sorted(
        s["due_date"] for s in document["steps"]
    )
    assert document["pulse"] == {"score": 4, "comment": "Hyvä alku"}


def created_at(document: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(document["created_at"])


@pytest.mark.parametrize("path", ["no-such-id", "7d5c0e0a-0000-4000-8000-000000000000", "%00"])
async def test_get_and_delete_of_an_unknown_onboarding_are_404(
    client: TestClient, entra: EntraDouble, path: str
) -> None:
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"{URL}/{path}", headers=entra.bearer())
        assert response.status == 404
        await problems_of(response)


async def test_delete_cancels_the_future_steps(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser], store: SqlStore
) -> None:
    created = await (await post(client, entra, body_for(people))).json()
    await store.set_step_state(created["id"], "welcome", StepState.SENT, created_at(created))
    response = await client.delete(f"{URL}/{created['id']}", headers=entra.bearer())
    assert response.status == 200
    document = await response.json()
    states = {s["step"]: s["state"] for s in document["steps"]}
    assert states == {
        "welcome": "sent",
        "meet-buddy": "cancelled",
        "manager-one-to-one": "cancelled",
        "team-introduction": "cancelled",
        "check-in": "cancelled",
    }
    assert document["state"] == "cancelled"
    again = await client.delete(f"{URL}/{created['id']}", headers=entra.bearer())
    assert again.status == 200
    assert (await again.json())["steps"] == document["steps"]


async def test_list_by_state(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser]
) -> None:
    kept = await (await post(client, entra, body_for(people))).json()
    gone = await (await post(client, entra, body_for(people, sequence="short"))).json()
    await client.delete(f"{URL}/{gone['id']}", headers=entra.bearer())

    async def ids(query: str) -> set[str]:
        response = await client.get(f"{URL}{query}", headers=entra.bearer())
        assert response.status == 200
        return {o["id"] for o in (await response.json())["onboardings"]}

    assert await ids("?state=active") == {kept["id"]}
    assert await ids("?state=cancelled") == {gone["id"]}
    assert await ids("?state=completed") == set()
    assert await ids("") == {kept["id"], gone["id"]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?state=running", "state"),
        ("?state=", "state"),
        ("?sort=asc", "sort"),
        ("?state=active&state=cancelled", "state"),
    ],
)
async def test_list_with_a_bad_query_is_400(
    client: TestClient, entra: EntraDouble, query: str, field: str
) -> None:
    response = await client.get(f"{URL}{query}", headers=entra.bearer())
    assert response.status == 400
    assert field in await problems_of(response)


async def test_skipped_steps_are_listed_when_a_role_has_no_person(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser]
) -> None:
    body = body_for(people, buddy=..., team_id=...)
    response = await post(client, entra, body)
    assert response.status == 201
    document = await response.json()
    assert {s["step"] for s in document["steps"]} == {"welcome", "manager-one-to-one", "check-in"}
    assert document["skipped_steps"] == [
        {"step": "meet-buddy", "role": "buddy", "reason": "no buddy given"},
        {"step": "team-introduction", "role": "team", "reason": "no team_id given"},
    ]
    shown = await (await client.get(f"{URL}/{document['id']}", headers=entra.bearer())).json()
    assert shown["skipped_steps"] == document["skipped_steps"]


async def test_language_comes_from_the_directory_unless_given(
    client: TestClient, entra: EntraDouble, people: dict[str, DirectoryUser]
) -> None:
    swede = body_for(people, employee=people["swede"].id)
    assert (await (await post(client, entra, swede)).json())["language"] == "sv"
    chosen = body_for(people, employee=people["swede"].id, language="en")
    assert (await (await post(client, entra, chosen)).json())["language"] == "en"
    null = body_for(people, employee=people["swede"].id, language=None)
    assert (await (await post(client, entra, null)).json())["language"] == "sv"


async def test_a_failure_while_writing_is_a_json_500_and_writes_nothing(
    aiohttp_client: Any,
    store: SqlStore,
    directory: DirectoryDouble,
    sequences: dict[str, Sequence],
    people: dict[str, DirectoryUser],
    entra: EntraDouble,
    make_authenticator: Callable[..., HrAuthenticator],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A sequence that skipped validation repeats a step id: the store fails mid-write.
    good = sequences["default"]
    repeated = SequenceStep.model_construct(**{**dict(good.steps[-1]), "offset": 9})
    broken = Sequence.model_construct(id="broken", title=good.title, steps=(*good.steps, repeated))
    service = OnboardingService(
        store, directory, {**sequences, "broken": broken}, lambda: NOW, "Europe/Helsinki"
    )
    app = web.Application()
    add_onboarding_routes(app, service, make_authenticator())
    client = await aiohttp_client(app)
    response = await post(client, entra, body_for(people, sequence="broken"), key="k-broken")
    assert response.status == 500
    assert await response.json() == {"error": "internal error", "problems": []}
    assert await store.list_onboardings() == []
    # Only the exception type is logged: database messages carry the request's values.
    assert people["newcomer"].id not in caplog.text
    replay = await post(client, entra, body_for(people), key="k-broken")
    assert replay.status == 201
