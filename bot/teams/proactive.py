"""Proactive sends to the Bot Connector over our own aiohttp client.

The SDK's connector client retries connection errors by itself (urllib3) and hides
`Retry-After`; for a pipeline that must neither lose nor double a message we need every
status and header, and no hidden retries. Authentication still comes from the SDK's
credentials, so real deployments use the same app identity as replies do.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import AuthenticationConstants, ServiceClientCredentialsFactory

from bot.chat.model import Reply
from bot.retry import parse_retry_after
from bot.settings import Settings
from bot.store.model import ConversationRef
from bot.teams.adapter import sdk_config
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
    """Outbound Bot Connector tokens from the SDK's credentials (MSAL caches and refreshes)."""

    def __init__(self, settings: Settings, factory: ServiceClientCredentialsFactory | None) -> None:
        self.settings = settings
        self.factory = factory or ConfigurationServiceClientCredentialFactory(sdk_config(settings))

    async def token(self) -> str | None:
        if self.settings.local_mode:
            return None
        tenant = self.settings.app_tenant_id or AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT
        login = self.settings.login_url or (
            AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX + tenant
        )
        scope = self.settings.oauth_scope or AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        credentials = await self.factory.create_credentials(
            self.settings.app_id, scope, login, True
        )
        # MSAL is blocking; its in-memory cache makes repeat calls cheap.
        token: str | None = await asyncio.to_thread(credentials.get_access_token)
        return token


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
        url = (
            f"{ref.service_url.rstrip('/')}/v3/conversations/"
            f"{quote(ref.conversation_id, safe='')}/activities"
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
