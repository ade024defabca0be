"""Entra ID / Bot Framework identity double.

Serves OpenID metadata and a JWKS the way ``login.botframework.com`` does, mints
RS256 tokens the way the Bot Connector signs activities it sends to a bot, and runs a
client-credentials token endpoint. Tokens are generated at run time; nothing recorded.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import importlib
import secrets
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from aiohttp import web
from azure.core.credentials import AccessToken
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ._double import Double
from ._recording import CallLog

__all__ = [
    "BOT_FRAMEWORK_ISSUER",
    "BadToken",
    "FixedTokenBotCredentials",
    "FixedTokenBotCredentialsFactory",
    "FixedTokenCredential",
    "IdentityDouble",
    "SigningKey",
]

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An RSA key pair with its JWKS entry.

    ``published`` False keys are not in the JWKS: a token signed with one under a
    published ``kid`` has a wrong signature.
    """

    kid: str
    private_key: rsa.RSAPrivateKey
    endorsements: tuple[str, ...]
    published: bool = True
    certificate_der: bytes = field(default=b"", repr=False)

    @classmethod
    def generate(
        cls,
        kid: str,
        endorsements: Sequence[str],
        *,
        published: bool = True,
        key_size: int = 2048,
    ) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "loopback.botframework")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .sign(private_key, hashes.SHA256())
        )
        return cls(
            kid=kid,
            private_key=private_key,
            endorsements=tuple(endorsements),
            published=published,
            certificate_der=cert.public_bytes(serialization.Encoding.DER),
        )

    def jwk(self) -> dict[str, Any]:
        """The JWKS entry as login.botframework.com publishes it (with ``endorsements``)."""
        numbers = self.private_key.public_key().public_numbers()
        thumbprint = base64.urlsafe_b64encode(
            hashlib.sha1(self.certificate_der, usedforsecurity=False).digest()
        )
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": thumbprint.rstrip(b"=").decode("ascii"),
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
            "x5c": [base64.b64encode(self.certificate_der).decode("ascii")],
            "endorsements": list(self.endorsements),
        }


class BadToken(enum.Enum):
    """Ways an inbound token must fail validation (each must end in 401 at the bot)."""

    WRONG_SIGNATURE = "wrong_signature"
    UNKNOWN_KID = "unknown_kid"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    SERVICE_URL_MISMATCH = "service_url_mismatch"
    NOT_ENDORSED = "not_endorsed"


class FixedTokenCredential:
    """An azure-identity style async credential that hands out one fixed token.

    Satisfies ``azure.core.credentials_async.AsyncTokenCredential``, so it can back
    msgraph-sdk's ``AzureIdentityAuthenticationProvider``. Records the scopes asked for.
    """

    def __init__(self, token: str, *, expires_in: int = 3600) -> None:
        self.token = token
        self._expires_in = expires_in
        self.requested_scopes: list[tuple[str, ...]] = []

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        self.requested_scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + self._expires_in)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> FixedTokenCredential:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


class FixedTokenBotCredentials:
    """Stands in for botframework's ``AppCredentials`` (msrest ``Authentication``): signs
    every Bot Connector request with one fixed bearer token, no MSAL involved."""

    def __init__(self, app_id: str, token: str, oauth_scope: str = BOT_FRAMEWORK_SCOPE) -> None:
        self.microsoft_app_id = app_id
        self.microsoft_app_password: str | None = None
        self.oauth_scope = oauth_scope
        self.tenant = "botframework.com"
        self.token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self.token

    def signed_session(self, session: Any = None) -> Any:
        if session is None:
            session = importlib.import_module("requests").Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        return session

    def refresh_session(self, session: Any = None) -> Any:
        return self.signed_session(session)


class FixedTokenBotCredentialsFactory:
    """A botframework ``ServiceClientCredentialsFactory`` for tests: accepts ``app_id``
    and hands out :class:`FixedTokenBotCredentials`. Pass it as ``credentials_factory``
    to ``ConfigurationBotFrameworkAuthentication`` (MSAL cannot reach a loopback
    authority: it insists on https)."""

    def __init__(self, app_id: str, token: str) -> None:
        self.app_id = app_id
        self.token = token
        self.created: list[tuple[str, str | None]] = []

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self,
        app_id: str,
        oauth_scope: str | None,
        login_endpoint: str | None,
        validate_authority: bool,
    ) -> FixedTokenBotCredentials:
        self.created.append((app_id, oauth_scope))
        return FixedTokenBotCredentials(app_id, self.token, oauth_scope or BOT_FRAMEWORK_SCOPE)


class IdentityDouble(Double):
    """OpenID metadata, JWKS, token minting and a client-credentials token endpoint.

    Keys made at construction (``key_size`` bits):
    ``teams_key`` published with ``endorsements: ["msteams"]`` (signs good tokens),
    ``other_key`` published with endorsements that lack ``msteams``,
    ``rogue_key`` never published (for wrong signatures).
    """

    name = "identity"

    def __init__(
        self,
        *,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        access_token: str | None = None,
        key_size: int = 2048,
    ) -> None:
        super().__init__()
        self.issuer = issuer
        tag = secrets.token_hex(4)
        # Unique key ids per instance: the SDK caches keys per metadata URL, and a new
        # double may reuse a port of an old one.
        self.teams_key = SigningKey.generate(
            f"loopback-msteams-{tag}", ["msteams"], key_size=key_size
        )
        self.other_key = SigningKey.generate(
            f"loopback-webchat-{tag}", ["webchat", "directline"], key_size=key_size
        )
        self.rogue_key = SigningKey.generate(
            f"loopback-rogue-{tag}", ["msteams"], published=False, key_size=key_size
        )
        self.access_token = access_token or f"loopback-access-token-{secrets.token_hex(8)}"
        self.calls = CallLog()
        self.token_requests: list[dict[str, str]] = []
        self._lock = threading.Lock()

    # -- URLs and settings ---------------------------------------------------------

    @property
    def metadata_url(self) -> str:
        return f"{self.url}{METADATA_PATH}"

    @property
    def keys_url(self) -> str:
        return f"{self.url}{KEYS_PATH}"

    def token_url(self, tenant: str = "botframework.com") -> str:
        return f"{self.url}/{tenant}/oauth2/v2.0/token"

    def bot_settings(self) -> dict[str, str]:
        """Settings overrides that point botframework's configuration at this double.

        These are the attribute names ``ConfigurationBotFrameworkAuthentication`` reads.
        Outbound tokens still need an injected credentials factory: MSAL only accepts
        an https authority (see :class:`FixedTokenBotCredentialsFactory`).
        """
        return {
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": self.metadata_url,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": self.issuer,
            "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": BOT_FRAMEWORK_SCOPE,
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": f"{self.url}/botframework.com",
        }

    def credential(self) -> FixedTokenCredential:
        """A credential for msgraph-sdk that returns this double's access token."""
        return FixedTokenCredential(self.access_token)

    def bot_credentials_factory(self, app_id: str) -> FixedTokenBotCredentialsFactory:
        """Outbound Bot Connector credentials that send this double's access token."""
        return FixedTokenBotCredentialsFactory(app_id, self.access_token)

    def published_keys(self) -> list[SigningKey]:
        return [k for k in (self.teams_key, self.other_key, self.rogue_key) if k.published]

    # -- minting ---------------------------------------------------------------------

    def mint(
        self,
        app_id: str,
        service_url: str,
        *,
        issuer: str | None = None,
        audience: str | None = None,
        expires_in: float = 3600.0,
        not_before: datetime | None = None,
        issued_at: datetime | None = None,
        kid: str | None = None,
        key: SigningKey | None = None,
        extra_claims: Mapping[str, Any] | None = None,
    ) -> str:
        """An RS256 token shaped like the ones the Bot Connector sends to a bot.

        Claims: ``serviceurl``, ``nbf``, ``exp``, ``iat``, ``iss``, ``aud`` (= app id);
        header ``kid``. No ``ver``/``appid`` claims: those would make the SDK treat the
        token as a skill or emulator token. ``extra_claims`` win over the defaults
        (set a claim to ``None`` to drop it).
        """
        signing = key or self.teams_key
        now = datetime.now(UTC)
        iat = issued_at or now
        claims: dict[str, Any] = {
            "serviceurl": service_url,
            "nbf": int((not_before or iat - timedelta(minutes=5)).timestamp()),
            "exp": int((iat + timedelta(seconds=expires_in)).timestamp()),
            "iat": int(iat.timestamp()),
            "iss": issuer or self.issuer,
            "aud": audience or app_id,
        }
        for name, value in (extra_claims or {}).items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        headers = {"kid": kid or signing.kid, "x5t": signing.jwk()["x5t"], "typ": "JWT"}
        return jwt.encode(claims, signing.private_key, algorithm="RS256", headers=headers)

    def mint_bad(self, kind: BadToken, app_id: str, service_url: str) -> str:
        """A token that fails exactly one of the checks the SDK makes."""
        match kind:
            case BadToken.WRONG_SIGNATURE:
                return self.mint(app_id, service_url, key=self.rogue_key, kid=self.teams_key.kid)
            case BadToken.UNKNOWN_KID:
                return self.mint(app_id, service_url, kid=f"unknown-{secrets.token_hex(4)}")
            case BadToken.WRONG_ISSUER:
                return self.mint(app_id, service_url, issuer="https://issuer.invalid.example")
            case BadToken.WRONG_AUDIENCE:
                return self.mint(
                    app_id, service_url, audience="00000000-0000-0000-0000-0000000000ff"
                )
            case BadToken.EXPIRED:
                # The SDK allows 5 minutes of clock skew; be well past it.
                past = datetime.now(UTC) - timedelta(hours=2)
                return self.mint(app_id, service_url, issued_at=past, expires_in=3600)
            case BadToken.NOT_YET_VALID:
                future = datetime.now(UTC) + timedelta(hours=1)
                return self.mint(app_id, service_url, issued_at=future, not_before=future)
            case BadToken.SERVICE_URL_MISMATCH:
                return self.mint(app_id, "https://smba.trafficmanager.net/other/")
            case BadToken.NOT_ENDORSED:
                return self.mint(app_id, service_url, key=self.other_key)
        raise ValueError(kind)

    def auth_header(self, app_id: str, service_url: str) -> str:
        return f"Bearer {self.mint(app_id, service_url)}"

    # -- server ------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(METADATA_PATH, self._metadata)
        app.router.add_get(KEYS_PATH, self._keys)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)

    def on_started(self) -> None:
        forget_sdk_metadata(self.metadata_url)

    def on_stopped(self) -> None:
        forget_sdk_metadata(self.metadata_url)

    def _record(self, request: web.Request, operation: str, body: Any) -> None:
        call = self.calls.record(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=body,
            operation=operation,
            target=None,
        )
        self.calls.complete(call, 200, None)

    async def _metadata(self, request: web.Request) -> web.Response:
        self._record(request, "openid_metadata", None)
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": self.keys_url,
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self._record(request, "jwks", None)
        return web.json_response({"keys": [k.jwk() for k in self.published_keys()]})

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        form.pop("client_secret", None)  # recorded without the secret
        with self._lock:
            self.token_requests.append({"tenant": request.match_info["tenant"], **form})
        call = self.calls.record(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={},
            body=form,
            operation="token",
            target=request.match_info["tenant"],
        )
        if form.get("grant_type") != "client_credentials":
            error = {
                "error": "unsupported_grant_type",
                "error_description": "AADSTS70003: only client_credentials is supported here",
            }
            self.calls.complete(call, 400, error)
            return web.json_response(error, status=400)
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": self.access_token,
        }
        self.calls.complete(call, 200, body)
        return web.json_response(body)


def forget_sdk_metadata(urls: str | Iterable[str]) -> None:
    """Drop cached OpenID metadata for ``urls`` from botframework's class-level cache.

    ``JwtTokenExtractor.metadataCache`` maps a metadata URL to its keys for a day. A new
    double that happens to get the port of a stopped one would otherwise be judged by
    the old keys. Does nothing if botframework was never imported.
    """
    module = sys.modules.get("botframework.connector.auth.jwt_token_extractor")
    if module is None:
        return
    cache = getattr(getattr(module, "JwtTokenExtractor", None), "metadataCache", None)
    if not isinstance(cache, dict):
        return
    for url in [urls] if isinstance(urls, str) else urls:
        cache.pop(url, None)
