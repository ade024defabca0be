"""Proactive sends to the Bot Connector over our own aiohttp client.

The SDK's connector client retries connection errors by itself (urllib3) and hides
`Retry-After`; for a pipeline that must neither lose nor double a message we need every
status and header, and no hidden retries. Authentication still comes from the SDK's
credentials, so real deployments use the same app identity as replies do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import AuthenticationConstants, ServiceClientCredentialsFactory

from bot.chat.model import Reply
from bot.chat.roster import TeamMember
from bot.records import ConversationRef
from bot.retry import parse_retry_after
from bot.settings import Settings
from bot.teams.adapter import sdk_config
from bot.teams.convert import personal_reference
from jobs.ports import SendResult

log = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def reply_to_activities(reply: Reply) -> list[dict[str, Any]]:
    """A reply as Bot Framework activity JSON (text as plain text, cards as attachments)."""
    activities: list[dict[str, Any]] = []
    if reply.text is not None:
        activities.append({"type": "message", "text": reply.text, "textFormat": "plain"})
    if reply.card is not None:
        activities.append(
            {
                "type": "message",
                "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": reply.card}],
            }
        )
    for extra in reply.extra:
        activities.extend(reply_to_activities(extra))
    return activities


class TokenSource:
    """Outbound Bot Connector tokens from the SDK's credentials.

    The credentials are made once: each `create_credentials` call returns a new MSAL
    application with an empty cache, so asking for new credentials per send meant a token
    request to Entra ID per message. MSAL keeps the token fresh (it renews well before expiry);
    the token it gave is reused for `reuse_seconds`, which saves a thread hop per send.
    """

    def __init__(
        self,
        settings: Settings,
        factory: ServiceClientCredentialsFactory | None,
        *,
        reuse_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.factory = factory or ConfigurationServiceClientCredentialFactory(sdk_config(settings))
        self.reuse_seconds = reuse_seconds
        self.clock = clock
        self._credentials: Any = None
        self._token: str | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> str | None:
        if self._token is not None and self.clock() - self._fetched_at < self.reuse_seconds:
            return self._token
        return None

    async def token(self) -> str | None:
        if self.settings.local_mode:
            return None
        cached = self._fresh()
        if cached is not None:
            return cached
        async with self._lock:  # one MSAL call at a time, not one per waiting send
            cached = self._fresh()
            if cached is not None:
                return cached
            if self._credentials is None:
                tenant = (
                    self.settings.app_tenant_id
                    or AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT
                )
                login = self.settings.login_url or (
                    AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX + tenant
                )
                scope = (
                    self.settings.oauth_scope
                    or AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
                )
                self._credentials = await self.factory.create_credentials(
                    self.settings.app_id, scope, login, True
                )
            # MSAL is blocking (a network call when its cache is empty or the token is due).
            token: str | None = await asyncio.to_thread(self._credentials.get_access_token)
            self._token, self._fetched_at = token, self.clock()
            return token

    def forget(self) -> None:
        """The connector refused the token: ask MSAL again on the next send."""
        self._token = None


class ConnectorSender:
    """Implements jobs.ports.ProactivePort against the Bot Connector REST API."""

    def __init__(self, tokens: TokenSource, timeout_seconds: float = 15.0) -> None:
        self.tokens = tokens
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _session_or_new(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def send(self, ref: ConversationRef, reply: Reply) -> SendResult:
        if urlsplit(ref.service_url).scheme not in ("http", "https"):
            return SendResult(status=None, request_sent=False)
        # A person's alias reference (person:<id>) carries the real conversation id.
        conversation = (
            ref.reference.get("conversation") if isinstance(ref.reference, dict) else None
        )
        conversation_id = (
            conversation.get("id") if isinstance(conversation, dict) else None
        ) or ref.conversation_id
        url = (
            f"{ref.service_url.rstrip('/')}/v3/conversations/"
            f"{quote(str(conversation_id), safe='')}/activities"
        )
        try:
            token = await self.tokens.token()
        except Exception:  # no token, nothing sent: safe to retry later
            log.warning("could not get a Bot Connector token")
            return SendResult(status=None, request_sent=False)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        result = SendResult(status=200)
        for activity in reply_to_activities(reply):
            result = await self._post(url, activity, headers)
            if not result.ok:
                if result.status == 401:
                    self.tokens.forget()
                return result
        return result

    async def _post(
        self, url: str, activity: dict[str, Any], headers: dict[str, str]
    ) -> SendResult:
        session = self._session_or_new()
        try:
            async with session.post(url, json=activity, headers=headers) as response:
                await response.read()
                return SendResult(
                    status=response.status,
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
        except aiohttp.ClientConnectorError:
            return SendResult(status=None, request_sent=False)
        except (TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError):
            return SendResult(status=None, timed_out=True)
        except aiohttp.ClientError:
            return SendResult(status=None, timed_out=True)

    async def create_personal(
        self, service_url: str, tenant_id: str | None, user_id: str
    ) -> tuple[str | None, SendResult]:
        """Open (or find) the 1:1 chat between the bot and a user: POST /v3/conversations.
        `user_id` may be the Teams id (29:...) or the Entra object id."""
        if urlsplit(service_url).scheme not in ("http", "https"):
            return None, SendResult(status=None, request_sent=False)
        try:
            token = await self.tokens.token()
        except Exception:
            return None, SendResult(status=None, request_sent=False)
        body: dict[str, Any] = {
            "isGroup": False,
            "bot": {"id": f"28:{self.tokens.settings.app_id}"},
            "members": [{"id": user_id}],
        }
        if tenant_id:
            body["tenantId"] = tenant_id
            body["channelData"] = {"tenant": {"id": tenant_id}}
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        session = self._session_or_new()
        try:
            async with session.post(
                f"{service_url.rstrip('/')}/v3/conversations", json=body, headers=headers
            ) as response:
                payload = await response.json(content_type=None) if response.status < 300 else {}
                result = SendResult(
                    status=response.status,
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
        except aiohttp.ClientConnectorError:
            return None, SendResult(status=None, request_sent=False)
        except (TimeoutError, aiohttp.ClientError, ValueError):
            return None, SendResult(status=None, timed_out=True)
        conversation_id = payload.get("id") if isinstance(payload, dict) else None
        if result.ok and not isinstance(conversation_id, str):
            return None, SendResult(status=502)
        return conversation_id, result

    def personal_reference(
        self, recipient: str, conversation_id: str, service_url: str, tenant_id: str | None
    ) -> ConversationRef:
        return personal_reference(recipient, conversation_id, service_url, tenant_id)

    async def members(self, team: ConversationRef) -> list[TeamMember]:
        """Everyone in the team (GET pagedmembers, following continuation tokens)."""
        members: list[TeamMember] = []
        try:
            token = await self.tokens.token()
        except Exception:
            return []
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        base = (
            f"{team.service_url.rstrip('/')}/v3/conversations/"
            f"{quote(team.team_id or team.conversation_id, safe='')}/pagedmembers"
        )
        continuation: str | None = None
        session = self._session_or_new()
        for _ in range(200):  # at most 200 pages of 500: a very large team
            params = {"pageSize": "500"}
            if continuation:
                params["continuationToken"] = continuation
            try:
                async with session.get(base, params=params, headers=headers) as response:
                    if response.status >= 300:
                        return members
                    page = await response.json(content_type=None)
            except (TimeoutError, aiohttp.ClientError, ValueError):
                return members
            for raw in page.get("members") or [] if isinstance(page, dict) else []:
                if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                    members.append(
                        TeamMember(
                            teams_id=raw["id"],
                            aad_object_id=raw.get("aadObjectId"),
                            name=str(raw.get("name") or ""),
                            upn=raw.get("userPrincipalName"),
                        )
                    )
            continuation = page.get("continuationToken") if isinstance(page, dict) else None
            if not continuation:
                break
        return members
