"""The azure-identity async credential for app-only Graph calls, chosen by GraphConfig."""

from __future__ import annotations

from azure.core.credentials_async import AsyncTokenCredential
from azure.identity.aio import (
    CertificateCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
)

from bot.directory import ServiceError, ServiceErrorKind
from bot.settings import GraphConfig

__all__ = ["GRAPH_SCOPES", "build_credential"]

# Always passed explicitly: app-only tokens exist only for `/.default`.
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
GRAPH_SCOPES: list[str] = [GRAPH_SCOPE]


def build_credential(config: GraphConfig) -> AsyncTokenCredential:
    """A credential for `config.auth`; ServiceError(NOT_CONFIGURED) for "none".

    Raises ValueError (from `config.validate()`) when a required setting is missing. The
    certificate file is read here, so a wrong path fails at start-up, not at first use.
    """
    config.validate()
    if config.auth == "secret":
        return ClientSecretCredential(config.tenant_id, config.client_id, config.client_secret)
    if config.auth == "certificate":
        return CertificateCredential(
            config.tenant_id, config.client_id, certificate_path=config.certificate_path
        )
    if config.auth == "managed_identity":
        # Without a client id: the system-assigned identity.
        return ManagedIdentityCredential(client_id=config.client_id or None)
    raise ServiceError(ServiceErrorKind.NOT_CONFIGURED, "GRAPH_AUTH=none")
