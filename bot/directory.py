"""The people directory as the core sees it: a port, its plain types and its errors.

Ground floor. Coffee (whom to avoid) and onboarding (who the newcomer, buddy and manager
are) look people up through `Directory`; bot/graph implements it over Microsoft Graph,
beside coffee's calendar port. `ServiceError` is what both ports raise when the service
behind them fails, so callers handle one kind of failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.i18n import Language, to_language


class ServiceErrorKind(StrEnum):
    NOT_CONFIGURED = "not_configured"  # no Graph credentials in the settings
    PERMISSION_DENIED = "permission_denied"  # 401/403: the app lacks a permission
    NOT_FOUND = "not_found"  # the user does not exist (or has no mailbox)
    THROTTLED = "throttled"  # still 429 after the SDK's own retries
    UNAVAILABLE = "unavailable"  # 5xx, timeouts, network


class ServiceError(Exception):
    """The directory or the calendar could not answer (see `kind`)."""

    def __init__(self, kind: ServiceErrorKind, detail: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class DirectoryUser:
    id: str  # Entra ID object id
    display_name: str
    mail: str | None
    user_principal_name: str | None
    preferred_language: str | None = None  # e.g. "fi-FI"

    @property
    def language(self) -> Language | None:
        """Their preferred language if it is one of ours (sv-FI → sv)."""
        return to_language(self.preferred_language)


class Directory(Protocol):
    async def find_user(self, id_or_upn: str) -> DirectoryUser | None:
        """The user by object id, UPN or mail; None if there is none. Raises ServiceError."""
