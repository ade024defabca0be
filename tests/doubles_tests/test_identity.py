"""Identity double: metadata, keys and tokens that the real Bot Framework SDK judges."""

from __future__ import annotations

from typing import Any

import aiohttp
import jwt
import pytest
from azure.core.credentials import AccessToken
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import JwtTokenExtractor

from tests.doubles import BOT_FRAMEWORK_ISSUER, BadToken, Doubles, IdentityDouble

# What the SDK raises per bad token. Only PermissionError becomes 401 in CloudAdapter;
# everything else escapes as a 500 unless the bot's route maps it to 401 itself.
RAISES_PERMISSION_ERROR = {
    BadToken.WRONG_ISSUER,
    BadToken.WRONG_AUDIENCE,
    BadToken.SERVICE_URL_MISMATCH,
}


class SdkConfig:
    """The attributes ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, app_id: str, settings: dict[str, str]) -> None:
        self.APP_ID = app_id
        self.APP_PASSWORD = "not-used-for-inbound-validation"
        self.APP_TYPE = "MultiTenant"
        self.APP_TENANTID: str | None = None
        for name, value in settings.items():
            setattr(self, name, value)


def sdk_auth(d: Doubles) -> Any:
    return ConfigurationBotFrameworkAuthentication(
        SdkConfig(d.app_id, d.bot_settings()),
        credentials_factory=d.bot_credentials_factory(),
    )


def teams_activity(service_url: str) -> Any:
    return Activity(type="message", channel_id="msteams", service_url=service_url, text="hei")


async def fetch_json(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return await response.json()


async def test_openid_metadata_points_at_the_keys(doubles: Doubles) -> None:
    metadata = await fetch_json(doubles.identity.metadata_url)
    assert metadata["issuer"] == BOT_FRAMEWORK_ISSUER
    assert metadata["jwks_uri"] == doubles.identity.keys_url
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doubles.identity.metadata_url.endswith("/v1/.well-known/openidconfiguration")


async def test_jwks_publishes_endorsed_keys_but_not_the_rogue_one(doubles: Doubles) -> None:
    keys = {k["kid"]: k for k in (await fetch_json(doubles.identity.keys_url))["keys"]}
    identity = doubles.identity
    assert set(keys) == {identity.teams_key.kid, identity.other_key.kid}
    assert keys[identity.teams_key.kid]["endorsements"] == ["msteams"]
    # Non-empty but without msteams: the SDK skips the check for an empty list.
    assert keys[identity.other_key.kid]["endorsements"]
    assert "msteams" not in keys[identity.other_key.kid]["endorsements"]
    for key in keys.values():
        assert key["kty"] == "RSA" and key["use"] == "sig"
        assert {"n", "e", "x5t", "x5c"} <= key.keys()
    assert identity.rogue_key.kid not in keys


async def test_minted_token_has_the_bot_connector_claims(doubles: Doubles) -> None:
    identity, service_url = doubles.identity, doubles.connector.service_url
    token = identity.mint(doubles.app_id, service_url)
    jwks = await fetch_json(identity.keys_url)
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=doubles.app_id)
    assert claims["iss"] == "https://api.botframework.com"
    assert claims["aud"] == doubles.app_id
    assert claims["serviceurl"] == service_url
    assert claims["nbf"] <= claims["iat"] < claims["exp"]
    assert "ver" not in claims and "appid" not in claims
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


async def test_real_sdk_accepts_a_good_token(doubles: Doubles) -> None:
    service_url = doubles.connector.service_url
    result = await sdk_auth(doubles).authenticate_request(
        teams_activity(service_url), doubles.identity.auth_header(doubles.app_id, service_url)
    )
    claims = result.claims_identity.claims
    assert claims["aud"] == doubles.app_id
    assert claims["serviceurl"] == service_url
    assert result.claims_identity.is_authenticated
    # The SDK fetched metadata and keys from the double.
    operations = [c.operation for c in doubles.identity.calls.all()]
    assert set(operations) <= {"openid_metadata", "jwks"}


@pytest.mark.parametrize("kind", list(BadToken), ids=lambda k: k.value)
async def test_real_sdk_rejects_each_bad_token(doubles: Doubles, kind: BadToken) -> None:
    service_url = doubles.connector.service_url
    token = doubles.identity.mint_bad(kind, doubles.app_id, service_url)
    with pytest.raises(Exception) as raised:
        await sdk_auth(doubles).authenticate_request(teams_activity(service_url), f"Bearer {token}")
    assert isinstance(raised.value, PermissionError) == (kind in RAISES_PERMISSION_ERROR)


async def test_custom_issuer_is_honoured_end_to_end() -> None:
    issuer = "https://api.botframework.us"
    with Doubles(identity=IdentityDouble(issuer=issuer)) as d:
        assert d.bot_settings()["TO_BOT_FROM_CHANNEL_TOKEN_ISSUER"] == issuer
        result = await sdk_auth(d).authenticate_request(
            teams_activity(d.connector.service_url),
            d.identity.auth_header(d.app_id, d.connector.service_url),
        )
        assert result.claims_identity.claims["iss"] == issuer


async def test_doubles_do_not_share_the_sdk_metadata_cache(doubles: Doubles) -> None:
    # The SDK caches keys per metadata URL at class level; every double has its own URL
    # and its entry is dropped when it stops, so a later double on a reused port is safe.
    service_url = doubles.connector.service_url
    with Doubles() as other:
        stranger = other.identity.mint(doubles.app_id, service_url)
        with pytest.raises(IndexError):  # the SDK's way of saying "unknown kid"
            await sdk_auth(doubles).authenticate_request(
                teams_activity(service_url), f"Bearer {stranger}"
            )
        await sdk_auth(other).authenticate_request(
            teams_activity(service_url), f"Bearer {stranger}"
        )
        other_url = other.identity.metadata_url
        assert other_url in JwtTokenExtractor.metadataCache
    assert other_url not in JwtTokenExtractor.metadataCache


async def test_client_credentials_endpoint_returns_the_fixed_token(doubles: Doubles) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": doubles.app_id,
        "client_secret": "s3cret",
        "scope": "https://api.botframework.com/.default",
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(doubles.identity.token_url(), data=form) as response:
            assert response.status == 200
            body = await response.json()
        async with session.post(
            doubles.identity.token_url("contoso.onmicrosoft.com"), data={"grant_type": "password"}
        ) as response:
            assert response.status == 400
            assert (await response.json())["error"] == "unsupported_grant_type"
    assert body["token_type"] == "Bearer"
    assert body["access_token"] == doubles.identity.access_token
    assert body["expires_in"] > 0
    recorded = doubles.identity.token_requests[-2]
    assert recorded["tenant"] == "botframework.com"
    assert recorded["client_id"] == doubles.app_id
    assert "client_secret" not in recorded


async def test_fixed_token_credential_is_an_azure_access_token_source(doubles: Doubles) -> None:
    credential = doubles.identity.credential()
    async with credential:
        token = await credential.get_token("https://graph.microsoft.com/.default")
    assert isinstance(token, AccessToken)
    assert token.token == doubles.identity.access_token
    assert credential.requested_scopes == [("https://graph.microsoft.com/.default",)]


def test_bot_settings_name_the_sdk_attributes(doubles: Doubles) -> None:
    settings = doubles.bot_settings()
    assert settings["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"] == doubles.identity.metadata_url
    assert settings["TO_BOT_FROM_CHANNEL_TOKEN_ISSUER"] == BOT_FRAMEWORK_ISSUER
    assert settings["TO_CHANNEL_FROM_BOT_OAUTH_SCOPE"] == "https://api.botframework.com"
    assert settings["TO_CHANNEL_FROM_BOT_LOGIN_URL"].startswith(doubles.url)


async def test_bot_credentials_factory_signs_with_the_access_token(doubles: Doubles) -> None:
    factory = doubles.bot_credentials_factory()
    assert await factory.is_valid_app_id(doubles.app_id)
    assert not await factory.is_valid_app_id("someone-else")
    assert not await factory.is_authentication_disabled()
    credentials = await factory.create_credentials(doubles.app_id, None, None, True)
    assert credentials.get_access_token() == doubles.identity.access_token
    assert credentials.oauth_scope == "https://api.botframework.com"
