"""GraphConfig.validate names what is missing; the credential class follows GRAPH_AUTH."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from azure.identity.aio import (
    CertificateCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from bot.directory import ServiceError, ServiceErrorKind
from bot.graph.calendar import GraphCalendar
from bot.graph.credentials import GRAPH_SCOPES, build_credential
from bot.settings import GraphConfig

TENANT = "00000000-0000-0000-0000-000000000001"
CLIENT = "00000000-0000-0000-0000-000000000002"


def pem_certificate(path: Path) -> Path:
    """A self-signed certificate with its private key in one PEM file."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "yhteisobotti-test")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # valid whenever the test runs
        .not_valid_after(dt.datetime(2099, 12, 31, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    return path


async def test_secret_gives_client_secret_credential() -> None:
    config = GraphConfig("secret", tenant_id=TENANT, client_id=CLIENT, client_secret="s3cr3t")
    credential = build_credential(config)
    try:
        assert isinstance(credential, ClientSecretCredential)
    finally:
        await credential.close()


async def test_certificate_gives_certificate_credential(tmp_path: Path) -> None:
    path = pem_certificate(tmp_path / "graph.pem")
    config = GraphConfig(
        "certificate", tenant_id=TENANT, client_id=CLIENT, certificate_path=str(path)
    )
    credential = build_credential(config)
    try:
        assert isinstance(credential, CertificateCredential)
    finally:
        await credential.close()


async def test_certificate_path_that_does_not_exist_fails_at_start(tmp_path: Path) -> None:
    config = GraphConfig(
        "certificate",
        tenant_id=TENANT,
        client_id=CLIENT,
        certificate_path=str(tmp_path / "missing.pem"),
    )
    with pytest.raises(OSError):
        build_credential(config)


@pytest.mark.parametrize("client_id", ["", CLIENT])
async def test_managed_identity(client_id: str) -> None:
    credential = build_credential(GraphConfig("managed_identity", client_id=client_id))
    try:
        assert isinstance(credential, ManagedIdentityCredential)
    finally:
        await credential.close()


def test_none_is_not_configured() -> None:
    with pytest.raises(ServiceError) as raised:
        build_credential(GraphConfig("none"))
    assert raised.value.kind is ServiceErrorKind.NOT_CONFIGURED
    with pytest.raises(ServiceError):
        GraphCalendar(GraphConfig("none"))


def test_scopes_are_graph_default() -> None:
    assert GRAPH_SCOPES == ["https://graph.microsoft.com/.default"]


@pytest.mark.parametrize(
    ("config", "named"),
    [
        (GraphConfig("secret"), ["tenant_id (GRAPH_TENANT_ID)", "client_id", "client_secret"]),
        (
            GraphConfig("secret", tenant_id=TENANT, client_id=CLIENT),
            ["client_secret (GRAPH_CLIENT_SECRET)"],
        ),
        (
            GraphConfig("certificate", tenant_id=TENANT),
            ["client_id (GRAPH_CLIENT_ID)", "certificate_path (GRAPH_CERTIFICATE_PATH)"],
        ),
        (GraphConfig("password"), ["GRAPH_AUTH must be one of"]),
        (
            GraphConfig("managed_identity", base_url="http://graph.example/v1.0"),
            ["GRAPH_BASE_URL", "https"],
        ),
        (GraphConfig("none", base_url="ftp://127.0.0.1/v1.0"), ["GRAPH_BASE_URL"]),
        (GraphConfig("none", base_url="https://u:p@graph.example/v1.0"), ["credentials"]),
        (GraphConfig("none", max_concurrency=0), ["max_concurrency"]),
        (GraphConfig("none", requests_per_second=0), ["requests_per_second"]),
        (GraphConfig("none", requests_per_second=float("nan")), ["requests_per_second"]),
    ],
)
def test_validate_names_the_missing_piece(config: GraphConfig, named: list[str]) -> None:
    with pytest.raises(ValueError) as raised:
        config.validate()
    for piece in named:
        assert piece in str(raised.value)


def test_valid_configs_and_secret_not_shown() -> None:
    GraphConfig("none").validate()
    GraphConfig("managed_identity").validate()
    GraphConfig("none", base_url="http://127.0.0.1:8080/v1.0").validate()
    GraphConfig("none", base_url="http://localhost/v1.0").validate()
    config = GraphConfig("secret", tenant_id=TENANT, client_id=CLIENT, client_secret="s3cr3t")
    config.validate()
    assert "s3cr3t" not in repr(config)
    with pytest.raises(ValueError) as raised:
        GraphConfig("secret", client_secret="s3cr3t").validate()
    assert "s3cr3t" not in str(raised.value)
