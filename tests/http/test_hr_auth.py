"""Authentication and authorisation of the HR API: Entra ID tokens checked against the
keys the Entra double serves on loopback, and the local-mode API key. Fails closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient

from bot.clock import system_seconds
from bot.http.hr_auth import AuthError, HrAuthenticator
from tests.http._entra import (
    API_APP_ID,
    HR_GROUP_ID,
    OTHER_TENANT,
    TENANT,
    V1_ISSUER,
    EntraDouble,
    RsaKey,
)
from tests.http.conftest import API_KEY, MakeClient
from tests.onboarding.conftest import START

URL = "/api/onboarding"
Make = Callable[..., HrAuthenticator]


def challenge_of(headers: Any) -> str:
    value = headers.get("WWW-Authenticate", "")
    assert isinstance(value, str)
    return value


async def status_with(client: TestClient, authorization: str | None) -> tuple[int, str, str]:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await client.get(URL, headers=headers)
    document = await response.json()
    return response.status, document["error"], challenge_of(response.headers)


# -- 401 ------------------------------------------------------------------------------------


async def test_missing_token_is_401_with_a_bearer_challenge(client: TestClient) -> None:
    status, error, challenge = await status_with(client, None)
    assert status == 401
    assert challenge.startswith("Bearer")
    assert "error=" not in challenge  # RFC 6750: no error code without credentials
    assert "bearer token" in error


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer not-a-jwt", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Token abc", "bearer   "],
)
async def test_malformed_credentials_are_401(client: TestClient, authorization: str) -> None:
    status, _, challenge = await status_with(client, authorization)
    assert status == 401
    assert challenge.startswith("Bearer")


@pytest.mark.parametrize(
    ("claims", "needle"),
    [
        ({"exp": int(system_seconds()) - 3600, "iat": int(system_seconds()) - 7200}, "expired"),
        ({"nbf": int(system_seconds()) + 3600}, "not valid yet"),
        ({"aud": "00000000-0000-4000-8000-000000000001"}, "audience"),
        ({"aud": "https://graph.microsoft.com"}, "audience"),
        ({"aud": None}, "aud"),
        ({"iss": "https://login.microsoftonline.com/common/v2.0"}, "issuer"),
        ({"iss": f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"}, "issuer"),
        ({"iss": "https://sts.windows.net/evil/"}, "issuer"),
        ({"iss": None}, "iss"),
        ({"tid": OTHER_TENANT}, "tenant"),
        ({"exp": None}, "exp"),
        ({"exp": "tomorrow"}, "exp"),
        ({"oid": None, "sub": None}, "oid"),
    ],
)
async def test_bad_tokens_are_401(
    client: TestClient, entra: EntraDouble, claims: dict[str, Any], needle: str
) -> None:
    status, error, challenge = await status_with(client, f"Bearer {entra.mint(**claims)}")
    assert status == 401
    assert needle in error
    assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge


async def test_alg_none_is_401(client: TestClient, entra: EntraDouble) -> None:
    status, error, _ = await status_with(client, f"Bearer {entra.unsigned()}")
    assert (status, error) == (401, "the token must be signed with RS256")


async def test_hs256_signed_with_the_public_key_is_401(
    client: TestClient, entra: EntraDouble
) -> None:
    status, error, _ = await status_with(client, f"Bearer {entra.hs256_with_public_key()}")
    assert (status, error) == (401, "the token must be signed with RS256")


async def test_a_wrong_signature_is_401(client: TestClient, entra: EntraDouble) -> None:
    token = entra.mint(key=entra.rogue_key)  # same kid as the published key
    status, error, _ = await status_with(client, f"Bearer {token}")
    assert (status, error) == (401, "the token signature is not valid")


async def test_a_tampered_payload_is_401(client: TestClient, entra: EntraDouble) -> None:
    header, _, signature = entra.mint(roles=[]).split(".")
    payload = entra.mint().split(".")[1]  # with the role, signed separately
    status, error, _ = await status_with(client, f"Bearer {header}.{payload}.{signature}")
    assert (status, error) == (401, "the token signature is not valid")


async def test_an_unknown_key_is_401(client: TestClient, entra: EntraDouble) -> None:
    stranger = RsaKey.generate()
    status, error, _ = await status_with(client, f"Bearer {entra.mint(key=stranger)}")
    assert (status, error) == (401, "the token is signed with an unknown key")


async def test_a_token_without_kid_is_401(client: TestClient, entra: EntraDouble) -> None:
    token = jwt.encode(entra.claims(), entra.key.private_key, algorithm="RS256")
    status, error, _ = await status_with(client, f"Bearer {token}")
    assert (status, error) == (401, "the token has no key id")


# -- accepted forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"iss": V1_ISSUER, "aud": f"api://{API_APP_ID}", "ver": "1.0"},
        {"aud": [API_APP_ID, "https://other.example"]},
        {"exp": -30},  # 30 s ago, within the 60 s leeway (made relative below)
        {"tid": None},
        {"oid": None},  # sub is the subject then
    ],
)
async def test_valid_tokens_with_the_role_pass(
    client: TestClient, entra: EntraDouble, claims: dict[str, Any]
) -> None:
    if "exp" in claims:  # relative to when the test runs, not to when it was collected
        claims = {**claims, "exp": int(system_seconds()) + claims["exp"]}
    response = await client.get(URL, headers=entra.bearer(**claims))
    assert response.status == 200
    assert await response.json() == {"onboardings": []}


async def test_an_api_uri_audience_setting_accepts_both_forms(
    make_client: MakeClient, make_authenticator: Make, entra: EntraDouble
) -> None:
    client = await make_client(make_authenticator(audiences=[f"api://{API_APP_ID}"]))
    for aud in (API_APP_ID, f"api://{API_APP_ID}"):
        assert (await client.get(URL, headers=entra.bearer(aud=aud))).status == 200


# -- 403 and the HR group -------------------------------------------------------------------


@pytest.mark.parametrize("roles", [None, [], ["Onboarding.Read"], "Onboarding.Manage"])
async def test_a_valid_token_without_the_role_is_403(
    client: TestClient, entra: EntraDouble, roles: Any
) -> None:
    response = await client.get(URL, headers=entra.bearer(roles=roles))
    assert response.status == 403
    document = await response.json()
    assert "Onboarding.Manage" in document["error"]
    assert 'error="insufficient_scope"' in challenge_of(response.headers)


async def test_the_hr_group_instead_of_the_role_is_enough(
    client: TestClient, entra: EntraDouble
) -> None:
    headers = entra.bearer(roles=None, groups=["0f0f0f0f-0000-4000-8000-000000000000", HR_GROUP_ID])
    response = await client.get(URL, headers=headers)
    assert response.status == 200


async def test_the_hr_group_creates_with_the_callers_object_id(
    client: TestClient, entra: EntraDouble, people: dict[str, Any]
) -> None:
    headers = entra.bearer(
        roles=None, groups=[HR_GROUP_ID.upper()], oid="11111111-0000-4000-8000-0000000000aa"
    )
    response = await client.post(
        URL, json={"employee": people["newcomer"].id, "start_date": START}, headers=headers
    )
    assert response.status == 201
    assert (await response.json())["requested_by"] == "11111111-0000-4000-8000-0000000000aa"


async def test_groups_do_not_count_when_no_hr_group_is_configured(
    make_client: MakeClient, make_authenticator: Make, entra: EntraDouble
) -> None:
    client = await make_client(make_authenticator())
    response = await client.get(URL, headers=entra.bearer(roles=None, groups=[HR_GROUP_ID]))
    assert response.status == 403


async def test_groups_overage_says_to_use_the_role(client: TestClient, entra: EntraDouble) -> None:
    overage = {"_claim_names": {"groups": "src1"}, "_claim_sources": {"src1": {"endpoint": "x"}}}
    response = await client.get(URL, headers=entra.bearer(roles=None, **overage))
    assert response.status == 403
    assert "app role" in (await response.json())["error"]


# -- every route, closed configurations -----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", URL), ("GET", URL), ("GET", f"{URL}/some-id"), ("DELETE", f"{URL}/some-id")],
)
async def test_every_route_authenticates_first(
    client: TestClient, entra: EntraDouble, method: str, path: str
) -> None:
    # Even a request that would be 415 or 404 is 401 without credentials, 403 without role.
    response = await client.request(method, path, data=b"x", headers={"Content-Type": "text/plain"})
    assert response.status == 401
    assert challenge_of(response.headers).startswith("Bearer")
    response = await client.request(method, path, headers=entra.bearer(roles=None))
    assert response.status == 403


@pytest.mark.parametrize("overrides", [{"tenant_id": ""}, {"audiences": []}, {"audiences": ["  "]}])
async def test_without_tenant_or_audience_the_api_is_closed(
    make_client: MakeClient, make_authenticator: Make, entra: EntraDouble, overrides: dict[str, Any]
) -> None:
    authenticator = make_authenticator(**overrides)
    assert authenticator.closed_reason is not None
    client = await make_client(authenticator)
    response = await client.get(URL, headers=entra.bearer())
    assert response.status == 503
    assert "closed" in (await response.json())["error"]


async def test_unreachable_keys_are_503_never_a_pass(
    make_client: MakeClient, make_authenticator: Make, entra: EntraDouble
) -> None:
    entra.down = True
    client = await make_client(make_authenticator())
    response = await client.get(URL, headers=entra.bearer())
    assert response.status == 503
    assert "signing keys" in (await response.json())["error"]


async def test_api_key_is_not_accepted_in_entra_mode(client: TestClient) -> None:
    for headers in ({"X-Api-Key": API_KEY}, {"Authorization": f"ApiKey {API_KEY}"}):
        response = await client.get(URL, headers=headers)
        assert response.status == 401


def test_the_metadata_url_must_be_https_or_loopback() -> None:
    with pytest.raises(ValueError, match="https"):
        HrAuthenticator(
            local_mode=False,
            tenant_id=TENANT,
            audiences=[API_APP_ID],
            metadata_url="http://login.example/metadata",
        )


# -- the key cache --------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = system_seconds()

    def __call__(self) -> float:
        return self.now


async def test_keys_are_cached_and_refetched_after_the_ttl(
    make_authenticator: Make, entra: EntraDouble
) -> None:
    clock = FakeClock()
    authenticator = make_authenticator(clock=clock, key_cache_seconds=600)
    headers = entra.bearer(exp=int(clock.now) + 7200)
    for _ in range(3):
        await authenticator.authenticate(headers)
    assert (entra.metadata_hits, entra.keys_hits, authenticator.key_fetches) == (1, 1, 1)
    clock.now += 601
    await authenticator.authenticate(headers)
    assert authenticator.key_fetches == 2


async def test_an_unknown_kid_refetches_once_for_a_key_rollover(
    make_authenticator: Make, entra: EntraDouble
) -> None:
    clock = FakeClock()
    authenticator = make_authenticator(clock=clock, min_refresh_seconds=10)
    await authenticator.authenticate(entra.bearer())
    new_key = RsaKey.generate()
    entra.published = [entra.key, new_key]
    # Right after a fetch, made-up key ids do not make us fetch again...
    with pytest.raises(AuthError) as refused:
        await authenticator.authenticate({"Authorization": f"Bearer {entra.mint(key=new_key)}"})
    assert refused.value.status == 401
    assert authenticator.key_fetches == 1
    # ...but a little later the new key is fetched once and then known.
    clock.now += 11
    for _ in range(3):
        principal = await authenticator.authenticate(
            {"Authorization": f"Bearer {entra.mint(key=new_key)}"}
        )
        assert principal.method == "app-role"
    assert authenticator.key_fetches == 2


async def test_cached_keys_stay_in_use_when_a_refresh_fails(
    make_authenticator: Make, entra: EntraDouble
) -> None:
    clock = FakeClock()
    authenticator = make_authenticator(clock=clock, key_cache_seconds=60)
    headers = entra.bearer(exp=int(clock.now) + 7200)
    await authenticator.authenticate(headers)
    entra.down = True
    clock.now += 120
    assert (await authenticator.authenticate(headers)).subject
    assert entra.metadata_hits == 2  # it did try


# -- local mode: the API key ----------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"X-Api-Key": API_KEY}, {"Authorization": f"ApiKey {API_KEY}"}, {"x-api-key": API_KEY}],
)
async def test_the_right_api_key_is_accepted(
    local_client: TestClient, people: dict[str, Any], headers: dict[str, str]
) -> None:
    response = await local_client.post(
        URL, json={"employee": people["newcomer"].id, "start_date": START}, headers=headers
    )
    assert response.status == 201
    assert (await response.json())["requested_by"] == "api-key"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Api-Key": ""},
        {"X-Api-Key": API_KEY + "x"},
        {"X-Api-Key": API_KEY[:-1]},
        {"X-Api-Key": "wrong"},
        {"Authorization": "ApiKey wrong"},
        {"Authorization": f"Bearer {API_KEY}"},
        {"X-Api-Key": "avain-äöå-0123456789"},
    ],
)
async def test_a_wrong_or_absent_api_key_is_401(
    local_client: TestClient, headers: dict[str, str]
) -> None:
    response = await local_client.get(URL, headers=headers)
    assert response.status == 401
    assert challenge_of(response.headers).startswith("ApiKey")
    assert "API key" in (await response.json())["error"]


async def test_a_bearer_token_is_not_enough_in_local_mode(
    local_client: TestClient, entra: EntraDouble
) -> None:
    assert (await local_client.get(URL, headers=entra.bearer())).status == 401


async def test_local_mode_without_a_key_is_closed(make_client: MakeClient) -> None:
    client = await make_client(HrAuthenticator(local_mode=True))
    for headers in ({}, {"X-Api-Key": ""}, {"X-Api-Key": "anything-at-all-long-enough"}):
        response = await client.get(URL, headers=headers)
        assert response.status == 503
        assert "no API key" in (await response.json())["error"]


def test_a_short_api_key_stops_start_up() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        HrAuthenticator(local_mode=True, api_key="short")


def test_the_tenant_must_be_a_tenant_id() -> None:
    with pytest.raises(ValueError, match="tenant"):
        HrAuthenticator(local_mode=False, tenant_id="virasto.onmicrosoft.com", audiences=["x"])
