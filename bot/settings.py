"""Settings: read once from the environment, typed, frozen, validated at start.

Nothing else in the code base reads environment variables. A bad value stops start-up
with a message that names the variable.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import Language, to_language

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")

BUNDLED_CONTENT_DIR = Path(__file__).resolve().parent.parent / "config" / "content"
GRAPH_AUTH_KINDS = ("none", "secret", "certificate", "managed_identity")  # GRAPH_AUTH


_GRAPH_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})

# What each way of signing in needs, with the environment variable that carries it.
_GRAPH_REQUIRED: dict[str, tuple[tuple[str, str], ...]] = {
    "none": (),
    "secret": (
        ("tenant_id", "GRAPH_TENANT_ID"),
        ("client_id", "GRAPH_CLIENT_ID"),
        ("client_secret", "GRAPH_CLIENT_SECRET"),
    ),
    "certificate": (
        ("tenant_id", "GRAPH_TENANT_ID"),
        ("client_id", "GRAPH_CLIENT_ID"),
        ("certificate_path", "GRAPH_CERTIFICATE_PATH"),
    ),
    # client_id is optional: without it the system-assigned identity is used.
    "managed_identity": (),
}


@dataclass(frozen=True)
class GraphConfig:
    """The Microsoft Graph part of the settings, as plain values for bot/graph (an edge
    imports it from here; settings never import an edge)."""

    auth: str  # "none" | "secret" | "certificate" | "managed_identity"
    tenant_id: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    certificate_path: str = ""
    base_url: str = "https://graph.microsoft.com/v1.0"
    max_concurrency: int = 4
    requests_per_second: float = 8.0

    @property
    def enabled(self) -> bool:
        return self.auth != "none"

    def validate(self) -> None:
        """Raise ValueError naming what is missing or wrong (never the secret itself)."""
        if self.auth not in _GRAPH_REQUIRED:
            raise ValueError(
                f"GRAPH_AUTH must be one of {', '.join(GRAPH_AUTH_KINDS)}: {self.auth!r}"
            )
        missing = [
            f"{name} ({env})" for name, env in _GRAPH_REQUIRED[self.auth] if not getattr(self, name)
        ]
        if missing:
            raise ValueError(f"GRAPH_AUTH={self.auth} needs {', '.join(missing)}")
        url = urlsplit(self.base_url)
        local = url.hostname in _GRAPH_LOOPBACK
        if not url.hostname or not (url.scheme == "https" or (url.scheme == "http" and local)):
            raise ValueError(
                "base_url (GRAPH_BASE_URL) must be an https URL (plain http only on "
                f"localhost): {self.base_url!r}"
            )
        if url.username or url.password or url.query or url.fragment:
            raise ValueError(
                "base_url (GRAPH_BASE_URL) must not carry credentials, a query or a fragment"
            )
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1: {self.max_concurrency}")
        if not self.requests_per_second > 0:
            raise ValueError(f"requests_per_second must be positive: {self.requests_per_second}")


class SettingsError(ValueError):
    """A setting has a value the bot cannot start with."""


@dataclass(frozen=True)
class Settings:
    """Every setting of the bot. See README.md, section "Settings"."""

    host: str = "127.0.0.1"
    port: int = 3978
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_tenant_id: str = ""
    app_type: str = "MultiTenant"
    content_dir: Path = BUNDLED_CONTENT_DIR
    data_dir: Path = Path("data")
    default_language: Language = "fi"
    log_level: str = "INFO"
    max_body_bytes: int = 256 * 1024
    # Bot Framework endpoint overrides; empty means the SDK's public defaults.
    openid_metadata_url: str = ""
    token_issuer: str = ""
    login_url: str = ""
    oauth_scope: str = ""
    # Storage and scheduled cards.
    database_url: str = ""  # empty: SQLite file in data_dir
    timezone: str = "Europe/Helsinki"
    tips_time: time = time(9, 0)
    nudges_weekday: int = 0  # Monday
    nudges_time: time = time(9, 30)
    send_rate: float = 25.0  # proactive sends per second per tenant (Teams allows ~30)
    scheduler: bool = True
    # Virtual coffee rounds and Microsoft Graph (calendar booking).
    coffee_weekday: int = 0  # Monday
    coffee_time: time = time(8, 0)
    graph_auth: str = "none"  # none | secret | certificate | managed_identity
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: str = field(default="", repr=False)
    graph_certificate_path: str = ""
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    # HR onboarding API and chat command.
    hr_api_key: str = field(default="", repr=False)
    hr_api_tenant_id: str = ""
    hr_api_audiences: tuple[str, ...] = ()
    hr_group_id: str = ""
    hr_api_openid_metadata_url: str = ""
    hr_user_ids: frozenset[str] = frozenset()  # who may use the HR chat command
    onboarding_retention_days: int = 90
    service_url: str = "https://smba.trafficmanager.net/teams/"  # to open 1:1 chats
    qa_semantic: bool = True  # embeddings beside the lexical index (off: lexical only)

    @property
    def local_mode(self) -> bool:
        """No app credentials: anonymous requests are accepted, so only loopback may listen."""
        return not self.app_id

    @property
    def database(self) -> str:
        """The SQLAlchemy URL of the database (SQLite under data_dir unless DATABASE_URL)."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'yhteisobotti.db').resolve()}"


_ENV_NAMES = {
    "host": "BOT_HOST",
    "port": "BOT_PORT",
    "app_id": "APP_ID",
    "app_password": "APP_PASSWORD",
    "app_tenant_id": "APP_TENANTID",
    "app_type": "APP_TYPE",
    "content_dir": "CONTENT_DIR",
    "data_dir": "DATA_DIR",
    "default_language": "DEFAULT_LANGUAGE",
    "log_level": "LOG_LEVEL",
    "max_body_bytes": "MAX_BODY_BYTES",
    "openid_metadata_url": "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL",
    "token_issuer": "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER",
    "login_url": "TO_CHANNEL_FROM_BOT_LOGIN_URL",
    "oauth_scope": "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE",
    "database_url": "DATABASE_URL",
    "timezone": "TIMEZONE",
    "tips_time": "TIPS_TIME",
    "nudges_weekday": "NUDGES_WEEKDAY",
    "nudges_time": "NUDGES_TIME",
    "send_rate": "SEND_RATE_PER_SECOND",
    "scheduler": "SCHEDULER",
    "coffee_weekday": "COFFEE_WEEKDAY",
    "coffee_time": "COFFEE_TIME",
    "graph_auth": "GRAPH_AUTH",
    "graph_tenant_id": "GRAPH_TENANT_ID",
    "graph_client_id": "GRAPH_CLIENT_ID",
    "graph_client_secret": "GRAPH_CLIENT_SECRET",
    "graph_certificate_path": "GRAPH_CERTIFICATE_PATH",
    "graph_base_url": "GRAPH_BASE_URL",
    "hr_api_key": "HR_API_KEY",
    "hr_api_tenant_id": "HR_API_TENANT_ID",
    "hr_api_audiences": "HR_API_AUDIENCE",
    "hr_group_id": "HR_GROUP_ID",
    "hr_api_openid_metadata_url": "HR_API_OPENID_METADATA_URL",
    "hr_user_ids": "HR_USER_IDS",
    "onboarding_retention_days": "ONBOARDING_RETENTION_DAYS",
    "service_url": "BOT_SERVICE_URL",
    "qa_semantic": "QA_SEMANTIC",
}
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4}


def env_name(attribute: str) -> str:
    """The environment variable behind a settings attribute (for messages and docs)."""
    return _ENV_NAMES[attribute]


def _int(env: Mapping[str, str], attribute: str, default: int, low: int, high: int) -> int:
    name = _ENV_NAMES[attribute]
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _clock_time(
    env: Mapping[str, str], attribute: str, default: time, low: time, high: time
) -> time:
    name = _ENV_NAMES[attribute]
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = time.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a time like 09:00, got {raw!r}") from None
    if not low <= value < high:
        raise SettingsError(f"{name} must be from {low:%H:%M} to before {high:%H:%M}, got {raw}")
    return value.replace(second=0, microsecond=0)


def _weekday(env: Mapping[str, str], name: str = "NUDGES_WEEKDAY") -> int:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return 0
    if raw[:3] in _WEEKDAYS:
        return _WEEKDAYS[raw[:3]]
    if raw in ("1", "2", "3", "4", "5"):
        return int(raw) - 1
    raise SettingsError(f"{name} must be a working day (mon..fri or 1..5), got {raw!r}")


def _rate(env: Mapping[str, str]) -> float:
    raw = env.get("SEND_RATE_PER_SECOND", "").strip()
    if not raw:
        return 25.0
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"SEND_RATE_PER_SECOND must be a number, got {raw!r}") from None
    if not 0.1 <= value <= 1000:
        raise SettingsError(f"SEND_RATE_PER_SECOND must be between 0.1 and 1000, got {raw}")
    return value


def _words(raw: str) -> list[str]:
    return [word.strip() for word in raw.replace(";", ",").split(",") if word.strip()]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build and validate Settings from the environment (or a given mapping).

    Keyword overrides (e.g. from command-line flags) win over the environment.
    """
    env = os.environ if env is None else env

    def text(attribute: str, default: str) -> str:
        return env.get(_ENV_NAMES[attribute], default).strip() or default

    raw_language = text("default_language", "fi")
    default_language = to_language(raw_language)
    if default_language is None:
        raise SettingsError(f"DEFAULT_LANGUAGE must be one of fi, sv, en, got {raw_language!r}")
    app_type = text("app_type", "MultiTenant")
    if app_type not in APP_TYPES:
        raise SettingsError(f"APP_TYPE must be one of {', '.join(APP_TYPES)}, got {app_type!r}")
    log_level = text("log_level", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")

    timezone = text("timezone", "Europe/Helsinki")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIMEZONE must be an IANA time zone, got {timezone!r}") from None
    scheduler = text("scheduler", "on").lower()
    if scheduler not in ("on", "off"):
        raise SettingsError(f"SCHEDULER must be on or off, got {scheduler!r}")
    qa_semantic = text("qa_semantic", "on").lower()
    if qa_semantic not in ("on", "off"):
        raise SettingsError(f"QA_SEMANTIC must be on or off, got {qa_semantic!r}")
    database_url = text("database_url", "")
    if database_url and not database_url.startswith(
        ("sqlite+aiosqlite://", "postgresql+asyncpg://")
    ):
        raise SettingsError(
            "DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )

    values: dict[str, object] = {
        "host": text("host", "127.0.0.1"),
        "port": _int(env, "port", 3978, 1, 65535),
        "app_id": text("app_id", ""),
        "app_password": env.get("APP_PASSWORD", ""),
        "app_tenant_id": text("app_tenant_id", ""),
        "app_type": app_type,
        "content_dir": Path(text("content_dir", str(BUNDLED_CONTENT_DIR))),
        "data_dir": Path(text("data_dir", "data")),
        "default_language": default_language,
        "log_level": log_level,
        "max_body_bytes": _int(env, "max_body_bytes", 256 * 1024, 1024, 16 * 1024 * 1024),
        "openid_metadata_url": text("openid_metadata_url", ""),
        "token_issuer": text("token_issuer", ""),
        "login_url": text("login_url", ""),
        "oauth_scope": text("oauth_scope", ""),
        "database_url": database_url,
        "timezone": timezone,
        # Tips may catch up until noon and nudges until 16:00, so they must start earlier.
        "tips_time": _clock_time(env, "tips_time", time(9, 0), time(7, 0), time(12, 0)),
        "nudges_weekday": _weekday(env),
        "nudges_time": _clock_time(env, "nudges_time", time(9, 30), time(7, 0), time(16, 0)),
        "send_rate": _rate(env),
        "scheduler": scheduler == "on",
        "coffee_weekday": _weekday(env, "COFFEE_WEEKDAY"),
        "coffee_time": _clock_time(env, "coffee_time", time(8, 0), time(7, 0), time(16, 0)),
        "graph_auth": text("graph_auth", "none"),
        "graph_tenant_id": text("graph_tenant_id", ""),
        "graph_client_id": text("graph_client_id", ""),
        "graph_client_secret": env.get("GRAPH_CLIENT_SECRET", ""),
        "graph_certificate_path": text("graph_certificate_path", ""),
        "graph_base_url": text("graph_base_url", "https://graph.microsoft.com/v1.0"),
        "hr_api_key": env.get("HR_API_KEY", "").strip(),
        "hr_api_tenant_id": text("hr_api_tenant_id", ""),
        "hr_api_audiences": tuple(_words(env.get("HR_API_AUDIENCE", ""))),
        "hr_group_id": text("hr_group_id", ""),
        "hr_api_openid_metadata_url": text("hr_api_openid_metadata_url", ""),
        "hr_user_ids": frozenset(_words(env.get("HR_USER_IDS", ""))),
        "onboarding_retention_days": _int(env, "onboarding_retention_days", 90, 1, 3650),
        "service_url": text("service_url", "https://smba.trafficmanager.net/teams/"),
        "qa_semantic": qa_semantic == "on",
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    """Cross-field rules; raises SettingsError naming the variable."""
    if settings.local_mode and not is_loopback(settings.host):
        raise SettingsError(
            f"BOT_HOST={settings.host} needs APP_ID: without app credentials the bot accepts "
            "unauthenticated requests, so it may listen on loopback only "
            "(127.0.0.1, ::1, localhost)"
        )
    if settings.app_id and settings.app_type == "SingleTenant" and not settings.app_tenant_id:
        raise SettingsError("APP_TENANTID is required when APP_TYPE=SingleTenant")
    if settings.app_id and settings.app_type != "UserAssignedMSI" and not settings.app_password:
        raise SettingsError(
            "APP_PASSWORD is required when APP_ID is set (unless APP_TYPE=UserAssignedMSI)"
        )
    try:
        graph_config(settings).validate()
    except ValueError as error:
        raise SettingsError(str(error)) from None
    if settings.hr_api_key and len(settings.hr_api_key) < 16:
        raise SettingsError("HR_API_KEY must be at least 16 characters long")
    if not settings.content_dir.is_dir():
        raise SettingsError(f"CONTENT_DIR={settings.content_dir} is not a directory")


def graph_config(settings: Settings) -> GraphConfig:
    """The Microsoft Graph part of the settings, for bot/graph."""
    return GraphConfig(
        auth=settings.graph_auth,
        tenant_id=settings.graph_tenant_id,
        client_id=settings.graph_client_id,
        client_secret=settings.graph_client_secret,
        certificate_path=settings.graph_certificate_path,
        base_url=settings.graph_base_url,
    )
