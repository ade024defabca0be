"""Microsoft Graph settings as plain values (bot/settings.py reads the environment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["AUTH_KINDS", "GRAPH_SCOPE", "GraphConfig"]

AUTH_KINDS = ("none", "secret", "certificate", "managed_identity")
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})

# What each way of signing in needs, with the environment variable that carries it.
_REQUIRED: dict[str, tuple[tuple[str, str], ...]] = {
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
        if self.auth not in _REQUIRED:
            raise ValueError(f"GRAPH_AUTH must be one of {', '.join(AUTH_KINDS)}: {self.auth!r}")
        missing = [
            f"{name} ({env})" for name, env in _REQUIRED[self.auth] if not getattr(self, name)
        ]
        if missing:
            raise ValueError(f"GRAPH_AUTH={self.auth} needs {', '.join(missing)}")
        url = urlsplit(self.base_url)
        local = url.hostname in _LOOPBACK
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
