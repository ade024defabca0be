"""Loopback test doubles of Teams, the Bot Connector, Entra ID and Microsoft Graph.

Start everything on one 127.0.0.1 server in a background thread::

    from tests.doubles import Doubles, TeamsUser

    with Doubles() as d:              # or: async with Doubles() as d
        d.bot_settings()              # TO_BOT_FROM_CHANNEL_* overrides for the bot
        d.bot_credentials_factory()   # outbound Bot Connector token, no MSAL
        d.graph_client()              # msgraph-sdk client at the Graph double
        driver = d.driver("http://127.0.0.1:3978")

See README.md in this directory for what each double covers and what it does not.
"""

from ._faults import Fault, FaultInjector, FaultRule
from ._model import (
    DEFAULT_TENANT_ID,
    Channel,
    Team,
    TeamsUser,
    channel_thread_id,
    personal_conversation_id,
    root_conversation_id,
)
from ._ratelimit import TEAMS_PER_CONVERSATION, Limit, RateLimits
from ._recording import CallLog, Clock, ManualClock, RecordedCall
from ._server import LoopbackServer
from ._suite import DEFAULT_APP_ID, GRAPH_SCOPE, Doubles
from .connector import ConnectorDouble, Conversation
from .graph import CalendarItem, GraphDouble, GraphUser, WorkingHours, resolve_time_zone
from .identity import (
    BOT_FRAMEWORK_ISSUER,
    BadToken,
    FixedTokenBotCredentials,
    FixedTokenBotCredentialsFactory,
    FixedTokenCredential,
    IdentityDouble,
    SigningKey,
    forget_sdk_metadata,
)
from .teams import ActivityFactory, BotResponse, TeamsDriver

__all__ = [
    "BOT_FRAMEWORK_ISSUER",
    "DEFAULT_APP_ID",
    "DEFAULT_TENANT_ID",
    "GRAPH_SCOPE",
    "TEAMS_PER_CONVERSATION",
    "ActivityFactory",
    "BadToken",
    "BotResponse",
    "CalendarItem",
    "CallLog",
    "Channel",
    "Clock",
    "ConnectorDouble",
    "Conversation",
    "Doubles",
    "Fault",
    "FaultInjector",
    "FaultRule",
    "FixedTokenBotCredentials",
    "FixedTokenBotCredentialsFactory",
    "FixedTokenCredential",
    "GraphDouble",
    "GraphUser",
    "IdentityDouble",
    "Limit",
    "LoopbackServer",
    "ManualClock",
    "RateLimits",
    "RecordedCall",
    "SigningKey",
    "Team",
    "TeamsDriver",
    "TeamsUser",
    "WorkingHours",
    "channel_thread_id",
    "forget_sdk_metadata",
    "personal_conversation_id",
    "resolve_time_zone",
    "root_conversation_id",
]
