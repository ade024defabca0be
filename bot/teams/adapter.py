"""CloudAdapter and Bot Framework authentication built from our Settings."""

from __future__ import annotations

from dataclasses import dataclass

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.settings import Settings
from bot.teams.handler import on_turn_error


@dataclass(frozen=True)
class _SdkConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str | None
    APP_PASSWORD: str | None
    APP_TENANTID: str | None
    APP_TYPE: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None


def sdk_config(settings: Settings) -> _SdkConfig:
    """Our settings under the attribute names the SDK reads."""
    return _SdkConfig(
        APP_ID=settings.app_id or None,
        APP_PASSWORD=settings.app_password or None,
        APP_TENANTID=settings.app_tenant_id or None,
        APP_TYPE=settings.app_type,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.openid_metadata_url or None,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=settings.token_issuer or None,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=settings.login_url or None,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=settings.oauth_scope or None,
    )


def build_adapter(
    settings: Settings, credentials_factory: ServiceClientCredentialsFactory | None = None
) -> CloudAdapter:
    auth = ConfigurationBotFrameworkAuthentication(
        sdk_config(settings), credentials_factory=credentials_factory
    )
    adapter = CloudAdapter(auth)
    adapter.on_turn_error = on_turn_error
    return adapter
