"""Who may use the HR onboarding API: Microsoft Entra ID bearer tokens, or a local API key.

Fails closed. Production (the bot has an app id): a bearer token signed RS256 by one of the
tenant's keys (OpenID metadata → `jwks_uri`), from the tenant's v1 or v2 issuer, for our
API's audience, within its lifetime, and carrying the app role `Onboarding.Manage` or
membership of the configured HR group. Local mode (no app id): the API key from the
settings in `X-Api-Key` (or `Authorization: ApiKey …`); without a configured key the API
is closed. Nothing is ever accepted unauthenticated.

Outcomes are `AuthError`s with the HTTP status to answer: 401 (with a `WWW-Authenticate`
challenge) for missing, malformed, badly signed, expired, wrong-audience or wrong-issuer
credentials; 403 for a valid token without the role or group; 503 when the API is not
configured or the signing keys cannot be fetched.

Limits: group membership is read from the `groups` claim only; a user in so many groups
that Entra leaves them out of the token ("groups overage") is refused with a hint to use
the app role. ID tokens issued for the API's own app registration look like access tokens
to this check (same audience and issuer); HR front ends should sign in with their own app
registration.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt

from bot.clock import system_seconds
from bot.ids import is_guid

log = logging.getLogger(__name__)

HR_APP_ROLE = "Onboarding.Manage"
ENTRA_METADATA_URL = (
    "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
)
API_KEY_HEADER = "X-Api-Key"
ALGORITHM = "RS256"  # Entra ID signs access tokens with RS256 only
MAX_DOCUMENT_BYTES = 1024 * 1024  # metadata and key sets are a few KB
MIN_API_KEY_LENGTH = 16
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_BEARER_CHALLENGE = 'Bearer realm="onboarding"'
_API_KEY_CHALLENGE = 'ApiKey realm="onboarding"'


@dataclass(frozen=True)
class Principal:
    """An authenticated and authorised caller."""

    subject: str  # Entra object id (`oid`) of the user or app, or "api-key"
    method: str  # "app-role" | "group" | "api-key"


class AuthError(Exception):
    """Refusal with the HTTP status and the challenge header to send."""

    def __init__(self, status: int, message: str, challenge: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.challenge = challenge

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.challenge} if self.challenge else {}


def _unauthorized(message: str, *, error: str | None = "invalid_token") -> AuthError:
    # RFC 6750 §3: no error code when the request had no credentials at all.
    challenge = _BEARER_CHALLENGE
    if error:
        challenge += f', error="{error}", error_description="{message}"'
    return AuthError(401, message, challenge)


def _checked_url(url: str, what: str) -> str:
    """https, or plain http to a loopback host (test doubles)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return url
    raise ValueError(f"{what} must be an https URL (plain http only on loopback), got {url!r}")


def _audiences(values: Sequence[str]) -> tuple[str, ...]:
    """v2 tokens carry the app id as `aud`, v1 tokens the App ID URI (`api://<app id>`)."""
    result: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        forms = [value]
        if "://" not in value:
            forms.append(f"api://{value}")
        elif value.startswith("api://") and "/" not in value[len("api://") :]:
            forms.append(value[len("api://") :])
        result.extend(form for form in forms if form not in result)
    return tuple(result)


class _SigningKeys:
    """The tenant's signing keys, cached for `ttl` seconds.

    An unknown key id triggers one refetch (key rollover), but at most once per
    `min_refresh` seconds so that tokens with made-up key ids cannot make us hammer the
    key endpoint. When a refresh fails, keys already known stay in use.
    """

    def __init__(
        self,
        metadata_url: str,
        *,
        ttl: float,
        min_refresh: float,
        timeout: float,
        clock: Callable[[], float],
    ) -> None:
        self._metadata_url = metadata_url
        self._ttl = ttl
        self._min_refresh = min_refresh
        self._timeout = timeout
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self.fetches = 0  # successful fetches of the key set (for tests and diagnostics)

    def _fresh(self, now: float) -> bool:
        return self._fetched_at is not None and now - self._fetched_at < self._ttl

    def _may_retry(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._min_refresh

    async def get(self, kid: str) -> jwt.PyJWK | None:
        """The key with this id, or None. Raises AuthError(503) when no key set is at hand."""
        if self._fresh(self._clock()) and kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            now = self._clock()
            stale = not self._fresh(now)
            if (stale or kid not in self._keys) and self._may_retry(now):
                await self._refresh(now)
            if not self._keys:
                raise AuthError(503, "the signing keys of the identity provider are unavailable")
            return self._keys.get(kid)

    async def _refresh(self, now: float) -> None:
        self._attempted_at = now
        try:
            keys = await self._fetch()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.warning(
                "could not fetch the HR API signing keys (%s: %s); %d cached keys stay in use",
                type(error).__name__,
                error,
                len(self._keys),
            )
            return
        self._keys = keys
        self._fetched_at = now
        self.fetches += 1

    async def _get_json(self, url: str) -> Any:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        async with self._session.get(url, allow_redirects=False) as response:
            if response.status != 200:
                raise ValueError(f"{url} answered HTTP {response.status}")
            body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
            if len(body) > MAX_DOCUMENT_BYTES:
                raise ValueError(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
            return json.loads(body)

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        metadata = await self._get_json(self._metadata_url)
        jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
        if not isinstance(jwks_uri, str):
            raise ValueError("the OpenID metadata has no jwks_uri")
        document = await self._get_json(_checked_url(jwks_uri, "jwks_uri"))
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise ValueError("the key set has no keys")
        keys: dict[str, jwt.PyJWK] = {}
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
                continue
            if entry.get("alg", ALGORITHM) != ALGORITHM:
                continue
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry, algorithm=ALGORITHM)
            except jwt.PyJWTError:
                continue
        if not keys:
            raise ValueError("the key set has no usable RSA signing keys")
        return keys

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class HrAuthenticator:
    """Authenticates and authorises every request to the HR onboarding API.

    `local_mode` True: only `api_key` is accepted (empty: the API is closed, 503).
    `local_mode` False: only Entra ID bearer tokens of `tenant_id` for one of `audiences`
    (the API's app id; its `api://` App ID URI form is accepted too) with the app role
    `app_role` in `roles`, or `hr_group_id` in `groups`. Without a tenant id or an
    audience the API is closed (503). `metadata_url` defaults to the tenant's v2 OpenID
    metadata; tests point it at a loopback server. Call `close()` on shutdown.
    """

    def __init__(
        self,
        *,
        local_mode: bool,
        api_key: str = "",
        tenant_id: str = "",
        audiences: Sequence[str] = (),
        hr_group_id: str = "",
        metadata_url: str = "",
        app_role: str = HR_APP_ROLE,
        key_cache_seconds: float = 3600.0,
        min_refresh_seconds: float = 10.0,
        leeway_seconds: float = 60.0,
        timeout_seconds: float = 10.0,
        clock: Callable[[], float] = system_seconds,
    ) -> None:
        if api_key and len(api_key) < MIN_API_KEY_LENGTH:
            raise ValueError(f"the HR API key must be at least {MIN_API_KEY_LENGTH} characters")
        self.local_mode = local_mode
        self._api_key = api_key.encode("utf-8")
        self._tenant_id = tenant_id.strip().lower()
        if self._tenant_id and not is_guid(self._tenant_id):
            # Token issuers name the tenant by its id, never by a domain name.
            raise ValueError(
                f"the HR API tenant must be a directory (tenant) id, got {tenant_id!r}"
            )
        self._audiences = _audiences(audiences)
        self._hr_group_id = hr_group_id.strip().lower()
        self._app_role = app_role
        self._leeway = leeway_seconds
        self._clock = clock
        self._issuers = (
            f"https://sts.windows.net/{self._tenant_id}/",
            f"https://login.microsoftonline.com/{self._tenant_id}/v2.0",
        )
        self._keys: _SigningKeys | None = None
        if not local_mode and self._tenant_id and self._audiences:
            url = metadata_url or ENTRA_METADATA_URL.format(tenant=self._tenant_id)
            self._keys = _SigningKeys(
                _checked_url(url, "the OpenID metadata URL"),
                ttl=key_cache_seconds,
                min_refresh=min_refresh_seconds,
                timeout=timeout_seconds,
                clock=clock,
            )

    @property
    def closed_reason(self) -> str | None:
        """Why every request is refused (a configuration gap), or None when the API is open."""
        if self.local_mode:
            if not self._api_key:
                return "the HR API is closed: no API key is configured (local mode)"
            return None
        if self._keys is None:
            return "the HR API is closed: no Entra ID tenant id or API audience is configured"
        return None

    @property
    def key_fetches(self) -> int:
        return self._keys.fetches if self._keys is not None else 0

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """The caller, or AuthError with the status to answer."""
        reason = self.closed_reason
        if reason is not None:
            raise AuthError(503, reason)
        authorization = headers.get("Authorization", "").strip()
        scheme, _, credentials = authorization.partition(" ")
        if self.local_mode:
            return self._check_api_key(headers.get(API_KEY_HEADER, ""), scheme, credentials)
        if not authorization:
            raise _unauthorized("a bearer token is required", error=None)
        if scheme.lower() != "bearer" or not credentials.strip():
            raise _unauthorized("the Authorization header must be 'Bearer <token>'")
        claims = await self._validate(credentials.strip())
        return self._authorise(claims)

    def _check_api_key(self, header_key: str, scheme: str, credentials: str) -> Principal:
        given = header_key.strip()
        if not given and scheme.lower() == "apikey":
            given = credentials.strip()
        if not given:
            raise AuthError(
                401, f"an API key is required in the {API_KEY_HEADER} header", _API_KEY_CHALLENGE
            )
        if not hmac.compare_digest(given.encode("utf-8"), self._api_key):
            raise AuthError(401, "the API key is not valid", _API_KEY_CHALLENGE)
        return Principal("api-key", "api-key")

    async def _validate(self, token: str) -> dict[str, Any]:
        assert self._keys is not None  # closed_reason checked it
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _unauthorized("the token is not a well-formed JWT") from None
        if header.get("alg") != ALGORITHM:
            raise _unauthorized(f"the token must be signed with {ALGORITHM}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _unauthorized("the token has no key id")
        key = await self._keys.get(kid)
        if key is None:
            raise _unauthorized("the token is signed with an unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=self._audiences,
                issuer=self._issuers,
                # Lifetime is checked below against our own clock.
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["exp", "iss", "aud"],
                },
            )
        except jwt.InvalidSignatureError:
            raise _unauthorized("the token signature is not valid") from None
        except jwt.InvalidAudienceError:
            raise _unauthorized("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise _unauthorized("the token is from another issuer or tenant") from None
        except jwt.MissingRequiredClaimError as error:
            raise _unauthorized(f"the token has no {error.claim} claim") from None
        except jwt.PyJWTError:
            raise _unauthorized("the token is not valid") from None
        self._check_lifetime(claims)
        tid = claims.get("tid")
        if tid is not None and (not isinstance(tid, str) or tid.lower() != self._tenant_id):
            raise _unauthorized("the token is from another tenant")
        return claims

    def _check_lifetime(self, claims: Mapping[str, Any]) -> None:
        now = self._clock()
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise _unauthorized("the token has no valid exp claim")
        if now > exp + self._leeway:
            raise _unauthorized("the token has expired")
        nbf = claims.get("nbf")
        if nbf is not None:
            if not isinstance(nbf, int | float) or isinstance(nbf, bool):
                raise _unauthorized("the token has an invalid nbf claim")
            if now + self._leeway < nbf:
                raise _unauthorized("the token is not valid yet")

    def _authorise(self, claims: Mapping[str, Any]) -> Principal:
        subject = claims.get("oid") or claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise _unauthorized("the token has no oid or sub claim")
        roles = claims.get("roles")
        if isinstance(roles, list) and self._app_role in roles:
            return Principal(subject, "app-role")
        groups = claims.get("groups")
        member_of = (
            {g.lower() for g in groups if isinstance(g, str)} if isinstance(groups, list) else set()
        )
        if self._hr_group_id and self._hr_group_id in member_of:
            return Principal(subject, "group")
        if self._hr_group_id:
            message = f"the token has neither the app role {self._app_role} nor the HR group"
        else:
            message = f"the token lacks the app role {self._app_role}"
        names = claims.get("_claim_names")
        if self._hr_group_id and isinstance(names, dict) and "groups" in names:
            message += " (the groups are not in the token: assign the app role instead)"
        raise AuthError(403, message, f'{_BEARER_CHALLENGE}, error="insufficient_scope"')

    async def close(self) -> None:
        if self._keys is not None:
            await self._keys.close()
