"""A loopback stand-in for Microsoft Entra ID's token signing: OpenID metadata and a JWKS
at the tenant's paths, and a minter of access tokens with Entra's claims.

The IdentityDouble in tests/doubles signs Bot Framework tokens (other issuer, claims and
paths); the HR API needs Entra ID access tokens (`tid`, `oid`, `roles`, `groups`, v1/v2
issuers), so this small one lives next to the tests that use it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.http.hr_auth import HR_APP_ROLE
from tests.doubles import LoopbackServer

TENANT = "7f3c1a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b"
OTHER_TENANT = "0a0b0c0d-1e1f-4a4b-8c8d-9e9f0a0b0c0d"
API_APP_ID = "c0ffee00-1234-4abc-8def-0123456789ab"
HR_GROUP_ID = "4d5e6f70-8192-4a3b-9c4d-5e6f70819203"
HR_USER_OID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
V1_ISSUER = f"https://sts.windows.net/{TENANT}/"
V2_ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class RsaKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> RsaKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"entra-{uuid.uuid4().hex[:8]}", key)

    def jwk(self) -> dict[str, Any]:
        """As Entra ID publishes keys: kty, use, kid, x5t, n, e (no alg)."""
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
        }

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class EntraDouble:
    """OpenID metadata and keys of TENANT on 127.0.0.1 (own thread), and token minting.

    `published` is the key set served; `down` makes both documents answer 503.
    `metadata_hits` and `keys_hits` count fetches.
    """

    def __init__(self) -> None:
        self.key = RsaKey.generate()
        self.rogue_key = RsaKey.generate(self.key.kid)  # same kid, never published
        self.published: list[RsaKey] = [self.key]
        self.down = False
        self.metadata_hits = 0
        self.keys_hits = 0
        self._lock = threading.Lock()
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/{tenant}/discovery/v2.0/keys", self._keys)
        self.server = LoopbackServer(app, name="entra")

    def start(self) -> EntraDouble:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def reset(self) -> None:
        self.published = [self.key]
        self.down = False
        with self._lock:
            self.metadata_hits = 0
            self.keys_hits = 0

    @property
    def metadata_url(self) -> str:
        return f"{self.server.url}/{TENANT}/v2.0/.well-known/openid-configuration"

    async def _metadata(self, request: web.Request) -> web.Response:
        with self._lock:
            self.metadata_hits += 1
        if self.down:
            return web.json_response({"error": "temporarily_unavailable"}, status=503)
        tenant = request.match_info["tenant"]
        return web.json_response(
            {
                "issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
                "jwks_uri": f"{self.server.url}/{tenant}/discovery/v2.0/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        with self._lock:
            self.keys_hits += 1
        if self.down:
            return web.json_response({"error": "temporarily_unavailable"}, status=503)
        return web.json_response({"keys": [key.jwk() for key in self.published]})

    # -- tokens --------------------------------------------------------------------------

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """A v2 access token of an HR user with the app role; None drops a claim."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": API_APP_ID,
            "iss": V2_ISSUER,
            "tid": TENANT,
            "oid": HR_USER_OID,
            "sub": "hr-user-subject",
            "azp": "hr-portal-client",
            "roles": [HR_APP_ROLE],
            "scp": "access_as_user",
            "ver": "2.0",
            "iat": now,
            "nbf": now - 60,
            "exp": now + 3600,
        }
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def mint(
        self,
        *,
        key: RsaKey | None = None,
        kid: str | None = None,
        headers: Mapping[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        signing = key or self.key
        header = {"kid": kid or signing.kid, "typ": "JWT", **(headers or {})}
        return jwt.encode(
            self.claims(**claims), signing.private_key, algorithm="RS256", headers=header
        )

    def bearer(self, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(**claims)}"}

    def unsigned(self, **claims: Any) -> str:
        """alg "none": no signature at all."""
        header = {"alg": "none", "typ": "JWT", "kid": self.key.kid}
        return ".".join(
            [
                _b64url(json.dumps(header).encode()),
                _b64url(json.dumps(self.claims(**claims)).encode()),
                "",
            ]
        )

    def hs256_with_public_key(self, **claims: Any) -> str:
        """The algorithm-confusion attack: HMAC keyed with the published RSA public key."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.key.kid}
        signing_input = ".".join(
            [
                _b64url(json.dumps(header).encode()),
                _b64url(json.dumps(self.claims(**claims)).encode()),
            ]
        )
        mac = hmac.new(self.key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64url(mac)}"
